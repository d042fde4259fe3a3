#include "store/Database.h"

#include "store/PostgresUrl.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlField>
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

// The same schema in PostgreSQL, step by step. Times and ids are BIGINT
// (SQLite's INTEGER is 64-bit, PostgreSQL's is not); flags stay integers, so
// one query text serves both. The append-only rules are plpgsql triggers,
// TRUNCATE included.
const char *const PgVersion1[] = {
    R"(CREATE TABLE environments (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL,
            slug TEXT NOT NULL UNIQUE,
            position INTEGER NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL))",
    // SQLite's name UNIQUE COLLATE NOCASE.
    "CREATE UNIQUE INDEX environments_name_nocase ON environments (lower(name))",
    R"(CREATE TABLE dynamic_secrets (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            environment_id BIGINT NOT NULL REFERENCES environments(id) ON DELETE RESTRICT,
            name TEXT NOT NULL,
            default_ttl BIGINT NOT NULL CHECK (default_ttl > 0),
            max_ttl BIGINT NOT NULL CHECK (max_ttl > 0),
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
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            UNIQUE (environment_id, name)))",
    R"(CREATE TABLE leases (
            id TEXT PRIMARY KEY,
            secret_id BIGINT NOT NULL REFERENCES dynamic_secrets(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('static', 'bound_static', 'dynamic')),
            namespace TEXT NOT NULL,
            service_account TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT,
            created_by TEXT NOT NULL,
            state TEXT NOT NULL CONSTRAINT leases_state_check
                CHECK (state IN ('provisioning', 'active', 'revoking', 'revoked', 'expired', 'cleanup_failed',
                                 'failed')),
            token_jti TEXT NOT NULL DEFAULT '',
            failure_reason TEXT NOT NULL DEFAULT '',
            requested_ttl BIGINT NOT NULL DEFAULT 0,
            binding_name TEXT NOT NULL DEFAULT '',
            binding_kind TEXT NOT NULL DEFAULT '',
            bound_secret_name TEXT NOT NULL DEFAULT '',
            created_service_account INTEGER NOT NULL DEFAULT 0,
            cleanup_attempts INTEGER NOT NULL DEFAULT 0,
            next_cleanup_at BIGINT))",
    "CREATE INDEX leases_by_secret ON leases(secret_id, created_at)",
    "CREATE INDEX leases_by_state ON leases(state, expires_at)",
    "CREATE INDEX leases_by_expiry ON leases(expires_at)",
    R"(CREATE TABLE audit_events (
            seq BIGINT PRIMARY KEY,
            at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            secret_name TEXT NOT NULL DEFAULT '',
            lease_id TEXT NOT NULL DEFAULT '',
            namespace TEXT NOT NULL DEFAULT '',
            service_account TEXT NOT NULL DEFAULT '',
            jti TEXT NOT NULL DEFAULT '',
            expires_at BIGINT,
            detail TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL))",
    "CREATE INDEX audit_events_by_secret ON audit_events(secret_name, seq)",
    "CREATE INDEX audit_events_by_lease ON audit_events(lease_id, seq)",
    R"(CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq BIGINT NOT NULL,
            hash TEXT NOT NULL))",
    R"(CREATE FUNCTION kms_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$)",
    R"(CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
           FOR EACH ROW EXECUTE FUNCTION kms_audit_append_only())",
    R"(CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
           FOR EACH STATEMENT EXECUTE FUNCTION kms_audit_append_only())",
    R"(CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
           FOR EACH ROW EXECUTE FUNCTION kms_audit_append_only())",
    R"(CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
           FOR EACH STATEMENT EXECUTE FUNCTION kms_audit_append_only())",
};

const char *const PgVersion2[] = {
    R"(CREATE TABLE gateways (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            ca_pem TEXT NOT NULL,
            client_cert_pem TEXT NOT NULL,
            created_at BIGINT NOT NULL))",
};

// PostgreSQL changes a CHECK constraint in place (SQLite rebuilds the table).
const char *const PgVersion3[] = {
    "ALTER TABLE leases DROP CONSTRAINT leases_state_check",
    R"(ALTER TABLE leases ADD CONSTRAINT leases_state_check
           CHECK (state IN ('provisioning', 'active', 'revoking', 'revoked', 'released', 'expired',
                            'cleanup_failed', 'failed')))",
    "ALTER TABLE leases ADD COLUMN closed_by TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE leases ADD COLUMN closed_at BIGINT",
    "UPDATE leases SET state = 'released' WHERE kind = 'static' AND state = 'revoked'",
};

