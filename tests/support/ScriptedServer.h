#pragma once

#include <QAbstractHttpServer>
#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>
#include <utility>

namespace kms::test {

// A scripted HTTPS server for client-side tests: answers each request with the
// next scripted reply (or, when route is set, with what route returns for it);
// an entry with status 0 means "never answer", one with cut closes the
// connection after the headers and half the body. Records every request.
class ScriptedServer : public QAbstractHttpServer {
public:
    struct Reply {
        int status;
        QByteArray body;
        QList<std::pair<QByteArray, QByteArray>> headers = {};
        bool cut = false;
    };
    QList<Reply> script;
    // When set, decides the answer from the method and the path (with query).
    std::function<Reply(const QByteArray &method, const QString &path)> route;
    QList<QByteArray> methods;
    QList<QByteArray> authorizations;
    QList<QByteArray> bodies;
    QList<QString> paths;

    // Serves HTTPS on 127.0.0.1 with the given PEM certificate and EC key, on a
    // free port; returns the port, 0 when it could not listen.
    quint16 listenTls(const QByteArray &certificatePem, const QByteArray &keyPem);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override { }
};

} // namespace kms::test
