#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <functional>

class QSqlError;

namespace kms {

class PostgresUrl;

// A statement of the store: made by Database::prepare, values bound in
// order with addBindValue, run by Database::exec. In SQLite a prepared
// statement. In PostgreSQL the values are written into the statement by
// Qt's driver (its formatValue, as Qt's own PREPARE/EXECUTE does), so a
// statement is one round trip to the server instead of three (PREPARE,
// EXECUTE, DEALLOCATE).
class Query : public QSqlQuery {
public:
    explicit Query(const QSqlDatabase &db)
        : QSqlQuery(db)
    {
    }
    void addBindValue(const QVariant &value);
    QVariantList boundValues() const;

private:
    friend class Database;
    bool m_inline = false;
    QString m_sql;
    QVariantList m_values;
};

// The database of a profile: by default SQLite in <dataDir>/kms.sqlite (WAL
// mode, foreign keys on); a team profile's is a PostgreSQL database that
// several administrators share (openPostgres). Both get the same schema from
// the same migration steps on open: its version is PRAGMA user_version in
// SQLite and the kms_schema table in PostgreSQL, and schemaVersion() reads
// either. One Database per thread (QSqlDatabase is thread-bound). Holds no
// secret material: cluster tokens live in the CredentialVault.
class Database {
public:
    static constexpr int SchemaVersion = 10;
    static constexpr const char *FileName = "kms.sqlite";

    enum class Backend { SQLite, PostgreSQL };

    Database();
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // --data-dir if given, else $HANZO_KMS_DATA_DIR, else the platform's
    // app-data location for "hanzo-kms" (shared by the GUI and the CLI).
    static QString resolveDataDir(const QString &cliOverride = QString());

    // Creates dataDir (mode 0700) if needed, opens and migrates the database.
    // On failure returns false; lastError() says what and why.
    bool open(const QString &dataDir);
    // Connects to a team profile's PostgreSQL database and migrates it; the
    // database must be empty or a profile's. password: from the keychain,
    // empty when the server asks for none; kept only for the connection.
    bool openPostgres(const PostgresUrl &url, const QByteArray &password = {});
    void close();
    bool isOpen() const;

    Backend backend() const { return m_backend; }
    QString dataDir() const { return m_dataDir; } // SQLite; empty for PostgreSQL
    QString filePath() const; // SQLite: the file; PostgreSQL: empty
    // What this profile's database is, for messages and keychain entries:
    // the SQLite file's path, or postgresql://user@host:port/database.
    QString location() const { return m_location; }
    int schemaVersion() const; // PRAGMA user_version, or kms_schema's version

    // Runs work in one transaction: commits if it returns true, rolls back
    // everything it did if it returns false or throws. Nests (as savepoints),
    // so repositories may call it inside a caller's transaction.
    // Reads take no write lock: Snapshot begins a deferred transaction instead.
    enum class Lock { Write, Snapshot };
    bool transaction(const std::function<bool()> &work, Lock lock = Lock::Write);
    bool inTransaction() const { return m_depth > 0; }

    QSqlDatabase connection() const;
    // A prepared query on this connection.
    Query prepare(const QString &sql);
    // Runs a prepared query; on failure records lastError() with context.
    bool exec(Query &query, const QString &what);
    bool exec(const QString &sql, const QString &what);

    // The SQL spelling of the larger of two values: max(a, b) in SQLite, greatest(a, b) in PostgreSQL.
    QString greatest(const QString &a, const QString &b) const;

    // Times are stored as UTC milliseconds since the epoch; a null time as NULL.
    static QVariant timeValue(const QDateTime &time);
    static QDateTime timeFrom(const QVariant &value);

    // What this connection last learnt of the audit log, so that a team
    // profile's lease path can sign an event before the one statement that
    // stores it (AuditLog::seal): the head it last saw and this process's key
    // ids by actor. Only a hint: the server checks the head and answers the
    // true one when another program moved it.
    struct AuditHint {
        qint64 headSeq = 0;
        QByteArray headHash;
        QHash<QString, qint64> keyIds; // actor + '\n' + public key (base64) -> audit_keys.id
    };
    AuditHint &auditHint() { return m_auditHint; }

    // Statements sent so far on this connection: in PostgreSQL each one is a
    // round trip to the server (statements are never prepared there, see Query).
    qint64 statementsSent() const { return m_statements; }

    QString lastError() const { return m_lastError; }
    void setLastError(const QString &message) { m_lastError = message; }

    // A team profile's connection to its server can be lost: a statement
    // fails because the server ended the connection or cannot be reached, or
    // checkConnection() finds it closed (LeaseNotifications asks whenever the
    // connection's socket has news). From then on every statement fails at
    // once with unreachableMessage(), nothing is written, until reconnect()
    // succeeds. Always false for SQLite.
    bool isConnectionLost() const { return m_lost; }
    // True while the connection is up (always for SQLite); false, and marks it lost, when it is not.
    bool checkConnection();
    // One sentence: the server cannot be reached, naming it, and what to do.
    QString unreachableMessage() const { return unreachableMessage(m_lostDetail); }
    // The same with the reason given (e.g. when the first connection of a start fails).
    QString unreachableMessage(const QString &detail) const;
    // Called each time the connection is found lost, from inside the statement
    // that failed: the handler only schedules (DatabaseReconnector).
    void setConnectionLostHandler(std::function<void()> handler) { m_lostHandler = std::move(handler); }
    // A team profile: connects again to the same database under the same
    // connection name (repositories keep working) and sets the session up
    // again. password: from the keychain, kept only for the connection.
    // False (lastError() says why, in one sentence) while the server still
    // cannot be reached; LISTEN is LeaseNotifications' to renew.
    bool reconnect(const QByteArray &password = {});
    // host:port of a team profile's server; empty for SQLite.
    QString server() const { return m_server; }
    QString serverHost() const { return m_serverHost; }
    int serverPort() const { return m_serverPort; }
    // While the connection is lost: why the server still cannot be reached
    // (e.g. found by DatabaseReconnector's probe), for unreachableMessage().
    void setUnreachableDetail(const QString &detail);

private:
    bool openConnection(QSqlDatabase &db, const QString &what);
    bool setUpSession();
    // After a failed statement: true (and lastError() the unreachable sentence) when the connection is gone.
    bool connectionFailed(const QSqlError &error);
    void markLost(const QString &detail);
    bool migrate();
    bool migrateLocked();
    bool setSchemaVersion(int version);
    bool applyVersion1();
    bool applyVersion2(); // gateways
    bool applyVersion3(); // leases: released, closed_by, closed_at
    bool applyVersion4(); // secret ids handed out before the row exists
    bool applyVersion5(); // uids of the objects a lease created
    bool applyVersion6(); // signed audit events
    bool applyVersion7(); // roles, labels, limits, templates, generated rules, selectors
    bool applyVersion8(); // the audiences a lease asked for (renew asks for the same)
    bool applyVersion9(); // people: the display name each user@host set in the profile
    bool applyVersion10(); // PostgreSQL: a lease's row and its commit with its event, one statement each

    QString m_connectionName;
    Backend m_backend = Backend::SQLite;
    QString m_dataDir;
    QString m_location;
    QString m_lastError;
    int m_depth = 0;
    int m_savepoint = 0;
    qint64 m_statements = 0;
    AuditHint m_auditHint;
    QString m_server;
    QString m_serverHost;
    int m_serverPort = 0;
    bool m_lost = false;
    QString m_lostDetail;
    std::function<void()> m_lostHandler;
};

} // namespace kms