const char *const PgVersion6[] = {
    R"(CREATE TABLE audit_keys (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            actor TEXT NOT NULL,
            public_key TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            UNIQUE (actor, public_key)))",
    "ALTER TABLE audit_events ADD COLUMN key_id BIGINT REFERENCES audit_keys(id)",
    "ALTER TABLE audit_events ADD COLUMN signature TEXT NOT NULL DEFAULT ''",
    R"(CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            log_id TEXT NOT NULL,
            unsigned_until BIGINT NOT NULL))",
    R"(CREATE FUNCTION kms_audit_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               IF NEW.seq IS DISTINCT FROM (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events) THEN
                   RAISE EXCEPTION 'the audit log is append-only';
               END IF;
               RETURN NEW;
           END $$)",
    R"(CREATE TRIGGER audit_events_in_order BEFORE INSERT ON audit_events
           FOR EACH ROW EXECUTE FUNCTION kms_audit_in_order())",
    R"(CREATE FUNCTION kms_audit_head_first_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               IF EXISTS (SELECT 1 FROM audit_head) THEN
                   RAISE EXCEPTION 'the audit log is append-only';
               END IF;
               RETURN NEW;
           END $$)",
    R"(CREATE TRIGGER audit_head_first_only BEFORE INSERT ON audit_head
           FOR EACH ROW EXECUTE FUNCTION kms_audit_head_first_only())",
    R"(CREATE FUNCTION kms_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
               IF NEW.id IS DISTINCT FROM OLD.id OR NEW.seq IS DISTINCT FROM OLD.seq + 1
                  OR NOT EXISTS (SELECT 1 FROM audit_events
                                 WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash) THEN
                   RAISE EXCEPTION 'the audit log is append-only';
               END IF;
               RETURN NEW;
           END $$)",
    R"(CREATE TRIGGER audit_head_no_update BEFORE UPDATE ON audit_head
           FOR EACH ROW EXECUTE FUNCTION kms_audit_head_forward())",
    R"(CREATE TRIGGER audit_keys_no_update BEFORE UPDATE OR DELETE ON audit_keys
           FOR EACH ROW EXECUTE FUNCTION kms_audit_append_only())",
    R"(CREATE TRIGGER audit_keys_no_truncate BEFORE TRUNCATE ON audit_keys
           FOR EACH STATEMENT EXECUTE FUNCTION kms_audit_append_only())",
    R"(CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
           FOR EACH ROW EXECUTE FUNCTION kms_audit_append_only())",
    R"(CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
           FOR EACH STATEMENT EXECUTE FUNCTION kms_audit_append_only())",
};

