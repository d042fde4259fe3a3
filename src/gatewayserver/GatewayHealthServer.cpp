#include "gatewayserver/GatewayHealthServer.h"

#include "gatewayserver/GatewayServer.h"
#include "gatewayserver/GuardedServer.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>

namespace kms {

GatewayHealthServer::GatewayHealthServer(const GatewayServer &gateway, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_gateway(gateway)
{
}

ConnectionLimits GatewayHealthServer::limits()
{
    using namespace std::chrono_literals;
    ConnectionLimits limits;
    limits.maxBodyBytes = 0;
    limits.maxHeaderBytes = 8 * 1024;
    limits.headerTimeout = 5s;
    limits.bodyTimeout = 5s;
    limits.idleTimeout = 30s;
    limits.maxConnections = 32;
    limits.maxConnectionsPerClient = 32;
    limits.maxBodyBytesInFlight = 0;
    return limits;
}

quint16 GatewayHealthServer::listen(const QHostAddress &address, quint16 port)
{
    return GuardedServer::serve(this, address, port, limits(), std::nullopt, nullptr);
}

bool GatewayHealthServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const QString path = request.url().path();
    if (request.method() != QHttpServerRequest::Method::Get
        || (path != QLatin1String("/healthz") && path != QLatin1String("/readyz")))
        return false;
    GatewayServer::Answer answer = GatewayServer::healthAnswer(true, QStringLiteral("ok"));
    if (path == QLatin1String("/readyz")) {
        QString why;
        const bool ready = m_gateway.isReady(&why);
        answer = GatewayServer::healthAnswer(ready, ready ? QStringLiteral("ok") : why);
    }
    QHttpServerResponder responder = makeResponder(request, socket);
    responder.write(
        answer.body, answer.contentType, static_cast<QHttpServerResponder::StatusCode>(answer.status));
    return true;
}

void GatewayHealthServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    makeResponder(request, socket)
        .write("not found\n", "text/plain", QHttpServerResponder::StatusCode::NotFound);
}

} // namespace kms
