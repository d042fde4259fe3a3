#pragma once

#include "leases/LeaseService.h"

#include <QObject>
#include <QTimer>

namespace kms {

class LeaseRepository;

// Wakes at the next lease expiry (or cleanup retry) and has the service clean
// up what is due; re-arms whenever leases change or the clock is set.
class ExpiryScheduler : public QObject {
    Q_OBJECT
public:
    ExpiryScheduler(LeaseService &service, LeaseRepository &leases, QObject *parent = nullptr);

    // Longest sleep between checks, so a suspended machine catches up soon after waking.
    void setMaximumSleep(int milliseconds) { m_maximumSleepMs = milliseconds; }
    // A full reconcile (work another process left unfinished, e.g. a killed
    // hanzo-kmsctl) runs this often; every sweepEvery-th one also sweeps orphans.
    void setReconcileInterval(int milliseconds, int sweepEvery = 12);
    void start();
    // No further passes (a pass under way finishes; LeaseService::waitUntilIdle waits for it).
    void stop();
    bool isRunning() const { return m_running; }
    // When the timer fires next, in ms from now; -1 when idle.
    int nextWakeInMs() const { return m_timer.isActive() ? m_timer.remainingTime() : -1; }

signals:
    // A pass finished: how many leases were cleaned up, and failures.
    void passFinished(int cleanedUp, const QStringList &errors);
    void reconcileFinished(const kms::ReconcileReport &report);

private:
    void rearm();
    void runPass();
    void runReconcile();

    LeaseService &m_service;
    LeaseRepository &m_leases;
    QTimer m_timer;
    QTimer m_reconcileTimer;
    int m_sweepEvery = 12;
    int m_reconciles = 0;
    bool m_running = false;
    bool m_busy = false;
    bool m_afterPass = false;
    int m_maximumSleepMs = 60 * 1000;
};

} // namespace kms
