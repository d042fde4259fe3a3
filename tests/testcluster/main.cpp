// kms-testcluster: a local HTTPS Kubernetes API server for tests, benchmarks and the demo.
#include "Cluster.h"
#include "HttpFrontend.h"
#include "Pki.h"

#include "core/BuildInfo.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTcpServer>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace kms::testcluster;

namespace {

int g_signalPipe[2] = { -1, -1 };

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &c, 1);
}

[[noreturn]] void usageError(const QString &message)
{
    std::fprintf(stderr, "kms-testcluster: %s\n", qPrintable(message));
    std::exit(2);
}

bool writePrivateFile(const QString &path, const QByteArray &data, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (f.write(data) != data.size()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

QByteArray kubeconfig(const QString &url, const QByteArray &caPem, const QByteArray &token)
{
    // YAML, the way kubectl writes it; the values are plain scalars.
    return QByteArray("apiVersion: v1\n"
                      "kind: Config\n"
                      "clusters:\n"
                      "- name: kms-testcluster\n"
                      "  cluster:\n"
                      "    server: ")
        + url.toUtf8()
        + "\n"
          "    certificate-authority-data: "
        + caPem.toBase64()
        + "\n"
          "users:\n"
          "- name: kubernetes-admin\n"
          "  user:\n"
          "    token: "
        + token
        + "\n"
          "contexts:\n"
          "- name: kms-testcluster\n"
          "  context:\n"
          "    cluster: kms-testcluster\n"
          "    user: kubernetes-admin\n"
          "    namespace: default\n"
          "current-context: kms-testcluster\n"
          "preferences: {}\n";
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("kms-testcluster"));
    QCoreApplication::setApplicationVersion(kms::BuildInfo::version());

    // SIGTERM/SIGINT end the event loop (cleanly) from the first moment on.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0) {
        std::perror("kms-testcluster: socketpair");
        return 1;
    }
    QSocketNotifier signalNotifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, &app, [] { QCoreApplication::quit(); });
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    std::signal(SIGPIPE, SIG_IGN);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A local HTTPS Kubernetes API server (service accounts, "
                                                    "secrets, RBAC, TokenRequest, reviews) for tests, "
                                                    "benchmarks and the demo. Prints one JSON line "
                                                    "{\"url\",\"kubeconfig\",\"ca\"} on stdout when ready."));
    parser.addHelpOption();
    const QCommandLineOption versionOption(QStringList { QStringLiteral("version"), QStringLiteral("v") },
        QStringLiteral("Print the version and exit."));
    parser.addOption(versionOption);
    const QCommandLineOption stateDir(QStringLiteral("state-dir"),
        QStringLiteral("Directory for kubeconfig, ca.crt and admin.token (required)."),
        QStringLiteral("DIR"));
    const QCommandLineOption listen(QStringLiteral("listen"),
        QStringLiteral("Address to listen on (default 127.0.0.1:0)."), QStringLiteral("HOST:PORT"),
        QStringLiteral("127.0.0.1:0"));
    const QCommandLineOption latency(QStringLiteral("latency-ms"),
        QStringLiteral("Delay added before each answer."), QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption failRate(QStringLiteral("fail-rate"),
        QStringLiteral("Fraction (0..1) of requests answered 503 or dropped."), QStringLiteral("P"),
        QStringLiteral("0"));
    const QCommandLineOption maxExpiration(QStringLiteral("max-token-expiration"),
        QStringLiteral("Cap on TokenRequest expirationSeconds (0: none; else 3600..2^32)."),
        QStringLiteral("S"), QStringLiteral("0"));
    const QCommandLineOption seed(QStringLiteral("seed"),
        QStringLiteral("Seed of the fault injection (default 1)."), QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption clockOffset(QStringLiteral("clock-offset"),
        QStringLiteral("Seconds added to the server's clock."), QStringLiteral("S"), QStringLiteral("0"));
    const QCommandLineOption tokenCache(QStringLiteral("token-cache-seconds"),
        QStringLiteral("Cache successful authentications this long (kube-apiserver: 10; default 0)."),
        QStringLiteral("S"), QStringLiteral("0"));
    const QCommandLineOption tokenAuthFile(QStringLiteral("token-auth-file"),
        QStringLiteral("Static users, as kube-apiserver's: CSV lines token,user,uid[,\"group1,group2\"]."),
        QStringLiteral("FILE"));
    const QCommandLineOption exitWithStdin(QStringLiteral("exit-with-stdin"),
        QStringLiteral("Exit when standard input closes (for a parent that may crash)."));
    parser.addOptions({ stateDir, listen, latency, failRate, maxExpiration, seed, clockOffset, tokenCache,
        tokenAuthFile, exitWithStdin });
    if (!parser.parse(app.arguments()))
        usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(versionOption)) {
        std::printf("%s\n", qPrintable(kms::BuildInfo::versionLine(QStringLiteral("kms-testcluster"))));
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        usageError(
            QStringLiteral("unexpected argument %1; see --help").arg(parser.positionalArguments().first()));
    if (!parser.isSet(stateDir))
        usageError(QStringLiteral("--state-dir DIR is required"));

    bool ok = false;
    const int latencyMs = parser.value(latency).toInt(&ok);
    if (!ok || latencyMs < 0)
        usageError(QStringLiteral("--latency-ms must be a whole number of milliseconds >= 0"));
    const double rate = parser.value(failRate).toDouble(&ok);
    if (!ok || rate < 0 || rate > 1)
        usageError(QStringLiteral("--fail-rate must be a number between 0 and 1"));
    const qint64 maxSeconds = parser.value(maxExpiration).toLongLong(&ok);
    if (!ok || (maxSeconds != 0 && (maxSeconds < 3600 || maxSeconds > (qint64(1) << 32))))
        usageError(
            QStringLiteral("--max-token-expiration must be 0 or between 3600 (1 hour) and 2^32 seconds"));
    const quint32 seedValue = parser.value(seed).toUInt(&ok);
    if (!ok)
        usageError(QStringLiteral("--seed must be a whole number"));
    const qint64 offset = parser.value(clockOffset).toLongLong(&ok);
    if (!ok || qAbs(offset) > qint64(100) * 366 * 86400)
        usageError(QStringLiteral("--clock-offset must be a whole number of seconds within 100 years"));
    const qint64 cacheSeconds = parser.value(tokenCache).toLongLong(&ok);
    if (!ok || cacheSeconds < 0 || cacheSeconds > 3600)
        usageError(QStringLiteral("--token-cache-seconds must be a whole number between 0 and 3600"));
    QHash<QByteArray, UserInfo> staticTokens;
    if (parser.isSet(tokenAuthFile)) {
        QFile file(parser.value(tokenAuthFile));
        if (!file.open(QIODevice::ReadOnly))
            usageError(QStringLiteral("--token-auth-file: cannot read %1: %2")
                           .arg(file.fileName(), file.errorString()));
        QString error;
        if (!Cluster::parseTokenAuthFile(file.readAll(), &staticTokens, &error))
            usageError(QStringLiteral("--token-auth-file %1: %2").arg(file.fileName(), error));
    }
    const QString listenValue = parser.value(listen);
    const qsizetype colon = listenValue.lastIndexOf(u':');
    const QHostAddress host(listenValue.left(colon));
    const uint port = listenValue.mid(colon + 1).toUInt(&ok);
    if (colon < 0 || host.isNull() || !ok || port > 65535)
        usageError(QStringLiteral("--listen must be HOST:PORT with a numeric address, e.g. 127.0.0.1:0"));

    const QDir dir(parser.value(stateDir));
    if (!dir.exists() && !QDir().mkpath(dir.path()))
        usageError(QStringLiteral("cannot create the state directory %1").arg(dir.path()));

    Pki pki;
    QByteArray adminToken(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(adminToken.data()), 8);
    adminToken = adminToken.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);

    Cluster cluster(pki, Cluster::Options { adminToken, maxSeconds, {}, staticTokens });
    cluster.setClockOffsetSeconds(offset);
    cluster.setTokenCacheSeconds(cacheSeconds);
    HttpFrontend server(cluster, seedValue);
    server.setLatencyMs(latencyMs);
    server.setFailRate(rate);

    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificate(QSslCertificate(pki.servingCertPem()));
    ssl.setPrivateKey(QSslKey(pki.servingKeyPem(), QSsl::Ec));
    ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    ssl.setProtocol(QSsl::TlsV1_2OrLater);
    server.sslSetup(ssl);
    const quint16 boundPort = server.listen(host, quint16(port));
    if (boundPort == 0) {
        std::fprintf(stderr, "kms-testcluster: cannot listen on %s\n", qPrintable(listenValue));
        return 1;
    }
    const QString hostText = host.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]").arg(host.toString())
        : host.toString();
    const QString url = QStringLiteral("https://%1:%2").arg(hostText).arg(boundPort);
    cluster.setServerAddress(QStringLiteral("%1:%2").arg(hostText).arg(boundPort));

    const QString caPath = dir.absoluteFilePath(QStringLiteral("ca.crt"));
    const QString tokenPath = dir.absoluteFilePath(QStringLiteral("admin.token"));
    const QString kubeconfigPath = dir.absoluteFilePath(QStringLiteral("kubeconfig"));
    QString error;
    if (!writePrivateFile(caPath, pki.caCertPem(), &error) || !writePrivateFile(tokenPath, adminToken, &error)
        || !writePrivateFile(kubeconfigPath, kubeconfig(url, pki.caCertPem(), adminToken), &error)) {
        std::fprintf(stderr, "kms-testcluster: %s\n", qPrintable(error));
        return 1;
    }

    std::unique_ptr<QSocketNotifier> stdinNotifier;
    if (parser.isSet(exitWithStdin)) {
        stdinNotifier = std::make_unique<QSocketNotifier>(STDIN_FILENO, QSocketNotifier::Read);
        QObject::connect(stdinNotifier.get(), &QSocketNotifier::activated, &app, [] {
            char buffer[256];
            const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
            if (n <= 0)
                QCoreApplication::quit();
        });
    }

    const QJsonObject ready { { QStringLiteral("url"), url },
        { QStringLiteral("kubeconfig"), kubeconfigPath }, { QStringLiteral("ca"), caPath },
        { QStringLiteral("adminTokenFile"), tokenPath } };
    std::printf("%s\n", QJsonDocument(ready).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    return app.exec();
}
