#include "gatewayserver/GatewayRoute.h"

#include <QTest>

using namespace kms;
using Kind = GatewayRoute::Kind;

Q_DECLARE_METATYPE(GatewayRoute::Kind)

namespace {
const QString Managed = QStringLiteral("labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms");
} // namespace

class TestGatewayRoute : public QObject {
    Q_OBJECT

private slots:
    void decides_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("query");
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<bool>("secrets");

        // What the desktop does.
        QTest::newRow("version") << QByteArray("GET") << "/version"
                                 << "" << Kind::Discovery << false;
        QTest::newRow("api") << QByteArray("GET") << "/api"
                             << "" << Kind::Discovery << false;
        QTest::newRow("apis") << QByteArray("GET") << "/apis"
                              << "" << Kind::Discovery << false;
        QTest::newRow("api/v1") << QByteArray("GET") << "/api/v1"
                                << "" << Kind::Discovery << false;
        QTest::newRow("rbac group") << QByteArray("GET") << "/apis/rbac.authorization.k8s.io/v1"
                                    << "" << Kind::Discovery << false;
        QTest::newRow("get sa") << QByteArray("GET")
                                << "/api/v1/namespaces/default/serviceaccounts/kms-token-requester"
                                << "" << Kind::Read << false;
        QTest::newRow("create sa") << QByteArray("POST") << "/api/v1/namespaces/team-a/serviceaccounts"
                                   << "" << Kind::Create << false;
        QTest::newRow("delete sa") << QByteArray("DELETE")
                                   << "/api/v1/namespaces/team-a/serviceaccounts/kms-a-bcdfg"
                                   << "" << Kind::Delete << false;
        QTest::newRow("list sa managed") << QByteArray("GET") << "/api/v1/namespaces/team-a/serviceaccounts"
                                         << Managed << Kind::List << false;
        QTest::newRow("token") << QByteArray("POST") << "/api/v1/namespaces/default/serviceaccounts/app/token"
                               << "" << Kind::TokenRequest << false;
        QTest::newRow("create bound secret") << QByteArray("POST") << "/api/v1/namespaces/default/secrets"
                                             << "" << Kind::Create << true;
        QTest::newRow("get secret") << QByteArray("GET") << "/api/v1/namespaces/default/secrets/kms-a-bcdfg"
                                    << "" << Kind::Read << true;
        QTest::newRow("delete secret")
            << QByteArray("DELETE") << "/api/v1/namespaces/default/secrets/kms-a-bcdfg"
            << "" << Kind::Delete << true;
        QTest::newRow("list secrets managed")
            << QByteArray("GET") << "/api/v1/namespaces/default/secrets" << Managed << Kind::List << true;
        QTest::newRow("create rolebinding")
            << QByteArray("POST") << "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings"
            << "" << Kind::Create << false;
        QTest::newRow("delete rolebinding")
            << QByteArray("DELETE")
            << "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings/kms-a-bcdfg"
            << "propagationPolicy=Background" << Kind::Delete << false;
        QTest::newRow("create clusterrolebinding")
            << QByteArray("POST") << "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
            << "" << Kind::Create << false;
        QTest::newRow("list clusterrolebindings")
            << QByteArray("GET") << "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
            << "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms%2Ckms.hanzo.ai%2Flease-id%3Dabc"
            << Kind::List << false;
        QTest::newRow("get role") << QByteArray("GET")
                                  << "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles/reader"
                                  << "" << Kind::Read << false;
        QTest::newRow("get clusterrole")
            << QByteArray("GET") << "/apis/rbac.authorization.k8s.io/v1/clusterroles/view"
            << "" << Kind::Read << false;
        QTest::newRow("access review")
            << QByteArray("POST") << "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
            << "" << Kind::Review << false;
        QTest::newRow("rules review")
            << QByteArray("POST") << "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
            << "" << Kind::Refused << false;
        QTest::newRow("token review") << QByteArray("POST") << "/apis/authentication.k8s.io/v1/tokenreviews"
                                      << "" << Kind::Refused << false;

