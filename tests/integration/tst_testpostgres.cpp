#include "TestSupport.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace kms;

// The test run's PostgreSQL server (packaging/test-postgres.sh) is what the
// team-profile tests stand on: it answers, makes and drops databases, and
// asks kms_password_user for a password while trusting its admin.
class TestTestPostgres : public QObject {
    Q_OBJECT
private slots:
    void serverAnswersAndMakesDatabases()
    {
        KMS_REQUIRE_POSTGRES();
        QString error;
        QVERIFY2(test::TestPostgres::adminExec(QStringLiteral("SELECT 1"), &error), qPrintable(error));
        const QString url = test::TestPostgres::createDatabase(&error);
        QVERIFY2(!url.isEmpty(), qPrintable(error));
        const QString name = url.section(QLatin1Char('/'), -1);
        const auto exists = [&] {
            QSqlQuery q(QSqlDatabase::database(QStringLiteral("kms-test-admin")));
            if (!q.exec(QStringLiteral("SELECT count(*) FROM pg_database WHERE datname = '%1'").arg(name))
                || !q.next())
                return -1;
            return q.value(0).toInt();
        };
        QCOMPARE(exists(), 1);
        QSqlQuery version(QSqlDatabase::database(QStringLiteral("kms-test-admin")));
        QVERIFY(version.exec(QStringLiteral("SHOW server_version_num")) && version.next());
        // DROP DATABASE ... WITH (FORCE) needs 13.
        QVERIFY2(version.value(0).toInt() >= 130000, qPrintable(version.value(0).toString()));
        test::TestPostgres::dropDatabase(url);
        QCOMPARE(exists(), 0);
    }

    void passwordRoleNeedsItsPassword()
    {
        KMS_REQUIRE_POSTGRES();
        QString error;
        test::TestPostgres::adminExec(QStringLiteral("DROP ROLE IF EXISTS kms_password_user"));
        QVERIFY2(test::TestPostgres::adminExec(
                     QStringLiteral("CREATE ROLE kms_password_user LOGIN PASSWORD 'right-one'"), &error),
            qPrintable(error));
        const QUrl admin(test::TestPostgres::adminUrl());
        const auto connect = [&](const QString &password) {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("pw-check"));
            db.setHostName(admin.host());
            db.setPort(admin.port());
            db.setDatabaseName(QStringLiteral("postgres"));
            db.setUserName(QStringLiteral("kms_password_user"));
            db.setPassword(password);
            const bool ok = db.open();
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(QStringLiteral("pw-check"));
            return ok;
        };
        QVERIFY(!connect(QString()));
        QVERIFY(!connect(QStringLiteral("wrong")));
        QVERIFY(connect(QStringLiteral("right-one")));
        test::TestPostgres::adminExec(QStringLiteral("DROP ROLE kms_password_user"));
    }
};

QTEST_GUILESS_MAIN(TestTestPostgres)
#include "tst_testpostgres.moc"
