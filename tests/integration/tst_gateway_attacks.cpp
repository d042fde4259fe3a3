// The attacks of issue 11, made as someone holding a valid desktop client
// certificate would make them, against the real hanzo-kms-gateway in front of
// kms-testcluster; each under the RBAC packaging/gateway grants and under the
// setup guide's Gateway RBAC (tests/data/seed/gateway-rbac-dynamic.yaml: no
// "get" on bindings, nothing on Secrets).
//   1. a token for a service account the policy does not name (kube-system's
//      cluster-admin account, the gateway's own);
//   2. reading a Secret: its last-applied-configuration holds the values;
//   3. deleting a (Cluster)RoleBinding the product did not make.
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
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;
using kms::test::GatewayProcess;
using kms::test::TestCluster;

namespace {

const QByteArray Plaintext = "hunter2-plaintext";
const QString LastApplied = QStringLiteral("kubectl.kubernetes.io/last-applied-configuration");
const QString Rbac = QStringLiteral("/apis/rbac.authorization.k8s.io/v1");

struct Setup;

struct Answer {
    int status = 0;
    QByteArray body;
    // What was asked, of which gateway.
    Setup *setup = nullptr;
    QByteArray method;
    QString path;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// One cluster with one gateway in front of it, under one RBAC.
struct Setup {
    TestCluster cluster;
    QTemporaryDir dir;
    GatewayProcess gateway;
    std::shared_ptr<GatewayTransport> transport;
    QString secretUid; // of kube-system/db-creds
    QString managedSecretUid;
};

QJsonObject meta(const QString &name, const QJsonObject &labels = {}, const QJsonObject &annotations = {})
{
    QJsonObject m { { QStringLiteral("name"), name } };
    if (!labels.isEmpty())
        m.insert(QStringLiteral("labels"), labels);
    if (!annotations.isEmpty())
        m.insert(QStringLiteral("annotations"), annotations);
    return m;
}

QJsonObject secretWithAppliedValues(const QString &name, const QJsonObject &labels)
{
    const QByteArray applied
        = R"({"apiVersion":"v1","kind":"Secret","stringData":{"password":")" + Plaintext + R"("}})";
    QJsonObject annotations { { LastApplied, QString::fromUtf8(applied) } };
    if (!labels.isEmpty())
        annotations.insert(
            LeaseLabels::ExpiresAt, QDateTime::currentDateTimeUtc().addSecs(3600).toString(Qt::ISODate));
    return QJsonObject { { QStringLiteral("metadata"), meta(name, labels, annotations) },
        { QStringLiteral("stringData"),
            QJsonObject { { QStringLiteral("password"), QString::fromUtf8(Plaintext) } } } };
}

QJsonObject binding(const QString &name, const QString &role, const QString &saNs, const QString &sa)
{
    return QJsonObject { { QStringLiteral("metadata"), meta(name) },
        { QStringLiteral("roleRef"),
            QJsonObject { { QStringLiteral("apiGroup"), QStringLiteral("rbac.authorization.k8s.io") },
                { QStringLiteral("kind"), QStringLiteral("ClusterRole") },
                { QStringLiteral("name"), role } } },
        { QStringLiteral("subjects"),
            QJsonArray { QJsonObject { { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
                { QStringLiteral("name"), sa }, { QStringLiteral("namespace"), saNs } } } } };
}

} // namespace

class TestGatewayAttacks : public QObject {
    Q_OBJECT

    std::map<QString, std::unique_ptr<Setup>> m_setups; // "packaging", "setup guide"

    // A raw call through the gateway with the desktop's client certificate.
    Answer call(Setup &s, const QByteArray &method, const QString &path, const QByteArray &body = {})
    {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1").arg(s.gateway.port()) + path));
        request.setSslConfiguration(s.transport->sslConfiguration());
        if (!body.isEmpty())
            request.setRawHeader("Content-Type", "application/json");
        QNetworkReply *reply = nam.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        Answer a;
        a.setup = &s;
        a.method = method;
        a.path = path.section(QLatin1Char('?'), 0, 0);
        if (!finished.wait(20000))
            return a;
        a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        a.body = reply->readAll();
        reply->deleteLater();
        return a;
    }

