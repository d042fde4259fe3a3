#pragma once

#include "store/PostgresUrl.h"

#include <QCoro/QCoroTask>
#include <QString>

#include <optional>

namespace kms {

class CredentialVault;
class Database;

// Where a profile keeps its data: a team profile's PostgreSQL database when
// a URL is given (--database, else $HANZO_KMS_DATABASE_URL unless --data-dir
// is given), else SQLite in the data directory (--data-dir, else
// $HANZO_KMS_DATA_DIR, else the platform's app-data location). A flag beats
// the environment.
struct ProfileLocation {
    QString dataDir;
    std::optional<PostgresUrl> database; // a team profile
    QString databaseSource; // "--database" or "HANZO_KMS_DATABASE_URL", for messages

    // Nullopt when the URL given is not usable; *error then is one sentence
    // that starts with where it came from ("--database: ...").
    static std::optional<ProfileLocation> resolve(
        const QString &dataDirOverride, const QString &databaseOverride, QString *error);

    bool isTeamProfile() const { return database.has_value(); }
    // The keychain service of the profile's entries: $HANZO_KMS_KEYCHAIN_SERVICE
    // if set, else "hanzo-kms" for the SQLite profile and
    // "hanzo-kms/user@host:port/database" for a team profile, whose secret ids
    // are the team database's and must not meet the local profile's.
    QString keychainService() const;

    // The GUI's File > Open Team Profile... remembers its choice in the local
    // profile's data directory (<dataDir>/profile.ini, the URL without any
    // password), so that the GUI's next start on that profile opens the team
    // profile. Empty when none is remembered, or when what is there is not a
    // usable URL.
    static QString rememberedTeamUrl(const QString &dataDir);
    // Remembers url (empty: forgets, the local profile opens again); false and *error when it cannot be
    // written.
    static bool rememberTeamUrl(const QString &dataDir, const QString &url, QString *error);
};

// Opens (and migrates) the profile's database. A team profile's password,
// if the server wants one, comes from the keychain entry
// PostgresUrl::passwordKey() and is wiped after the connection is made.
// On failure db.lastError() says why in one sentence.
QCoro::Task<bool> openProfileDatabase(Database &db, CredentialVault &vault, ProfileLocation location);

} // namespace kms
