// hanzo-kms-gateway's bounds, against the real binary in front of
// kms-testcluster: bodies refused by their Content-Length before they are
// read, chunked bodies cut off past the limit, 431 for oversized headers, slow
// and idle clients disconnected, connections capped per client and in all,
// the health port on loopback unless told otherwise, and the access log (one
// JSON line per request on stdout, never a token). Memory is the gateway's
// own peak (VmHWM in /proc/PID/status).
#include "GatewayPolicyFile.h"
#include "GatewayProcess.h"
#include "TestCluster.h"
#include "TestSupport.h"
#include "gateway/GatewayTransport.h"
#include "kube/GatewayCertificates.h"
#include "provider/ClusterConnection.h"
#include "provider/LeaseProvider.h"

#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;
using kms::test::GatewayProcess;
using kms::test::TestCluster;

namespace {

constexpr qint64 MiB = 1024 * 1024;

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

// The peak resident memory of a process, in bytes; -1 when unreadable.
qint64 peakMemory(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return -1;
}

// A raw HTTPS client: talks to the gateway in a separate process, so blocking waits are fine.
class RawClient {
public:
    RawClient(quint16 port, const QSslConfiguration &ssl)
    {
        m_socket.setSslConfiguration(ssl);
        m_socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        m_encrypted = m_socket.waitForEncrypted(10000);
        // The client's last handshake message is still in its buffer (TLS 1.3: the server's side ends after
        // it).
        m_socket.flush();
    }
    bool encrypted() const { return m_encrypted; }
    bool connected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.waitForBytesWritten(5000);
        m_sent += bytes.size();
    }
    // Sends `total` body bytes made by piece(n) in pieces until the gateway
    // answers or hangs up; what was sent.
    qint64 stream(qint64 total, const std::function<QByteArray(qint64)> &piece)
    {
        qint64 sent = 0;
        while (sent < total && connected() && m_received.isEmpty()) {
            if (m_socket.bytesToWrite() < MiB) {
                const QByteArray bytes = piece(std::min<qint64>(64 * 1024, total - sent));
                m_socket.write(bytes);
                sent += bytes.size();
            }
            m_socket.waitForBytesWritten(50);
            if (m_socket.waitForReadyRead(1))
                m_received += m_socket.readAll();
        }
        m_sent += sent;
        return sent;
    }
    // What the gateway answers, once its answer is complete or it hung up.
    QByteArray answer(int timeoutMs = 10000)
    {
        QElapsedTimer timer;
        timer.start();
        while (!complete() && connected() && timer.elapsed() < timeoutMs) {
            if (m_socket.waitForReadyRead(100))
                m_received += m_socket.readAll();
        }
        m_received += m_socket.readAll();
        return m_received;
    }
    int status(int timeoutMs = 10000)
    {
        const QByteArray a = answer(timeoutMs);
        return a.startsWith("HTTP/1.1 ") ? a.mid(9, 3).toInt() : 0;
    }
    // Waits for the gateway to close the connection; false when it has not within timeoutMs.
    bool closedWithin(int timeoutMs)
    {
        QElapsedTimer timer;
        timer.start();
        while (connected() && timer.elapsed() < timeoutMs) {
            if (m_socket.waitForReadyRead(100))
                m_received += m_socket.readAll();
        }
        return !connected();
    }
    void close() { m_socket.abort(); }
    QByteArray received() const { return m_received; }
    // Forgets what was received: the next answer() is the next answer.
    void clear() { m_received.clear(); }

private:
    bool complete() const
    {
        const qsizetype end = m_received.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        for (const QByteArray &line : m_received.left(end).split('\n')) {
            if (line.toLower().startsWith("content-length:"))
                return m_received.size() - end - 4 >= line.mid(15).trimmed().toLongLong();
        }
        return false;
    }

    QSslSocket m_socket;
    bool m_encrypted = false;
    qint64 m_sent = 0;
    QByteArray m_received;
};

QByteArray zeros(qint64 n)
{
    return QByteArray(n, '0');
}

QByteArray chunk(qint64 n)
{
    return QByteArray::number(n, 16) + "\r\n" + QByteArray(n, 'x') + "\r\n";
}

} // namespace

