#pragma once

#include "gatewayserver/ConnectionLimits.h"

#include <QAbstractHttpServer>
#include <QHostAddress>

namespace kms {

class GatewayServer;

// /healthz and /readyz over plain HTTP for the kubelet's probes, which cannot
// present a client certificate. Answers nothing else; takes no request bodies.
class GatewayHealthServer : public QAbstractHttpServer {
    Q_OBJECT

public:
    explicit GatewayHealthServer(const GatewayServer &gateway, QObject *parent = nullptr);

    // What a probe connection may take: no body, small headers, a few seconds.
    static ConnectionLimits limits();

    // Listens on address:port behind a GuardedServer with limits(); hides
    // QAbstractHttpServer::listen. The port listened on; 0 when it cannot listen.
    quint16 listen(const QHostAddress &address, quint16 port);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    const GatewayServer &m_gateway;
};

} // namespace kms
