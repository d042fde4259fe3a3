#include "store/LeaseNotifications.h"

#include "store/Database.h"

#include <QSqlDriver>

namespace kms {

LeaseNotifications::LeaseNotifications(Database &db, QObject *parent)
    : QObject(parent)
    , m_db(db)
{
}

LeaseNotifications::~LeaseNotifications()
{
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
    m_listening = true;
    return true;
}

} // namespace kms
