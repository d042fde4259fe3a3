#pragma once

#include <QObject>
#include <QString>

class QAction;
class QMenu;
class QSystemTrayIcon;

namespace kms {
struct Lease;
}

namespace kms::ui {

class LeaseWatch;

// The tray icon: the number of active leases and the next expiry in its
// tooltip, a menu (show the window, notification lead time, keep running when
// the window closes, quit), and desktop notifications from LeaseWatch: a lease
// about to expire, a cleanup that failed. Settings are kept in QSettings.
class TrayIcon : public QObject {
    Q_OBJECT
public:
    TrayIcon(LeaseWatch *watch, QObject *parent = nullptr);
    ~TrayIcon() override;

    // Whether the desktop has a tray to show it in.
    static bool available();
    // Close the window to the tray instead of quitting (needs available()).
    bool keepRunningWhenClosed() const;

    QString toolTip() const { return m_toolTip; }
    QMenu *menu() const { return m_menu; }
    // The last notification given (title, then text), for tests.
    QString lastMessage() const { return m_lastMessage; }
    // Tells the user, once per run, that closing left the app in the tray.
    void notifyStillRunning();
    // The lease of the last "expiring soon" notification; empty before one.
    QString expiringLeaseId() const { return m_expiringLeaseId; }
    QAction *renewAction() const { return m_renew; }
    // What clicking that notification (or the menu's Renew Expiring Lease...) does.
    void renewExpiring();

signals:
    void showWindowRequested();
    // Renew... for this lease (the main window asks first).
    void renewRequested(const QString &leaseId);
    void quitRequested();

private:
    void updateToolTip();
    void notify(const QString &title, const QString &text, bool warning);

    LeaseWatch *m_watch;
    QSystemTrayIcon *m_icon = nullptr;
    QMenu *m_menu;
    QAction *m_keepRunning;
    QAction *m_renew;
    QString m_expiringLeaseId;
    bool m_lastWasExpiring = false; // the notification on screen is an "expiring soon"
    QString m_toolTip;
    QString m_lastMessage;
    bool m_toldStillRunning = false;
};

} // namespace kms::ui
