#pragma once

#include "core/AuditChain.h"
#include "core/AuditEvent.h"
#include "core/AuditExport.h"
#include "core/AuditQuery.h"

#include <QList>

#include <functional>
#include <memory>
#include <optional>

namespace kms {

class Database;
class Ed25519PrivateKey;

// The append-only, hash-chained and signed audit log (see AuditEvent,
// AuditChainVerifier). The keychain side (this user's signing key, the
// profile's anchor) is AuditKeychain's.
class AuditLog {
public:
    explicit AuditLog(Database &db)
        : m_db(db)
    {
    }

    // The key this process signs its events with (one OS user per process),
    // set by AuditKeychain::loadSigningKey() or a test. Without one, append()
    // fails with reason (or a sentence saying no key was loaded).
    static void setSigningKey(std::shared_ptr<const Ed25519PrivateKey> key, const QString &reason = {});
    static bool hasSigningKey();
    // Called after every append() that succeeded (the caller's transaction
    // may still be open): the GUI raises the profile's anchor from there.
    static void setAppendedCallback(std::function<void()> callback);

    // Stores the event as the newest link: assigns seq, prevHash, hash, keyId
    // and signature, and fills `at` (now) and `actor` (AuditEvent::currentActor())
    // when empty; registers this process's public key for the actor on first use.
    // One transaction (nested inside the caller's, if any). Returns the stored event.
    std::optional<AuditEvent> append(AuditEvent event);

    // A team profile's lease path (LeaseRepository::commit): fills the event
    // as append() would and signs it as the successor of the head (headSeq,
    // headHash; 0 and "" for an empty log), for a statement that stores it
    // only while that is still the head. keyId: keyId()'s. False without a
    // signing key (lastError says why).
    bool seal(AuditEvent &event, qint64 headSeq, const QByteArray &headHash, qint64 keyId);
    // This process's key id for its actor, registered on first use; cached
    // in Database::auditHint(), so one read per program at most.
    std::optional<qint64> keyId();
    // The public key (base64) of this process's signing key; empty without one.
    static QByteArray signingPublicKey();
    // Runs the appended callback, for an event stored by another path than append().
    static void notifyAppended();

    QList<AuditEvent> list(const AuditFilter &filter = {}); // oldest first
    // Walks the log from the first event to the head record: links, hashes,
    // signatures, and the profile's anchor (AuditKeychain) when given.
    AuditVerification verify(const std::optional<AuditMark> &anchor = std::nullopt);

    // The head record: false on a database error; head is nullopt for an empty log.
    bool readHead(std::optional<AuditMark> &head);
    // The hash of event seq; nullopt if there is none (or on a database error).
    std::optional<QByteArray> hashAt(qint64 seq);
    // The log's identity (random, made with the schema); empty on a database error.
    QString logId();
    // Everything a third party needs to verify the log offline; nullopt on a database error.
    std::optional<AuditExport> exportLog();

private:
    bool readMeta(QString &logId, qint64 &unsignedUntil);
    bool readKeys(QList<AuditPublicKey> &keys);
    std::optional<qint64> keyIdFor(const QString &actor, const QByteArray &publicKey);

    Database &m_db;
};

} // namespace kms
