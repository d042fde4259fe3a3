// waitForSignal: the first of a signal and a timeout resumes the waiting
// coroutine, once; what comes later (a late signal, a second one, a deleted
// sender) reaches nothing. Under the sanitizer build, a late signal after the
// timeout was a heap-use-after-free with QCoro 0.8's qCoro(signal, timeout).
#include "core/SignalWait.h"

#include <QCoro/QCoroTimer>
#include <QTest>

using namespace kms;
using namespace std::chrono_literals;

namespace {
class Emitter : public QObject {
    Q_OBJECT
signals:
    void happened(const QString &what);
};
} // namespace

class TestSignalWait : public QObject {
    Q_OBJECT

private slots:
    void theSignalFirst()
    {
        Emitter e;
        QTimer::singleShot(10ms, &e, [&e] { emit e.happened(QStringLiteral("a")); });
        QElapsedTimer clock;
        clock.start();
        QVERIFY(QCoro::waitFor(waitForSignal(&e, &Emitter::happened, 5000ms)));
        QVERIFY(clock.elapsed() < 4000);
    }

    void theTimeoutFirstThenALateSignalReachesNothing()
    {
        Emitter e;
        QVERIFY(!QCoro::waitFor(waitForSignal(&e, &Emitter::happened, 20ms)));
        // The waiting coroutine is gone: these must not touch it.
        emit e.happened(QStringLiteral("late"));
        emit e.happened(QStringLiteral("later"));
        QTest::qWait(20);
    }

    void aSignalAndTheTimeoutAtTheSameMomentResumeOnce()
    {
        for (int i = 0; i < 50; ++i) {
            Emitter e;
            int resumed = 0;
            auto task = [](Emitter *e, int *resumed) -> QCoro::Task<> {
                co_await waitForSignal(e, &Emitter::happened, 5ms);
                ++*resumed;
            }(&e, &resumed);
            // Emitted from the event loop around the timer's expiry, several times.
            QTimer::singleShot(5ms, &e, [&e] {
                emit e.happened(QStringLiteral("1"));
                emit e.happened(QStringLiteral("2"));
            });
            QCoro::waitFor(task);
            QTest::qWait(10);
            QCOMPARE(resumed, 1);
        }
    }

    void aSenderDeletedWhileWaitingEndsAtTheTimeout()
    {
        auto *e = new Emitter;
        QTimer::singleShot(5ms, e, [e] { delete e; });
        QVERIFY(!QCoro::waitFor(waitForSignal(e, &Emitter::happened, 50ms)));
    }
};

QTEST_GUILESS_MAIN(TestSignalWait)
#include "tst_signalwait.moc"
