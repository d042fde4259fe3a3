#pragma once

#include <QObject>
#include <QTimer>

namespace kms {

class LeaseRepository;
class LeaseService;

// Wakes at the next lease expiry (or cleanup retry) and has the service clean
// up what is due; re-arms whenever leases change or the clock is set.
class ExpiryScheduler : public QObject {
    Q_OBJECT
public:
    ExpiryScheduler(LeaseService &service, LeaseRepository &leases, QObject *parent = nullptr);

    // Longest sleep between checks, so a suspended machine catches up soon after waking.
    void setMaximumSleep(int milliseconds) { m_maximumSleepMs = milliseconds; }
    void start();
    bool isRunning() const { return m_running; }
    // When the timer fires next, in ms from now; -1 when idle.
    int nextWakeInMs() const { return m_timer.isActive() ? m_timer.remainingTime() : -1; }

signals:
    // A pass finished: how many leases were cleaned up, and failures.
    void passFinished(int cleanedUp, const QStringList &errors);

private:
    void rearm();
    void runPass();

    LeaseService &m_service;
    LeaseRepository &m_leases;
    QTimer m_timer;
    bool m_running = false;
    bool m_busy = false;
    bool m_afterPass = false;
    int m_maximumSleepMs = 60 * 1000;
};

} // namespace kms
