#include "store/ProfileLocation.h"

#include "store/CredentialVault.h"
#include "store/Database.h"

#include <QDir>
#include <QFile>
#include <QSettings>

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

namespace {

constexpr const char *ProfileSettingsFile = "profile.ini";
constexpr const char *TeamUrlKey = "team/databaseUrl";

} // namespace

QString ProfileLocation::rememberedTeamUrl(const QString &dataDir)
{
    const QString path = QDir(dataDir).filePath(QLatin1String(ProfileSettingsFile));
    if (!QFile::exists(path))
        return {};
    const QString url = QSettings(path, QSettings::IniFormat).value(QLatin1String(TeamUrlKey)).toString();
    // An edited file is outside input like any other: only a URL that parses counts.
    if (url.isEmpty() || !PostgresUrl::parse(url, nullptr))
        return {};
    return url;
}

bool ProfileLocation::rememberTeamUrl(const QString &dataDir, const QString &url, QString *error)
{
    QDir dir(dataDir);
    if (!dir.exists() && !dir.mkpath(QStringLiteral("."))) {
        if (error)
            *error = QStringLiteral("Cannot create the data directory %1; check its parent's permissions.")
                         .arg(dataDir);
        return false;
    }
    QFile::setPermissions(dataDir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QSettings settings(dir.filePath(QLatin1String(ProfileSettingsFile)), QSettings::IniFormat);
    if (url.isEmpty())
        settings.remove(QLatin1String(TeamUrlKey));
    else
        settings.setValue(QLatin1String(TeamUrlKey), url);
    settings.sync();
    if (settings.status() != QSettings::NoError) {
        if (error)
            *error = QStringLiteral("Cannot write %1; check that the folder is writable.")
                         .arg(settings.fileName());
        return false;
    }
    return true;
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
