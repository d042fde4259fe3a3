// A team profile whose server does not answer at start: the dialog says so
// with the server's sentence and when it tries again, tries on its own with
// a growing wait and at once on Try Now, closes by itself once the profile
// opens, ends with the sentence of a failure that waiting does not cure, and
// lets the user quit or (a remembered team profile) open the local profile.
// The real server's side (the probe, and the app opening the profile when the
// server comes back) is in unit_databasereconnect and seen under Xvfb.
#include "TeamDatabaseWaitDialog.h"
#include "core/Translations.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include <deque>

using namespace kms::ui;
using namespace std::chrono_literals;
using Attempt = TeamDatabaseWaitDialog::Attempt;

namespace {

const QString Down = QStringLiteral(
    "Cannot reach the team profile's database server db.example:5432 (postgresql://kms@db.example:5432/kms): "
    "Connection refused; check that PostgreSQL runs there and that this computer can reach it.");

// Answers the dialog's attempts from a script, and counts them.
struct ScriptedServer {
    std::deque<Attempt> answers;
    int asked = 0;

    TeamDatabaseWaitDialog::AttemptFunction function()
    {
        return [this]() -> QCoro::Task<Attempt> {
            ++asked;
            Attempt next { Attempt::Outcome::Unreachable, Down };
            if (!answers.empty()) {
                next = answers.front();
                answers.pop_front();
            }
            co_return next;
        };
    }
};

Attempt unreachable(const QString &why)
{
    return { Attempt::Outcome::Unreachable,
        Down.section(QStringLiteral(": "), 0, 0) + QStringLiteral(": ") + why
            + QStringLiteral("; check that PostgreSQL runs there and that this computer can reach it.") };
}

} // namespace

class TestTeamDatabaseWait : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(kms::installTranslations()); }

    void saysWhichServerAndWhenItTriesAgain()
    {
        ScriptedServer server;
        TeamDatabaseWaitDialog dialog(Down, server.function(), false);
        QCOMPARE(dialog.windowTitle(), QStringLiteral("Team Database Unreachable"));
        QCOMPARE(dialog.text(),
            Down
                + QStringLiteral(
                    " The profile opens as soon as it answers; the next attempt is in 1 second."));
        QVERIFY(!dialog.localButton());
        QCOMPARE(dialog.tryNowButton()->text(), QStringLiteral("Try Now"));
        QCOMPARE(dialog.quitButton()->text(), QStringLiteral("Quit"));
        QCOMPARE(server.asked, 0);
    }

    void triesAgainWithAGrowingWaitAndOpensWhenTheServerAnswers()
    {
        ScriptedServer server;
        server.answers = { unreachable(QStringLiteral("Connection refused")),
            unreachable(QStringLiteral("Network unreachable")), { Attempt::Outcome::Opened, QString() } };
        TeamDatabaseWaitDialog dialog(Down, server.function(), false);
        dialog.setDelays(10ms, 40ms);
        QSignalSpy failed(&dialog, &TeamDatabaseWaitDialog::attemptFailed);
        QSignalSpy finished(&dialog, &QDialog::finished);
        dialog.open();

        QVERIFY(failed.wait());
        QCOMPARE(dialog.nextDelay(), 20ms);
        QVERIFY2(dialog.text().contains(QStringLiteral(": Connection refused;")), qPrintable(dialog.text()));
        QVERIFY(failed.wait());
        QCOMPARE(dialog.nextDelay(), 40ms);
        QVERIFY2(dialog.text().contains(QStringLiteral(": Network unreachable;")), qPrintable(dialog.text()));
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.constFirst().constFirst().toInt(), int(QDialog::Accepted));
        QCOMPARE(server.asked, 3);
        QVERIFY(!dialog.isVisible());
    }

    void theWaitStopsGrowingAtItsLimit()
    {
        ScriptedServer server; // unreachable every time
        TeamDatabaseWaitDialog dialog(Down, server.function(), false);
        dialog.setDelays(5ms, 20ms);
        QSignalSpy failed(&dialog, &TeamDatabaseWaitDialog::attemptFailed);
        dialog.open();
        QTRY_VERIFY(failed.size() >= 4);
        QCOMPARE(dialog.nextDelay(), 20ms);
        dialog.reject();
    }

    void tryNowAttemptsAtOnce()
    {
        ScriptedServer server;
        server.answers = { unreachable(QStringLiteral("Host unreachable")) };
        TeamDatabaseWaitDialog dialog(Down, server.function(), false);
        dialog.setDelays(1h, 2h); // nothing automatic during this test
        QSignalSpy failed(&dialog, &TeamDatabaseWaitDialog::attemptFailed);
        dialog.open();
        QTest::mouseClick(dialog.tryNowButton(), Qt::LeftButton);
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(server.asked, 1);
        QVERIFY(dialog.isVisible()); // Try Now never closes the dialog by itself
        QVERIFY(dialog.tryNowButton()->isEnabled());
        QVERIFY2(dialog.text().contains(QStringLiteral(": Host unreachable;")), qPrintable(dialog.text()));
        QCOMPARE(
            dialog.problem(), unreachable(QStringLiteral("Host unreachable")).message); // what Quit prints
        QVERIFY2(dialog.text().endsWith(QStringLiteral("the next attempt is in 7200 seconds.")),
            qPrintable(dialog.text()));
    }

    void aFailureThatWaitingDoesNotCureEndsWithItsSentence()
    {
        const QString refused = QStringLiteral(
            "Cannot connect to the team profile's database postgresql://kms@db.example:5432/kms: password "
            "authentication failed for user \"kms\"; check that the server runs and accepts this user, and "
            "the "
            "URL (--database or HANZO_KMS_DATABASE_URL).");
        ScriptedServer server;
        server.answers = { { Attempt::Outcome::Failed, refused } };
        TeamDatabaseWaitDialog dialog(Down, server.function(), true);
        dialog.setDelays(1h, 1h);
        QSignalSpy finished(&dialog, &QDialog::finished);
        dialog.open();
        dialog.tryNow();
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.constFirst().constFirst().toInt(), int(TeamDatabaseWaitDialog::Failed));
        QCOMPARE(dialog.failure(), refused);
    }

    void quitAndOpenLocalProfileEndTheWait_data()
    {
        QTest::addColumn<bool>("local");
        QTest::newRow("quit") << false;
        QTest::newRow("open local profile") << true;
    }
    void quitAndOpenLocalProfileEndTheWait()
    {
        QFETCH(bool, local);
        ScriptedServer server;
        TeamDatabaseWaitDialog dialog(Down, server.function(), true);
        dialog.setDelays(1h, 1h);
        QSignalSpy finished(&dialog, &QDialog::finished);
        dialog.open();
        QVERIFY(dialog.localButton());
        QCOMPARE(dialog.localButton()->text(), QStringLiteral("Open Local Profile"));
        QTest::mouseClick(local ? dialog.localButton() : dialog.quitButton(), Qt::LeftButton);
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.constFirst().constFirst().toInt(),
            local ? int(TeamDatabaseWaitDialog::OpenLocal) : int(QDialog::Rejected));
        QCOMPARE(server.asked, 0);
    }
};

QTEST_MAIN(TestTeamDatabaseWait)
#include "tst_teamdatabasewait.moc"
