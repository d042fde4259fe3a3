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
    const QList<Lease> active = m_services.engine->leasesIn(LeaseState::Active); // soonest first
    const QList<Lease> failed = m_services.engine->leasesIn(LeaseState::CleanupFailed);

    QSet<QString> stillActive;
    QList<Lease> warnNow;
    QDateTime nextWarning;
    m_next.reset();
    for (const Lease &lease : active) {
        if (lease.expiresAt <= now)
            continue; // expired, waiting for its cleanup
        stillActive.insert(lease.id);
        if (!m_next)
            m_next = lease;
        if (m_warnBefore <= 0 || m_warned.contains(lease.id))
            continue;
        const QDateTime warnAt = lease.expiresAt.addSecs(-m_warnBefore);
        if (warnAt <= now)
            warnNow << lease;
        else if (!nextWarning.isValid() || warnAt < nextWarning)
            nextWarning = warnAt;
    }
    m_warned.intersect(stillActive);
    m_activeCount = int(stillActive.size());

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
        m_warned.insert(lease.id);
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