// Schema 10 in PostgreSQL. kms_lease_open records a new lease before its first
// cluster call: it takes the lease's advisory lock (LeaseLock's key) for the
// caller's session, checks that the secret is still the definition the lease
// was planned from (updated_at, when given; its row locked: FOR UPDATE when leases are
// counted against a limit, so counts of one secret take turns, else FOR
// SHARE, so an edit waits for the row), counts live leases as
// LeaseRepository::liveCount does, inserts the row, notifies, registers the
// caller's audit key and returns the audit head the commit will sign against.
// kms_lease_commit is the compare-and-set of a lease's state with its audit
// event: under the append lock (AuditLog's), only if the head is still the
// one the event was signed against ('moved' otherwise, nothing written, the
// caller signs again), only if the row is still in the expected state (and
// token), then the event, the head, the notification and, when asked, the
// lease's advisory lock released. The rows are given as JSON objects of
// column -> value (jsonb_populate_record), so both calls take every column.
const char *const PgVersion10[] = {
    R"(CREATE FUNCTION kms_lease_open(p_lease jsonb, p_secret_updated_at bigint, p_limit integer,
                                      p_now bigint, p_actor text, p_public_key text)
           RETURNS TABLE (outcome text, live integer, head_seq bigint, head_hash text, key_id bigint)
           LANGUAGE plpgsql AS $$
           DECLARE
               v_id text := p_lease->>'id';
               v_secret bigint := (p_lease->>'secret_id')::bigint;
               v_lock bigint := hashtextextended('kms-lease:' || (p_lease->>'id'), 0);
               v_updated bigint;
               v_live integer := 0;
               v_key bigint;
           BEGIN
               IF NOT pg_try_advisory_lock(v_lock) THEN
                   RETURN QUERY SELECT 'locked'::text, 0, NULL::bigint, NULL::text, NULL::bigint;
                   RETURN;
               END IF;
               IF p_limit > 0 THEN
                   SELECT updated_at INTO v_updated FROM dynamic_secrets WHERE id = v_secret FOR UPDATE;
               ELSE
                   SELECT updated_at INTO v_updated FROM dynamic_secrets WHERE id = v_secret FOR SHARE;
               END IF;
               IF v_updated IS NULL OR v_updated <> COALESCE(p_secret_updated_at, v_updated) THEN
                   PERFORM pg_advisory_unlock(v_lock);
                   RETURN QUERY SELECT 'secret_changed'::text, 0, NULL::bigint, NULL::text, NULL::bigint;
                   RETURN;
               END IF;
               IF p_limit > 0 THEN
                   SELECT count(*) INTO v_live FROM leases
                       WHERE secret_id = v_secret
                         AND (state = 'provisioning'
                              OR (token_jti != '' AND expires_at > p_now
                                  AND state IN ('active', 'revoking', 'cleanup_failed', 'released')));
                   IF v_live >= p_limit THEN
                       PERFORM pg_advisory_unlock(v_lock);
                       RETURN QUERY SELECT 'limit'::text, v_live, NULL::bigint, NULL::text, NULL::bigint;
                       RETURN;
                   END IF;
               END IF;
               INSERT INTO leases SELECT * FROM jsonb_populate_record(NULL::leases, p_lease);
               PERFORM pg_notify('kms_leases', v_id);
               IF p_public_key <> '' THEN
                   INSERT INTO audit_keys (actor, public_key, created_at) VALUES (p_actor, p_public_key, p_now)
                       ON CONFLICT (actor, public_key) DO NOTHING;
                   SELECT id INTO v_key FROM audit_keys WHERE actor = p_actor AND public_key = p_public_key;
               END IF;
               RETURN QUERY SELECT 'inserted'::text, v_live, h.seq, h.hash, v_key
                   FROM (SELECT 1) AS one LEFT JOIN audit_head AS h ON h.id = 1;
           END $$)",
    R"(CREATE FUNCTION kms_lease_commit(p_id text, p_expected_state text, p_expected_jti text,
                                        p_lease jsonb, p_event jsonb, p_unlock boolean)
           RETURNS TABLE (outcome text, head_seq bigint, head_hash text)
           LANGUAGE plpgsql AS $$
           DECLARE
               v_seq bigint;
               v_hash text;
           BEGIN
               IF p_event IS NOT NULL THEN
                   PERFORM pg_advisory_xact_lock(4934995, 2);
                   SELECT seq, hash INTO v_seq, v_hash FROM audit_head WHERE id = 1;
                   IF COALESCE(v_seq, 0) <> (p_event->>'seq')::bigint - 1
                      OR COALESCE(v_hash, '') <> p_event->>'prev_hash' THEN
                       RETURN QUERY SELECT 'moved'::text, v_seq, v_hash;
                       RETURN;
                   END IF;
               END IF;
               UPDATE leases AS l SET
                   secret_id = r.secret_id, kind = r.kind, namespace = r.namespace,
                   service_account = r.service_account, created_at = r.created_at,
                   expires_at = r.expires_at, created_by = r.created_by, state = r.state,
                   token_jti = r.token_jti, failure_reason = r.failure_reason,
                   requested_ttl = r.requested_ttl, binding_name = r.binding_name,
                   binding_kind = r.binding_kind, bound_secret_name = r.bound_secret_name,
                   created_service_account = r.created_service_account,
                   cleanup_attempts = r.cleanup_attempts, next_cleanup_at = r.next_cleanup_at,
                   closed_by = r.closed_by, closed_at = r.closed_at,
                   service_account_uid = r.service_account_uid, binding_uid = r.binding_uid,
                   bound_secret_uid = r.bound_secret_uid, extra_objects = r.extra_objects,
                   audiences = r.audiences
               FROM jsonb_populate_record(NULL::leases, p_lease) AS r
               WHERE l.id = p_id AND l.state = p_expected_state
                 AND (p_expected_jti = '' OR l.token_jti = p_expected_jti);
               IF NOT FOUND THEN
                   RETURN QUERY SELECT 'conflict'::text, v_seq, v_hash;
                   RETURN;
               END IF;
               PERFORM pg_notify('kms_leases', p_id);
               IF p_event IS NOT NULL THEN
                   INSERT INTO audit_events SELECT * FROM jsonb_populate_record(NULL::audit_events, p_event);
                   IF v_seq IS NULL THEN
                       INSERT INTO audit_head (id, seq, hash)
                           VALUES (1, (p_event->>'seq')::bigint, p_event->>'hash');
                   ELSE
                       UPDATE audit_head SET seq = (p_event->>'seq')::bigint, hash = p_event->>'hash'
                           WHERE id = 1;
                   END IF;
               END IF;
               IF p_unlock THEN
                   PERFORM pg_advisory_unlock(hashtextextended('kms-lease:' || p_id, 0));
               END IF;
               RETURN QUERY SELECT 'done'::text, (p_event->>'seq')::bigint, p_event->>'hash';
           END $$)",
};

