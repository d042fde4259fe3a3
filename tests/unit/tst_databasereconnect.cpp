// A team profile whose server goes away: the statement that finds it gone,
// and every one after it, fails with one sentence naming the server and
// writes nothing; an idle connection under LISTEN notices when the server
// ends it; DatabaseReconnector connects again with growing waits, and then
// other programs' leases are heard again. The server really ends the
// connections (pg_terminate_backend) and refuses new ones (ALLOW_CONNECTIONS).
#include "Fixtures.h"
#include "TestSupport.h"
#include "leases/DatabaseReconnector.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseNotifications.h"
#include "store/LeaseRepository.h"
#include "store/PostgresUrl.h"
#include "store/SecretRepository.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace kms;
using namespace std::chrono_literals;

namespace {

QString databaseName(const test::TempProfile &profile)
{
    return PostgresUrl::parse(profile.databaseUrl(), nullptr)->database();
}

// Ends every connection to the profile's database, from the test server's
// admin connection, and waits (up to 5 s) until each server process is gone.
bool endConnections(const test::TempProfile &profile, QString *error)
{
    return test::TestPostgres::adminExec(
        QStringLiteral("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '%1'")
            .arg(databaseName(profile)),
        error);
}

bool allowConnections(const test::TempProfile &profile, bool allow, QString *error = nullptr)
{
    return test::TestPostgres::adminExec(
        QStringLiteral("ALTER DATABASE %1 ALLOW_CONNECTIONS %2")
            .arg(databaseName(profile), allow ? QStringLiteral("true") : QStringLiteral("false")),
        error);
}

qint64 secretCount(const test::TempProfile &profile)
{
    Database db;
    if (!profile.open(db))
        return -1;
    return SecretRepository(db).listAll().size();
}

} // namespace

class TestDatabaseReconnect : public QObject {
    Q_OBJECT
private slots:
    void aStatementOnALostConnectionSaysTheServerIsUnreachableAndWritesNothing()
    {
        KMS_REQUIRE_POSTGRES();
        test::TempProfile profile(test::Backend::PostgreSQL);
        QVERIFY2(profile.error().isEmpty(), qPrintable(profile.error()));
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        int lost = 0;
        db.setConnectionLostHandler([&lost] { ++lost; });
        const qint64 env = EnvironmentRepository(db).list().first().id;
        QVERIFY(!db.isConnectionLost());

        QString error;
        QVERIFY2(endConnections(profile, &error), qPrintable(error));
        DynamicSecret s = test::dynamicSecret(env);
        QVERIFY(!SecretRepository(db).insert(s));
        QVERIFY(db.isConnectionLost());
        QCOMPARE(lost, 1);
        const QString server = PostgresUrl::parse(profile.databaseUrl(), nullptr)->host();
        const QString sentence = db.lastError();
        QVERIFY2(sentence.startsWith(
                     QStringLiteral("Cannot reach the team profile's database server %1:").arg(server)),
            qPrintable(sentence));
        QVERIFY2(!sentence.contains(QLatin1Char('\n')) && !sentence.contains(QStringLiteral("FATAL")),
            qPrintable(sentence));
        // Every statement after it fails at once with the same sentence; the handler is not called again.
        QVERIFY(!db.exec(QStringLiteral("SELECT 1"), QStringLiteral("probe")));
        QCOMPARE(db.lastError(), sentence);
        QVERIFY(!db.transaction([&] { return SecretRepository(db).insert(s); }));
        QCOMPARE(lost, 1);
        QCOMPARE(secretCount(profile), 0);

        // Connected again: the same Database (and its repositories) work.
        QVERIFY2(db.reconnect(), qPrintable(db.lastError()));
        QVERIFY(!db.isConnectionLost());
        QVERIFY2(SecretRepository(db).insert(s), qPrintable(db.lastError()));
        QCOMPARE(secretCount(profile), 1);
    }

    void anIdleListeningConnectionNoticesTheServerEndingIt()
    {
        KMS_REQUIRE_POSTGRES();
        test::TempProfile profile(test::Backend::PostgreSQL);
        QVERIFY2(profile.error().isEmpty(), qPrintable(profile.error()));
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        LeaseNotifications notifications(db);
        QVERIFY2(notifications.start(), qPrintable(db.lastError()));
        QSignalSpy lost(&notifications, &LeaseNotifications::listeningLost);

        QString error;
        QVERIFY2(endConnections(profile, &error), qPrintable(error));
        QVERIFY(lost.wait(5000));
        QVERIFY(db.isConnectionLost());
        QVERIFY(!notifications.isListening());
        QVERIFY2(db.unreachableMessage().contains(db.server()), qPrintable(db.unreachableMessage()));
    }

