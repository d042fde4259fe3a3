#pragma once

#include "core/Clock.h"
#include "core/Lease.h"

#include <QCoro/QCoroTask>
#include <QDateTime>
#include <QStringList>

#include <chrono>
#include <functional>
#include <optional>

namespace kms {

class CredentialVault;
class Database;
class LeaseService;

// What kubectl asks the exec credential plugin for: a token of one secret,
// in one namespace, for some audiences.
struct KubectlCredentialRequest {
    qint64 secretId = 0;
    QString namespaceName; // may be empty when the secret allows one namespace
    std::optional<QStringList> audiences; // default: the secret's
    // The current lease's token is reused while at least this much of it is left.
    qint64 minRemainingSeconds = 120;
};

struct KubectlCredential {
    QByteArray token; // for kubectl only: printed, never stored outside the keychain
    QDateTime expiresAt; // when kubectl must ask again
    QString leaseId;
    // For the kernel keyring's hot copy (store/kernelcache): the token's own
    // expiry and the lease row's, which a renew moves.
    QDateTime tokenExpiresAt;
    QDateTime leaseExpiresAt;
    bool reused = false; // the cached token of a lease still active
    QString error; // one sentence
    bool badRequest = false; // refused before anything happened: bad usage or input
    QString warning; // it worked, but e.g. the keychain did not keep the token

    bool ok() const { return !token.isEmpty(); }
};

// kubectl's exec credential plugin, the lease side: one lease per (secret,
// namespace, audiences) at a time, its token cached in the keychain only,
// reused while enough of it is left and its lease is still active, never
// from a revoked, released or expired lease; otherwise a new lease (audited
// as issued for kubectl). Processes that ask at once (kubectl runs the plugin
// once per command, and commands run in parallel) take turns on a lock file,
// so the first issues the lease and the others reuse it.
class KubectlCredentials {
public:
    KubectlCredentials(
        Database &db, CredentialVault &vault, LeaseService &leases, Clock *clock = Clock::system());

    // How long a call waits for another process that is issuing the lease.
    void setLockTimeout(std::chrono::milliseconds timeout) { m_lockTimeout = timeout; }

    // Called (and awaited) before a new lease is issued, never on a cache hit:
    // the CLI loads this user's audit signing key there, so that a hit does
    // not pay for a keychain session it does not use.
    void setBeforeIssue(std::function<QCoro::Task<bool>()> hook) { m_beforeIssue = std::move(hook); }

    QCoro::Task<KubectlCredential> credential(KubectlCredentialRequest request);

    // After a renewal: if kubectl's cache holds this lease, it gets the new
    // token, so kubectl keeps using the lease until its new expiry. True when
    // the cache held the lease and now holds the new token.
    QCoro::Task<bool> handOver(Lease lease, QByteArray token, QDateTime expiresAt);

    // The keychain entry for a secret, namespace and audiences in this profile.
    QString cacheKey(qint64 secretId, const QString &namespaceName, const QStringList &audiences) const;

private:
    // Where the lock files are: the profile's data directory, or for a team profile this computer's.
    QString lockDirectory() const;
    struct Cached {
        QString leaseId;
        QDateTime expiresAt;
        QByteArray token;
    };
    static QByteArray encode(const Cached &cached);
    static std::optional<Cached> decode(const QByteArray &value);

    Database &m_db;
    CredentialVault &m_vault;
    std::function<QCoro::Task<bool>()> m_beforeIssue;
    LeaseService &m_leases;
    Clock *m_clock;
    std::chrono::milliseconds m_lockTimeout { std::chrono::minutes(2) };
};

} // namespace kms
