#include "gatewayserver/GatewayCommand.h"

#include "core/BuildInfo.h"
#include "core/Clock.h"
#include "core/Duration.h"
#include "core/Names.h"
#include "gatewayserver/GatewayHealthServer.h"
#include "gatewayserver/GatewayReaper.h"
#include "gatewayserver/GatewayServer.h"
#include "gatewayserver/UpstreamTransport.h"
#include "kube/GatewayCertificates.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QProcessEnvironment>
#include <QSocketNotifier>
#include <QTextStream>
#include <QTimer>

#include <csignal>
#include <memory>
#include <optional>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace kms {

namespace {

QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}

int usageError(const QString &message, const QString &usage)
{
    err() << "hanzo-kms-gateway: " << message << "\n\n" << usage << Qt::flush;
    return 2;
}

int failure(const QString &message)
{
    err() << "hanzo-kms-gateway: " << message << Qt::endl;
    return 1;
}

// Reads a whole file named by an option; error names the option.
std::optional<QByteArray> readOptionFile(const QString &option, const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: cannot read %2: %3.").arg(option, path, file.errorString());
        return std::nullopt;
    }
    const QByteArray data = file.read(1024 * 1024 + 1);
    if (data.size() > 1024 * 1024) {
        *error = QStringLiteral("%1: %2 is larger than 1 MiB; it is not a PEM file.").arg(option, path);
        return std::nullopt;
    }
    return data;
}

std::optional<qint64> parseSeconds(const QString &option, const QString &text, bool allowZero, QString *error)
{
    if (allowZero && (text == QLatin1String("0") || text == QLatin1String("off")))
        return 0;
    QString why;
    const std::optional<Duration> d = Duration::parse(text, &why);
    if (!d || d->seconds() <= 0) {
        *error = QStringLiteral("%1: \"%2\" is not a duration (e.g. 30s, 5m, 1h)%3.")
                     .arg(option, text, allowZero ? QStringLiteral(" or 0 for off") : QString());
        return std::nullopt;
    }
    return d->seconds();
}

#ifdef Q_OS_UNIX
// SIGTERM/SIGINT end the event loop cleanly (the kubelet sends SIGTERM).
int g_signalPipe[2] = { -1, -1 };
void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &c, 1);
}
void quitOnSignals()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, qApp);
    QObject::connect(notifier, &QSocketNotifier::activated, qApp, [] { QCoreApplication::quit(); });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
}
#else
void quitOnSignals() { }
#endif

struct Options {
    QString listen = QStringLiteral("0.0.0.0:8443");
    QString healthListen = QStringLiteral("0.0.0.0:8081");
    QString tlsCert, tlsKey, clientCa;
    QString kubeUrl, kubeCa, kubeTokenFile;
    qint64 reapIntervalSeconds = 300;
    QStringList reapNamespaces;
    qint64 upstreamTimeoutSeconds = 30;
    qint64 maxRequestBytes = 1024 * 1024;
};

int certs(const QStringList &args)
{
    QString out, clientName = QStringLiteral("hanzo-kms-desktop");
    QStringList hosts;
    int days = 365;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        auto value = [&](QString *target) {
            if (i + 1 >= args.size())
                return false;
            *target = args[++i];
            return true;
        };
        QString v;
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            QTextStream(stdout) << GatewayCommand::certsUsage() << Qt::flush;
            return 0;
        } else if (a == QLatin1String("--out")) {
            if (!value(&out))
                return usageError(QStringLiteral("--out needs a directory."), GatewayCommand::certsUsage());
        } else if (a == QLatin1String("--host")) {
            if (!value(&v))
                return usageError(
                    QStringLiteral("--host needs a name or address."), GatewayCommand::certsUsage());
            hosts << v;
        } else if (a == QLatin1String("--client-name")) {
            if (!value(&clientName))
                return usageError(
                    QStringLiteral("--client-name needs a name."), GatewayCommand::certsUsage());
        } else if (a == QLatin1String("--days")) {
            bool ok = false;
            if (!value(&v) || (days = v.toInt(&ok), !ok))
                return usageError(
                    QStringLiteral("--days needs a number of days."), GatewayCommand::certsUsage());
        } else {
            return usageError(
                QStringLiteral("unknown argument \"%1\".").arg(a), GatewayCommand::certsUsage());
        }
    }
    if (out.isEmpty())
        return usageError(QStringLiteral("--out is required."), GatewayCommand::certsUsage());
    if (hosts.isEmpty())
        return usageError(QStringLiteral("at least one --host is required."), GatewayCommand::certsUsage());
    QString error;
    const auto bundle = GatewayCertificates::generate(hosts, clientName, days, &error);
    if (!bundle)
        return usageError(error, GatewayCommand::certsUsage());
    if (!GatewayCertificates::write(*bundle, out, &error))
        return failure(error);
    QTextStream(stdout) << "Wrote ca.crt, ca.key, server.crt, server.key, client.crt and client.key to "
                        << QDir(out).absolutePath() << ".\n"
                        << "Keep ca.key offline; give the gateway server.crt, server.key and ca.crt "
                           "(--client-ca), and the desktop ca.crt, client.crt and client.key.\n"
                        << Qt::flush;
    return 0;
}