// Advisory lock keys (class, object) of this program in a shared PostgreSQL database.
constexpr int LockClass = 0x4b4d53; // "KMS"
constexpr int MigrationLock = 1;

// PostgreSQL's message without its "ERROR:  " prefix, on one line:
// "duplicate key value violates unique constraint ... (Key (name)=(x) already exists.)".
QString describePostgres(const QSqlError &error)
{
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        return error.text().simplified();
    QStringList parts;
    for (QString line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        line = line.trimmed();
        for (const char *prefix : { "ERROR:", "FATAL:", "DETAIL:", "HINT:" }) {
            if (line.startsWith(QLatin1String(prefix))) {
                line = line.mid(int(qstrlen(prefix))).trimmed();
                break;
            }
        }
        // The driver appends the SQLSTATE in parentheses on a line of its own.
        if (line.startsWith(QLatin1Char('(')) && line.endsWith(QLatin1Char(')')) && line.size() == 7)
            continue;
        if (!line.isEmpty())
            parts << line;
    }
    QString out = parts.value(0);
    if (parts.size() > 1)
        out += QStringLiteral(" (%1)").arg(parts.mid(1).join(QLatin1Char(' ')));
    return out;
}

QString describe(const QSqlError &error, Database::Backend backend)
{
    if (backend == Database::Backend::PostgreSQL)
        return describePostgres(error);
    QString text = error.databaseText();
    if (text.isEmpty())
        text = error.text();
    return text;
}

// libpq's first line, without its severity: "server closed the connection
// unexpectedly", "connection to server at "h", port p failed: database "d"
// is not currently accepting connections", ...
QString connectionDetail(const QSqlError &error)
{
    QString detail = describePostgres(error).section(QLatin1Char('('), 0, 0).trimmed();
    static const QRegularExpression severity(QStringLiteral("\\b(FATAL|ERROR):\\s+"));
    detail.replace(severity, QString());
    if (detail.endsWith(QLatin1Char('.')))
        detail.chop(1);
    return detail;
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
    m_backend = Backend::SQLite;
    m_dataDir = QDir(dataDir).absolutePath();
    m_location = filePath();
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

    // The connection's handles live in this block only: close() removes the
    // connection, which Qt refuses while a handle to it exists.
    const bool connected = [&] {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
        db.setDatabaseName(filePath());
        // Another program's write is waited for up to 30 s, as PostgreSQL's lock_timeout.
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=30000"));
        if (!db.open()) {
            m_lastError = QStringLiteral("Cannot open the database %1: %2.")
                              .arg(filePath(), describe(db.lastError(), m_backend));
            return false;
        }
        QFile::setPermissions(filePath(), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QSqlQuery wal(db);
        if (!wal.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !wal.next()
            || wal.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
            m_lastError = QStringLiteral("Cannot switch the database %1 to WAL mode: %2.")
                              .arg(filePath(), describe(wal.lastError(), m_backend));
            return false;
        }
        return true;
    }();
    if (!connected
        || !exec(QStringLiteral("PRAGMA foreign_keys=ON"), QStringLiteral("enable foreign keys"))) {
        close();
        return false;
    }
    if (!migrate()) {
        close();
        return false;
    }
    return true;
}

bool Database::openPostgres(const PostgresUrl &url, const QByteArray &password)
{
    close();
    m_backend = Backend::PostgreSQL;
    m_dataDir.clear();
    m_location = QStringLiteral("postgresql://") + url.identity();
    m_server = (url.host().contains(QLatin1Char(':')) ? QLatin1Char('[') + url.host() + QLatin1Char(']')
                                                      : url.host())
        + QLatin1Char(':') + QString::number(url.port());
    m_serverHost = url.host();
    m_serverPort = url.port();
    m_lost = false;
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        m_lastError = QStringLiteral("Cannot open the team profile %1: Qt's PostgreSQL driver (QPSQL) is not "
                                     "installed; install libqt6sql6-psql (Debian, Ubuntu) or your system's "
                                     "Qt 6 PostgreSQL plugin.")
                          .arg(m_location);
        return false;
    }
    const bool opened = [&] {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
        db.setHostName(url.host());
        db.setPort(url.port());
        db.setUserName(url.user());
        db.setDatabaseName(url.database());
        db.setConnectOptions(url.connectOptions());
        if (!password.isEmpty())
            db.setPassword(QString::fromUtf8(password));
        const bool ok = db.open();
        db.setPassword(QString()); // not kept beyond the connection attempt
        if (!ok)
            m_lastError = QStringLiteral("Cannot connect to the team profile's database %1: %2; check that "
                                         "the server runs and accepts this user, and the URL (--database or "
                                         "HANZO_KMS_DATABASE_URL).")
                              .arg(m_location, describe(db.lastError(), m_backend));
        return ok;
    }();
    if (!opened) {
        close();
        return false;
    }
    if (!setUpSession()) {
        close();
        return false;
    }
    if (!migrate()) {
        close();
        return false;
    }
    return true;
}

