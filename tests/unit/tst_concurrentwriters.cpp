// Several programs writing one profile at once: a team profile's desktops on
// one PostgreSQL database, or the GUI and the CLI on one SQLite file. Threads
// stand for the programs: each has its own connection.
#include "Fixtures.h"
#include "TestSupport.h"
#include "store/AuditLog.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include <QSet>
#include <QTest>

#include <atomic>
#include <mutex>
#include <thread>

using namespace kms;

class TestConcurrentWriters : public QObject {
    Q_OBJECT

    // Runs work(i) on `count` threads at once, each with its own connection to the profile.
    template<typename Work>
    static QStringList onThreads(const test::TempProfile &profile, int count, Work work)
    {
        QStringList errors;
        std::mutex mutex;
        std::atomic<int> ready { 0 };
        std::vector<std::thread> threads;
        for (int i = 0; i < count; ++i) {
            threads.emplace_back([&, i] {
                Database db;
                QString error;
                if (!profile.open(db))
                    error = db.lastError();
                // Start together, so the writes really overlap.
                ++ready;
                while (ready.load() < count)
                    std::this_thread::yield();
                if (error.isEmpty())
                    error = work(db, i);
                if (!error.isEmpty()) {
                    const std::lock_guard lock(mutex);
                    errors << error;
                }
            });
        }
        for (std::thread &t : threads)
            t.join();
        return errors;
    }

private slots:
    void initTestCase_data() { test::addBackendRows(); }
    void init() { KMS_INIT_BACKEND(); }

    // Each append reads the head and writes the next link: two writers that
    // read the same head would fork the chain (or one would fail). Appends
    // are serialised, so every event lands, once, in one linear chain.
    void concurrentAppendsMakeOneLinearChain()
    {
        test::TempProfile profile;
        {
            Database db;
            QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        }
        constexpr int Writers = 4;
        constexpr int Each = 40;
        const QStringList errors = onThreads(profile, Writers, [](Database &db, int writer) {
            AuditLog log(db);
            for (int n = 0; n < Each; ++n) {
                AuditEvent e;
                e.kind = AuditEvent::LeaseCreated;
                e.detail = QStringLiteral("writer %1 event %2").arg(writer).arg(n);
                if (!log.append(e))
                    return QStringLiteral("writer %1, event %2: %3").arg(writer).arg(n).arg(db.lastError());
            }
            return QString();
        });
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));

        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        const QList<AuditEvent> events = AuditLog(db).list();
        QCOMPARE(events.size(), Writers * Each);
        QSet<QString> details;
        for (int i = 0; i < events.size(); ++i) {
            QCOMPARE(events.at(i).seq, qint64(i + 1));
            details.insert(events.at(i).detail);
        }
        QCOMPARE(details.size(), Writers * Each); // none twice, none lost
        const AuditVerification verified = AuditLog(db).verify();
        QVERIFY2(verified.intact(), qPrintable(verified.reason));
        QCOMPARE(verified.eventCount, qint64(Writers * Each));
    }

    // Compare-and-set: of writers that all read a lease Active and move it
    // on, exactly one wins; the others change nothing.
    void oneWriterWinsEachLeaseTransition()
    {
        test::TempProfile profile;
        QList<Lease> leases;
        {
            Database db;
            QVERIFY2(profile.open(db), qPrintable(db.lastError()));
            DynamicSecret s = test::dynamicSecret(EnvironmentRepository(db).list().first().id);
            QVERIFY2(SecretRepository(db).insert(s), qPrintable(db.lastError()));
            for (int i = 0; i < 20; ++i) {
                leases << test::activeLease(s.id, QDateTime::currentDateTimeUtc());
                QVERIFY2(LeaseRepository(db).insert(leases.last()), qPrintable(db.lastError()));
            }
        }
        constexpr int Writers = 4;
        std::atomic<int> updated { 0 };
        std::atomic<int> conflicts { 0 };
        const QStringList errors = onThreads(profile, Writers, [&](Database &db, int writer) {
            LeaseRepository repo(db);
            for (Lease lease : leases) {
                lease.state = LeaseState::Revoking;
                lease.closedBy = QStringLiteral("writer-%1").arg(writer);
                switch (repo.update(lease, LeaseState::Active)) {
                case LeaseRepository::Update::Updated:
                    ++updated;
                    break;
                case LeaseRepository::Update::Conflict:
                    ++conflicts;
                    break;
                case LeaseRepository::Update::Failed:
                    return db.lastError();
                }
            }
            return QString();
        });
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
        QCOMPARE(updated.load(), int(leases.size()));
        QCOMPARE(conflicts.load(), int(leases.size()) * (Writers - 1));
    }

    // A secret's lease limit (max leases) holds across programs: counted and
    // inserted as one step, so writers that race for the last places never
    // get more leases than the limit between them.
    void concurrentLeasesNeverExceedTheLimit()
    {
        test::TempProfile profile;
        qint64 secretId = 0;
        {
            Database db;
            QVERIFY2(profile.open(db), qPrintable(db.lastError()));
            DynamicSecret s = test::dynamicSecret(EnvironmentRepository(db).list().first().id);
            s.maxLeases = 6;
            QVERIFY2(SecretRepository(db).insert(s), qPrintable(db.lastError()));
            secretId = s.id;
        }
        constexpr int Writers = 4;
        constexpr int Each = 5;
        constexpr int Limit = 6;
        std::atomic<int> inserted { 0 };
        std::atomic<int> refused { 0 };
        const QStringList errors = onThreads(profile, Writers, [&](Database &db, int) {
            LeaseRepository repo(db);
            for (int n = 0; n < Each; ++n) {
                Lease lease = test::activeLease(secretId, QDateTime::currentDateTimeUtc());
                lease.state = LeaseState::Provisioning;
                lease.tokenJti.clear();
                switch (repo.insertWithinLimit(lease, Limit)) {
                case LeaseRepository::Insert::Inserted:
                    ++inserted;
                    break;
                case LeaseRepository::Insert::LimitReached:
                    ++refused;
                    break;
                case LeaseRepository::Insert::Failed:
                    return db.lastError();
                case LeaseRepository::Insert::SecretChanged:
                    return QStringLiteral("the secret changed, which nothing here does");
                case LeaseRepository::Insert::Locked:
                    return QStringLiteral("lease %1's new lock held by another").arg(lease.id);
                }
            }
            return QString();
        });
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
        QCOMPARE(inserted.load(), Limit);
        QCOMPARE(refused.load(), Writers * Each - Limit);
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        QCOMPARE(LeaseRepository(db).count(), Limit);
    }
};

QTEST_GUILESS_MAIN(TestConcurrentWriters)
#include "tst_concurrentwriters.moc"
