#include "TrayIcon.h"

#include "LeaseWatch.h"
#include "TimeText.h"
#include "core/Lease.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QMenu>
#include <QSettings>
#include <QSystemTrayIcon>

namespace kms::ui {

namespace {

const QString WarnBeforeKey = QStringLiteral("tray/notifyBeforeExpirySeconds");
const QString KeepRunningKey = QStringLiteral("tray/keepRunningWhenClosed");

} // namespace

TrayIcon::TrayIcon(LeaseWatch *watch, QObject *parent)
    : QObject(parent)
    , m_watch(watch)
    , m_menu(new QMenu)
{
    m_menu->setObjectName(QStringLiteral("trayMenu"));
    m_menu->addAction(tr("Show Hanzo KMS"), this, &TrayIcon::showWindowRequested);
    m_renew = m_menu->addAction(tr("Renew Expiring Lease..."), this, &TrayIcon::renewExpiring);
    m_renew->setObjectName(QStringLiteral("trayRenewAction"));
    m_renew->setVisible(false);
    m_menu->addSeparator();

    QSettings settings;
    QMenu *warn = m_menu->addMenu(tr("Notify Before Expiry"));
    auto *group = new QActionGroup(warn);
    const qint64 current = settings.value(WarnBeforeKey, 300).toLongLong();
    const QList<QPair<QString, qint64>> choices = { { tr("Never"), 0 }, { tr("1 minute before"), 60 },
        { tr("5 minutes before"), 300 }, { tr("15 minutes before"), 900 }, { tr("1 hour before"), 3600 } };
    for (const auto &[text, seconds] : choices) {
        QAction *choice = warn->addAction(text);
        choice->setCheckable(true);
        choice->setChecked(seconds == current);
        group->addAction(choice);
        connect(choice, &QAction::triggered, this, [this, seconds = seconds] {
            QSettings().setValue(WarnBeforeKey, seconds);
            m_watch->setWarnBefore(seconds);
        });
    }
    m_watch->setWarnBefore(current);

    m_keepRunning = m_menu->addAction(tr("Keep Running When the Window Closes"));
    m_keepRunning->setObjectName(QStringLiteral("keepRunningAction"));
    m_keepRunning->setCheckable(true);
    m_keepRunning->setChecked(settings.value(KeepRunningKey, false).toBool());
    m_keepRunning->setEnabled(available());
    connect(
        m_keepRunning, &QAction::toggled, this, [](bool on) { QSettings().setValue(KeepRunningKey, on); });
    m_menu->addSeparator();
    m_menu->addAction(tr("Quit"), this, &TrayIcon::quitRequested);

    if (available()) {
        m_icon = new QSystemTrayIcon(QApplication::windowIcon(), this);
        m_icon->setContextMenu(m_menu);
        connect(m_icon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                emit showWindowRequested();
        });
        connect(m_icon, &QSystemTrayIcon::messageClicked, this, [this] {
            if (m_lastWasExpiring)
                renewExpiring();
            else
                emit showWindowRequested();
        });
        m_icon->show();
    }

    connect(m_watch, &LeaseWatch::summaryChanged, this, &TrayIcon::updateToolTip);
    connect(m_watch, &LeaseWatch::expiringSoon, this, [this](const Lease &lease) {
        m_expiringLeaseId = lease.id;
        m_renew->setText(tr("Renew Lease %1...").arg(lease.id.left(8)));
        m_renew->setVisible(true);
        notify(tr("Lease Expiring Soon"),
            tr("The token of lease %1 (%2, %3/%4) stops working at %5. Click here to renew it.")
                .arg(lease.id.left(8), m_watch->secretNameOf(lease), lease.namespaceName,
                    lease.serviceAccount, TimeText::absolute(lease.expiresAt)),
            false);
        m_lastWasExpiring = true;
    });
    connect(m_watch, &LeaseWatch::cleanupFailed, this, [this](const Lease &lease) {
        notify(tr("Cleanup Failed"),
            tr("Lease %1 (%2) still has objects on the cluster: %3 It is retried, and stays listed as "
               "Cleanup failed until it succeeds.")
                .arg(lease.id.left(8), m_watch->secretNameOf(lease), lease.failureReason),
            true);
    });
    updateToolTip();
}

TrayIcon::~TrayIcon()
{
    delete m_menu;
}

bool TrayIcon::available()
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

bool TrayIcon::keepRunningWhenClosed() const
{
    return m_icon && m_keepRunning->isChecked();
}

void TrayIcon::updateToolTip()
{
    QStringList lines { QStringLiteral("Hanzo KMS") };
    lines << tr("%n active lease(s)", nullptr, m_watch->activeCount());
    if (const auto next = m_watch->nextExpiring())
        lines << tr("Next expiry: %1 (%2)")
                     .arg(TimeText::absolute(next->expiresAt), m_watch->secretNameOf(*next));
    if (m_watch->attentionCount() > 0)
        lines << tr("Cleanup failed, needs attention: %n lease(s)", nullptr, m_watch->attentionCount());
    m_toolTip = lines.join(QLatin1Char('\n'));
    if (m_icon)
        m_icon->setToolTip(m_toolTip);
}

void TrayIcon::renewExpiring()
{
    if (!m_expiringLeaseId.isEmpty())
        emit renewRequested(m_expiringLeaseId);
}

void TrayIcon::notify(const QString &title, const QString &text, bool warning)
{
    m_lastWasExpiring = false;
    m_lastMessage = title + QLatin1Char('\n') + text;
    if (m_icon && QSystemTrayIcon::supportsMessages())
        m_icon->showMessage(title, text, warning ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information);
}

void TrayIcon::notifyStillRunning()
{
    if (m_toldStillRunning)
        return;
    m_toldStillRunning = true;
    notify(tr("Hanzo KMS Keeps Running"),
        tr("Leases are still watched and cleaned up. Quit from this icon's menu."), false);
}

} // namespace kms::ui
