#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QTemporaryDir>
#include <QtTest/qtestcase.h>

namespace kms {
class Database;
}

namespace kms::test {

// Bounds on time and memory ("in under a second", "the body is not
// buffered") are checked by the normal build. A sanitized build
// (KMS_SANITIZE) runs several times slower and keeps freed memory in
// quarantine; there the bounds are scaled by this factor, so that build checks
// what it is for (memory errors, undefined behaviour) and still catches a
// bound missed by far.
#ifdef KMS_SANITIZED
constexpr int SanitizerFactor = 5;
#else
constexpr int SanitizerFactor = 1;
#endif

// Where a test profile keeps its data: the SQLite default or a team
// profile's PostgreSQL database on the test run's server.
enum class Backend { SQLite, PostgreSQL };

// The backend new TempProfiles use (KMS_INIT_BACKEND sets it per test row).
void setBackend(Backend backend);
Backend backend();

// The throw-away PostgreSQL server of the test run: packaging/run-tests.sh
// starts one and exports its admin URL as KMS_TEST_DATABASE_URL.
class TestPostgres {
public:
    static bool available();
    // Why there is none, for QSKIP (KMS_REQUIRE_POSTGRES).
    static QString unavailableReason();
    static QString adminUrl();
    // A fresh, empty database; returns its URL (no password), or empty with *error set.
    static QString createDatabase(QString *error);
    static void dropDatabase(const QString &url);
    // One statement as the server's superuser (roles, grants); false with *error set.
    static bool adminExec(const QString &sql, QString *error = nullptr);
};

// A throw-away profile: its own data directory, exported as HANZO_KMS_DATA_DIR
// for the code under test and for child processes; with the PostgreSQL
// backend also a database of its own, exported as HANZO_KMS_DATABASE_URL
// (unset for SQLite). In this process, audit events are signed with a
// throw-away key unless a key was set already.
class TempProfile {
public:
    TempProfile();
    explicit TempProfile(Backend backend);
    ~TempProfile();
    TempProfile(const TempProfile &) = delete;
    TempProfile &operator=(const TempProfile &) = delete;

    Backend backend() const { return m_backend; }
    QString dataDir() const { return m_dir.path(); }
    QString databaseUrl() const { return m_databaseUrl; } // empty for SQLite
    // Empty when the profile is usable; else why not (the database could not be made).
    QString error() const { return m_error; }
    // Opens this profile's database, as the CLI and the GUI would.
    bool open(Database &db) const;
    // The keychain service of this profile's entries: the test's, with
    // "-postgresql" for a team profile, so that secret ids the two backends
    // both hand out (1, 2, ...) never share an entry.
    QString keychainService() const;
    QProcessEnvironment environment() const;

private:
    Backend m_backend;
    QTemporaryDir m_dir;
    QString m_databaseUrl;
    QString m_error;
};

// In initTestCase_data(): every test function runs once per backend
// (global data column "backend": "sqlite", "postgresql").
void addBackendRows();

} // namespace kms::test

// Skips the test, saying why, when the run has no PostgreSQL server.
#define KMS_REQUIRE_POSTGRES()                                                                               \
    do {                                                                                                     \
        if (!kms::test::TestPostgres::available())                                                           \
            QSKIP(qPrintable(kms::test::TestPostgres::unavailableReason()));                                 \
    } while (false)

// In init() of a test with addBackendRows(): the row's backend for new
// TempProfiles; the PostgreSQL rows skip when there is no server.
#define KMS_INIT_BACKEND()                                                                                   \
    do {                                                                                                     \
        QFETCH_GLOBAL(QString, backend);                                                                     \
        const bool kmsPostgres = backend == QLatin1String("postgresql");                                     \
        kms::test::setBackend(kmsPostgres ? kms::test::Backend::PostgreSQL : kms::test::Backend::SQLite);    \
        if (kmsPostgres)                                                                                     \
            KMS_REQUIRE_POSTGRES();                                                                          \
    } while (false)
