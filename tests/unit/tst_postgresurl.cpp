#include "store/PostgresUrl.h"

#include <QTest>

using namespace kms;

class TestPostgresUrl : public QObject {
    Q_OBJECT
private slots:
    void parsesATeamProfileUrl()
    {
        QString error;
        const std::optional<PostgresUrl> url = PostgresUrl::parse(
            QStringLiteral(
                "postgresql://alice@db.example.com:6543/kms?sslmode=verify-full&sslrootcert=/etc/ca.pem"),
            &error);
        QVERIFY2(url, qPrintable(error));
        QCOMPARE(url->host(), QStringLiteral("db.example.com"));
        QCOMPARE(url->port(), 6543);
        QCOMPARE(url->user(), QStringLiteral("alice"));
        QCOMPARE(url->database(), QStringLiteral("kms"));
        QCOMPARE(url->identity(), QStringLiteral("alice@db.example.com:6543/kms"));
        QCOMPARE(url->passwordKey(), QStringLiteral("postgresql-password/alice@db.example.com:6543/kms"));
        QCOMPARE(url->connectOptions(),
            QStringLiteral("sslmode='verify-full';sslrootcert='/etc/ca.pem';connect_timeout=10"));
        QCOMPARE(url->toString(),
            QStringLiteral(
                "postgresql://alice@db.example.com:6543/kms?sslmode=verify-full&sslrootcert=/etc/ca.pem"));
    }

    void defaultsThePortAndKeepsAGivenTimeout()
    {
        const std::optional<PostgresUrl> url = PostgresUrl::parse(
            QStringLiteral("postgres://[::1]/team%20kms?connect_timeout=3&application_name=it's"), nullptr);
        QVERIFY(url);
        QCOMPARE(url->port(), 5432);
        QCOMPARE(url->host(), QStringLiteral("::1"));
        QCOMPARE(url->user(), QString());
        QCOMPARE(url->database(), QStringLiteral("team kms"));
        QCOMPARE(url->identity(), QStringLiteral("[::1]:5432/team kms"));
        // libpq's quoting: a quote inside a value is escaped, not the end of it.
        QCOMPARE(url->connectOptions(), QStringLiteral("connect_timeout='3';application_name='it\\'s'"));
    }

    void refusesWhatCannotBeUsed_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty") << ""
                               << "give a PostgreSQL URL";
        QTest::newRow("other scheme") << "mysql://u@h/db"
                                      << "not a PostgreSQL URL";
        QTest::newRow("a path") << "/var/lib/kms"
                                << "not a PostgreSQL URL";
        QTest::newRow("password") << "postgresql://alice:hunter2@h/db"
                                  << "must not carry a password";
        QTest::newRow("empty password") << "postgresql://alice:@h/db"
                                        << "must not carry a password";
        QTest::newRow("password parameter") << "postgresql://alice@h/db?password=x"
                                            << "must not carry a password";
        QTest::newRow("no host") << "postgresql:///db"
                                 << "names no host";
        QTest::newRow("no database") << "postgresql://u@h:5432"
                                     << "names no database";
        QTest::newRow("no database, slash") << "postgresql://u@h:5432/"
                                            << "names no database";
        QTest::newRow("two path segments") << "postgresql://u@h/a/b"
                                           << "one database name";
        QTest::newRow("port zero") << "postgresql://u@h:0/db"
                                   << "port";
        QTest::newRow("unknown parameter") << "postgresql://u@h/db?options=-c%20x"
                                           << "\"options\" is not supported";
        QTest::newRow("twice") << "postgresql://u@h/db?sslmode=require&sslmode=disable"
                               << "sslmode twice";
        QTest::newRow("bad sslmode") << "postgresql://u@h/db?sslmode=maybe"
                                     << "sslmode \"maybe\"";
        QTest::newRow("bad timeout") << "postgresql://u@h/db?connect_timeout=0"
                                     << "connect_timeout";
        QTest::newRow("semicolon") << "postgresql://u@h/db?sslrootcert=/a%3Bb"
                                   << "';'";
        QTest::newRow("encoded newline") << "postgresql://u@h/db?application_name=a%0Ab"
                                         << "control characters";
        QTest::newRow("encoded newline in user") << "postgresql://a%0Ab@h/db"
                                                 << "control characters";
        QTest::newRow("space") << "postgresql://u@h/d b"
                               << "spaces or control characters";
        QTest::newRow("escape") << "postgresql://u@h/db\x1b[31m"
                                << "control characters";
        QTest::newRow("password and space") << "postgresql://alice:hunter2 x@h/db"
                                            << "spaces";
        QTest::newRow("mistyped scheme") << "postgresq://alice:hunter2@h/db"
                                         << "not a PostgreSQL URL";
        QTest::newRow("fragment") << "postgresql://u@h/db#x"
                                  << "fragment";
        QTest::newRow("too long") << QStringLiteral("postgresql://u@h/") + QString(3000, QLatin1Char('d'))
                                  << "longer than 2048";
    }
    void refusesWhatCannotBeUsed()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        QString error;
        QVERIFY(!PostgresUrl::parse(text, &error));
        QVERIFY2(error.contains(says), qPrintable(error));
        // One sentence, printable: the text is never echoed with its control characters.
        QVERIFY2(!error.contains(QLatin1Char('\n')) && !error.contains(QChar(0x1b)), qPrintable(error));
        QVERIFY2(!error.contains(QLatin1String("hunter2")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestPostgresUrl)
#include "tst_postgresurl.moc"
