#include "core/Names.h"

#include <QTest>

using kms::Names;

class TestNames : public QObject {
    Q_OBJECT
private slots:
    void dns1123Label_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("valid");
        QTest::newRow("simple") << "default" << true;
        QTest::newRow("dash") << "kube-system" << true;
        QTest::newRow("digits first") << "123-abc" << true;
        QTest::newRow("single char") << "a" << true;
        QTest::newRow("63 chars") << QString(63, QLatin1Char('a')) << true;
        QTest::newRow("64 chars") << QString(64, QLatin1Char('a')) << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("upper case") << "Default" << false;
        QTest::newRow("leading dash") << "-abc" << false;
        QTest::newRow("trailing dash") << "abc-" << false;
        QTest::newRow("dot") << "a.b" << false;
        QTest::newRow("underscore") << "a_b" << false;
        QTest::newRow("space") << "a b" << false;
        QTest::newRow("non-ascii") << QStringLiteral("caf\u00e9") << false;
    }
    void dns1123Label()
    {
        QFETCH(QString, value);
        QFETCH(bool, valid);
        QCOMPARE(Names::isDns1123Label(value), valid);
        const QStringList errors = Names::dns1123LabelErrors(value);
        QCOMPARE(errors.isEmpty(), valid);
        if (!valid && value.size() <= Names::MaxLabelLength)
            QVERIFY2(
                errors.constFirst().startsWith(QStringLiteral("a lowercase RFC 1123 label must consist")),
                qPrintable(errors.join(QLatin1Char('|'))));
    }

    void dns1123Subdomain_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("valid");
        QTest::newRow("simple") << "builder" << true;
        QTest::newRow("dots") << "example.com" << true;
        QTest::newRow("253 chars") << (QString(61, QLatin1Char('a')) + QStringLiteral(".")).repeated(4)
                + QStringLiteral("abcde")
                                   << true;
        QTest::newRow("254 chars") << QString(254, QLatin1Char('a')) << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("double dot") << "a..b" << false;
        QTest::newRow("leading dot") << ".a" << false;
        QTest::newRow("label ends with dash") << "a-.b" << false;
        QTest::newRow("upper case") << "Builder" << false;
        QTest::newRow("colon") << "system:sa" << false;
    }
    void dns1123Subdomain()
    {
        QFETCH(QString, value);
        QFETCH(bool, valid);
        QCOMPARE(Names::isDns1123Subdomain(value), valid);
        QCOMPARE(Names::dns1123SubdomainErrors(value).isEmpty(), valid);
    }

    void messagesAreTheApiServers()
    {
        QCOMPARE(Names::dns1123LabelErrors(QString(64, QLatin1Char('a'))).constFirst(),
            QStringLiteral("must be no more than 63 characters"));
        QCOMPARE(Names::dns1123LabelErrors(QStringLiteral("A")).constFirst(),
            QStringLiteral("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
                           "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                           "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
        QCOMPARE(Names::dns1123SubdomainErrors(QStringLiteral("A")).constFirst(),
            QStringLiteral(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                "'-' or '.', and must start and end with an alphanumeric character (e.g. "
                "'example.com', regex used for validation is "
                "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
        QCOMPARE(Names::invalidValue(QStringLiteral("A_b"), { QStringLiteral("x"), QStringLiteral("y") }),
            QStringLiteral("Invalid value: \"A_b\": x; y"));
    }

    void pathSegment_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QStringList>("errors");
        QTest::newRow("plain") << "view" << QStringList();
        QTest::newRow("colon allowed") << "system:aggregate-to-edit" << QStringList();
        QTest::newRow("dot") << "." << QStringList { QStringLiteral("may not be '.'") };
        QTest::newRow("dot dot") << ".." << QStringList { QStringLiteral("may not be '..'") };
        QTest::newRow("slash") << "a/b" << QStringList { QStringLiteral("may not contain '/'") };
        QTest::newRow("percent") << "a%b" << QStringList { QStringLiteral("may not contain '%'") };
    }
    void pathSegment()
    {
        QFETCH(QString, value);
        QFETCH(QStringList, errors);
        QCOMPARE(Names::pathSegmentErrors(value), errors);
    }

    // For people: the first rule broken, in a few words, the value's
    // characters quoted and escaped.
    void problemsInWords_data()
    {
        QTest::addColumn<bool>("subdomain");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("problem");
        QTest::newRow("valid label") << false << "team-a"
                                     << "";
        QTest::newRow("valid subdomain") << true << "ci.deployer"
                                         << "";
        QTest::newRow("empty") << false << ""
                               << "is empty";
        QTest::newRow("upper") << false << "Team"
                               << "has upper case letters; use lower case letters, digits and '-'";
        QTest::newRow("underscore") << false << "a_b"
                                    << "contains \"_\"; use lower case letters, digits and '-'";
        QTest::newRow("dot in label") << false << "a.b"
                                      << "contains \".\"; use lower case letters, digits and '-'";
        QTest::newRow("control") << false << "a\x1b[2Jb"
                                 << "contains \"\\x1b\"; use lower case letters, digits and '-'";
        QTest::newRow("dash end") << false << "ci-"
                                  << "must start and end with a letter or digit";
        QTest::newRow("too long") << false << QString(64, QLatin1Char('a'))
                                  << "is 64 characters long; at most 63 characters are allowed";
        QTest::newRow("subdomain empty part") << true << "a..b"
                                              << "has an empty part between dots";
        QTest::newRow("subdomain dash by dot")
            << true << "a-.b"
            << "must start and end with a letter or digit, around each '.' too";
    }
    void problemsInWords()
    {
        QFETCH(bool, subdomain);
        QFETCH(QString, value);
        QFETCH(QString, problem);
        QCOMPARE(subdomain ? Names::subdomainProblem(value) : Names::labelProblem(value), problem);
        // The same verdict as the API server's rules.
        QCOMPARE(
            problem.isEmpty(), subdomain ? Names::isDns1123Subdomain(value) : Names::isDns1123Label(value));
    }
};

QTEST_GUILESS_MAIN(TestNames)
#include "tst_names.moc"
