#include "store/Database.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSqlError>
#include <QStandardPaths>
#include <QUuid>

namespace kms {

namespace {

const char *const Version1[] = {
    R"(CREATE TABLE environments (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            slug TEXT NOT NULL UNIQUE,
            position INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL))",
    R"(CREATE TABLE dynamic_secrets (
            id INTEGER PRIMARY KEY,
            environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE RESTRICT,
            name TEXT NOT NULL,
            default_ttl INTEGER NOT NULL CHECK (default_ttl > 0),
            max_ttl INTEGER NOT NULL CHECK (max_ttl > 0),
            auth_method TEXT NOT NULL CHECK (auth_method IN ('token', 'gateway')),
            gateway TEXT NOT NULL DEFAULT '',
            cluster_url TEXT NOT NULL DEFAULT '',
            ssl_verify INTEGER NOT NULL DEFAULT 1,
            ca_certificate TEXT NOT NULL DEFAULT '',
            credential_type TEXT NOT NULL CHECK (credential_type IN ('static', 'dynamic')),
            service_account TEXT NOT NULL DEFAULT '',
            namespace TEXT NOT NULL DEFAULT '',
            allowed_namespaces TEXT NOT NULL DEFAULT '[]',
            role_type TEXT NOT NULL CHECK (role_type IN ('Role', 'ClusterRole')),
            role_name TEXT NOT NULL DEFAULT '',
            audiences TEXT NOT NULL DEFAULT '[]',
            cluster_wide INTEGER NOT NULL DEFAULT 0,
            bound_tokens INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (environment_id, name)))",
    R"(CREATE TABLE leases (
            id TEXT PRIMARY KEY,
            secret_id INTEGER NOT NULL REFERENCES dynamic_secrets(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('static', 'bound_static', 'dynamic')),
            namespace TEXT NOT NULL,
            service_account TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER,
            created_by TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('provisioning', 'active', 'revoking', 'revoked', 'expired',
                                                  'cleanup_failed', 'failed')),
            token_jti TEXT NOT NULL DEFAULT '',
            failure_reason TEXT NOT NULL DEFAULT '',
            requested_ttl INTEGER NOT NULL DEFAULT 0,
            binding_name TEXT NOT NULL DEFAULT '',
            binding_kind TEXT NOT NULL DEFAULT '',
            bound_secret_name TEXT NOT NULL DEFAULT '',
            created_service_account INTEGER NOT NULL DEFAULT 0,
            cleanup_attempts INTEGER NOT NULL DEFAULT 0,
            next_cleanup_at INTEGER))",
    "CREATE INDEX leases_by_secret ON leases(secret_id, created_at)",
    "CREATE INDEX leases_by_state ON leases(state, expires_at)",
    "CREATE INDEX leases_by_expiry ON leases(expires_at)",
    R"(CREATE TABLE audit_events (
            seq INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            secret_name TEXT NOT NULL DEFAULT '',
            lease_id TEXT NOT NULL DEFAULT '',
            namespace TEXT NOT NULL DEFAULT '',
            service_account TEXT NOT NULL DEFAULT '',
            jti TEXT NOT NULL DEFAULT '',
            expires_at INTEGER,
            detail TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL))",
    "CREATE INDEX audit_events_by_secret ON audit_events(secret_name, seq)",
    "CREATE INDEX audit_events_by_lease ON audit_events(lease_id, seq)",
    // The chain's head, so that deleting the newest event is detected too.
    R"(CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL))",
    // Append-only, against accidents; verify() catches deliberate edits.
    R"(CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
    R"(CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
    R"(CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
};

// Signed audit events (AuditLog): the writers' public keys with their actors
// (the private keys stay in each writer's keychain), each event's key and
// signature, and the log's identity and the events written before signing
// began. Triggers keep accidents out of the log; AuditLog::verify() catches
// deliberate edits of the file.
const char *const Version6[] = {
    R"(CREATE TABLE audit_keys (
            id INTEGER PRIMARY KEY,
            actor TEXT NOT NULL,
            public_key TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (actor, public_key)))",
    "ALTER TABLE audit_events ADD COLUMN key_id INTEGER REFERENCES audit_keys(id)",
    "ALTER TABLE audit_events ADD COLUMN signature TEXT NOT NULL DEFAULT ''",
    R"(CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            log_id TEXT NOT NULL,
            unsigned_until INTEGER NOT NULL))",
    R"(CREATE TRIGGER audit_events_in_order BEFORE INSERT ON audit_events
           WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events)
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
    R"(CREATE TRIGGER audit_head_first_only BEFORE INSERT ON audit_head
           WHEN EXISTS (SELECT 1 FROM audit_head)
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
    R"(CREATE TRIGGER audit_head_no_update BEFORE UPDATE ON audit_head
           WHEN NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq + 1
                OR NOT EXISTS (SELECT 1 FROM audit_events
                               WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash)
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
    R"(CREATE TRIGGER audit_keys_no_update BEFORE UPDATE ON audit_keys
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
    R"(CREATE TRIGGER audit_keys_no_delete BEFORE DELETE ON audit_keys
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
    R"(CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
    R"(CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)",
};

