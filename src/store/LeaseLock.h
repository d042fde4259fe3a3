#pragma once

#include <QString>

#include <memory>

class QLockFile;

namespace kms {

class Database;

// While a process provisions or cleans up a lease it holds this lock, so a
// reconcile in another process (the GUI while the CLI runs, another
// administrator's desktop on a team profile) leaves the lease alone. A lock
// whose holder died is released: in a SQLite profile it is a lock file in
// the data directory, stale once its process is gone; in a team profile a
// PostgreSQL session advisory lock, released when its connection ends.
class LeaseLock {
public:
    LeaseLock(Database &db, const QString &leaseId);
    ~LeaseLock();
    LeaseLock(const LeaseLock &) = delete;
    LeaseLock &operator=(const LeaseLock &) = delete;

    // False when another process holds it, or the lock cannot be made (errorString() says which).
    bool tryLock();
    bool isLocked() const { return m_locked; }
    // PostgreSQL: the server took or released the lock inside another
    // statement (kms_lease_open, kms_lease_commit); this records it, so the
    // destructor releases exactly what is held. After a statement that
    // failed, say held: releasing a lock not held only warns.
    void setHeldByServer(bool held) { m_locked = held; }
    QString errorString() const { return m_error; }

private:
    Database &m_db;
    QString m_leaseId;
    std::unique_ptr<QLockFile> m_file;
    bool m_locked = false;
    QString m_error;
};

} // namespace kms
