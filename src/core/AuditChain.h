#pragma once

#include "core/AuditEvent.h"
#include "core/AuditQuery.h"

#include <QHash>

#include <optional>

namespace kms {

// A writer's public key, stored with the actor (OS user@host) it belongs to.
struct AuditPublicKey {
    qint64 id = 0;
    QString actor;
    QByteArray publicKey; // raw 32-byte Ed25519 public key
    QDateTime createdAt;
};

// A (sequence, hash) pair: the log's head record, or the newest event a
// profile has written or verified (its anchor, kept in its keychain).
struct AuditMark {
    qint64 seq = 0;
    QByteArray hash; // hex
    friend bool operator==(const AuditMark &, const AuditMark &) = default;
};

// Checks events one by one, oldest first, and then the end of the log: each
// event follows the one before it (seq, prevHash), its hash is its content's,
// its signature verifies with a key stored for its actor, and the log reaches
// the head record and the profile's anchor (so a cut or emptied log fails).
// Events with seq <= unsignedUntil were written before signing began: they
// need no signature. Used on the store and on an exported file alike.
class AuditChainVerifier {
public:
    AuditChainVerifier(
        QHash<qint64, AuditPublicKey> keys, qint64 unsignedUntil, std::optional<AuditMark> anchor);

    // False once the chain is broken (later events are not looked at).
    bool add(const AuditEvent &event);
    // head: the log's head record (nullopt: none). The verdict.
    AuditVerification finish(const std::optional<AuditMark> &head);

private:
    void broken(qint64 seq, const QString &reason);

    QHash<qint64, AuditPublicKey> m_keys;
    qint64 m_unsignedUntil = 0;
    std::optional<AuditMark> m_anchor;
    AuditVerification m_result;
    QByteArray m_previousHash;
    qint64 m_expectedSeq = 1;
};

} // namespace kms
