#pragma once

#include <QCoro/QCoroSignal>
#include <QCoro/QCoroTask>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <memory>

namespace kms {

namespace detail {
// Fires done() once, from the first of a signal and a timer.
class SignalWaker : public QObject {
    Q_OBJECT
public:
    void wake(bool bySignal)
    {
        if (m_woken)
            return;
        m_woken = true;
        m_bySignal = bySignal;
        emit done();
    }
    bool bySignal() const { return m_bySignal; }

signals:
    void done();

private:
    bool m_woken = false;
    bool m_bySignal = false;
};
} // namespace detail

// Waits until `sender` emits `signal` or `timeout` passes; true when the
// signal came first. QCoro 0.8's qCoro(sender, signal, timeout) resumes from a
// queued slot that may run after the timeout already resumed (and destroyed)
// the waiting coroutine: a use-after-free ASan reported in the gateway. Here
// every connection has the waker as context, and the waker lives in the
// coroutine frame, so a signal or timer that comes later reaches nothing.
template<typename T, typename Signal>
QCoro::Task<bool> waitForSignal(T *sender, Signal signal, std::chrono::milliseconds timeout)
{
    auto waker = std::make_unique<detail::SignalWaker>();
    QTimer timer;
    timer.setSingleShot(true);
    detail::SignalWaker *w = waker.get();
    QObject::connect(&timer, &QTimer::timeout, w, [w] { w->wake(false); });
    if (sender)
        QObject::connect(sender, signal, w, [w](auto &&...) { w->wake(true); });
    // Connected before anything can fire: done() is emitted at most once.
    auto woken = qCoro(w, &detail::SignalWaker::done);
    timer.start(timeout);
    co_await woken;
    co_return w->bySignal();
}

} // namespace kms
