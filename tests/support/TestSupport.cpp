#include "TestSupport.h"

#include "core/Ed25519.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/PostgresUrl.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUuid>

namespace kms::test {

namespace {

Backend g_backend = Backend::SQLite;

const QString AdminConnection = QStringLiteral("kms-test-admin");

std::optional<PostgresUrl> adminLocation(QString *error)
{
    const QString url = TestPostgres::adminUrl();
    if (url.isEmpty()) {
        if (error)
            *error = TestPostgres::unavailableReason();
        return std::nullopt;
    }
    return PostgresUrl::parse(url, error);
}

// The admin connection, opened on first use.
QSqlDatabase admin(QString *error)
{
    if (QSqlDatabase::contains(AdminConnection)) {
        QSqlDatabase db = QSqlDatabase::database(AdminConnection);
        if (db.isOpen())
            return db;
    }
    const std::optional<PostgresUrl> url = adminLocation(error);
    if (!url)
        return {};
    QSqlDatabase db = QSqlDatabase::contains(AdminConnection)
        ? QSqlDatabase::database(AdminConnection, false)
        : QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), AdminConnection);
    db.setHostName(url->host());
    db.setPort(url->port());
    db.setUserName(url->user());
    db.setDatabaseName(url->database());
    db.setConnectOptions(url->connectOptions());
    if (!db.open()) {
        if (error)
            *error = QStringLiteral("cannot connect to the test server %1: %2")
                         .arg(TestPostgres::adminUrl(), db.lastError().text());
        return {};
    }
    return db;
}

void signWithThrowAwayKey()
{
    // Code under test in this process signs audit events with a throw-away key
    // (hanzo-kmsctl and hanzo-kms load theirs from the keychain).
    if (!AuditLog::hasSigningKey()) {
        std::optional<Ed25519PrivateKey> key = Ed25519PrivateKey::generate();
        if (key)
            AuditLog::setSigningKey(std::make_shared<const Ed25519PrivateKey>(std::move(*key)));
    }
}

} // namespace

void setBackend(Backend backend)
{
    g_backend = backend;
}

Backend backend()
{
    return g_backend;
}

bool TestPostgres::available()
{
    return !adminUrl().isEmpty();
}

QString TestPostgres::unavailableReason()
{
    return QStringLiteral("no PostgreSQL server for tests: KMS_TEST_DATABASE_URL is not set "
                          "(packaging/run-tests.sh starts one with packaging/test-postgres.sh)");
}

QString TestPostgres::adminUrl()
{
    return qEnvironmentVariable("KMS_TEST_DATABASE_URL");
}

bool TestPostgres::adminExec(const QString &sql, QString *error)
{
    QSqlDatabase db = admin(error);
    if (!db.isOpen())
        return false;
    QSqlQuery q(db);
    if (q.exec(sql))
        return true;
    if (error)
        *error = q.lastError().text();
    return false;
}

QString TestPostgres::createDatabase(QString *error)
{
    const std::optional<PostgresUrl> url = adminLocation(error);
    if (!url)
        return {};
    const QString name = QStringLiteral("kms_test_") + QUuid::createUuid().toString(QUuid::Id128).left(16);
    if (!adminExec(QStringLiteral("CREATE DATABASE %1").arg(name), error))
        return {};
    return QStringLiteral("postgresql://%1@%2:%3/%4")
        .arg(url->user(), url->host())
        .arg(url->port())
        .arg(name);
}

void TestPostgres::dropDatabase(const QString &url)
{
    const std::optional<PostgresUrl> parsed = PostgresUrl::parse(url, nullptr);
    if (!parsed || !parsed->database().startsWith(QLatin1String("kms_test_")))
        return;
    adminExec(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(parsed->database()));
}

TempProfile::TempProfile()
    : TempProfile(g_backend)
{
}

TempProfile::TempProfile(Backend backend)
    : m_backend(backend)
{
    qputenv("HANZO_KMS_DATA_DIR", m_dir.path().toUtf8());
    if (m_backend == Backend::PostgreSQL) {
        m_databaseUrl = TestPostgres::createDatabase(&m_error);
        if (m_databaseUrl.isEmpty() && m_error.isEmpty())
            m_error = QStringLiteral("the test database could not be made");
    }
    if (m_databaseUrl.isEmpty())
        qunsetenv("HANZO_KMS_DATABASE_URL");
    else
        qputenv("HANZO_KMS_DATABASE_URL", m_databaseUrl.toUtf8());
    signWithThrowAwayKey();
}

TempProfile::~TempProfile()
{
    if (!m_databaseUrl.isEmpty())
        TestPostgres::dropDatabase(m_databaseUrl);
}

bool TempProfile::open(Database &db) const
{
    if (!m_error.isEmpty()) {
        db.setLastError(m_error);
        return false;
    }
    if (m_backend == Backend::SQLite)
        return db.open(dataDir());
    QString error;
    const std::optional<PostgresUrl> url = PostgresUrl::parse(m_databaseUrl, &error);
    if (!url) {
        db.setLastError(error);
        return false;
    }
    return db.openPostgres(*url);
}

QString TempProfile::keychainService() const
{
    const QString base = CredentialVault::defaultServiceName();
    return m_backend == Backend::PostgreSQL ? base + QStringLiteral("-postgresql") : base;
}

QProcessEnvironment TempProfile::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HANZO_KMS_DATA_DIR"), m_dir.path());
    env.insert(QStringLiteral("HANZO_KMS_KEYCHAIN_SERVICE"), keychainService());
    if (m_databaseUrl.isEmpty())
        env.remove(QStringLiteral("HANZO_KMS_DATABASE_URL"));
    else
        env.insert(QStringLiteral("HANZO_KMS_DATABASE_URL"), m_databaseUrl);
    return env;
}

void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

} // namespace kms::test
