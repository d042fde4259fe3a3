#include "leases/TeamProfiles.h"

#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/PostgresUrl.h"
#include "store/ProfileLocation.h"

#include <openssl/crypto.h>

namespace kms {

namespace {

void wipe(QByteArray &secret)
{
    if (!secret.isEmpty())
        OPENSSL_cleanse(secret.data(), std::size_t(secret.size()));
    secret.clear();
}

} // namespace

std::optional<TeamProfileUrl> parseTeamProfileUrl(const QString &text, QString *why)
{
    const std::optional<PostgresUrl> url = PostgresUrl::parse(text, why);
    if (!url)
        return std::nullopt;
    return TeamProfileUrl { url->toString(), url->identity() };
}

bool looksLikeTeamProfileUrl(const QString &text)
{
    return PostgresUrl::looksLikeUrl(text);
}

qsizetype teamProfileUrlMaxLength()
{
    return PostgresUrl::MaxLength;
}

QString rememberedTeamProfile(const QString &dataDir)
{
    return ProfileLocation::rememberedTeamUrl(dataDir);
}

bool rememberTeamProfile(const QString &dataDir, const QString &url, QString *error)
{
    return ProfileLocation::rememberTeamUrl(dataDir, url, error);
}

QCoro::Task<TeamProfileCheck> checkTeamProfile(QString dataDir, QString url, QByteArray password)
{
    TeamProfileCheck check;
    ProfileLocation location;
    location.dataDir = dataDir;
    location.databaseSource = QStringLiteral("Database URL");
    QString why;
    location.database = PostgresUrl::parse(url, &why);
    if (!location.database) {
        wipe(password);
        check.error = QStringLiteral("Database URL: %1").arg(why);
        co_return check;
    }
    CredentialVault vault(location.keychainService());
    bool opened = false;
    {
        Database db;
        if (password.isEmpty())
            opened = co_await openProfileDatabase(db, vault, location);
        else
            opened = db.openPostgres(*location.database, password);
        if (!opened) {
            // The URL was typed into the dialog, not given with --database.
            check.error = db.lastError().replace(
                QStringLiteral(" (--database or HANZO_KMS_DATABASE_URL)"), QString());
        }
    }
    if (!opened) {
        wipe(password);
        co_return check;
    }
    if (!password.isEmpty()) {
        VaultResult stored = co_await vault.put(location.database->passwordKey(), password);
        wipe(password);
        if (!stored.ok) {
            check.error
                = QStringLiteral("The database accepted the password, but it could not be stored in the "
                                 "keychain: %1")
                      .arg(stored.message);
            co_return check;
        }
    }
    check.ok = true;
    co_return check;
}

} // namespace kms