    void theReconnectorWaitsLongerAfterEachFailureAndResumesListening()
    {
        KMS_REQUIRE_POSTGRES();
        test::TempProfile profile(test::Backend::PostgreSQL);
        QVERIFY2(profile.error().isEmpty(), qPrintable(profile.error()));
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        const qint64 env = EnvironmentRepository(db).list().first().id;
        DynamicSecret s = test::dynamicSecret(env);
        QVERIFY2(SecretRepository(db).insert(s), qPrintable(db.lastError()));
        LeaseNotifications notifications(db);
        QVERIFY2(notifications.start(), qPrintable(db.lastError()));
        DatabaseReconnector reconnector(db, nullptr, QString(), &notifications);
        reconnector.setDelays(50ms, 400ms);
        QSignalSpy lostSpy(&reconnector, &DatabaseReconnector::connectionLost);
        QSignalSpy failedSpy(&reconnector, &DatabaseReconnector::attemptFailed);
        QSignalSpy backSpy(&reconnector, &DatabaseReconnector::reconnected);
        QSignalSpy heard(&notifications, &LeaseNotifications::leaseChanged);

        QString error;
        QVERIFY2(allowConnections(profile, false, &error), qPrintable(error));
        auto reopen = qScopeGuard([&] { allowConnections(profile, true); });
        QVERIFY2(endConnections(profile, &error), qPrintable(error));
        QVERIFY(lostSpy.wait(5000));
        QCOMPARE(lostSpy.size(), 1);
        QVERIFY(!reconnector.isConnected());
        QVERIFY2(reconnector.problem().contains(db.server()), qPrintable(reconnector.problem()));

        // 50 ms, then 100, 200, 400, 400: each failed attempt says when the next one is.
        QTRY_VERIFY_WITH_TIMEOUT(failedSpy.size() >= 5, 10000);
        QList<qint64> waits;
        for (const QList<QVariant> &failure : std::as_const(failedSpy)) {
            waits << failure.at(1).toLongLong();
            QVERIFY2(failure.at(0).toString().contains(db.server()), qPrintable(failure.at(0).toString()));
            QVERIFY2(failure.at(0).toString().contains(QStringLiteral("not currently accepting connections"))
                    && !failure.at(0).toString().contains(QStringLiteral("FATAL")),
                qPrintable(failure.at(0).toString()));
        }
        QCOMPARE(waits.mid(0, 5), (QList<qint64> { 100, 200, 400, 400, 400 }));
        QCOMPARE(lostSpy.size(), 1);
        QCOMPARE(backSpy.size(), 0);

        // The server accepts again: the Reconnect button's call connects at once.
        QVERIFY2(allowConnections(profile, true, &error), qPrintable(error));
        reconnector.reconnectNow();
        QTRY_COMPARE_WITH_TIMEOUT(backSpy.size(), 1, 5000);
        QVERIFY(reconnector.isConnected());
        QVERIFY(notifications.isListening());
        QVERIFY(reconnector.problem().isEmpty());

        // Another program's lease is heard again.
        Database other;
        QVERIFY2(profile.open(other), qPrintable(other.lastError()));
        const Lease lease = test::activeLease(s.id, QDateTime::currentDateTimeUtc());
        QVERIFY2(LeaseRepository(other).insert(lease), qPrintable(other.lastError()));
        QVERIFY(heard.wait(2000));
        QCOMPARE(heard.first().at(0).toString(), lease.id);
        QVERIFY(!reconnector.isRetryScheduled());
    }

    // At start (the GUI's wait dialog): whether anything answers at the
    // server's port, and the sentence for a server that does not.
    void theProbeTellsAServerThatAnswersFromAPortThatDoesNot()
    {
        QTcpServer listening;
        QVERIFY(listening.listen(QHostAddress::LocalHost));
        QCOMPARE(
            QCoro::waitFor(DatabaseReconnector::probe(QStringLiteral("127.0.0.1"), listening.serverPort())),
            QString());

        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close();
        // A refusal is the answer at once: not the end of the probe's wait (here an hour).
        QElapsedTimer clock;
        clock.start();
        const QString why = QCoro::waitFor(DatabaseReconnector::probe(QStringLiteral("127.0.0.1"), port, 1h));
        QCOMPARE(why, QStringLiteral("Connection refused"));
        QVERIFY2(clock.elapsed() < 30000, qPrintable(QString::number(clock.elapsed())));

        const QString url = QStringLiteral("postgresql://kms@127.0.0.1:%1/team").arg(port);
        Database db;
        QVERIFY(!db.openPostgres(*PostgresUrl::parse(url, nullptr)));
        QCOMPARE(db.unreachableMessage(why),
            QStringLiteral("Cannot reach the team profile's database server 127.0.0.1:%1 (%2): Connection "
                           "refused; check that PostgreSQL runs there and that this computer can reach it.")
                .arg(port)
                .arg(url));
        // A socket directory is not probed.
        QCOMPARE(
            QCoro::waitFor(DatabaseReconnector::probe(QStringLiteral("/run/postgresql"), 5432)), QString());
    }

    void aSqliteProfileNeverLosesItsConnection()
    {
        test::TempProfile profile(test::Backend::SQLite);
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        QVERIFY(db.checkConnection());
        QVERIFY(!db.isConnectionLost());
        QVERIFY(!db.reconnect());
    }
};

QTEST_GUILESS_MAIN(TestDatabaseReconnect)
#include "tst_databasereconnect.moc"
