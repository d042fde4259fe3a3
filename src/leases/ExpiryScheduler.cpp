#include "leases/ExpiryScheduler.h"

#include "leases/LeaseService.h"
#include "store/LeaseRepository.h"

#include <QCoro/QCoroTask>

namespace kms {

ExpiryScheduler::ExpiryScheduler(LeaseService &service, LeaseRepository &leases, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_leases(leases)
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &ExpiryScheduler::runPass);
    connect(&m_service, &LeaseService::scheduleChanged, this, &ExpiryScheduler::rearm);
    connect(m_service.clock(), &Clock::jumped, this, &ExpiryScheduler::rearm);
    connect(&m_reconcileTimer, &QTimer::timeout, this, &ExpiryScheduler::runReconcile);
    setReconcileInterval(5 * 60 * 1000);
}

void ExpiryScheduler::setReconcileInterval(int milliseconds, int sweepEvery)
{
    m_reconcileTimer.setInterval(milliseconds);
    m_sweepEvery = std::max(1, sweepEvery);
    if (m_running)
        m_reconcileTimer.start();
}

void ExpiryScheduler::runReconcile()
{
    if (m_busy)
        return; // the next tick will do
    m_busy = true;
    const bool sweep = ++m_reconciles % m_sweepEvery == 0;
    QCoro::connect(m_service.reconcile(sweep), this, [this](const ReconcileReport &report) {
        m_busy = false;
        m_afterPass = true;
        emit reconcileFinished(report);
        rearm();
    });
}

void ExpiryScheduler::start()
{
    m_running = true;
    m_reconcileTimer.start();
    rearm();
}

void ExpiryScheduler::stop()
{
    m_running = false;
    m_timer.stop();
    m_reconcileTimer.stop();
}

void ExpiryScheduler::rearm()
{
    if (!m_running)
        return;
    if (m_busy)
        return; // the running pass re-arms when it ends
    const std::optional<QDateTime> next = m_leases.nextExpiry();
    if (!next) {
        m_timer.stop();
        return;
    }
    qint64 ms = m_service.clock()->now().msecsTo(*next);
    // Right after a pass, something still due is busy elsewhere: don't spin.
    if (m_afterPass)
        ms = std::max<qint64>(ms, 1000);
    m_afterPass = false;
    m_timer.start(int(std::clamp<qint64>(ms, 0, m_maximumSleepMs)));
}

void ExpiryScheduler::runPass()
{
    m_busy = true;
    QCoro::connect(m_service.runDueCleanups(), this, [this](const ReconcileReport &report) {
        m_busy = false;
        m_afterPass = true;
        emit passFinished(report.cleanedUp, report.errors);
        // Failed cleanups moved their retry time; new leases may have come.
        rearm();
    });
}

} // namespace kms
