#pragma once

#include "AppServices.h"
#include "core/Lease.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <optional>

namespace kms::ui {

// What the tray says and when it speaks up, for every secret of the profile:
// how many leases are active, which expires next, which need attention
// (cleanup failed), and a notification a set time before a lease expires (once
// per lease and expiry: again after a renewal moved it) and when a cleanup
// fails, once per lease (again if it fails again after succeeding). Reads the
// store on LeaseService::leaseChanged, when the clock jumps, at the next
// warning time, and every 30 s: counts and the few leases it names, not every
// active lease.
class LeaseWatch : public QObject {
    Q_OBJECT
public:
    explicit LeaseWatch(const AppServices &services, QObject *parent = nullptr);

    // How long before expiry to notify; 0: never. Default 5 minutes.
    void setWarnBefore(qint64 seconds);
    qint64 warnBefore() const { return m_warnBefore; }

    int activeCount() const { return m_activeCount; }
    std::optional<Lease> nextExpiring() const { return m_next; }
    int attentionCount() const { return m_attention; }
    QString secretNameOf(const Lease &lease) const;

    void refresh();

signals:
    void summaryChanged();
    void expiringSoon(const kms::Lease &lease);
    void cleanupFailed(const kms::Lease &lease);

private:
    void arm(const QDateTime &nextWarning);

    AppServices m_services;
    qint64 m_warnBefore = 300;
    int m_activeCount = 0;
    int m_attention = 0;
    std::optional<Lease> m_next;
    QHash<QString, qint64> m_warned; // leases an expiry warning was given for: the expiry (ms) it was for
    QSet<QString> m_failedSeen; // CleanupFailed leases already notified
    QTimer m_poll;
    QTimer m_atWarning;
};

} // namespace kms::ui