QString describe(const QSqlError &error)
{
    QString text = error.databaseText();
    if (text.isEmpty())
        text = error.text();
    return text;
}

} // namespace

Database::Database()
    : m_connectionName(QStringLiteral("kms-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
}

Database::~Database()
{
    close();
}

QString Database::resolveDataDir(const QString &cliOverride)
{
    if (!cliOverride.isEmpty())
        return QDir(cliOverride).absolutePath();
    const QString fromEnv = qEnvironmentVariable("HANZO_KMS_DATA_DIR");
    if (!fromEnv.isEmpty())
        return QDir(fromEnv).absolutePath();
    // Not AppDataLocation of the running binary: the GUI and hanzo-kmsctl must share one profile.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + QStringLiteral("/hanzo-kms");
}

bool Database::open(const QString &dataDir)
{
    close();
    m_dataDir = QDir(dataDir).absolutePath();
    QDir dir(m_dataDir);
    if (!dir.exists() && !dir.mkpath(QStringLiteral("."))) {
        m_lastError
            = QStringLiteral("Cannot create the data directory %1; check its parent's permissions or pass "
                             "another one with --data-dir.")
                  .arg(m_dataDir);
        return false;
    }
    QFile::setPermissions(
        m_dataDir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(filePath());
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    if (!db.open()) {
        m_lastError
            = QStringLiteral("Cannot open the database %1: %2.").arg(filePath(), describe(db.lastError()));
        close();
        return false;
    }
    QFile::setPermissions(filePath(), QFileDevice::ReadOwner | QFileDevice::WriteOwner);

    QSqlQuery wal(db);
    if (!wal.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !wal.next()
        || wal.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        m_lastError = QStringLiteral("Cannot switch the database %1 to WAL mode: %2.")
                          .arg(filePath(), describe(wal.lastError()));
        close();
        return false;
    }
    wal.finish();
    if (!exec(QStringLiteral("PRAGMA foreign_keys=ON"), QStringLiteral("enable foreign keys"))) {
        close();
        return false;
    }
    if (!migrate()) {
        close();
        return false;
    }
    return true;
}

void Database::close()
{
    if (QSqlDatabase::contains(m_connectionName)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
            if (db.isOpen())
                db.close();
        }
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    m_depth = 0;
}

bool Database::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName) && connection().isOpen();
}

QString Database::filePath() const
{
    return m_dataDir + QLatin1Char('/') + QLatin1String(FileName);
}

QVariant Database::timeValue(const QDateTime &time)
{
    return time.isValid() ? QVariant(time.toMSecsSinceEpoch()) : QVariant(QMetaType::fromType<qint64>());
}

