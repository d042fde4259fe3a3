// What hanzo-kms-gateway's option values mean: listen addresses, durations,
// sizes and namespace lists, and the defaults a pod gets.
#include "gatewayserver/GatewayOptions.h"

#include <QTest>

using namespace kms;
using namespace std::chrono_literals;

class TestGatewayOptions : public QObject {
    Q_OBJECT

private slots:
    void listenAddresses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("any v4") << "0.0.0.0:8443" << true << "0.0.0.0" << 8443;
        QTest::newRow("loopback, any port") << "127.0.0.1:0" << true << "127.0.0.1" << 0;
        QTest::newRow("bracketed v6") << "[::]:8443" << true << "::" << 8443;
        QTest::newRow("bare v6") << "::1:8081" << true << "::1" << 8081;
        QTest::newRow("highest port") << "10.0.0.1:65535" << true << "10.0.0.1" << 65535;
        QTest::newRow("host name") << "localhost:8443" << false << "" << 0;
        QTest::newRow("no port") << "127.0.0.1" << false << "" << 0;
        QTest::newRow("no host") << ":8443" << false << "" << 0;
        QTest::newRow("port too big") << "127.0.0.1:65536" << false << "" << 0;
        QTest::newRow("port not a number") << "127.0.0.1:https" << false << "" << 0;
        QTest::newRow("empty") << "" << false << "" << 0;
    }

    void listenAddresses()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, host);
        QFETCH(int, port);
        const std::optional<ListenAddress> address = ListenAddress::parse(text);
        QCOMPARE(address.has_value(), valid);
        if (valid) {
            QCOMPARE(address->host, host);
            QCOMPARE(int(address->port), port);
            // What it prints parses back to the same address.
            QCOMPARE(ListenAddress::parse(address->toString()), address);
        }
    }

    void setListenKeepsTheOldValueAndNamesTheFlag()
    {
        GatewayOptions o;
        QString error;
        QVERIFY(!o.setListen(QStringLiteral("--listen"), QStringLiteral("localhost"), &error));
        QCOMPARE(error, QStringLiteral("--listen \"localhost\" is not ADDRESS:PORT."));
        QCOMPARE(o.listen, (ListenAddress { QStringLiteral("0.0.0.0"), 8443 }));
        QVERIFY(o.setListen(QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), &error));
        QCOMPARE(o.listen, (ListenAddress { QStringLiteral("127.0.0.1"), 0 }));
    }

    void healthListenCanBeOff()
    {
        GatewayOptions o;
        // Only where told: loopback unless --health-listen says otherwise.
        QCOMPARE(o.healthListen, (ListenAddress { QStringLiteral("127.0.0.1"), 8081 }));
        QString error;
        QVERIFY(o.setHealthListen(QStringLiteral("--health-listen"), QStringLiteral("off"), &error));
        QVERIFY(!o.healthListen);
        QVERIFY(o.setHealthListen(QStringLiteral("--health-listen"), QStringLiteral("[::1]:0"), &error));
        QCOMPARE(o.healthListen, (ListenAddress { QStringLiteral("::1"), 0 }));
        QVERIFY(!o.setHealthListen(QStringLiteral("--health-listen"), QStringLiteral("no"), &error));
        QCOMPARE(error, QStringLiteral("--health-listen \"no\" is not ADDRESS:PORT or off."));
        QCOMPARE(o.healthListen, (ListenAddress { QStringLiteral("::1"), 0 }));
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("reapValid");
        QTest::addColumn<bool>("timeoutValid");
        QTest::addColumn<qint64>("seconds");
        QTest::newRow("seconds") << "30s" << true << true << qint64(30);
        QTest::newRow("minutes") << "5m" << true << true << qint64(300);
        QTest::newRow("plain seconds") << "90" << true << true << qint64(90);
        QTest::newRow("compound") << "1h30m" << true << true << qint64(5400);
        QTest::newRow("zero: reaping off, no timeout") << "0" << true << false << qint64(0);
        QTest::newRow("off: reaping off, no timeout") << "off" << true << false << qint64(0);
        QTest::newRow("zero seconds") << "0s" << false << false << qint64(0);
        QTest::newRow("negative") << "-5m" << false << false << qint64(0);
        QTest::newRow("words") << "soon" << false << false << qint64(0);
        QTest::newRow("empty") << "" << false << false << qint64(0);
    }

    void durations()
    {
        QFETCH(QString, text);
        QFETCH(bool, reapValid);
        QFETCH(bool, timeoutValid);
        QFETCH(qint64, seconds);
        GatewayOptions o;
        QString error;
        QCOMPARE(o.setReapInterval(QStringLiteral("--reap-interval"), text, &error), reapValid);
        if (reapValid) {
            QCOMPARE(o.reapInterval.count(), seconds);
        } else {
            QCOMPARE(o.reapInterval, 300s);
            QCOMPARE(error,
                QStringLiteral("--reap-interval: \"%1\" is not a duration (e.g. 30s, 5m, 1h) or 0 for off.")
                    .arg(text));
        }
        QCOMPARE(o.setUpstreamTimeout(QStringLiteral("--upstream-timeout"), text, &error), timeoutValid);
        if (timeoutValid) {
            QCOMPARE(o.upstreamTimeout.count(), seconds);
        } else {
            QCOMPARE(o.upstreamTimeout, 30s);
            QCOMPARE(error,
                QStringLiteral("--upstream-timeout: \"%1\" is not a duration (e.g. 30s, 5m, 1h).").arg(text));
        }
    }

    void maxRequestBytesIsBounded_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("lowest") << "1024" << true;
        QTest::newRow("highest") << "67108864" << true;
        QTest::newRow("below") << "1023" << false;
        QTest::newRow("above") << "67108865" << false;
        QTest::newRow("with unit") << "1MiB" << false;
        QTest::newRow("negative") << "-2048" << false;
    }

    void maxRequestBytesIsBounded()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        GatewayOptions o;
        QString error;
        QCOMPARE(o.setMaxRequestBytes(QStringLiteral("--max-request-bytes"), text, &error), valid);
        QCOMPARE(o.connection.maxBodyBytes, valid ? text.toLongLong() : 1024 * 1024);
        if (!valid)
            QCOMPARE(
                error, QStringLiteral("--max-request-bytes must be a number between 1024 and 67108864."));
    }

    void connectionTimeoutsArePositiveDurations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<qint64>("seconds");
        QTest::newRow("seconds") << "2s" << true << qint64(2);
        QTest::newRow("minutes") << "1m" << true << qint64(60);
        QTest::newRow("zero: a limit cannot be off") << "0" << false << qint64(0);
        QTest::newRow("off") << "off" << false << qint64(0);
        QTest::newRow("words") << "never" << false << qint64(0);
    }

    void connectionTimeoutsArePositiveDurations()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(qint64, seconds);
        using Setter = bool (GatewayOptions::*)(const QString &, const QString &, QString *);
        const struct {
            const char *flag;
            Setter set;
            std::chrono::milliseconds ConnectionLimits::*member;
        } timeouts[] = {
            { "--header-timeout", &GatewayOptions::setHeaderTimeout, &ConnectionLimits::headerTimeout },
            { "--body-timeout", &GatewayOptions::setBodyTimeout, &ConnectionLimits::bodyTimeout },
            { "--idle-timeout", &GatewayOptions::setIdleTimeout, &ConnectionLimits::idleTimeout },
        };
        for (const auto &t : timeouts) {
            GatewayOptions o;
            const auto before = o.connection.*t.member;
            QString error;
            QCOMPARE((o.*t.set)(QLatin1String(t.flag), text, &error), valid);
            if (valid) {
                QCOMPARE(o.connection.*t.member, std::chrono::seconds(seconds));
            } else {
                QCOMPARE(o.connection.*t.member, before);
                QCOMPARE(error,
                    QStringLiteral("%1: \"%2\" is not a duration (e.g. 30s, 5m, 1h).")
                        .arg(QLatin1String(t.flag), text));
            }
        }
    }

    void connectionCapsAreBounded_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("one") << "1" << true;
        QTest::newRow("highest") << "100000" << true;
        QTest::newRow("zero") << "0" << false;
        QTest::newRow("above") << "100001" << false;
        QTest::newRow("negative") << "-3" << false;
        QTest::newRow("words") << "many" << false;
    }

    void connectionCapsAreBounded()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        GatewayOptions o;
        QString error;
        QCOMPARE(o.setMaxConnections(QStringLiteral("--max-connections"), text, &error), valid);
        QCOMPARE(o.connection.maxConnections, valid ? text.toInt() : 128);
        if (!valid)
            QCOMPARE(error, QStringLiteral("--max-connections must be a number between 1 and 100000."));
        QCOMPARE(o.setMaxClientConnections(QStringLiteral("--max-client-connections"), text, &error), valid);
        QCOMPARE(o.connection.maxConnectionsPerClient, valid ? text.toInt() : 32);
        if (!valid)
            QCOMPARE(
                error, QStringLiteral("--max-client-connections must be a number between 1 and 100000."));
    }

    void reapNamespacesAreNamesAndAccumulate()
    {
        GatewayOptions o;
        QString error;
        QVERIFY(o.addReapNamespaces(
            QStringLiteral("--reap-namespaces"), QStringLiteral("team-a, team-b"), &error));
        QVERIFY(o.addReapNamespaces(QStringLiteral("--reap-namespaces"), QStringLiteral("ops"), &error));
        QCOMPARE(o.reapNamespaces,
            (QStringList { QStringLiteral("team-a"), QStringLiteral("team-b"), QStringLiteral("ops") }));
        QVERIFY(!o.addReapNamespaces(QStringLiteral("--reap-namespaces"), QStringLiteral("x,,Y"), &error));
        QCOMPARE(error,
            QStringLiteral(
                "--reap-namespaces: \"\" is not a namespace name; give a comma-separated list such "
                "as team-a,team-b."));
        QVERIFY(!o.addReapNamespaces(QStringLiteral("--reap-namespaces"), QStringLiteral("Team-A"), &error));
        QVERIFY(error.contains(QLatin1String("\"Team-A\"")));
        QCOMPARE(o.reapNamespaces.size(), 3);
    }

    void aPodGetsItsApiServerAndServiceAccount()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("KUBERNETES_SERVICE_HOST"), QStringLiteral("10.96.0.1"));
        env.insert(QStringLiteral("KUBERNETES_SERVICE_PORT"), QStringLiteral("443"));
        const GatewayOptions pod = GatewayOptions::inPod(env);
        QCOMPARE(pod.kubeUrl, QStringLiteral("https://10.96.0.1:443"));
        QCOMPARE(pod.kubeCaFile, QStringLiteral("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"));
        QCOMPARE(pod.kubeTokenFile, QStringLiteral("/var/run/secrets/kubernetes.io/serviceaccount/token"));
        QVERIFY(!pod.kubeCaRequired);
        // The rest are the documented defaults.
        QCOMPARE(pod.listen.toString(), QStringLiteral("0.0.0.0:8443"));
        QCOMPARE(pod.reapInterval, 300s);
        QVERIFY(pod.tlsCertFile.isEmpty());
        // Outside a pod: no API server until one is given.
        QVERIFY(GatewayOptions::inPod(QProcessEnvironment()).kubeUrl.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestGatewayOptions)
#include "tst_gatewayoptions.moc"
