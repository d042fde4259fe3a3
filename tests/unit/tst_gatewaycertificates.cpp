#include "kube/GatewayCertificates.h"

#include <QFileInfo>
#include <QSslCertificateExtension>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;

class TestGatewayCertificates : public QObject {
    Q_OBJECT

private slots:
    void makesACaThatSignsServerAndClient()
    {
        QString error;
        const auto b
            = GatewayCertificates::generate({ QStringLiteral("gw.example.com"), QStringLiteral("10.0.0.7") },
                QStringLiteral("alice"), 30, &error);
        QVERIFY2(b, qPrintable(error));
        const QSslCertificate ca(b->caCertificate), server(b->serverCertificate),
            client(b->clientCertificate);
        QVERIFY(!ca.isNull() && !server.isNull() && !client.isNull());
        QCOMPARE(server.issuerInfo(QSslCertificate::CommonName), ca.subjectInfo(QSslCertificate::CommonName));
        QCOMPARE(client.subjectInfo(QSslCertificate::CommonName), QStringList { QStringLiteral("alice") });
        const auto san = server.subjectAlternativeNames();
        QVERIFY(san.values(QSsl::DnsEntry).contains(QStringLiteral("gw.example.com")));
        QVERIFY(san.values(QSsl::IpAddressEntry).contains(QStringLiteral("10.0.0.7")));
        QVERIFY(server.expiryDate() > QDateTime::currentDateTimeUtc().addDays(29));
        QVERIFY(server.expiryDate() < QDateTime::currentDateTimeUtc().addDays(31));
        QVERIFY(ca.isSelfSigned());
        QVERIFY(!server.isSelfSigned() && !client.isSelfSigned());
        // (That the CA really signs them is shown by the handshakes in tst_gatewayserver.)
        // Keys belong to their certificates and not to the others.
        QVERIFY(GatewayCertificates::keyMatchesCertificate(b->serverKey, server));
        QVERIFY(GatewayCertificates::keyMatchesCertificate(b->clientKey, client));
        QVERIFY(!GatewayCertificates::keyMatchesCertificate(b->clientKey, server));
        QVERIFY(!GatewayCertificates::readPrivateKey(b->clientKey, &error).isNull());
    }

    void rejectsBadInput_data()
    {
        QTest::addColumn<QStringList>("hosts");
        QTest::addColumn<QString>("client");
        QTest::addColumn<int>("days");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no host") << QStringList {} << "c" << 10 << "at least one --host";
        QTest::newRow("bad host") << QStringList { QStringLiteral("bad host!") } << "c" << 10
                                  << "--host \"bad host!\"";
        QTest::newRow("empty host") << QStringList { QString() } << "c" << 10 << "neither a DNS name";
        QTest::newRow("empty client") << QStringList { QStringLiteral("a") } << " " << 10 << "client name";
        QTest::newRow("zero days") << QStringList { QStringLiteral("a") } << "c" << 0 << "--days";
        QTest::newRow("too many days") << QStringList { QStringLiteral("a") } << "c" << 4000 << "--days";
    }

    void rejectsBadInput()
    {
        QFETCH(QStringList, hosts);
        QFETCH(QString, client);
        QFETCH(int, days);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!GatewayCertificates::generate(hosts, client, days, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    void writesFilesWithPrivateKeysAndNeverOverwrites()
    {
        QTemporaryDir dir;
        QString error;
        const auto b
            = GatewayCertificates::generate({ QStringLiteral("localhost") }, QStringLiteral("c"), 1, &error);
        QVERIFY(b);
        const QString out = dir.filePath(QStringLiteral("certs"));
        QVERIFY2(GatewayCertificates::write(*b, out, &error), qPrintable(error));
        for (const QString &name : GatewayCertificates::fileNames()) {
            const QFileInfo info(out + QLatin1Char('/') + name);
            QVERIFY2(info.exists(), qPrintable(name));
            if (name.endsWith(QLatin1String(".key")))
                QCOMPARE(info.permissions()
                        & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                    QFile::Permissions());
        }
        QVERIFY(!GatewayCertificates::write(*b, out, &error));
        QVERIFY2(error.contains(QLatin1String("already exists")), qPrintable(error));
    }

    void readsKeysCarefully_data()
    {
        QTest::addColumn<QByteArray>("pem");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not pem") << QByteArray("hello") << "not a PEM private key";
        QTest::newRow("encrypted") << QByteArray(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
                                   << "encrypted";
        QTest::newRow("damaged") << QByteArray(
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n")
                                 << "could not be read";
    }

    void readsKeysCarefully()
    {
        QFETCH(QByteArray, pem);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(GatewayCertificates::readPrivateKey(pem, &error).isNull());
        QVERIFY2(error.contains(expected), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestGatewayCertificates)
#include "tst_gatewaycertificates.moc"
