#include "core/LabelSelector.h"

#include <QJsonDocument>
#include <QTest>

using kms::LabelSelector;

class TestLabelSelector : public QObject {
    Q_OBJECT
private slots:
    void matchesAsKubernetesDoes_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<QString>("labels"); // "k=v,k=v"
        QTest::addColumn<bool>("matches");
        QTest::newRow("equals") << "env=dev"
                                << "env=dev,team=a" << true;
        QTest::newRow("double equals") << "env==dev"
                                       << "env=dev" << true;
        QTest::newRow("equals, other value") << "env=dev"
                                             << "env=prod" << false;
        QTest::newRow("equals, missing") << "env=dev"
                                         << "team=a" << false;
        QTest::newRow("not equals") << "env!=prod"
                                    << "env=dev" << true;
        QTest::newRow("not equals, missing label") << "env!=prod"
                                                   << "" << true;
        QTest::newRow("in") << "team in (a,b)"
                            << "team=b" << true;
        QTest::newRow("in, spaces") << "team in ( a , b )"
                                    << "team=a" << true;
        QTest::newRow("in, not listed") << "team in (a,b)"
                                        << "team=c" << false;
        QTest::newRow("notin") << "team notin (a,b)"
                               << "team=c" << true;
        QTest::newRow("notin, missing label") << "team notin (a)"
                                              << "" << true;
        QTest::newRow("exists") << "team"
                                << "team=x" << true;
        QTest::newRow("exists, missing") << "team"
                                         << "env=dev" << false;
        QTest::newRow("does not exist") << "!team"
                                        << "env=dev" << true;
        QTest::newRow("greater") << "tier>2"
                                 << "tier=3" << true;
        QTest::newRow("greater, not a number") << "tier>2"
                                               << "tier=x" << false;
        QTest::newRow("less") << "tier<2"
                              << "tier=1" << true;
        QTest::newRow("all must hold") << "team in (a,b),env=dev"
                                       << "team=a,env=prod" << false;
        QTest::newRow("all hold") << "team in (a,b), env=dev"
                                  << "team=a,env=dev" << true;
        QTest::newRow("prefixed key") << "example.com/tier=web"
                                      << "example.com/tier=web" << true;
        QTest::newRow("empty value") << "env="
                                     << "env=" << true;
    }
    void matchesAsKubernetesDoes()
    {
        QFETCH(QString, selector);
        QFETCH(QString, labels);
        QFETCH(bool, matches);
        QString error;
        const auto parsed = LabelSelector::parse(selector, &error);
        QVERIFY2(parsed, qPrintable(error));
        QMap<QString, QString> map;
        for (const QString &pair : labels.split(',', Qt::SkipEmptyParts))
            map.insert(pair.section('=', 0, 0), pair.section('=', 1));
        QCOMPARE(parsed->matches(map), matches);
    }

    void refusesWhatIsNotASelector_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<QString>("part");
        QTest::newRow("empty") << "  "
                               << "it is empty";
        QTest::newRow("unclosed") << "team in (a"
                                  << "the values of \"team\" are not closed with \")\"";
        QTest::newRow("no parentheses") << "team in a"
                                        << "needs its values in parentheses";
        QTest::newRow("empty set") << "team in ()"
                                   << "lists no value";
        QTest::newRow("unknown operator") << "team is a"
                                          << "holds \"is\" where =, ==, !=, in, notin, > or < belongs";
        QTest::newRow("bad key") << "-team=a"
                                 << "the key \"-team\" is not a label key";
        QTest::newRow("bad value") << "team=a/b"
                                   << "the value \"a/b\" of \"team\" is not a label value";
        QTest::newRow("trailing comma") << "team=a,"
                                        << "it ends with \",\"";
        QTest::newRow("two values") << "team=a b"
                                    << "position 8 holds \"b\" where \",\" or the end belongs";
        QTest::newRow("not a number") << "tier>high"
                                      << "\"tier\" compares with \"high\", which is not a whole number";
        QTest::newRow("control character") << "team=\x1b"
                                           << "\\x1b";
        QTest::newRow("too long") << QString(5000, 'a') << "longer than 4096";
    }
    void refusesWhatIsNotASelector()
    {
        QFETCH(QString, selector);
        QFETCH(QString, part);
        QString error;
        QVERIFY(!LabelSelector::parse(selector, &error));
        QVERIFY2(error.startsWith("The namespace selector ") && error.contains(part) && error.endsWith('.'),
            qPrintable(error));
        QVERIFY2(!error.contains(QChar(0x1b)), qPrintable(error));
    }

    void readsAMetav1LabelSelector()
    {
        QString error;
        const QJsonObject selector = QJsonDocument::fromJson(R"({"matchLabels": {"env": "dev"},
            "matchExpressions": [{"key": "team", "operator": "In", "values": ["a", "b"]},
                                 {"key": "legacy", "operator": "DoesNotExist"}]})")
                                         .object();
        QCOMPARE(
            LabelSelector::fromObject(selector, &error).value_or(error), "env=dev,team in (a,b),!legacy");
        QVERIFY(!LabelSelector::fromObject(QJsonDocument::fromJson(R"({"matchExpressions": [{"key": "a",
            "operator": "Gt", "values": ["1"]}]})")
                                               .object(),
            &error));
        QVERIFY2(error.contains("operator \"Gt\""), qPrintable(error));
        QVERIFY(!LabelSelector::fromObject(QJsonObject(), &error));
        QVERIFY2(error.contains("selects nothing"), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestLabelSelector)
#include "tst_labelselector.moc"
