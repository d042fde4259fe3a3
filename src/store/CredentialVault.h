#pragma once

#include <QByteArray>
#include <QString>

#include <QCoro/QCoroTask>

#include <chrono>

namespace kms {

// The outcome of one keychain call.
struct VaultResult {
    enum class Error {
        None,
        NotFound, // no entry under the key
        NoBackend, // no keychain service (no Secret Service on D-Bus, no KWallet...)
        Locked, // the keychain exists but is locked
        Denied, // the user or the system refused access
        Other,
    };

    bool ok = false;
    QByteArray value; // get(): the secret
    Error error = Error::None;
    QString message; // one sentence: what happened and what to do; never contains the secret
};

// Secret material (cluster tokens, gateway client keys) in the OS keychain,
// via QtKeychain. There is no plaintext fallback: without a keychain every
// call fails with Error::NoBackend and a message saying what to install.
// Entries live under the service name $HANZO_KMS_KEYCHAIN_SERVICE (default
// "hanzo-kms"), so test runs and profiles do not share secrets.
// Callers outside a coroutine use QCoro::waitFor(vault.get(key)).
class CredentialVault {
public:
    enum class Operation { Put, Get, Remove };

    CredentialVault();
    explicit CredentialVault(const QString &serviceName);

    static QString defaultServiceName(); // from the environment
    QString serviceName() const { return m_service; }

    // How long to wait for the keychain (it may show an unlock prompt).
    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

    QCoro::Task<VaultResult> put(QString key, QByteArray secret);
    QCoro::Task<VaultResult> get(QString key);
    // Removing an entry that does not exist succeeds.
    QCoro::Task<VaultResult> remove(QString key);

    // The result for a failed QtKeychain job (QKeychain::Error as int, its errorString()):
    // which Error it is and the sentence for the user. Public for tests.
    static VaultResult describeFailure(
        int keychainError, const QString &detail, Operation op, const QString &key, const QString &service);

private:
    QString m_service;
    std::chrono::milliseconds m_timeout { std::chrono::minutes(2) };
};

} // namespace kms
