#include "Fixtures.h"
#include "TestSupport.h"
#include "store/AuditLog.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/PostgresUrl.h"
#include "store/ProfileLocation.h"
#include "store/SecretRepository.h"

#include <QDir>
#include <QFile>
#include <QSqlQuery>
#include <QTest>

#include <stdexcept>
#include <thread>

using namespace kms;

// The profile's database, in SQLite and in PostgreSQL (a team profile): every
// test runs on both backends (the global "backend" rows).
class TestDatabase : public QObject {
    Q_OBJECT
private:
    static bool postgres() { return test::backend() == test::Backend::PostgreSQL; }
    static QString uniqueViolation()
    {
        return postgres() ? QStringLiteral("duplicate key") : QStringLiteral("UNIQUE");
    }

    static QVariant pragma(Database &db, const char *name)
    {
        QSqlQuery q(db.connection());
        if (!q.exec(QStringLiteral("PRAGMA ") + QLatin1String(name)) || !q.next())
            return {};
        return q.value(0);
    }
    static int rows(Database &db, const char *table)
    {
        QSqlQuery q(db.connection());
        if (!q.exec(QStringLiteral("SELECT count(*) FROM ") + QLatin1String(table)) || !q.next())
            return -1;
        return q.value(0).toInt();
    }

private slots:
    void initTestCase_data() { test::addBackendRows(); }
    void init() { KMS_INIT_BACKEND(); }

    void migratesAnEmptyDatabase()
    {
        test::TempProfile profile;
        if (!postgres()) {
            QFile empty(profile.dataDir() + QStringLiteral("/kms.sqlite"));
            QVERIFY(empty.open(QIODevice::WriteOnly));
        }
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        QCOMPARE(db.schemaVersion(), Database::SchemaVersion);
        if (postgres()) {
            QCOMPARE(db.backend(), Database::Backend::PostgreSQL);
            QCOMPARE(db.location(),
                QStringLiteral("postgresql://")
                    + PostgresUrl::parse(profile.databaseUrl(), nullptr)->identity());
        } else {
            QCOMPARE(pragma(db, "journal_mode").toString(), QStringLiteral("wal"));
            QCOMPARE(pragma(db, "foreign_keys").toInt(), 1);
        }
        const QList<Environment> envs = EnvironmentRepository(db).list();
        QCOMPARE(envs.size(), 3);
        QCOMPARE(envs.at(0).name, QStringLiteral("Development"));
        QCOMPARE(envs.at(1).name, QStringLiteral("Staging"));
        QCOMPARE(envs.at(2).name, QStringLiteral("Production"));
        for (const char *table : { "dynamic_secrets", "leases", "audit_events" })
            QCOMPARE(rows(db, table), 0);
    }

