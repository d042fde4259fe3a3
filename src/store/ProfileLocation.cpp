#include "store/ProfileLocation.h"

#include "store/CredentialVault.h"
#include "store/Database.h"

#include <openssl/crypto.h>

namespace kms {

std::optional<ProfileLocation> ProfileLocation::resolve(
    const QString &dataDirOverride, const QString &databaseOverride, QString *error)
{
    ProfileLocation location;
    location.dataDir = Database::resolveDataDir(dataDirOverride);
    QString url = databaseOverride;
    location.databaseSource = QStringLiteral("--database");
    // A flag beats the environment: --data-dir alone means the SQLite profile there.
    if (url.isEmpty() && dataDirOverride.isEmpty()) {
        url = qEnvironmentVariable("HANZO_KMS_DATABASE_URL");
        location.databaseSource = QStringLiteral("HANZO_KMS_DATABASE_URL");
    }
    if (url.isEmpty())
        return location;
    QString why;
    location.database = PostgresUrl::parse(url, &why);
    if (!location.database) {
        if (error)
            *error = location.databaseSource + QStringLiteral(": ") + why;
        return std::nullopt;
    }
    return location;
}

QString ProfileLocation::keychainService() const
{
    if (qEnvironmentVariableIsSet("HANZO_KMS_KEYCHAIN_SERVICE") || !database)
        return CredentialVault::defaultServiceName();
    return CredentialVault::defaultServiceName() + QLatin1Char('/') + database->identity();
}

QCoro::Task<bool> openProfileDatabase(Database &db, CredentialVault &vault, ProfileLocation location)
{
    if (!location.database) {
        co_return db.open(location.dataDir);
    }
    VaultResult password = co_await vault.get(location.database->passwordKey());
    QString keychainProblem;
    if (!password.ok && password.error != VaultResult::Error::NotFound)
        keychainProblem = password.message;
    const bool opened = db.openPostgres(*location.database, password.ok ? password.value : QByteArray());
    if (!password.value.isEmpty())
        OPENSSL_cleanse(password.value.data(), std::size_t(password.value.size()));
    password.value.clear();
    if (!opened && !keychainProblem.isEmpty())
        db.setLastError(db.lastError()
            + QStringLiteral(" The database password could not be read from the keychain: %1")
                  .arg(keychainProblem));
    co_return opened;
}

} // namespace kms