bool Database::setUpSession()
{
    // Quiet the server's NOTICEs; fail a statement stuck behind a lock rather than hang.
    return exec(QStringLiteral("SET client_min_messages = warning"), QStringLiteral("set up the session"))
        && exec(QStringLiteral("SET lock_timeout = '30s'"), QStringLiteral("set up the session"));
}

QString Database::unreachableMessage(const QString &detail) const
{
    return QStringLiteral(
        "Cannot reach the team profile's database server %1 (%2): %3; check that PostgreSQL "
        "runs there and that this computer can reach it.")
        .arg(m_server, m_location, detail);
}

void Database::markLost(const QString &detail)
{
    m_lostDetail = detail;
    if (m_lost)
        return;
    m_lost = true;
    if (m_lostHandler)
        m_lostHandler();
}

void Database::setUnreachableDetail(const QString &detail)
{
    if (m_lost && !detail.isEmpty())
        m_lostDetail = detail;
}

bool Database::connectionFailed(const QSqlError &error)
{
    if (m_backend != Backend::PostgreSQL)
        return false;
    if (!m_lost) {
        if (!QSqlDatabase::contains(m_connectionName) || connection().isOpen())
            return false;
        // libpq's first line says why: "server closed the connection unexpectedly",
        // "terminating connection due to administrator command", ...
        const QString detail = connectionDetail(error);
        markLost(detail.isEmpty() ? QStringLiteral("the server ended the connection") : detail);
    }
    m_lastError = unreachableMessage();
    return true;
}

bool Database::checkConnection()
{
    if (m_backend != Backend::PostgreSQL)
        return true;
    if (m_lost)
        return false;
    if (!QSqlDatabase::contains(m_connectionName) || connection().isOpen())
        return true;
    markLost(QStringLiteral("the server ended the connection"));
    return false;
}

bool Database::reconnect(const QByteArray &password)
{
    if (m_backend != Backend::PostgreSQL || !QSqlDatabase::contains(m_connectionName)) {
        m_lastError = QStringLiteral("Only a team profile's database connects again.");
        return false;
    }
    const bool opened = [&] {
        QSqlDatabase db = connection();
        db.close();
        if (!password.isEmpty())
            db.setPassword(QString::fromUtf8(password));
        const bool ok = db.open();
        db.setPassword(QString()); // not kept beyond the connection attempt
        if (!ok) {
            const QString detail = connectionDetail(db.lastError());
            m_lostDetail = detail.isEmpty() ? QStringLiteral("the server does not answer") : detail;
        }
        return ok;
    }();
    m_depth = 0;
    if (!opened) {
        m_lost = true;
        m_lastError = unreachableMessage();
        return false;
    }
    m_lost = false;
    return setUpSession();
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
    m_lost = false;
}

bool Database::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName) && connection().isOpen();
}

