#pragma once

#include "core/DynamicSecret.h"
#include "core/FieldError.h"

#include <QCoro/QCoroTask>

#include <optional>

namespace kms {

class ClusterConnections;
class CredentialVault;
class Database;

struct SecretSaveResult {
    std::optional<DynamicSecret> secret; // the stored secret on success
    FieldErrors fieldErrors; // refused before anything was written
    QString error; // one sentence
    bool ok() const { return secret.has_value(); }
};

// Creating, editing and deleting dynamic secrets: the row, its cluster token
// in the keychain, the audit event, and a fresh cluster connection after an
// edit. Callers revoke a secret's open leases (LeaseService) before remove().
class SecretCatalog {
public:
    SecretCatalog(Database &db, CredentialVault &vault, ClusterConnections *connections = nullptr);

    // What validate() needs for this secret: the other names in its environment,
    // and whether a cluster token is given or already stored (an edit of a Token secret).
    SecretValidationContext validationContext(const DynamicSecret &secret, bool tokenGiven);

    // Inserts (id 0) or updates the secret. clusterToken: the token typed for
    // Token auth; empty keeps the stored one on an edit. Never logged or stored
    // outside the keychain.
    QCoro::Task<SecretSaveResult> save(DynamicSecret secret, QByteArray clusterToken);
    // Deletes the secret, its lease rows and its keychain entry. Empty on success, else one sentence.
    QCoro::Task<QString> remove(qint64 secretId);

private:
    Database &m_db;
    CredentialVault &m_vault;
    ClusterConnections *m_connections;
};

} // namespace kms
