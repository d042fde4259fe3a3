#pragma once

#include <QByteArray>
#include <QCoro/QCoroTask>
#include <QString>

#include <optional>

namespace kms {

// What the GUI's File > Open Team Profile... needs of the store (ProfileLocation,
// PostgresUrl, Database, CredentialVault), in one place: ui reaches the store
// only through this layer.

// A team profile's URL as --database checks it.
struct TeamProfileUrl {
    QString canonical; // postgresql://user@host:port/database?..., never a password
    QString identity; // user@host:port/database, for messages
};
// Nullopt when the text cannot be used; *why is then the end of a sentence
// ("the URL names no database; ..."). The text is never echoed.
std::optional<TeamProfileUrl> parseTeamProfileUrl(const QString &text, QString *why);
bool looksLikeTeamProfileUrl(const QString &text);
qsizetype teamProfileUrlMaxLength();

// What File > Open Team Profile... found.
struct TeamProfileCheck {
    bool ok = false;
    QString error; // one sentence; never holds the password
};

// Connects to the team profile at `url` as its next start will (creating a
// profile's tables in an empty database), with `password` if given, else the
// one in the profile's keychain entry, if any. Only when that works and a
// password was given is the password stored in the keychain entry
// (PostgresUrl::passwordKey() under the profile's keychain service); on
// failure nothing is stored. The password is wiped before this returns.
QCoro::Task<TeamProfileCheck> checkTeamProfile(QString dataDir, QString url, QByteArray password);

// The team profile the local profile in dataDir remembers (ProfileLocation), or empty.
QString rememberedTeamProfile(const QString &dataDir);
// Remembers url (empty: forgets); false and *error when it cannot be written.
bool rememberTeamProfile(const QString &dataDir, const QString &url, QString *error);

} // namespace kms