QCoro::Task<> reapLoop(GatewayReaper *reaper, bool *running)
{
    *running = true;
    co_await reaper->reapOnce();
    *running = false;
}

int serve(const QStringList &args)
{
    Options o;
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString saDir = QString::fromLatin1(UpstreamTransport::ServiceAccountDir);
    o.kubeUrl = UpstreamTransport::inClusterUrl(env);
    o.kubeCa = saDir + QStringLiteral("/ca.crt");
    o.kubeTokenFile = saDir + QStringLiteral("/token");
    bool kubeCaGiven = false;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        QString *target = nullptr;
        QString v;
        if (a == QLatin1String("--listen"))
            target = &o.listen;
        else if (a == QLatin1String("--health-listen"))
            target = &o.healthListen;
        else if (a == QLatin1String("--tls-cert"))
            target = &o.tlsCert;
        else if (a == QLatin1String("--tls-key"))
            target = &o.tlsKey;
        else if (a == QLatin1String("--client-ca"))
            target = &o.clientCa;
        else if (a == QLatin1String("--kube-url"))
            target = &o.kubeUrl;
        else if (a == QLatin1String("--kube-ca"))
            target = &o.kubeCa, kubeCaGiven = true;
        else if (a == QLatin1String("--kube-token-file"))
            target = &o.kubeTokenFile;
        else if (a == QLatin1String("--reap-interval") || a == QLatin1String("--reap-namespaces")
            || a == QLatin1String("--upstream-timeout") || a == QLatin1String("--max-request-bytes"))
            target = &v;
        else
            return usageError(QStringLiteral("unknown argument \"%1\".").arg(a), GatewayCommand::usage());
        if (i + 1 >= args.size())
            return usageError(QStringLiteral("%1 needs a value.").arg(a), GatewayCommand::usage());
        *target = args[++i];
        QString error;
        if (a == QLatin1String("--reap-interval")) {
            const auto s = parseSeconds(a, v, true, &error);
            if (!s)
                return usageError(error, GatewayCommand::usage());
            o.reapIntervalSeconds = *s;
        } else if (a == QLatin1String("--reap-namespaces")) {
            for (const QString &ns : v.split(QLatin1Char(','))) {
                if (!Names::isDns1123Label(ns.trimmed()))
                    return usageError(
                        QStringLiteral("--reap-namespaces: \"%1\" is not a namespace name; give a "
                                       "comma-separated list such as team-a,team-b.")
                            .arg(ns.trimmed()),
                        GatewayCommand::usage());
                o.reapNamespaces << ns.trimmed();
            }
        } else if (a == QLatin1String("--upstream-timeout")) {
            const auto s = parseSeconds(a, v, false, &error);
            if (!s)
                return usageError(error, GatewayCommand::usage());
            o.upstreamTimeoutSeconds = *s;
        } else if (a == QLatin1String("--max-request-bytes")) {
            bool ok = false;
            o.maxRequestBytes = v.toLongLong(&ok);
            if (!ok || o.maxRequestBytes < 1024 || o.maxRequestBytes > 64 * 1024 * 1024)
                return usageError(
                    QStringLiteral("--max-request-bytes must be a number between 1024 and 67108864."),
                    GatewayCommand::usage());
        }
    }
    for (const auto &[name, value] : { std::pair { "--tls-cert", o.tlsCert },
             std::pair { "--tls-key", o.tlsKey }, std::pair { "--client-ca", o.clientCa } }) {
        if (value.isEmpty())
            return usageError(
                QStringLiteral("%1 is required.").arg(QLatin1String(name)), GatewayCommand::usage());
    }
    if (o.kubeUrl.isEmpty())
        return usageError(
            QStringLiteral("no API server: KUBERNETES_SERVICE_HOST/PORT are not set (not in a pod); "
                           "give --kube-url."),
            GatewayCommand::usage());
    QString listenHost, healthHost;
    quint16 listenPort = 0, healthPort = 0;
    if (!GatewayCommand::parseListen(o.listen, &listenHost, &listenPort))
        return usageError(
            QStringLiteral("--listen \"%1\" is not ADDRESS:PORT.").arg(o.listen), GatewayCommand::usage());
    const bool health = o.healthListen != QLatin1String("off");
    if (health && !GatewayCommand::parseListen(o.healthListen, &healthHost, &healthPort))
        return usageError(
            QStringLiteral("--health-listen \"%1\" is not ADDRESS:PORT or off.").arg(o.healthListen),
            GatewayCommand::usage());

    QString error;
    const auto cert = readOptionFile(QStringLiteral("--tls-cert"), o.tlsCert, &error);
    const auto key = cert ? readOptionFile(QStringLiteral("--tls-key"), o.tlsKey, &error) : std::nullopt;
    const auto clientCa
        = key ? readOptionFile(QStringLiteral("--client-ca"), o.clientCa, &error) : std::nullopt;
    if (!clientCa)
        return failure(error);
    QByteArray kubeCa;
    if (QFile::exists(o.kubeCa) || kubeCaGiven) {
        const auto ca = readOptionFile(QStringLiteral("--kube-ca"), o.kubeCa, &error);
        if (!ca)
            return failure(error);
        kubeCa = *ca;
    }
    std::shared_ptr<UpstreamTransport> upstream
        = UpstreamTransport::create(o.kubeUrl, kubeCa, o.kubeTokenFile, &error);
    if (!upstream)
        return failure(error);
    if (upstream->tokenFile().token().isEmpty())
        err() << "hanzo-kms-gateway: warning: " << upstream->tokenFile().problem()
              << " Calls will be unauthorized until it can be read." << Qt::endl;

    GatewayServer server(upstream);
    server.setLimits({ o.maxRequestBytes, std::chrono::seconds(o.upstreamTimeoutSeconds) });
    if (!server.setupTls(*cert, *key, *clientCa, &error))
        return failure(error);
    const quint16 port = server.listen(QHostAddress(listenHost), listenPort);
    if (port == 0)
        return failure(QStringLiteral("cannot listen on %1 (is the port in use?).").arg(o.listen));
    std::unique_ptr<GatewayHealthServer> healthServer;
    quint16 boundHealth = 0;
    if (health) {
        healthServer = std::make_unique<GatewayHealthServer>(server);
        boundHealth = healthServer->listen(QHostAddress(healthHost), healthPort);
        if (boundHealth == 0)
            return failure(QStringLiteral("cannot listen on %1 for health checks (is the port in use?).")
                               .arg(o.healthListen));
    }

    // The reaper calls the API server directly, on its own connection pool.
    QNetworkAccessManager reaperNam;
    KubeClient reaperClient(&reaperNam, upstream);
    reaperClient.setTimeout(std::chrono::seconds(o.upstreamTimeoutSeconds));
    GatewayReaper reaper(reaperClient, *Clock::system());
    reaper.setNamespaces(o.reapNamespaces);
    bool reaping = false;
    QTimer reapTimer;
    if (o.reapIntervalSeconds > 0) {
        reapTimer.setInterval(std::chrono::seconds(o.reapIntervalSeconds));
        QObject::connect(&reapTimer, &QTimer::timeout, [&] {
            if (!reaping)
                reapLoop(&reaper, &reaping);
        });
        reapTimer.start();
        QTimer::singleShot(0, [&] { reapLoop(&reaper, &reaping); });
    }
    quitOnSignals();

    // One line for scripts and tests to wait on.
    QTextStream(stdout) << QStringLiteral("{\"listen\":\"%1:%2\",\"health\":\"%3\",\"kube\":\"%4\"}")
                               .arg(listenHost)
                               .arg(port)
                               .arg(health ? QStringLiteral("%1:%2").arg(healthHost).arg(boundHealth)
                                           : QStringLiteral("off"),
                                   upstream->describe())
                        << Qt::endl;
    err() << "hanzo-kms-gateway: serving on " << listenHost << ':' << port << ", API server "
          << upstream->describe() << ", reaper "
          << (o.reapIntervalSeconds > 0 ? QStringLiteral("every %1 s").arg(o.reapIntervalSeconds)
                                        : QStringLiteral("off"))
          << Qt::endl;
    return QCoreApplication::exec();
}

} // namespace

