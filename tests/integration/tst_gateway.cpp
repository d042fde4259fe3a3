// Desktop -> hanzo-kms-gateway (the real binary) -> kms-testcluster, with the
// gateway running as the seed's kms-gateway service account under the RBAC of
// packaging/gateway.
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
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;
using kms::test::GatewayProcess;
using kms::test::TestCluster;

namespace {

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

} // namespace

class TestGatewayIntegration : public QObject {
    Q_OBJECT

    TestCluster m_cluster;
    QTemporaryDir m_dir;
    GatewayCertificates::Bundle m_pki;
    GatewayProcess m_gateway;
    std::shared_ptr<GatewayTransport> m_transport;
    QString m_tokenPath;
    QString m_policyPath;
    QList<QByteArray> m_secrets; // every token seen in the test: none may reach the gateway's log

    QString path(const QString &name) const { return m_dir.filePath(name); }
    test::GatewayFiles files() const
    {
        return { path(QStringLiteral("certs")), m_cluster.url().toString(), m_cluster.caPath(), m_tokenPath,
            m_policyPath };
    }

    // A Secret in kms that the gateway's own token is bound to: deleting it revokes that token.
    QByteArray gatewayToken(const QString &secretName)
    {
        const auto created = m_cluster.request("POST", QStringLiteral("/api/v1/namespaces/kms/secrets"),
            QJsonObject {
                { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), secretName } } } });
        if (created.status != 201)
            return {};
        const QString uid
            = created.json.value(QLatin1String("metadata")).toObject().value(QLatin1String("uid")).toString();
        const QByteArray token
            = m_cluster.createToken(QStringLiteral("kms"), QStringLiteral("kms-gateway"), 3600, {},
                QJsonObject { { QStringLiteral("kind"), QStringLiteral("Secret") },
                    { QStringLiteral("apiVersion"), QStringLiteral("v1") },
                    { QStringLiteral("name"), secretName }, { QStringLiteral("uid"), uid } });
        m_secrets << token;
        return token;
    }

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

    // Every object in `ns` (and cluster bindings) labelled with this lease id.
    QStringList leftovers(const QString &ns, const QString &leaseId)
    {
        const QString selector = QStringLiteral("?labelSelector=")
            + QString::fromLatin1(QUrl::toPercentEncoding(LeaseLabels::LeaseId + QLatin1Char('=') + leaseId));
        QStringList found;
        for (const QString &collection : { QStringLiteral("/api/v1/namespaces/%1/serviceaccounts").arg(ns),
                 QStringLiteral("/api/v1/namespaces/%1/secrets").arg(ns),
                 QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/%1/rolebindings").arg(ns),
                 QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings") }) {
            const auto list = m_cluster.request("GET", collection + selector);
            if (list.status != 200)
                found << QStringLiteral("cannot list %1: %2").arg(collection).arg(list.status);
            for (const QJsonValue &item : list.json.value(QLatin1String("items")).toArray())
                found << collection + QLatin1Char('/')
                        + item.toObject()
                              .value(QLatin1String("metadata"))
                              .toObject()
                              .value(QLatin1String("name"))
                              .toString();
        }
        return found;
    }

    QByteArray rawAttempt(const QSslConfiguration &ssl, bool *closed)
    {
        QSslSocket socket;
        socket.setSslConfiguration(ssl);
        QByteArray received;
        connect(&socket, &QSslSocket::encrypted, this,
            [&socket] { socket.write("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); });
        connect(&socket, &QIODevice::readyRead, this, [&] { received += socket.readAll(); });
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_gateway.port());
        *closed = QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 5000);
        return received + socket.readAll();
    }

    void leaseRoundTrip(DynamicSecret secret, const QString &ns)
    {
        ClusterConnection connection(m_transport);
        LeaseProvider provider(connection.client());
        const Lease lease = LeaseProvider::plan(secret, Lease::newId(), ns);
        const ProvisionOutcome outcome = QCoro::waitFor(provider.provision(secret, lease, 3600, {}));
        QVERIFY2(outcome.ok(), qPrintable(outcome.error));
        m_secrets << outcome.issued->token;
        QVERIFY(outcome.issued->expiresAt > QDateTime::currentDateTimeUtc().addSecs(3500));
        QVERIFY(authenticated(outcome.issued->token));
        QVERIFY(!leftovers(lease.namespaceName, lease.id).isEmpty() || lease.kind == LeaseKind::Static);

        // As the desktop does: with the uids the lease recorded at creation.
        QCOMPARE(outcome.lease.id, lease.id);
        QCOMPARE(outcome.lease.bindingUid.isEmpty(), lease.bindingName.isEmpty());
        QCOMPARE(outcome.lease.boundSecretUid.isEmpty(), lease.boundSecretName.isEmpty());
        const CleanupOutcome revoked = QCoro::waitFor(provider.cleanup(outcome.lease, false));
        QVERIFY2(revoked.done, qPrintable(revoked.error));
        QVERIFY(!authenticated(outcome.issued->token));
        const QStringList left = leftovers(lease.namespaceName, lease.id);
        QVERIFY2(left.isEmpty(), qPrintable(left.join(QStringLiteral(", "))));
        // Revoking again is fine: everything is already gone.
        QVERIFY(QCoro::waitFor(provider.cleanup(outcome.lease, false)).done);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
        QVERIFY2(!m_cluster.applySeedSetup().isEmpty(), qPrintable(m_cluster.errorString()));
        const QDir manifests(QStringLiteral(KMS_SOURCE_DIR "/packaging/gateway"));
        for (const char *file : { "namespace.yaml", "serviceaccount.yaml", "rbac.yaml" })
            QVERIFY2(m_cluster.applyYamlFile(manifests.filePath(QLatin1String(file))),
                qPrintable(m_cluster.errorString()));

        QString error;
        auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("it-desktop"), 1, &error);
        QVERIFY2(pki, qPrintable(error));
        m_pki = *pki;
        QVERIFY(GatewayCertificates::write(m_pki, path(QStringLiteral("certs")), &error));

        m_tokenPath = path(QStringLiteral("token"));
        // The example policy packaging/gateway ships.
        m_policyPath = test::writeGatewayPolicy(m_dir.path(), test::packagedGatewayPolicy());
        QVERIFY(!m_policyPath.isEmpty());
        const QByteArray token = gatewayToken(QStringLiteral("gateway-token-a"));
        QVERIFY(!token.isEmpty());
        QVERIFY(writeFile(m_tokenPath, token));

        QVERIFY2(m_gateway.start(QStringLiteral(KMS_GATEWAY_PATH), test::gatewayServeArgs(files()), &error),
            qPrintable(error));
        m_transport = GatewayTransport::create(QStringLiteral("it"),
            QStringLiteral("https://127.0.0.1:%1").arg(m_gateway.port()), m_pki.caCertificate,
            m_pki.clientCertificate, m_pki.clientKey, &error);
        QVERIFY2(m_transport, qPrintable(error));
    }

    void boundStaticLeaseThroughTheGateway()
    {
        DynamicSecret secret;
        secret.name = QStringLiteral("static-gw");
        secret.authMethod = AuthMethod::Gateway;
        secret.gateway = QStringLiteral("it");
        secret.credentialType = CredentialType::Static;
        secret.serviceAccount = QStringLiteral("kms-token-requester");
        secret.namespaceName = QStringLiteral("default");
        secret.boundTokens = true;
        leaseRoundTrip(secret, {});
    }

    void dynamicLeaseThroughTheGateway()
    {
        DynamicSecret secret;
        secret.name = QStringLiteral("dynamic-gw");
        secret.authMethod = AuthMethod::Gateway;
        secret.gateway = QStringLiteral("it");
        secret.credentialType = CredentialType::Dynamic;
        secret.allowedNamespaces = { QStringLiteral("default") };
        secret.roleType = RoleType::ClusterRole;
        secret.roleName = QStringLiteral("kms-dynamic-role");
        leaseRoundTrip(secret, QStringLiteral("default"));
    }

    void refusesClientsWithoutCertificateOrFromAnotherCa()
    {
        QSslConfiguration none = QSslConfiguration::defaultConfiguration();
        none.setCaCertificates(QSslCertificate::fromData(m_pki.caCertificate));
        bool closed = false;
        QCOMPARE(rawAttempt(none, &closed), QByteArray());
        QVERIFY(closed);

        QString error;
        const auto other = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("intruder"), 1, &error);
        QVERIFY(other);
        const auto intruder = GatewayTransport::create(QStringLiteral("x"),
            QStringLiteral("https://127.0.0.1:%1").arg(m_gateway.port()), m_pki.caCertificate,
            other->clientCertificate, other->clientKey, &error);
        QVERIFY2(intruder, qPrintable(error));
        QCOMPARE(rawAttempt(intruder->sslConfiguration(), &closed), QByteArray());
        QVERIFY(closed);
    }

    void refusedCallsNeverReachTheCluster()
    {
        const double before = m_cluster.settings().value(QLatin1String("requests")).toDouble();
        ClusterConnection connection(m_transport);
        const KubeResult result = QCoro::waitFor(
            connection.client().get(QStringLiteral("/api/v1/namespaces/kube-system/secrets")));
        QVERIFY(!result.ok());
        QCOMPARE(result.error->httpStatus, 403);
        QCOMPARE(result.error->reason, QStringLiteral("Forbidden"));
        // An unlabelled service account: refused too.
        const KubeResult create = QCoro::waitFor(
            connection.client().post(QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
                QJsonObject { { QStringLiteral("metadata"),
                    QJsonObject { { QStringLiteral("name"), QStringLiteral("sneaky") } } } }));
        QCOMPARE(create.error->httpStatus, 403);
        const double after = m_cluster.settings().value(QLatin1String("requests")).toDouble();
        QCOMPARE(after, before);
        QCOMPARE(m_cluster.request("GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/sneaky"))
                     .status,
            404);
    }

    void keepsWorkingAfterItsTokenFileIsReplaced()
    {
        const QByteArray next = gatewayToken(QStringLiteral("gateway-token-b"));
        QVERIFY(!next.isEmpty());
        // As the kubelet does: a new file swapped in by rename.
        QVERIFY(writeFile(m_tokenPath + QStringLiteral(".new"), next));
        QVERIFY(QFile::remove(m_tokenPath));
        QVERIFY(QFile::rename(m_tokenPath + QStringLiteral(".new"), m_tokenPath));
        // The old token dies with its Secret: from now on only the new one works.
        QCOMPARE(m_cluster.request("DELETE", QStringLiteral("/api/v1/namespaces/kms/secrets/gateway-token-a"))
                     .status,
            200);
        QVERIFY(!authenticated(m_secrets.first()));

        ClusterConnection connection(m_transport);
        const KubeResult result = QCoro::waitFor(connection.client().get(
            QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester")));
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->toString()));
    }

    void reaperDeletesExpiredLabelledObjectsOnly()
    {
        const QString past = QDateTime::currentDateTimeUtc().addSecs(-3600).toString(Qt::ISODate);
        const QString future = QDateTime::currentDateTimeUtc().addSecs(3600).toString(Qt::ISODate);
        auto meta = [](const QString &name, bool labelled, const QString &expiresAt) {
            QJsonObject m { { QStringLiteral("name"), name } };
            if (labelled)
                m.insert(QStringLiteral("labels"),
                    QJsonObject { { LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue },
                        { LeaseLabels::LeaseId, name } });
            if (!expiresAt.isEmpty())
                m.insert(
                    QStringLiteral("annotations"), QJsonObject { { LeaseLabels::ExpiresAt, expiresAt } });
            return m;
        };
        const QString sa = QStringLiteral("/api/v1/namespaces/default/serviceaccounts");
        const QString secrets = QStringLiteral("/api/v1/namespaces/default/secrets");
        const QString rb
            = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings");
        const QString crb = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
        const QJsonObject roleRef { { QStringLiteral("apiGroup"),
                                        QStringLiteral("rbac.authorization.k8s.io") },
            { QStringLiteral("kind"), QStringLiteral("ClusterRole") },
            { QStringLiteral("name"), QStringLiteral("kms-dynamic-role") } };
        const QJsonArray subjects { QJsonObject {
            { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
            { QStringLiteral("name"), QStringLiteral("kms-reap-old") },
            { QStringLiteral("namespace"), QStringLiteral("default") } } };
        struct Obj {
            QString collection;
            QJsonObject body;
            bool gone;
        };
        const QList<Obj> objects {
            { sa, { { QStringLiteral("metadata"), meta(QStringLiteral("kms-reap-old"), true, past) } },
                true },
            { secrets,
                { { QStringLiteral("metadata"), meta(QStringLiteral("kms-reap-old-secret"), true, past) } },
                true },
            { rb,
                { { QStringLiteral("metadata"), meta(QStringLiteral("kms-reap-old-rb"), true, past) },
                    { QStringLiteral("roleRef"), roleRef }, { QStringLiteral("subjects"), subjects } },
                true },
            { crb,
                { { QStringLiteral("metadata"), meta(QStringLiteral("kms-reap-old-crb"), true, past) },
                    { QStringLiteral("roleRef"), roleRef }, { QStringLiteral("subjects"), subjects } },
                true },
            { sa, { { QStringLiteral("metadata"), meta(QStringLiteral("kms-reap-fresh"), true, future) } },
                false },
            { sa,
                { { QStringLiteral("metadata"), meta(QStringLiteral("kms-reap-unlabelled"), false, past) } },
                false },
            { sa, { { QStringLiteral("metadata"), meta(QStringLiteral("kms-reap-no-expiry"), true, {}) } },
                false },
            { rb,
                { { QStringLiteral("metadata"), meta(QStringLiteral("kms-reap-fresh-rb"), true, future) },
                    { QStringLiteral("roleRef"), roleRef }, { QStringLiteral("subjects"), subjects } },
                false },
        };
        for (const Obj &o : objects) {
            const auto created = m_cluster.request("POST", o.collection, o.body);
            QVERIFY2(created.status == 201, created.body.constData());
        }
        auto exists = [this](const Obj &o) {
            const QString name
                = o.body.value(QLatin1String("metadata")).toObject().value(QLatin1String("name")).toString();
            return m_cluster.request("GET", o.collection + QLatin1Char('/') + name).status == 200;
        };

        // A gateway with the reaper on, as the same service account.
        GatewayProcess reaper;
        QString error;
        QVERIFY2(reaper.start(QStringLiteral(KMS_GATEWAY_PATH),
                     test::gatewayServeArgs(files(), QStringLiteral("1h")), &error),
            qPrintable(error));
        // The first pass runs at start.
        QTRY_VERIFY_WITH_TIMEOUT(reaper.log().contains("expired objects deleted"), 10000);
        const QByteArray log = reaper.log();
        for (const Obj &o : objects) {
            const QString name
                = o.body.value(QLatin1String("metadata")).toObject().value(QLatin1String("name")).toString();
            QVERIFY2(exists(o) != o.gone, qPrintable(name));
            QVERIFY2(log.contains(name.toUtf8()) == o.gone, qPrintable(name));
        }
        QVERIFY2(log.contains("reaper: 4 expired objects deleted, 0 errors"), log.constData());
        // Bindings go before service accounts.
        QVERIFY(log.indexOf("RoleBinding default/kms-reap-old-rb")
            < log.indexOf("ServiceAccount default/kms-reap-old"));
        m_secrets << QByteArray();
        for (const QByteArray &s : std::as_const(m_secrets)) {
            if (!s.isEmpty())
                QVERIFY(!log.contains(s));
        }
    }

    void reaperCanBeLimitedToNamespaces()
    {
        const QString past = QDateTime::currentDateTimeUtc().addSecs(-60).toString(Qt::ISODate);
        auto account = [&](const QString &name) {
            return QJsonObject { { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("name"), name },
                    { QStringLiteral("labels"),
                        QJsonObject { { LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue } } },
                    { QStringLiteral("annotations"), QJsonObject { { LeaseLabels::ExpiresAt, past } } } } } };
        };
        QCOMPARE(m_cluster
                     .request("POST", QStringLiteral("/api/v1/namespaces/kms/serviceaccounts"),
                         account(QStringLiteral("kms-scoped-in")))
                     .status,
            201);
        QCOMPARE(m_cluster
                     .request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
                         account(QStringLiteral("kms-scoped-out")))
                     .status,
            201);
        GatewayProcess reaper;
        QString error;
        QVERIFY2(reaper.start(QStringLiteral(KMS_GATEWAY_PATH),
                     test::gatewayServeArgs(files(), QStringLiteral("1h"))
                         << QStringLiteral("--reap-namespaces") << QStringLiteral("kms"),
                     &error),
            qPrintable(error));
        QTRY_VERIFY2_WITH_TIMEOUT(
            reaper.log().contains("expired objects deleted"), reaper.log().constData(), 10000);
        QVERIFY2(
            reaper.log().contains("reaper: 1 expired objects deleted, 0 errors"), reaper.log().constData());
        QCOMPARE(
            m_cluster.request("GET", QStringLiteral("/api/v1/namespaces/kms/serviceaccounts/kms-scoped-in"))
                .status,
            404);
        QCOMPARE(
            m_cluster
                .request("GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-scoped-out"))
                .status,
            200);
    }

    void cleanupTestCase()
    {
        const QByteArray log = m_gateway.log();
        const QByteArray out = m_gateway.output();
        m_gateway.stop();
        // SIGTERM ends it cleanly.
        QCOMPARE(m_gateway.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_gateway.exitCode(), 0);
        const QByteArray all = log + m_gateway.log() + out + m_gateway.output();
        bool created = false, refused = false;
        for (const QJsonObject &entry : m_gateway.accessLog()) {
            const QString path = entry.value(QLatin1String("path")).toString();
            created |= entry.value(QLatin1String("client")).toString()
                    == QLatin1String("CN=it-desktop,O=Hanzo KMS")
                && entry.value(QLatin1String("verb")).toString() == QLatin1String("POST")
                && path.startsWith(QLatin1String("/api/v1/namespaces/default/serviceaccounts/"));
            refused |= path == QLatin1String("/api/v1/namespaces/kube-system/secrets")
                && entry.value(QLatin1String("status")).toInt() == 403
                && entry.value(QLatin1String("decision")).toString() == QLatin1String("deny");
        }
        QVERIFY(created);
        QVERIFY(refused);
        for (const QByteArray &s : std::as_const(m_secrets)) {
            if (!s.isEmpty())
                QVERIFY2(!all.contains(s), "a token reached the gateway's log");
        }
    }
};

QTEST_GUILESS_MAIN(TestGatewayIntegration)
#include "tst_gateway.moc"