class TestGatewayLimits : public QObject {
    Q_OBJECT

    TestCluster m_cluster;
    QTemporaryDir m_dir;
    GatewayCertificates::Bundle m_pki; // the gateway's CA, its server certificate, client "desk-a"
    GatewayCertificates::Bundle m_otherPki; // a second client CA the gateway also trusts, client "desk-b"
    GatewayProcess m_gateway; // started with no limit flags: the defaults
    QSslConfiguration m_sslA, m_sslB;
    QByteArray m_gatewayToken;
    QString m_policyPath;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    QStringList gatewayArgs() const
    {
        return { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--tls-cert"),
            path(QStringLiteral("pki/server.crt")), QStringLiteral("--tls-key"),
            path(QStringLiteral("pki/server.key")), QStringLiteral("--client-ca"),
            path(QStringLiteral("client-ca.crt")), QStringLiteral("--kube-url"), m_cluster.url().toString(),
            QStringLiteral("--kube-ca"), m_cluster.caPath(), QStringLiteral("--kube-token-file"),
            path(QStringLiteral("token")), QStringLiteral("--reap-interval"), QStringLiteral("0"),
            QStringLiteral("--policy"), m_policyPath };
    }

    bool startGateway(GatewayProcess &gateway, const QStringList &extra, QString *error) const
    {
        return gateway.start(QStringLiteral(KMS_GATEWAY_PATH), gatewayArgs() + extra, error);
    }

    QSslConfiguration clientSsl(const GatewayCertificates::Bundle &bundle) const
    {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setCaCertificates(QSslCertificate::fromData(m_pki.caCertificate));
        ssl.setLocalCertificate(QSslCertificate(bundle.clientCertificate));
        ssl.setPrivateKey(GatewayCertificates::readPrivateKey(bundle.clientKey, nullptr));
        ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
        return ssl;
    }

    static QByteArray post(const QByteArray &path, const QByteArray &headers)
    {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + headers
            + "\r\n";
    }

