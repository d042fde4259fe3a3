#include "core/GatewayClientPolicy.h"
#include "gateway/GatewayTransport.h"
#include "gatewayserver/ConnectionBudget.h"
#include "gatewayserver/GatewayServer.h"
#include "gatewayserver/GuardedServer.h"
#include "gatewayserver/HttpMethod.h"
#include "kube/GatewayCertificates.h"
#include "kube/KubeClient.h"

#include <QAbstractHttpServer>
#include <QCoro/QCoroTask>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;
using namespace std::chrono_literals;

namespace {

// A stand-in API server over TLS: records what reaches it and answers from a
// table; a path in `hold` is never answered.
class FakeApiServer : public QAbstractHttpServer {
public:
    struct Seen {
        QByteArray method;
        QString path;
        QByteArray authorization;
        QByteArray impersonate;
        QByteArray cookie;
        QByteArray body;
    };
    QList<Seen> seen;
    QHash<QString, std::pair<int, QByteArray>> answers; // "GET /path" -> status, body
    QSet<QString> hold;
    QSet<QString> cut; // answered 200 with half the announced body, then the connection dropped
    std::vector<std::unique_ptr<QHttpServerResponder>> held;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        const QByteArray method = httpMethodName(request.method());
        const QString path = request.url().path(QUrl::FullyEncoded)
            + (request.url().hasQuery() ? QLatin1Char('?') + request.url().query(QUrl::FullyEncoded)
                                        : QString());
        seen.append({ method, path, request.value("Authorization"), request.value("Impersonate-User"),
            request.value("Cookie"), request.body() });
        const QString key = QString::fromLatin1(method) + QLatin1Char(' ') + request.url().path();
        if (hold.contains(key)) {
            held.push_back(std::make_unique<QHttpServerResponder>(makeResponder(request, socket)));
            return true;
        }
        const auto answer = answers.value(key, { 200, QByteArrayLiteral(R"({"kind":"Thing"})") });
        if (cut.contains(key)) {
            socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + QByteArray::number(answer.second.size()) + "\r\n\r\n"
                + answer.second.left(answer.second.size() / 2));
            socket->flush();
            socket->disconnectFromHost();
            return true;
        }
        QHttpServerResponder responder = makeResponder(request, socket);
        responder.writeStatusLine(QHttpServerResponder::StatusCode(answer.first));
        responder.writeHeader("Content-Type", "application/json");
        responder.writeHeader("Content-Length", QByteArray::number(answer.second.size()));
        if (answer.first == 201)
            responder.writeHeader(
                "Warning", "299 - \"requested expiration of 7200 seconds shortened to 3600 seconds\"");
        responder.writeBody(answer.second);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override { }
};

const QByteArray Policy = R"(clients:
  - subject: desk-1
    namespaces: [a, gone, slow]
    staticServiceAccounts: [default/app]
    roles: [{kind: ClusterRole, name: view}]
    maxTTL: 2h
    audiences: ["*"]
    generatedRoles:
      kinds: [Role]
      rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
)";

const QByteArray ManagedAccount
    = R"({"kind":"ServiceAccount","metadata":{"name":"b","namespace":"a","uid":"u-b","labels":{"app.kubernetes.io/managed-by":"hanzo-kms","kms.hanzo.ai/lease-id":"0f0f0f0f-0000-4000-8000-000000000001"},"annotations":{"kms.hanzo.ai/expires-at":"2099-01-01T00:00:00Z"}}})";

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

} // namespace

class TestGatewayServer : public QObject {
    Q_OBJECT

    GatewayCertificates::Bundle m_pki; // gateway CA, server, desktop client
    GatewayCertificates::Bundle m_otherPki; // an unrelated CA and its client
    GatewayCertificates::Bundle m_apiPki; // the fake API server's certificate
    QTemporaryDir m_dir;
    QString m_tokenPath;
    std::unique_ptr<FakeApiServer> m_api;
    std::unique_ptr<GatewayServer> m_gateway;
    quint16 m_port = 0;
    std::shared_ptr<GatewayTransport> m_transport;
    QStringList m_logLines;

    // Small bounds, so that tests pass them cheaply.
    static GatewayServer::Limits limits(std::chrono::milliseconds accountWait = 10s)
    {
        GatewayServer::Limits limits;
        limits.connection.maxBodyBytes = 4096;
        limits.connection.maxHeaderBytes = 2048;
        limits.upstreamTimeout = 1500ms;
        limits.accountWait = accountWait;
        limits.maxAnswerBytes = 64 * 1024;
        return limits;
    }

    QString gatewayUrl() const { return QStringLiteral("https://127.0.0.1:%1").arg(m_port); }

