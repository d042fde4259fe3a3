#include "GatewayPolicyFile.h"
#include "core/GatewayClientPolicy.h"
#include "gatewayserver/GatewayAccessPolicy.h"

#include <QTemporaryDir>
#include <QTest>

using namespace kms;

namespace {

const QByteArray Example = R"(clients:
  - subject: desk-admin
    namespaces: [team-a, team-b]
    staticServiceAccounts: [default/app-sa]
    roles:
      - {kind: ClusterRole, name: kms-dynamic-role}
      - {kind: Role, name: reader}
    clusterWide: true
    maxTTL: 24h
    audiences: ["*"]
    extraLabels: [team, example.com/tier]
    extraAnnotations: ["*"]
    generatedRoles:
      kinds: [Role, ClusterRole]
      rules:
        - apiGroups: [""]
          resources: [pods, configmaps]
          verbs: [get, list, watch]
  - subject: "*"
    namespaces: [team-a]
    maxTTL: 1h
    audiences: [vault, api]
)";

DynamicSecret dynamicSecret()
{
    DynamicSecret s;
    s.name = QStringLiteral("d");
    s.credentialType = CredentialType::Dynamic;
    s.allowedNamespaces = { QStringLiteral("team-a") };
    s.roleType = RoleType::ClusterRole;
    s.roleName = QStringLiteral("kms-dynamic-role");
    s.maxTtl = Duration::fromHours(24);
    return s;
}

} // namespace

class TestGatewayAccessPolicy : public QObject {
    Q_OBJECT

private slots:
    void parsesEveryField()
    {
        QString error;
        const auto policy = GatewayAccessPolicy::parse(Example, &error);
        QVERIFY2(policy, qPrintable(error));
        QCOMPARE(policy->clients().size(), 2);
        const GatewayClientPolicy &first = policy->clients().first();
        QCOMPARE(first.subject, QStringLiteral("desk-admin"));
        QCOMPARE(first.namespaces, (QStringList { QStringLiteral("team-a"), QStringLiteral("team-b") }));
        QCOMPARE(first.staticServiceAccounts, QStringList { QStringLiteral("default/app-sa") });
        QCOMPARE(first.roles.size(), 2);
        QCOMPARE(first.roles[1].kind, QStringLiteral("Role"));
        QCOMPARE(first.roles[1].name, QStringLiteral("reader"));
        QVERIFY(first.clusterWide);
        QCOMPARE(first.maxTtlSeconds, 24 * 3600);
        QVERIFY(first.anyAudience());
        QCOMPARE(
            first.extraLabels, (QStringList { QStringLiteral("team"), QStringLiteral("example.com/tier") }));
        QVERIFY(first.allowsExtraLabel(QStringLiteral("team")));
        QVERIFY(!first.allowsExtraLabel(QStringLiteral("owner")));
        QVERIFY(first.allowsExtraAnnotation(QStringLiteral("owner")));
        QVERIFY(!first.allowsExtraAnnotation(QStringLiteral("kms.hanzo.ai/expires-at"))); // never "extra"
        QCOMPARE(first.generatedRoles.kinds,
            (QStringList { QStringLiteral("Role"), QStringLiteral("ClusterRole") }));
        QCOMPARE(first.generatedRoles.rules.size(), 1);
        QCOMPARE(first.generatedRoles.rules.first().resources, (QStringList { "pods", "configmaps" }));
        const GatewayClientPolicy &second = policy->clients().at(1);
        QVERIFY(second.extraLabels.isEmpty() && !second.allowsExtraLabel(QStringLiteral("team")));
        QVERIFY(!second.allowsGeneratedRole(QStringLiteral("Role"))); // deny by default
        QVERIFY(second.staticServiceAccounts.isEmpty() && second.roles.isEmpty() && !second.clusterWide);
        QCOMPARE(second.audiences, (QStringList { QStringLiteral("vault"), QStringLiteral("api") }));
    }

    void theFirstMatchingEntryApplies()
    {
        const auto policy = GatewayAccessPolicy::parse(Example, nullptr);
        QCOMPARE(policy->entryFor(QStringLiteral("desk-admin"))->subject, QStringLiteral("desk-admin"));
        QCOMPARE(policy->entryFor(QStringLiteral("someone"))->subject, QStringLiteral("*"));
        QCOMPARE(policy->entryFor(QString())->subject, QStringLiteral("*"));
        const auto named = GatewayAccessPolicy::parse(
            "clients:\n  - subject: alice\n    maxTTL: 1h\n    audiences: [\"*\"]\n", nullptr);
        QVERIFY(named);
        QVERIFY(named->entryFor(QStringLiteral("alice")));
        QVERIFY(!named->entryFor(QStringLiteral("bob")));
        QVERIFY(!named->entryFor(QString()));
    }

