#include "gatewayserver/GuardedServer.h"

#include "gatewayserver/AccessLog.h"
#include "gatewayserver/ConnectionBudget.h"
#include "gatewayserver/ConnectionGuard.h"

#include <QAbstractHttpServer>
#include <QSslSocket>

namespace kms {

GuardedServer::GuardedServer(
    const ConnectionLimits &limits, std::optional<QSslConfiguration> tls, AccessLog *log, QObject *parent)
    : QTcpServer(parent)
    , m_budget(std::make_shared<ConnectionBudget>(limits))
    , m_tls(std::move(tls))
    , m_log(log)
{
}

GuardedServer::~GuardedServer() = default;

quint16 GuardedServer::serve(QAbstractHttpServer *http, const QHostAddress &address, quint16 port,
    const ConnectionLimits &limits, std::optional<QSslConfiguration> tls, AccessLog *log)
{
    auto server = std::make_unique<GuardedServer>(limits, std::move(tls), log);
    if (!server->listen(address, port))
        return 0;
    const quint16 bound = server->serverPort();
    http->bind(server.release());
    return bound;
}

void GuardedServer::incomingConnection(qintptr descriptor)
{
    QTcpSocket *socket = m_tls ? new QSslSocket(this) : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    if (!m_budget->canOpen()) {
        // Past the total cap: closed before any TLS work is spent on it.
        socket->abort();
        socket->deleteLater();
        return;
    }
    // Before anything else connects to the socket: the guard's slots run first.
    auto *guard = new ConnectionGuard(socket, m_budget, m_log);
    // Until the HTTP server has it, the socket is this server's to delete.
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    auto *ssl = qobject_cast<QSslSocket *>(socket);
    if (!ssl) {
        handOver(socket, guard);
        return;
    }
    ssl->setSslConfiguration(*m_tls);
    connect(ssl, &QSslSocket::encrypted, this, [this, socket, guard] { handOver(socket, guard); });
    // A client without a certificate from the client CA ends here, with no HTTP answer.
    connect(ssl, &QAbstractSocket::errorOccurred, ssl, [ssl] {
        if (!ssl->isEncrypted())
            ssl->abort();
    });
    ssl->startServerEncryption();
}

void GuardedServer::handOver(QTcpSocket *socket, ConnectionGuard *guard)
{
    if (!guard->admit())
        return; // answered 429; the guard closes it
    disconnect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    addPendingConnection(socket);
}

} // namespace kms