    void createsAPrivateDataDirectory()
    {
        test::TempProfile profile;
        if (postgres()) {
            // A team profile keeps nothing in the data directory.
            Database db;
            QVERIFY2(profile.open(db), qPrintable(db.lastError()));
            QVERIFY(db.dataDir().isEmpty());
            QVERIFY(db.filePath().isEmpty());
            QCOMPARE(
                QDir(profile.dataDir()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
            return;
        }
        const QString dir = profile.dataDir() + QStringLiteral("/nested/profile");
        Database db;
        QVERIFY2(db.open(dir), qPrintable(db.lastError()));
        QVERIFY(QFile::exists(dir + QStringLiteral("/kms.sqlite")));
        QCOMPARE(QFile::permissions(dir)
                & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::ExeOther),
            QFileDevice::Permissions());
        QCOMPARE(QFile::permissions(db.filePath()) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
            QFileDevice::Permissions());
    }

    void reopeningKeepsEverything()
    {
        test::TempProfile profile;
        DynamicSecret secret;
        Lease lease;
        {
            Database db;
            QVERIFY2(profile.open(db), qPrintable(db.lastError()));
            secret = test::dynamicSecret(EnvironmentRepository(db).byName(QStringLiteral("staging"))->id);
            secret.audiences = { QStringLiteral("a"), QStringLiteral("b") };
            secret.caCertificate
                = QStringLiteral("-----BEGIN CERTIFICATE-----\nxyz\n-----END CERTIFICATE-----\n");
            secret.sslVerify = false;
            secret.clusterWide = true;
            QVERIFY2(SecretRepository(db).insert(secret), qPrintable(db.lastError()));
            lease = test::activeLease(secret.id, QDateTime::currentDateTimeUtc());
            QVERIFY2(LeaseRepository(db).insert(lease), qPrintable(db.lastError()));
            AuditEvent e;
            e.kind = AuditEvent::SecretCreated;
            e.secretName = secret.name;
            QVERIFY(AuditLog(db).append(e).has_value());
            Environment extra;
            extra.name = QStringLiteral("QA Lab");
            QVERIFY2(EnvironmentRepository(db).insert(extra), qPrintable(db.lastError()));
        }
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        QCOMPARE(db.schemaVersion(), Database::SchemaVersion);
        QCOMPARE(EnvironmentRepository(db).list().size(), 4); // seeded once, plus the user's
        QCOMPARE(EnvironmentRepository(db).byName(QStringLiteral("qa lab"))->slug, QStringLiteral("qa-lab"));

        const std::optional<DynamicSecret> s = SecretRepository(db).byId(secret.id);
        QVERIFY(s.has_value());
        QCOMPARE(s->name, secret.name);
        QCOMPARE(s->environmentId, secret.environmentId);
        QCOMPARE(s->allowedNamespaces, secret.allowedNamespaces);
        QCOMPARE(s->audiences, secret.audiences);
        QCOMPARE(s->caCertificate, secret.caCertificate);
        QCOMPARE(s->sslVerify, false);
        QCOMPARE(s->clusterWide, true);
        QCOMPARE(s->roleName, secret.roleName);
        QCOMPARE(s->createdAt, secret.createdAt);

        const std::optional<Lease> l = LeaseRepository(db).byId(lease.id);
        QVERIFY(l.has_value());
        QCOMPARE(l->expiresAt, lease.expiresAt);
        QCOMPARE(l->serviceAccount, lease.serviceAccount);
        QCOMPARE(l->state, LeaseState::Active);

        QCOMPARE(AuditLog(db).list().size(), 1);
        QVERIFY(AuditLog(db).verify().intact());
    }

    void upgradeHandsOutSecretIdsAboveTheExistingOnes()
    {
        test::TempProfile profile;
        qint64 highest = 0;
        {
            Database db;
            QVERIFY2(profile.open(db), qPrintable(db.lastError()));
            const qint64 dev = EnvironmentRepository(db).list().first().id;
            for (const char *name : { "one", "two", "three" }) {
                DynamicSecret s = test::staticSecret(dev, QString::fromLatin1(name));
                QVERIFY2(SecretRepository(db).insert(s), qPrintable(db.lastError()));
                highest = s.id;
            }
            // Back to schema version 3, as a profile made before the id sequence
            // (version 4), the lease object uids (version 5), the signed audit
            // log (version 6), what leases grant (version 7), the leases' audiences (version 8),
            // people's display names (version 9) and PostgreSQL's lease functions (version 10).
            const QList<const char *> columns78 = { "DROP TABLE people",
                "ALTER TABLE dynamic_secrets DROP COLUMN extra_roles",
                "ALTER TABLE dynamic_secrets DROP COLUMN extra_labels",
                "ALTER TABLE dynamic_secrets DROP COLUMN extra_annotations",
                "ALTER TABLE dynamic_secrets DROP COLUMN max_leases",
                "ALTER TABLE dynamic_secrets DROP COLUMN name_template",
                "ALTER TABLE dynamic_secrets DROP COLUMN generated_rules",
                "ALTER TABLE dynamic_secrets DROP COLUMN generated_role_type",
                "ALTER TABLE dynamic_secrets DROP COLUMN namespace_selector",
                "ALTER TABLE leases DROP COLUMN extra_objects", "ALTER TABLE leases DROP COLUMN audiences" };
            const QList<const char *> sqlite = columns78
                + QList<const char *> { "DROP TRIGGER audit_events_in_order",
                      "DROP TRIGGER audit_head_first_only", "DROP TRIGGER audit_head_no_update",
                      "DROP TRIGGER audit_keys_no_update", "DROP TRIGGER audit_keys_no_delete",
                      "DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete",
                      "ALTER TABLE audit_events DROP COLUMN signature",
                      "ALTER TABLE audit_events DROP COLUMN key_id", "DROP TABLE audit_log",
                      "DROP TABLE audit_keys", "ALTER TABLE leases DROP COLUMN service_account_uid",
                      "ALTER TABLE leases DROP COLUMN binding_uid",
                      "ALTER TABLE leases DROP COLUMN bound_secret_uid", "DROP TABLE id_sequences",
                      "PRAGMA user_version = 3" };
            const QList<const char *> postgresql = columns78
                + QList<const char *> {
                      "DROP FUNCTION kms_lease_open(jsonb, bigint, integer, bigint, text, text)",
                      "DROP FUNCTION kms_lease_commit(text, text, text, jsonb, jsonb, boolean)",
                      "DROP TRIGGER audit_events_in_order ON audit_events",
                      "DROP TRIGGER audit_head_first_only ON audit_head",
                      "DROP TRIGGER audit_head_no_update ON audit_head", "DROP FUNCTION kms_audit_in_order()",
                      "DROP FUNCTION kms_audit_head_first_only()", "DROP FUNCTION kms_audit_head_forward()",
                      "ALTER TABLE audit_events DROP COLUMN signature",
                      "ALTER TABLE audit_events DROP COLUMN key_id", "DROP TABLE audit_log",
                      "DROP TABLE audit_keys", "ALTER TABLE leases DROP COLUMN service_account_uid",
                      "ALTER TABLE leases DROP COLUMN binding_uid",
                      "ALTER TABLE leases DROP COLUMN bound_secret_uid", "DROP TABLE id_sequences",
                      "UPDATE kms_schema SET version = 3"
                  };
            for (const char *sql : postgres() ? postgresql : sqlite)
                QVERIFY2(
                    db.exec(QString::fromLatin1(sql), QStringLiteral("test")), qPrintable(db.lastError()));
        }
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        QCOMPARE(db.schemaVersion(), Database::SchemaVersion);
        QCOMPARE(SecretRepository(db).reserveId(), highest + 1);
        // Secrets made before version 7 read as they were: one role, no extras, no limit.
        const QList<DynamicSecret> secrets = SecretRepository(db).listAll();
        QCOMPARE(secrets.size(), 3);
        QVERIFY(secrets.first().extraRoles.isEmpty() && secrets.first().extraLabels.isEmpty());
        QCOMPARE(secrets.first().maxLeases, 0);
    }

    void refusesADatabaseFromANewerVersion()
    {
        test::TempProfile profile;
        {
            Database db;
            QVERIFY2(profile.open(db), qPrintable(db.lastError()));
            QVERIFY(db.exec(postgres() ? QStringLiteral("UPDATE kms_schema SET version = 99")
                                       : QStringLiteral("PRAGMA user_version = 99"),
                QStringLiteral("test")));
        }
        Database db;
        QVERIFY(!profile.open(db));
        QVERIFY2(db.lastError().contains(QStringLiteral("newer")), qPrintable(db.lastError()));
        QVERIFY2(db.lastError().contains(
                     postgres() ? profile.databaseUrl().section(QLatin1Char('/'), -1) : profile.dataDir()),
            qPrintable(db.lastError()));
        QVERIFY(!db.isOpen());
    }

    void refusesAFileThatIsNotADatabase()
    {
        test::TempProfile profile;
        if (postgres()) {
            // A team profile never moves into a database that holds someone else's tables.
            {
                Database other;
                QVERIFY2(profile.open(other), qPrintable(other.lastError()));
                QVERIFY(other.exec(QStringLiteral("DROP TABLE kms_schema"), QStringLiteral("test")));
            }
            Database db;
            QVERIFY(!profile.open(db));
            QVERIFY2(db.lastError().contains(QStringLiteral("not a Hanzo KMS profile")),
                qPrintable(db.lastError()));
            QVERIFY(!db.isOpen());
            return;
        }
        {
            QFile garbage(profile.dataDir() + QStringLiteral("/kms.sqlite"));
            QVERIFY(garbage.open(QIODevice::WriteOnly));
            garbage.write(QByteArray(4096, 'x'));
        }
        Database db;
        QVERIFY(!db.open(profile.dataDir()));
        QVERIFY2(db.lastError().contains(QStringLiteral("kms.sqlite")), qPrintable(db.lastError()));
    }

    void enforcesForeignKeys()
    {
        test::TempProfile profile;
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        QVERIFY(!LeaseRepository(db).insert(test::activeLease(4242, QDateTime::currentDateTimeUtc())));
        QVERIFY2(db.lastError().contains(
                     postgres() ? QStringLiteral("foreign key") : QStringLiteral("FOREIGN KEY")),
            qPrintable(db.lastError()));
    }

    void transactionThatFailsMidwayLeavesNothing_data()
    {
        QTest::addColumn<int>("failure"); // 0: work returns false, 1: SQL error, 2: exception
        QTest::newRow("work returns false") << 0;
        QTest::newRow("statement fails") << 1;
        QTest::newRow("exception") << 2;
    }
    void transactionThatFailsMidwayLeavesNothing()
    {
        QFETCH(int, failure);
        test::TempProfile profile;
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        const qint64 env = EnvironmentRepository(db).byName(QStringLiteral("Development"))->id;
        SecretRepository secrets(db);
        LeaseRepository leases(db);
        AuditLog audit(db);

        bool threw = false;
        bool ok = false; // stays false when work throws
        try {
            ok = db.transaction([&] {
                DynamicSecret s = test::staticSecret(env);
                if (!secrets.insert(s))
                    return false;
                if (!leases.insert(test::activeLease(s.id, QDateTime::currentDateTimeUtc())))
                    return false;
                AuditEvent e;
                e.kind = AuditEvent::SecretCreated;
                if (!audit.append(e))
                    return false;
                switch (failure) {
                case 0:
                    return false;
                case 1: {
                    DynamicSecret duplicate = test::staticSecret(env);
                    return secrets.insert(duplicate); // same name: UNIQUE fails
                }
                default:
                    throw std::runtime_error("boom");
                }
            });
        } catch (const std::runtime_error &) {
            threw = true;
        }
        QCOMPARE(threw, failure == 2);
        QVERIFY(!ok);
        if (failure == 1)
            QVERIFY2(db.lastError().contains(uniqueViolation()), qPrintable(db.lastError()));
        QVERIFY(!db.inTransaction());
        QCOMPARE(rows(db, "dynamic_secrets"), 0);
        QCOMPARE(rows(db, "leases"), 0);
        QCOMPARE(rows(db, "audit_events"), 0);
        QCOMPARE(rows(db, "audit_head"), 0);

        // The connection is usable afterwards and the next audit event is seq 1.
        AuditEvent e;
        e.kind = AuditEvent::SecretCreated;
        QCOMPARE(audit.append(e)->seq, qint64(1));
    }

    void nestedFailureRollsBackOnlyTheInnerPart()
    {
        test::TempProfile profile;
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        const qint64 env = EnvironmentRepository(db).byName(QStringLiteral("Development"))->id;
        SecretRepository secrets(db);
        const bool ok = db.transaction([&] {
            DynamicSecret kept = test::staticSecret(env, QStringLiteral("kept"));
            if (!secrets.insert(kept))
                return false;
            const bool inner = db.transaction([&] {
                DynamicSecret dropped = test::staticSecret(env, QStringLiteral("dropped"));
                secrets.insert(dropped);
                return false;
            });
            return !inner;
        });
        QVERIFY(ok);
        QCOMPARE(secrets.namesInEnvironment(env), QStringList { QStringLiteral("kept") });
    }

    // Every command opens the profile: one already at this version is only
    // read (PostgreSQL: no migration lock taken and released, two round trips
    // fewer per command), whatever other programs do meanwhile.
    void openingAProfileAtThisVersionTakesNoMigrationLock()
    {
        test::TempProfile profile;
        {
            Database first;
            QVERIFY2(profile.open(first), qPrintable(first.lastError()));
        }
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        QCOMPARE(db.schemaVersion(), Database::SchemaVersion);
        // PostgreSQL: the session's two settings; SQLite: its one setting.
        QCOMPARE(db.statementsSent(), db.backend() == Database::Backend::PostgreSQL ? 2 : 1);
    }

    void twoProgramsOpeningANewProfileAtOnceMigrateItOnce()
    {
        test::TempProfile profile;
        // Two threads stand for two programs: each its own connection.
        QString errors[2];
        int versions[2] = { 0, 0 };
        std::thread threads[2];
        for (int i = 0; i < 2; ++i) {
            threads[i] = std::thread([&, i] {
                Database db;
                if (!profile.open(db))
                    errors[i] = db.lastError();
                else
                    versions[i] = db.schemaVersion();
            });
        }
        for (std::thread &t : threads)
            t.join();
        QVERIFY2(errors[0].isEmpty(), qPrintable(errors[0]));
        QVERIFY2(errors[1].isEmpty(), qPrintable(errors[1]));
        QCOMPARE(versions[0], Database::SchemaVersion);
        QCOMPARE(versions[1], Database::SchemaVersion);
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        QCOMPARE(EnvironmentRepository(db).list().size(), 3); // seeded once
    }

    void unreachableTeamDatabaseIsOneSentence()
    {
        // Port 1 on this host: nothing listens, the connection is refused at once.
        const std::optional<PostgresUrl> url = PostgresUrl::parse(
            QStringLiteral("postgresql://alice@127.0.0.1:1/kms?connect_timeout=5"), nullptr);
        QVERIFY(url);
        Database db;
        QVERIFY(!db.openPostgres(*url));
        const QString error = db.lastError();
        QVERIFY2(error.startsWith(QStringLiteral("Cannot connect to the team profile's database "
                                                 "postgresql://alice@127.0.0.1:1/kms:")),
            qPrintable(error));
        QVERIFY2(!error.contains(QLatin1Char('\n')), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("--database")), qPrintable(error));
        QVERIFY(!db.isOpen());
    }

