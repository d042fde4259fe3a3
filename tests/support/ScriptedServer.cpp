#include "ScriptedServer.h"

#include "gatewayserver/HttpMethod.h"

#include <QHostAddress>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTcpSocket>

namespace kms::test {

quint16 ScriptedServer::listenTls(const QByteArray &certificatePem, const QByteArray &keyPem)
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificate(QSslCertificate(certificatePem));
    ssl.setPrivateKey(QSslKey(keyPem, QSsl::Ec));
    ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    sslSetup(ssl);
    return listen(QHostAddress::LocalHost, 0);
}

bool ScriptedServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const QByteArray method = httpMethodName(request.method());
    const QString path = request.url().path()
        + (request.query().isEmpty() ? QString() : QLatin1Char('?') + request.query().toString());
    methods << method;
    paths << path;
    authorizations << request.value("Authorization");
    bodies << request.body();
    Reply reply { 200, "{}" };
    if (route)
        reply = route(method, path);
    else if (!script.isEmpty())
        reply = script.takeFirst();
    if (reply.status == 0)
        return true; // hold the connection without answering
    QHttpServerResponder responder = makeResponder(request, socket);
    responder.writeStatusLine(QHttpServerResponder::StatusCode(reply.status));
    for (const auto &[name, value] : reply.headers)
        responder.writeHeader(name, value);
    responder.writeHeader("Content-Type", "application/json");
    responder.writeHeader("Content-Length", QByteArray::number(reply.body.size()));
    if (reply.cut) {
        responder.writeBody(reply.body.left(reply.body.size() / 2));
        socket->disconnectFromHost();
        return true;
    }
    responder.writeBody(reply.body);
    return true;
}

} // namespace kms::test
