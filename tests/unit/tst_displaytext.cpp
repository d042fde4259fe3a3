// Outside values quoted in messages: control characters become escapes.
#include "core/DisplayText.h"

#include <QTest>

using namespace kms;

class TestDisplayText : public QObject {
    Q_OBJECT

private slots:
    void escapesControlCharacters_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << "deploy-1"
                               << "deploy-1";
        QTest::newRow("newline") << "a\nb"
                                 << "a\\nb";
        QTest::newRow("carriage return") << "a\r\nb"
                                         << "a\\r\\nb";
        QTest::newRow("tab") << "a\tb"
                             << "a\\tb";
        QTest::newRow("terminal colour") << "\x1b[31mred\x1b[0m"
                                         << "\\x1b[31mred\\x1b[0m";
        QTest::newRow("title and bell") << "\x1b]0;owned\x07"
                                        << "\\x1b]0;owned\\x07";
        QTest::newRow("nul and delete") << QString::fromLatin1("a\0b\x7f", 4) << "a\\x00b\\x7f";
        QTest::newRow("c1 control") << QString(QChar(0x9b)) + "2J"
                                    << "\\u{009b}2J";
        QTest::newRow("bidi override") << QString::fromUtf8("a\u202Eb") << "a\\u{202e}b";
        QTest::newRow("line separator") << QString::fromUtf8("a\u2028b") << "a\\u{2028}b";
        QTest::newRow("letters and emoji stay")
            << QString::fromUtf8("Zoë 😀 名前") << QString::fromUtf8("Zoë 😀 名前");
        QTest::newRow("backslash stays") << "a\\nb"
                                         << "a\\nb";
    }
    void escapesControlCharacters()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QCOMPARE(escapeControls(text), expected);
        // Escaping again changes nothing, so a message can be escaped where it is printed too.
        QCOMPARE(escapeControls(escapeControls(text)), expected);
        QCOMPARE(quoted(text), QLatin1Char('"') + expected + QLatin1Char('"'));
    }
};

QTEST_GUILESS_MAIN(TestDisplayText)
#include "tst_displaytext.moc"
