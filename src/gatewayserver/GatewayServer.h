#pragma once

#include "gatewayserver/GatewayAccessPolicy.h"
#include "gatewayserver/GatewayRoute.h"
#include "gatewayserver/GatewayRules.h"
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
// handshake and never gets an HTTP answer), then serves only the product's own
// calls (GatewayRoute) that the client's entry of the policy file allows
// (GatewayRules), with the gateway's own token. Answers carry only the
// metadata the desktop needs; deletes are never blind (labels read first, or
// the uid precondition the desktop recorded). Client credentials
// (Authorization, Impersonate-*, cookies ...) are never passed on.
// One log line per call: client certificate subject, method, path, status,
// duration; never a header or a body.
class GatewayServer : public QAbstractHttpServer {
    Q_OBJECT

public:
    struct Limits {
        qint64 maxRequestBytes = 1024 * 1024;
        std::chrono::milliseconds upstreamTimeout { 30000 };
        // How long a binding waits for the service account of its lease,
        // which the desktop creates at the same moment.
        std::chrono::milliseconds accountWait { 10000 };
    };

    // The path where a client reads its own policy entry.
    static constexpr const char *PolicyPath = "/kms/v1/policy";

    // The answer to one call, as the client gets it.
    struct Answer {
        int status = 200;
        QByteArray contentType = "application/json";
        QByteArray body;
        QList<QByteArray> warnings;
        QByteArray retryAfter;
        QString refusal; // when the gateway itself refused: why
    };

    explicit GatewayServer(std::shared_ptr<const UpstreamTransport> upstream, QObject *parent = nullptr);
    ~GatewayServer() override;

    // The server certificate and key (PEM), and the CA that signs client
    // certificates. False and error set when one of them cannot be used.
    bool setupTls(const QByteArray &certificatePem, const QByteArray &keyPem, const QByteArray &clientCaPem,
        QString *error);
    bool tlsConfigured() const { return m_tls; }
    void setLimits(const Limits &limits) { m_limits = limits; }
    // Who may do what; without one, every call is refused.
    void setPolicy(GatewayAccessPolicy policy) { m_policy = std::move(policy); }

    // Ready when the service account token can be read; why not otherwise.
    bool isReady(QString *why) const;

    // Answers for /healthz and /readyz (also served without TLS by GatewayHealthServer).
    static Answer healthAnswer(bool ok, const QString &text);
    // A Kubernetes Status object for errors the gateway itself gives.
    static Answer statusAnswer(int code, const QString &reason, const QString &message);

signals:
    // A service account of a lease was created through this gateway ("ns/name").
    void serviceAccountCreated(const QString &key);

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
        QString commonName; // the certificate's CN, which the policy matches
    };

    QCoro::Task<> serve(
        Call call, std::shared_ptr<QHttpServerResponder> responder, QPointer<QTcpSocket> socket);
    QCoro::Task<Answer> answer(Call call);
    QCoro::Task<Answer> forward(
        QByteArray method, QString pathAndQuery, QByteArray body, QByteArray contentType);
    QCoro::Task<Answer> checkedDelete(Call call, GatewayRoute::Decision route);
    QCoro::Task<Answer> checkedTokenRequest(
        Call call, GatewayRoute::Decision route, const GatewayClientPolicy *policy);
    QCoro::Task<QString> verifyLeaseAccount(GatewayRules::BindingSubject subject);
    static Answer refuse(const Call &call, const QString &reason);
    static void write(QHttpServerResponder &responder, const Answer &answer);

    std::shared_ptr<const UpstreamTransport> m_upstream;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    Limits m_limits;
    GatewayAccessPolicy m_policy;
    bool m_tls = false;
};

} // namespace kms