bool GatewayCommand::parseListen(const QString &text, QString *host, quint16 *port)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    QString h = text.left(colon);
    if (h.startsWith(QLatin1Char('[')) && h.endsWith(QLatin1Char(']')))
        h = h.mid(1, h.size() - 2);
    if (QHostAddress(h).isNull())
        return false;
    bool ok = false;
    const uint p = text.mid(colon + 1).toUInt(&ok);
    if (!ok || p > 65535)
        return false;
    *host = h;
    *port = quint16(p);
    return true;
}

QString GatewayCommand::usage()
{
    return QStringLiteral(
        "Usage: hanzo-kms-gateway --tls-cert FILE --tls-key FILE --client-ca FILE [options]\n"
        "       hanzo-kms-gateway certs --out DIR --host NAME [--host NAME...] [--client-name NAME] [--days "
        "N]\n"
        "       hanzo-kms-gateway --version | --help\n"
        "\n"
        "Runs inside a Kubernetes cluster and makes the cluster calls of Hanzo KMS desktops with its own "
        "pod\n"
        "service account. Desktops connect over mutual TLS; only the calls of Hanzo KMS leases are "
        "forwarded.\n"
        "Also deletes the objects of expired leases (labelled app.kubernetes.io/managed-by=hanzo-kms) while\n"
        "every desktop is closed.\n"
        "\n"
        "Serving:\n"
        "  --listen ADDR:PORT        HTTPS address for desktops (default 0.0.0.0:8443)\n"
        "  --tls-cert FILE           the gateway's certificate (PEM; may include the chain)\n"
        "  --tls-key FILE            its private key (PEM, unencrypted EC or RSA)\n"
        "  --client-ca FILE          CA that signs desktop client certificates; clients without one are "
        "refused\n"
        "  --health-listen ADDR:PORT plain HTTP /healthz and /readyz for probes (default 0.0.0.0:8081; off)\n"
        "  --max-request-bytes N     largest request body accepted (default 1048576)\n"
        "  --upstream-timeout DUR    time limit of each API server call (default 30s)\n"
        "  --reap-interval DUR       how often to delete expired lease objects (default 5m; 0 = never)\n"
        "  --reap-namespaces A,B     reap only in these namespaces (default: all; then the gateway may\n"
        "                            list Secrets per namespace instead of cluster-wide)\n"
        "\n"
        "API server (defaults: what Kubernetes gives a pod):\n"
        "  --kube-url URL            default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT\n"
        "  --kube-ca FILE            default /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n"
        "  --kube-token-file FILE    default /var/run/secrets/kubernetes.io/serviceaccount/token\n"
        "                            (read again whenever it changes: projected tokens rotate)\n"
        "\n"
        "Certificates for a quick start:\n"
        "  certs --out DIR --host NAME...  writes ca.crt/ca.key, server.crt/server.key (for the hosts "
        "given)\n"
        "                                  and client.crt/client.key into DIR; see certs --help\n"
        "\n"
        "  --version                 print the version and exit\n"
        "  --help                    print this help and exit\n"
        "\n"
        "Exit status: 0 on a clean stop (SIGTERM), 1 when it cannot start, 2 on bad usage.\n");
}

