#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace kms {

// One entry of the append-only audit log. Events are chained: hash is the
// SHA-256 (lowercase hex) of the event's content including prevHash, the hash
// of the event before it (empty for the first event), so editing, deleting or
// reordering any stored event breaks the chain (AuditLog::verify()). Each event
// is also signed (Ed25519) by its writer over the same content, so a chain
// recomputed by someone without the writer's key does not verify.
struct AuditEvent {
    qint64 seq = 0; // 1, 2, 3... assigned by AuditLog::append
    QDateTime at; // UTC, millisecond precision
    QString actor; // user@host
    QString kind; // see the kind constants below
    QString secretName;
    QString leaseId;
    QString namespaceName;
    QString serviceAccount;
    QString jti;
    QDateTime expiresAt; // UTC; null when not about a token
    QString detail; // one sentence; never secret material
    QByteArray prevHash; // hex
    QByteArray hash; // hex
    qint64 keyId = 0; // the public key (AuditPublicKey::id) that verifies signature; 0: unsigned
    QByteArray signature; // base64 of the 64-byte Ed25519 signature of signedContent()

    // The OS user and host running this process: "alice@workstation".
    static QString currentActor();

    // The canonical bytes hashed for the chain (every field but hash, each
    // length-prefixed so no two events share an encoding).
    QByteArray canonicalContent() const;
    // SHA-256 hex of canonicalContent().
    QByteArray computeHash() const;
    // The bytes the writer signs: its sequence number, the previous event's
    // hash and its content (canonicalContent()), under a domain prefix.
    QByteArray signedContent() const;

    // The event as `hanzo-kmsctl audit -o json` prints it and the audit
    // dialog exports it: seq, at, actor, kind, secret, leaseId, namespace,
    // serviceAccount, jti, expiresAt, detail, prevHash, hash. Times are UTC
    // ISO 8601 with milliseconds (what the hash covers), "" when null.
    QJsonObject toJson() const;
    // The event from toJson()'s object, e.g. read back from an export. Nullopt
    // when a key is missing or malformed; *error then names the key.
    static std::optional<AuditEvent> fromJson(const QJsonObject &object, QString *error = nullptr);

    static inline const QString SecretCreated = QStringLiteral("secret.created");
    static inline const QString SecretUpdated = QStringLiteral("secret.updated");
    static inline const QString SecretDeleted = QStringLiteral("secret.deleted");
    static inline const QString LeaseCreated = QStringLiteral("lease.created");
    static inline const QString LeaseFailed = QStringLiteral("lease.failed");
    static inline const QString LeaseRevoked = QStringLiteral("lease.revoked");
    // An unbound static lease closed early: its token stays valid until it expires.
    static inline const QString LeaseReleased = QStringLiteral("lease.released");
    static inline const QString LeaseExpired = QStringLiteral("lease.expired");
    // A new token for an Active lease and its expiry moved; the previous token stays valid until its own
    // expiry.
    static inline const QString LeaseRenewed = QStringLiteral("lease.renewed");
    static inline const QString LeaseCleanupFailed = QStringLiteral("lease.cleanup_failed");
    static inline const QString LeaseCleanedUp = QStringLiteral("lease.cleaned_up");
    static inline const QString LeaseRolledBack = QStringLiteral("lease.rolled_back");
    // The actor set their display name in the profile (Person, PeopleRepository).
    static inline const QString PersonNamed = QStringLiteral("person.named");
};

} // namespace kms
