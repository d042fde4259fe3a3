#pragma once

#include <QCoro/QCoroTask>
#include <QDialog>
#include <QTimer>

#include <chrono>
#include <functional>

class QLabel;
class QPushButton;

namespace kms::ui {

// At start, when a team profile's database server cannot be reached (a
// laptop that starts before its VPN, a server restarting): instead of
// refusing to start, this says so in one sentence that names the server,
// tries again on its own (first after 1 s, then twice the last wait, at most
// 30 s apart, as the main window's banner does) and at once on Try Now, and
// closes by itself when the profile opens. Quit ends the start; Open Local
// Profile (offered only for a remembered team profile) opens the profile on
// this computer instead. A failure that waiting does not cure (a refused
// password, a newer schema) ends the dialog with that sentence.
class TeamDatabaseWaitDialog : public QDialog {
    Q_OBJECT
public:
    struct Attempt {
        enum class Outcome { Opened, Unreachable, Failed };
        Outcome outcome = Outcome::Failed;
        QString message; // Unreachable, Failed: the sentence
    };
    using AttemptFunction = std::function<QCoro::Task<Attempt>()>;
    // exec()'s results besides Accepted (opened) and Rejected (Quit).
    enum Result { OpenLocal = 2, Failed = 3 };

    // The waits of the main window's reconnect (DatabaseReconnector).
    static const std::chrono::milliseconds FirstDelay;
    static const std::chrono::milliseconds MaxDelay;

    // problem: why the first attempt found the server unreachable.
    TeamDatabaseWaitDialog(
        const QString &problem, AttemptFunction attempt, bool offerLocal, QWidget *parent = nullptr);

    // Tests: shorter waits.
    void setDelays(std::chrono::milliseconds first, std::chrono::milliseconds max);

    QString text() const;
    QPushButton *tryNowButton() const { return m_tryNow; }
    QPushButton *localButton() const { return m_local; }
    QPushButton *quitButton() const { return m_quit; }
    std::chrono::milliseconds nextDelay() const { return m_delay; }
    // Why the last attempt found the server unreachable (the first: the constructor's problem).
    QString problem() const { return m_problem; }
    // After Failed: the sentence.
    QString failure() const { return m_failure; }

    void tryNow();

signals:
    // An attempt ended without opening the profile; for tests.
    void attemptFailed();

private:
    QCoro::Task<void> runAttempt();
    void showProblem();

    AttemptFunction m_attempt;
    QString m_problem;
    QString m_failure;
    QLabel *m_label;
    QPushButton *m_tryNow;
    QPushButton *m_local = nullptr;
    QPushButton *m_quit;
    QTimer m_retry;
    QTimer m_tick;
    std::chrono::milliseconds m_first = FirstDelay;
    std::chrono::milliseconds m_max = MaxDelay;
    std::chrono::milliseconds m_delay = FirstDelay;
    bool m_attempting = false;
};

} // namespace kms::ui
