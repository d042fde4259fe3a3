// hanzo-kms-gateway under a flood: N clients (20 by default) each send a
// request with a 300 MB body, again and again, first announced by
// Content-Length, then chunked, while a desktop leases through the same
// gateway with the same client certificate. Prints the gateway's peak memory
// (VmHWM in /proc/PID/status), what the flood got back, and the latency of the
// leases made meanwhile; exits 1 when a lease fails or the peak passes 64 MiB.
// The flood runs in a thread of its own, so the desktop's event loop is not
// the one busy encrypting 300 MB bodies.
// Run by hand:
//   build/tests/bench/bench_gateway_flood [clients] [megabytes] [leases]
#include "GatewayPolicyFile.h"
#include "GatewayProcess.h"
#include "TestCluster.h"
#include "gateway/GatewayTransport.h"
#include "kube/GatewayCertificates.h"
#include "provider/ClusterConnection.h"
#include "provider/LeaseProvider.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <QThread>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

using namespace kms;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 PeakLimit = 64 * MiB;

int fail(const QString &message)
{
    std::fprintf(stderr, "bench_gateway_flood: %s\n", qPrintable(message));
    return 1;
}

qint64 statusField(qint64 pid, const char *field)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return -1;
}

// One flooding client: connects, sends headers announcing (or chunking) a
// huge body, streams it as fast as the gateway takes it, and starts over
// whenever the gateway answers or hangs up, until stopped.
class Flooder : public QObject {
public:
    struct Tally {
        std::atomic<int> attempts = 0;
        std::atomic<int> refused413 = 0; // answered 413
        std::atomic<int> otherAnswers = 0;
        std::atomic<int> hungUp = 0; // closed with no answer read
        std::atomic<qint64> bytesWritten = 0; // handed to the client's socket (at most 256 KiB not yet sent)
    };

    Flooder(quint16 port, const QSslConfiguration &ssl, qint64 bodyBytes, bool chunked, Tally *tally)
        : m_port(port)
        , m_ssl(ssl)
        , m_body(bodyBytes)
        , m_chunked(chunked)
        , m_tally(tally)
    {
    }

    void start() { connectOnce(); }
    void stop()
    {
        m_stopped = true;
        if (m_socket)
            m_socket->abort();
        m_socket.reset();
    }

private:
    void connectOnce()
    {
        if (m_stopped)
            return;
        ++m_tally->attempts;
        m_sent = 0;
        m_answer.clear();
        m_socket = std::make_unique<QSslSocket>();
        QSslSocket *socket = m_socket.get();
        socket->setSslConfiguration(m_ssl);
        connect(socket, &QSslSocket::encrypted, this, [this, socket] {
            socket->write("POST /api/v1/namespaces/default/serviceaccounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\n"
                + (m_chunked ? QByteArray("Transfer-Encoding: chunked\r\n")
                             : "Content-Length: " + QByteArray::number(m_body) + "\r\n")
                + "\r\n");
            feed();
        });
        // Fed as the network takes it, not as fast as it can be encrypted.
        connect(socket, &QSslSocket::encryptedBytesWritten, this, [this] { feed(); });
        connect(socket, &QIODevice::readyRead, this, [this, socket] { m_answer += socket->readAll(); });
        connect(socket, &QAbstractSocket::disconnected, this, [this] { finished(); });
        connect(socket, &QAbstractSocket::errorOccurred, this, [this, socket] {
            if (socket->state() == QAbstractSocket::UnconnectedState)
                finished();
        });
        socket->connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_port);
    }

    void feed()
    {
        QSslSocket *socket = m_socket.get();
        while (socket && socket->isEncrypted() && m_sent < m_body
            && socket->bytesToWrite() + socket->encryptedBytesToWrite() < 256 * 1024) {
            const qint64 n = std::min<qint64>(64 * 1024, m_body - m_sent);
            const QByteArray data(n, 'x');
            socket->write(m_chunked ? QByteArray::number(n, 16) + "\r\n" + data + "\r\n" : data);
            m_sent += n;
            m_tally->bytesWritten += n;
        }
    }

    void finished()
    {
        if (!m_socket)
            return;
        m_answer += m_socket->readAll();
        if (m_answer.startsWith("HTTP/1.1 413"))
            ++m_tally->refused413;
        else if (m_answer.startsWith("HTTP/"))
            ++m_tally->otherAnswers;
        else
            ++m_tally->hungUp;
        m_socket.release()->deleteLater();
        QTimer::singleShot(0, this, [this] { connectOnce(); });
    }

    quint16 m_port;
    QSslConfiguration m_ssl;
    qint64 m_body;
    bool m_chunked;
    Tally *m_tally;
    std::unique_ptr<QSslSocket> m_socket;
    qint64 m_sent = 0;
    QByteArray m_answer;
    bool m_stopped = false;
};

