#include "core/NameTemplate.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

using kms::NameTemplate;

namespace {

const NameTemplate::Inputs Sample { QStringLiteral("ci-deployer"), QStringLiteral("team-a"),
    QStringLiteral("Jane.Doe"), 1767225600 };

QString fixedRandom(int n)
{
    return QString(n, QLatin1Char('r'));
}

} // namespace

class TestNameTemplate : public QObject {
    Q_OBJECT
private slots:
    void renders_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("literal only") << "plain"
                                      << "plain";
        QTest::newRow("values") << "{{secret}}-{{namespace}}-{{unix}}-{{random 5}}"
                                << "ci-deployer-team-a-1767225600-rrrrr";
        QTest::newRow("spaces inside") << "{{  secret  }}"
                                       << "ci-deployer";
        QTest::newRow("user raw") << "{{user}}"
                                  << "Jane.Doe";
        QTest::newRow("lower and replace") << "{{user | lower | replace \".\" \"-\"}}"
                                           << "jane-doe";
        QTest::newRow("truncate") << "{{secret | truncate 2}}"
                                  << "ci";
        QTest::newRow("truncate beyond") << "{{secret | truncate 50}}"
                                         << "ci-deployer";
        QTest::newRow("replace every occurrence") << "{{secret | replace \"e\" \"E\"}}"
                                                  << "ci-dEployEr";
        QTest::newRow("string value") << "{{\"A\\\"b\" | lower}}"
                                      << "a\"b";
        QTest::newRow("replace with nothing") << "{{namespace | replace \"-\" \"\"}}"
                                              << "teama";
        QTest::newRow("chain order") << "{{user | truncate 4 | lower}}"
                                     << "jane";
    }
    void renders()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QString error;
        const auto t = NameTemplate::parse(text, &error);
        QVERIFY2(t, qPrintable(error));
        QCOMPARE(t->render(Sample, fixedRandom), expected);
    }

    void refusesWhatIsNotTheGrammar_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("part");
        QTest::newRow("unclosed") << "a-{{secret"
                                  << "\"{{\" at position 3 is not closed";
        QTest::newRow("stray close") << "a}}"
                                     << "\"}}\" at position 2 closes nothing";
        QTest::newRow("empty action") << "{{ }}"
                                      << "is empty";
        QTest::newRow("unknown value") << "{{ host }}"
                                       << "\"host\" at position 4 is not a value";
        QTest::newRow("helper first") << "{{ lower }}"
                                      << "\"lower\" at position 4 is not a value";
        QTest::newRow("value as helper") << "{{ secret | user }}"
                                         << "\"user\" at position 13 is not a helper";
        QTest::newRow("random without number") << "{{random}}"
                                               << "random at position";
        QTest::newRow("random zero") << "{{random 0}}"
                                     << "give 1 to 32 characters";
        QTest::newRow("random too long") << "{{random 33}}"
                                         << "give 1 to 32 characters";
        QTest::newRow("huge number") << "{{random 99999999999}}"
                                     << "too large";
        QTest::newRow("truncate without number") << "{{secret | truncate}}"
                                                 << "truncate at position";
        QTest::newRow("replace one string") << "{{secret | replace \"a\"}}"
                                            << "needs a \"string\"";
        QTest::newRow("replace empty") << "{{secret | replace \"\" \"x\"}}"
                                       << "has nothing to replace";
        QTest::newRow("unclosed string") << "{{ \"abc }}"
                                         << "is not closed with \"";
        QTest::newRow("dangling pipe") << "{{ secret | }}"
                                       << "followed by nothing";
        QTest::newRow("two values") << "{{ secret namespace }}"
                                    << "expected \"|\" or \"}}\"";
        QTest::newRow("go template dot") << "{{ .DisplayName }}"
                                         << "\".\" at position 4";
        QTest::newRow("control character") << "{{ \x1b }}"
                                           << "\"\\x1b\" at position 4";
        QTest::newRow("too long") << QString(2000, QLatin1Char('a')) << "longer than 1024";
    }
    void refusesWhatIsNotTheGrammar()
    {
        QFETCH(QString, text);
        QFETCH(QString, part);
        QString error;
        QVERIFY(!NameTemplate::parse(text, &error));
        QVERIFY2(error.contains(part), qPrintable(error));
        QVERIFY2(error.endsWith(QLatin1Char('.')), qPrintable(error));
        QVERIFY2(!error.contains(QChar(0x1b)), qPrintable(error));
    }

    void countsOnlyRandomCharactersThatSurvive_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("random");
        QTest::newRow("none") << "{{secret}}" << 0;
        QTest::newRow("one") << "{{random 6}}" << 6;
        QTest::newRow("two parts") << "{{random 3}}-{{random 4}}" << 7;
        QTest::newRow("truncated") << "{{random 8 | truncate 2}}" << 2;
        QTest::newRow("lower keeps") << "{{random 8 | lower}}" << 8;
        QTest::newRow("replace may cut") << "{{random 8 | replace \"b\" \"\"}}" << 0;
    }
    void countsOnlyRandomCharactersThatSurvive()
    {
        QFETCH(QString, text);
        QFETCH(int, random);
        QCOMPARE(NameTemplate::parse(text, nullptr)->guaranteedRandom(), random);
    }

    void checksEveryNameASecretCanGetAtSaveTime_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("namespaces");
        QTest::addColumn<bool>("any");
        QTest::addColumn<QString>("part"); // empty: fine
        const QStringList two { "team-a", "team-b" };
        QTest::newRow("the default shape") << "kms-{{secret}}-{{random 5}}" << two << false << "";
        QTest::newRow("with namespace, list") << "{{namespace}}-{{random 6}}" << two << false << "";
        QTest::newRow("namespace, any, too long")
            << "{{namespace}}-{{random 6}}" << QStringList() << true << "for a namespace of 63 characters";
        QTest::newRow("namespace, any, truncated")
            << "{{namespace | truncate 40}}-{{random 6}}" << QStringList() << true << "";
        QTest::newRow("no random") << "kms-{{secret}}" << two << false << "at least 5 random characters";
        QTest::newRow("too little random") << "kms-{{random 4}}" << two << false << "at least 5 random";
        QTest::newRow("upper case literal") << "KMS-{{random 5}}" << two << false << "is not a valid name";
        QTest::newRow("long user")
            << "{{user}}-{{secret}}-{{random 20}}" << two << false
            << "for namespace \"team-a\" and user \"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu\"";
        QTest::newRow("user, lowered") << "{{user | lower | truncate 20}}-{{random 8}}" << two << false << "";
        QTest::newRow("ends with a dash") << "{{random 5}}-" << two << false << "is not a valid name";
        QTest::newRow("parse error") << "{{random 5" << two << false << "is not closed";
    }
    void checksEveryNameASecretCanGetAtSaveTime()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, namespaces);
        QFETCH(bool, any);
        QFETCH(QString, part);
        const QString problem
            = NameTemplate::check(text, QStringLiteral("ci-deployer"), namespaces, any, "jane");
        if (part.isEmpty())
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        else
            QVERIFY2(problem.contains(part), qPrintable(problem));
    }

    void refusesARealNameTheSamplesDidNotForesee()
    {
        QString error;
        NameTemplate::Inputs in = Sample;
        const QString ok = NameTemplate::nameFor(
            QStringLiteral("{{user | lower | replace \".\" \"-\"}}-{{random 5}}"), in, &error);
        QVERIFY2(QRegularExpression(QStringLiteral("^jane-doe-[a-z0-9]{5}$")).match(ok).hasMatch(),
            qPrintable(ok));
        const QString bad = NameTemplate::nameFor(QStringLiteral("{{user}}-{{random 5}}"), in, &error);
        QVERIFY(bad.isEmpty());
        QVERIFY2(error.contains("gives \"Jane.Doe-") && error.contains("for user \"Jane.Doe\""),
            qPrintable(error));
    }

    void randomPartsDiffer()
    {
        const auto t = NameTemplate::parse(QStringLiteral("x-{{random 8}}"), nullptr);
        QSet<QString> seen;
        for (int i = 0; i < 100; ++i) {
            const QString name = t->render(Sample);
            QVERIFY2(QRegularExpression(QStringLiteral("^x-[b-z2-9]{8}$")).match(name).hasMatch(),
                qPrintable(name));
            seen.insert(name);
        }
        QCOMPARE(seen.size(), 100);
    }
};

QTEST_GUILESS_MAIN(TestNameTemplate)
#include "tst_nametemplate.moc"
