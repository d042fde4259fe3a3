#pragma once

#include "core/DynamicSecret.h"
#include "core/FieldError.h"

#include <QCoro/QCoroTask>
#include <QDateTime>
#include <QList>

#include <optional>

namespace kms {

class ClusterConnections;
class CredentialVault;
class Database;
class LeaseService;

struct SecretSaveResult {
    enum class Failure {
        None,
        Invalid, // fieldErrors say which fields; nothing was written
        Refused, // the gateway's policy refuses it (fieldErrors say which field); nothing was written
        Gone, // the edited secret no longer exists
        Conflict, // the edited secret was changed elsewhere since it was read; nothing was written
        Keychain, // the cluster token could not be stored; nothing was changed
        Database, // the row could not be written; nothing was changed
    };
    std::optional<DynamicSecret> secret; // the stored secret on success
    FieldErrors fieldErrors; // refused before anything was written
    Failure failure = Failure::None;
    QString error; // one sentence
    bool ok() const { return secret.has_value(); }
};

// Whether this person's keychain holds a secret's cluster token. In a team
// profile the secret is shared and each administrator keeps their own token.
struct ClusterTokenCheck {
    enum class State {
        NotNeeded, // Gateway auth: this desktop's gateway client key is enough
        Stored,
        Missing, // no token on this computer: set one (secret set-token)
        Unknown, // the keychain could not be asked; error says why
    };
    State state = State::Unknown;
    QString error;
};

// What deleting a secret did to one of its open leases.
struct SecretLeaseReport {
    QString leaseId;
    QString message; // one sentence for people
    bool revoked = false; // closed through LeaseService
    bool tokenStaysValid = false; // its token still works until expiresAt
    QDateTime expiresAt;
};

struct SecretRemoval {
    enum class Failure {
        None,
        LeaseNotRevoked, // the secret was kept; the last report says which lease and why
        Database, // the secret was kept
        Keychain, // the secret was deleted, but its keychain entry was left
    };
    bool deleted = false; // the row (and its lease history) is gone
    QList<SecretLeaseReport> leases; // one per open lease handled, in order
    Failure failure = Failure::None;
    QString error; // one sentence: why the secret was kept, or the keychain entry that was left
    bool ok() const { return failure == Failure::None; }
};

// The one writer of dynamic secrets (GUI, CLI, demo): validation, the row,
// its cluster token in the keychain, the audit event, the delete policy for
// open leases, and a fresh cluster connection after an edit.
//
// The keychain is never awaited inside a database transaction (it may show
// an unlock prompt, and the write lock would stop every other writer):
// create writes the keychain entry under a reserved id, then the row and its
// audit event in one short transaction, and removes the entry again if that
// fails; delete removes the row first, then the entry (a leftover entry is
// harmless, its id is never reused; a row whose token is missing is not).
class SecretCatalog {
public:
    // leases: needed to revoke a secret's open leases in remove().
    SecretCatalog(Database &db, CredentialVault &vault, ClusterConnections *connections = nullptr,
        LeaseService *leases = nullptr);

    // What validate() needs for this secret: the other names in its environment,
    // and whether a cluster token is given or already stored (an edit of a Token secret).
    SecretValidationContext validationContext(const DynamicSecret &secret, bool tokenGiven);

    // Inserts (id 0) or updates the secret. clusterToken: the token typed for
    // Token auth; empty keeps the stored one on an edit. Never logged or stored
    // outside the keychain. expectedUpdatedAt (an edit): the updatedAt of the
    // stored secret the edit started from; the row is written only if it still
    // has it (compare-and-set), else Failure::Conflict and nothing changes.
    QCoro::Task<SecretSaveResult> save(
        DynamicSecret secret, QByteArray clusterToken, QDateTime expectedUpdatedAt = {});
    // The fields that differ between two versions of a secret, in words
    // ("allowed namespaces", "name template"), in the setup form's order.
    static QStringList changedFields(const DynamicSecret &before, const DynamicSecret &after);
    // For a secret with a gateway (either auth method): asks the gateway for
    // this desktop's policy entry and returns why it would refuse the secret
    // (the field and one sentence), or nothing when it allows it or cannot be
    // asked now (the gateway refuses what its policy does not allow in any
    // case). clusterToken: the one typed for Token auth, if any.
    static QCoro::Task<std::optional<FieldError>> gatewayRefusal(
        ClusterConnections &connections, DynamicSecret secret, QByteArray clusterToken = {});
    // Stores this person's cluster token for a Token-auth secret in their own
    // keychain (a team profile's secret may have been made by someone else).
    // The token is checked (BearerToken) and never logged or stored elsewhere;
    // the secret's row is not changed. Failure Invalid: fieldErrors say why.
    QCoro::Task<SecretSaveResult> setClusterToken(qint64 secretId, QByteArray clusterToken);
    // Whether this computer's keychain holds the secret's cluster token.
    QCoro::Task<ClusterTokenCheck> clusterTokenOnThisComputer(DynamicSecret secret);

    // Deletes the secret, its lease history and its keychain entry.
    // Its open leases are revoked first through LeaseService, one by one, each
    // reported; if one cannot be revoked the secret is kept. With force, no
    // lease is revoked: the secret is deleted anyway and every open lease is
    // reported, saying whether its token stays valid.
    // A secret that does not exist (any more) counts as deleted.
    QCoro::Task<SecretRemoval> remove(qint64 secretId, bool force = false);

private:
    QString environmentName(qint64 environmentId);

    Database &m_db;
    CredentialVault &m_vault;
    ClusterConnections *m_connections;
    LeaseService *m_leases;
};

} // namespace kms
