#include "TestSupport.h"
#include "gateway/GatewayRegistry.h"
#include "kube/GatewayCertificates.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/SecretRepository.h"

#include <QCoro/QCoroTask>
#include <QFile>
#include <QNetworkRequest>
#include <QSqlQuery>
#include <QTest>

using namespace kms;

class TestGatewayRegistry : public QObject {
    Q_OBJECT

    std::unique_ptr<test::TempProfile> m_profile;
    std::unique_ptr<Database> m_db;
    CredentialVault m_vault;
    GatewayCertificates::Bundle m_pki;
    GatewayCertificates::Bundle m_other;

    GatewayRecord record(const QString &name) const
    {
        GatewayRecord r;
        r.name = name;
        r.url = QStringLiteral("https://localhost:8443");
        r.caCertificate = m_pki.caCertificate;
        r.clientCertificate = m_pki.clientCertificate;
        return r;
    }

private slots:
    void initTestCase()
    {
        QString error;
        auto pki = GatewayCertificates::generate(
            { QStringLiteral("localhost") }, QStringLiteral("desk"), 1, &error);
        auto other = GatewayCertificates::generate(
            { QStringLiteral("localhost") }, QStringLiteral("other"), 1, &error);
        QVERIFY(pki && other);
        m_pki = *pki;
        m_other = *other;
    }

    void init()
    {
        m_profile = std::make_unique<test::TempProfile>();
        m_db = std::make_unique<Database>();
        QVERIFY2(m_db->open(m_profile->dataDir()), qPrintable(m_db->lastError()));
    }

    void cleanup()
    {
        GatewayRegistry registry(*m_db, m_vault);
        for (const QString &name : registry.names())
            QCoro::waitFor(m_vault.remove(GatewayRegistry::vaultKeyFor(name)));
        m_db.reset();
        m_profile.reset();
    }