    // A plain request through the desktop's transport, with extra headers.
    std::pair<int, QByteArray> call(const QByteArray &method, const QString &path,
        const QByteArray &body = {}, const QList<std::pair<QByteArray, QByteArray>> &headers = {},
        QByteArray *warning = nullptr)
    {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(gatewayUrl() + path));
        request.setSslConfiguration(m_transport->sslConfiguration());
        request.setRawHeader("Content-Type", "application/json");
        for (const auto &[k, v] : headers)
            request.setRawHeader(k, v);
        QNetworkReply *reply = nam.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!finished.wait(10000))
            return { -1, {} };
        if (warning)
            *warning = reply->rawHeader("Warning");
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray data = reply->readAll();
        reply->deleteLater();
        return { status, data };
    }

    struct RawExchange {
        QList<QByteArray> answers; // one per request answered
        bool closed = false; // the gateway hung up
    };

    // Sends each request on one TLS connection with the desktop's
    // certificate, the next once the last is answered; stops when the gateway
    // hangs up or a request goes unanswered for 3 s.
    RawExchange exchange(const QList<QByteArray> &requests)
    {
        RawExchange r;
        QSslSocket socket;
        socket.setSslConfiguration(m_transport->sslConfiguration());
        QByteArray received;
        connect(&socket, &QIODevice::readyRead, this, [&] { received += socket.readAll(); });
        QSignalSpy encrypted(&socket, &QSslSocket::encrypted);
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_port);
        if (!encrypted.wait(5000))
            return r;
        // Complete when the headers and Content-Length bytes of body are in.
        auto complete = [&received] {
            const qsizetype end = received.indexOf("\r\n\r\n");
            if (end < 0)
                return false;
            const qsizetype at = received.toLower().indexOf("content-length:");
            if (at < 0 || at > end)
                return true;
            const qint64 length
                = received.mid(at + 15, received.indexOf('\r', at) - at - 15).trimmed().toLongLong();
            return received.size() >= end + 4 + length;
        };
        for (const QByteArray &request : requests) {
            received.clear();
            socket.write(request);
            const bool ended = QTest::qWaitFor(
                [&] { return complete() || socket.state() == QAbstractSocket::UnconnectedState; }, 3000);
            if (ended && complete())
                r.answers << received;
            if (socket.state() == QAbstractSocket::UnconnectedState)
                break;
        }
        // A refusal (or no answer) ends the connection: wait for that; otherwise it must still be open.
        const bool refused = r.answers.isEmpty() || r.answers.last().contains("Connection: close");
        const auto unconnected = [&] { return socket.state() == QAbstractSocket::UnconnectedState; };
        r.closed = unconnected() || (refused && QTest::qWaitFor(unconnected, 5000));
        return r;
    }

    // Connects with raw TLS, asks for /version as soon as its side of the
    // handshake is done, and returns what came back before the server hung up.
    QByteArray rawAttempt(const QSslConfiguration &ssl, bool *closed)
    {
        QSslSocket socket;
        socket.setSslConfiguration(ssl);
        QByteArray received;
        connect(&socket, &QSslSocket::encrypted, this,
            [&socket] { socket.write("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); });
        connect(&socket, &QIODevice::readyRead, this, [&] { received += socket.readAll(); });
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_port);
        *closed = QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 5000);
        received += socket.readAll();
        return received;
    }

private slots:
    void initTestCase()
    {
        QString error;
        auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("desk-1"), 1, &error);
        auto other = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("intruder"), 1, &error);
        auto api = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("unused"), 1, &error);
        QVERIFY2(pki && other && api, qPrintable(error));
        m_pki = *pki;
        m_otherPki = *other;
        m_apiPki = *api;

        m_api = std::make_unique<FakeApiServer>();
        QSslConfiguration apiSsl = QSslConfiguration::defaultConfiguration();
        apiSsl.setLocalCertificate(QSslCertificate(m_apiPki.serverCertificate));
        apiSsl.setPrivateKey(GatewayCertificates::readPrivateKey(m_apiPki.serverKey, nullptr));
        apiSsl.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_api->sslSetup(apiSsl);
        const quint16 apiPort = m_api->listen(QHostAddress::LocalHost, 0);
        QVERIFY(apiPort);

        m_tokenPath = m_dir.filePath(QStringLiteral("token"));
        QVERIFY(writeFile(m_tokenPath, "gateway-token-one\n"));
        std::shared_ptr<UpstreamTransport> upstream = UpstreamTransport::create(
            QStringLiteral("https://127.0.0.1:%1").arg(apiPort), m_apiPki.caCertificate, m_tokenPath, &error);
        QVERIFY2(upstream, qPrintable(error));
        m_gateway = std::make_unique<GatewayServer>(upstream);
        m_gateway->setLimits(limits());
        m_gateway->setPolicy(*GatewayAccessPolicy::parse(Policy, &error));
        QVERIFY2(m_gateway->setupTls(m_pki.serverCertificate, m_pki.serverKey, m_pki.caCertificate, &error),
            qPrintable(error));
        m_port = m_gateway->listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_port);
        connect(
            m_gateway.get(), &GatewayServer::callLogged, this, [this](const QString &l) { m_logLines << l; });

        m_transport = GatewayTransport::create(QStringLiteral("test"), gatewayUrl(), m_pki.caCertificate,
            m_pki.clientCertificate, m_pki.clientKey, &error);
        QVERIFY2(m_transport, qPrintable(error));
    }

    void init()
    {
        m_api->seen.clear();
        m_api->answers.clear();
        m_api->cut.clear();
        m_logLines.clear();
    }

    void forwardsWithItsOwnTokenAndDropsClientCredentials()
    {
        const auto [status, body]
            = call("GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/app"), {},
                { { "Impersonate-User", "system:admin" }, { "Cookie", "session=1" } });
        QCOMPARE(status, 200);
        QCOMPARE(body, QByteArray(R"({"kind":"Thing","metadata":{}})"));
        QCOMPARE(m_api->seen.size(), 1);
        QCOMPARE(m_api->seen[0].path, QStringLiteral("/api/v1/namespaces/default/serviceaccounts/app"));
        QCOMPARE(m_api->seen[0].authorization, QByteArray("Bearer gateway-token-one"));
        QVERIFY(m_api->seen[0].impersonate.isEmpty());
        QVERIFY(m_api->seen[0].cookie.isEmpty());
        // The desktop's transport for Gateway auth sends no token at all.
        QNetworkAccessManager nam;
        KubeClient desktop(&nam, m_transport);
        QVERIFY(QCoro::waitFor(desktop.get(QStringLiteral("/version"))).ok());
        QCOMPARE(m_api->seen.last().authorization, QByteArray("Bearer gateway-token-one"));
    }

    // Token (API) auth through the gateway: every call made for the request,
    // the gateway's own reads for its checks included, is the caller's.
    void relaysEveryCallWithTheCallersOwnToken()
    {
        const QList<std::pair<QByteArray, QByteArray>> caller { { "Authorization", "Bearer caller-token-1" },
            { "Impersonate-User", "system:admin" } };
        const auto allCaller = [this] {
            for (const FakeApiServer::Seen &seen : std::as_const(m_api->seen)) {
                if (seen.authorization != "Bearer caller-token-1" || !seen.impersonate.isEmpty())
                    return false;
            }
            return !m_api->seen.isEmpty();
        };
        // A read.
        QCOMPARE(
            call("GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/app"), {}, caller).first,
            200);
        QVERIFY(allCaller());
        // A token for a lease's account: the account's labels are read with the caller's token too.
        m_api->seen.clear();
        m_api->answers.insert(
            QStringLiteral("GET /api/v1/namespaces/a/serviceaccounts/b"), { 200, ManagedAccount });
        QCOMPARE(call("POST", QStringLiteral("/api/v1/namespaces/a/serviceaccounts/b/token"),
                     R"({"kind":"TokenRequest","spec":{"expirationSeconds":3600}})", caller)
                     .first,
            200);
        QCOMPARE(m_api->seen.size(), 2);
        QVERIFY(allCaller());
        // A delete: the object is read before it goes, as the caller.
        m_api->seen.clear();
        const QString ours = QStringLiteral("/api/v1/namespaces/a/serviceaccounts/kms-x-bcdfg");
        m_api->answers.insert(QStringLiteral("GET ") + ours,
            { 200,
                R"({"metadata":{"name":"kms-x-bcdfg","uid":"u-9","labels":{"app.kubernetes.io/managed-by":"hanzo-kms"}}})" });
        QCOMPARE(call("DELETE", ours, {}, caller).first, 200);
        QCOMPARE(m_api->seen.size(), 2);
        QCOMPARE(m_api->seen[1].method, QByteArray("DELETE"));
        QVERIFY(allCaller());
        // The caller's token may not read the object: only with the recorded uid, and the
        // refusal names whose RBAC lacks what.
        m_api->seen.clear();
        const QString binding
            = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/a/rolebindings/kms-x-bcdfg");
        m_api->answers.insert(QStringLiteral("GET ") + binding, { 403, R"({"kind":"Status","code":403})" });
        const auto blind = call("DELETE", binding, {}, caller);
        QCOMPARE(blind.first, 403);
        QVERIFY2(
            blind.second.contains("the caller's cluster token may not read it"), blind.second.constData());
        QCOMPARE(m_api->seen.size(), 1);
        QVERIFY(allCaller());
        // The policy applies as it does to the gateway's own calls.
        m_api->seen.clear();
        QCOMPARE(
            call("GET", QStringLiteral("/api/v1/namespaces/kube-system/secrets/x"), {}, caller).first, 403);
        QCOMPARE(call("POST", QStringLiteral("/api/v1/namespaces/kube-system/serviceaccounts/power/token"),
                     R"({"kind":"TokenRequest","spec":{}})", caller)
                     .first,
            403);
        QVERIFY(m_api->seen.isEmpty());
        // The access log says whose identity was used, never the token.
        QTRY_VERIFY(!m_logLines.isEmpty());
        for (const QString &line : std::as_const(m_logLines)) {
            QVERIFY2(line.contains(QLatin1String("\"identity\":\"caller\"")), qPrintable(line));
            QVERIFY2(!line.contains(QLatin1String("caller-token")), qPrintable(line));
        }
        // The desktop's transport with a caller token sends it on every request.
        m_api->seen.clear();
        m_logLines.clear();
        auto withToken = std::make_shared<GatewayTransport>(*m_transport);
        withToken->setCallerToken("caller-token-1");
        QNetworkAccessManager nam;
        KubeClient desktop(&nam, withToken);
        QVERIFY(QCoro::waitFor(desktop.get(QStringLiteral("/version"))).ok());
        QVERIFY(allCaller());
        // A caller token that is no BearerToken is never sent, and the request
        // never goes out as the gateway's own account instead.
        m_api->seen.clear();
        auto broken = std::make_shared<GatewayTransport>(*m_transport);
        broken->setCallerToken("caller-token-1\r\nImpersonate-User: system:admin");
        QVERIFY(broken->requestProblem().contains(QLatin1String("line breaks")));
        QVERIFY(!broken->requestProblem().contains(QLatin1String("caller-token")));
        KubeClient brokenDesktop(&nam, broken);
        const auto refused = QCoro::waitFor(brokenDesktop.get(QStringLiteral("/version")));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error->category, KubeError::Category::NotSent);
        QVERIFY(m_api->seen.isEmpty());
        QNetworkRequest request;
        broken->authorize(request);
        QCOMPARE(request.rawHeader("Authorization"), QByteArray("Bearer"));
    }

    void refusesAnUnusableAuthorizationHeader_data()
    {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QString>("expected");
        QTest::newRow("basic") << QByteArray("Authorization: Basic c2VjcmV0LXg6eQ==\r\n")
                               << "no other scheme";
        QTest::newRow("no token") << QByteArray("Authorization: Bearer\r\n") << "no other scheme";
        QTest::newRow("two words") << QByteArray("Authorization: Bearer secret-x secret-y\r\n")
                                   << "contains spaces";
        QTest::newRow("control character")
            << QByteArray("Authorization: Bearer secret-x\x01y\r\n") << "control or non-ASCII characters";
        QTest::newRow("non-ascii") << QByteArray("Authorization: Bearer secret-x\xc3\xa9\r\n") << "non-ASCII";
        QTest::newRow("two headers") << QByteArray(
            "Authorization: Bearer secret-x\r\nauthorization: Bearer secret-y\r\n")
                                     << "2 Authorization headers";
    }
    void refusesAnUnusableAuthorizationHeader()
    {
        QFETCH(QByteArray, headers);
        QFETCH(QString, expected);
        const RawExchange r
            = exchange({ "GET /api/v1/namespaces/default/serviceaccounts/app HTTP/1.1\r\nHost: x\r\n"
                + headers + "\r\n" });
        const QByteArray answer = r.answers.value(0);
        QVERIFY2(answer.startsWith("HTTP/1.1 400"), answer.constData());
        const QJsonObject status
            = QJsonDocument::fromJson(answer.mid(answer.indexOf("\r\n\r\n") + 4)).object();
        QCOMPARE(status.value(QLatin1String("reason")).toString(), QStringLiteral("BadRequest"));
        const QString message = status.value(QLatin1String("message")).toString();
        QVERIFY2(message.startsWith(QLatin1String("hanzo-kms-gateway cannot use the request's Authorization "
                                                  "header: ")),
            qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(!answer.contains("secret-"), answer.constData());
        QCOMPARE(m_api->seen.size(), 0);
        QTRY_COMPARE(m_logLines.size(), 1);
        const QJsonObject line = QJsonDocument::fromJson(m_logLines.first().toUtf8()).object();
        QCOMPARE(line.value(QLatin1String("status")).toInt(), 400);
        QCOMPARE(line.value(QLatin1String("decision")).toString(), QStringLiteral("deny"));
        QVERIFY(!line.contains(QLatin1String("identity")));
        QVERIFY2(!m_logLines.first().contains(QLatin1String("secret-")), qPrintable(m_logLines.first()));
    }

    void logsOneJsonLinePerCallWithoutSecrets()
    {
        call("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/app/token"),
            R"({"kind":"TokenRequest","spec":{}})", { { "Authorization", "Bearer client-secret" } });
        QTRY_COMPARE(m_logLines.size(), 1);
        const QString line = m_logLines.first();
        const QJsonObject entry = QJsonDocument::fromJson(line.toUtf8()).object();
        QCOMPARE(entry.value(QLatin1String("client")).toString(), QStringLiteral("CN=desk-1,O=Hanzo KMS"));
        QCOMPARE(entry.value(QLatin1String("verb")).toString(), QStringLiteral("POST"));
        QCOMPARE(entry.value(QLatin1String("path")).toString(),
            QStringLiteral("/api/v1/namespaces/default/serviceaccounts/app/token"));
        QCOMPARE(entry.value(QLatin1String("status")).toInt(), 200);
        QCOMPARE(entry.value(QLatin1String("decision")).toString(), QStringLiteral("allow"));
        // Which policy entry let which kind of call through.
        QCOMPARE(entry.value(QLatin1String("reason")).toString(),
            QStringLiteral("policy entry \"desk-1\" allows token request serviceaccounts"));
        QVERIFY(entry.value(QLatin1String("time")).toString().endsWith(QLatin1Char('Z')));
        // Whose identity the API server saw: the caller's token, which is never written.
        QCOMPARE(entry.value(QLatin1String("identity")).toString(), QStringLiteral("caller"));
        QVERIFY(!line.contains(QLatin1String("gateway-token")));
        QVERIFY(!line.contains(QLatin1String("client-secret")));

        // A refusal says why: the policy's reason, as the client was told it.
        const auto answer = call("GET", QStringLiteral("/api/v1/pods"));
        QTRY_COMPARE(m_logLines.size(), 2);
        const QJsonObject refused = QJsonDocument::fromJson(m_logLines.last().toUtf8()).object();
        QCOMPARE(refused.value(QLatin1String("status")).toInt(), 403);
        QCOMPARE(refused.value(QLatin1String("decision")).toString(), QStringLiteral("deny"));
        QCOMPARE(refused.value(QLatin1String("identity")).toString(), QStringLiteral("gateway"));
        const QString reason = refused.value(QLatin1String("reason")).toString();
        QVERIFY(!reason.isEmpty());
        const QString message
            = QJsonDocument::fromJson(answer.second).object().value(QLatin1String("message")).toString();
        QCOMPARE(message, QStringLiteral("hanzo-kms-gateway refuses GET /api/v1/pods: ") + reason);
    }

    void passesStatusBodyAndWarningThrough()
    {
        m_api->answers.insert(QStringLiteral("POST /api/v1/namespaces/a/serviceaccounts/b/token"),
            { 201, R"({"status":{"token":"t"}})" });
        m_api->answers.insert(
            QStringLiteral("GET /api/v1/namespaces/a/serviceaccounts/b"), { 200, ManagedAccount });
        QByteArray warning;
        const auto [status, body]
            = call("POST", QStringLiteral("/api/v1/namespaces/a/serviceaccounts/b/token"),
                R"({"kind":"TokenRequest"})", {}, &warning);
        QCOMPARE(status, 201);
        QCOMPARE(body, QByteArray(R"({"status":{"token":"t"}})"));
        QVERIFY2(warning.contains("shortened to 3600 seconds"), warning.constData());

        m_api->answers.insert(QStringLiteral("GET /api/v1/namespaces/a/serviceaccounts/nope"),
            { 404,
                "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\",\"message\":\"nope not "
                "found\"}" });
        const auto [s404, b404] = call("GET", QStringLiteral("/api/v1/namespaces/a/serviceaccounts/nope"));
        QCOMPARE(s404, 404);
        QVERIFY(b404.contains("not found"));
    }

    void refusesCallsOutsideTheListAndTheClusterNeverSeesThem_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("kube-system secrets")
            << QByteArray("GET") << "/api/v1/namespaces/kube-system/secrets" << QByteArray();
        QTest::newRow("pods") << QByteArray("GET") << "/api/v1/pods" << QByteArray();
        QTest::newRow("unlabelled sa") << QByteArray("POST") << "/api/v1/namespaces/default/serviceaccounts"
                                       << QByteArray(R"({"metadata":{"name":"x"}})");
        QTest::newRow("clusterrole create")
            << QByteArray("POST") << "/apis/rbac.authorization.k8s.io/v1/clusterroles" << QByteArray("{}");
    }

    void refusesCallsOutsideTheListAndTheClusterNeverSeesThem()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        const auto [status, answer] = call(method, path, body);
        QCOMPARE(status, 403);
        const QJsonObject st = QJsonDocument::fromJson(answer).object();
        QCOMPARE(st.value(QLatin1String("kind")).toString(), QStringLiteral("Status"));
        QCOMPARE(st.value(QLatin1String("reason")).toString(), QStringLiteral("Forbidden"));
        QCOMPARE(st.value(QLatin1String("code")).toInt(), 403);
        QVERIFY(st.value(QLatin1String("message"))
                    .toString()
                    .startsWith(QLatin1String("hanzo-kms-gateway refuses")));
        QCOMPARE(m_api->seen.size(), 0);
    }

    void deletesOnlyObjectsItsLabelMarks()
    {
        const QString ours = QStringLiteral("/api/v1/namespaces/a/serviceaccounts/kms-x-bcdfg");
        const QString theirs = QStringLiteral("/api/v1/namespaces/a/serviceaccounts/web");
        m_api->answers.insert(QStringLiteral("GET ") + ours,
            { 200,
                R"({"metadata":{"name":"kms-x-bcdfg","labels":{"app.kubernetes.io/managed-by":"hanzo-kms"}}})" });
        m_api->answers.insert(QStringLiteral("GET ") + theirs, { 200, R"({"metadata":{"name":"web"}})" });
        QCOMPARE(call("DELETE", ours).first, 200);
        QCOMPARE(m_api->seen.size(), 2);
        QCOMPARE(m_api->seen[1].method, QByteArray("DELETE"));

        m_api->seen.clear();
        const auto [status, body] = call("DELETE", theirs);
        QCOMPARE(status, 403);
        QVERIFY(body.contains("deletes only objects labelled"));
        QCOMPARE(m_api->seen.size(), 1);
        QCOMPARE(m_api->seen[0].method, QByteArray("GET"));

        // What was read is what goes: the uid read is the DELETE's precondition.
        m_api->seen.clear();
        m_api->answers.insert(QStringLiteral("GET ") + ours,
            { 200,
                R"({"metadata":{"name":"kms-x-bcdfg","uid":"u-42","labels":{"app.kubernetes.io/managed-by":"hanzo-kms"}}})" });
        QCOMPARE(call("DELETE", ours).first, 200);
        QCOMPARE(m_api->seen.size(), 2);
        QVERIFY2(m_api->seen[1].body.contains(R"("preconditions":{"uid":"u-42"})"),
            m_api->seen[1].body.constData());

        // Reading forbidden (the seed's RBAC has no "get" on bindings): never
        // by name alone; only with the uid the desktop recorded.
        m_api->seen.clear();
        const QString binding
            = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/a/rolebindings/kms-x-bcdfg");
        m_api->answers.insert(QStringLiteral("GET ") + binding, { 403, R"({"kind":"Status","code":403})" });
        const auto blind = call("DELETE", binding);
        QCOMPARE(blind.first, 403);
        QVERIFY2(blind.second.contains("lacks \\\"get\\\" on rolebindings.rbac.authorization.k8s.io"),
            blind.second.constData());
        QCOMPARE(m_api->seen.size(), 1);
        m_api->seen.clear();
        QCOMPARE(call("DELETE", binding,
                     R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"u-7"}})")
                     .first,
            200);
        QCOMPARE(m_api->seen.size(), 2);
        QCOMPARE(m_api->seen[1].method, QByteArray("DELETE"));
        QVERIFY2(m_api->seen[1].body.contains(R"("preconditions":{"uid":"u-7"})"),
            m_api->seen[1].body.constData());

        // Already gone: the 404 is the answer, as the desktop expects.
        m_api->seen.clear();
        m_api->answers.insert(QStringLiteral("GET ") + ours, { 404, R"({"kind":"Status","code":404})" });
        QCOMPARE(call("DELETE", ours).first, 404);
        QCOMPARE(m_api->seen.size(), 1);
    }

    void stripsSecretDataFromAnswers()
    {
        m_api->answers.insert(QStringLiteral("GET /api/v1/namespaces/a/secrets/kms-x-bcdfg"),
            { 200,
                R"({"kind":"Secret","metadata":{"name":"kms-x-bcdfg","labels":{"app.kubernetes.io/managed-by":"hanzo-kms"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{'stringData':{'k':'secret'}}"}},"data":{"k":"c2VjcmV0"},"stringData":{"k":"secret"}})" });
        m_api->answers.insert(QStringLiteral("GET /api/v1/namespaces/a/secrets"),
            { 200,
                R"({"kind":"SecretList","items":[{"kind":"Secret","metadata":{"name":"s","labels":{"app.kubernetes.io/managed-by":"hanzo-kms"}},"data":{"k":"c2VjcmV0"}},{"kind":"Secret","metadata":{"name":"other"},"data":{"k":"c2VjcmV0"}}]})" });
        const auto one = call("GET", QStringLiteral("/api/v1/namespaces/a/secrets/kms-x-bcdfg"));
        QCOMPARE(one.first, 200);
        QVERIFY(!one.second.contains("c2VjcmV0") && !one.second.contains("secret\"")
            && !one.second.contains("secret\\\"") && !one.second.contains("last-applied"));
        QCOMPARE(QJsonDocument::fromJson(one.second)
                     .object()
                     .value(QLatin1String("metadata"))
                     .toObject()
                     .value(QLatin1String("name"))
                     .toString(),
            QStringLiteral("kms-x-bcdfg"));
        const auto list = call("GET",
            QStringLiteral(
                "/api/v1/namespaces/a/secrets?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms"));
        QCOMPARE(list.first, 200);
        QVERIFY(!list.second.contains("c2VjcmV0"));
        QCOMPARE(
            QJsonDocument::fromJson(list.second).object().value(QLatin1String("items")).toArray().size(), 1);
    }

    void refusesAClientNoEntryMatches()
    {
        QString error;
        m_gateway->setPolicy(*GatewayAccessPolicy::parse(
            "clients:\n  - subject: someone-else\n    maxTTL: 1h\n    audiences: [\"*\"]\n", &error));
        const auto [status, body] = call("GET", QStringLiteral("/version"));
        m_gateway->setPolicy(*GatewayAccessPolicy::parse(Policy, &error));
        QCOMPARE(status, 403);
        QVERIFY2(
            body.contains("no entry of the gateway's policy matches the client certificate's common name "
                          "\\\"desk-1\\\""),
            body.constData());
        QCOMPARE(m_api->seen.size(), 0);
    }

    void answersTheCallersPolicyEntry()
    {
        const auto [status, body] = call("GET", QString::fromLatin1(GatewayServer::PolicyPath));
        QCOMPARE(status, 200);
        QString error;
        const auto entry = GatewayClientPolicy::fromJson(QJsonDocument::fromJson(body).object(), &error);
        QVERIFY2(entry, qPrintable(error));
        QCOMPARE(entry->subject, QStringLiteral("desk-1"));
        QCOMPARE(entry->namespaces,
            (QStringList { QStringLiteral("a"), QStringLiteral("gone"), QStringLiteral("slow") }));
        QCOMPARE(entry->maxTtlSeconds, 7200);
        QCOMPARE(m_api->seen.size(), 0);
    }

    void tokensOnlyForLeaseAccountsOrStaticOnes()
    {
        const QByteArray request = R"({"kind":"TokenRequest","spec":{"expirationSeconds":3600}})";
        m_api->answers.insert(QStringLiteral("GET /api/v1/namespaces/a/serviceaccounts/web"),
            { 200, R"({"kind":"ServiceAccount","metadata":{"name":"web"}})" });
        const auto refused
            = call("POST", QStringLiteral("/api/v1/namespaces/a/serviceaccounts/web/token"), request);
        QCOMPARE(refused.first, 403);
        QCOMPARE(m_api->seen.size(), 1); // the read, never the token request
        QCOMPARE(m_api->seen[0].method, QByteArray("GET"));

        m_api->seen.clear();
        m_api->answers.insert(
            QStringLiteral("GET /api/v1/namespaces/a/serviceaccounts/b"), { 200, ManagedAccount });
        QCOMPARE(
            call("POST", QStringLiteral("/api/v1/namespaces/a/serviceaccounts/b/token"), request).first, 200);
        QCOMPARE(m_api->seen.size(), 2);

        // A static account is not read; too long a token is refused unseen.
        m_api->seen.clear();
        QCOMPARE(call("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/app/token"), request)
                     .first,
            200);
        QCOMPARE(m_api->seen.size(), 1);
        m_api->seen.clear();
        QCOMPARE(call("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/app/token"),
                     R"({"spec":{"expirationSeconds":86400}})")
                     .first,
            403);
        QCOMPARE(m_api->seen.size(), 0);
    }

    void aBindingWaitsForItsLeasesAccount()
    {
        const QByteArray binding
            = R"({"kind":"RoleBinding","metadata":{"name":"kms-x-bcdfg","labels":{"app.kubernetes.io/managed-by":"hanzo-kms","kms.hanzo.ai/lease-id":"0f0f0f0f-0000-4000-8000-000000000001"},"annotations":{"kms.hanzo.ai/expires-at":"%1"}},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"ServiceAccount","name":"b","namespace":"a"}]})";
        const QByteArray body = QString::fromLatin1(binding)
                                    .arg(QDateTime::currentDateTimeUtc().addSecs(600).toString(Qt::ISODate))
                                    .toLatin1();
        const QString collection
            = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/a/rolebindings");
        // The account does not exist (yet): the binding waits, then gives up.
        m_gateway->setLimits(limits(300ms));
        m_api->answers.insert(QStringLiteral("GET /api/v1/namespaces/a/serviceaccounts/b"),
            { 404, R"({"kind":"Status","code":404,"reason":"NotFound"})" });
        const auto missing = call("POST", collection, body);
        QCOMPARE(missing.first, 403);
        QVERIFY2(missing.second.contains("does not exist"), missing.second.constData());
        // The account of the same lease: created.
        m_api->seen.clear();
        m_api->answers.insert(
            QStringLiteral("GET /api/v1/namespaces/a/serviceaccounts/b"), { 200, ManagedAccount });
        QCOMPARE(call("POST", collection, body).first, 200);
        QCOMPARE(m_api->seen.last().method, QByteArray("POST"));
        // Another lease's account: refused.
        m_api->seen.clear();
        QByteArray other = body;
        other.replace("0f0f0f0f-0000-4000-8000-000000000001", "0f0f0f0f-0000-4000-8000-000000000002");
        const auto refused = call("POST", collection, other);
        QCOMPARE(refused.first, 403);
        QVERIFY2(
            refused.second.contains("not the service account of the same lease"), refused.second.constData());
        QCOMPARE(m_api->seen.size(), 1);
        m_gateway->setLimits(limits());
    }

    // A binding of a role the policy does not name passes only when that role
    // is the one generated for the same lease.
    void aBindingOfAGeneratedRoleMustBeItsLeases()
    {
        const QByteArray binding
            = R"({"kind":"RoleBinding","metadata":{"name":"kms-x-bcdfg","labels":{"app.kubernetes.io/managed-by":"hanzo-kms","kms.hanzo.ai/lease-id":"0f0f0f0f-0000-4000-8000-000000000001"},"annotations":{"kms.hanzo.ai/expires-at":"%1"}},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"kms-x-bcdfg"},"subjects":[{"kind":"ServiceAccount","name":"b","namespace":"a"}]})";
        const QByteArray body = QString::fromLatin1(binding)
                                    .arg(QDateTime::currentDateTimeUtc().addSecs(600).toString(Qt::ISODate))
                                    .toLatin1();
        const QString collection
            = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/a/rolebindings");
        const QString rolePath
            = QStringLiteral("GET /apis/rbac.authorization.k8s.io/v1/namespaces/a/roles/kms-x-bcdfg");
        m_gateway->setLimits(limits(300ms));
        m_api->answers.insert(
            QStringLiteral("GET /api/v1/namespaces/a/serviceaccounts/b"), { 200, ManagedAccount });
        // Someone's own role of that name: refused, nothing forwarded.
        m_api->answers.insert(
            rolePath, { 200, R"({"kind":"Role","metadata":{"name":"kms-x-bcdfg","namespace":"a"}})" });
        m_api->seen.clear();
        const auto theirs = call("POST", collection, body);
        QCOMPARE(theirs.first, 403);
        QVERIFY2(theirs.second.contains(
                     "the binding's role, Role a/kms-x-bcdfg, is neither in the policy's roles nor "
                     "the role generated for the same lease"),
            theirs.second.constData());
        for (const auto &request : m_api->seen)
            QVERIFY(request.method != QByteArray("POST"));
        // Not there (yet): waits, then gives up.
        m_api->answers.insert(rolePath, { 404, R"({"kind":"Status","code":404,"reason":"NotFound"})" });
        const auto missing = call("POST", collection, body);
        QCOMPARE(missing.first, 403);
        QVERIFY2(missing.second.contains("a lease's binding is made with its generated role"),
            missing.second.constData());
        // The same lease's generated role: forwarded.
        QByteArray ours = ManagedAccount;
        ours.replace("\"ServiceAccount\"", "\"Role\"").replace("\"b\"", "\"kms-x-bcdfg\"");
        m_api->answers.insert(rolePath, { 200, ours });
        m_api->seen.clear();
        QCOMPARE(call("POST", collection, body).first, 200);
        QCOMPARE(m_api->seen.last().method, QByteArray("POST"));
        m_gateway->setLimits(limits());
    }

    // The API server's answers are outside input too: one larger than the
    // bound is not buffered and not passed on.
    void refusesAnswersLargerThanItsBound()
    {
        const QString path = QStringLiteral("/api/v1/namespaces/a/serviceaccounts");
        QByteArray items;
        for (int i = 0; items.size() < 256 * 1024; ++i)
            items += (i ? "," : "") + ManagedAccount;
        m_api->answers.insert(QStringLiteral("GET ") + path,
            { 200, R"({"kind":"ServiceAccountList","items":[)" + items + "]}" });
        const auto [status, body]
            = call("GET", path + QStringLiteral("?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms"));
        QCOMPARE(status, 502);
        QVERIFY2(body.contains("larger than the gateway's limit of 64 KiB"), body.constData());
        QVERIFY(!body.contains("ServiceAccountList"));
    }

    // A 200 whose body the API server did not finish is not passed on as a 200.
    void aCutOffAnswerIsABadGatewayNotAnAnswer()
    {
        const QString path = QStringLiteral("/api/v1/namespaces/default/serviceaccounts/app");
        m_api->answers.insert(QStringLiteral("GET ") + path, { 200, ManagedAccount });
        m_api->cut.insert(QStringLiteral("GET ") + path);
        const auto [status, body] = call("GET", path);
        QCOMPARE(status, 502);
        QVERIFY2(body.contains("cut off"), body.constData());
    }

    void refusesLargeBodiesUnseen()
    {
        const QByteArray big
            = QByteArray(
                  "{\"metadata\":{\"labels\":{\"app.kubernetes.io/managed-by\":\"hanzo-kms\"}},\"x\":\"")
            + QByteArray(5000, 'a') + QByteArray("\"}");
        const auto [status, body] = call("POST", QStringLiteral("/api/v1/namespaces/a/serviceaccounts"), big);
        QCOMPARE(status, 413);
        QVERIFY(body.contains("4096 bytes"));
        QCOMPARE(m_api->seen.size(), 0);
    }

    void refusesByContentLengthWithoutTheBody()
    {
        // Only the headers are sent: the answer cannot wait for the body.
        const RawExchange r = exchange({ "POST /api/v1/namespaces/a/serviceaccounts HTTP/1.1\r\nHost: x\r\n"
                                         "Content-Length: 5000\r\n\r\n" });
        QVERIFY2(r.answers.value(0).startsWith("HTTP/1.1 413"), r.answers.value(0).constData());
        QVERIFY(r.answers.value(0).contains("4096 bytes"));
        QVERIFY(r.closed);
        QCOMPARE(m_api->seen.size(), 0);
        QTRY_COMPARE(m_logLines.size(), 1);
        QVERIFY2(m_logLines.first().contains(QLatin1String("\"decision\":\"deny\"")),
            qPrintable(m_logLines.first()));
    }

    void refusesOversizedHeadersWith431()
    {
        const RawExchange r = exchange(
            { "GET /version HTTP/1.1\r\nHost: x\r\nX-Filler: " + QByteArray(2048, 'a') + "\r\n\r\n" });
        QVERIFY2(r.answers.value(0).startsWith("HTTP/1.1 431"), r.answers.value(0).constData());
        QVERIFY(r.closed);
        QCOMPARE(m_api->seen.size(), 0);
    }

    void cutsOffChunkedBodiesPastTheLimit()
    {
        const QByteArray head = "POST /api/v1/namespaces/a/serviceaccounts HTTP/1.1\r\nHost: x\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n";
        const RawExchange r = exchange({ head + "1000\r\n" + QByteArray(4096, 'a') + "\r\n10\r\n" });
        QVERIFY2(r.answers.value(0).startsWith("HTTP/1.1 413"), r.answers.value(0).constData());
        QVERIFY(r.closed);
        QCOMPARE(m_api->seen.size(), 0);
        // The connection and its body bytes are given back.
        const auto *server = m_gateway->findChild<GuardedServer *>();
        QVERIFY(server);
        QTRY_COMPARE(server->budget().open(), 0);
        QCOMPARE(server->budget().bodyBytesInFlight(), 0);
    }

    void refusesAmbiguousFraming_data()
    {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("status");
        QTest::newRow("length and chunked")
            << QByteArray("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n") << QByteArray("400");
        QTest::newRow("two lengths") << QByteArray("Content-Length: 3\r\nContent-Length: 4\r\n")
                                     << QByteArray("400");
        QTest::newRow("signed length") << QByteArray("Content-Length: +3\r\n") << QByteArray("400");
        QTest::newRow("gzip coding") << QByteArray("Transfer-Encoding: gzip\r\n") << QByteArray("501");
        QTest::newRow("folded line") << QByteArray("X-A: 1\r\n  2\r\n") << QByteArray("400");
        QTest::newRow("bad field name")
            << QByteArray("Content-Length: 3\r\nX(A): 1\r\n") << QByteArray("400");
        QTest::newRow("no colon") << QByteArray("Content-Length 3\r\n") << QByteArray("400");
    }

    void refusesAmbiguousFraming()
    {
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, status);
        const RawExchange r = exchange(
            { "POST /api/v1/namespaces/a/serviceaccounts HTTP/1.1\r\nHost: x\r\n" + headers + "\r\nabc" });
        QVERIFY2(r.answers.value(0).startsWith("HTTP/1.1 " + status), r.answers.value(0).constData());
        QVERIFY(r.closed);
        QCOMPARE(m_api->seen.size(), 0);
    }

    void refusesRequestLinesItCannotRead_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::newRow("garbage") << QByteArray("garbage");
        QTest::newRow("no version") << QByteArray("GET /version");
        QTest::newRow("HTTP/2") << QByteArray("GET /version HTTP/2.0");
        QTest::newRow("absolute form") << QByteArray("GET https://x/version HTTP/1.1");
        QTest::newRow("bad method") << QByteArray("G(T /version HTTP/1.1");
    }

    void refusesRequestLinesItCannotRead()
    {
        QFETCH(QByteArray, line);
        const RawExchange r = exchange({ line + "\r\nHost: x\r\n\r\n" });
        QVERIFY2(r.answers.value(0).startsWith("HTTP/1.1 400"), r.answers.value(0).constData());
        QVERIFY(r.closed);
        QCOMPARE(m_api->seen.size(), 0);
        const auto *server = m_gateway->findChild<GuardedServer *>();
        QTRY_COMPARE(server->budget().open(), 0);
    }

    void servesSeveralRequestsOnOneConnection()
    {
        const QByteArray body = R"({"kind":"TokenRequest","spec":{}})";
        const RawExchange r = exchange({ "GET /version HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /api/v1/namespaces/default/serviceaccounts/app/token HTTP/1.1\r\nHost: "
            "x\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n\r\n" + body,
            "POST /api/v1/namespaces/default/serviceaccounts/app/token HTTP/1.1\r\nHost: x\r\n"
            "Transfer-Encoding: chunked\r\n\r\n5\r\n"
                + body.left(5) + "\r\n" + QByteArray::number(body.size() - 5, 16) + "\r\n" + body.mid(5)
                + "\r\n0\r\n\r\n",
            "GET /version HTTP/1.1\r\nHost: x\r\n\r\n" });
        QCOMPARE(r.answers.size(), 4);
        for (const QByteArray &answer : r.answers)
            QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        QVERIFY(!r.closed);
        QCOMPARE(m_api->seen.size(), 4);
        QCOMPARE(m_api->seen[1].body, body);
        QCOMPARE(m_api->seen[2].body, body);
    }

    void closesAConnectionThatPipelines()
    {
        const RawExchange r = exchange(
            { "GET /version HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\n\r\n" });
        QVERIFY(r.closed);
        QVERIFY(r.answers.isEmpty());
    }

    void survivesAClientThatHangsUpMidCall()
    {
        m_api->hold.insert(QStringLiteral("GET /api/v1/namespaces/gone/serviceaccounts/x"));
        {
            QSslSocket socket;
            socket.setSslConfiguration(m_transport->sslConfiguration());
            QSignalSpy encrypted(&socket, &QSslSocket::encrypted);
            socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_port);
            QVERIFY(encrypted.wait(5000)); // not waitForEncrypted: the server runs in this thread
            socket.write("GET /api/v1/namespaces/gone/serviceaccounts/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            QTRY_COMPARE(m_api->seen.size(), 1);
            socket.abort();
        }
        // The call ends (504 after the upstream limit) with nobody to answer; the gateway goes on.
        QTRY_COMPARE_WITH_TIMEOUT(m_logLines.size(), 1, 5000);
        QVERIFY2(
            m_logLines.first().contains(QLatin1String("\"status\":504")), qPrintable(m_logLines.first()));
        m_api->hold.clear();
        QCOMPARE(call("GET", QStringLiteral("/version")).first, 200);
    }

    void answers504WhenTheApiServerIsSlow()
    {
        m_api->hold.insert(QStringLiteral("GET /api/v1/namespaces/slow/serviceaccounts/x"));
        QElapsedTimer timer;
        timer.start();
        const auto [status, body] = call("GET", QStringLiteral("/api/v1/namespaces/slow/serviceaccounts/x"));
        QCOMPARE(status, 504);
        QVERIFY(body.contains("no answer from the API server"));
        QVERIFY(timer.elapsed() < 5000);
        m_api->hold.clear();
    }

    void picksUpAReplacedTokenFile()
    {
        QCOMPARE(call("GET", QStringLiteral("/version")).first, 200);
        QCOMPARE(m_api->seen.last().authorization, QByteArray("Bearer gateway-token-one"));
        // As the kubelet does: write a new file, then swap it in.
        const QString next = m_dir.filePath(QStringLiteral("token.next"));
        QVERIFY(writeFile(next, "gateway-token-two-is-longer"));
        QVERIFY(QFile::remove(m_tokenPath));
        QVERIFY(QFile::rename(next, m_tokenPath));
        QCOMPARE(call("GET", QStringLiteral("/version")).first, 200);
        QCOMPARE(m_api->seen.last().authorization, QByteArray("Bearer gateway-token-two-is-longer"));
        // A missing file keeps the last good token; ready stays true.
        QVERIFY(QFile::remove(m_tokenPath));
        QCOMPARE(call("GET", QStringLiteral("/version")).first, 200);
        QCOMPARE(m_api->seen.last().authorization, QByteArray("Bearer gateway-token-two-is-longer"));
        QVERIFY(m_gateway->isReady(nullptr));
        QVERIFY(writeFile(m_tokenPath, "gateway-token-one\n"));
    }

    void healthEndpointsAnswerOverMutualTls()
    {
        const auto health = call("GET", QStringLiteral("/healthz"));
        QCOMPARE(health.first, 200);
        QCOMPARE(health.second, QByteArray("ok\n"));
        QCOMPARE(call("GET", QStringLiteral("/readyz")).first, 200);
        QCOMPARE(m_api->seen.size(), 0);
    }

    void refusesAClientWithoutCertificateInTheHandshake()
    {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setCaCertificates(QSslCertificate::fromData(m_pki.caCertificate));
        bool closed = false;
        const QByteArray received = rawAttempt(ssl, &closed);
        QVERIFY2(received.isEmpty(), received.constData());
        QVERIFY(closed); // the gateway hung up; it did not leave the connection open
        QCOMPARE(m_api->seen.size(), 0);
        QCOMPARE(m_logLines.size(), 0);
    }

    void refusesAClientFromAnotherCaInTheHandshake()
    {
        QString error;
        auto intruder = GatewayTransport::create(QStringLiteral("x"), gatewayUrl(), m_pki.caCertificate,
            m_otherPki.clientCertificate, m_otherPki.clientKey, &error);
        QVERIFY2(intruder, qPrintable(error));
        bool closed = false;
        const QByteArray received = rawAttempt(intruder->sslConfiguration(), &closed);
        QVERIFY2(received.isEmpty(), received.constData());
        QVERIFY(closed);
        // The same through QNetworkAccessManager: no HTTP status at all.
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(gatewayUrl() + QStringLiteral("/version")));
        request.setSslConfiguration(intruder->sslConfiguration());
        QNetworkReply *reply = nam.get(request);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(finished.wait(10000));
        QVERIFY(!reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid());
        QVERIFY(reply->error() != QNetworkReply::NoError);
        delete reply;
        QCOMPARE(m_api->seen.size(), 0);
        QCOMPARE(m_logLines.size(), 0);
    }

    void desktopKubeClientWorksThroughTheTransport()
    {
        QNetworkAccessManager nam;
        KubeClient client(&nam, m_transport);
        m_api->answers.insert(QStringLiteral("GET /version"), { 200, R"({"gitVersion":"v1.32.0"})" });
        const KubeResult result = QCoro::waitFor(client.get(QStringLiteral("/version")));
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error->toString()));
        QCOMPARE(result.body.value(QLatin1String("gitVersion")).toString(), QStringLiteral("v1.32.0"));
        QCOMPARE(m_api->seen.last().authorization, QByteArray("Bearer gateway-token-one"));
        const KubeResult refused
            = QCoro::waitFor(client.get(QStringLiteral("/api/v1/namespaces/kube-system/secrets")));
        QVERIFY(!refused.ok());
        QVERIFY(refused.error->isForbidden());
        QVERIFY(refused.error->message.contains(QLatin1String("hanzo-kms-gateway refuses")));
    }

    void transportRejectsBadMaterial_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<int>("caseNo");
        QTest::addColumn<QString>("expected");
        QTest::newRow("http url") << "http://127.0.0.1:1" << 0 << "not a valid https:// URL";
        QTest::newRow("no host") << "https://" << 0 << "not a valid https:// URL";
        QTest::newRow("bad ca") << "https://127.0.0.1:1" << 1 << "CA certificate";
        QTest::newRow("bad cert") << "https://127.0.0.1:1" << 2 << "client certificate";
        QTest::newRow("bad key") << "https://127.0.0.1:1" << 3 << "client key";
        QTest::newRow("key of another cert") << "https://127.0.0.1:1" << 4 << "does not belong";
    }

    void transportRejectsBadMaterial()
    {
        QFETCH(QString, url);
        QFETCH(int, caseNo);
        QFETCH(QString, expected);
        QByteArray ca = m_pki.caCertificate, cert = m_pki.clientCertificate, key = m_pki.clientKey;
        if (caseNo == 1)
            ca = "not pem";
        if (caseNo == 2)
            cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        if (caseNo == 3)
            key = "garbage";
        if (caseNo == 4)
            key = m_otherPki.clientKey;
        QString error;
        QVERIFY(!GatewayTransport::create(QStringLiteral("g"), url, ca, cert, key, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
        // Never the key material itself.
        QVERIFY(!error.contains(QString::fromLatin1(m_otherPki.clientKey.mid(40, 24))));
        QVERIFY(!error.contains(QString::fromLatin1(m_pki.clientKey.mid(40, 24))));
    }
};

QTEST_GUILESS_MAIN(TestGatewayServer)
#include "tst_gatewayserver.moc"
