// A team profile whose PostgreSQL server goes away: the main window shows a
// banner that names the server, refuses changes with one sentence (no
// dialog, no lease, no token), keeps it after a failed Reconnect, and when
// the server is back and Reconnect is clicked, the banner goes, the tables
// show what another desktop did meanwhile and live updates resume. The
// server really ends the connection (pg_terminate_backend) and refuses new
// ones (ALLOW_CONNECTIONS false).
#include "DatabaseBanner.h"
#include "Fixtures.h"
#include "GuiFixture.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "NewLeaseDialog.h"
#include "TokenDialog.h"
#include "store/LeaseRepository.h"
#include "store/PostgresUrl.h"

#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>

using namespace kms;
using namespace kms::ui;
using namespace std::chrono_literals;

class TestTeamDatabase : public QObject {
    Q_OBJECT

    test::GuiFixture f;

    QString databaseName() const { return PostgresUrl::parse(f.profile->databaseUrl(), nullptr)->database(); }

    bool allowConnections(bool allow, QString *error = nullptr)
    {
        return test::TestPostgres::adminExec(
            QStringLiteral("ALTER DATABASE %1 ALLOW_CONNECTIONS %2")
                .arg(databaseName(), allow ? QStringLiteral("true") : QStringLiteral("false")),
            error);
    }

    bool endConnections(QString *error)
    {
        return test::TestPostgres::adminExec(
            QStringLiteral(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '%1'")
                .arg(databaseName()),
            error);
    }

    // Another desktop's lease, written on a connection of its own.
    std::optional<Lease> otherDesktopsLease(qint64 secretId, QString *error)
    {
        Database other;
        if (!f.profile->open(other)) {
            *error = other.lastError();
            return std::nullopt;
        }
        Lease lease = test::activeLease(secretId, QDateTime::currentDateTimeUtc());
        if (!LeaseRepository(other).insert(lease)) {
            *error = other.lastError();
            return std::nullopt;
        }
        return lease;
    }

    qint64 leaseRows()
    {
        Database other;
        if (!f.profile->open(other))
            return -1;
        return LeaseRepository(other).count();
    }

private slots:
    void initTestCase()
    {
        KMS_REQUIRE_POSTGRES();
        QString error;
        // No automatic attempt within the test: Reconnect is what connects.
        QVERIFY2(f.start(QStringLiteral("tst_teamdatabase"), &error, test::Backend::PostgreSQL, 10min),
            qPrintable(error));
    }

    void cleanupTestCase()
    {
        if (f.profile && f.profile->backend() == test::Backend::PostgreSQL)
            allowConnections(true);
        f.stop();
    }

    void aLostDatabaseShowsTheBannerRefusesChangesAndReloadsWhenBack()
    {
        const std::optional<DynamicSecret> secret
            = f.addSecret(QStringLiteral("team-static"), CredentialType::Static);
        QVERIFY(secret);
        f.window->selectSecret(secret->id);
        DatabaseBanner *banner = f.window->databaseBanner();
        QVERIFY(banner);
        QVERIFY(!banner->isVisible());
        const QString host = PostgresUrl::parse(f.profile->databaseUrl(), nullptr)->host();

        // The server ends the idle connection and refuses new ones: the banner appears by itself.
        QString error;
        QVERIFY2(allowConnections(false, &error), qPrintable(error));
        QVERIFY2(endConnections(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 5000);
        QVERIFY2(banner->text().contains(
                     QStringLiteral("Cannot reach the team profile's database server %1:").arg(host)),
            qPrintable(banner->text()));
        QVERIFY(banner->reconnectButton()->isVisible());
        test::GuiFixture::shot(QStringLiteral("team-database-banner"));

        // Generate: one sentence, no New Lease dialog, no token.
        QCOMPARE(f.window->generateLease(), nullptr);
        auto *refused = f.window->findChild<QMessageBox *>(QStringLiteral("databaseUnreachable"));
        QVERIFY(refused);
        QTRY_VERIFY(refused->isVisible());
        QVERIFY2(
            refused->text().contains(host) && refused->text().contains(QStringLiteral("Nothing was changed")),
            qPrintable(refused->text()));
        QVERIFY(!f.window->findChild<NewLeaseDialog *>());
        test::GuiFixture::shot(QStringLiteral("team-database-refused"));
        refused->close();
        // The engine itself refuses too (what any other path to a change meets).
        LeaseRequest request;
        request.secretId = secret->id;
        const LeaseCreation direct = QCoro::waitFor(f.engine->leases().createLease(request));
        QVERIFY(!direct.ok());
        QVERIFY2(direct.error.contains(host), qPrintable(direct.error));
        QVERIFY(!f.window->tokenDialog());

        // Reconnect while the server still refuses: the banner stays and says so again.
        QSignalSpy failed(f.reconnector.get(), &DatabaseReconnector::attemptFailed);
        QTest::mouseClick(banner->reconnectButton(), Qt::LeftButton);
        QTRY_COMPARE(failed.size(), 1);
        QVERIFY(banner->isVisible());
        QVERIFY(banner->reconnectButton()->isEnabled());

        // The server is back; meanwhile another desktop made a lease this one did not hear of.
        QVERIFY2(allowConnections(true, &error), qPrintable(error));
        const std::optional<Lease> meanwhile = otherDesktopsLease(secret->id, &error);
        QVERIFY2(meanwhile, qPrintable(error));
        LeaseTableModel *model = f.window->leasePanel()->model();
        QCOMPARE(model->rowOf(meanwhile->id), -1);
        QSignalSpy reloaded(f.window.get(), &MainWindow::reloadedAfterReconnect);
        QTest::mouseClick(banner->reconnectButton(), Qt::LeftButton);
        QTRY_COMPARE(reloaded.size(), 1);
        QVERIFY(!banner->isVisible());
        QVERIFY(model->rowOf(meanwhile->id) >= 0);
        test::GuiFixture::shot(QStringLiteral("team-database-reconnected"));

        // Live updates resume: the next lease of another desktop shows without a reload.
        const std::optional<Lease> live = otherDesktopsLease(secret->id, &error);
        QVERIFY2(live, qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(live->id) >= 0, 2000);
        QCOMPARE(reloaded.size(), 1);
        // Nothing from the refused changes: the two leases of the other desktop only.
        QCOMPARE(leaseRows(), 2);
    }
};

QTEST_MAIN(TestTeamDatabase)
#include "tst_teamdatabase.moc"
