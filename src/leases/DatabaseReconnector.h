#pragma once

#include <QCoro/QCoroTask>
#include <QObject>
#include <QString>
#include <QTimer>

#include <chrono>

namespace kms {

class CredentialVault;
class Database;
class LeaseNotifications;

// Keeps a team profile connected: when the Database finds its connection
// lost (a statement failed because the server is gone, or the LISTEN socket
// closed), this says so once (connectionLost) and connects again, first
// after 1 s, then after twice the last wait, at most 30 s apart, on a
// timer (no loop), and at once on reconnectNow() (the banner's Reconnect).
// Each attempt first checks, without blocking, that the server's port
// answers (a TCP connect): connecting itself blocks the thread until the
// server answers or connect_timeout passes.
// The password, if the server wants one, is read from the keychain for each
// attempt and wiped after it. Once connected, LISTEN resumes (the
// LeaseNotifications given) and reconnected() tells the windows to reload.
// A SQLite profile never loses its connection: nothing happens.
class DatabaseReconnector : public QObject {
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds FirstDelay { 1000 };
    static constexpr std::chrono::milliseconds MaxDelay { 30000 };
    // How long the probe before each attempt waits for the server's port to answer.
    static constexpr std::chrono::milliseconds ProbeTimeout { 10000 };

    // vault and passwordKey: where the database password is (passwordKey empty: none).
    DatabaseReconnector(Database &db, CredentialVault *vault, const QString &passwordKey,
        LeaseNotifications *notifications, QObject *parent = nullptr);
    ~DatabaseReconnector() override;

    // Tests: shorter waits.
    void setDelays(std::chrono::milliseconds first, std::chrono::milliseconds max);

    // Whether anything answers at host:port (a TCP connect, without blocking
    // the thread): empty when it does, else why not (for the sentence that
    // says the server cannot be reached). A socket directory (host starting
    // with '/') is not probed.
    static QCoro::Task<QString> probe(
        QString host, int port, std::chrono::milliseconds timeout = ProbeTimeout);

    bool isConnected() const;
    // While not connected: the sentence that says so, naming the server.
    QString problem() const;
    // The wait before the next automatic attempt.
    std::chrono::milliseconds nextDelay() const { return m_delay; }
    bool isAttempting() const { return m_attempting; }
    bool isRetryScheduled() const { return m_retry.isActive(); }

public slots:
    // Connects again now (the banner's Reconnect button); no-op while connected or attempting.
    void reconnectNow();

signals:
    void connectionLost(const QString &message);
    // An attempt failed; the next one is in `next` unless reconnectNow() comes first.
    void attemptFailed(const QString &message, qint64 nextMilliseconds);
    void reconnected();

private:
    void onLost();
    QCoro::Task<bool> attempt();
    QCoro::Task<bool> serverAnswers();
    void failed();

    Database &m_db;
    CredentialVault *m_vault;
    QString m_passwordKey;
    LeaseNotifications *m_notifications;
    QTimer m_retry;
    std::chrono::milliseconds m_first = FirstDelay;
    std::chrono::milliseconds m_max = MaxDelay;
    std::chrono::milliseconds m_delay = FirstDelay;
    bool m_reported = false;
    bool m_attempting = false;
};

} // namespace kms
