#include "LeaseWatch.h"

#include "core/Clock.h"
#include "leases/Engine.h"
#include "leases/LeaseService.h"

#include <algorithm>

namespace kms::ui {

LeaseWatch::LeaseWatch(const AppServices &services, QObject *parent)
    : QObject(parent)
    , m_services(services)
{
    m_poll.setInterval(30 * 1000);
    connect(&m_poll, &QTimer::timeout, this, &LeaseWatch::refresh);
    m_poll.start();
    m_atWarning.setSingleShot(true);
    connect(&m_atWarning, &QTimer::timeout, this, &LeaseWatch::refresh);
    if (services.leases)
        connect(services.leases, &LeaseService::leaseChanged, this, &LeaseWatch::refresh);
    if (services.clock)
        connect(services.clock, &Clock::jumped, this, &LeaseWatch::refresh);
    refresh();
}

void LeaseWatch::setWarnBefore(qint64 seconds)
{
    m_warnBefore = qMax<qint64>(0, seconds);
    m_warned.clear();
    refresh();
}

QString LeaseWatch::secretNameOf(const Lease &lease) const
{
    const auto secret = m_services.engine->secret(lease.secretId);
    return secret ? secret->name : QString();
}

void LeaseWatch::refresh()
{
    const QDateTime now = m_services.clock->now();
    const Engine::ActiveLeaseOutlook active = m_services.engine->activeLeaseOutlook(now, m_warnBefore);
    const QList<Lease> failed = m_services.engine->leasesIn(LeaseState::CleanupFailed);

    m_activeCount = active.count;
    m_next = active.next;
    // A warning is for one expiry: forgotten once that has passed, and a renewed lease is warned again.
    const qint64 nowMs = now.toMSecsSinceEpoch();
    m_warned.removeIf([nowMs](const QHash<QString, qint64>::iterator it) { return it.value() <= nowMs; });
    QList<Lease> warnNow;
    for (const Lease &lease : active.expiringWithin) {
        if (m_warned.value(lease.id, 0) != lease.expiresAt.toMSecsSinceEpoch())
            warnNow << lease;
    }
    QDateTime nextWarning;
    if (active.firstExpiryAfterWindow)
        nextWarning = active.firstExpiryAfterWindow->addSecs(-m_warnBefore);

    QSet<QString> stillFailed;
    QList<Lease> failedNow;
    for (const Lease &lease : failed) {
        stillFailed.insert(lease.id);
        if (!m_failedSeen.contains(lease.id))
            failedNow << lease;
    }
    m_failedSeen = stillFailed;
    m_attention = int(failed.size());

    emit summaryChanged();
    for (const Lease &lease : std::as_const(warnNow)) {
        m_warned.insert(lease.id, lease.expiresAt.toMSecsSinceEpoch());
        emit expiringSoon(lease);
    }
    for (const Lease &lease : std::as_const(failedNow))
        emit cleanupFailed(lease);
    arm(nextWarning);
}

void LeaseWatch::arm(const QDateTime &nextWarning)
{
    if (!nextWarning.isValid()) {
        m_atWarning.stop();
        return;
    }
    const qint64 ms = m_services.clock->now().msecsTo(nextWarning);
    // A timer runs on the real clock; a manual clock (tests) moves by jumped().
    m_atWarning.start(int(std::clamp<qint64>(ms, 0, 30 * 1000)));
}

} // namespace kms::ui
