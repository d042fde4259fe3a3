#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

class QSqlDriver;

namespace kms {

class Database;

// A team profile's live updates: every lease row written (LeaseRepository)
// sends NOTIFY kms_leases with the lease id, delivered when its transaction
// commits; this listens on the profile's connection and reports the leases
// other programs (other desktops, the CLI) changed, without polling. Qt's
// PostgreSQL driver watches the connection's socket in the event loop. A
// SQLite profile has none: start() returns false and nothing is reported.
class LeaseNotifications : public QObject {
    Q_OBJECT
public:
    static constexpr const char *Channel = "kms_leases";

    explicit LeaseNotifications(Database &db, QObject *parent = nullptr);
    ~LeaseNotifications() override;

    // LISTEN on the profile's connection; false (and Database::lastError()) when it cannot.
    // After Database::reconnect(), start() listens again on the new connection.
    bool start();
    bool isListening() const { return m_listening; }

signals:
    // Another connection committed a change to this lease (created, revoked, expired, ...).
    void leaseChanged(const QString &leaseId);
    // The connection under LISTEN was lost (the server ended it, or is gone):
    // Database::isConnectionLost() is now true, and nothing is heard until start() again.
    void listeningLost();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void checkConnection();

    Database &m_db;
    bool m_listening = false;
    QPointer<QSqlDriver> m_driver; // whose notification signal is connected
    bool m_filtering = false; // watching this thread's socket activity
    bool m_checkPending = false;
};

} // namespace kms