QString Database::filePath() const
{
    if (m_backend != Backend::SQLite)
        return {};
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

QString Database::greatest(const QString &a, const QString &b) const
{
    return QStringLiteral("%1(%2, %3)")
        .arg(m_backend == Backend::PostgreSQL ? QStringLiteral("greatest") : QStringLiteral("max"), a, b);
}

QSqlDatabase Database::connection() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

int Database::schemaVersion() const
{
    QSqlQuery q(connection());
    if (m_backend == Backend::PostgreSQL) {
        // No kms_schema table yet: an empty database, version 0 (migrate() checks it is empty).
        if (!q.exec(QStringLiteral("SELECT to_regclass('kms_schema') IS NOT NULL")) || !q.next())
            return -1;
        if (!q.value(0).toBool())
            return 0;
        if (!q.exec(QStringLiteral("SELECT version FROM kms_schema WHERE id = 1")) || !q.next())
            return -1;
        return q.value(0).toInt();
    }
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

void Query::addBindValue(const QVariant &value)
{
    if (m_inline)
        m_values.append(value);
    else
        QSqlQuery::addBindValue(value);
}

QVariantList Query::boundValues() const
{
    return m_inline ? m_values : QSqlQuery::boundValues();
}

Query Database::prepare(const QString &sql)
{
    Query q(connection());
    // Results are read once, front to back: without this the driver keeps a
    // copy of every row read so far (100,000 leases at start-up).
    q.setForwardOnly(true);
    if (m_backend == Backend::PostgreSQL) {
        q.m_inline = true;
        q.m_sql = sql;
        return q;
    }
    if (!q.prepare(sql))
        m_lastError
            = QStringLiteral("Database error preparing a query: %1.").arg(describe(q.lastError(), m_backend));
    return q;
}

namespace {

// The statement with each ? outside quotes replaced by its value as an SQL
// literal, formatted by the driver (quotes doubled, NULL for a null value).
std::optional<QString> inlineValues(const QString &sql, const QVariantList &values, const QSqlDriver *driver)
{
    QString out;
    out.reserve(sql.size() + 16 * values.size());
    qsizetype next = 0;
    QChar quote;
    for (const QChar c : sql) {
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            out += c;
        } else if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            quote = c;
            out += c;
        } else if (c == QLatin1Char('?')) {
            if (next >= values.size())
                return std::nullopt;
            const QVariant &value = values.at(next++);
            QSqlField field(QString(), value.metaType());
            if (value.isNull())
                field.clear();
            else
                field.setValue(value);
            out += driver->formatValue(field);
        } else {
            out += c;
        }
    }
    if (next != values.size())
        return std::nullopt;
    return out;
}

} // namespace

bool Database::exec(Query &query, const QString &what)
{
    // Text columns are NOT NULL: the driver would bind a null QString as NULL, so bind "" instead.
    // Flags are integer columns in both backends: PostgreSQL refuses TRUE for an integer.
    const auto normalised = [](const QVariant &v) -> QVariant {
        if (v.metaType() == QMetaType::fromType<QString>() && v.toString().isNull())
            return QStringLiteral("");
        if (v.metaType() == QMetaType::fromType<bool>())
            return v.toBool() ? 1 : 0;
        return v;
    };
    if (m_lost) {
        query.m_values.clear();
        m_lastError = unreachableMessage();
        return false;
    }
    if (query.m_inline) {
        QVariantList values;
        for (const QVariant &v : std::as_const(query.m_values))
            values << normalised(v);
        // As with a prepared statement, the next run binds its values afresh.
        query.m_values.clear();
        const std::optional<QString> sql = inlineValues(query.m_sql, values, connection().driver());
        if (!sql) {
            m_lastError = QStringLiteral("Database error (%1): the statement has %2 value(s) for other "
                                         "placeholders.")
                              .arg(what)
                              .arg(values.size());
            return false;
        }
        ++m_statements;
        if (query.exec(*sql))
            return true;
        if (connectionFailed(query.lastError()))
            return false;
        m_lastError
            = QStringLiteral("Database error (%1): %2.").arg(what, describe(query.lastError(), m_backend));
        return false;
    }
    const QVariantList bound = query.QSqlQuery::boundValues();
    for (qsizetype i = 0; i < bound.size(); ++i) {
        const QMetaType type = bound.at(i).metaType();
        if (type == QMetaType::fromType<QString>() || type == QMetaType::fromType<bool>())
            query.bindValue(int(i), normalised(bound.at(i)));
    }
    ++m_statements;
    if (query.exec())
        return true;
    m_lastError
        = QStringLiteral("Database error (%1): %2.").arg(what, describe(query.lastError(), m_backend));
    return false;
}

