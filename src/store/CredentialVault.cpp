#include "store/CredentialVault.h"

#include "core/SignalWait.h"

#include <QCoro/QCoroSignal>
#include <qt6keychain/keychain.h>

namespace kms {

namespace {

using Operation = CredentialVault::Operation;

QString verb(Operation op)
{
    switch (op) {
    case Operation::Put:
        return QStringLiteral("store the secret");
    case Operation::Get:
        return QStringLiteral("read the secret");
    case Operation::Remove:
        return QStringLiteral("remove the secret");
    }
    return {};
}

bool mentionsAny(const QString &text, std::initializer_list<const char *> needles)
{
    for (const char *needle : needles) {
        if (text.contains(QLatin1String(needle), Qt::CaseInsensitive))
            return true;
    }
    return false;
}

QString lockedMessage(const QString &what, const QString &detail)
{
    return QStringLiteral(
        "%1: the keychain is locked (%2). Unlock it (log in to your desktop session, or create "
        "or unlock the \"Login\" keyring in Passwords and Keys) and try again.")
        .arg(what, detail);
}

VaultResult failure(VaultResult::Error error, const QString &message)
{
    VaultResult r;
    r.error = error;
    r.message = message;
    return r;
}

// Turns a QtKeychain error into one of ours with a message that says what to do.
VaultResult classify(
    QKeychain::Error error, const QString &detail, Operation op, const QString &key, const QString &service)
{
    const QString what
        = QStringLiteral("Cannot %1 \"%2\" in the keychain (service \"%3\")").arg(verb(op), key, service);
    const bool noBackendText = mentionsAny(detail,
        { "autolaunch", "D-Bus", "DBus", "ServiceUnknown", "was not provided by any .service",
            "No such interface", "Could not connect", "Connection refused", "Failed to connect",
            "not activatable", "no backend" });
    // gnome-keyring: "Cannot create an item in a locked collection"; with no keyring made yet
    // (no desktop login): "Object does not exist at path /org/freedesktop/secrets/collection/login".
    const bool lockedText = mentionsAny(detail, { "locked", "unlock", "secrets/collection/" });
    switch (error) {
    case QKeychain::EntryNotFound:
        return failure(VaultResult::Error::NotFound,
            QStringLiteral("The keychain has no entry \"%1\" (service \"%2\"); store the secret again.")
                .arg(key, service));
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        break;
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        if (lockedText) {
            return failure(VaultResult::Error::Locked, lockedMessage(what, detail));
        }
        return failure(VaultResult::Error::Denied,
            QStringLiteral("%1: access was denied (%2). Allow Hanzo KMS to use the keychain when "
                           "asked, then try again.")
                .arg(what, detail));
    case QKeychain::NoError:
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        if (lockedText && !noBackendText) {
            return failure(VaultResult::Error::Locked, lockedMessage(what, detail));
        }
        if (!noBackendText) {
            return failure(VaultResult::Error::Other, QStringLiteral("%1: %2.").arg(what, detail));
        }
        break;
    }
    return failure(VaultResult::Error::NoBackend,
        QStringLiteral("%1: no keychain is available (%2). Hanzo KMS keeps cluster tokens only in the "
                       "OS keychain: install and start a Secret Service provider such as "
                       "gnome-keyring (package gnome-keyring) or KWallet in your desktop session, "
                       "then try again.")
            .arg(what, detail.isEmpty() ? QStringLiteral("no Secret Service answered") : detail));
}

// Runs a started-on-demand job and waits for it without blocking the event loop.
QCoro::Task<bool> run(QKeychain::Job *job, std::chrono::milliseconds timeout)
{
    job->setAutoDelete(false);
    // Connected before start(), so a job that finishes at once is not missed
    // (finished is emitted from the event loop, after start() returns).
    auto finished = waitForSignal(job, &QKeychain::Job::finished, timeout);
    job->start();
    co_return co_await finished;
}

} // namespace

VaultResult CredentialVault::describeFailure(
    int keychainError, const QString &detail, Operation op, const QString &key, const QString &service)
{
    return classify(QKeychain::Error(keychainError), detail, op, key, service);
}

CredentialVault::CredentialVault()
    : m_service(defaultServiceName())
{
}

CredentialVault::CredentialVault(const QString &serviceName)
    : m_service(serviceName)
{
}

QString CredentialVault::defaultServiceName()
{
    const QString fromEnv = qEnvironmentVariable("HANZO_KMS_KEYCHAIN_SERVICE");
    return fromEnv.isEmpty() ? QStringLiteral("hanzo-kms") : fromEnv;
}

static VaultResult timedOut(const QString &key, const QString &service, Operation op)
{
    return failure(VaultResult::Error::Other,
        QStringLiteral("Cannot %1 \"%2\" in the keychain (service \"%3\"): it did not answer in time. "
                       "Check for an unlock prompt and try again.")
            .arg(verb(op), key, service));
}

QCoro::Task<VaultResult> CredentialVault::put(QString key, QByteArray secret)
{
    const QString service = m_service;
    const auto timeout = m_timeout;
    if (secret.isEmpty()) {
        co_return failure(VaultResult::Error::Other,
            QStringLiteral("Cannot store an empty secret under \"%1\" in the keychain.").arg(key));
    }
    auto *job = new QKeychain::WritePasswordJob(service);
    job->setInsecureFallback(false);
    job->setKey(key);
    job->setBinaryData(secret);
    secret.fill('\0');
    const bool done = co_await run(job, timeout);
    if (!done) {
        job->setAutoDelete(true);
        co_return timedOut(key, service, Operation::Put);
    }
    VaultResult result;
    if (job->error() == QKeychain::NoError)
        result.ok = true;
    else
        result = classify(job->error(), job->errorString(), Operation::Put, key, service);
    job->deleteLater();
    co_return result;
}

QCoro::Task<VaultResult> CredentialVault::get(QString key)
{
    const QString service = m_service;
    const auto timeout = m_timeout;
    auto *job = new QKeychain::ReadPasswordJob(service);
    job->setInsecureFallback(false);
    job->setKey(key);
    const bool done = co_await run(job, timeout);
    if (!done) {
        job->setAutoDelete(true);
        co_return timedOut(key, service, Operation::Get);
    }
    VaultResult result;
    if (job->error() == QKeychain::NoError) {
        result.ok = true;
        result.value = job->binaryData();
    } else {
        result = classify(job->error(), job->errorString(), Operation::Get, key, service);
    }
    job->deleteLater();
    co_return result;
}

QCoro::Task<VaultResult> CredentialVault::remove(QString key)
{
    const QString service = m_service;
    const auto timeout = m_timeout;
    auto *job = new QKeychain::DeletePasswordJob(service);
    job->setInsecureFallback(false);
    job->setKey(key);
    const bool done = co_await run(job, timeout);
    if (!done) {
        job->setAutoDelete(true);
        co_return timedOut(key, service, Operation::Remove);
    }
    VaultResult result;
    if (job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound)
        result.ok = true;
    else
        result = classify(job->error(), job->errorString(), Operation::Remove, key, service);
    job->deleteLater();
    co_return result;
}

} // namespace kms
