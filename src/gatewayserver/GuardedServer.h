#pragma once

#include "gatewayserver/ConnectionLimits.h"

#include <QHostAddress>
#include <QPointer>
#include <QSslConfiguration>
#include <QTcpServer>

#include <memory>
#include <optional>

class QAbstractHttpServer;
class QTcpSocket;

namespace kms {

class AccessLog;
class ConnectionBudget;
class ConnectionGuard;

// The listening socket in front of a QAbstractHttpServer: gives every
// accepted connection a ConnectionGuard before the HTTP server sees it, closes
// connections past the total cap at once, does the TLS handshake (with the
// client certificate checked, when configured) and hands a connection to the
// HTTP server only once its client is admitted.
class GuardedServer : public QTcpServer {
    Q_OBJECT

public:
    // tls: HTTPS with this configuration; plain HTTP without. log may be null.
    GuardedServer(const ConnectionLimits &limits, std::optional<QSslConfiguration> tls, AccessLog *log,
        QObject *parent = nullptr);
    ~GuardedServer() override;

    // Listens on address:port and binds to http (which becomes the parent).
    // The port listened on; 0 when it cannot listen.
    static quint16 serve(QAbstractHttpServer *http, const QHostAddress &address, quint16 port,
        const ConnectionLimits &limits, std::optional<QSslConfiguration> tls, AccessLog *log);

    const ConnectionBudget &budget() const { return *m_budget; }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void handOver(QTcpSocket *socket, ConnectionGuard *guard);

    std::shared_ptr<ConnectionBudget> m_budget;
    std::optional<QSslConfiguration> m_tls;
    QPointer<AccessLog> m_log;
};

} // namespace kms