bool Database::exec(const QString &sql, const QString &what)
{
    if (m_lost) {
        m_lastError = unreachableMessage();
        return false;
    }
    QSqlQuery q(connection());
    ++m_statements;
    if (q.exec(sql))
        return true;
    if (connectionFailed(q.lastError()))
        return false;
    m_lastError = QStringLiteral("Database error (%1): %2.").arg(what, describe(q.lastError(), m_backend));
    return false;
}

bool Database::transaction(const std::function<bool()> &work, Lock lock)
{
    const bool outer = m_depth == 0;
    const QString savepoint = QStringLiteral("kms_sp_%1").arg(++m_savepoint);
    // SQLite: IMMEDIATE takes the write lock up front, so two processes never
    // deadlock upgrading a read lock. PostgreSQL locks rows as they are
    // written; a snapshot read sees one consistent state of the database.
    QString begin;
    if (m_backend == Backend::PostgreSQL)
        begin = lock == Lock::Write ? QStringLiteral("BEGIN")
                                    : QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    else
        begin = lock == Lock::Write ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN DEFERRED");
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

bool Database::setSchemaVersion(int version)
{
    if (m_backend == Backend::PostgreSQL) {
        Query q = prepare(QStringLiteral("UPDATE kms_schema SET version = ? WHERE id = 1"));
        q.addBindValue(version);
        return exec(q, QStringLiteral("set schema version"));
    }
    return exec(
        QStringLiteral("PRAGMA user_version = %1").arg(version), QStringLiteral("set schema version"));
}

bool Database::migrate()
{
    if (m_backend != Backend::PostgreSQL)
        return migrateLocked();
    // At this version already (every command but the first after an upgrade):
    // nothing to migrate, whatever another program does, since versions only
    // grow and each step commits with its version.
    if (schemaVersion() == SchemaVersion)
        return true;
    // Several desktops may open a new team database at once: one migrates, the others wait and find it done.
    if (!exec(QStringLiteral("SELECT pg_advisory_lock(%1, %2)").arg(LockClass).arg(MigrationLock),
            QStringLiteral("wait for other programs migrating the database")))
        return false;
    const bool ok = migrateLocked();
    const QString error = m_lastError;
    exec(QStringLiteral("SELECT pg_advisory_unlock(%1, %2)").arg(LockClass).arg(MigrationLock),
        QStringLiteral("release the migration lock"));
    m_lastError = error;
    return ok;
}

bool Database::migrateLocked()
{
    const int version = schemaVersion();
    if (version < 0) {
        m_lastError = m_backend == Backend::PostgreSQL
            ? QStringLiteral("Cannot read the schema version of %1: %2")
                  .arg(m_location, describe(connection().lastError(), m_backend))
            : QStringLiteral("Cannot read the schema version of %1; is it a SQLite database?")
                  .arg(filePath());
        return false;
    }
    if (version > SchemaVersion) {
        m_lastError = QStringLiteral("The database %1 has schema version %2, newer than this program's %3; "
                                     "use a newer Hanzo KMS.")
                          .arg(m_location)
                          .arg(version)
                          .arg(SchemaVersion);
        return false;
    }
    if (m_backend == Backend::PostgreSQL && version == 0) {
        // A team profile goes into an empty database only: never mix with someone else's tables.
        Query q = prepare(
            QStringLiteral("SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
                           "n.oid = c.relnamespace "
                           "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p', 'f')"));
        if (!exec(q, QStringLiteral("check that the database is empty")) || !q.next())
            return false;
        if (q.value(0).toLongLong() > 0) {
            m_lastError
                = QStringLiteral("The database %1 already holds tables but is not a Hanzo KMS profile; "
                                 "use an empty database for a team profile.")
                      .arg(m_location);
            return false;
        }
        q.finish();
        const bool made = transaction([&] {
            return exec(QStringLiteral("CREATE TABLE kms_schema (id INTEGER PRIMARY KEY CHECK (id = 1), "
                                       "version INTEGER NOT NULL)"),
                       QStringLiteral("create the schema version"))
                && exec(QStringLiteral("INSERT INTO kms_schema (id, version) VALUES (1, 0)"),
                    QStringLiteral("create the schema version"));
        });
        if (!made) {
            m_lastError = QStringLiteral("Cannot set up %1: %2").arg(m_location, m_lastError);
            return false;
        }
    }
    // One transaction per version step: a failed step leaves the previous version intact.
    const std::function<bool()> steps[]
        = { [this] { return applyVersion1(); }, [this] { return applyVersion2(); },
              [this] { return applyVersion3(); }, [this] { return applyVersion4(); },
              [this] { return applyVersion5(); }, [this] { return applyVersion6(); },
              [this] { return applyVersion7(); }, [this] { return applyVersion8(); },
              [this] { return applyVersion9(); }, [this] { return applyVersion10(); } };
    for (int v = version; v < SchemaVersion;) {
        int reached = v;
        const bool ok = transaction([&] {
            // Another program may have migrated since the version was read; the
            // transaction's write lock (SQLite) or the migration lock (PostgreSQL)
            // keeps it from doing so from here on.
            reached = schemaVersion();
            if (reached < 0)
                return false;
            if (reached != v)
                return true;
            if (!steps[v]() || !setSchemaVersion(v + 1))
                return false;
            reached = v + 1;
            return true;
        });
        if (!ok) {
            m_lastError = QStringLiteral("Cannot migrate %1 to schema version %2: %3")
                              .arg(m_location)
                              .arg(v + 1)
                              .arg(m_lastError);
            return false;
        }
        if (reached <= v || reached > SchemaVersion) {
            m_lastError
                = QStringLiteral("The schema version of %1 changed to %2 while this program migrated it "
                                 "to %3; use a newer Hanzo KMS.")
                      .arg(m_location)
                      .arg(reached)
                      .arg(SchemaVersion);
            return false;
        }
        v = reached;
    }
    return true;
}

bool Database::applyVersion1()
{
    const bool pg = m_backend == Backend::PostgreSQL;
    const auto statements = pg ? QList<const char *>(std::begin(PgVersion1), std::end(PgVersion1))
                               : QList<const char *>(std::begin(Version1), std::end(Version1));
    for (const char *sql : statements) {
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
        Query q = prepare(QStringLiteral(
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
    if (m_backend == Backend::PostgreSQL)
        return exec(QString::fromUtf8(PgVersion2[0]), QStringLiteral("create schema version 2"));
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
    if (m_backend == Backend::PostgreSQL) {
        for (const char *sql : PgVersion3) {
            if (!exec(QString::fromUtf8(sql), QStringLiteral("create schema version 3")))
                return false;
        }
        return true;
    }
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
            next_id %1 NOT NULL))")
                    .arg(m_backend == Backend::PostgreSQL ? QStringLiteral("BIGINT")
                                                          : QStringLiteral("INTEGER")),
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
    const bool pg = m_backend == Backend::PostgreSQL;
    const auto statements = pg ? QList<const char *>(std::begin(PgVersion6), std::end(PgVersion6))
                               : QList<const char *>(std::begin(Version6), std::end(Version6));
    for (const char *sql : statements) {
        if (!exec(QString::fromUtf8(sql), QStringLiteral("create schema version 6")))
            return false;
    }
    // Events already in the log stay as they are (hash-chained, unsigned);
    // every event from here on is signed.
    Query q = prepare(QStringLiteral("INSERT INTO audit_log (id, log_id, unsigned_until) "
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

bool Database::applyVersion9()
{
    // The name each person (OS user@host, as leases and audit events record
    // them) goes by in this profile (PeopleRepository). Every change of a
    // name is also an audit event, so the signed chain says who was called what.
    return exec(
        QStringLiteral(R"(CREATE TABLE people (
            actor TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            updated_at %1 NOT NULL))")
            .arg(m_backend == Backend::PostgreSQL ? QStringLiteral("BIGINT") : QStringLiteral("INTEGER")),
        QStringLiteral("create schema version 9"));
}

bool Database::applyVersion10()
{
    // SQLite is on this computer: a statement costs no round trip, so its
    // lease path stays statements in a transaction (LeaseRepository). A team
    // profile's server gets two functions, one call each (issue 14: a lease
    // adds at most 2 round trips to the cluster's): each statement inside a
    // function sees what the statements before it committed or wrote, which
    // one statement of several WITH parts does not.
    if (m_backend != Backend::PostgreSQL)
        return true;
    for (const char *sql : PgVersion10) {
        if (!exec(QString::fromUtf8(sql), QStringLiteral("create schema version 10")))
            return false;
    }
    return true;
}

} // namespace kms
