#pragma once

#include "gatewayserver/GatewayPolicy.h"
#include "gatewayserver/UpstreamTransport.h"

#include <QAbstractHttpServer>
#include <QCoro/QCoroTask>
#include <QHostAddress>
#include <QList>
#include <QPointer>

#include <chrono>
#include <memory>

class QNetworkAccessManager;
class QHttpServerResponder;

namespace kms {

// hanzo-kms-gateway's front door: HTTPS that demands a client certificate
// signed by the configured client CA (a client without one is dropped in the
// handshake and never gets an HTTP answer), then forwards the calls
// GatewayPolicy allows to the API server with the gateway's own token. Client
// credentials (Authorization, Impersonate-*, cookies ...) are never passed on.
// One log line per call: client certificate subject, method, path, status,
// duration; never a header or a body.
class GatewayServer : public QAbstractHttpServer {
    Q_OBJECT

public:
    struct Limits {
        qint64 maxRequestBytes = 1024 * 1024;
        std::chrono::milliseconds upstreamTimeout { 30000 };
    };

    // The answer to one call, as the client gets it.
    struct Answer {
        int status = 200;
        QByteArray contentType = "application/json";
        QByteArray body;
        QList<QByteArray> warnings;
        QByteArray retryAfter;
    };

    explicit GatewayServer(std::shared_ptr<const UpstreamTransport> upstream, QObject *parent = nullptr);
    ~GatewayServer() override;

    // The server certificate and key (PEM), and the CA that signs client
    // certificates. False and error set when one of them cannot be used.
    bool setupTls(const QByteArray &certificatePem, const QByteArray &keyPem, const QByteArray &clientCaPem,
        QString *error);
    bool tlsConfigured() const { return m_tls; }
    void setLimits(const Limits &limits) { m_limits = limits; }

    // Ready when the service account token can be read; why not otherwise.
    bool isReady(QString *why) const;

    // Answers for /healthz and /readyz (also served without TLS by GatewayHealthServer).
    static Answer healthAnswer(bool ok, const QString &text);
    // A Kubernetes Status object for errors the gateway itself gives.
    static Answer statusAnswer(int code, const QString &reason, const QString &message);

    // Removes data and stringData from Secret objects (one or a list).
    static QByteArray stripSecretData(const QByteArray &json);

signals:
    // After each call, with the log line that was written.
    void callLogged(const QString &line);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Call {
        QByteArray method;
        QString path; // percent-encoded, as sent
        QString query; // percent-encoded, as sent
        QByteArray body;
        QByteArray contentType;
        QString client; // certificate subject
    };

    QCoro::Task<> serve(
        Call call, std::shared_ptr<QHttpServerResponder> responder, QPointer<QTcpSocket> socket);
    QCoro::Task<Answer> answer(Call call);
    QCoro::Task<Answer> forward(
        QByteArray method, QString pathAndQuery, QByteArray body, QByteArray contentType);
    static void write(QHttpServerResponder &responder, const Answer &answer);

    std::shared_ptr<const UpstreamTransport> m_upstream;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    Limits m_limits;
    bool m_tls = false;
};

} // namespace kms
