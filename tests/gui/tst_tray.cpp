// The tray: active leases and the next expiry in its tooltip, a notification
// before a lease expires and when a cleanup fails (once each), and its menu.
#include "Fixtures.h"
#include "GuiFixture.h"
#include "LeaseWatch.h"
#include "TrayIcon.h"
#include "store/LeaseRepository.h"

#include <QAction>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>

using namespace kms;
using namespace kms::ui;

class TestTray : public QObject {
    Q_OBJECT

    test::GuiFixture f;

    static QAction *find(QMenu *menu, const QString &text)
    {
        for (QAction *action : menu->actions()) {
            if (action->text() == text)
                return action;
            if (action->menu())
                if (QAction *inner = find(action->menu(), text))
                    return inner;
        }
        return nullptr;
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_tray"), &error), qPrintable(error));
    }

    void cleanupTestCase() { f.stop(); }

    // Warned once, at the chosen time before expiry; the tooltip counts and names the next expiry.
    void warnsOnceBeforeALeaseExpires()
    {
        const auto secret = f.addSecret(QStringLiteral("tray-expiring"), CredentialType::Static);
        QVERIFY(secret);
        LeaseWatch *watch = f.window->leaseWatch();
        watch->setWarnBefore(300);
        QSignalSpy warned(watch, &LeaseWatch::expiringSoon);
        LeaseRequest request;
        request.secretId = secret->id;
        request.ttl = Duration::fromMinutes(20);
        const LeaseCreation created = QCoro::waitFor(f.engine->leases().createLease(request));
        QVERIFY2(created.ok(), qPrintable(created.error));
        QTRY_COMPARE(watch->activeCount(), 1);
        const QString tip = f.window->trayIcon()->toolTip();
        QVERIFY2(tip.contains(QStringLiteral("1 active lease\n")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("tray-expiring")), qPrintable(tip));
        QCOMPARE(warned.size(), 0);

        // 5m 01s left: not yet. Counted from the expiry the cluster gave (20
        // minutes from its own clock when it issued the token), not from the
        // test's clock, which started earlier (seconds earlier under ASan).
        f.clock->advance(f.clock->now().secsTo(created.lease->expiresAt) - (5 * 60 + 1));
        QCOMPARE(warned.size(), 0);
        f.clock->advance(2); // 4m 59s left
        QCOMPARE(warned.size(), 1);
        QCOMPARE(warned.first().first().value<Lease>().id, created.lease->id);
        const QString message = f.window->trayIcon()->lastMessage();
        QVERIFY2(
            message.contains(created.lease->id.left(8)) && message.contains(QStringLiteral("tray-expiring")),
            qPrintable(message));
        f.clock->advance(60);
        watch->refresh();
        QCOMPARE(warned.size(), 1); // once

        // Past expiry it no longer counts as active.
        f.clock->advance(5 * 60);
        QCOMPARE(watch->activeCount(), 0);
        QVERIFY2(f.window->trayIcon()->toolTip().contains(QStringLiteral("0 active leases")),
            qPrintable(f.window->trayIcon()->toolTip()));
    }

    // A failed cleanup is notified once and listed until it succeeds.
    void notifiesAFailedCleanupOnce()
    {
        const auto secret = f.addSecret(QStringLiteral("tray-failing"), CredentialType::Dynamic);
        QVERIFY(secret);
        LeaseWatch *watch = f.window->leaseWatch();
        QSignalSpy failed(watch, &LeaseWatch::cleanupFailed);
        Lease lease = test::activeLease(secret->id, f.clock->now());
        lease.state = LeaseState::CleanupFailed;
        lease.failureReason = QStringLiteral("deleting ServiceAccount default/x: the server is unreachable.");
        QVERIFY(LeaseRepository(*f.db).insert(lease));
        watch->refresh();
        QCOMPARE(failed.size(), 1);
        QCOMPARE(watch->attentionCount(), 1);
        QVERIFY2(f.window->trayIcon()->lastMessage().contains(QStringLiteral("server is unreachable")),
            qPrintable(f.window->trayIcon()->lastMessage()));
        QVERIFY2(f.window->trayIcon()->toolTip().contains(QStringLiteral("needs attention: 1 lease")),
            qPrintable(f.window->trayIcon()->toolTip()));
        watch->refresh();
        QCOMPARE(failed.size(), 1);

        Lease done = *LeaseRepository(*f.db).byId(lease.id);
        Lease next = done;
        next.state = LeaseState::Expired;
        QCOMPARE(
            LeaseRepository(*f.db).update(next, LeaseState::CleanupFailed), LeaseRepository::Update::Updated);
        watch->refresh();
        QCOMPARE(watch->attentionCount(), 0);
    }

    // A warning is for one expiry: a lease renewed after its warning is warned again before the new one.
    void warnsAgainBeforeARenewedLeaseExpires()
    {
        const auto secret = f.addSecret(QStringLiteral("tray-renewed"), CredentialType::Static);
        QVERIFY(secret);
        LeaseWatch *watch = f.window->leaseWatch();
        watch->setWarnBefore(300);
        QSignalSpy warned(watch, &LeaseWatch::expiringSoon);
        const auto warningsFor = [&warned](const QString &id) {
            QList<Lease> found;
            for (const QList<QVariant> &args : std::as_const(warned)) {
                if (args.first().value<Lease>().id == id)
                    found << args.first().value<Lease>();
            }
            return found;
        };
        Lease lease = test::activeLease(secret->id, f.clock->now(), 240); // 4 minutes left
        QVERIFY(LeaseRepository(*f.db).insert(lease));
        watch->refresh();
        QCOMPARE(warningsFor(lease.id).size(), 1);
        watch->refresh();
        QCOMPARE(warningsFor(lease.id).size(), 1); // once

        // Renewed for 20 more minutes: nothing to say until 5 minutes before the new expiry.
        Lease renewed = *LeaseRepository(*f.db).byId(lease.id);
        renewed.expiresAt = renewed.expiresAt.addSecs(20 * 60);
        QCOMPARE(
            LeaseRepository(*f.db).update(renewed, LeaseState::Active), LeaseRepository::Update::Updated);
        watch->refresh();
        QCOMPARE(warningsFor(lease.id).size(), 1);
        f.clock->advance(20 * 60 - 70); // 5m 10s left
        QCOMPARE(warningsFor(lease.id).size(), 1);
        f.clock->advance(20); // 4m 50s left
        QCOMPARE(warningsFor(lease.id).size(), 2);
        QCOMPARE(warningsFor(lease.id).last().expiresAt, renewed.expiresAt);
    }

    // The menu's lead time is remembered and applied.
    void theMenuSetsTheLeadTime()
    {
        QMenu *menu = f.window->trayIcon()->menu();
        QVERIFY(find(menu, QStringLiteral("Show Hanzo KMS")));
        QVERIFY(find(menu, QStringLiteral("Quit")));
        QAction *oneMinute = find(menu, QStringLiteral("1 minute before"));
        QVERIFY(oneMinute);
        oneMinute->trigger();
        QCOMPARE(f.window->leaseWatch()->warnBefore(), 60);
        QCOMPARE(QSettings().value(QStringLiteral("tray/notifyBeforeExpirySeconds")).toLongLong(), 60);
        // Without a system tray (offscreen) the window never hides to a tray no one can see.
        QCOMPARE(TrayIcon::available(), false);
        QVERIFY(!find(menu, QStringLiteral("Keep Running When the Window Closes"))->isEnabled());
        QVERIFY(!f.window->trayIcon()->keepRunningWhenClosed());
    }
};

QTEST_MAIN(TestTray)
#include "tst_tray.moc"
