// The gateway's own token file is outside input: whatever is in it, only a
// token that can go into "Authorization: Bearer" is used, and no file can
// make the read block or grow without bound.
#include "gatewayserver/ServiceAccountTokenFile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace kms;

class TestServiceAccountTokenFile : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &data)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size())
            return {};
        return path;
    }

private slots:
    void usesATokenWithItsLineBreak()
    {
        const ServiceAccountTokenFile file(write(QStringLiteral("good"), "eyJhbGciOi.abc-def_123\n"));
        QCOMPARE(file.token(), QByteArray("eyJhbGciOi.abc-def_123"));
        QVERIFY(file.problem().isEmpty());
    }

    void refusesWhatIsNotAToken_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("empty") << QByteArray("\n");
        QTest::newRow("two lines") << QByteArray("abc\ndef\n");
        QTest::newRow("space") << QByteArray("abc def");
        QTest::newRow("carriage return") << QByteArray("abc\rImpersonate-User:system:admin");
        QTest::newRow("control character") << QByteArray("abc\x01"
                                                         "def");
        QTest::newRow("not ASCII") << QByteArray("abc\xc3\xa9"
                                                 "def");
        QTest::newRow("over 16 KiB") << QByteArray(20 * 1024, 'a');
    }
    void refusesWhatIsNotAToken()
    {
        QFETCH(QByteArray, content);
        const ServiceAccountTokenFile file(write(QStringLiteral("bad"), content));
        QVERIFY(file.token().isEmpty());
        const QString problem = file.problem();
        QVERIFY2(!problem.isEmpty(), "a bad token file was taken as a token");
        QVERIFY2(!problem.contains(QLatin1String("abc")), qPrintable(problem));
    }

    // /dev/zero has no end and a FIFO without a writer would block the open:
    // both are answered at once.
    void devicesAndFifosAreBounded()
    {
        QElapsedTimer timer;
        timer.start();
        const ServiceAccountTokenFile zero(QStringLiteral("/dev/zero"));
        QVERIFY(zero.token().isEmpty());
        QVERIFY2(zero.problem().contains(QLatin1String("larger than 64 KiB")), qPrintable(zero.problem()));

        const QString fifo = m_dir.filePath(QStringLiteral("fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        const ServiceAccountTokenFile pipe(fifo);
        QVERIFY(pipe.token().isEmpty());
        QVERIFY(!pipe.problem().isEmpty());
        QVERIFY2(timer.elapsed() < 5000, "reading the token file blocked");
    }
};

QTEST_GUILESS_MAIN(TestServiceAccountTokenFile)
#include "tst_serviceaccounttokenfile.moc"
