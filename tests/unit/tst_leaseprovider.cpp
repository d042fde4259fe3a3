#include "provider/LeaseLabels.h"
#include "provider/LeaseProvider.h"
#include "provider/RbacManifests.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

#include <yaml-cpp/yaml.h>

using namespace kms;

namespace {
DynamicSecret dynamicSecret()
{
    DynamicSecret s;
    s.id = 7;
    s.name = QStringLiteral("ci-deployer");
    s.credentialType = CredentialType::Dynamic;
    s.allowedNamespaces = { QStringLiteral("team-a"), QStringLiteral("team-b") };
    s.roleType = RoleType::ClusterRole;
    s.roleName = QStringLiteral("kms-dynamic-role");
    return s;
}
} // namespace

class TestLeaseProvider : public QObject {
    Q_OBJECT
private slots:
    void namesLeaseObjectsSafelyAndRecognisably_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::newRow("plain") << "ci-deployer";
        QTest::newRow("dots") << "team.a.deployer";
        QTest::newRow("long") << QString(80, QLatin1Char('a'));
        QTest::newRow("long with dash at cut")
            << (QString(52, QLatin1Char('a')) + QStringLiteral("-bbbbbbbbb"));
    }
    void namesLeaseObjectsSafelyAndRecognisably()
    {
        QFETCH(QString, secret);
        const QRegularExpression dns1123Label(QStringLiteral("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"));
        QSet<QString> seen;
        for (int i = 0; i < 200; ++i) {
            const QString name = leaseObjectName(secret);
            QVERIFY2(name.size() <= 63, qPrintable(name));
            QVERIFY2(dns1123Label.match(name).hasMatch(), qPrintable(name));
            QVERIFY2(name.startsWith(QStringLiteral("kms-")
                         + QString(secret.left(10)).replace(QLatin1Char(0x2e), QLatin1Char(0x2d))),
                qPrintable(name));
            seen.insert(name);
        }
        QVERIFY(seen.size() > 190); // random suffix: collisions are rare
    }

    void plansEveryObjectBeforeTheFirstWrite()
    {
        DynamicSecret s = dynamicSecret();
        const Lease dynamic = LeaseProvider::plan(s, QStringLiteral("id-1"), QStringLiteral("team-b"));
        QCOMPARE(dynamic.kind, LeaseKind::Dynamic);
        QCOMPARE(dynamic.namespaceName, "team-b");
        QVERIFY(dynamic.createdServiceAccount);
        QVERIFY(dynamic.serviceAccount.startsWith("kms-ci-deployer-"));
        QCOMPARE(dynamic.bindingName, dynamic.serviceAccount);
        QCOMPARE(
            dynamic.bindingKind, "RoleBinding"); // a ClusterRole is bound in the lease namespace by default

        s.clusterWide = true;
        QCOMPARE(LeaseProvider::plan(s, "id-2", "team-a").bindingKind, "ClusterRoleBinding");

        DynamicSecret st;
        st.name = "static-one";
        st.credentialType = CredentialType::Static;
        st.serviceAccount = "app";
        st.namespaceName = "default";
        const Lease unbound = LeaseProvider::plan(st, "id-3", {});
        QCOMPARE(unbound.kind, LeaseKind::Static);
        QCOMPARE(unbound.serviceAccount, "app");
        QVERIFY(unbound.boundSecretName.isEmpty());
        QVERIFY(!unbound.createdServiceAccount);
        st.boundTokens = true;
        const Lease bound = LeaseProvider::plan(st, "id-4", {});
        QCOMPARE(bound.kind, LeaseKind::BoundStatic);
        QVERIFY(bound.boundSecretName.startsWith("kms-static-one-"));
    }

    void plansTheNameATemplateGave()
    {
        const Lease l = LeaseProvider::plan(dynamicSecret(), QStringLiteral("id-1"), QStringLiteral("team-a"),
            QStringLiteral("ci-jane-x7k2p"));
        QCOMPARE(l.serviceAccount, "ci-jane-x7k2p");
        QCOMPARE(l.bindingName, "ci-jane-x7k2p");
    }

    void plansABindingPerRole()
    {
        DynamicSecret s = dynamicSecret();
        s.extraRoles = { { RoleType::Role, QStringLiteral("deployer") },
            { RoleType::ClusterRole, QStringLiteral("view") } };
        s.clusterWide = true;
        const Lease l = LeaseProvider::plan(s, QStringLiteral("id-1"), QStringLiteral("team-a"));
        QCOMPARE(l.bindingName, l.serviceAccount);
        QCOMPARE(l.bindingKind, "ClusterRoleBinding");
        QCOMPARE(l.extraObjects.size(), 2);
        const LeaseObject &role = l.extraObjects.at(0);
        QCOMPARE(role.kind, "RoleBinding"); // a Role is bound in the lease namespace, cluster-wide or not
        QCOMPARE(role.namespaceName, "team-a");
        QCOMPARE(role.name, l.serviceAccount + "-2");
        QCOMPARE(role.roleKind, "Role");
        QCOMPARE(role.roleName, "deployer");
        const LeaseObject &view = l.extraObjects.at(1);
        QCOMPARE(view.kind, "ClusterRoleBinding");
        QVERIFY(view.namespaceName.isEmpty());
        QCOMPARE(view.name, l.serviceAccount + "-3");
        QCOMPARE(view.roleName, "view");
    }

    void plansAGeneratedRoleAndItsBinding()
    {
        DynamicSecret s = dynamicSecret();
        s.roleName.clear();
        s.generatedRules = { PolicyRule { { "get" }, { "" }, { "pods" }, {}, {} } };
        s.generatedRoleType = RoleType::Role;
        const Lease only = LeaseProvider::plan(s, QStringLiteral("id-1"), QStringLiteral("team-a"));
        QCOMPARE(only.bindingName, only.serviceAccount); // the generated role's binding comes first
        QCOMPARE(only.bindingKind, "RoleBinding");
        QCOMPARE(only.extraObjects.size(), 1);
        QCOMPARE(only.extraObjects.first().kind, "Role");
        QCOMPARE(only.extraObjects.first().namespaceName, "team-a");
        QCOMPARE(only.extraObjects.first().name, only.serviceAccount);
        QCOMPARE(LeaseProvider::bindingsOf(only, s).first().roleName, only.serviceAccount);
        QCOMPARE(LeaseProvider::bindingsOf(only, s).first().roleKind, "Role");

        s.roleName = QStringLiteral("kms-dynamic-role");
        s.generatedRoleType = RoleType::ClusterRole;
        s.clusterWide = true;
        const Lease both = LeaseProvider::plan(s, QStringLiteral("id-2"), QStringLiteral("team-a"));
        QCOMPARE(both.extraObjects.size(), 2);
        QCOMPARE(both.extraObjects.at(0).kind, "ClusterRole");
        QVERIFY(both.extraObjects.at(0).namespaceName.isEmpty());
        QCOMPARE(both.extraObjects.at(1).kind, "ClusterRoleBinding");
        QCOMPARE(both.extraObjects.at(1).name, both.serviceAccount + "-2");
        QCOMPARE(both.extraObjects.at(1).roleName, both.serviceAccount);
        QCOMPARE(LeaseProvider::generatedRoleOf(both)->kind, "ClusterRole");
    }

    void rbacForGeneratedRolesLetsTheRequesterHoldTheirRules()
    {
        DynamicSecret s = dynamicSecret();
        s.extraRoles = { { RoleType::ClusterRole, QStringLiteral("view") } };
        s.generatedRules = { PolicyRule { { "get", "list" }, { "" }, { "configmaps" }, {}, {} } };
        const QByteArray yaml = RbacManifests::generate(s, RbacManifests::requesterFor(s));
        const std::vector<YAML::Node> docs = YAML::LoadAll(yaml.toStdString());
        QStringList kinds;
        for (const auto &d : docs)
            kinds << QString::fromStdString(d["kind"].as<std::string>()) + '/'
                    + QString::fromStdString(d["metadata"]["name"].as<std::string>())
                    + (d["metadata"]["namespace"]
                            ? "@" + QString::fromStdString(d["metadata"]["namespace"].as<std::string>())
                            : QString());
        QCOMPARE(kinds,
            (QStringList { "ServiceAccount/kms-token-requester@default", "ClusterRole/tokenrequest",
                "ClusterRoleBinding/tokenrequest", "ClusterRoleBinding/kms-dynamic-role-binding-sa",
                "ClusterRoleBinding/kms-dynamic-role-binding-sa-2",
                "ClusterRole/kms-generated-rules-ci-deployer",
                "RoleBinding/kms-generated-rules-ci-deployer@team-a",
                "RoleBinding/kms-generated-rules-ci-deployer@team-b",
                "Secret/kms-token-requester-token@default" }));
        QCOMPARE(docs[4]["roleRef"]["name"].as<std::string>(), std::string("view"));
        QCOMPARE(docs[5]["rules"][0]["resources"][0].as<std::string>(), std::string("configmaps"));
        QCOMPARE(docs[5]["rules"][0]["apiGroups"][0].as<std::string>(), std::string(""));
        QVERIFY(yaml.contains("clusterroles")); // the requester may create and delete the generated roles
    }

    void labelsCarryTheSecretsExtrasButNeverOverrideTheProducts()
    {
        const QDateTime at = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC);
        const QJsonObject meta = LeaseLabels::metadata("n", "ns", "lease-1", "sec", at,
            { { "team", "a" }, { "kms.hanzo.ai/lease-id", "forged" } },
            { { "owner", "ops" }, { "kms.hanzo.ai/expires-at", "never" } });
        QCOMPARE(meta["labels"]["team"].toString(), "a");
        QCOMPARE(meta["labels"]["kms.hanzo.ai/lease-id"].toString(), "lease-1");
        QCOMPARE(meta["annotations"]["owner"].toString(), "ops");
        QCOMPARE(meta["annotations"]["kms.hanzo.ai/expires-at"].toString(), "2026-01-02T03:04:05Z");
    }

    void labelsEveryObject()
    {
        const QDateTime at = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC);
        const QJsonObject object { { "metadata", LeaseLabels::metadata("n", "ns", "lease-1", "sec", at) } };
        QVERIFY(LeaseLabels::isManaged(object));
        QCOMPARE(LeaseLabels::leaseIdOf(object), "lease-1");
        QCOMPARE(LeaseLabels::expiresAtOf(object), at);
        QCOMPARE(
            object["metadata"]["annotations"]["kms.hanzo.ai/expires-at"].toString(), "2026-01-02T03:04:05Z");
        QCOMPARE(
            LeaseLabels::managedSelectorQuery(), "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms");
    }

    void generatesTheSetupGuidesRbacForTheMode()
    {
        DynamicSecret s = dynamicSecret();
        const QByteArray yaml = RbacManifests::generate(s, RbacManifests::requesterFor(s));
        const std::vector<YAML::Node> docs = YAML::LoadAll(yaml.toStdString());
        QStringList kinds;
        for (const auto &d : docs)
            kinds << QString::fromStdString(d["kind"].as<std::string>()) + '/'
                    + QString::fromStdString(d["metadata"]["name"].as<std::string>());
        QCOMPARE(kinds,
            (QStringList { "ServiceAccount/kms-token-requester", "ClusterRole/tokenrequest",
                "ClusterRoleBinding/tokenrequest", "ClusterRoleBinding/kms-dynamic-role-binding-sa",
                "Secret/kms-token-requester-token" }));
        QCOMPARE(docs[3]["roleRef"]["name"].as<std::string>(), std::string("kms-dynamic-role"));
        QCOMPARE(docs[2]["subjects"][0]["namespace"].as<std::string>(), std::string("default"));
        QVERIFY(yaml.contains("rolebindings"));

        s.authMethod = AuthMethod::Gateway;
        s.roleType = RoleType::Role;
        const std::vector<YAML::Node> gw
            = YAML::LoadAll(RbacManifests::generate(s, RbacManifests::requesterFor(s)).toStdString());
        QCOMPARE(int(gw.size()), 4); // no requester account or token Secret; a RoleBinding per namespace
        QCOMPARE(gw[2]["subjects"][0]["name"].as<std::string>(), std::string("kms-gateway"));
        QCOMPARE(gw[2]["subjects"][0]["namespace"].as<std::string>(), std::string("kms"));
        QCOMPARE(gw[3]["kind"].as<std::string>(), std::string("RoleBinding"));
        QCOMPARE(gw[3]["metadata"]["namespace"].as<std::string>(), std::string("team-b"));

        DynamicSecret st;
        st.credentialType = CredentialType::Static;
        st.boundTokens = true;
        const QByteArray staticYaml = RbacManifests::generate(st, RbacManifests::requesterFor(st));
        QVERIFY(staticYaml.contains("secrets"));
        QVERIFY(!staticYaml.contains("rolebindings"));
    }

    void explainsFailuresInOneSentenceWithWhatToDo()
    {
        const DynamicSecret s = dynamicSecret();
        QJsonObject status { { "kind", "Status" }, { "status", "Failure" }, { "reason", "Forbidden" },
            { "code", 403 },
            { "message",
                "rolebindings.rbac.authorization.k8s.io \"x\" is forbidden: user \"bob\" "
                "(groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently "
                "held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}" } };
        KubeError forbidden = KubeError::fromResponse(403, QJsonDocument(status).toJson(), "POST x");
        const QString text = LeaseProvider::explain("Binding ClusterRole \"kms-dynamic-role\"", forbidden, s);
        QVERIFY2(text.startsWith("Binding ClusterRole \"kms-dynamic-role\" failed: "
                                 "rolebindings.rbac.authorization.k8s.io \"x\" is forbidden"),
            qPrintable(text));
        QVERIFY2(text.contains("(403 Forbidden)"), qPrintable(text));
        QVERIFY2(text.contains("must itself hold every permission of ClusterRole \"kms-dynamic-role\""),
            qPrintable(text));
        QVERIFY2(text.contains("hanzo-kmsctl secret check ci-deployer"), qPrintable(text));

        const QJsonObject denied { { "kind", "Status" }, { "status", "Failure" },
            { "reason", "Unauthorized" }, { "code", 401 }, { "message", "Unauthorized" } };
        KubeError unauthorized = KubeError::fromResponse(401, QJsonDocument(denied).toJson(), "GET x");
        QVERIFY(
            LeaseProvider::explain("Listing", unauthorized, s).contains("update the secret's cluster token"));
    }
};

QTEST_GUILESS_MAIN(TestLeaseProvider)
#include "tst_leaseprovider.moc"