QDateTime Database::timeFrom(const QVariant &value)
{
    if (value.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

QSqlDatabase Database::connection() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

int Database::schemaVersion() const
{
    QSqlQuery q(connection());
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

QSqlQuery Database::prepare(const QString &sql)
{
    QSqlQuery q(connection());
    // Results are read once, front to back: without this the driver keeps a
    // copy of every row read so far (100,000 leases at start-up).
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        m_lastError = QStringLiteral("Database error preparing a query: %1.").arg(describe(q.lastError()));
    return q;
}

bool Database::exec(QSqlQuery &query, const QString &what)
{
    // Text columns are NOT NULL: the driver would bind a null QString as NULL, so bind "" instead.
    const QVariantList bound = query.boundValues();
    for (qsizetype i = 0; i < bound.size(); ++i) {
        const QVariant &v = bound.at(i);
        if (v.metaType() == QMetaType::fromType<QString>() && v.toString().isNull())
            query.bindValue(int(i), QStringLiteral(""));
    }
    if (query.exec())
        return true;
    m_lastError = QStringLiteral("Database error (%1): %2.").arg(what, describe(query.lastError()));
    return false;
}

bool Database::exec(const QString &sql, const QString &what)
{
    QSqlQuery q(connection());
    if (q.exec(sql))
        return true;
    m_lastError = QStringLiteral("Database error (%1): %2.").arg(what, describe(q.lastError()));
    return false;
}

bool Database::transaction(const std::function<bool()> &work, Lock lock)
{
    const bool outer = m_depth == 0;
    const QString savepoint = QStringLiteral("kms_sp_%1").arg(++m_savepoint);
    // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read lock.
    const QString begin
        = lock == Lock::Write ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN DEFERRED");
    if (!exec(
            outer ? begin : QStringLiteral("SAVEPOINT ") + savepoint, QStringLiteral("begin a transaction")))
        return false;
    const auto rollback = [&] {
        const QString cause = m_lastError;
        if (outer) {
            exec(QStringLiteral("ROLLBACK"), QStringLiteral("roll back"));
        } else {
            exec(QStringLiteral("ROLLBACK TO ") + savepoint, QStringLiteral("roll back"));
            exec(QStringLiteral("RELEASE ") + savepoint, QStringLiteral("roll back"));
        }
        m_lastError = cause;
    };
    ++m_depth;
    bool ok = false;
    try {
        ok = work();
    } catch (...) {
        --m_depth;
        rollback();
        throw;
    }
    --m_depth;
    if (ok
        && exec(outer ? QStringLiteral("COMMIT") : QStringLiteral("RELEASE ") + savepoint,
            QStringLiteral("commit")))
        return true;
    rollback();
    return false;
}

bool Database::migrate()
{
    const int version = schemaVersion();
    if (version < 0) {
        m_lastError = QStringLiteral("Cannot read the schema version of %1; is it a SQLite database?")
                          .arg(filePath());
        return false;
    }
    if (version > SchemaVersion) {
        m_lastError = QStringLiteral("The database %1 has schema version %2, newer than this program's %3; "
                                     "use a newer Hanzo KMS.")
                          .arg(filePath())
                          .arg(version)
                          .arg(SchemaVersion);
        return false;
    }
    // One transaction per version step: a failed step leaves the previous version intact.
    const std::function<bool()> steps[]
        = { [this] { return applyVersion1(); }, [this] { return applyVersion2(); },
              [this] { return applyVersion3(); }, [this] { return applyVersion4(); },
              [this] { return applyVersion5(); }, [this] { return applyVersion6(); },
              [this] { return applyVersion7(); }, [this] { return applyVersion8(); } };
    for (int v = version; v < SchemaVersion; ++v) {
        const bool ok = transaction([&] {
            return steps[v]()
                && exec(QStringLiteral("PRAGMA user_version = %1").arg(v + 1),
                    QStringLiteral("set schema version"));
        });
        if (!ok) {
            m_lastError = QStringLiteral("Cannot migrate %1 to schema version %2: %3")
                              .arg(filePath())
                              .arg(v + 1)
                              .arg(m_lastError);
            return false;
        }
    }
    return true;
}

bool Database::applyVersion1()
{
    for (const char *sql : Version1) {
        if (!exec(QString::fromUtf8(sql), QStringLiteral("create schema version 1")))
            return false;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const struct {
        const char *name;
        const char *slug;
    } seeds[] = { { "Development", "dev" }, { "Staging", "staging" }, { "Production", "prod" } };
    int position = 0;
    for (const auto &seed : seeds) {
        QSqlQuery q = prepare(QStringLiteral(
            "INSERT INTO environments (name, slug, position, created_at) VALUES (?, ?, ?, ?)"));
        q.addBindValue(QString::fromLatin1(seed.name));
        q.addBindValue(QString::fromLatin1(seed.slug));
        q.addBindValue(position++);
        q.addBindValue(now);
        if (!exec(q, QStringLiteral("seed environments")))
            return false;
    }
    return true;
}

bool Database::applyVersion2()
{
    // Registered hanzo-kms-gateways (gateway/GatewayRegistry). The client key
    // is in the keychain, never here.
    return exec(QStringLiteral(R"(CREATE TABLE gateways (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            ca_pem TEXT NOT NULL,
            client_cert_pem TEXT NOT NULL,
            created_at INTEGER NOT NULL))"),
        QStringLiteral("create schema version 2"));
}

bool Database::applyVersion3()
{
    // Leases learn the state "released" (an unbound static lease closed early)
    // and who closed a lease when. SQLite cannot change a CHECK constraint, so
    // the table is rebuilt; nothing references leases, so foreign keys allow it.
    const char *steps[] = {
        R"(CREATE TABLE leases_v3 (
            id TEXT PRIMARY KEY,
            secret_id INTEGER NOT NULL REFERENCES dynamic_secrets(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('static', 'bound_static', 'dynamic')),
            namespace TEXT NOT NULL,
            service_account TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER,
            created_by TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('provisioning', 'active', 'revoking', 'revoked', 'released',
                                                  'expired', 'cleanup_failed', 'failed')),
            token_jti TEXT NOT NULL DEFAULT '',
            failure_reason TEXT NOT NULL DEFAULT '',
            requested_ttl INTEGER NOT NULL DEFAULT 0,
            binding_name TEXT NOT NULL DEFAULT '',
            binding_kind TEXT NOT NULL DEFAULT '',
            bound_secret_name TEXT NOT NULL DEFAULT '',
            created_service_account INTEGER NOT NULL DEFAULT 0,
            cleanup_attempts INTEGER NOT NULL DEFAULT 0,
            next_cleanup_at INTEGER,
            closed_by TEXT NOT NULL DEFAULT '',
            closed_at INTEGER))",
        // A revoked unbound static lease was never revoked: its token lives until it expires.
        R"(INSERT INTO leases_v3 SELECT id, secret_id, kind, namespace, service_account, created_at, expires_at,
            created_by, CASE WHEN kind = 'static' AND state = 'revoked' THEN 'released' ELSE state END,
            token_jti, failure_reason, requested_ttl, binding_name, binding_kind, bound_secret_name,
            created_service_account, cleanup_attempts, next_cleanup_at, '', NULL FROM leases)",
        "DROP TABLE leases",
        "ALTER TABLE leases_v3 RENAME TO leases",
        "CREATE INDEX leases_by_secret ON leases(secret_id, created_at)",
        "CREATE INDEX leases_by_state ON leases(state, expires_at)",
        "CREATE INDEX leases_by_expiry ON leases(expires_at)",
    };
    for (const char *sql : steps) {
        if (!exec(QString::fromUtf8(sql), QStringLiteral("create schema version 3")))
            return false;
    }
    return true;
}

