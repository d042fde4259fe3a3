#pragma once

#include <QAbstractHttpServer>

namespace kms {

class GatewayServer;

// /healthz and /readyz over plain HTTP for the kubelet's probes, which cannot
// present a client certificate. Answers nothing else.
class GatewayHealthServer : public QAbstractHttpServer {
    Q_OBJECT

public:
    explicit GatewayHealthServer(const GatewayServer &gateway, QObject *parent = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    const GatewayServer &m_gateway;
};

} // namespace kms
