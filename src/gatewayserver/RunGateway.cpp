#include "gatewayserver/RunGateway.h"

#include "core/BoundedRead.h"
#include "core/Clock.h"
#include "gatewayserver/GatewayAccessPolicy.h"
#include "gatewayserver/GatewayHealthServer.h"
#include "gatewayserver/GatewayReaper.h"
#include "gatewayserver/GatewayServer.h"
#include "gatewayserver/UpstreamTransport.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QHostAddress>
#include <QNetworkAccessManager>
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

int failure(const QString &message)
{
    err() << "hanzo-kms-gateway: " << message << Qt::endl;
    return 1;
}

// Reads a whole file named by an option; error names the option.
std::optional<QByteArray> readOptionFile(const QString &option, const QString &path, QString *error)
{
    const BoundedRead file = BoundedRead::fromFile(path, 1024 * 1024);
    if (!file.ok()) {
        *error = file.status == BoundedRead::Status::TooLarge
            ? QStringLiteral("%1: %2; it is not a PEM file.").arg(option, file.problem(path))
            : QStringLiteral("%1: %2.").arg(option, file.problem(path));
        return std::nullopt;
    }
    const QByteArray &data = file.data;
    return data;
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

QCoro::Task<> reapLoop(GatewayReaper *reaper, bool *running)
{
    *running = true;
    co_await reaper->reapOnce();
    *running = false;
}

} // namespace

int runGateway(const GatewayOptions &o)
{
    QString error;
    // Deny by default: no usable policy, no gateway (bad usage, one sentence).
    std::optional<GatewayAccessPolicy> policy = GatewayAccessPolicy::load(o.policyFile, &error);
    if (!policy) {
        err() << "hanzo-kms-gateway: " << error << Qt::endl;
        return 2;
    }
    const auto cert = readOptionFile(QStringLiteral("--tls-cert"), o.tlsCertFile, &error);
    const auto key = cert ? readOptionFile(QStringLiteral("--tls-key"), o.tlsKeyFile, &error) : std::nullopt;
    const auto clientCa
        = key ? readOptionFile(QStringLiteral("--client-ca"), o.clientCaFile, &error) : std::nullopt;
    if (!clientCa)
        return failure(error);
    QByteArray kubeCa;
    if (o.kubeCaRequired || (!o.kubeCaFile.isEmpty() && QFile::exists(o.kubeCaFile))) {
        const auto ca = readOptionFile(QStringLiteral("--kube-ca"), o.kubeCaFile, &error);
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
    GatewayServer::Limits limits;
    limits.connection = o.connection;
    limits.upstreamTimeout = o.upstreamTimeout;
    server.setLimits(limits);
    server.setPolicy(std::move(*policy));
    // One JSON line per request (AccessLog), after the start-up line below.
    server.setAccessLogOutput(stdout);
    if (!server.setupTls(*cert, *key, *clientCa, &error))
        return failure(error);
    const quint16 port = server.listen(QHostAddress(o.listen.host), o.listen.port);
    if (port == 0)
        return failure(QStringLiteral("cannot listen on %1 (is the port in use?).").arg(o.listen.toString()));
    std::unique_ptr<GatewayHealthServer> healthServer;
    quint16 boundHealth = 0;
    if (o.healthListen) {
        healthServer = std::make_unique<GatewayHealthServer>(server);
        boundHealth = healthServer->listen(QHostAddress(o.healthListen->host), o.healthListen->port);
        if (boundHealth == 0)
            return failure(QStringLiteral("cannot listen on %1 for health checks (is the port in use?).")
                               .arg(o.healthListen->toString()));
    }

    // The reaper calls the API server directly, on its own connection pool.
    QNetworkAccessManager reaperNam;
    KubeClient reaperClient(&reaperNam, upstream);
    reaperClient.setTimeout(o.upstreamTimeout);
    GatewayReaper reaper(reaperClient, *Clock::system());
    reaper.setNamespaces(o.reapNamespaces);
    bool reaping = false;
    QTimer reapTimer;
    if (o.reapInterval.count() > 0) {
        reapTimer.setInterval(o.reapInterval);
        QObject::connect(&reapTimer, &QTimer::timeout, [&] {
            if (!reaping)
                reapLoop(&reaper, &reaping);
        });
        reapTimer.start();
        QTimer::singleShot(0, [&] { reapLoop(&reaper, &reaping); });
    }
    quitOnSignals();

    // One line for scripts and tests to wait on; then one access log line per request.
    QTextStream(stdout) << QStringLiteral("{\"listen\":\"%1:%2\",\"health\":\"%3\",\"kube\":\"%4\"}")
                               .arg(o.listen.host)
                               .arg(port)
                               .arg(o.healthListen
                                       ? QStringLiteral("%1:%2").arg(o.healthListen->host).arg(boundHealth)
                                       : QStringLiteral("off"),
                                   upstream->describe())
                        << Qt::endl;
    err() << "hanzo-kms-gateway: serving on " << o.listen.host << ':' << port << ", API server "
          << upstream->describe() << ", reaper "
          << (o.reapInterval.count() > 0 ? QStringLiteral("every %1 s").arg(o.reapInterval.count())
                                         : QStringLiteral("off"))
          << Qt::endl;
    const int code = QCoreApplication::exec();
    // A reap pass under way on SIGTERM gets a short grace to finish the calls
    // it has started (a delete takes milliseconds); then its calls are
    // cancelled, so the pass ends (the next gateway's reaper redoes it) and a
    // pod stops well within Kubernetes' 30 s grace period.
    reapTimer.stop();
    QTimer cancelAfterGrace;
    cancelAfterGrace.setSingleShot(true);
    QObject::connect(&cancelAfterGrace, &QTimer::timeout, [&] { reaperClient.cancel(); });
    cancelAfterGrace.start(std::chrono::seconds(2));
    if (reaping) {
        const QDeadlineTimer deadline(std::chrono::seconds(4));
        QEventLoop wait;
        QTimer check;
        QObject::connect(&check, &QTimer::timeout, &wait, [&] {
            if (!reaping || deadline.hasExpired())
                wait.quit();
        });
        check.start(50);
        wait.exec();
    }
    return code;
}

} // namespace kms
