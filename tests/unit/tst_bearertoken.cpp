// What may go into "Authorization: Bearer <token>".
#include "core/BearerToken.h"

#include <QTest>

using namespace kms;

class TestBearerToken : public QObject {
    Q_OBJECT

private slots:
    void acceptsVisibleAsciiWords_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::newRow("jwt") << QByteArray("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_");
        QTest::newRow("legacy") << QByteArray("abcdef.0123456789abcdef");
        QTest::newRow("every visible character")
            << QByteArray("!\"#$%&'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~");
        QTest::newRow("longest") << QByteArray(BearerToken::MaxBytes, 'a');
    }
    void acceptsVisibleAsciiWords()
    {
        QFETCH(QByteArray, token);
        QVERIFY2(BearerToken::isValid(token), qPrintable(BearerToken::problem(token)));
    }

    void refusesEverythingElse_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QString>("expected");
        const QString words = QStringLiteral("contains spaces, line breaks");
        QTest::newRow("empty") << QByteArray() << "is empty";
        QTest::newRow("too long") << QByteArray(BearerToken::MaxBytes + 1, 'a') << "is longer than 16 KiB";
        QTest::newRow("header injection") << QByteArray("abc\r\nImpersonate-User: system:admin") << words;
        QTest::newRow("line feed") << QByteArray("abc\ndef") << words;
        QTest::newRow("space") << QByteArray("abc def") << words;
        QTest::newRow("leading space") << QByteArray(" abc") << words;
        QTest::newRow("tab") << QByteArray("abc\tdef") << words;
        QTest::newRow("nul") << QByteArray("abc\0def", 7) << words;
        QTest::newRow("escape") << QByteArray("abc\x1b[2J") << words;
        QTest::newRow("delete") << QByteArray("abc\x7f") << words;
        QTest::newRow("utf-8") << QByteArray("t\xc3\xb6ken") << words;
    }
    void refusesEverythingElse()
    {
        QFETCH(QByteArray, token);
        QFETCH(QString, expected);
        const QString problem = BearerToken::problem(token);
        QVERIFY2(problem.startsWith(expected), qPrintable(problem));
        QVERIFY(!BearerToken::isValid(token));
        // The message never repeats the token.
        QVERIFY(!problem.contains(QStringLiteral("abc")));
    }
};

QTEST_GUILESS_MAIN(TestBearerToken)
#include "tst_bearertoken.moc"
