#pragma once

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <functional>

namespace kms {

// The one SQLite database of a profile: <dataDir>/kms.sqlite, WAL mode,
// foreign keys on, schema migrated by PRAGMA user_version on open.
// One Database per thread (QSqlDatabase is thread-bound). Holds no secret
// material: cluster tokens live in the CredentialVault.
class Database {
public:
    static constexpr int SchemaVersion = 8;
    static constexpr const char *FileName = "kms.sqlite";

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
    void close();
    bool isOpen() const;

    QString dataDir() const { return m_dataDir; }
    QString filePath() const;
    int schemaVersion() const; // PRAGMA user_version

    // Runs work in one transaction: commits if it returns true, rolls back
    // everything it did if it returns false or throws. Nests (as savepoints),
    // so repositories may call it inside a caller's transaction.
    // Reads take no write lock: Snapshot begins a deferred transaction instead.
    enum class Lock { Write, Snapshot };
    bool transaction(const std::function<bool()> &work, Lock lock = Lock::Write);
    bool inTransaction() const { return m_depth > 0; }

    QSqlDatabase connection() const;
    // A prepared query on this connection.
    QSqlQuery prepare(const QString &sql);
    // Runs a prepared query; on failure records lastError() with context.
    bool exec(QSqlQuery &query, const QString &what);
    bool exec(const QString &sql, const QString &what);

    // Times are stored as UTC milliseconds since the epoch; a null time as NULL.
    static QVariant timeValue(const QDateTime &time);
    static QDateTime timeFrom(const QVariant &value);

    QString lastError() const { return m_lastError; }
    void setLastError(const QString &message) { m_lastError = message; }

private:
    bool migrate();
    bool applyVersion1();
    bool applyVersion2(); // gateways
    bool applyVersion3(); // leases: released, closed_by, closed_at
    bool applyVersion4(); // secret ids handed out before the row exists
    bool applyVersion5(); // uids of the objects a lease created
    bool applyVersion6(); // signed audit events
    bool applyVersion7(); // roles, labels, limits, templates, generated rules, selectors
    bool applyVersion8(); // the audiences a lease asked for (renew asks for the same)

    QString m_connectionName;
    QString m_dataDir;
    QString m_lastError;
    int m_depth = 0;
    int m_savepoint = 0;
};

} // namespace kms