struct Stats {
    double median = 0;
    double max = 0;
};

Stats stats(std::vector<double> v)
{
    if (v.empty())
        return {};
    std::sort(v.begin(), v.end());
    return { v[v.size() / 2], v.back() };
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    const int clients = argc > 1 ? QByteArray(argv[1]).toInt() : 20;
    const qint64 bodyBytes = (argc > 2 ? QByteArray(argv[2]).toLongLong() : 300) * 1000 * 1000;
    const int leases = argc > 3 ? QByteArray(argv[3]).toInt() : 10;
    if (clients <= 0 || bodyBytes <= 0 || leases <= 0)
        return fail(QStringLiteral("clients, megabytes and leases must be positive numbers"));

    test::TestCluster cluster;
    if (!cluster.start())
        return fail(cluster.errorString());
    const QByteArray requester = cluster.applySeedSetup();
    if (requester.isEmpty())
        return fail(cluster.errorString());
    QTemporaryDir dir;
    QString error;
    const auto pki
        = GatewayCertificates::generate({ QStringLiteral("127.0.0.1") }, QStringLiteral("bench"), 1, &error);
    if (!pki || !GatewayCertificates::write(*pki, dir.filePath(QStringLiteral("pki")), &error))
        return fail(error);
    QFile token(dir.filePath(QStringLiteral("token")));
    if (!token.open(QIODevice::WriteOnly) || token.write(requester) != requester.size())
        return fail(QStringLiteral("cannot write the token file"));
    token.close();

    QProcess gateway;
    gateway.start(QStringLiteral(KMS_GATEWAY_PATH),
        kms::test::gatewayServeArgs(
            { dir.filePath(QStringLiteral("pki")), cluster.url().toString(), cluster.caPath(),
                token.fileName(), test::writeGatewayPolicy(dir.path(), test::allowingGatewayPolicy()) }));
    if (!gateway.waitForReadyRead(10000))
        return fail(QStringLiteral("the gateway did not start"));
    const QString listen
        = QJsonDocument::fromJson(gateway.readLine()).object().value(QLatin1String("listen")).toString();
    const quint16 port = quint16(listen.section(QLatin1Char(':'), -1).toUInt());
    const qint64 pid = gateway.processId();
    // The access log and warnings are not what is measured.
    QObject::connect(
        &gateway, &QProcess::readyReadStandardOutput, &gateway, [&] { gateway.readAllStandardOutput(); });
    QObject::connect(
        &gateway, &QProcess::readyReadStandardError, &gateway, [&] { gateway.readAllStandardError(); });

    std::shared_ptr<const KubeTransport> transport
        = GatewayTransport::create(QStringLiteral("bench"), QStringLiteral("https://") + listen,
            pki->caCertificate, pki->clientCertificate, pki->clientKey, &error);
    if (!transport)
        return fail(error);
    // The flood uses the desktop's own certificate: it competes for the same per-client share.
    QSslConfiguration floodSsl = QSslConfiguration::defaultConfiguration();
    floodSsl.setCaCertificates(QSslCertificate::fromData(pki->caCertificate));
    floodSsl.setLocalCertificate(QSslCertificate(pki->clientCertificate));
    floodSsl.setPrivateKey(GatewayCertificates::readPrivateKey(pki->clientKey, nullptr));

    DynamicSecret staticSecret;
    staticSecret.name = QStringLiteral("flood-static");
    staticSecret.credentialType = CredentialType::Static;
    staticSecret.serviceAccount = QStringLiteral("kms-token-requester");
    staticSecret.namespaceName = QStringLiteral("default");
    DynamicSecret dynamicSecret;
    dynamicSecret.name = QStringLiteral("flood-dynamic");
    dynamicSecret.credentialType = CredentialType::Dynamic;
    dynamicSecret.allowedNamespaces = { QStringLiteral("default") };
    dynamicSecret.roleType = RoleType::ClusterRole;
    dynamicSecret.roleName = QStringLiteral("kms-dynamic-role");

    const qint64 startPeak = statusField(pid, "VmHWM:");
    std::printf("gateway started: VmHWM %.1f MiB; %d clients, %.0f MB bodies, %d leases per round\n",
        double(startPeak) / MiB, clients, double(bodyBytes) / 1e6, leases);
    bool ok = true;
    for (const bool chunked : { false, true }) {
        Flooder::Tally tally;
        QThread floodThread;
        std::vector<std::unique_ptr<Flooder>> flood;
        for (int i = 0; i < clients; ++i) {
            flood.push_back(std::make_unique<Flooder>(port, floodSsl, bodyBytes, chunked, &tally));
            flood.back()->moveToThread(&floodThread);
        }
        floodThread.start();
        for (const auto &f : flood)
            QMetaObject::invokeMethod(f.get(), [&f] { f->start(); });
        QElapsedTimer elapsed;
        elapsed.start();
        // Let the flood get going before the first lease.
        while (tally.attempts < 2 * clients && elapsed.elapsed() < 10000)
            QThread::msleep(50);

        ClusterConnection connection(transport);
        LeaseProvider provider(connection.client());
        std::vector<double> statics, dynamics;
        QString leaseError;
        for (int i = 0; i < leases && leaseError.isEmpty(); ++i) {
            QElapsedTimer t;
            t.start();
            const Lease s = LeaseProvider::plan(staticSecret, Lease::newId(), {});
            const ProvisionOutcome o = QCoro::waitFor(provider.provision(staticSecret, s, 600, {}));
            if (!o.ok()) {
                leaseError = o.error;
                break;
            }
            statics.push_back(t.nsecsElapsed() / 1e6);
            t.restart();
            const Lease d = LeaseProvider::plan(dynamicSecret, Lease::newId(), QStringLiteral("default"));
            const ProvisionOutcome p = QCoro::waitFor(provider.provision(dynamicSecret, d, 600, {}));
            if (!p.ok()) {
                leaseError = p.error;
                break;
            }
            // The lease as the desktop records it: with the uids its deletes carry as preconditions.
            const CleanupOutcome c = QCoro::waitFor(provider.cleanup(p.lease, false));
            if (!c.done) {
                leaseError = c.error;
                break;
            }
            dynamics.push_back(t.nsecsElapsed() / 1e6);
        }
        for (const auto &f : flood)
            QMetaObject::invokeMethod(
                f.get(), [&f] { f->stop(); }, Qt::BlockingQueuedConnection);
        floodThread.quit();
        floodThread.wait();
        const qint64 peak = statusField(pid, "VmHWM:");
        const qint64 now = statusField(pid, "VmRSS:");
        const Stats a = stats(statics), b = stats(dynamics);
        std::printf("%s flood for %.1f s: %d requests, %.0f MB written by the clients, %d answered 413, %d "
                    "other answers, %d cut off unanswered\n",
            chunked ? "chunked       " : "Content-Length", elapsed.elapsed() / 1000.0, tally.attempts.load(),
            double(tally.bytesWritten.load()) / 1e6, tally.refused413.load(), tally.otherAnswers.load(),
            tally.hungUp.load());
        std::printf("  gateway VmHWM %.1f MiB (VmRSS now %.1f MiB)\n", double(peak) / MiB, double(now) / MiB);
        std::printf(
            "  meanwhile: static lease median %.1f ms max %.1f ms | dynamic lease + revoke median %.1f "
            "ms max %.1f ms (%zu each)%s\n",
            a.median, a.max, b.median, b.max, dynamics.size(),
            leaseError.isEmpty() ? "" : qPrintable(QStringLiteral("; a lease failed: ") + leaseError));
        if (!leaseError.isEmpty() || peak > PeakLimit)
            ok = false;
    }
    gateway.terminate();
    gateway.waitForFinished(5000);
    std::printf("%s\n", ok ? "ok: every lease succeeded, peak under 64 MiB" : "FAILED");
    return ok ? 0 : 1;
}
