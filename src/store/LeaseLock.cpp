#include "store/LeaseLock.h"

#include "store/Database.h"

#include <QDir>
#include <QLockFile>

namespace kms {

namespace {

// The advisory lock key of a lease: 64 bits of a hash of its id, apart from
// the (class, object) keys Database uses.
const QString KeyExpression = QStringLiteral("hashtextextended('kms-lease:' || ?, 0)");

} // namespace

LeaseLock::LeaseLock(Database &db, const QString &leaseId)
    : m_db(db)
    , m_leaseId(leaseId)
{
    if (m_db.backend() == Database::Backend::SQLite) {
        QDir(m_db.dataDir()).mkpath(QStringLiteral("locks"));
        m_file = std::make_unique<QLockFile>(
            QDir(m_db.dataDir()).filePath(QStringLiteral("locks/%1.lock").arg(leaseId)));
        m_file->setStaleLockTime(0); // stale only when its process is gone
    }
}

LeaseLock::~LeaseLock()
{
    if (!m_locked)
        return;
    if (m_file) {
        m_file->unlock();
        return;
    }
    Query q = m_db.prepare(QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(KeyExpression));
    q.addBindValue(m_leaseId);
    m_db.exec(q, QStringLiteral("unlock lease %1").arg(m_leaseId));
}

bool LeaseLock::tryLock()
{
    if (m_locked)
        return true;
    if (m_file) {
        m_locked = m_file->tryLock(0);
        if (!m_locked) {
            switch (m_file->error()) {
            case QLockFile::LockFailedError:
                m_error = QStringLiteral("held by another process");
                break;
            case QLockFile::PermissionError:
                m_error = QStringLiteral("permission denied in %1; check that the data directory is writable")
                              .arg(m_db.dataDir());
                break;
            default:
                m_error
                    = QStringLiteral("cannot create the lock file in %1; check that the data directory is "
                                     "writable")
                          .arg(m_db.dataDir());
                break;
            }
        }
        return m_locked;
    }
    Query q = m_db.prepare(QStringLiteral("SELECT pg_try_advisory_lock(%1)").arg(KeyExpression));
    q.addBindValue(m_leaseId);
    if (!m_db.exec(q, QStringLiteral("lock lease %1").arg(m_leaseId)) || !q.next()) {
        m_error = m_db.lastError();
        return false;
    }
    m_locked = q.value(0).toBool();
    if (!m_locked)
        m_error = QStringLiteral("held by another process");
    return m_locked;
}

} // namespace kms
