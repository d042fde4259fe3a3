#include "leases/KubectlCredentials.h"

#include "core/BearerToken.h"
#include "leases/LeaseService.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"
#include "store/kernelcache/KubectlCache.h"

#include <QCryptographicHash>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>

namespace kms {

// hanzo-kmsctl's front reads the profile with its own queries (KubectlCache.cpp):
// a new schema version is a reason to look at them.
static_assert(Database::SchemaVersion == kubectlcache::SchemaVersion,
    "check the queries of store/kernelcache/KubectlCache.cpp against the new schema, then update its "
    "SchemaVersion");

namespace {

// A cache entry is a lease id, a time and a token: a few KiB at most.
constexpr qsizetype MaxCacheEntryBytes = 64 * 1024;

QString formatTime(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODate);
}

// The turn of one (secret, namespace, audiences) in this profile, across
// processes: a QLockFile in the data directory, stale only when its process is gone.
// A team profile's data is in PostgreSQL, but the token cache it guards is
// this person's keychain: the lock is in this computer's data directory
// ($HANZO_KMS_DATA_DIR or the default), named after the keychain service too.
class CredentialLock {
public:
    CredentialLock(const QString &dataDir, const QString &cacheKey)
        : m_dir(QDir(dataDir).filePath(QStringLiteral("locks")))
    {
        const QByteArray digest = QCryptographicHash::hash(cacheKey.toUtf8(), QCryptographicHash::Sha256);
        m_lock = std::make_unique<QLockFile>(QDir(m_dir).filePath(
            QStringLiteral("kubectl-%1.lock").arg(QString::fromLatin1(digest.toHex().left(32)))));
        m_lock->setStaleLockTime(0);
    }
    // Waits up to timeoutMs; false with *error saying why.
    bool lock(int timeoutMs, QString *error)
    {
        if (!QDir().mkpath(m_dir)) {
            *error = QStringLiteral("Cannot make the lock directory %1; check that the data directory is "
                                    "writable.")
                         .arg(m_dir);
            return false;
        }
        if (m_lock->tryLock(timeoutMs))
            return true;
        switch (m_lock->error()) {
        case QLockFile::LockFailedError:
            *error
                = QStringLiteral("Another hanzo-kmsctl has been issuing this credential for %1 s (lock file "
                                 "%2); try again.")
                      .arg(timeoutMs / 1000)
                      .arg(m_lock->fileName());
            break;
        case QLockFile::PermissionError:
            *error = QStringLiteral("Cannot create the lock file %1: permission denied.")
                         .arg(m_lock->fileName());
            break;
        default:
            *error = QStringLiteral("Cannot create the lock file %1.").arg(m_lock->fileName());
            break;
        }
        return false;
    }

private:
    QString m_dir;
    std::unique_ptr<QLockFile> m_lock; // unlocks when destroyed
};

} // namespace

KubectlCredentials::KubectlCredentials(
    Database &db, CredentialVault &vault, LeaseService &leases, Clock *clock)
    : m_db(db)
    , m_vault(vault)
    , m_leases(leases)
    , m_clock(clock)
{
}

QString KubectlCredentials::cacheKey(
    qint64 secretId, const QString &namespaceName, const QStringList &audiences) const
{
    return QStringLiteral("kubectl-credential:%1:%2:%3:%4")
        .arg(m_db.location()) // the SQLite file, or the team database's postgresql://user@host:port/db
        .arg(secretId)
        .arg(namespaceName, audiences.join(u','));
}

QString KubectlCredentials::lockDirectory() const
{
    return m_db.dataDir().isEmpty() ? Database::resolveDataDir() : m_db.dataDir();
}

QByteArray KubectlCredentials::encode(const Cached &cached)
{
    return QJsonDocument(QJsonObject { { QStringLiteral("lease"), cached.leaseId },
                             { QStringLiteral("expiresAt"), formatTime(cached.expiresAt) },
                             { QStringLiteral("token"), QString::fromLatin1(cached.token) } })
        .toJson(QJsonDocument::Compact);
}

std::optional<KubectlCredentials::Cached> KubectlCredentials::decode(const QByteArray &value)
{
    if (value.size() > MaxCacheEntryBytes)
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(value).object();
    Cached cached;
    cached.leaseId = o.value(QStringLiteral("lease")).toString();
    cached.expiresAt = QDateTime::fromString(o.value(QStringLiteral("expiresAt")).toString(), Qt::ISODate);
    cached.token = o.value(QStringLiteral("token")).toString().toLatin1();
    if (cached.leaseId.isEmpty() || !cached.expiresAt.isValid() || !BearerToken::isValid(cached.token))
        return std::nullopt;
    return cached;
}

