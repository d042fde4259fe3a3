#include "gatewayserver/GatewayPolicy.h"

#include <QTest>

using namespace kms;
using Kind = GatewayPolicy::Kind;

Q_DECLARE_METATYPE(GatewayPolicy::Kind)

namespace {
const QByteArray Labelled
    = R"({"metadata":{"name":"kms-a-bcdfg","labels":{"app.kubernetes.io/managed-by":"hanzo-kms"}}})";
const QByteArray Unlabelled = R"({"metadata":{"name":"sneaky"}})";
const QByteArray OtherValue = R"({"metadata":{"name":"x","labels":{"app.kubernetes.io/managed-by":"helm"}}})";
const QString Managed = QStringLiteral("labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms");
} // namespace

class TestGatewayPolicy : public QObject {
    Q_OBJECT

private slots:
    void decides_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("query");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<bool>("secrets");

        // What the desktop does.
        QTest::newRow("version") << QByteArray("GET") << "/version"
                                 << "" << QByteArray() << Kind::Discovery << false;
        QTest::newRow("api") << QByteArray("GET") << "/api"
                             << "" << QByteArray() << Kind::Discovery << false;
        QTest::newRow("apis") << QByteArray("GET") << "/apis"
                              << "" << QByteArray() << Kind::Discovery << false;
        QTest::newRow("api/v1") << QByteArray("GET") << "/api/v1"
                                << "" << QByteArray() << Kind::Discovery << false;
        QTest::newRow("rbac group") << QByteArray("GET") << "/apis/rbac.authorization.k8s.io/v1"
                                    << "" << QByteArray() << Kind::Discovery << false;
        QTest::newRow("get sa") << QByteArray("GET")
                                << "/api/v1/namespaces/default/serviceaccounts/kms-token-requester"
                                << "" << QByteArray() << Kind::Read << false;
        QTest::newRow("create sa") << QByteArray("POST") << "/api/v1/namespaces/team-a/serviceaccounts"
                                   << "" << Labelled << Kind::Create << false;
        QTest::newRow("delete sa") << QByteArray("DELETE")
                                   << "/api/v1/namespaces/team-a/serviceaccounts/kms-a-bcdfg"
                                   << "" << QByteArray() << Kind::Delete << false;
        QTest::newRow("list sa managed") << QByteArray("GET") << "/api/v1/namespaces/team-a/serviceaccounts"
                                         << Managed << QByteArray() << Kind::List << false;
        QTest::newRow("token") << QByteArray("POST") << "/api/v1/namespaces/default/serviceaccounts/app/token"
                               << "" << QByteArray(R"({"kind":"TokenRequest"})") << Kind::TokenRequest
                               << false;
        QTest::newRow("create bound secret") << QByteArray("POST") << "/api/v1/namespaces/default/secrets"
                                             << "" << Labelled << Kind::Create << true;
        QTest::newRow("get secret") << QByteArray("GET") << "/api/v1/namespaces/default/secrets/kms-a-bcdfg"
                                    << "" << QByteArray() << Kind::Read << true;
        QTest::newRow("delete secret")
            << QByteArray("DELETE") << "/api/v1/namespaces/default/secrets/kms-a-bcdfg"
            << "" << QByteArray() << Kind::Delete << true;
        QTest::newRow("list secrets managed") << QByteArray("GET") << "/api/v1/namespaces/default/secrets"
                                              << Managed << QByteArray() << Kind::List << true;
        QTest::newRow("create rolebinding")
            << QByteArray("POST") << "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings"
            << "" << Labelled << Kind::Create << false;
        QTest::newRow("delete rolebinding")
            << QByteArray("DELETE")
            << "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings/kms-a-bcdfg"
            << "propagationPolicy=Background" << QByteArray() << Kind::Delete << false;
        QTest::newRow("create clusterrolebinding")
            << QByteArray("POST") << "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
            << "" << Labelled << Kind::Create << false;
        QTest::newRow("list clusterrolebindings")
            << QByteArray("GET") << "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
            << "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms%2Ckms.hanzo.ai%2Flease-id%3Dabc"
            << QByteArray() << Kind::List << false;
        QTest::newRow("get role") << QByteArray("GET")
                                  << "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles/reader"
                                  << "" << QByteArray() << Kind::Read << false;
        QTest::newRow("get clusterrole")
            << QByteArray("GET") << "/apis/rbac.authorization.k8s.io/v1/clusterroles/view"
            << "" << QByteArray() << Kind::Read << false;
        QTest::newRow("access review")
            << QByteArray("POST") << "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
            << "" << QByteArray("{}") << Kind::Review << false;
        QTest::newRow("rules review")
            << QByteArray("POST") << "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
            << "" << QByteArray("{}") << Kind::Review << false;
        QTest::newRow("token review") << QByteArray("POST") << "/apis/authentication.k8s.io/v1/tokenreviews"
                                      << "" << QByteArray("{}") << Kind::Review << false;