    void addsWithTheKeyInTheKeychainOnly()
    {
        GatewayRegistry registry(*m_db, m_vault);
        const auto result = QCoro::waitFor(registry.add(record(QStringLiteral("prod")), m_pki.clientKey));
        QVERIFY2(result.ok, qPrintable(result.error));
        const auto found = registry.byName(QStringLiteral("prod"));
        QVERIFY(found);
        QCOMPARE(found->url, QStringLiteral("https://localhost:8443"));
        QCOMPARE(found->caCertificate, m_pki.caCertificate);
        QCOMPARE(found->clientCertificate, m_pki.clientCertificate);
        QVERIFY(found->createdAt.isValid());
        QCOMPARE(registry.names(), QStringList { QStringLiteral("prod") });
        const VaultResult key
            = QCoro::waitFor(m_vault.get(GatewayRegistry::vaultKeyFor(QStringLiteral("prod"))));
        QVERIFY(key.ok);
        QCOMPARE(key.value, m_pki.clientKey);
        // Not a byte of the key in the database file.
        m_db->close();
        QFile file(m_profile->dataDir() + QStringLiteral("/kms.sqlite"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll() + [&] {
            QFile wal(file.fileName() + QStringLiteral("-wal"));
            return wal.open(QIODevice::ReadOnly) ? wal.readAll() : QByteArray();
        }();
        const QByteArray keyBody = m_pki.clientKey.split('\n').value(1);
        QVERIFY(keyBody.size() > 20);
        QVERIFY(!bytes.contains(keyBody));
        QVERIFY(m_db->open(m_profile->dataDir()));
        QCOMPARE(m_db->schemaVersion(), Database::SchemaVersion);
        // Audited.
        Query q
            = m_db->prepare(QStringLiteral("SELECT count(*) FROM audit_events WHERE kind = 'gateway.added'"));
        QVERIFY(m_db->exec(q, QStringLiteral("count")) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
    }

    void rejectsBadInputAndStoresNothing_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("url");
        QTest::addColumn<int>("material");
        QTest::addColumn<QString>("expected");
        QTest::newRow("bad name") << "Prod!"
                                  << "https://localhost:8443" << 0
                                  << "NAME: \"Prod!\" is not a valid gateway name";
        QTest::newRow("empty name") << ""
                                    << "https://localhost:8443" << 0 << "not a valid gateway name";
        QTest::newRow("http url") << "prod"
                                  << "http://localhost:8443" << 0 << "not a valid https:// URL";
        QTest::newRow("url with query") << "prod"
                                        << "https://localhost:8443/?x=1" << 0 << "not a valid https:// URL";
        QTest::newRow("ca not pem") << "prod"
                                    << "https://localhost:8443" << 1 << "CA certificate";
        QTest::newRow("cert not pem") << "prod"
                                      << "https://localhost:8443" << 2 << "client certificate";
        QTest::newRow("key not pem") << "prod"
                                     << "https://localhost:8443" << 3 << "client key";
        QTest::newRow("key of another certificate") << "prod"
                                                    << "https://localhost:8443" << 4 << "does not belong";
    }

    void rejectsBadInputAndStoresNothing()
    {
        QFETCH(QString, name);
        QFETCH(QString, url);
        QFETCH(int, material);
        QFETCH(QString, expected);
        GatewayRecord r = record(name);
        r.url = url;
        QByteArray key = m_pki.clientKey;
        if (material == 1)
            r.caCertificate = "hello";
        if (material == 2)
            r.clientCertificate = "hello";
        if (material == 3)
            key = "hello";
        if (material == 4)
            key = m_other.clientKey;
        GatewayRegistry registry(*m_db, m_vault);
        const auto result = QCoro::waitFor(registry.add(r, key));
        QVERIFY(!result.ok);
        QVERIFY(result.usageError);
        QVERIFY2(result.error.contains(expected), qPrintable(result.error));
        QVERIFY(registry.list().isEmpty());
        QCOMPARE(QCoro::waitFor(m_vault.get(GatewayRegistry::vaultKeyFor(name))).error,
            VaultResult::Error::NotFound);
    }

    void refusesADuplicateName()
    {
        GatewayRegistry registry(*m_db, m_vault);
        QVERIFY(QCoro::waitFor(registry.add(record(QStringLiteral("prod")), m_pki.clientKey)).ok);
        const auto again = QCoro::waitFor(registry.add(record(QStringLiteral("prod")), m_pki.clientKey));
        QVERIFY(!again.ok);
        QVERIFY2(again.error.contains(QLatin1String("already registered")), qPrintable(again.error));
        QCOMPARE(registry.list().size(), 1);
    }

    void givesTheTransportWithTheKeyFromTheKeychain()
    {
        GatewayRegistry registry(*m_db, m_vault);
        QVERIFY(QCoro::waitFor(registry.add(record(QStringLiteral("prod")), m_pki.clientKey)).ok);
        const auto factory = GatewayRegistry::transportFactory(*m_db, m_vault);
        const GatewayTransportResult t = QCoro::waitFor(factory(QStringLiteral("prod"), {}));
        QVERIFY2(t.transport, qPrintable(t.error));
        QCOMPARE(t.transport->baseUrl(), QUrl(QStringLiteral("https://localhost:8443")));
        const QSslConfiguration ssl = t.transport->sslConfiguration();
        QCOMPARE(ssl.localCertificate(), QSslCertificate(m_pki.clientCertificate));
        QVERIFY(!ssl.privateKey().isNull());
        QCOMPARE(ssl.caCertificates(), QSslCertificate::fromData(m_pki.caCertificate));
        QCOMPARE(t.transport->describe(), QStringLiteral("gateway \"prod\" (https://localhost:8443)"));
        // Gateway auth: no token on the wire; Token (API) auth through it: the caller's.
        QNetworkRequest request;
        t.transport->authorize(request);
        QVERIFY(!request.hasRawHeader("Authorization"));
        const GatewayTransportResult caller
            = QCoro::waitFor(factory(QStringLiteral("prod"), QByteArrayLiteral("caller-token")));
        QVERIFY2(caller.transport, qPrintable(caller.error));
        caller.transport->authorize(request);
        QCOMPARE(request.rawHeader("Authorization"), QByteArray("Bearer caller-token"));
        QCOMPARE(caller.transport->sslConfiguration().localCertificate(),
            QSslCertificate(m_pki.clientCertificate));
        QVERIFY(!caller.transport->describe().contains(QLatin1String("caller-token")));

        const GatewayTransportResult missing = QCoro::waitFor(factory(QStringLiteral("nope"), {}));
        QVERIFY(!missing.transport);
        QVERIFY2(
            missing.error.contains(QLatin1String("\"nope\" is not registered")), qPrintable(missing.error));

        // The key gone from the keychain: one sentence saying so.
        QVERIFY(QCoro::waitFor(m_vault.remove(GatewayRegistry::vaultKeyFor(QStringLiteral("prod")))).ok);
        const GatewayTransportResult noKey = QCoro::waitFor(factory(QStringLiteral("prod"), {}));
        QVERIFY(!noKey.transport);
        QVERIFY2(
            noKey.error.contains(QLatin1String("client key of gateway \"prod\"")), qPrintable(noKey.error));
    }

    void removeIsRefusedWhileSecretsUseIt()
    {
        GatewayRegistry registry(*m_db, m_vault);
        QVERIFY(QCoro::waitFor(registry.add(record(QStringLiteral("prod")), m_pki.clientKey)).ok);
        DynamicSecret s;
        s.name = QStringLiteral("private-cluster");
        s.environmentId = EnvironmentRepository(*m_db).list().first().id;
        s.authMethod = AuthMethod::Gateway;
        s.gateway = QStringLiteral("prod");
        s.credentialType = CredentialType::Static;
        s.serviceAccount = QStringLiteral("sa");
        s.namespaceName = QStringLiteral("default");
        SecretRepository secrets(*m_db);
        QVERIFY2(secrets.insert(s), qPrintable(m_db->lastError()));
        const auto refused = QCoro::waitFor(registry.remove(QStringLiteral("prod")));
        QVERIFY(!refused.ok);
        QVERIFY2(refused.error.contains(QLatin1String("used by the dynamic secrets private-cluster")),
            qPrintable(refused.error));
        QVERIFY(registry.byName(QStringLiteral("prod")));
        QVERIFY(QCoro::waitFor(m_vault.get(GatewayRegistry::vaultKeyFor(QStringLiteral("prod")))).ok);

        QVERIFY(secrets.remove(s.id));
        const auto removed = QCoro::waitFor(registry.remove(QStringLiteral("prod")));
        QVERIFY2(removed.ok, qPrintable(removed.error));
        QVERIFY(registry.list().isEmpty());
        QCOMPARE(QCoro::waitFor(m_vault.get(GatewayRegistry::vaultKeyFor(QStringLiteral("prod")))).error,
            VaultResult::Error::NotFound);

        const auto unknown = QCoro::waitFor(registry.remove(QStringLiteral("prod")));
        QVERIFY(!unknown.ok && unknown.usageError);
        QVERIFY(unknown.error.contains(QLatin1String("there is no gateway \"prod\"")));
    }
};

QTEST_GUILESS_MAIN(TestGatewayRegistry)
#include "tst_gatewayregistry.moc"
