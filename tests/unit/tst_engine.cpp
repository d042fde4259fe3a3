// The reads and the few writes the GUI makes through the Engine (it reaches the
// store only through it): they are the store's rows.
#include "Fixtures.h"
#include "TestSupport.h"
#include "gateway/GatewayRegistry.h"
#include "leases/Engine.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/GatewayRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include <QTest>

using namespace kms;

class TestEngine : public QObject {
    Q_OBJECT

    std::unique_ptr<test::TempProfile> m_profile;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<CredentialVault> m_vault;
    std::unique_ptr<Engine> m_engine;

private slots:
    void init()
    {
        m_profile = std::make_unique<test::TempProfile>();
        m_db = std::make_unique<Database>();
        QVERIFY2(m_db->open(m_profile->dataDir()), qPrintable(m_db->lastError()));
        m_vault = std::make_unique<CredentialVault>();
        m_engine = std::make_unique<Engine>(*m_db, *m_vault);
    }

    void cleanup()
    {
        m_engine.reset();
        m_vault.reset();
        m_db.reset();
        m_profile.reset();
    }

    void addsEnvironmentAtTheEndWithSlugFromItsName()
    {
        QString error;
        const std::optional<Environment> env
            = m_engine->addEnvironment(QStringLiteral("  QA Europe/2 "), &error);
        QVERIFY2(env, qPrintable(error));
        QVERIFY(env->id > 0);
        QCOMPARE(env->name, QStringLiteral("QA Europe/2"));
        QCOMPARE(env->slug, QStringLiteral("qa-europe-2"));
        const QList<Environment> all = m_engine->environments();
        QCOMPARE(all.size(), 4);
        QCOMPARE(all.constLast().id, env->id);
        QCOMPARE(all.constLast().position, env->position);
        QCOMPARE(EnvironmentRepository(*m_db).byName(QStringLiteral("qa-europe-2"))->id, env->id);
    }

    void refusesEmptyAndDuplicateEnvironmentNames()
    {
        QString error;
        QVERIFY(!m_engine->addEnvironment(QStringLiteral("   "), &error));
        QCOMPARE(error, QStringLiteral("Enter a name for the environment."));
        QVERIFY(!m_engine->addEnvironment(QStringLiteral("production"), &error));
        QCOMPARE(error,
            QStringLiteral("An environment called \"Production\" exists already; choose another name."));
        QVERIFY(!m_engine->addEnvironment(QStringLiteral("qa\x1b[31m"), &error));
        QVERIFY2(error.contains(QStringLiteral("\\x1b")) && !error.contains(QChar(0x1b)), qPrintable(error));
        QVERIFY(!m_engine->addEnvironment(QString(65, QLatin1Char('q')), &error));
        QVERIFY2(error.contains(QStringLiteral("at most 64")), qPrintable(error));
        QCOMPARE(m_engine->environments().size(), 3);
    }

    void renamesAnEnvironmentOnlyFromTheNameItHad()
    {
        const Environment staging = *EnvironmentRepository(*m_db).byName(QStringLiteral("Staging"));
        QString error;
        QVERIFY2(m_engine->renameEnvironment(staging, QStringLiteral(" QA "), &error), qPrintable(error));
        const std::optional<Environment> qa = EnvironmentRepository(*m_db).byId(staging.id);
        QCOMPARE(qa->name, QStringLiteral("QA"));
        QCOMPARE(qa->slug, QStringLiteral("qa"));
        QCOMPARE(qa->position, staging.position);
        // A second rename from the stale name changes nothing (compare-and-set).
        QVERIFY(!m_engine->renameEnvironment(staging, QStringLiteral("Other"), &error));
        QVERIFY2(error.contains(QStringLiteral("renamed or deleted meanwhile")), qPrintable(error));
        QCOMPARE(EnvironmentRepository(*m_db).byId(staging.id)->name, QStringLiteral("QA"));
        // Another environment's name or slug is refused in words.
        QVERIFY(!m_engine->renameEnvironment(*qa, QStringLiteral("prod"), &error));
        QCOMPARE(error,
            QStringLiteral("An environment called \"Production\" exists already; choose another name."));
        QVERIFY(!m_engine->renameEnvironment(*qa, QStringLiteral(" "), &error));
        // Its own name in other letters is a rename, not a clash.
        QVERIFY2(m_engine->renameEnvironment(*qa, QStringLiteral("qa"), &error), qPrintable(error));
        QCOMPARE(EnvironmentRepository(*m_db).byId(staging.id)->name, QStringLiteral("qa"));
    }

