#include "gatewayserver/GatewayServer.h"

#include "gatewayserver/HttpMethod.h"
#include "kube/GatewayCertificates.h"

#include <QCoro/QCoroNetworkReply>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QUrlQuery>

#include "provider/LeaseLabels.h"

namespace kms {

namespace {
Q_LOGGING_CATEGORY(lcGateway, "kms.gateway")

QString clientSubject(QTcpSocket *socket)
{
    auto *ssl = qobject_cast<QSslSocket *>(socket);
    if (!ssl)
        return QStringLiteral("-");
    const QSslCertificate peer = ssl->peerCertificate();
    if (peer.isNull())
        return QStringLiteral("-");
    QStringList parts;
    for (const QByteArray &attribute : peer.subjectInfoAttributes()) {
        for (const QString &value : peer.subjectInfo(attribute))
            parts << QString::fromLatin1(attribute) + QLatin1Char('=') + value;
    }
    // No quotes or line breaks from a certificate into the log line.
    return parts.join(QLatin1Char(',')).replace(QLatin1Char('"'), QLatin1Char('\'')).simplified();
}

QJsonObject stripped(QJsonObject object)
{
    if (object.value(QLatin1String("kind")).toString() == QLatin1String("Secret")
        || object.contains(QLatin1String("data")) || object.contains(QLatin1String("stringData"))) {
        object.remove(QLatin1String("data"));
        object.remove(QLatin1String("stringData"));
    }
    return object;
}

} // namespace

GatewayServer::GatewayServer(std::shared_ptr<const UpstreamTransport> upstream, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_upstream(std::move(upstream))
    , m_nam(std::make_unique<QNetworkAccessManager>())
{
    // Every call carries the current token; a pooled connection carries nothing of its own.
    m_nam->setAutoDeleteReplies(false);
}

GatewayServer::~GatewayServer() = default;

bool GatewayServer::setupTls(
    const QByteArray &certificatePem, const QByteArray &keyPem, const QByteArray &clientCaPem, QString *error)
{
    QString why;
    const QList<QSslCertificate> chain = GatewayCertificates::readCertificates(certificatePem, &why);
    if (chain.isEmpty()) {
        if (error)
            *error = QStringLiteral("The server certificate (--tls-cert): %1").arg(why);
        return false;
    }
    const QSslKey key = GatewayCertificates::readPrivateKey(keyPem, &why);
    if (key.isNull()) {
        if (error)
            *error = QStringLiteral("The server key (--tls-key): %1").arg(why);
        return false;
    }
    if (!GatewayCertificates::keyMatchesCertificate(keyPem, chain.first())) {
        if (error)
            *error = QStringLiteral("The server key (--tls-key) does not belong to the server certificate "
                                    "(--tls-cert).");
        return false;
    }
    const QList<QSslCertificate> clientCa = GatewayCertificates::readCertificates(clientCaPem, &why);
    if (clientCa.isEmpty()) {
        if (error)
            *error = QStringLiteral("The client CA (--client-ca): %1").arg(why);
        return false;
    }
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificateChain(chain);
    ssl.setPrivateKey(key);
    // Only the client CA: the system's CAs must not vouch for clients.
    ssl.setCaCertificates(clientCa);
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    ssl.setProtocol(QSsl::TlsV1_2OrLater);
    sslSetup(ssl);
    m_tls = true;
    return true;
}

bool GatewayServer::isReady(QString *why) const
{
    const QString problem = m_upstream->tokenFile().problem();
    if (!m_upstream->tokenFile().token().isEmpty())
        return true;
    if (why)
        *why = problem;
    return false;
}

GatewayServer::Answer GatewayServer::healthAnswer(bool ok, const QString &text)
{
    Answer a;
    a.status = ok ? 200 : 503;
    a.contentType = "text/plain; charset=utf-8";
    a.body = text.toUtf8() + '\n';
    return a;
}

GatewayServer::Answer GatewayServer::statusAnswer(int code, const QString &reason, const QString &message)
{
    const QJsonObject status { { QStringLiteral("kind"), QStringLiteral("Status") },
        { QStringLiteral("apiVersion"), QStringLiteral("v1") }, { QStringLiteral("metadata"), QJsonObject() },
        { QStringLiteral("status"), QStringLiteral("Failure") }, { QStringLiteral("message"), message },
        { QStringLiteral("reason"), reason }, { QStringLiteral("details"), QJsonObject() },
        { QStringLiteral("code"), code } };
    Answer a;
    a.status = code;
    a.body = QJsonDocument(status).toJson(QJsonDocument::Compact);
    return a;
}

QByteArray GatewayServer::stripSecretData(const QByteArray &json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        return json;
    QJsonObject object = stripped(doc.object());
    if (object.contains(QLatin1String("items"))) {
        QJsonArray items;
        for (const QJsonValue &v : object.value(QLatin1String("items")).toArray())
            items.append(stripped(v.toObject()));
        object.insert(QStringLiteral("items"), items);
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

bool GatewayServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Call call;
    call.method = httpMethodName(request.method());
    call.path = request.url().path(QUrl::FullyEncoded);
    call.query = request.url().query(QUrl::FullyEncoded);
    call.body = request.body();
    call.contentType = request.value("Content-Type");
    call.client = clientSubject(socket);
    auto responder = std::make_shared<QHttpServerResponder>(makeResponder(request, socket));
    // Runs on; finishes writing when the API server answers.
    serve(std::move(call), std::move(responder), QPointer<QTcpSocket>(socket));
    return true;
}

void GatewayServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    write(*std::make_unique<QHttpServerResponder>(makeResponder(request, socket)),
        statusAnswer(404, QStringLiteral("NotFound"),
            QStringLiteral("the server could not find the requested resource")));
}

QCoro::Task<> GatewayServer::serve(
    Call call, std::shared_ptr<QHttpServerResponder> responder, QPointer<QTcpSocket> socket)
{
    QElapsedTimer timer;
    timer.start();
    const QString client = call.client;
    const QString method = QString::fromLatin1(call.method);
    const QString path = call.path + (call.query.isEmpty() ? QString() : QLatin1Char('?') + call.query);
    const Answer result = co_await answer(std::move(call));
    if (socket)
        write(*responder, result);
    const QString line
        = QStringLiteral("client=\"%1\" %2 %3 %4 %5ms")
              .arg(client, method, path, QString::number(result.status), QString::number(timer.elapsed()));
    qCInfo(lcGateway).noquote() << line;
    emit callLogged(line);
}

QCoro::Task<GatewayServer::Answer> GatewayServer::answer(Call call)
{
    if (call.method == "GET"
        && (call.path == QLatin1String("/healthz") || call.path == QLatin1String("/readyz"))) {
        if (call.path == QLatin1String("/healthz"))
            co_return healthAnswer(true, QStringLiteral("ok"));
        QString why;
        const bool ready = isReady(&why);
        const QString text = ready ? QStringLiteral("ok") : why;
        co_return healthAnswer(ready, text);
    }
    if (call.body.size() > m_limits.maxRequestBytes)
        co_return statusAnswer(413, QStringLiteral("RequestEntityTooLarge"),
            QStringLiteral("the request body is larger than the gateway's limit of %1 bytes")
                .arg(m_limits.maxRequestBytes));
    const GatewayPolicy::Decision decision
        = GatewayPolicy::check(call.method, call.path, QUrlQuery(call.query), call.body);
    if (!decision.allowed())
        co_return statusAnswer(403, QStringLiteral("Forbidden"),
            QStringLiteral("hanzo-kms-gateway refuses %1 %2: %3")
                .arg(QString::fromLatin1(call.method), call.path, decision.reason));
    const QString target = call.path + (call.query.isEmpty() ? QString() : QLatin1Char('?') + call.query);
    if (decision.kind == GatewayPolicy::Kind::Delete) {
        // Delete only what Hanzo KMS made: read the object first. The seed's
        // RBAC grants no "get" on bindings; where reading is forbidden, the
        // object's name (random, chosen for the lease) has to do, as in the
        // desktop's own rollback.
        const Answer existing = co_await forward("GET", call.path, {}, {});
        if (existing.status == 403) {
            qCWarning(lcGateway).noquote()
                << QStringLiteral("cannot read %1 to check its %2 label (grant the gateway \"get\", see "
                                  "packaging/gateway/rbac.yaml); deleting it by name")
                       .arg(call.path, LeaseLabels::ManagedBy);
        } else if (existing.status != 200) {
            Answer answer = existing;
            if (decision.secretsInResponse)
                answer.body = stripSecretData(answer.body);
            co_return answer;
        } else if (!LeaseLabels::isManaged(QJsonDocument::fromJson(existing.body).object())) {
            co_return statusAnswer(403, QStringLiteral("Forbidden"),
                QStringLiteral("hanzo-kms-gateway deletes only objects labelled %1=%2, and %3 is not")
                    .arg(LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue, call.path));
        }
    }
    Answer result = co_await forward(call.method, target, call.body, call.contentType);
    if (decision.secretsInResponse)
        result.body = stripSecretData(result.body);
    co_return result;
}

QCoro::Task<GatewayServer::Answer> GatewayServer::forward(
    QByteArray method, QString pathAndQuery, QByteArray body, QByteArray contentType)
{
    QUrl url = m_upstream->baseUrl();
    const qsizetype q = pathAndQuery.indexOf(QLatin1Char('?'));
    const QString path = q < 0 ? pathAndQuery : pathAndQuery.left(q);
    url.setPath(url.path(QUrl::FullyEncoded) + path, QUrl::StrictMode);
    if (q >= 0)
        url.setQuery(pathAndQuery.mid(q + 1), QUrl::StrictMode);

    QNetworkRequest request(url);
    request.setSslConfiguration(m_upstream->sslConfiguration());
    request.setTransferTimeout(int(m_limits.upstreamTimeout.count()));
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("User-Agent", "hanzo-kms-gateway");
    if (!body.isEmpty())
        request.setRawHeader(
            "Content-Type", contentType.isEmpty() ? QByteArray("application/json") : contentType);
    m_upstream->authorize(request);

    // deleteLater: the reply is still inside its own finished() when the coroutine resumes.
    struct Later {
        void operator()(QNetworkReply *r) const { r->deleteLater(); }
    };
    std::unique_ptr<QNetworkReply, Later> reply(body.isEmpty() && method != "POST"
            ? m_nam->sendCustomRequest(request, method)
            : m_nam->sendCustomRequest(request, method, body));
    co_await reply.get();

    const QVariant code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!code.isValid()) {
        const auto error = reply->error();
        if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError)
            co_return statusAnswer(504, QStringLiteral("Timeout"),
                QStringLiteral("hanzo-kms-gateway got no answer from the API server within %1 s")
                    .arg(m_limits.upstreamTimeout.count() / 1000.0));
        co_return statusAnswer(502, QStringLiteral("ServiceUnavailable"),
            QStringLiteral("hanzo-kms-gateway cannot reach the API server at %1: %2")
                .arg(m_upstream->describe(), reply->errorString()));
    }
    Answer a;
    a.status = code.toInt();
    a.body = reply->readAll();
    const QByteArray type = reply->rawHeader("Content-Type");
    if (!type.isEmpty())
        a.contentType = type;
    for (const auto &[name, value] : reply->rawHeaderPairs()) {
        if (name.compare("Warning", Qt::CaseInsensitive) == 0)
            a.warnings.append(value);
    }
    a.retryAfter = reply->rawHeader("Retry-After");
    co_return a;
}

void GatewayServer::write(QHttpServerResponder &responder, const Answer &answer)
{
    responder.writeStatusLine(static_cast<QHttpServerResponder::StatusCode>(answer.status));
    responder.writeHeader("Content-Type", answer.contentType);
    responder.writeHeader("Content-Length", QByteArray::number(answer.body.size()));
    for (const QByteArray &warning : answer.warnings)
        responder.writeHeader("Warning", warning);
    if (!answer.retryAfter.isEmpty())
        responder.writeHeader("Retry-After", answer.retryAfter);
    responder.writeBody(answer.body);
}

} // namespace kms
