#include "store/LeaseNotifications.h"

#include "store/Database.h"

#include <QCoreApplication>
#include <QEvent>
#include <QSocketNotifier>
#include <QSqlDriver>

namespace kms {

LeaseNotifications::LeaseNotifications(Database &db, QObject *parent)
    : QObject(parent)
    , m_db(db)
{
}

LeaseNotifications::~LeaseNotifications()
{
    if (m_filtering && QCoreApplication::instance())
        QCoreApplication::instance()->removeEventFilter(this);
    if (m_listening && m_db.isOpen())
        m_db.connection().driver()->unsubscribeFromNotification(QString::fromLatin1(Channel));
}

bool LeaseNotifications::start()
{
    if (m_listening)
        return true;
    if (m_db.backend() != Database::Backend::PostgreSQL || !m_db.isOpen()) {
        m_db.setLastError(QStringLiteral("Live updates need a team profile's PostgreSQL database."));
        return false;
    }
    QSqlDriver *driver = m_db.connection().driver();
    if (!driver->subscribeToNotification(QString::fromLatin1(Channel))) {
        m_db.setLastError(QStringLiteral("Cannot listen for other desktops' lease changes on %1; the lease "
                                         "table shows them after Refresh.")
                              .arg(m_db.location()));
        return false;
    }
    if (m_driver != driver) {
        m_driver = driver;
        connect(driver, &QSqlDriver::notification, this,
            [this](const QString &name, QSqlDriver::NotificationSource source, const QVariant &payload) {
                // This program's own writes are reported by LeaseService already.
                if (name != QLatin1String(Channel) || source == QSqlDriver::SelfSource)
                    return;
                const QString leaseId = payload.toString();
                // Lease ids are UUIDs; anything else on the channel is not ours to act on.
                if (leaseId.isEmpty() || leaseId.size() > 64)
                    return;
                emit leaseChanged(leaseId);
            });
    }
    // Qt's driver reads the connection's socket when it has news (a
    // QSocketNotifier of its own, which it does not share); when the server
    // ended the connection, libpq finds the end of the stream then, marks the
    // connection bad and closes the socket. So: after any socket activity of
    // this thread, once the driver has had its turn, look whether the
    // connection is still up (PQstatus, no round trip).
    if (!m_filtering && QCoreApplication::instance()) {
        QCoreApplication::instance()->installEventFilter(this);
        m_filtering = true;
    }
    m_listening = true;
    return true;
}

bool LeaseNotifications::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::SockAct && m_listening && !m_checkPending
        && qobject_cast<QSocketNotifier *>(watched)) {
        m_checkPending = true;
        QMetaObject::invokeMethod(this, &LeaseNotifications::checkConnection, Qt::QueuedConnection);
    }
    return QObject::eventFilter(watched, event);
}

void LeaseNotifications::checkConnection()
{
    m_checkPending = false;
    if (!m_listening || m_db.checkConnection())
        return;
    m_listening = false;
    emit listeningLost();
}

} // namespace kms
