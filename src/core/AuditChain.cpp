#include "core/AuditChain.h"

#include "core/Ed25519.h"

namespace kms {

AuditChainVerifier::AuditChainVerifier(
    QHash<qint64, AuditPublicKey> keys, qint64 unsignedUntil, std::optional<AuditMark> anchor)
    : m_keys(std::move(keys))
    , m_unsignedUntil(unsignedUntil)
    , m_anchor(std::move(anchor))
{
}

void AuditChainVerifier::broken(qint64 seq, const QString &reason)
{
    if (m_result.firstBrokenSeq)
        return;
    m_result.firstBrokenSeq = seq;
    m_result.reason = reason;
}

bool AuditChainVerifier::add(const AuditEvent &e)
{
    if (m_result.firstBrokenSeq)
        return false;
    if (e.seq != m_expectedSeq) {
        broken(m_expectedSeq,
            QStringLiteral("Audit event %1 is missing (the next stored event is %2).")
                .arg(m_expectedSeq)
                .arg(e.seq));
        return false;
    }
    if (e.prevHash != m_previousHash) {
        broken(e.seq, QStringLiteral("Audit event %1 does not link to the event before it.").arg(e.seq));
        return false;
    }
    if (e.computeHash() != e.hash) {
        broken(e.seq, QStringLiteral("Audit event %1 was changed after it was written.").arg(e.seq));
        return false;
    }
    if (e.keyId == 0 && e.signature.isEmpty()) {
        if (e.seq > m_unsignedUntil) {
            broken(e.seq,
                QStringLiteral("Audit event %1 is not signed; every event since signing began must be.")
                    .arg(e.seq));
            return false;
        }
        ++m_result.unsignedCount;
    } else {
        const auto key = m_keys.constFind(e.keyId);
        if (key == m_keys.constEnd()) {
            broken(e.seq,
                QStringLiteral("Audit event %1 names signing key %2, which the log does not hold.")
                    .arg(e.seq)
                    .arg(e.keyId));
            return false;
        }
        if (key->actor != e.actor) {
            broken(e.seq,
                QStringLiteral("Audit event %1 is signed with the key of %2, not of its actor %3.")
                    .arg(e.seq)
                    .arg(key->actor, e.actor));
            return false;
        }
        if (!ed25519Verify(key->publicKey, e.signedContent(), QByteArray::fromBase64(e.signature))) {
            broken(e.seq,
                QStringLiteral("Audit event %1's signature does not verify with %2's public key: the event, "
                               "its place in the chain or the key was changed after it was written.")
                    .arg(e.seq)
                    .arg(e.actor));
            return false;
        }
    }
    if (m_anchor && m_anchor->seq == e.seq && m_anchor->hash != e.hash) {
        broken(e.seq,
            QStringLiteral("Audit event %1 is not the event this profile wrote or verified there (its "
                           "keychain anchor): the log was rewritten up to it.")
                .arg(e.seq));
        return false;
    }
    m_previousHash = e.hash;
    ++m_expectedSeq;
    ++m_result.eventCount;
    return true;
}

AuditVerification AuditChainVerifier::finish(const std::optional<AuditMark> &head)
{
    if (m_result.firstBrokenSeq)
        return m_result;
    const qint64 lastSeq = m_expectedSeq - 1;
    if (m_anchor && m_anchor->seq > lastSeq) {
        if (lastSeq == 0) {
            broken(1,
                QStringLiteral(
                    "The audit log is empty, but this profile has seen events 1 to %1 (its keychain "
                    "anchor): audit event 1 is missing.")
                    .arg(m_anchor->seq));
        } else {
            broken(lastSeq + 1,
                QStringLiteral(
                    "Audit event %1 is missing: the log ends at event %2, but this profile has seen "
                    "event %3 (its keychain anchor).")
                    .arg(lastSeq + 1)
                    .arg(lastSeq)
                    .arg(m_anchor->seq));
        }
        return m_result;
    }
    if (!head) {
        if (lastSeq > 0)
            broken(1,
                QStringLiteral("The audit log's head record is missing, so events from 1 on cannot be "
                               "confirmed."));
        return m_result;
    }
    if (head->seq > lastSeq) {
        broken(lastSeq + 1,
            QStringLiteral("Audit event %1 is missing (the log ends at %2, its head says %3).")
                .arg(lastSeq + 1)
                .arg(lastSeq)
                .arg(head->seq));
    } else if (head->seq < lastSeq) {
        broken(head->seq + 1,
            QStringLiteral("Audit event %1 was added outside the audit log (its head says %2).")
                .arg(head->seq + 1)
                .arg(head->seq));
    } else if (head->hash != m_previousHash) {
        broken(lastSeq, QStringLiteral("Audit event %1 does not match the log's head record.").arg(lastSeq));
    }
    return m_result;
}

} // namespace kms