        // What it must not do.
        QTest::newRow("list kube-system secrets")
            << QByteArray("GET") << "/api/v1/namespaces/kube-system/secrets"
            << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("list secrets other selector")
            << QByteArray("GET") << "/api/v1/namespaces/default/secrets"
            << "labelSelector=app%3Dweb" << QByteArray() << Kind::Refused << false;
        QTest::newRow("list secrets negated selector")
            << QByteArray("GET") << "/api/v1/namespaces/default/secrets"
            << "labelSelector=app.kubernetes.io%2Fmanaged-by%21%3Dhanzo-kms" << QByteArray() << Kind::Refused
            << false;
        QTest::newRow("list with two selectors")
            << QByteArray("GET") << "/api/v1/namespaces/default/secrets"
            << Managed + QStringLiteral("&labelSelector=a%3Db") << QByteArray() << Kind::Refused << false;
        QTest::newRow("watch") << QByteArray("GET") << "/api/v1/namespaces/default/serviceaccounts"
                               << Managed + QStringLiteral("&watch=true") << QByteArray() << Kind::Refused
                               << false;
        QTest::newRow("cluster-wide secrets")
            << QByteArray("GET") << "/api/v1/secrets" << Managed << QByteArray() << Kind::Refused << false;
        QTest::newRow("pods") << QByteArray("GET") << "/api/v1/namespaces/default/pods"
                              << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("pod exec") << QByteArray("POST") << "/api/v1/namespaces/default/pods/web/exec"
                                  << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("namespaces") << QByteArray("GET") << "/api/v1/namespaces"
                                    << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("create unlabelled sa")
            << QByteArray("POST") << "/api/v1/namespaces/default/serviceaccounts"
            << "" << Unlabelled << Kind::Refused << false;
        QTest::newRow("create sa labelled by helm")
            << QByteArray("POST") << "/api/v1/namespaces/default/serviceaccounts"
            << "" << OtherValue << Kind::Refused << false;
        QTest::newRow("create sa not json")
            << QByteArray("POST") << "/api/v1/namespaces/default/serviceaccounts"
            << "" << QByteArray("{nope") << Kind::Refused << false;
        QTest::newRow("create unlabelled clusterrolebinding")
            << QByteArray("POST") << "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
            << "" << Unlabelled << Kind::Refused << false;
        QTest::newRow("update sa") << QByteArray("PUT") << "/api/v1/namespaces/default/serviceaccounts/app"
                                   << "" << Labelled << Kind::Refused << false;
        QTest::newRow("patch sa") << QByteArray("PATCH") << "/api/v1/namespaces/default/serviceaccounts/app"
                                  << "" << Labelled << Kind::Refused << false;
        QTest::newRow("delete collection")
            << QByteArray("DELETE") << "/api/v1/namespaces/default/serviceaccounts" << Managed << QByteArray()
            << Kind::Refused << false;
        QTest::newRow("get token") << QByteArray("GET")
                                   << "/api/v1/namespaces/default/serviceaccounts/app/token"
                                   << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("create role") << QByteArray("POST")
                                     << "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles"
                                     << "" << Labelled << Kind::Refused << false;
        QTest::newRow("create clusterrole")
            << QByteArray("POST") << "/apis/rbac.authorization.k8s.io/v1/clusterroles"
            << "" << Labelled << Kind::Refused << false;
        QTest::newRow("list roles") << QByteArray("GET")
                                    << "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles" << Managed
                                    << QByteArray() << Kind::Refused << false;
        QTest::newRow("dot segment") << QByteArray("GET")
                                     << "/api/v1/namespaces/default/serviceaccounts/../secrets/x"
                                     << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("encoded slash")
            << QByteArray("GET") << "/api/v1/namespaces/default%2Fsecrets/serviceaccounts/x"
            << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("double slash") << QByteArray("GET") << "/api/v1//namespaces/default/serviceaccounts/x"
                                      << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("bad namespace") << QByteArray("GET") << "/api/v1/namespaces/Default/serviceaccounts/x"
                                       << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("bad name") << QByteArray("GET") << "/api/v1/namespaces/default/serviceaccounts/UPPER"
                                  << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("dry run create") << QByteArray("POST") << "/api/v1/namespaces/default/serviceaccounts"
                                        << "dryRun=All" << Labelled << Kind::Refused << false;
        QTest::newRow("query on read")
            << QByteArray("GET") << "/api/v1/namespaces/default/serviceaccounts/app"
            << "resourceVersion=0" << QByteArray() << Kind::Refused << false;
        QTest::newRow("other group discovery") << QByteArray("GET") << "/apis/apps/v1"
                                               << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("openapi") << QByteArray("GET") << "/openapi/v3"
                                 << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("subject access review")
            << QByteArray("POST") << "/apis/authorization.k8s.io/v1/subjectaccessreviews"
            << "" << QByteArray("{}") << Kind::Refused << false;
        QTest::newRow("root") << QByteArray("GET") << "/"
                              << "" << QByteArray() << Kind::Refused << false;
        QTest::newRow("empty") << QByteArray("GET") << ""
                               << "" << QByteArray() << Kind::Refused << false;
    }

    void decides()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QString, query);
        QFETCH(QByteArray, body);
        QFETCH(Kind, kind);
        QFETCH(bool, secrets);
        const GatewayPolicy::Decision d = GatewayPolicy::check(method, path, QUrlQuery(query), body);
        QCOMPARE(d.kind, kind);
        QCOMPARE(d.allowed(), kind != Kind::Refused);
        if (d.allowed()) {
            QVERIFY(d.reason.isEmpty());
            QCOMPARE(d.secretsInResponse, secrets);
        } else {
            // Every refusal says why, in words.
            QVERIFY2(d.reason.size() > 10, qPrintable(d.reason));
        }
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
        QCOMPARE(GatewayPolicy::selectsManaged(selector), managed);
    }
};

QTEST_GUILESS_MAIN(TestGatewayPolicy)
#include "tst_gatewaypolicy.moc"