    // A connection, once the gateway has room for one (it closes others at
    // once while it has none); null when it has none for 20 s.
    static std::unique_ptr<RawClient> connectWhenThereIsRoom(quint16 port, const QSslConfiguration &ssl)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 20000) {
            auto client = std::make_unique<RawClient>(port, ssl);
            if (client->encrypted())
                return client;
            client.reset();
            QTest::qWait(50);
        }
        return nullptr;
    }

    // The last access log line with this status.
    QJsonObject logLineWithStatus(GatewayProcess &gateway, int status)
    {
        QJsonObject found;
        for (const QJsonObject &line : gateway.accessLog()) {
            if (line.value(QLatin1String("status")).toInt() == status)
                found = line;
        }
        return found;
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
        m_gatewayToken = m_cluster.applySeedSetup();
        QVERIFY2(!m_gatewayToken.isEmpty(), qPrintable(m_cluster.errorString()));
        QVERIFY(writeFile(path(QStringLiteral("token")), m_gatewayToken));
        m_policyPath = test::writeGatewayPolicy(m_dir.path(), test::allowingGatewayPolicy());
        QVERIFY(!m_policyPath.isEmpty());

        QString error;
        auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("desk-a"), 1, &error);
        auto other = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("desk-b"), 1, &error);
        QVERIFY2(pki && other, qPrintable(error));
        m_pki = *pki;
        m_otherPki = *other;
        QVERIFY(GatewayCertificates::write(m_pki, path(QStringLiteral("pki")), &error));
        // Both CAs sign clients: two clients with certificates of their own.
        QVERIFY(
            writeFile(path(QStringLiteral("client-ca.crt")), m_pki.caCertificate + m_otherPki.caCertificate));
        m_sslA = clientSsl(m_pki);
        m_sslB = clientSsl(m_otherPki);

        QVERIFY2(
            startGateway(m_gateway, { QStringLiteral("--health-listen"), QStringLiteral("off") }, &error),
            qPrintable(error));
    }

    void refusesABodyByItsContentLengthBeforeReadingIt()
    {
        const qint64 before = peakMemory(m_gateway.pid());
        QVERIFY(before > 0);
        RawClient client(m_gateway.port(), m_sslA);
        QVERIFY(client.encrypted());
        const qint64 declared = 40 * MiB;
        client.send(post("/api/v1/namespaces/default/serviceaccounts",
            "Content-Length: " + QByteArray::number(declared) + "\r\n"));
        // The client keeps sending until the gateway answers or hangs up.
        const qint64 sent = client.stream(declared, zeros);
        QCOMPARE(client.status(), 413);
        QVERIFY2(client.received().contains("larger than the gateway's limit of 1048576 bytes"),
            client.received().constData());
        const qint64 after = peakMemory(m_gateway.pid());
        qInfo("gateway peak memory %lld -> %lld KiB; %lld of %lld body bytes sent before the answer",
            before / 1024, after / 1024, sent, declared);
        QVERIFY2(after - before < 16 * MiB * test::SanitizerFactor,
            qPrintable(QStringLiteral("peak memory went from %1 to %2 bytes").arg(before).arg(after)));
        QVERIFY2(sent < declared, qPrintable(QString::number(sent)));
        QTRY_COMPARE(logLineWithStatus(m_gateway, 413).value(QLatin1String("decision")).toString(),
            QStringLiteral("deny"));
    }

    void cutsAChunkedBodyOffPastTheLimit()
    {
        const qint64 before = peakMemory(m_gateway.pid());
        RawClient client(m_gateway.port(), m_sslA);
        QVERIFY(client.encrypted());
        client.send(post("/api/v1/namespaces/default/serviceaccounts", "Transfer-Encoding: chunked\r\n"));
        const qint64 sent = client.stream(40 * MiB, [](qint64 n) { return chunk(n - 16); });
        // 413 when the client still reads it; the connection is closed either way.
        const int status = client.status();
        QVERIFY2(status == 413 || status == 0, client.received().constData());
        QVERIFY(client.closedWithin(5000));
        const qint64 after = peakMemory(m_gateway.pid());
        qInfo("gateway peak memory %lld -> %lld KiB; %lld chunked bytes sent before it hung up",
            before / 1024, after / 1024, sent);
        QVERIFY2(after - before < 16 * MiB * test::SanitizerFactor,
            qPrintable(QStringLiteral("peak memory went from %1 to %2 bytes").arg(before).arg(after)));
        QVERIFY2(sent < 40 * MiB, qPrintable(QString::number(sent)));
    }

    void takesAChunkedBodyUnderTheLimit()
    {
        RawClient client(m_gateway.port(), m_sslA);
        QVERIFY(client.encrypted());
        const QByteArray body = R"({"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1",)"
                                R"("spec":{"expirationSeconds":600}})";
        client.send(post("/api/v1/namespaces/default/serviceaccounts/kms-token-requester/token",
                        "Transfer-Encoding: chunked\r\n")
            + QByteArray::number(20, 16) + "\r\n" + body.left(20) + "\r\n"
            + QByteArray::number(body.size() - 20, 16) + "\r\n" + body.mid(20) + "\r\n0\r\n\r\n");
        QCOMPARE(client.status(), 201);
        QVERIFY(client.received().contains("\"token\""));
    }

    void answers431ForHeadersOverTheLimit()
    {
        // Just over the 32 KiB limit: 431.
        RawClient big(m_gateway.port(), m_sslA);
        QVERIFY(big.encrypted());
        big.send("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + QByteArray(32 * 1024, 'a')
            + "\r\n\r\n");
        QCOMPARE(big.status(), 431);
        QVERIFY(big.closedWithin(5000));
        QTRY_COMPARE(logLineWithStatus(m_gateway, 431).value(QLatin1String("decision")).toString(),
            QStringLiteral("deny"));

        // Under it (16 KiB of headers): answered as usual.
        RawClient fine(m_gateway.port(), m_sslA);
        QVERIFY(fine.encrypted());
        fine.send("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + QByteArray(16 * 1024, 'a')
            + "\r\n\r\n");
        QCOMPARE(fine.status(), 200);
    }

    void keepsAConnectionAliveAcrossRequests()
    {
        RawClient client(m_gateway.port(), m_sslA);
        QVERIFY(client.encrypted());
        for (int i = 0; i < 3; ++i) {
            client.send("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            QCOMPARE(client.status(), 200);
            QVERIFY(client.connected());
            client.clear();
        }
    }

    void disconnectsASlowClientAfterTheHeaderTimeout()
    {
        // One byte every 2 s, the attack of the issue; the default header limit is 10 s.
        RawClient client(m_gateway.port(), m_sslA);
        QVERIFY(client.encrypted());
        QElapsedTimer timer;
        timer.start();
        const QByteArray request = "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
        for (qsizetype i = 0; client.connected() && timer.elapsed() < 20000; ++i) {
            client.send(request.mid(i % request.size(), 1));
            client.closedWithin(2000);
        }
        QVERIFY2(!client.connected(), "the gateway kept a slow client for 20 s");
        QVERIFY2(timer.elapsed() < 14000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY2(client.received().startsWith("HTTP/1.1 408"), client.received().constData());
    }

    void capsConnectionsPerClientAndInAll()
    {
        GatewayProcess gateway;
        QString error;
        QVERIFY2(
            startGateway(gateway,
                { QStringLiteral("--health-listen"), QStringLiteral("off"),
                    QStringLiteral("--max-client-connections=3"), QStringLiteral("--max-connections=4") },
                &error),
            qPrintable(error));
        std::vector<std::unique_ptr<RawClient>> a;
        for (int i = 0; i < 3; ++i) {
            a.push_back(std::make_unique<RawClient>(gateway.port(), m_sslA));
            QVERIFY(a.back()->encrypted());
            a.back()->send("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            QCOMPARE(a.back()->status(), 200); // admitted
        }
        // A fourth of desk-a's: 429 once its certificate is known.
        RawClient fourth(gateway.port(), m_sslA);
        const int fourthStatus = fourth.status();
        QVERIFY2(fourthStatus == 429, fourth.received().constData());
        QVERIFY(fourth.received().contains("3 connections at once per client"));
        fourth.close();
        QTRY_COMPARE(logLineWithStatus(gateway, 429).value(QLatin1String("client")).toString(),
            QStringLiteral("CN=desk-a,O=Hanzo KMS"));

        // Another client still gets in (once the fourth is gone: 3 + 1 = the total of 4) ...
        std::unique_ptr<RawClient> b = connectWhenThereIsRoom(gateway.port(), m_sslB);
        QVERIFY(b);
        b->send("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QCOMPARE(b->status(), 200);
        // ... but a fifth connection of anyone is closed before its handshake.
        RawClient fifth(gateway.port(), m_sslB);
        QVERIFY(!fifth.encrypted());
        QVERIFY(fifth.closedWithin(5000));
        QVERIFY(fifth.received().isEmpty());
        // When one goes, there is room again.
        a.front()->close();
        QVERIFY(connectWhenThereIsRoom(gateway.port(), m_sslB));
    }

    void closesIdleConnections()
    {
        GatewayProcess gateway;
        QString error;
        QVERIFY2(startGateway(gateway,
                     { QStringLiteral("--health-listen"), QStringLiteral("off"),
                         QStringLiteral("--idle-timeout"), QStringLiteral("2s") },
                     &error),
            qPrintable(error));
        RawClient client(gateway.port(), m_sslA);
        QVERIFY(client.encrypted());
        client.send("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QCOMPARE(client.status(), 200);
        QElapsedTimer timer;
        timer.start();
        QVERIFY(client.closedWithin(6000));
        QVERIFY2(timer.elapsed() >= 1500, qPrintable(QString::number(timer.elapsed())));
    }

    void healthListensOnLoopbackUnlessTold()
    {
        // No --health-listen: 127.0.0.1:8081, never every interface. Another
        // process may hold the port; then the refusal names the address tried.
        QProcess p;
        p.start(QStringLiteral(KMS_GATEWAY_PATH), gatewayArgs());
        QVERIFY(p.waitForStarted(5000));
        const bool ready = p.waitForReadyRead(10000);
        const QByteArray out = p.readLine();
        const QString health
            = QJsonDocument::fromJson(out).object().value(QLatin1String("health")).toString();
        p.terminate();
        p.waitForFinished(5000);
        if (ready && !out.isEmpty()) {
            QCOMPARE(health, QStringLiteral("127.0.0.1:8081"));
        } else {
            const QByteArray err = p.readAllStandardError();
            QVERIFY2(err.contains("cannot listen on 127.0.0.1:8081 for health checks"), err.constData());
        }
    }

    void logsOneJsonLinePerRequestAndNoToken()
    {
        QString error;
        const std::shared_ptr<GatewayTransport> transport = GatewayTransport::create(QStringLiteral("it"),
            QStringLiteral("https://127.0.0.1:%1").arg(m_gateway.port()), m_pki.caCertificate,
            m_pki.clientCertificate, m_pki.clientKey, &error);
        QVERIFY2(transport, qPrintable(error));
        DynamicSecret secret;
        secret.name = QStringLiteral("static-gw");
        secret.authMethod = AuthMethod::Gateway;
        secret.gateway = QStringLiteral("it");
        secret.credentialType = CredentialType::Static;
        secret.serviceAccount = QStringLiteral("kms-token-requester");
        secret.namespaceName = QStringLiteral("default");
        ClusterConnection connection(transport);
        LeaseProvider provider(connection.client());
        const Lease lease = LeaseProvider::plan(secret, Lease::newId(), {});
        const ProvisionOutcome outcome = QCoro::waitFor(provider.provision(secret, lease, 600, {}));
        QVERIFY2(outcome.ok(), qPrintable(outcome.error));
        const KubeResult refused = QCoro::waitFor(
            connection.client().get(QStringLiteral("/api/v1/namespaces/kube-system/secrets")));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error->httpStatus, 403);

        QJsonObject issued, denied;
        const auto logged = [&] {
            for (const QJsonObject &line : m_gateway.accessLog()) {
                if (line.value(QLatin1String("verb")).toString() == QLatin1String("POST")
                    && line.value(QLatin1String("path")).toString().endsWith(QLatin1String("/token")))
                    issued = line;
                if (line.value(QLatin1String("path")).toString()
                    == QLatin1String("/api/v1/namespaces/kube-system/secrets"))
                    denied = line;
            }
            return !issued.isEmpty() && !denied.isEmpty();
        };
        QTRY_VERIFY(logged());
        for (const char *key : { "time", "client", "verb", "path", "status", "decision", "reason" })
            QVERIFY2(issued.contains(QLatin1String(key)), key);
        QCOMPARE(issued.value(QLatin1String("client")).toString(), QStringLiteral("CN=desk-a,O=Hanzo KMS"));
        QCOMPARE(issued.value(QLatin1String("status")).toInt(), 201);
        QCOMPARE(issued.value(QLatin1String("decision")).toString(), QStringLiteral("allow"));
        QVERIFY(QDateTime::fromString(issued.value(QLatin1String("time")).toString(), Qt::ISODateWithMs)
                    .isValid());
        QCOMPARE(denied.value(QLatin1String("status")).toInt(), 403);
        QCOMPARE(denied.value(QLatin1String("decision")).toString(), QStringLiteral("deny"));
        // The reason is the policy's own, the one the client was told.
        const QString reason = denied.value(QLatin1String("reason")).toString();
        QVERIFY(!reason.isEmpty());
        QVERIFY2(
            refused.error->message.contains(reason), qPrintable(refused.error->message + " / " + reason));

        // Every stdout line is a JSON object (the ready line, then the log), and no token is anywhere.
        const QByteArray all = m_gateway.log() + m_gateway.output();
        QVERIFY(!outcome.issued->token.isEmpty());
        QVERIFY2(!all.contains(outcome.issued->token), "an issued token reached the gateway's output");
        QVERIFY2(!all.contains(m_gatewayToken), "the gateway's token reached its output");
        for (const QJsonObject &line : m_gateway.accessLog())
            QVERIFY(!line.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestGatewayLimits)
#include "tst_gateway_limits.moc"