    void deletesOnlyAnEmptyEnvironment()
    {
        QString error;
        const std::optional<Environment> empty = m_engine->addEnvironment(QStringLiteral("Scratch"), &error);
        QVERIFY2(empty, qPrintable(error));
        const Environment dev = *EnvironmentRepository(*m_db).byName(QStringLiteral("dev"));
        DynamicSecret kept = test::staticSecret(dev.id, QStringLiteral("kept"));
        QVERIFY(SecretRepository(*m_db).insert(kept));

        QVERIFY(!m_engine->removeEnvironment(dev, &error));
        QCOMPARE(
            error, QStringLiteral("Environment \"Development\" holds dynamic secrets; delete them first."));
        QVERIFY(EnvironmentRepository(*m_db).byId(dev.id));
        QVERIFY(SecretRepository(*m_db).byId(kept.id));

        QVERIFY2(m_engine->removeEnvironment(*empty, &error), qPrintable(error));
        QVERIFY(!EnvironmentRepository(*m_db).byId(empty->id));
        QCOMPARE(m_engine->environments().size(), 3);
        QVERIFY(!m_engine->removeEnvironment(*empty, &error));
        QCOMPARE(error, QStringLiteral("The environment was deleted meanwhile."));
    }

    void readsSecretsLeasesAndTheAuditLogOfTheStore()
    {
        const qint64 dev = EnvironmentRepository(*m_db).byName(QStringLiteral("dev"))->id;
        const qint64 prod = EnvironmentRepository(*m_db).byName(QStringLiteral("prod"))->id;
        SecretRepository secrets(*m_db);
        DynamicSecret a = test::dynamicSecret(dev, QStringLiteral("b-secret"));
        DynamicSecret b = test::staticSecret(dev, QStringLiteral("a-secret"));
        DynamicSecret c = test::staticSecret(prod, QStringLiteral("prod-secret"));
        QVERIFY(secrets.insert(a) && secrets.insert(b) && secrets.insert(c));
        LeaseRepository leases(*m_db);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        Lease active = test::activeLease(a.id, now.addSecs(-10));
        Lease revoked = test::activeLease(a.id, now.addSecs(-20));
        revoked.state = LeaseState::Revoked;
        QVERIFY(leases.insert(active) && leases.insert(revoked));
        AuditEvent event;
        event.kind = AuditEvent::LeaseCreated;
        event.secretName = a.name;
        event.leaseId = active.id;
        QVERIFY(AuditLog(*m_db).append(event));

        QCOMPARE(m_engine->secret(a.id)->name, a.name);
        QVERIFY(!m_engine->secret(c.id + 100));
        QStringList names;
        for (const DynamicSecret &s : m_engine->secrets(dev))
            names << s.name;
        QCOMPARE(names, (QStringList { QStringLiteral("a-secret"), QStringLiteral("b-secret") }));
        QCOMPARE(m_engine->allSecrets().size(), 3);
        QCOMPARE(m_engine->activeLeaseCounts(dev).value(a.id), 1);
        QCOMPARE(m_engine->openLeaseCount(a.id), 1);
        QCOMPARE(m_engine->openLeaseCount(b.id), 0);

        QCOMPARE(m_engine->lease(active.id)->state, LeaseState::Active);
        QCOMPARE(m_engine->leasesOf(a.id).size(), 2);
        QCOMPARE(m_engine->leasesOf(a.id, false).size(), 1);
        QCOMPARE(m_engine->leasesOf(a.id, false).first().id, active.id);

        AuditFilter filter;
        filter.leaseId = active.id;
        const QList<AuditEvent> events = m_engine->auditEvents(filter);
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().kind, AuditEvent::LeaseCreated);
        filter.leaseId = revoked.id;
        QVERIFY(m_engine->auditEvents(filter).isEmpty());
        const AuditVerification verified
            = QCoro::waitFor(m_engine->verifyAudit()); // with the keychain anchor
        QVERIFY2(verified.intact(), qPrintable(verified.reason));
        QCOMPARE(verified.eventCount, 1);
    }

    void gatewaysAreTheRegistryOfTheProfile()
    {
        QVERIFY(m_engine->gateways().names().isEmpty());
        GatewayRecord g;
        g.name = QStringLiteral("edge");
        g.url = QStringLiteral("https://localhost:8443");
        g.createdAt = QDateTime::currentDateTimeUtc();
        QVERIFY(GatewayRepository(*m_db).insert(g));
        QCOMPARE(m_engine->gateways().names(), QStringList { QStringLiteral("edge") });
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