bool Database::applyVersion4()
{
    // The next dynamic secret id (SecretRepository::reserveId). A new secret's
    // cluster token goes into the keychain under its id before its row is
    // written, so ids are handed out ahead and never reused; seeded above every id in use.
    return exec(QStringLiteral(R"(CREATE TABLE id_sequences (
            name TEXT PRIMARY KEY,
            next_id INTEGER NOT NULL))"),
               QStringLiteral("create schema version 4"))
        && exec(QStringLiteral("INSERT INTO id_sequences (name, next_id) "
                               "SELECT 'dynamic_secrets', coalesce(max(id), 0) + 1 FROM dynamic_secrets"),
            QStringLiteral("seed the secret id sequence"));
}

bool Database::applyVersion5()
{
    // The uids of the objects a lease created: deletes carry them as preconditions.
    for (const char *column : { "service_account_uid", "binding_uid", "bound_secret_uid" }) {
        if (!exec(QStringLiteral("ALTER TABLE leases ADD COLUMN %1 TEXT NOT NULL DEFAULT ''")
                      .arg(QLatin1String(column)),
                QStringLiteral("create schema version 5")))
            return false;
    }
    return true;
}

bool Database::applyVersion6()
{
    for (const char *sql : Version6) {
        if (!exec(QString::fromUtf8(sql), QStringLiteral("create schema version 6")))
            return false;
    }
    // Events already in the log stay as they are (hash-chained, unsigned);
    // every event from here on is signed.
    QSqlQuery q = prepare(QStringLiteral("INSERT INTO audit_log (id, log_id, unsigned_until) "
                                         "VALUES (1, ?, (SELECT COALESCE(MAX(seq), 0) FROM audit_events))"));
    q.addBindValue(QUuid::createUuid().toString(QUuid::WithoutBraces));
    return exec(q, QStringLiteral("create schema version 6"));
}

bool Database::applyVersion7()
{
    // What a lease grants beyond one role (issue 16): more roles, extra labels
    // and annotations, a lease limit, the account name template, generated
    // role rules, namespace selectors; and the objects a lease makes beyond
    // its account, first binding and bound Secret.
    const char *steps[] = {
        "ALTER TABLE dynamic_secrets ADD COLUMN extra_roles TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE dynamic_secrets ADD COLUMN extra_labels TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE dynamic_secrets ADD COLUMN extra_annotations TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE dynamic_secrets ADD COLUMN max_leases INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE dynamic_secrets ADD COLUMN name_template TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE dynamic_secrets ADD COLUMN generated_rules TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE dynamic_secrets ADD COLUMN generated_role_type TEXT NOT NULL DEFAULT 'Role'",
        "ALTER TABLE dynamic_secrets ADD COLUMN namespace_selector TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE leases ADD COLUMN extra_objects TEXT NOT NULL DEFAULT '[]'",
    };
    for (const char *sql : steps) {
        if (!exec(QString::fromUtf8(sql), QStringLiteral("create schema version 7")))
            return false;
    }
    return true;
}

bool Database::applyVersion8()
{
    // A JSON array; '' for leases made before (renew then uses the secret's audiences).
    return exec(QStringLiteral("ALTER TABLE leases ADD COLUMN audiences TEXT NOT NULL DEFAULT ''"),
        QStringLiteral("create schema version 8"));
}

} // namespace kms