QString GatewayCommand::certsUsage()
{
    return QStringLiteral(
        "Usage: hanzo-kms-gateway certs --out DIR --host NAME [--host NAME...] [--client-name NAME] [--days "
        "N]\n"
        "\n"
        "Makes a CA, a server certificate for the gateway and a client certificate for the desktop\n"
        "(ECDSA P-256, signed by the CA) and writes them into DIR, which is created if needed:\n"
        "  ca.crt ca.key server.crt server.key client.crt client.key   (keys mode 0600)\n"
        "Existing files are never overwritten.\n"
        "\n"
        "  --out DIR            where to write the files\n"
        "  --host NAME          a DNS name or IP address the desktop uses to reach the gateway; repeatable\n"
        "  --client-name NAME   the client certificate's common name (default hanzo-kms-desktop)\n"
        "  --days N             validity in days, 1 to 3650 (default 365)\n");
}

int GatewayCommand::run(const QStringList &arguments)
{
    const QStringList args = arguments.mid(1);
    if (args.size() == 1 && (args[0] == QLatin1String("--version") || args[0] == QLatin1String("-v"))) {
        QTextStream(stdout) << BuildInfo::versionLine(QStringLiteral("hanzo-kms-gateway")) << Qt::endl;
        return 0;
    }
    if (args.size() == 1 && (args[0] == QLatin1String("--help") || args[0] == QLatin1String("-h"))) {
        QTextStream(stdout) << usage() << Qt::flush;
        return 0;
    }
    if (!args.isEmpty() && args[0] == QLatin1String("certs"))
        return certs(args.mid(1));
    return serve(args);
}

} // namespace kms
