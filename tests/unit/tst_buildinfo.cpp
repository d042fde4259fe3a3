#include "core/BuildInfo.h"

#include <QTest>

class TestBuildInfo : public QObject {
    Q_OBJECT
private slots:
    void versionLineNamesQtKeychainAndOpenSsl()
    {
        const QString line = kms::BuildInfo::versionLine(QStringLiteral("hanzo-kmsctl"));
        QVERIFY2(
            line.startsWith(QStringLiteral("hanzo-kmsctl ") + kms::BuildInfo::version()), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral("Qt 6.")), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral("QtKeychain 0.")), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral("OpenSSL 3.")), qPrintable(line));
    }
};

QTEST_GUILESS_MAIN(TestBuildInfo)
#include "tst_buildinfo.moc"
