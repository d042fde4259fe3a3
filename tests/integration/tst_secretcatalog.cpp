// SecretCatalog, the one writer of dynamic secrets, against kms-testcluster
// and the test keyring: create, edit, the delete policy for open leases
// (tokens checked with TokenReview), and a create whose row write fails
// leaving neither a row nor a keychain entry.
#include "core/AuditEvent.h"
#include "leases/ClusterConnections.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include "TestCluster.h"
#include "TestSupport.h"

#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QTest>

using namespace kms;
using kms::test::TestCluster;

class TestSecretCatalog : public QObject {
    Q_OBJECT

    std::unique_ptr<TestCluster> m_cluster;
    QByteArray m_requesterToken;
    std::unique_ptr<kms::test::TempProfile> m_profile;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<CredentialVault> m_vault;
    std::unique_ptr<ClusterConnections> m_connections;
    std::unique_ptr<LeaseService> m_leases;
    std::unique_ptr<SecretCatalog> m_catalog;
    qint64 m_envId = 0;

    bool authenticates(const QByteArray &token)
    {
        return m_cluster->tokenReview(token).value(QStringLiteral("authenticated")).toBool();
    }
    VaultResult storedToken(qint64 secretId)
    {
        return QCoro::waitFor(m_vault->get(DynamicSecret::vaultKeyFor(secretId)));
    }
    QList<AuditEvent> auditOf(const QString &secretName)
    {
        AuditFilter filter;
        filter.secretName = secretName;
        filter.kind = QStringLiteral("secret.");
        return AuditLog(*m_db).list(filter);
    }
    DynamicSecret staticSpec(const QString &name)
    {
        DynamicSecret s;
        s.environmentId = m_envId;
        s.name = name;
        s.clusterUrl = m_cluster->url().toString();
        s.caCertificate = QString::fromUtf8(m_cluster->caPem());
        s.credentialType = CredentialType::Static;
        s.serviceAccount = QStringLiteral("app");
        s.namespaceName = QStringLiteral("default");
        return s;
    }
    DynamicSecret dynamicSpec(const QString &name)
    {
        DynamicSecret s = staticSpec(name);
        s.credentialType = CredentialType::Dynamic;
        s.serviceAccount.clear();
        s.namespaceName.clear();
        s.allowedNamespaces = { QStringLiteral("default") };
        s.roleType = RoleType::ClusterRole;
        s.roleName = QStringLiteral("kms-dynamic-role");
        return s;
    }
    DynamicSecret created(const DynamicSecret &spec)
    {
        const SecretSaveResult saved = QCoro::waitFor(m_catalog->save(spec, m_requesterToken));
        if (!saved.ok())
            qFatal("save %s: %s", qPrintable(spec.name), qPrintable(saved.error));
        return *saved.secret;
    }
    LeaseCreation leaseOf(const DynamicSecret &s)
    {
        LeaseRequest request;
        request.secretId = s.id;
        return QCoro::waitFor(m_leases->createLease(request));
    }

private slots:
    void initTestCase()
    {
        m_cluster = std::make_unique<TestCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        m_requesterToken = m_cluster->applySeedSetup();
        QVERIFY2(!m_requesterToken.isEmpty(), qPrintable(m_cluster->errorString()));
        const auto sa
            = m_cluster->request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
                { { "apiVersion", "v1" }, { "kind", "ServiceAccount" },
                    { "metadata", QJsonObject { { "name", "app" } } } });
        QCOMPARE(sa.status, 201);
        m_profile = std::make_unique<kms::test::TempProfile>();
        m_db = std::make_unique<Database>();
        QVERIFY2(m_db->open(m_profile->dataDir()), qPrintable(m_db->lastError()));
        m_envId = EnvironmentRepository(*m_db).byName(QStringLiteral("Development"))->id;
        m_vault = std::make_unique<CredentialVault>();
        m_connections = std::make_unique<ClusterConnections>(*m_vault);
        m_leases = std::make_unique<LeaseService>(*m_db, *m_connections);
        m_catalog = std::make_unique<SecretCatalog>(*m_db, *m_vault, m_connections.get(), m_leases.get());
    }

    void cleanupTestCase()
    {
        // Leave nothing in the test keyring.
        if (m_db && m_vault) {
            for (const DynamicSecret &s : SecretRepository(*m_db).listAll())
                QCoro::waitFor(m_vault->remove(s.vaultKey()));
        }
    }

    void createStoresTheRowTheTokenAndOneAuditEvent()
    {
        const SecretSaveResult saved = QCoro::waitFor(
            m_catalog->save(staticSpec(QStringLiteral("created")), "  " + m_requesterToken + "\n"));
        QVERIFY2(saved.ok(), qPrintable(saved.error));
        QVERIFY(saved.secret->id > 0);
        const std::optional<DynamicSecret> row = SecretRepository(*m_db).byId(saved.secret->id);
        QVERIFY(row);
        QCOMPARE(row->name, QStringLiteral("created"));
        QCOMPARE(row->serviceAccount, QStringLiteral("app"));
        const VaultResult token = storedToken(saved.secret->id);
        QVERIFY2(token.ok, qPrintable(token.message));
        QCOMPARE(token.value, m_requesterToken); // trimmed
        const QList<AuditEvent> events = auditOf(QStringLiteral("created"));
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().kind, AuditEvent::SecretCreated);
        QVERIFY2(events.first().detail.contains(QStringLiteral("Static secret in Development on ")),
            qPrintable(events.first().detail));
        QCOMPARE(events.first().serviceAccount, QStringLiteral("app"));
    }

    // The audit sentence names what a lease gets: a generated role, any
    // namespace, a selector (it read "for  in *" for such a secret).
    void theAuditSentenceNamesGeneratedRolesAndWhereLeasesGo()
    {
        DynamicSecret spec = dynamicSpec(QStringLiteral("generated"));
        spec.roleName.clear();
        spec.generatedRules = { PolicyRule {
            { QStringLiteral("get") }, { QString() }, { QStringLiteral("configmaps") }, {}, {} } };
        spec.generatedRoleType = RoleType::Role;
        spec.allowedNamespaces = { QStringLiteral("default") };
        spec.namespaceSelector = QStringLiteral("team in (a,b)");
        created(spec);
        QList<AuditEvent> events = auditOf(QStringLiteral("generated"));
        QCOMPARE(events.size(), 1);
        QVERIFY2(events.first().detail.contains(
                     QStringLiteral("for a Role generated per lease in default or a namespace matching "
                                    "team in (a,b),")),
            qPrintable(events.first().detail));

        DynamicSecret anywhere = dynamicSpec(QStringLiteral("anywhere"));
        anywhere.allowedNamespaces = { DynamicSecret::AnyNamespace };
        created(anywhere);
        events = auditOf(QStringLiteral("anywhere"));
        QCOMPARE(events.size(), 1);
        QVERIFY2(events.first().detail.contains(
                     QStringLiteral("for ClusterRole/kms-dynamic-role in any namespace,")),
            qPrintable(events.first().detail));
    }

    void invalidSecretsWriteNothing()
    {
        const qint64 rows = SecretRepository(*m_db).listAll().size();
        const qint64 events = AuditLog(*m_db).list().size();
        DynamicSecret s = staticSpec(QStringLiteral("Not_Valid"));
        const SecretSaveResult saved = QCoro::waitFor(m_catalog->save(s, m_requesterToken));
        QVERIFY(!saved.ok());
        QCOMPARE(saved.failure, SecretSaveResult::Failure::Invalid);
        QCOMPARE(saved.fieldErrors.first().field, QStringLiteral("name"));
        // A Token secret needs a token.
        const SecretSaveResult noToken
            = QCoro::waitFor(m_catalog->save(staticSpec(QStringLiteral("no-token")), {}));
        QCOMPARE(noToken.failure, SecretSaveResult::Failure::Invalid);
        QCOMPARE(noToken.fieldErrors.first().field, QStringLiteral("clusterToken"));
        QCOMPARE(SecretRepository(*m_db).listAll().size(), rows);
        QCOMPARE(AuditLog(*m_db).list().size(), events);
    }

    void editKeepsTheTokenWhenNoneIsGiven()
    {
        DynamicSecret s = created(staticSpec(QStringLiteral("edited")));
        s.defaultTtl = Duration::fromMinutes(30);
        SecretSaveResult saved = QCoro::waitFor(m_catalog->save(s, QByteArray()));
        QVERIFY2(saved.ok(), qPrintable(saved.error));
        QCOMPARE(SecretRepository(*m_db).byId(s.id)->defaultTtl, Duration::fromMinutes(30));
        QCOMPARE(storedToken(s.id).value, m_requesterToken);

        // A new token replaces it; leases use it at once (the cached connection is dropped).
        saved = QCoro::waitFor(m_catalog->save(s, QByteArray("replaced-token")));
        QVERIFY2(saved.ok(), qPrintable(saved.error));
        QCOMPARE(storedToken(s.id).value, QByteArray("replaced-token"));
        const LeaseCreation refused = leaseOf(s);
        QVERIFY(!refused.ok());
        saved = QCoro::waitFor(m_catalog->save(s, m_requesterToken));
        QVERIFY2(saved.ok(), qPrintable(saved.error));
        const LeaseCreation lease = leaseOf(s);
        QVERIFY2(lease.ok(), qPrintable(lease.error));

        const QList<AuditEvent> events = auditOf(QStringLiteral("edited"));
        QCOMPARE(events.size(), 4);
        QCOMPARE(events.at(0).kind, AuditEvent::SecretCreated);
        for (int i = 1; i < 4; ++i) {
            QCOMPARE(events.at(i).kind, AuditEvent::SecretUpdated);
            QVERIFY(events.at(i).detail.contains(QStringLiteral("default TTL 30m")));
        }
    }

    void anEditOfAnOlderVersionIsRefusedAndWritesNothing()
    {
        const DynamicSecret read = created(staticSpec(QStringLiteral("two-editors")));
        DynamicSecret first = read;
        first.defaultTtl = Duration::fromMinutes(20);
        SecretSaveResult saved = QCoro::waitFor(m_catalog->save(first, QByteArray(), read.updatedAt));
        QVERIFY2(saved.ok(), qPrintable(saved.error));
        const qsizetype events = auditOf(QStringLiteral("two-editors")).size();
        QVERIFY(auditOf(QStringLiteral("two-editors"))
                    .last()
                    .detail.startsWith(QStringLiteral("Changed: default TTL. ")));

        // The second editor read the same version: its save is refused, the first edit stays.
        DynamicSecret second = read;
        second.maxTtl = Duration::fromHours(2);
        saved = QCoro::waitFor(m_catalog->save(second, QByteArray(), read.updatedAt));
        QCOMPARE(saved.failure, SecretSaveResult::Failure::Conflict);
        QCOMPARE(saved.error,
            QStringLiteral(
                "Dynamic secret \"two-editors\" was changed elsewhere since it was read, so this edit "
                "was not saved; look at it again and repeat the edit."));
        const std::optional<DynamicSecret> stored = SecretRepository(*m_db).byId(read.id);
        QCOMPARE(stored->defaultTtl, Duration::fromMinutes(20));
        QCOMPARE(stored->maxTtl, read.maxTtl);
        QCOMPARE(auditOf(QStringLiteral("two-editors")).size(), events);
        QCOMPARE(storedToken(read.id).value, m_requesterToken);
    }

    void editOfADeletedSecretSaysSo()
    {
        DynamicSecret s = created(staticSpec(QStringLiteral("gone")));
        QVERIFY(QCoro::waitFor(m_catalog->remove(s.id)).ok());
        const SecretSaveResult saved = QCoro::waitFor(m_catalog->save(s, QByteArray("another-token")));
        QCOMPARE(saved.failure, SecretSaveResult::Failure::Gone);
        QCOMPARE(storedToken(s.id).error, VaultResult::Error::NotFound);
    }

    // The keychain is awaited outside any transaction, and a row write that
    // fails after the keychain write leaves neither a row nor a keychain entry.
    void createLeavesNothingWhenTheRowWriteFails()
    {
        QCoro::Task<SecretSaveResult> saving
            = m_catalog->save(staticSpec(QStringLiteral("raced")), m_requesterToken);
        // It now waits for the keychain. Another connection takes the write lock
        // at once (with a lock held it would wait out the 5 s busy timeout) and
        // inserts a secret of the same name, so the catalog's row write fails.
        QVERIFY(!saving.isReady());
        Database other;
        QVERIFY2(other.open(m_profile->dataDir()), qPrintable(other.lastError()));
        DynamicSecret racer = staticSpec(QStringLiteral("raced"));
        QElapsedTimer timer;
        timer.start();
        QVERIFY2(SecretRepository(other).insert(racer), qPrintable(other.lastError()));
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(!saving.isReady());

        const SecretSaveResult saved = QCoro::waitFor(std::move(saving));
        QVERIFY(!saved.ok());
        QCOMPARE(saved.failure, SecretSaveResult::Failure::Database);
        QVERIFY2(saved.error.contains(QStringLiteral("could not be saved")), qPrintable(saved.error));
        QVERIFY(!saved.error.contains(QString::fromUtf8(m_requesterToken)));

        // Only the racer's row, and no keychain entry for any id without a row.
        SecretRepository secrets(*m_db);
        QCOMPARE(secrets.byName(m_envId, QStringLiteral("raced"))->id, racer.id);
        int checked = 0;
        for (qint64 id = 1; id <= racer.id; ++id) {
            if (secrets.byId(id))
                continue;
            const VaultResult entry = storedToken(id);
            QVERIFY2(!entry.ok && entry.error == VaultResult::Error::NotFound,
                qPrintable(QStringLiteral("id %1: %2").arg(id).arg(entry.message)));
            ++checked;
        }
        QVERIFY(checked >= 1); // at least the id the failed save reserved
        QCOMPARE(auditOf(QStringLiteral("raced")).size(), 0);
    }

    void deleteRevokesOpenLeasesFirst()
    {
        const DynamicSecret s = created(dynamicSpec(QStringLiteral("revoked-first")));
        const LeaseCreation first = leaseOf(s);
        QVERIFY2(first.ok(), qPrintable(first.error));
        const LeaseCreation second = leaseOf(s);
        QVERIFY2(second.ok(), qPrintable(second.error));
        QVERIFY(authenticates(first.issued->token));
        QVERIFY(authenticates(second.issued->token));

        const SecretRemoval removal = QCoro::waitFor(m_catalog->remove(s.id));
        QVERIFY2(removal.ok(), qPrintable(removal.error));
        QVERIFY(removal.deleted);
        QCOMPARE(removal.leases.size(), 2);
        for (const SecretLeaseReport &report : removal.leases) {
            QVERIFY(report.revoked);
            QVERIFY(!report.tokenStaysValid);
            QVERIFY2(report.message.contains(QStringLiteral("stops working")), qPrintable(report.message));
        }
        QVERIFY(!authenticates(first.issued->token));
        QVERIFY(!authenticates(second.issued->token));
        QVERIFY(!SecretRepository(*m_db).byId(s.id));
        QVERIFY(LeaseRepository(*m_db).listForSecret(s.id).isEmpty());
        QCOMPARE(storedToken(s.id).error, VaultResult::Error::NotFound);
        const QList<AuditEvent> events = auditOf(s.name);
        QCOMPARE(events.last().kind, AuditEvent::SecretDeleted);
        QCOMPARE(events.last().detail, QStringLiteral("Deleted from Development with its lease history."));
    }

    void deleteReportsUnboundTokensThatStayValid()
    {
        const DynamicSecret s = created(staticSpec(QStringLiteral("unbound")));
        const LeaseCreation lease = leaseOf(s);
        QVERIFY2(lease.ok(), qPrintable(lease.error));
        const SecretRemoval removal = QCoro::waitFor(m_catalog->remove(s.id));
        QVERIFY2(removal.ok(), qPrintable(removal.error));
        QCOMPARE(removal.leases.size(), 1);
        QVERIFY(removal.leases.first().revoked);
        QVERIFY(removal.leases.first().tokenStaysValid);
        QVERIFY2(removal.leases.first().message.contains(QStringLiteral("stays valid until it expires")),
            qPrintable(removal.leases.first().message));
        QVERIFY(authenticates(lease.issued->token)); // as reported
        QVERIFY(auditOf(s.name).last().detail.contains(lease.lease->id));
    }

    void deleteKeepsTheSecretWhenALeaseCannotBeRevokedUnlessForced()
    {
        const DynamicSecret s = created(dynamicSpec(QStringLiteral("unrevokable")));
        const LeaseCreation lease = leaseOf(s);
        QVERIFY2(lease.ok(), qPrintable(lease.error));
        // The cluster now refuses the secret's token: no revoke can succeed.
        QVERIFY(QCoro::waitFor(m_vault->put(s.vaultKey(), QByteArray("revoked-cluster-token"))).ok);
        m_connections->invalidate(s.id);

        SecretRemoval removal = QCoro::waitFor(m_catalog->remove(s.id));
        QVERIFY(!removal.deleted);
        QCOMPARE(removal.failure, SecretRemoval::Failure::LeaseNotRevoked);
        QVERIFY2(removal.error.contains(
                     QStringLiteral("was kept because lease %1 could not be revoked").arg(lease.lease->id)),
            qPrintable(removal.error));
        QCOMPARE(removal.leases.size(), 1);
        QVERIFY(!removal.leases.first().revoked);
        QVERIFY(removal.leases.first().tokenStaysValid);
        QVERIFY(SecretRepository(*m_db).byId(s.id));
        QVERIFY(storedToken(s.id).ok);
        QVERIFY(authenticates(lease.issued->token));

        removal = QCoro::waitFor(m_catalog->remove(s.id, true));
        QVERIFY2(removal.ok(), qPrintable(removal.error));
        QCOMPARE(removal.leases.size(), 1);
        QVERIFY(!removal.leases.first().revoked);
        QVERIFY(removal.leases.first().tokenStaysValid);
        QVERIFY2(removal.leases.first().message.contains(QStringLiteral("stays valid until it expires")),
            qPrintable(removal.leases.first().message));
        QVERIFY(authenticates(lease.issued->token)); // as reported
        QVERIFY(!SecretRepository(*m_db).byId(s.id));
        QCOMPARE(storedToken(s.id).error, VaultResult::Error::NotFound);
        const AuditEvent deleted = auditOf(s.name).last();
        QCOMPARE(deleted.kind, AuditEvent::SecretDeleted);
        QVERIFY2(
            deleted.detail.contains(lease.lease->id) && deleted.detail.contains(QStringLiteral("Forced")),
            qPrintable(deleted.detail));
    }
};

QTEST_GUILESS_MAIN(TestSecretCatalog)
#include "tst_secretcatalog.moc"
