// hanzo-kms-gateway's command line: usage errors, start-up failures, certs,
// the plain-HTTP health port, and a clean stop on SIGTERM.
#include "GatewayPolicyFile.h"
#include "core/BuildInfo.h"
#include "kube/GatewayCertificates.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

using namespace kms;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(KMS_GATEWAY_PATH), args);
    Run r;
    if (!p.waitForFinished(20000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestGatewayCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    QStringList serveArgs() const
    {
        return { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--tls-cert"),
            path(QStringLiteral("pki/server.crt")), QStringLiteral("--tls-key"),
            path(QStringLiteral("pki/server.key")), QStringLiteral("--client-ca"),
            path(QStringLiteral("pki/ca.crt")), QStringLiteral("--kube-url"),
            QStringLiteral("https://127.0.0.1:1"), QStringLiteral("--kube-token-file"),
            path(QStringLiteral("token")), QStringLiteral("--reap-interval"), QStringLiteral("0"),
            QStringLiteral("--policy"), path(QStringLiteral("policy.yaml")) };
    }

private slots:
    void initTestCase()
    {
        const Run r = run({ QStringLiteral("certs"), QStringLiteral("--out"), path(QStringLiteral("pki")),
            QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--host"),
            QStringLiteral("gw.example.com"), QStringLiteral("--client-name"), QStringLiteral("cli-desk") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (const QString &name : GatewayCertificates::fileNames())
            QVERIFY2(QFile::exists(path(QStringLiteral("pki/") + name)), qPrintable(name));
        QVERIFY(r.out.contains("Keep ca.key offline"));
        QVERIFY(!kms::test::writeGatewayPolicy(m_dir.path(), kms::test::packagedGatewayPolicy()).isEmpty());
        QFile key(path(QStringLiteral("pki/client.key")));
        QVERIFY(key.open(QIODevice::ReadOnly));
        QVERIFY(!r.out.contains(key.readAll().split('\n').value(1)));
        QCOMPARE(QSslCertificate::fromPath(path(QStringLiteral("pki/client.crt")))
                     .value(0)
                     .subjectInfo(QSslCertificate::CommonName),
            QStringList { QStringLiteral("cli-desk") });
    }

    void versionAndHelp()
    {
        const Run v = run({ QStringLiteral("--version") });
        QCOMPARE(v.exitCode, 0);
        QCOMPARE(
            QString::fromUtf8(v.out).trimmed(), BuildInfo::versionLine(QStringLiteral("hanzo-kms-gateway")));
        const Run h = run({ QStringLiteral("--help") });
        QCOMPARE(h.exitCode, 0);
        for (const char *flag :
            { "--policy", "--listen", "--tls-cert", "--tls-key", "--client-ca", "--health-listen",
                "--kube-url", "--kube-ca", "--kube-token-file", "--reap-interval", "--reap-namespaces",
                "--upstream-timeout", "--max-request-bytes", "--header-timeout", "--body-timeout",
                "--idle-timeout", "--max-connections", "--max-client-connections", "certs" })
            QVERIFY2(h.out.contains(flag), flag);
        const Run ch = run({ QStringLiteral("certs"), QStringLiteral("--help") });
        QCOMPARE(ch.exitCode, 0);
        QVERIFY(ch.out.contains("--client-name"));
    }

    void badUsageExitsTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no tls") << QStringList { QStringLiteral("--kube-url"), QStringLiteral("https://x:1") }
                                << "--tls-cert is required.";
        QTest::newRow("unknown flag")
            << QStringList { QStringLiteral("--frob") } << "unknown argument \"--frob\"";
        QTest::newRow("flag without value")
            << QStringList { QStringLiteral("--listen") } << "--listen needs a value.";
        QTest::newRow("bad reap interval") << QStringList { QStringLiteral("--reap-interval"),
            QStringLiteral("soon") } << "--reap-interval: \"soon\" is not a duration";
        QTest::newRow("bad reap namespaces") << QStringList { QStringLiteral("--reap-namespaces"),
            QStringLiteral("a,,B") } << "--reap-namespaces: \"\" is not a namespace name";
        QTest::newRow("bad max bytes") << QStringList { QStringLiteral("--max-request-bytes"),
            QStringLiteral("12") } << "--max-request-bytes must be a number between";
        QTest::newRow("header timeout off") << QStringList { QStringLiteral("--header-timeout=0") }
                                            << "--header-timeout: \"0\" is not a duration";
        QTest::newRow("bad idle timeout") << QStringList { QStringLiteral("--idle-timeout"),
            QStringLiteral("never") } << "--idle-timeout: \"never\" is not a duration";
        QTest::newRow("no connections") << QStringList { QStringLiteral("--max-connections=0") }
                                        << "--max-connections must be a number between 1 and 100000.";
        QTest::newRow("bad client connections") << QStringList { QStringLiteral("--max-client-connections"),
            QStringLiteral("lots") } << "--max-client-connections must be a number between 1 and 100000.";
        QTest::newRow("certs without out") << QStringList { QStringLiteral("certs"), QStringLiteral("--host"),
            QStringLiteral("a") } << "--out is required.";
        QTest::newRow("certs without host") << QStringList { QStringLiteral("certs"), QStringLiteral("--out"),
            QStringLiteral("/tmp/x") } << "at least one --host is required.";
        QTest::newRow("certs bad host") << QStringList { QStringLiteral("certs"), QStringLiteral("--out"),
            QStringLiteral("/tmp/x"), QStringLiteral("--host"), QStringLiteral("bad host") }
                                        << "--host \"bad host\" is neither";
    }

    void badUsageExitsTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const Run r = run(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(expected.toUtf8()), r.err.constData());
    }

    void badListenAndNoClusterExitTwo()
    {
        QStringList args = serveArgs();
        args[1] = QStringLiteral("localhost");
        Run r = run(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--listen \"localhost\" is not ADDRESS:PORT"), r.err.constData());
        // Outside a pod with no --kube-url: says so.
        args = serveArgs();
        const qsizetype at = args.indexOf(QStringLiteral("--kube-url"));
        args.remove(at, 2);
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("KUBERNETES_SERVICE_HOST"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(KMS_GATEWAY_PATH), args);
        QVERIFY(p.waitForFinished(20000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardError().contains("KUBERNETES_SERVICE_HOST/PORT are not set"));
    }

    void missingOrInvalidPolicyExitsTwo_data()
    {
        QTest::addColumn<QByteArray>("policy"); // empty: no --policy at all
        QTest::addColumn<QString>("expected");
        QTest::newRow("no --policy") << QByteArray() << "--policy is required.";
        QTest::newRow("not yaml") << QByteArray("clients: [") << "is not a usable policy: it is not YAML";
        QTest::newRow("no clients") << QByteArray("other: 1\n") << "it has no \"clients:\" list";
        QTest::newRow("bad ttl") << QByteArray(
            "clients:\n  - subject: \"*\"\n    maxTTL: soon\n    audiences: "
            "[\"*\"]\n") << "clients[0].maxTTL \"soon\" is not a duration";
        QTest::newRow("typo") << QByteArray(
            "clients:\n  - subject: a\n    namespace: [x]\n    maxTTL: 1h\n    "
            "audiences: [\"*\"]\n")
                              << "clients[0] has an unknown field \"namespace\"";
        QTest::newRow("bad static account") << QByteArray(
            "clients:\n  - subject: a\n    staticServiceAccounts: [app]\n    maxTTL: 1h\n    "
            "audiences: [\"*\"]\n") << "staticServiceAccounts: \"app\" is not namespace/name";
    }

    void missingOrInvalidPolicyExitsTwo()
    {
        QFETCH(QByteArray, policy);
        QFETCH(QString, expected);
        QStringList args = serveArgs();
        const qsizetype at = args.indexOf(QStringLiteral("--policy"));
        if (policy.isEmpty()) {
            args.remove(at, 2);
        } else {
            QTemporaryDir dir;
            args[at + 1] = kms::test::writeGatewayPolicy(dir.path(), policy);
            const Run r = run(args);
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains(expected.toUtf8()), r.err.constData());
            // One sentence, no usage text.
            QCOMPARE(r.err.trimmed().count('\n'), 0);
            return;
        }
        const Run r = run(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(expected.toUtf8()), r.err.constData());
    }

    void unusableFilesExitOne_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing cert") << "--tls-cert"
                                      << "nope.crt"
                                      << "--tls-cert: cannot read";
        QTest::newRow("key of another cert") << "--tls-key"
                                             << "pki/client.key"
                                             << "does not belong to the server certificate";
        QTest::newRow("ca not pem") << "--client-ca"
                                    << "token"
                                    << "The client CA (--client-ca)";
        QTest::newRow("kube ca not pem") << "--kube-ca"
                                         << "token"
                                         << "--kube-ca";
        // A FIFO no one writes to: the open must not block the start.
        QTest::newRow("cert is a fifo") << "--tls-cert"
                                        << "fifo"
                                        << "(--tls-cert): This is not a PEM certificate";
        QTest::newRow("ca is a device") << "--client-ca"
                                        << "/dev/zero"
                                        << "--client-ca: /dev/zero is larger than 1 MiB";
    }

    void unusableFilesExitOne()
    {
        QFETCH(QString, flag);
        QFETCH(QString, file);
        QFETCH(QString, expected);
        QFile token(path(QStringLiteral("token")));
        QVERIFY(token.open(QIODevice::WriteOnly | QIODevice::Truncate));
        token.write("a-token\n");
        token.close();
        if (file == QLatin1String("fifo") && !QFile::exists(path(file)))
            QCOMPARE(::mkfifo(QFile::encodeName(path(file)).constData(), 0600), 0);
        const QString where = file.startsWith(QLatin1Char('/')) ? file : path(file);
        QStringList args = serveArgs();
        const qsizetype at = args.indexOf(flag);
        if (at >= 0)
            args[at + 1] = where;
        else
            args << flag << where;
        const Run r = run(args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(expected.toUtf8()), r.err.constData());
        QVERIFY(!r.err.contains("a-token"));
    }

    void healthPortAndCleanStop()
    {
        QFile::remove(path(QStringLiteral("token")));
        QStringList args = serveArgs();
        args << QStringLiteral("--health-listen") << QStringLiteral("127.0.0.1:0");
        QProcess p;
        p.start(QStringLiteral(KMS_GATEWAY_PATH), args);
        QVERIFY(p.waitForReadyRead(10000));
        const QJsonObject ready = QJsonDocument::fromJson(p.readLine()).object();
        const QString health = ready.value(QLatin1String("health")).toString();
        QVERIFY2(health.startsWith(QLatin1String("127.0.0.1:")), qPrintable(health));
        QNetworkAccessManager nam;
        auto get = [&](const QString &what) {
            QNetworkReply *reply
                = nam.get(QNetworkRequest(QUrl(QStringLiteral("http://%1%2").arg(health, what))));
            QSignalSpy done(reply, &QNetworkReply::finished);
            done.wait(5000);
            const auto answer = std::make_pair(
                reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll());
            reply->deleteLater();
            return answer;
        };
        QCOMPARE(get(QStringLiteral("/healthz")).first, 200);
        // No token file yet: not ready, and it says why.
        const auto notReady = get(QStringLiteral("/readyz"));
        QCOMPARE(notReady.first, 503);
        QVERIFY2(notReady.second.contains("cannot be read"), notReady.second.constData());
        QCOMPARE(get(QStringLiteral("/api/v1/namespaces/default/secrets")).first, 404);
        QFile token(path(QStringLiteral("token")));
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("now-there-is-one\n");
        token.close();
        QCOMPARE(get(QStringLiteral("/readyz")).first, 200);

        p.terminate();
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(!p.readAllStandardError().contains("now-there-is-one"));
    }

    // packaging/gateway/deployment.yaml passes every flag as --name=value;
    // the gateway starts with exactly those flags (files and ports made local).
    void startsWithTheDeploymentsArguments()
    {
        const YAML::Node deployment = YAML::LoadFile(KMS_SOURCE_DIR "/packaging/gateway/deployment.yaml");
        const YAML::Node manifestArgs = deployment["spec"]["template"]["spec"]["containers"][0]["args"];
        QVERIFY(manifestArgs.IsSequence() && manifestArgs.size() > 0);
        // The policy the shipped ConfigMap mounts, as the pod would see it.
        const YAML::Node configMap = YAML::LoadFile(KMS_SOURCE_DIR "/packaging/gateway/policy.yaml");
        QVERIFY(configMap["data"]["policy.yaml"].IsScalar());
        QFile policy(path(QStringLiteral("shipped-policy.yaml")));
        QVERIFY(policy.open(QIODevice::WriteOnly));
        policy.write(QByteArray::fromStdString(configMap["data"]["policy.yaml"].as<std::string>()));
        policy.close();
        const QHash<QString, QString> local { { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0") },
            { QStringLiteral("--health-listen"), QStringLiteral("127.0.0.1:0") },
            { QStringLiteral("--tls-cert"), path(QStringLiteral("pki/server.crt")) },
            { QStringLiteral("--tls-key"), path(QStringLiteral("pki/server.key")) },
            { QStringLiteral("--client-ca"), path(QStringLiteral("pki/ca.crt")) },
            { QStringLiteral("--policy"), policy.fileName() } };
        QStringList args;
        for (const YAML::Node &arg : manifestArgs) {
            const QString text = QString::fromStdString(arg.as<std::string>());
            const QString name = text.section(QLatin1Char('='), 0, 0);
            QVERIFY2(text.contains(QLatin1Char('=')), qPrintable(text));
            args << name + QLatin1Char('=') + local.value(name, text.section(QLatin1Char('='), 1));
        }
        // Outside a pod: the API server and token file the pod would have.
        args << QStringLiteral("--kube-url=https://127.0.0.1:1")
             << QStringLiteral("--kube-token-file=") + path(QStringLiteral("token"));
        QProcess p;
        p.start(QStringLiteral(KMS_GATEWAY_PATH), args);
        QVERIFY(p.waitForStarted(5000));
        p.waitForReadyRead(10000);
        const QJsonObject ready = QJsonDocument::fromJson(p.readLine()).object();
        QVERIFY2(ready.value(QLatin1String("listen")).toString().startsWith(QLatin1String("127.0.0.1:")),
            p.readAllStandardError().constData());
        QVERIFY(ready.value(QLatin1String("health")).toString().startsWith(QLatin1String("127.0.0.1:")));
        p.terminate();
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitCode(), 0);
    }

    void certsNeverOverwrite()
    {
        const Run r = run({ QStringLiteral("certs"), QStringLiteral("--out"), path(QStringLiteral("pki")),
            QStringLiteral("--host"), QStringLiteral("127.0.0.1") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("already exists"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestGatewayCli)
#include "tst_gateway_cli.moc"