    void resolvesATeamProfileFromTheCommandLineOrTheEnvironment()
    {
        const QByteArray saved = qgetenv("HANZO_KMS_DATABASE_URL");
        qunsetenv("HANZO_KMS_DATABASE_URL");
        QString error;
        std::optional<ProfileLocation> l = ProfileLocation::resolve(QStringLiteral("/tmp/p"), {}, &error);
        QVERIFY(l && !l->isTeamProfile());
        QCOMPARE(l->dataDir, QStringLiteral("/tmp/p"));

        qputenv("HANZO_KMS_DATABASE_URL", "postgresql://env@db.example/kms");
        l = ProfileLocation::resolve({}, {}, &error);
        QVERIFY(l && l->isTeamProfile());
        QCOMPARE(l->database->user(), QStringLiteral("env"));
        l = ProfileLocation::resolve({}, QStringLiteral("postgresql://cli@db.example/kms"), &error);
        QVERIFY(l && l->isTeamProfile());
        QCOMPARE(l->database->user(), QStringLiteral("cli")); // the flag wins
        l = ProfileLocation::resolve(QStringLiteral("/tmp/p"), {}, &error);
        QVERIFY(l && !l->isTeamProfile()); // --data-dir beats the environment's URL

        qputenv("HANZO_KMS_DATABASE_URL", "postgresql://env:secret@db.example/kms");
        QVERIFY(!ProfileLocation::resolve({}, {}, &error));
        QVERIFY2(
            error.startsWith(QStringLiteral("HANZO_KMS_DATABASE_URL: the URL must not carry a password")),
            qPrintable(error));
        QVERIFY(!ProfileLocation::resolve({}, QStringLiteral("mysql://x/y"), &error));
        QVERIFY2(error.startsWith(QStringLiteral("--database: ")), qPrintable(error));
        if (saved.isNull())
            qunsetenv("HANZO_KMS_DATABASE_URL");
        else
            qputenv("HANZO_KMS_DATABASE_URL", saved);
    }

    void resolvesTheDataDirectory()
    {
        const QByteArray saved = qgetenv("HANZO_KMS_DATA_DIR");
        qputenv("HANZO_KMS_DATA_DIR", "/tmp/from-env");
        QCOMPARE(Database::resolveDataDir(QStringLiteral("/tmp/from-cli")), QStringLiteral("/tmp/from-cli"));
        QCOMPARE(Database::resolveDataDir(), QStringLiteral("/tmp/from-env"));
        qunsetenv("HANZO_KMS_DATA_DIR");
        const QString fallback = Database::resolveDataDir();
        QVERIFY2(fallback.endsWith(QStringLiteral("/hanzo-kms")) && QDir::isAbsolutePath(fallback),
            qPrintable(fallback));
        qputenv("HANZO_KMS_DATA_DIR", saved);
    }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "tst_database.moc"
