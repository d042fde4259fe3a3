// hanzo-kms's command line: --version and --help answer without a display and
// say what they should; anything else it does not know is refused.
#include "KmsTestPaths.h"
#include "core/BuildInfo.h"

#include <QProcess>
#include <QTest>

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
    QString describe() const
    {
        return QStringLiteral("exit %1\nstdout: %2\nstderr: %3").arg(exitCode).arg(out, err);
    }
};

// display: "offscreen" (Qt's headless platform) or "none" (no platform, no display at all).
Run runGui(const QStringList &args, const QString &display)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : { "QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY" })
        env.remove(QString::fromLatin1(name));
    if (display == QLatin1String("offscreen"))
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(KMS_GUI_PATH), args);
    Run result;
    if (!process.waitForFinished(30'000)) {
        process.kill();
        process.waitForFinished();
        result.err = QStringLiteral("hanzo-kms %1 did not finish within 30 s").arg(args.join(u' '));
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    result.err = QString::fromLocal8Bit(process.readAllStandardError());
    return result;
}

} // namespace

class TestGuiVersion : public QObject {
    Q_OBJECT
private slots:
    void versionPrintsVersionAndLibraries_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("display");
        for (const char *flag : { "--version", "-v" }) {
            for (const char *display : { "offscreen", "none" })
                QTest::addRow("%s, display %s", flag, display)
                    << QString::fromLatin1(flag) << QString::fromLatin1(display);
        }
    }

    void versionPrintsVersionAndLibraries()
    {
        QFETCH(QString, flag);
        QFETCH(QString, display);
        const Run version = runGui({ flag }, display);
        QVERIFY2(version.exitCode == 0, qPrintable(version.describe()));
        // "hanzo-kms 0.1.0 (Qt 6.4.2, QtKeychain 0.13.2, OpenSSL 3.0.x ...)", once.
        QCOMPARE(version.out, kms::BuildInfo::versionLine(QStringLiteral("hanzo-kms")) + u'\n');
        QVERIFY2(version.out.startsWith(
                     QStringLiteral("hanzo-kms ") + kms::BuildInfo::version() + QStringLiteral(" (Qt 6.")),
            qPrintable(version.out));
        QVERIFY(version.out.contains(QLatin1String(", QtKeychain ")));
        QVERIFY(version.out.contains(QLatin1String(", OpenSSL 3.")));
    }

    // With Qt's own options on the line the GUI application parses them: here
    // it is given a platform, so no display is needed either.
    void versionAfterQtOptions()
    {
        const Run version = runGui(
            { QStringLiteral("-platform"), QStringLiteral("offscreen"), QStringLiteral("--version") },
            QStringLiteral("none"));
        QVERIFY2(version.exitCode == 0, qPrintable(version.describe()));
        QCOMPARE(version.out, kms::BuildInfo::versionLine(QStringLiteral("hanzo-kms")) + u'\n');
    }

    void helpListsEveryOption_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("display");
        for (const char *flag : { "--help", "-h" }) {
            for (const char *display : { "offscreen", "none" })
                QTest::addRow("%s, display %s", flag, display)
                    << QString::fromLatin1(flag) << QString::fromLatin1(display);
        }
    }

    void helpListsEveryOption()
    {
        QFETCH(QString, flag);
        QFETCH(QString, display);
        const Run help = runGui({ flag }, display);
        QVERIFY2(help.exitCode == 0, qPrintable(help.describe()));
        QVERIFY2(help.out.startsWith(QLatin1String("Usage: ")), qPrintable(help.out));
        QVERIFY(help.out.contains(QLatin1String("[options]")));
        QVERIFY(help.out.contains(QLatin1String("dynamic secrets and short-lived Kubernetes tokens")));
        for (const char *option : { "-h, --help", "--help-all", "-v, --version" })
            QVERIFY2(help.out.contains(QString::fromLatin1(option)), qPrintable(help.out));
    }

    // --help-all adds Qt's GUI options, so it starts the GUI application (offscreen here).
    void helpAllAddsQtGuiOptions()
    {
        const Run help = runGui({ QStringLiteral("--help-all") }, QStringLiteral("offscreen"));
        QVERIFY2(help.exitCode == 0, qPrintable(help.describe()));
        QVERIFY2(help.out.contains(QLatin1String("-v, --version")), qPrintable(help.out));
        QVERIFY2(help.out.contains(QLatin1String("--platform")), qPrintable(help.out));
        QVERIFY2(help.out.contains(QLatin1String("--qmljsdebugger")), qPrintable(help.out));
    }

    void unknownOptionIsRefusedWithItsName_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("named");
        QTest::newRow("long") << QStringList { QStringLiteral("--no-such-option") }
                              << QStringLiteral("no-such-option");
        QTest::newRow("short") << QStringList { QStringLiteral("-Z") } << QStringLiteral("Z");
        QTest::newRow("with --version") << QStringList { QStringLiteral("--version"),
            QStringLiteral("--bogus") } << QStringLiteral("bogus");
    }

    void unknownOptionIsRefusedWithItsName()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, named);
        const Run refused = runGui(args, QStringLiteral("offscreen"));
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("Unknown option '%1'").arg(named)),
            qPrintable(refused.describe()));
        QVERIFY2(refused.out.isEmpty(), qPrintable(refused.describe()));
    }
};

QTEST_GUILESS_MAIN(TestGuiVersion)
#include "tst_guiversion.moc"
