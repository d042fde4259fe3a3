#include "core/Duration.h"

#include <QTest>

using kms::Duration;

class TestDuration : public QObject {
    Q_OBJECT
private slots:
    void parsesValidDurations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("seconds");
        QTest::addColumn<QString>("shortest");
        QTest::newRow("seconds") << "90s" << qint64(90) << "1m30s";
        QTest::newRow("minutes") << "10m" << qint64(600) << "10m";
        QTest::newRow("hours") << "1h" << qint64(3600) << "1h";
        QTest::newRow("hours and minutes") << "1h30m" << qint64(5400) << "1h30m";
        QTest::newRow("days") << "2d" << qint64(172800) << "2d";
        QTest::newRow("all units") << "1d2h3m4s" << qint64(93784) << "1d2h3m4s";
        QTest::newRow("plain seconds") << "600" << qint64(600) << "10m";
        QTest::newRow("plain seconds odd") << "3601" << qint64(3601) << "1h1s";
        QTest::newRow("24h is a day") << "24h" << qint64(86400) << "1d";
        QTest::newRow("120m is two hours") << "120m" << qint64(7200) << "2h";
        QTest::newRow("leading zeros") << "010m" << qint64(600) << "10m";
        QTest::newRow("zero part allowed") << "1h0m" << qint64(3600) << "1h";
        QTest::newRow("surrounding spaces") << "  15m " << qint64(900) << "15m";
        QTest::newRow("skipped units") << "1d30s" << qint64(86430) << "1d30s";
        QTest::newRow("one second") << "1" << qint64(1) << "1s";
        QTest::newRow("2^32 seconds") << "4294967296" << qint64(4294967296) << "49710d6h28m16s";
    }
    void parsesValidDurations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, seconds);
        QFETCH(QString, shortest);
        QString error = QStringLiteral("untouched");
        const auto d = Duration::parse(text, &error);
        QVERIFY2(d.has_value(), qPrintable(error));
        QCOMPARE(d->seconds(), seconds);
        QCOMPARE(d->toString(), shortest);
        // The shortest form parses back to the same value.
        const auto again = Duration::parse(shortest);
        QVERIFY(again.has_value());
        QCOMPARE(*again, *d);
    }

    void rejectsInvalidDurations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("empty") << ""
                               << "empty";
        QTest::newRow("blank") << "   "
                               << "empty";
        QTest::newRow("zero") << "0"
                              << "zero";
        QTest::newRow("zero with unit") << "0s"
                                        << "zero";
        QTest::newRow("zero compound") << "0h0m"
                                       << "zero";
        QTest::newRow("negative") << "-5m"
                                  << "negative";
        QTest::newRow("negative seconds") << "-1"
                                          << "negative";
        QTest::newRow("unknown unit") << "5x"
                                      << "unknown unit";
        QTest::newRow("weeks not supported") << "1w"
                                             << "unknown unit";
        QTest::newRow("upper case unit") << "1H"
                                         << "unknown unit";
        QTest::newRow("letters after unit") << "10mabc"
                                            << "unexpected text \"abc\" after \"10m\"";
        QTest::newRow("trailing garbage") << "10m5x"
                                          << "unknown unit \"x\"";
        QTest::newRow("decimal") << "1.5h"
                                 << "unknown unit";
        QTest::newRow("trailing word after space") << "10m later"
                                                   << "unexpected text";
        QTest::newRow("inner space") << "1h 30m"
                                     << "unexpected text";
        QTest::newRow("unit only") << "m"
                                   << "not a duration";
        QTest::newRow("plus sign") << "+5m"
                                   << "not a duration";
        QTest::newRow("number after unit") << "1h30"
                                           << "without a unit";
        QTest::newRow("repeated unit") << "1h1h"
                                       << "out of order";
        QTest::newRow("wrong order") << "30m1h"
                                     << "out of order";
        QTest::newRow("overflow digits") << "99999999999999999999"
                                         << "too large";
        QTest::newRow("overflow by unit") << "9223372036854775807d"
                                          << "too large";
        QTest::newRow("overflow by sum") << "106751991167300d86400s"
                                         << "too large";
    }
    void rejectsInvalidDurations()
    {
        QFETCH(QString, text);
        QFETCH(QString, messagePart);
        QString error;
        const auto d = Duration::parse(text, &error);
        QVERIFY2(!d.has_value(), qPrintable(QString::number(d ? d->seconds() : 0)));
        QVERIFY2(error.contains(messagePart), qPrintable(error));
        QVERIFY2(error.startsWith(QStringLiteral("Duration")), qPrintable(error));
        QVERIFY2(error.endsWith(QLatin1Char('.')), qPrintable(error));
        if (!text.trimmed().isEmpty())
            QVERIFY2(error.contains(QLatin1Char('"') + text + QLatin1Char('"')), qPrintable(error));
    }

    void parseWithoutErrorPointerDoesNotCrash()
    {
        QVERIFY(!Duration::parse(QStringLiteral("bad")).has_value());
    }

    void comparesBySeconds()
    {
        QVERIFY(Duration::fromMinutes(10) == Duration::fromSeconds(600));
        QVERIFY(Duration::fromMinutes(9) < kms::MinimumTtl);
        QVERIFY(Duration::fromHours(1) > kms::MinimumTtl);
        QVERIFY(Duration::fromDays(1) >= Duration::fromHours(24));
        QVERIFY(Duration::fromDays(1) != Duration::fromHours(23));
        QCOMPARE(kms::MinimumTtl.seconds(), qint64(600));
    }

    void formatsZeroAndDefault()
    {
        QCOMPARE(Duration().toString(), QStringLiteral("0s"));
        QVERIFY(Duration().isZero());
    }
};

QTEST_GUILESS_MAIN(TestDuration)
#include "tst_duration.moc"
