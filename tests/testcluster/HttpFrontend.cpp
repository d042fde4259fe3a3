#include "HttpFrontend.h"

#include "ApiError.h"
#include "Cluster.h"
#include "gatewayserver/HttpMethod.h"

#include <QDateTime>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#include <QUuid>

#include <memory>

namespace kms::testcluster {

struct HttpFrontend::Answer {
    ApiResponse response;
    bool drop = false;
    bool cut = false; // the request is processed, but its answer stops halfway through the body
};

namespace {

ApiResponse statusResponse(const ApiError &e)
{
    ApiResponse r;
    r.status = e.code();
    r.body = QJsonDocument(e.status()).toJson(QJsonDocument::Compact);
    return r;
}

// head: a HEAD request's answer, headers only.
void write(QHttpServerResponder &responder, const ApiResponse &response, bool head = false)
{
    responder.writeStatusLine(QHttpServerResponder::StatusCode(response.status));
    responder.writeHeader("Content-Type", response.contentType);
    responder.writeHeader("Content-Length", QByteArray::number(response.body.size()));
    responder.writeHeader("Cache-Control", "no-cache, private");
    responder.writeHeader("Date",
        QLocale::c()
            .toString(QDateTime::currentDateTimeUtc(), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"))
            .toLatin1());
    responder.writeHeader("Audit-Id", QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1());
    for (const auto &[key, value] : response.headers)
        responder.writeHeader(key, value);
    responder.writeBody(head ? QByteArray() : response.body);
}

// The headers as usual (with the full Content-Length), then half the body,
// then the connection closes: a 2xx whose body never arrives in full.
void writeCut(QHttpServerResponder &responder, QTcpSocket *socket, const ApiResponse &response)
{
    responder.writeStatusLine(QHttpServerResponder::StatusCode(response.status));
    responder.writeHeader("Content-Type", response.contentType);
    responder.writeHeader("Content-Length", QByteArray::number(response.body.size()));
    responder.writeBody(response.body.left(response.body.size() / 2));
    socket->disconnectFromHost();
}

} // namespace

struct HttpFrontend::Watch {
    QPointer<QTcpSocket> socket;
    std::unique_ptr<QHttpServerResponder> responder;
    std::shared_ptr<WatchRequest> request;
    std::unique_ptr<QTimer> timeout;
};

namespace {

QByteArray chunk(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

} // namespace

HttpFrontend::HttpFrontend(Cluster &cluster, quint32 seed, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_cluster(cluster)
    , m_seed(seed)
    , m_random(seed)
{
    m_cluster.setWatchSink([this](const WatchEvent &event) {
        const QList<std::shared_ptr<Watch>> watches = m_watches;
        for (const auto &watch : watches) {
            if (!watch->socket || watch->socket->state() != QAbstractSocket::ConnectedState) {
                m_watches.removeOne(watch);
                continue;
            }
            if (watch->request->matches(event))
                watch->responder->writeBody(
                    chunk(watch->request->encodeEvent(event.eventType, event.object)));
        }
    });
}

HttpFrontend::~HttpFrontend()
{
    m_cluster.setWatchSink({});
}

void HttpFrontend::startWatch(const ApiResponse &response, QHttpServerResponder responder, QTcpSocket *socket)
{
    auto watch = std::make_shared<Watch>();
    watch->socket = socket;
    watch->responder = std::make_unique<QHttpServerResponder>(std::move(responder));
    watch->request = response.watch;
    watch->responder->writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    watch->responder->writeHeader("Content-Type", "application/json");
    watch->responder->writeHeader("Transfer-Encoding", "chunked");
    watch->responder->writeHeader("Cache-Control", "no-cache, private");
    for (const auto &[key, value] : response.headers)
        watch->responder->writeHeader(key, value);
    watch->responder->writeBody(QByteArray()); // ends the headers
    for (const QByteArray &event : response.watch->initialEvents)
        watch->responder->writeBody(chunk(event));
    if (response.watch->endAfterInitial) {
        watch->responder->writeBody("0\r\n\r\n");
        return;
    }
    watch->timeout = std::make_unique<QTimer>();
    watch->timeout->setSingleShot(true);
    std::weak_ptr<Watch> weak = watch;
    connect(watch->timeout.get(), &QTimer::timeout, this, [this, weak] {
        if (auto w = weak.lock())
            endWatch(w);
    });
    watch->timeout->start(int(qMin<qint64>(response.watch->timeoutSeconds, 86400) * 1000));
    m_watches.append(watch);
}

void HttpFrontend::endWatch(const std::shared_ptr<Watch> &watch)
{
    if (watch->socket && watch->socket->state() == QAbstractSocket::ConnectedState)
        watch->responder->writeBody("0\r\n\r\n");
    m_watches.removeOne(watch);
}

QJsonObject HttpFrontend::settings() const
{
    return QJsonObject { { QStringLiteral("latencyMs"), m_latencyMs },
        { QStringLiteral("failRate"), m_failRate }, { QStringLiteral("cutBodyRate"), m_cutBodyRate },
        { QStringLiteral("clockOffsetSeconds"), double(m_cluster.clockOffsetSeconds()) },
        { QStringLiteral("maxTokenExpirationSeconds"), double(m_cluster.maxTokenExpirationSeconds()) },
        { QStringLiteral("tokenCacheSeconds"), double(m_cluster.tokenCacheSeconds()) },
        { QStringLiteral("seed"), double(m_seed) }, { QStringLiteral("requests"), double(m_requests) } };
}

void HttpFrontend::requireAdmin(const QHttpServerRequest &request, const QString &what) const
{
    const std::optional<UserInfo> user = m_cluster.authenticate(request.value("Authorization"));
    if (!user)
        throw ApiError::unauthorized();
    if (!user->isMaster())
        throw ApiError::forbidden(
            {}, {}, {}, QStringLiteral("User %1 cannot %2").arg(goQuote(user->name), what));
}

HttpFrontend::Answer HttpFrontend::authorizationsRequest(const QHttpServerRequest &request)
{
    Answer answer;
    try {
        requireAdmin(request, QStringLiteral("read the test cluster's authorizations"));
        const auto method = request.method();
        if (method == QHttpServerRequest::Method::Delete)
            m_cluster.clearAuthorizations();
        else if (method != QHttpServerRequest::Method::Get)
            throw ApiError::methodNotAllowed({});
        const QString onlyUser = request.query().queryItemValue(QStringLiteral("user"), QUrl::FullyDecoded);
        QJsonArray items;
        for (const Cluster::Authorization &a : m_cluster.authorizations()) {
            if (!onlyUser.isEmpty() && a.user != onlyUser)
                continue;
            items.append(QJsonObject { { QStringLiteral("user"), a.user },
                { QStringLiteral("verb"), a.attributes.verb },
                { QStringLiteral("apiGroup"), a.attributes.apiGroup },
                { QStringLiteral("resource"), a.attributes.resource },
                { QStringLiteral("subresource"), a.attributes.subresource },
                { QStringLiteral("namespace"), a.attributes.ns },
                { QStringLiteral("name"), a.attributes.name }, { QStringLiteral("allowed"), a.allowed } });
        }
        answer.response.body = QJsonDocument(
            QJsonObject { { QStringLiteral("items"),
                items } }).toJson(QJsonDocument::Compact);
    } catch (const ApiError &e) {
        answer.response = statusResponse(e);
    }
    return answer;
}

HttpFrontend::Answer HttpFrontend::settingsRequest(const QHttpServerRequest &request)
{
    Answer answer;
    try {
        requireAdmin(request, QStringLiteral("change the test cluster's settings"));
        const auto method = request.method();
        if (method == QHttpServerRequest::Method::Put || method == QHttpServerRequest::Method::Patch
            || method == QHttpServerRequest::Method::Post) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &error);
            if (error.error != QJsonParseError::NoError || !doc.isObject())
                throw ApiError::badRequest(QStringLiteral("settings: the body must be a JSON object"));
            const QJsonObject o = doc.object();
            static const QStringList known { QStringLiteral("latencyMs"), QStringLiteral("failRate"),
                QStringLiteral("cutBodyRate"), QStringLiteral("clockOffsetSeconds"),
                QStringLiteral("maxTokenExpirationSeconds"), QStringLiteral("tokenCacheSeconds") };
            for (const QString &k : o.keys()) {
                if (!known.contains(k)) {
                    throw ApiError::badRequest(QStringLiteral("settings: unknown field %1; known: latencyMs, "
                                                              "failRate, cutBodyRate, clockOffsetSeconds, "
                                                              "maxTokenExpirationSeconds, tokenCacheSeconds")
                                                   .arg(goQuote(k)));
                }
                if (!o.value(k).isDouble())
                    throw ApiError::badRequest(QStringLiteral("settings: %1 must be a number").arg(k));
            }
            if (o.contains(QStringLiteral("latencyMs"))) {
                const double v = o.value(QStringLiteral("latencyMs")).toDouble();
                if (v < 0 || v > 600000)
                    throw ApiError::badRequest(
                        QStringLiteral("settings: latencyMs must be between 0 and 600000"));
            }
            if (o.contains(QStringLiteral("failRate"))) {
                const double v = o.value(QStringLiteral("failRate")).toDouble();
                if (v < 0 || v > 1)
                    throw ApiError::badRequest(QStringLiteral("settings: failRate must be between 0 and 1"));
            }
            if (o.contains(QStringLiteral("cutBodyRate"))) {
                const double v = o.value(QStringLiteral("cutBodyRate")).toDouble();
                if (v < 0 || v > 1)
                    throw ApiError::badRequest(
                        QStringLiteral("settings: cutBodyRate must be between 0 and 1"));
            }
            if (o.contains(QStringLiteral("maxTokenExpirationSeconds"))) {
                const double v = o.value(QStringLiteral("maxTokenExpirationSeconds")).toDouble();
                if (v != 0 && (v < 3600 || v > double(qint64(1) << 32))) {
                    throw ApiError::badRequest(QStringLiteral(
                        "settings: maxTokenExpirationSeconds must be 0 (no cap) or between 3600 and 2^32"));
                }
            }
            if (o.contains(QStringLiteral("clockOffsetSeconds"))
                && qAbs(o.value(QStringLiteral("clockOffsetSeconds")).toDouble()) > 100.0 * 366 * 86400) {
                throw ApiError::badRequest(
                    QStringLiteral("settings: clockOffsetSeconds must be within 100 years"));
            }
            if (o.contains(QStringLiteral("tokenCacheSeconds"))) {
                const double v = o.value(QStringLiteral("tokenCacheSeconds")).toDouble();
                if (v < 0 || v > 3600)
                    throw ApiError::badRequest(
                        QStringLiteral("settings: tokenCacheSeconds must be between 0 and 3600"));
                m_cluster.setTokenCacheSeconds(qint64(v));
            }
            if (o.contains(QStringLiteral("latencyMs")))
                m_latencyMs = o.value(QStringLiteral("latencyMs")).toInt();
            if (o.contains(QStringLiteral("failRate")))
                m_failRate = o.value(QStringLiteral("failRate")).toDouble();
            if (o.contains(QStringLiteral("cutBodyRate")))
                m_cutBodyRate = o.value(QStringLiteral("cutBodyRate")).toDouble();
            if (o.contains(QStringLiteral("clockOffsetSeconds")))
                m_cluster.setClockOffsetSeconds(
                    qint64(o.value(QStringLiteral("clockOffsetSeconds")).toDouble()));
            if (o.contains(QStringLiteral("maxTokenExpirationSeconds")))
                m_cluster.setMaxTokenExpirationSeconds(
                    qint64(o.value(QStringLiteral("maxTokenExpirationSeconds")).toDouble()));
        } else if (method != QHttpServerRequest::Method::Get) {
            throw ApiError::methodNotAllowed({});
        }
        answer.response.body = QJsonDocument(settings()).toJson(QJsonDocument::Compact);
    } catch (const ApiError &e) {
        answer.response = statusResponse(e);
    }
    return answer;
}

bool HttpFrontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Answer answer;
    int delay = 0;
    const bool head = request.method() == QHttpServerRequest::Method::Head;
    if (request.url().path() == QLatin1String(kSettingsPath)) {
        answer = settingsRequest(request); // never delayed nor failed: tests must be able to turn faults off
    } else if (request.url().path() == QLatin1String(kAuthorizationsPath)) {
        answer = authorizationsRequest(request); // nor this one, nor counted as a request
    } else {
        ++m_requests;
        delay = m_latencyMs;
        if (m_failRate > 0 && m_random.generateDouble() < m_failRate) {
            if (m_random.bounded(2) == 0) {
                answer.drop = true;
            } else {
                answer.response = statusResponse(ApiError::serviceUnavailable(
                    QStringLiteral("the server is currently unable to handle the request")));
                answer.response.headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("1")));
            }
        } else {
            ApiRequest api;
            api.method = httpMethodName(request.method());
            api.path = request.url().path(QUrl::FullyDecoded);
            api.query = request.query();
            api.body = request.body();
            api.contentType = request.value("Content-Type");
            api.accept = request.value("Accept");
            api.authorization = request.value("Authorization");
            answer.response = m_cluster.handle(api);
            answer.cut
                = m_cutBodyRate > 0 && !answer.response.watch && m_random.generateDouble() < m_cutBodyRate;
        }
    }

    if (answer.response.watch && !answer.drop) {
        startWatch(answer.response, makeResponder(request, socket), socket);
        return true;
    }
    if (delay <= 0) {
        if (answer.drop) {
            socket->abort();
            return true;
        }
        QHttpServerResponder responder = makeResponder(request, socket);
        if (answer.cut)
            writeCut(responder, socket, answer.response);
        else
            write(responder, answer.response, head);
        return true;
    }
    auto responder = std::make_shared<QHttpServerResponder>(makeResponder(request, socket));
    QPointer<QTcpSocket> guard(socket);
    QTimer::singleShot(delay, this, [responder, guard, answer, head] {
        if (!guard || guard->state() != QAbstractSocket::ConnectedState)
            return;
        if (answer.drop) {
            guard->abort();
            return;
        }
        if (answer.cut)
            writeCut(*responder, guard, answer.response);
        else
            write(*responder, answer.response, head);
    });
    return true;
}

void HttpFrontend::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QHttpServerResponder responder = makeResponder(request, socket);
    write(responder, statusResponse(ApiError::notFoundPlain()));
}

} // namespace kms::testcluster