    static void addRbacRows()
    {
        QTest::addColumn<QString>("rbac");
        QTest::newRow("packaging RBAC") << QStringLiteral("packaging");
        QTest::newRow("setup guide RBAC") << QStringLiteral("setup guide");
    }

    static void verifyRefusal(const Answer &a, const char *what)
    {
        QVERIFY2(a.status == 403,
            qPrintable(QStringLiteral("%1: %2 %3")
                           .arg(QLatin1String(what))
                           .arg(a.status)
                           .arg(QString::fromUtf8(a.body))));
        const QJsonObject status = a.json();
        QCOMPARE(status.value(QLatin1String("kind")).toString(), QStringLiteral("Status"));
        QCOMPARE(status.value(QLatin1String("reason")).toString(), QStringLiteral("Forbidden"));
        const QString message = status.value(QLatin1String("message")).toString();
        QVERIFY2(message.size() > 30, a.body.constData());
        // The gateway's access log has the refusal, with the reason the client was told.
        const QString prefix
            = QStringLiteral("hanzo-kms-gateway refuses %1 %2: ").arg(QString::fromLatin1(a.method), a.path);
        QVERIFY2(message.startsWith(prefix), qPrintable(message));
        const auto logged = [&] {
            for (const QJsonObject &line : a.setup->gateway.accessLog()) {
                if (line.value(QLatin1String("decision")).toString() == QLatin1String("deny")
                    && line.value(QLatin1String("verb")).toString() == QString::fromLatin1(a.method)
                    && line.value(QLatin1String("status")).toInt() == 403
                    && prefix + line.value(QLatin1String("reason")).toString() == message)
                    return true;
            }
            return false;
        };
        QTRY_VERIFY2(logged(), qPrintable(QStringLiteral("no access log line for: ") + message));
    }

    void startSetup(const QString &rbac)
    {
        auto s = std::make_unique<Setup>();
        TestCluster &c = s->cluster;
        QVERIFY2(c.start(), qPrintable(c.errorString()));
        const QDir packaging(QStringLiteral(KMS_SOURCE_DIR "/packaging/gateway"));
        const QDir seed(TestCluster::seedDir());
        QStringList files { packaging.filePath(QStringLiteral("namespace.yaml")),
            packaging.filePath(QStringLiteral("serviceaccount.yaml")) };
        if (rbac == QLatin1String("packaging")) {
            QVERIFY2(!c.applySeedSetup().isEmpty(), qPrintable(c.errorString()));
            files << packaging.filePath(QStringLiteral("rbac.yaml"));
        } else {
            files << seed.filePath(QStringLiteral("kms-dynamic-role.yaml"))
                  << seed.filePath(QStringLiteral("gateway-rbac-dynamic.yaml"));
        }
        for (const QString &file : files)
            QVERIFY2(c.applyYamlFile(file), qPrintable(c.errorString()));

        // What an attacker would like: a cluster-admin account, a Secret's
        // values, bindings that keep the cluster working.
        QCOMPARE(c.request("POST", QStringLiteral("/api/v1/namespaces/kube-system/serviceaccounts"),
                      { { QStringLiteral("metadata"), meta(QStringLiteral("power-sa")) } })
                     .status,
            201);
        QCOMPARE(c.request("POST", Rbac + QStringLiteral("/clusterrolebindings"),
                      binding(QStringLiteral("power-sa-admin"), QStringLiteral("cluster-admin"),
                          QStringLiteral("kube-system"), QStringLiteral("power-sa")))
                     .status,
            201);
        QCOMPARE(c.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
                      { { QStringLiteral("metadata"), meta(QStringLiteral("builder")) } })
                     .status,
            201);
        const auto secret = c.request("POST", QStringLiteral("/api/v1/namespaces/kube-system/secrets"),
            secretWithAppliedValues(QStringLiteral("db-creds"), {}));
        QCOMPARE(secret.status, 201);
        s->secretUid
            = secret.json.value(QLatin1String("metadata")).toObject().value(QLatin1String("uid")).toString();
        QCOMPARE(c.request("POST", QStringLiteral("/api/v1/namespaces/default/secrets"),
                      secretWithAppliedValues(QStringLiteral("app-config"), {}))
                     .status,
            201);
        const auto managed = c.request("POST", QStringLiteral("/api/v1/namespaces/default/secrets"),
            secretWithAppliedValues(QStringLiteral("kms-managed-secret"),
                { { LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue },
                    { LeaseLabels::LeaseId, QStringLiteral("0f0f0f0f-0000-4000-8000-000000000001") } }));
        QCOMPARE(managed.status, 201);
        s->managedSecretUid
            = managed.json.value(QLatin1String("metadata")).toObject().value(QLatin1String("uid")).toString();
        QCOMPARE(c.request("POST", Rbac + QStringLiteral("/namespaces/default/rolebindings"),
                      binding(QStringLiteral("victim-rb"), QStringLiteral("kms-dynamic-role"),
                          QStringLiteral("default"), QStringLiteral("builder")))
                     .status,
            201);
        QCOMPARE(c.request("POST", Rbac + QStringLiteral("/clusterrolebindings"),
                      binding(QStringLiteral("victim-crb"), QStringLiteral("kms-dynamic-role"),
                          QStringLiteral("default"), QStringLiteral("builder")))
                     .status,
            201);

