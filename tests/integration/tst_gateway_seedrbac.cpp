// The gateway under exactly the seed's Gateway RBAC (tests/data/seed/
// gateway-rbac-dynamic.yaml): no "get" or "list" on bindings, no Secrets.
// Static and dynamic leases must still work and revoke.
#include "GatewayPolicyFile.h"
#include "GatewayProcess.h"
#include "TestCluster.h"
#include "gateway/GatewayTransport.h"
#include "kube/GatewayCertificates.h"
#include "provider/ClusterConnection.h"
#include "provider/LeaseLabels.h"
#include "provider/LeaseProvider.h"

#include <QCoro/QCoroTask>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;
using kms::test::TestCluster;

class TestGatewaySeedRbac : public QObject {
    Q_OBJECT

    TestCluster m_cluster;
    QTemporaryDir m_dir;
    QProcess m_gateway;
    std::shared_ptr<GatewayTransport> m_transport;

    bool authenticated(const QByteArray &token)
    {
        const auto review
            = m_cluster.request("POST", QStringLiteral("/apis/authentication.k8s.io/v1/tokenreviews"),
                QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
                    { QStringLiteral("kind"), QStringLiteral("TokenReview") },
                    { QStringLiteral("spec"),
                        QJsonObject { { QStringLiteral("token"), QString::fromLatin1(token) } } } });
        return review.json.value(QLatin1String("status"))
            .toObject()
            .value(QLatin1String("authenticated"))
            .toBool();
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
        const QDir packaging(QStringLiteral(KMS_SOURCE_DIR "/packaging/gateway"));
        const QDir seed(TestCluster::seedDir());
        for (const QString &file : { packaging.filePath(QStringLiteral("namespace.yaml")),
                 packaging.filePath(QStringLiteral("serviceaccount.yaml")),
                 seed.filePath(QStringLiteral("kms-dynamic-role.yaml")),
                 seed.filePath(QStringLiteral("gateway-rbac-dynamic.yaml")) })
            QVERIFY2(m_cluster.applyYamlFile(file), qPrintable(m_cluster.errorString()));
        QCOMPARE(m_cluster
                     .request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
                         QJsonObject { { QStringLiteral("metadata"),
                             QJsonObject { { QStringLiteral("name"), QStringLiteral("app") } } } })
                     .status,
            201);
        const QByteArray token = m_cluster.createToken(QStringLiteral("kms"), QStringLiteral("kms-gateway"));
        QVERIFY(!token.isEmpty());
        QFile tokenFile(m_dir.filePath(QStringLiteral("token")));
        QVERIFY(tokenFile.open(QIODevice::WriteOnly) && tokenFile.write(token) == token.size());
        tokenFile.close();

        QString error;
        const auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("seed"), 1, &error);
        QVERIFY(pki && GatewayCertificates::write(*pki, m_dir.filePath(QStringLiteral("pki")), &error));
        m_gateway.start(QStringLiteral(KMS_GATEWAY_PATH),
            kms::test::gatewayServeArgs({ m_dir.filePath(QStringLiteral("pki")), m_cluster.url().toString(),
                m_cluster.caPath(), tokenFile.fileName(),
                kms::test::writeGatewayPolicy(m_dir.path(), kms::test::allowingGatewayPolicy()) }));
        QVERIFY(m_gateway.waitForReadyRead(10000));
        const QString listen = QJsonDocument::fromJson(m_gateway.readLine())
                                   .object()
                                   .value(QLatin1String("listen"))
                                   .toString();
        m_transport = GatewayTransport::create(QStringLiteral("seed"), QStringLiteral("https://") + listen,
            pki->caCertificate, pki->clientCertificate, pki->clientKey, &error);
        QVERIFY2(m_transport, qPrintable(error));
    }

    void staticLease()
    {
        DynamicSecret secret;
        secret.name = QStringLiteral("seed-static");
        secret.authMethod = AuthMethod::Gateway;
        secret.gateway = QStringLiteral("seed");
        secret.credentialType = CredentialType::Static;
        secret.serviceAccount = QStringLiteral("app");
        secret.namespaceName = QStringLiteral("default");
        ClusterConnection connection(m_transport);
        LeaseProvider provider(connection.client());
        const ProvisionOutcome outcome = QCoro::waitFor(
            provider.provision(secret, LeaseProvider::plan(secret, Lease::newId(), {}), 900, {}));
        QVERIFY2(outcome.ok(), qPrintable(outcome.error));
        QVERIFY(authenticated(outcome.issued->token));
    }

    void dynamicLeaseIssuesAndRevokes()
    {
        DynamicSecret secret;
        secret.name = QStringLiteral("seed-dynamic");
        secret.authMethod = AuthMethod::Gateway;
        secret.gateway = QStringLiteral("seed");
        secret.credentialType = CredentialType::Dynamic;
        secret.allowedNamespaces = { QStringLiteral("default") };
        secret.roleType = RoleType::ClusterRole;
        secret.roleName = QStringLiteral("kms-dynamic-role");
        ClusterConnection connection(m_transport);
        LeaseProvider provider(connection.client());
        const Lease lease = LeaseProvider::plan(secret, Lease::newId(), QStringLiteral("default"));
        const ProvisionOutcome outcome = QCoro::waitFor(provider.provision(secret, lease, 900, {}));
        QVERIFY2(outcome.ok(), qPrintable(outcome.error));
        QVERIFY(authenticated(outcome.issued->token));
        QVERIFY(!outcome.lease.bindingUid.isEmpty());
        const CleanupOutcome revoked = QCoro::waitFor(provider.cleanup(outcome.lease, false));
        QVERIFY2(revoked.done, qPrintable(revoked.error));
        QVERIFY(!authenticated(outcome.issued->token));
        const QString rb
            = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/")
            + lease.bindingName;
        QCOMPARE(m_cluster.request("GET", rb).status, 404);
        QCOMPARE(m_cluster
                     .request("GET",
                         QStringLiteral("/api/v1/namespaces/default/serviceaccounts/") + lease.serviceAccount)
                     .status,
            404);
        // The gateway could not check the binding's label: it deleted only with the recorded uid.
        QByteArray log;
        QTRY_VERIFY(
            (log += m_gateway.readAllStandardError()).contains("uid precondition the client recorded"));
    }

    void cleanupTestCase()
    {
        m_gateway.terminate();
        QVERIFY(m_gateway.waitForFinished(5000));
        QCOMPARE(m_gateway.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestGatewaySeedRbac)
#include "tst_gateway_seedrbac.moc"
