// What the window shows keeps up with time and with the leases' states.
#include "Fixtures.h"
#include "GuiFixture.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "NewLeaseDialog.h"
#include "TimeText.h"
#include "TokenDialog.h"
#include "store/LeaseRepository.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTreeView>

using namespace kms;
using namespace kms::ui;

class TestStaleState : public QObject {
    Q_OBJECT

    test::GuiFixture f;

    // The Lease menu's action with these words.
    QAction *leaseMenuAction(const QString &text)
    {
        for (QAction *menu : f.window->menuBar()->actions()) {
            if (menu->text() != QStringLiteral("&Lease") || !menu->menu())
                continue;
            for (QAction *action : menu->menu()->actions()) {
                if (action->text() == text)
                    return action;
            }
        }
        return nullptr;
    }

    QString expiresCell(const QString &leaseId)
    {
        LeaseTableModel *model = f.window->leasePanel()->model();
        return model->index(model->rowOf(leaseId), LeaseTableModel::Expires).data().toString();
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_stalestate"), &error), qPrintable(error));
    }

    void cleanupTestCase() { f.stop(); }

    void cleanup()
    {
        f.closeDialogs();
        QTRY_VERIFY(!f.window->findChild<NewLeaseDialog *>() && !f.window->findChild<TokenDialog *>());
    }

    // The token dialog's "(in 1h 00m)" follows the clock.
    void tokenDialogExpiryCountsDown()
    {
        const auto secret = f.addSecret(QStringLiteral("ticking"), CredentialType::Static);
        QVERIFY(secret);
        f.window->selectSecret(secret->id);
        f.window->generateAction()->trigger();
        auto *dialog = f.waitForDialog<NewLeaseDialog>();
        QVERIFY(dialog);
        QSignalSpy shown(f.window.get(), &MainWindow::tokenShown);
        QTest::mouseClick(dialog->submitButton(), Qt::LeftButton);
        QVERIFY(shown.wait(15000));
        TokenDialog *token = f.window->tokenDialog();
        const Lease lease = LeaseRepository(*f.db).listForSecret(secret->id).first();
        const QString before = token->expiryLabel()->text();
        f.clock->advance(600);
        const QString expected = TimeText::relative(lease.expiresAt, f.clock->now());
        QTRY_VERIFY2(token->expiryLabel()->text().contains(expected),
            qPrintable(token->expiryLabel()->text() + QStringLiteral(" lacks ") + expected));
        QVERIFY(token->expiryLabel()->text() != before);
        f.shot(QStringLiteral("token-expiry-ticking"));
    }

    // A revoked or failed lease has no token that expires: nothing counts down.
    void closedLeasesDoNotCountDown()
    {
        const auto secret = f.addSecret(QStringLiteral("closing"), CredentialType::Dynamic);
        QVERIFY(secret);
        LeaseRequest request;
        request.secretId = secret->id;
        const LeaseCreation created = QCoro::waitFor(f.engine->leases().createLease(request));
        QVERIFY2(created.ok(), qPrintable(created.error));
        QVERIFY(QCoro::waitFor(f.engine->leases().revoke(created.lease->id)).ok);
        Lease failed = test::activeLease(secret->id, f.clock->now());
        failed.state = LeaseState::Failed;
        QVERIFY(LeaseRepository(*f.db).insert(failed));
        Lease active = test::activeLease(secret->id, f.clock->now());
        QVERIFY(LeaseRepository(*f.db).insert(active));
        f.window->selectSecret(secret->id);
        f.window->leasePanel()->reload();

        QVERIFY(expiresCell(active.id).startsWith(QStringLiteral("in ")));
        QVERIFY2(!expiresCell(created.lease->id).startsWith(QStringLiteral("in ")),
            qPrintable(expiresCell(created.lease->id)));
        QVERIFY2(
            !expiresCell(failed.id).startsWith(QStringLiteral("in ")), qPrintable(expiresCell(failed.id)));
    }

    // The Lease menu's Delete... and Retry Cleanup act on the selection: with none, they are off.
    void leaseActionsFollowTheSelection()
    {
        const auto secret = f.addSecret(QStringLiteral("selecting"), CredentialType::Dynamic);
        QVERIFY(secret);
        Lease active = test::activeLease(secret->id, f.clock->now());
        QVERIFY(LeaseRepository(*f.db).insert(active));
        f.window->selectSecret(secret->id);
        f.window->leasePanel()->reload();
        QAction *remove = leaseMenuAction(QStringLiteral("&Delete..."));
        QAction *retry = leaseMenuAction(QStringLiteral("&Retry Cleanup"));
        QVERIFY(remove && retry);
        f.window->leasePanel()->view()->clearSelection();
        QVERIFY(!f.window->leasePanel()->deleteButton()->isEnabled());
        QVERIFY(!remove->isEnabled());
        QVERIFY(!retry->isEnabled());
        f.window->leasePanel()->selectLease(active.id);
        QVERIFY(f.window->leasePanel()->deleteButton()->isEnabled());
        QVERIFY(remove->isEnabled());
        QVERIFY(!retry->isEnabled()); // nothing failed is selected
        f.window->leasePanel()->reload();
    }

    // Quit with leases active asks first; the leases go on either way.
    void quitAsksWithActiveLeases()
    {
        const auto secret = f.addSecret(QStringLiteral("quitting"), CredentialType::Dynamic);
        QVERIFY(secret);
        Lease active = test::activeLease(secret->id, f.clock->now());
        QVERIFY(LeaseRepository(*f.db).insert(active));
        f.window->close();
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmQuit"));
        QVERIFY2(box, "Quit asked nothing with a lease active");
        f.shot(QStringLiteral("quit-question"));
        QVERIFY(f.window->isVisible());
        QVERIFY2(box->text().contains(QStringLiteral("keep working")), qPrintable(box->text()));
        QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("keepRunningButton")), Qt::LeftButton);
        QTRY_VERIFY(!box->isVisible());
        QVERIFY(f.window->isVisible());

        f.window->close();
        box = f.waitForMessageBox(QStringLiteral("confirmQuit"));
        QVERIFY(box);
        QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("quitButton")), Qt::LeftButton);
        QTRY_VERIFY(!f.window->isVisible());
    }
};

QTEST_MAIN(TestStaleState)
#include "tst_stalestate.moc"