        const QByteArray token = c.createToken(QStringLiteral("kms"), QStringLiteral("kms-gateway"));
        QVERIFY(!token.isEmpty());
        QFile tokenFile(s->dir.filePath(QStringLiteral("token")));
        QVERIFY(tokenFile.open(QIODevice::WriteOnly) && tokenFile.write(token) == token.size());
        tokenFile.close();
        QString error;
        const auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("attacker"), 1, &error);
        QVERIFY(pki && GatewayCertificates::write(*pki, s->dir.filePath(QStringLiteral("pki")), &error));
        // A policy that allows leases, cluster-wide bindings included: the
        // attacks must fail because of what they are, not a stingy policy.
        const QString policy
            = kms::test::writeGatewayPolicy(s->dir.path(), kms::test::allowingGatewayPolicy());
        QVERIFY(!policy.isEmpty());
        QVERIFY2(s->gateway.start(QStringLiteral(KMS_GATEWAY_PATH),
                     kms::test::gatewayServeArgs({ s->dir.filePath(QStringLiteral("pki")), c.url().toString(),
                         c.caPath(), tokenFile.fileName(), policy }),
                     &error),
            qPrintable(error));
        s->transport = GatewayTransport::create(QStringLiteral("attack"),
            QStringLiteral("https://127.0.0.1:%1").arg(s->gateway.port()), pki->caCertificate,
            pki->clientCertificate, pki->clientKey, &error);
        QVERIFY2(s->transport, qPrintable(error));
        m_setups[rbac] = std::move(s);
    }

    bool exists(Setup &s, const QString &path) { return s.cluster.request("GET", path).status == 200; }

private slots:
    void initTestCase()
    {
        startSetup(QStringLiteral("packaging"));
        startSetup(QStringLiteral("setup guide"));
        QCOMPARE(m_setups.size(), size_t(2));
    }

    // Attack 1: a token for kube-system/power-sa (bound to cluster-admin), for
    // the gateway's own account, and for an account in an allowed namespace
    // that is neither static in the policy nor a lease's.
    void tokenForAnAccountThePolicyDoesNotName_data() { addRbacRows(); }
    void tokenForAnAccountThePolicyDoesNotName()
    {
        QFETCH(QString, rbac);
        Setup &s = *m_setups.at(rbac);
        const QByteArray request
            = R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":3600}})";
        for (const char *path : { "/api/v1/namespaces/kube-system/serviceaccounts/power-sa/token",
                 "/api/v1/namespaces/kms/serviceaccounts/kms-gateway/token",
                 "/api/v1/namespaces/default/serviceaccounts/builder/token" }) {
            const Answer a = call(s, "POST", QLatin1String(path), request);
            verifyRefusal(a, path);
            QVERIFY2(!a.body.contains("\"token\""), a.body.constData());
        }
    }