QCoro::Task<KubectlCredential> KubectlCredentials::credential(KubectlCredentialRequest request)
{
    KubectlCredential result;
    const auto secret = SecretRepository(m_db).byId(request.secretId);
    if (!secret) {
        result.error = QStringLiteral("There is no dynamic secret with id %1.").arg(request.secretId);
        co_return result;
    }
    LeaseRequest lease;
    lease.secretId = secret->id;
    lease.secret = *secret;
    lease.namespaceName = request.namespaceName;
    lease.audiences = request.audiences;
    lease.auditNote
        = QStringLiteral("Issued to kubectl by its exec credential plugin (hanzo-kmsctl credential).");
    qint64 ttlSeconds = 0;
    QString ns;
    QStringList audiences;
    const FieldErrors errors = LeaseService::validateRequest(*secret, lease, &ttlSeconds, &ns, &audiences);
    if (!errors.isEmpty()) {
        result.badRequest = true;
        result.error = QStringLiteral("--%1: %2").arg(errors.constFirst().field, errors.constFirst().message);
        co_return result;
    }
    if (request.minRemainingSeconds < 0 || request.minRemainingSeconds >= ttlSeconds) {
        result.badRequest = true;
        result.error = QStringLiteral("--min-remaining must be shorter than the secret's default TTL of %1.")
                           .arg(secret->defaultTtl.toString());
        co_return result;
    }

    const QString key = cacheKey(secret->id, ns, audiences);
    CredentialLock lock(lockDirectory(), m_vault.serviceName() + QLatin1Char('\n') + key);
    QString lockError;
    if (!lock.lock(int(m_lockTimeout.count()), &lockError)) {
        result.error = lockError;
        co_return result;
    }
    // Held until this returns: whoever came first has issued and cached a
    // lease by the time the next one looks.
    const VaultResult stored = co_await m_vault.get(key);
    if (!stored.ok && stored.error != VaultResult::Error::NotFound) {
        result.error = stored.message;
        co_return result;
    }
    if (stored.ok) {
        if (const std::optional<Cached> cached = decode(stored.value)) {
            const auto row = LeaseRepository(m_db).byId(cached->leaseId);
            const QDateTime enough = m_clock->now().addSecs(request.minRemainingSeconds);
            // Only an Active lease's token: never a revoked, released or
            // expired one's, nor one about to expire.
            if (row && row->state == LeaseState::Active && row->secretId == secret->id
                && row->namespaceName == ns && cached->expiresAt > enough && row->expiresAt > enough) {
                result.token = cached->token;
                result.expiresAt = std::min(cached->expiresAt, row->expiresAt);
                result.leaseId = row->id;
                result.tokenExpiresAt = cached->expiresAt;
                result.leaseExpiresAt = row->expiresAt;
                result.reused = true;
                co_return result;
            }
        }
    }

    // A failure here is remembered by the audit log, whose append then says why.
    if (m_beforeIssue)
        co_await m_beforeIssue();
    LeaseCreation created = co_await m_leases.createLease(lease);
    if (!created.ok()) {
        result.badRequest = created.unusableSecret || !created.fieldErrors.isEmpty();
        result.error = created.error;
        co_return result;
    }
    const Cached fresh { created.lease->id, created.issued->expiresAt, created.issued->token };
    const QByteArray value = encode(fresh);
    const VaultResult put = co_await m_vault.put(key, value);
    if (!put.ok)
        result.warning
            = QStringLiteral("The token of lease %1 could not be kept in the keychain (%2), so the "
                             "next kubectl command will issue another lease.")
                  .arg(created.lease->id, put.message);
    result.token = created.issued->token;
    result.expiresAt = created.issued->expiresAt;
    result.leaseId = created.lease->id;
    result.tokenExpiresAt = created.issued->expiresAt;
    result.leaseExpiresAt = created.lease->expiresAt;
    co_return result;
}

QCoro::Task<bool> KubectlCredentials::handOver(Lease lease, QByteArray token, QDateTime expiresAt)
{
    const auto secret = SecretRepository(m_db).byId(lease.secretId);
    if (!secret)
        co_return false;
    const QString key
        = cacheKey(lease.secretId, lease.namespaceName, lease.audiences.value_or(secret->audiences));
    CredentialLock lock(lockDirectory(), m_vault.serviceName() + QLatin1Char('\n') + key);
    QString lockError;
    // A credential call holding the lock is about to write the cache itself; do not wait long for it.
    if (!lock.lock(500, &lockError))
        co_return false;
    const VaultResult stored = co_await m_vault.get(key);
    if (!stored.ok)
        co_return false;
    const std::optional<Cached> cached = decode(stored.value);
    if (!cached || cached->leaseId != lease.id)
        co_return false;
    // Named, not a braced temporary in the co_await: GCC 12 destroys those twice.
    const Cached renewed { lease.id, expiresAt, token };
    const QByteArray value = encode(renewed);
    const VaultResult put = co_await m_vault.put(key, value);
    co_return put.ok;
}

} // namespace kms
