#pragma once

#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace kms {

// Where a team profile keeps its data:
//   postgresql://user@host:port/database?sslmode=verify-full&sslrootcert=/path/ca.pem
// (postgres:// too). It never carries a password: the password, if the server
// asks for one, is in the keychain under passwordKey(). Parsed from outside
// input (--database, HANZO_KMS_DATABASE_URL), so bounded and strict: unknown
// query keys, control characters and a password are refused with a sentence
// that names the part and says what to do.
class PostgresUrl {
public:
    static constexpr qsizetype MaxLength = 2048;
    static constexpr int DefaultPort = 5432;
    // Seconds a connection attempt may take when the URL does not say.
    static constexpr int DefaultConnectTimeout = 10;

    // Nullopt when the text is not a usable URL; *error then says why, as the
    // end of a sentence that begins with where the URL came from ("--database: ").
    static std::optional<PostgresUrl> parse(const QString &text, QString *error);
    // True for text that starts like a PostgreSQL URL (postgresql:// or postgres://).
    static bool looksLikeUrl(const QString &text);

    QString host() const { return m_host; }
    int port() const { return m_port; }
    QString user() const { return m_user; } // empty: libpq's default (the OS user)
    QString database() const { return m_database; }
    // The query parameters given, in order (sslmode, sslrootcert, ...).
    QList<QPair<QString, QString>> parameters() const { return m_parameters; }

    // The URL in canonical form, parameters included (never a password).
    QString toString() const;
    // user@host:port/database: the profile's identity in messages and keychain entries.
    QString identity() const;
    // The keychain entry that holds this profile's database password.
    QString passwordKey() const;
    // Qt's QPSQL connect options: "sslmode='verify-full';connect_timeout='10'".
    QString connectOptions() const;

private:
    QString m_host;
    int m_port = DefaultPort;
    QString m_user;
    QString m_database;
    QList<QPair<QString, QString>> m_parameters;
};

} // namespace kms
