// Live updates of a team profile: a lease written by one program reaches
// another program's LeaseNotifications when it commits, without polling,
// within a second; a program does not hear its own writes, nor an
// uncommitted or rolled-back one.
#include "Fixtures.h"
#include "TestSupport.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseNotifications.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace kms;

class TestLeaseNotifications : public QObject {
    Q_OBJECT
private slots:
    void anotherDesktopHearsEachCommittedLeaseWithinASecond()
    {
        KMS_REQUIRE_POSTGRES();
        test::TempProfile profile(test::Backend::PostgreSQL);
        QVERIFY2(profile.error().isEmpty(), qPrintable(profile.error()));
        Database writer;
        Database reader;
        QVERIFY2(profile.open(writer), qPrintable(writer.lastError()));
        QVERIFY2(profile.open(reader), qPrintable(reader.lastError()));
        DynamicSecret s = test::dynamicSecret(EnvironmentRepository(writer).list().first().id);
        QVERIFY2(SecretRepository(writer).insert(s), qPrintable(writer.lastError()));

        LeaseNotifications heard(reader);
        QVERIFY2(heard.start(), qPrintable(reader.lastError()));
        LeaseNotifications own(writer);
        QVERIFY2(own.start(), qPrintable(writer.lastError()));
        QSignalSpy spy(&heard, &LeaseNotifications::leaseChanged);
        QSignalSpy ownSpy(&own, &LeaseNotifications::leaseChanged);

        // Created, then changed (compare-and-set): each heard once, by the other program only.
        QList<qint64> latencies;
        LeaseRepository leases(writer);
        for (int i = 0; i < 20; ++i) {
            Lease lease = test::activeLease(s.id, QDateTime::currentDateTimeUtc());
            QElapsedTimer clock;
            clock.start();
            QVERIFY2(leases.insert(lease), qPrintable(writer.lastError()));
            QVERIFY(spy.wait(1000));
            latencies << clock.elapsed();
            QCOMPARE(spy.takeFirst().at(0).toString(), lease.id);
            lease.state = LeaseState::Revoking;
            clock.restart();
            QCOMPARE(leases.update(lease, LeaseState::Active), LeaseRepository::Update::Updated);
            QVERIFY(spy.wait(1000));
            latencies << clock.elapsed();
            QCOMPARE(spy.takeFirst().at(0).toString(), lease.id);
            // A compare-and-set that lost writes nothing and says nothing.
            QCOMPARE(leases.update(lease, LeaseState::Active), LeaseRepository::Update::Conflict);
        }
        std::sort(latencies.begin(), latencies.end());
        const qint64 p95 = latencies.at(qsizetype(latencies.size() * 95 / 100) - 1);
        qInfo("NOTIFY to the other connection: median %lld ms, p95 %lld ms, max %lld ms (%lld writes)",
            latencies.at(latencies.size() / 2), p95, latencies.last(), qint64(latencies.size()));
        QVERIFY2(p95 < 1000, qPrintable(QString::number(p95)));

        // Rolled back: never heard. Inside a transaction: heard at its commit.
        const Lease dropped = test::activeLease(s.id, QDateTime::currentDateTimeUtc());
        QVERIFY(!writer.transaction([&] { return leases.insert(dropped) && false; }));
        const Lease kept = test::activeLease(s.id, QDateTime::currentDateTimeUtc());
        QVERIFY(writer.transaction([&] { return leases.insert(kept); }));
        QVERIFY(spy.wait(1000));
        QCOMPARE(spy.takeFirst().at(0).toString(), kept.id);
        QVERIFY(!spy.wait(300));
        QCOMPARE(ownSpy.size(), 0);
    }

    void aSqliteProfileHasNoLiveUpdates()
    {
        test::TempProfile profile(test::Backend::SQLite);
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        LeaseNotifications notifications(db);
        QVERIFY(!notifications.start());
        QVERIFY(!notifications.isListening());
    }
};

QTEST_GUILESS_MAIN(TestLeaseNotifications)
#include "tst_leasenotifications.moc"
