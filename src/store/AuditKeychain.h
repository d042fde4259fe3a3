#pragma once

#include "core/AuditChain.h"

#include <QCoro/QCoroTask>

#include <optional>

namespace kms {

class CredentialVault;
class Database;

// The keychain side of the audit log: this OS user's Ed25519 signing key
// (made and stored on first use; its public half goes into the store with the
// actor when the first event is signed) and the profile's anchor, the newest
// (sequence, hash) this profile has written or verified. A log that was cut,
// emptied, replaced or rewritten no longer reaches its anchor, so verify()
// fails even when the file's chain and head were fixed up.
class AuditKeychain {
public:
    AuditKeychain(Database &db, CredentialVault &vault);

    static QString signingKeyName() { return QStringLiteral("audit-signing-key"); }
    QString anchorName() const; // per database file

    // Loads the signing key (making it the first time) and installs it with
    // AuditLog::setSigningKey; on failure AuditLog is told why, and false.
    QCoro::Task<bool> loadSigningKey();

    struct Anchor {
        QString logId;
        AuditMark mark;
    };
    struct AnchorRead {
        bool ok = false; // false: the keychain failed (error says why)
        std::optional<Anchor> anchor; // none stored yet
        QString error;
    };
    QCoro::Task<AnchorRead> readAnchor();

    // Moves the anchor to the log's committed head when that is beyond it and
    // the log still holds the anchored event (a cut or rewritten log keeps
    // its old anchor, the evidence). Not inside a transaction: false.
    QCoro::Task<bool> raiseAnchor();

    // The log checked against the anchor; when intact, the anchor is raised.
    QCoro::Task<AuditVerification> verify();

    QString lastError() const { return m_lastError; }

private:
    Database &m_db;
    CredentialVault &m_vault;
    QString m_lastError;
};

} // namespace kms