    // Attack 2: reading Secrets. Never their values, in data or in any annotation.
    void readingASecretShowsNoValues_data() { addRbacRows(); }
    void readingASecretShowsNoValues()
    {
        QFETCH(QString, rbac);
        Setup &s = *m_setups.at(rbac);
        for (const char *path : { "/api/v1/namespaces/kube-system/secrets/db-creds",
                 "/api/v1/namespaces/default/secrets/app-config" }) {
            const Answer a = call(s, "GET", QLatin1String(path));
            QVERIFY2(
                a.status == 403, qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(path)).arg(a.status)));
            QVERIFY2(!a.body.contains(Plaintext), a.body.constData());
            QVERIFY2(!a.body.contains("c3RyaW5n"), a.body.constData());
        }
        const QString list
            = QStringLiteral("/api/v1/namespaces/default/secrets?") + LeaseLabels::managedSelectorQuery();
        const QString one = QStringLiteral("/api/v1/namespaces/default/secrets/kms-managed-secret");
        for (const QString &path : { one, list }) {
            const Answer a = call(s, "GET", path);
            QVERIFY2(!a.body.contains(Plaintext), a.body.constData());
            QVERIFY2(!a.body.contains(LastApplied.toUtf8()), a.body.constData());
            QVERIFY2(!a.body.contains("\"data\""), a.body.constData());
            if (rbac == QLatin1String("packaging")) {
                // A lease's Secret: the metadata the desktop needs, nothing else.
                QVERIFY2(a.status == 200, a.body.constData());
                QVERIFY2(a.body.contains(s.managedSecretUid.toUtf8()), a.body.constData());
                QVERIFY2(a.body.contains(LeaseLabels::ExpiresAt.toUtf8()), a.body.constData());
            } else {
                QCOMPARE(a.status, 403); // that RBAC grants nothing on Secrets
            }
        }
    }

    // Attack 3: deleting bindings the product did not make, by name and with a guessed uid.
    void deletingABindingThatIsNotALeasesIsRefused_data() { addRbacRows(); }
    void deletingABindingThatIsNotALeasesIsRefused()
    {
        QFETCH(QString, rbac);
        Setup &s = *m_setups.at(rbac);
        QStringList victims { Rbac + QStringLiteral("/namespaces/default/rolebindings/victim-rb"),
            Rbac + QStringLiteral("/clusterrolebindings/victim-crb"),
            Rbac + QStringLiteral("/clusterrolebindings/power-sa-admin") };
        if (rbac != QLatin1String("packaging"))
            victims << Rbac + QStringLiteral("/clusterrolebindings/tokenrequest");
        for (const QString &path : std::as_const(victims)) {
            QVERIFY2(exists(s, path), qPrintable(path));
            const Answer blind = call(s, "DELETE", path);
            verifyRefusal(blind, qPrintable(path));
            if (rbac != QLatin1String("packaging")) {
                // It says which permission it lacks.
                QVERIFY2(blind.body.contains("lacks \\\"get\\\""), blind.body.constData());
            }
            // A made-up uid: the API server refuses it (409), or the label check (403) comes first.
            const Answer guessed = call(s, "DELETE", path,
                R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"6b0d3cb8-2d2f-4b1c-9d7e-000000000000"}})");
            QVERIFY2(guessed.status == 403 || guessed.status == 409,
                qPrintable(QStringLiteral("%1: %2 %3")
                               .arg(path)
                               .arg(guessed.status)
                               .arg(QString::fromUtf8(guessed.body))));
            QVERIFY2(exists(s, path), qPrintable(path + QStringLiteral(" was deleted")));
        }
    }

    // What the product itself does keeps working under both RBACs:
    // a dynamic lease and its revocation (with the recorded uids).
    void dynamicLeaseAndRevokeStillWork_data() { addRbacRows(); }
    void dynamicLeaseAndRevokeStillWork()
    {
        QFETCH(QString, rbac);
        Setup &s = *m_setups.at(rbac);
        DynamicSecret secret;
        secret.name = QStringLiteral("attack-dynamic");
        secret.authMethod = AuthMethod::Gateway;
        secret.gateway = QStringLiteral("attack");
        secret.credentialType = CredentialType::Dynamic;
        secret.allowedNamespaces = { QStringLiteral("default") };
        secret.roleType = RoleType::ClusterRole;
        secret.roleName = QStringLiteral("kms-dynamic-role");
        for (bool clusterWide : { false, true }) {
            secret.clusterWide = clusterWide;
            ClusterConnection connection(s.transport);
            LeaseProvider provider(connection.client());
            const Lease lease = LeaseProvider::plan(secret, Lease::newId(), QStringLiteral("default"));
            const ProvisionOutcome outcome = QCoro::waitFor(provider.provision(secret, lease, 900, {}));
            QVERIFY2(outcome.ok(), qPrintable(outcome.error));
            QVERIFY(
                s.cluster.tokenReview(outcome.issued->token).value(QLatin1String("authenticated")).toBool());
            QVERIFY(!outcome.lease.bindingUid.isEmpty());
            // Without the uid, under the setup guide's RBAC, the gateway will not delete the binding.
            if (rbac != QLatin1String("packaging")) {
                Lease withoutUid = outcome.lease;
                withoutUid.bindingUid.clear();
                withoutUid.createdServiceAccount = false;
                const CleanupOutcome refused = QCoro::waitFor(provider.cleanup(withoutUid, false));
                QVERIFY(!refused.done);
                QVERIFY2(refused.error.contains(QLatin1String("lacks \"get\"")), qPrintable(refused.error));
            }
            const CleanupOutcome revoked = QCoro::waitFor(provider.cleanup(outcome.lease, false));
            QVERIFY2(revoked.done, qPrintable(revoked.error));
            QVERIFY(
                !s.cluster.tokenReview(outcome.issued->token).value(QLatin1String("authenticated")).toBool());
            const QString bindingPath = clusterWide
                ? Rbac + QStringLiteral("/clusterrolebindings/") + lease.bindingName
                : Rbac + QStringLiteral("/namespaces/default/rolebindings/") + lease.bindingName;
            QVERIFY(!exists(s, bindingPath));
        }
    }

    // A binding may only bind the service account of its own lease.
    void aBindingForAnotherAccountIsRefused_data() { addRbacRows(); }
    void aBindingForAnotherAccountIsRefused()
    {
        QFETCH(QString, rbac);
        Setup &s = *m_setups.at(rbac);
        const QString leaseId = Lease::newId();
        QJsonObject b = binding(QStringLiteral("kms-sneaky-bcdfg"), QStringLiteral("kms-dynamic-role"),
            QStringLiteral("default"), QStringLiteral("builder"));
        b.insert(QStringLiteral("metadata"),
            LeaseLabels::metadata(QStringLiteral("kms-sneaky-bcdfg"), QStringLiteral("default"), leaseId,
                QStringLiteral("x"), QDateTime::currentDateTimeUtc().addSecs(600)));
        const Answer a = call(s, "POST", Rbac + QStringLiteral("/namespaces/default/rolebindings"),
            QJsonDocument(b).toJson(QJsonDocument::Compact));
        verifyRefusal(a, "binding builder");
        QVERIFY2(a.body.contains("not the service account of the same lease"), a.body.constData());
        QVERIFY(!exists(s, Rbac + QStringLiteral("/namespaces/default/rolebindings/kms-sneaky-bcdfg")));
    }

    void cleanupTestCase()
    {
        for (auto &[name, s] : m_setups) {
            const QByteArray log = s->gateway.log() + s->gateway.output();
            s->gateway.stop();
            QCOMPARE(s->gateway.exitCode(), 0);
            QVERIFY2(!log.contains(Plaintext), qPrintable(name));
        }
    }
};

QTEST_GUILESS_MAIN(TestGatewayAttacks)
#include "tst_gateway_attacks.moc"