        // What it must not do.
        QTest::newRow("list kube-system secrets")
            << QByteArray("GET") << "/api/v1/namespaces/kube-system/secrets"
            << "" << Kind::Refused << false;
        QTest::newRow("list secrets other selector")
            << QByteArray("GET") << "/api/v1/namespaces/default/secrets"
            << "labelSelector=app%3Dweb" << Kind::Refused << false;
        QTest::newRow("list secrets negated selector")
            << QByteArray("GET") << "/api/v1/namespaces/default/secrets"
            << "labelSelector=app.kubernetes.io%2Fmanaged-by%21%3Dhanzo-kms" << Kind::Refused << false;
        QTest::newRow("list with two selectors")
            << QByteArray("GET") << "/api/v1/namespaces/default/secrets"
            << Managed + QStringLiteral("&labelSelector=a%3Db") << Kind::Refused << false;
        QTest::newRow("watch") << QByteArray("GET") << "/api/v1/namespaces/default/serviceaccounts"
                               << Managed + QStringLiteral("&watch=true") << Kind::Refused << false;
        QTest::newRow("cluster-wide secrets")
            << QByteArray("GET") << "/api/v1/secrets" << Managed << Kind::Refused << false;
        QTest::newRow("pods") << QByteArray("GET") << "/api/v1/namespaces/default/pods"
                              << "" << Kind::Refused << false;
        QTest::newRow("pod exec") << QByteArray("POST") << "/api/v1/namespaces/default/pods/web/exec"
                                  << "" << Kind::Refused << false;
        // Namespaces: read and listed (New Lease's choices), filtered by the policy.
        QTest::newRow("namespaces") << QByteArray("GET") << "/api/v1/namespaces"
                                    << "" << Kind::List << false;
        QTest::newRow("namespaces selected") << QByteArray("GET") << "/api/v1/namespaces"
                                             << "labelSelector=team%3Da" << Kind::List << false;
        QTest::newRow("a namespace") << QByteArray("GET") << "/api/v1/namespaces/team-a"
                                     << "" << Kind::Read << false;
        QTest::newRow("delete a namespace") << QByteArray("DELETE") << "/api/v1/namespaces/team-a"
                                            << "" << Kind::Refused << false;
        QTest::newRow("create a namespace") << QByteArray("POST") << "/api/v1/namespaces"
                                            << "" << Kind::Refused << false;
        QTest::newRow("watch namespaces") << QByteArray("GET") << "/api/v1/namespaces"
                                          << "watch=true" << Kind::Refused << false;
        QTest::newRow("update sa") << QByteArray("PUT") << "/api/v1/namespaces/default/serviceaccounts/app"
                                   << "" << Kind::Refused << false;
        QTest::newRow("patch sa") << QByteArray("PATCH") << "/api/v1/namespaces/default/serviceaccounts/app"
                                  << "" << Kind::Refused << false;
        QTest::newRow("delete collection")
            << QByteArray("DELETE") << "/api/v1/namespaces/default/serviceaccounts" << Managed
            << Kind::Refused << false;
        QTest::newRow("get token") << QByteArray("GET")
                                   << "/api/v1/namespaces/default/serviceaccounts/app/token"
                                   << "" << Kind::Refused << false;
        // Generated roles (GatewayRules::scope decides whether the policy allows them).
        QTest::newRow("create role") << QByteArray("POST")
                                     << "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles"
                                     << "" << Kind::Create << false;
        QTest::newRow("create clusterrole")
            << QByteArray("POST") << "/apis/rbac.authorization.k8s.io/v1/clusterroles"
            << "" << Kind::Create << false;
        QTest::newRow("delete clusterrole")
            << QByteArray("DELETE") << "/apis/rbac.authorization.k8s.io/v1/clusterroles/kms-x-bcdfg"
            << "" << Kind::Delete << false;
        QTest::newRow("list roles") << QByteArray("GET")
                                    << "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles" << Managed
                                    << Kind::List << false;
        QTest::newRow("list roles unselected")
            << QByteArray("GET") << "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles"
            << "" << Kind::Refused << false;
        QTest::newRow("escalate role")
            << QByteArray("PUT") << "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles/x"
            << "" << Kind::Refused << false;
        QTest::newRow("dot segment") << QByteArray("GET")
                                     << "/api/v1/namespaces/default/serviceaccounts/../secrets/x"
                                     << "" << Kind::Refused << false;
        QTest::newRow("encoded slash")
            << QByteArray("GET") << "/api/v1/namespaces/default%2Fsecrets/serviceaccounts/x"
            << "" << Kind::Refused << false;
        QTest::newRow("double slash") << QByteArray("GET") << "/api/v1//namespaces/default/serviceaccounts/x"
                                      << "" << Kind::Refused << false;
        QTest::newRow("bad namespace") << QByteArray("GET") << "/api/v1/namespaces/Default/serviceaccounts/x"
                                       << "" << Kind::Refused << false;
        QTest::newRow("bad name") << QByteArray("GET") << "/api/v1/namespaces/default/serviceaccounts/UPPER"
                                  << "" << Kind::Refused << false;
        QTest::newRow("dry run create") << QByteArray("POST") << "/api/v1/namespaces/default/serviceaccounts"
                                        << "dryRun=All" << Kind::Refused << false;
        QTest::newRow("query on read")
            << QByteArray("GET") << "/api/v1/namespaces/default/serviceaccounts/app"
            << "resourceVersion=0" << Kind::Refused << false;
        QTest::newRow("other group discovery") << QByteArray("GET") << "/apis/apps/v1"
                                               << "" << Kind::Refused << false;
        QTest::newRow("openapi") << QByteArray("GET") << "/openapi/v3"
                                 << "" << Kind::Refused << false;
        QTest::newRow("subject access review")
            << QByteArray("POST") << "/apis/authorization.k8s.io/v1/subjectaccessreviews"
            << "" << Kind::Refused << false;
        QTest::newRow("root") << QByteArray("GET") << "/"
                              << "" << Kind::Refused << false;
        QTest::newRow("empty") << QByteArray("GET") << ""
                               << "" << Kind::Refused << false;
    }

    void decides()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QString, query);
        QFETCH(Kind, kind);
        QFETCH(bool, secrets);
        const GatewayRoute::Decision d = GatewayRoute::check(method, path, QUrlQuery(query));
        QCOMPARE(d.kind, kind);
        QCOMPARE(d.allowed(), kind != Kind::Refused);
        if (d.allowed()) {
            QVERIFY(d.reason.isEmpty());
            QCOMPARE(d.secretsInResponse(), secrets);
        } else {
            // Every refusal says why, in words.
            QVERIFY2(d.reason.size() > 10, qPrintable(d.reason));
        }
    }

    void namesTheObjectAndWhere()
    {
        using Resource = GatewayRoute::Resource;
        GatewayRoute::Decision d = GatewayRoute::check(
            "POST", QStringLiteral("/api/v1/namespaces/team-a/serviceaccounts/kms-a-bcdfg/token"), {});
        QCOMPARE(d.resource, Resource::ServiceAccount);
        QCOMPARE(d.namespaceName, QStringLiteral("team-a"));
        QCOMPARE(d.name, QStringLiteral("kms-a-bcdfg"));
        d = GatewayRoute::check("DELETE",
            QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kms-a-bcdfg"), {});
        QCOMPARE(d.kind, Kind::Delete);
        QCOMPARE(d.resource, Resource::ClusterRoleBinding);
        QVERIFY(d.namespaceName.isEmpty());
        QCOMPARE(d.name, QStringLiteral("kms-a-bcdfg"));
        d = GatewayRoute::check(
            "POST", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/b/rolebindings"), {});
        QCOMPARE(d.kind, Kind::Create);
        QCOMPARE(d.resource, Resource::RoleBinding);
        QCOMPARE(d.namespaceName, QStringLiteral("b"));
        QVERIFY(d.name.isEmpty());
        d = GatewayRoute::check(
            "GET", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles/view"), {});
        QCOMPARE(d.resource, Resource::ClusterRole);
        QCOMPARE(GatewayRoute::resourceName(Resource::RoleBinding),
            QStringLiteral("rolebindings.rbac.authorization.k8s.io"));
    }

    void selector_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<bool>("managed");
        QTest::newRow("exact") << "app.kubernetes.io/managed-by=hanzo-kms" << true;
        QTest::newRow("double equals") << "app.kubernetes.io/managed-by==hanzo-kms" << true;
        QTest::newRow("with lease") << "kms.hanzo.ai/lease-id=x,app.kubernetes.io/managed-by=hanzo-kms"
                                    << true;
        QTest::newRow("not equal") << "app.kubernetes.io/managed-by!=hanzo-kms" << false;
        QTest::newRow("in set") << "app.kubernetes.io/managed-by in (hanzo-kms,helm)" << false;
        QTest::newRow("exists only") << "app.kubernetes.io/managed-by" << false;
        QTest::newRow("other value") << "app.kubernetes.io/managed-by=hanzo-kms-x" << false;
        QTest::newRow("empty") << "" << false;
    }

    void selector()
    {
        QFETCH(QString, selector);
        QFETCH(bool, managed);
        QCOMPARE(GatewayRoute::selectsManaged(selector), managed);
    }
};

QTEST_GUILESS_MAIN(TestGatewayRoute)
#include "tst_gatewayroute.moc"