    void rejectsBadFilesInOneSentence_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << QByteArray() << "no \"clients:\" list";
        QTest::newRow("not yaml") << QByteArray("clients: [") << "it is not YAML";
        QTest::newRow("clients not a list")
            << QByteArray("clients: 3\n") << "is not a list with at least one";
        QTest::newRow("empty list") << QByteArray("clients: []\n") << "is not a list with at least one";
        QTest::newRow("unknown top level")
            << QByteArray("clients: []\nrules: 1\n") << "unknown top-level field";
        QTest::newRow("no subject") << QByteArray("clients:\n  - maxTTL: 1h\n    audiences: [a]\n")
                                    << "clients[0].subject is missing";
        QTest::newRow("no maxTTL") << QByteArray("clients:\n  - subject: a\n    audiences: [a]\n")
                                   << "clients[0].maxTTL is missing";
        QTest::newRow("bad maxTTL") << QByteArray(
            "clients:\n  - subject: a\n    maxTTL: x\n    audiences: [a]\n")
                                    << "clients[0].maxTTL \"x\" is not a duration";
        QTest::newRow("short maxTTL")
            << QByteArray("clients:\n  - subject: a\n    maxTTL: 5m\n    audiences: [a]\n")
            << "maxTTL must be between 10m";
        QTest::newRow("no audiences")
            << QByteArray("clients:\n  - subject: a\n    maxTTL: 1h\n") << "clients[0].audiences is missing";
        QTest::newRow("empty audiences")
            << QByteArray("clients:\n  - subject: a\n    maxTTL: 1h\n    audiences: []\n")
            << "audiences is empty";
        QTest::newRow("extra label of the product's")
            << QByteArray("clients:\n  - subject: a\n    maxTTL: 1h\n    audiences: [a]\n    extraLabels: "
                          "[kms.hanzo.ai/lease-id]\n")
            << "extraLabels: \"kms.hanzo.ai/lease-id\" is one of Hanzo KMS's own keys";
        QTest::newRow("extra annotation not a key") << QByteArray(
            "clients:\n  - subject: a\n    maxTTL: 1h\n    audiences: [a]\n    extraAnnotations: "
            "[\"a b\"]\n") << "extraAnnotations: \"a b\" is not a label or annotation key";
        QTest::newRow("generated roles of another kind")
            << QByteArray("clients:\n  - subject: a\n    maxTTL: 1h\n    audiences: [a]\n    generatedRoles: "
                          "{kinds: "
                          "[Group], rules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]}\n")
            << "generatedRoles.kinds: \"Group\" is neither Role nor ClusterRole";
        QTest::newRow("generated roles without rules") << QByteArray(
            "clients:\n  - subject: a\n    maxTTL: 1h\n    audiences: [a]\n    generatedRoles: {kinds: "
            "[Role]}\n") << "generatedRoles.rules is empty";
        QTest::newRow("generated roles bad rule") << QByteArray(
            "clients:\n  - subject: a\n    maxTTL: 1h\n    audiences: [a]\n    generatedRoles: {kinds: "
            "[Role], rules: [{verb: [get]}]}\n")
                                                  << "clients[0].generatedRoles.rules: The generated role "
                                                     "rules are not usable: rules[0] has an unknown field";
        QTest::newRow("typo") << QByteArray(
            "clients:\n  - subject: a\n    namespace: [x]\n    maxTTL: 1h\n    "
            "audiences: [a]\n")
                              << "clients[0] has an unknown field \"namespace\"";
        QTest::newRow("bad namespace") << QByteArray(
            "clients:\n  - subject: a\n    namespaces: [Team_A]\n    maxTTL: 1h\n    audiences: [a]\n")
                                       << "namespaces: \"Team_A\" is not a namespace name";
        QTest::newRow("namespaces not a list") << QByteArray(
            "clients:\n  - subject: a\n    namespaces: team-a\n    maxTTL: 1h\n    audiences: [a]\n")
                                               << "clients[0].namespaces is not a list";
        QTest::newRow("static without namespace") << QByteArray(
            "clients:\n  - subject: a\n    staticServiceAccounts: [app]\n    maxTTL: 1h\n    "
            "audiences: [a]\n") << "\"app\" is not namespace/name";
        QTest::newRow("bad role kind") << QByteArray(
            "clients:\n  - subject: a\n    roles: [{kind: Group, name: x}]\n    maxTTL: 1h\n    "
            "audiences: [a]\n") << "kind \"Group\" is neither Role nor ClusterRole";
        QTest::newRow("role without name") << QByteArray(
            "clients:\n  - subject: a\n    roles: [{kind: Role}]\n    maxTTL: 1h\n    audiences: [a]\n")
                                           << "is not {kind, name}";
        QTest::newRow("clusterWide not bool") << QByteArray(
            "clients:\n  - subject: a\n    clusterWide: maybe\n    maxTTL: 1h\n    audiences: [a]\n")
                                              << "clients[0].clusterWide is \"maybe\", not true or false";
        QTest::newRow("selector not closed")
            << QByteArray("clients:\n  - subject: a\n    namespaceSelector: \"team in (a\"\n    maxTTL: 1h\n "
                          "   audiences: [a]\n")
            << "namespaceSelector: The namespace selector \"team in (a\" is not a "
               "label selector";
        QTest::newRow("selector beside any") << QByteArray(
            "clients:\n  - subject: a\n    namespaces: [\"*\"]\n    "
            "namespaceSelector: env=dev\n    maxTTL: 1h\n    "
            "audiences: [a]\n") << "namespaceSelector narrows nothing beside namespaces: [\"*\"]";
        QTest::newRow("second entry")
            << QByteArray(Example + "  - subject: \"\"\n    maxTTL: 1h\n    audiences: [a]\n")
            << "clients[2]: subject is empty";
    }

    void rejectsBadFilesInOneSentence()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!GatewayAccessPolicy::parse(yaml, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY(!error.contains(QLatin1Char('\n')));
    }

    void loadNamesTheFile()
    {
        QString error;
        QVERIFY(!GatewayAccessPolicy::load(QStringLiteral("/nonexistent/policy.yaml"), &error));
        QVERIFY2(error.startsWith(QLatin1String("--policy: cannot read /nonexistent/policy.yaml")),
            qPrintable(error));
        QTemporaryDir dir;
        const QString path = kms::test::writeGatewayPolicy(dir.path(), "clients: 1\n");
        QVERIFY(!GatewayAccessPolicy::load(path, &error));
        QVERIFY2(error.contains(path + QStringLiteral(" is not a usable policy")), qPrintable(error));
        const QString big = kms::test::writeGatewayPolicy(
            dir.path(), QByteArray(GatewayAccessPolicy::MaxFileBytes + 1, '#'));
        QVERIFY(!GatewayAccessPolicy::load(big, &error));
        QVERIFY2(error.contains(QLatin1String("larger than 1 MiB")), qPrintable(error));
    }

    void thePackagedExampleIsValid()
    {
        const QByteArray yaml = kms::test::packagedGatewayPolicy();
        QVERIFY(!yaml.isEmpty());
        QString error;
        const auto policy = GatewayAccessPolicy::parse(yaml, &error);
        QVERIFY2(policy, qPrintable(error));
        QVERIFY(policy->entryFor(QStringLiteral("hanzo-kms-desktop")));
    }

    void travelsAsJson()
    {
        const GatewayClientPolicy p = GatewayAccessPolicy::parse(Example, nullptr)->clients().first();
        QString error;
        const auto back = GatewayClientPolicy::fromJson(p.toJson(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->subject, p.subject);
        QCOMPARE(back->namespaces, p.namespaces);
        QCOMPARE(back->staticServiceAccounts, p.staticServiceAccounts);
        QCOMPARE(back->roles, p.roles);
        QCOMPARE(back->clusterWide, p.clusterWide);
        QCOMPARE(back->maxTtlSeconds, p.maxTtlSeconds);
        QCOMPARE(back->audiences, p.audiences);
        QCOMPARE(back->extraLabels, p.extraLabels);
        QCOMPARE(back->extraAnnotations, p.extraAnnotations);
        QCOMPARE(back->generatedRoles, p.generatedRoles);
        QCOMPARE(p.toJson().value(QLatin1String("maxTTL")).toString(), QStringLiteral("1d"));
        QVERIFY(!GatewayClientPolicy::fromJson(QJsonObject { { QStringLiteral("subject"), 3 } }, &error));
        QVERIFY2(
            error.startsWith(QLatin1String("The gateway's policy answer is unusable")), qPrintable(error));
    }

    void refusesSecretsThePolicyWouldRefuse_data()
    {
        QTest::addColumn<int>("change");
        QTest::addColumn<QString>("expected"); // empty: allowed
        QTest::newRow("allowed") << 0 << "";
        QTest::newRow("namespace") << 1 << "namespace \"team-b\" is not in its namespaces";
        QTest::newRow("role") << 2 << "role ClusterRole \"admin\" is not in its roles";
        QTest::newRow("cluster-wide") << 3 << "cluster-wide bindings are not allowed";
        QTest::newRow("max ttl") << 4 << "the max TTL 2d is longer than its maxTTL of 1d";
        QTest::newRow("static account")
            << 5 << "service account \"default/other\" is not in its staticServiceAccounts";
        QTest::newRow("static allowed") << 6 << "";
        QTest::newRow("audience") << 7 << "the audience \"other\" is not allowed";
        QTest::newRow("no audience") << 8 << "a token without audiences";
        QTest::newRow("second role allowed") << 9 << "";
        QTest::newRow("second role refused") << 10 << "role Role \"admin\" is not in its roles";
        QTest::newRow("extra label allowed") << 11 << "";
        QTest::newRow("extra label refused") << 12 << "the extra label \"owner\" is not in its extraLabels";
        QTest::newRow("generated role allowed") << 13 << "";
        QTest::newRow("generated role beyond the policy")
            << 14
            << "the generated role would grant {APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}";
        QTest::newRow("generated role of a kind not allowed")
            << 15 << "generated ClusterRoles are not allowed";
    }

    void refusesSecretsThePolicyWouldRefuse()
    {
        QFETCH(int, change);
        QFETCH(QString, expected);
        GatewayClientPolicy p = GatewayAccessPolicy::parse(Example, nullptr)->clients().first();
        p.clusterWide = false;
        p.namespaces = { QStringLiteral("team-a") };
        DynamicSecret s = dynamicSecret();
        switch (change) {
        case 1:
            s.allowedNamespaces << QStringLiteral("team-b");
            break;
        case 2:
            s.roleName = QStringLiteral("admin");
            break;
        case 3:
            s.clusterWide = true;
            break;
        case 4:
            s.maxTtl = Duration::fromDays(2);
            break;
        case 5:
        case 6:
            s.credentialType = CredentialType::Static;
            s.namespaceName = QStringLiteral("default");
            s.serviceAccount = change == 5 ? QStringLiteral("other") : QStringLiteral("app-sa");
            break;
        case 7:
        case 8:
            p.audiences = { QStringLiteral("vault") };
            s.audiences = change == 7 ? QStringList { QStringLiteral("other") } : QStringList();
            break;
        case 9:
        case 10:
            s.extraRoles
                = { { RoleType::Role, change == 9 ? QStringLiteral("reader") : QStringLiteral("admin") } };
            break;
        case 11:
        case 12:
            s.extraLabels = { { change == 11 ? QStringLiteral("team") : QStringLiteral("owner"),
                QStringLiteral("a") } };
            break;
        case 13:
        case 14:
        case 15:
            s.generatedRules
                = { PolicyRule { { change == 14 ? QStringLiteral("delete") : QStringLiteral("get") },
                    { QString() }, { QStringLiteral("pods") }, {}, {} } };
            if (change == 15) {
                s.generatedRoleType = RoleType::ClusterRole;
                p.generatedRoles.kinds = { QStringLiteral("Role") };
            }
            break;
        }
        const QString refusal = p.refusalFor(s);
        if (expected.isEmpty()) {
            QVERIFY2(refusal.isEmpty(), qPrintable(refusal));
        } else {
            QVERIFY2(refusal.startsWith(
                         QLatin1String("The gateway's policy for this client refuses the secret: ")),
                qPrintable(refusal));
            QVERIFY2(refusal.contains(expected), qPrintable(refusal));
            QVERIFY(refusal.endsWith(QLatin1Char('.')));
        }
    }
};

QTEST_GUILESS_MAIN(TestGatewayAccessPolicy)
#include "tst_gatewayaccesspolicy.moc"
