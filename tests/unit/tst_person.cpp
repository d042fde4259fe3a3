#include "core/Person.h"

#include <QTest>

using namespace kms;

// Display names: what a person may call themselves in a profile, and how a person is shown.
class TestPerson : public QObject {
    Q_OBJECT
private slots:
    void acceptsNamesPeopleGoBy_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("kept");
        QTest::newRow("plain") << "Alice Doe"
                               << "Alice Doe";
        QTest::newRow("trimmed") << "  Alice Doe \t"
                                 << "Alice Doe";
        QTest::newRow("one letter") << "A"
                                    << "A";
        QTest::newRow("accents and punctuation") << "José O'Brien-Łukasz, Ops"
                                                 << "José O'Brien-Łukasz, Ops";
        QTest::newRow("64 characters") << QString(64, QLatin1Char('x')) << QString(64, QLatin1Char('x'));
        // 64 characters outside the BMP: 128 UTF-16 units, still 64 characters.
        const QString emoji = QString::fromUtf8("\xF0\x9F\x98\x80");
        QTest::newRow("64 emoji") << emoji.repeated(64) << emoji.repeated(64);
    }
    void acceptsNamesPeopleGoBy()
    {
        QFETCH(QString, name);
        QFETCH(QString, kept);
        QCOMPARE(Person::displayNameProblem(name), QString());
        QCOMPARE(Person::normalizedDisplayName(name), kept);
    }

    void refusesNamesThatAreEmptyLongHiddenOrAddresses_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("problem");
        QTest::newRow("empty") << ""
                               << "is empty";
        QTest::newRow("spaces") << "   "
                                << "is empty";
        QTest::newRow("65 characters")
            << QString(65, QLatin1Char('x')) << "has 65 characters; use at most 64";
        QTest::newRow("newline") << "Alice\nDoe"
                                 << "control character";
        QTest::newRow("escape") << "Alice\x1b[31m"
                                << "control character";
        QTest::newRow("right-to-left override") << QStringLiteral("Alice\u202eeoD") << "control character";
        QTest::newRow("line separator") << QStringLiteral("Alice\u2028Doe") << "control character";
        QTest::newRow("user@host") << "bob@desktop"
                                   << "contains '@'";
    }
    void refusesNamesThatAreEmptyLongHiddenOrAddresses()
    {
        QFETCH(QString, name);
        QFETCH(QString, problem);
        const QString said = Person::displayNameProblem(name);
        QVERIFY2(said.contains(problem), qPrintable(said));
    }

    void showsTheNameWithTheActor()
    {
        QCOMPARE(Person::describe(QStringLiteral("alice@laptop"), QStringLiteral("Alice Doe")),
            QStringLiteral("Alice Doe (alice@laptop)"));
        QCOMPARE(Person::describe(QStringLiteral("alice@laptop"), QString()), QStringLiteral("alice@laptop"));
        QCOMPARE(Person::describe(QString(), QStringLiteral("Alice Doe")), QString());
        const PersonNames names({ { QStringLiteral("alice@laptop"), QStringLiteral("Alice Doe") },
            { QStringLiteral("alice@desktop"), QStringLiteral("alice doe") },
            { QStringLiteral("bob@desktop"), QStringLiteral("Bob") } });
        QCOMPARE(names.describe(QStringLiteral("bob@desktop")), QStringLiteral("Bob (bob@desktop)"));
        QCOMPARE(names.describe(QStringLiteral("carol@x")), QStringLiteral("carol@x"));
        QCOMPARE(names.actorsNamed(QStringLiteral("ALICE DOE ")),
            QStringList({ QStringLiteral("alice@desktop"), QStringLiteral("alice@laptop") }));
        QVERIFY(names.actorsNamed(QStringLiteral("Alice")).isEmpty());
        QVERIFY(names.actorsNamed(QString()).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestPerson)
#include "tst_person.moc"
