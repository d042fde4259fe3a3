#pragma once

#include "gatewayserver/AccessLog.h"
#include "gatewayserver/ConnectionLimits.h"
#include "gatewayserver/GatewayAccessPolicy.h"
#include "gatewayserver/GatewayRoute.h"
#include "gatewayserver/GatewayRules.h"
#include "gatewayserver/UpstreamTransport.h"

#include <QAbstractHttpServer>
#include <QCoro/QCoroTask>
#include <QHostAddress>
#include <QList>
#include <QPointer>
#include <QSslConfiguration>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

class QNetworkAccessManager;
class QHttpServerResponder;

namespace kms {

// hanzo-kms-gateway's front door: HTTPS that demands a client certificate
// signed by the configured client CA (a client without one is dropped in the
// handshake and never gets an HTTP answer), then serves only the product's own
// calls (GatewayRoute) that the client's entry of the policy file allows
// (GatewayRules), with the gateway's own token, or with the caller's own
// cluster token when the request carries one (`Authorization: Bearer TOKEN`,
// a secret with Token (API) auth through a gateway): then every call made for
// the request, the gateway's own reads for its checks included, is the
// caller's, and the API server applies the caller's RBAC. The token is never
// logged nor echoed. Answers carry only the metadata the desktop needs;
// deletes are never blind (labels read first, or the uid precondition the
// desktop recorded). Other client headers (Impersonate-*, cookies ...) are
// never passed on.
// Connections pass a ConnectionGuard (size, time and connection limits) before
// a request is read. One AccessLog line per call: client certificate subject,
// verb, path, status, decision and reason (the policy's, when it refuses);
// never a header or a body.
class GatewayServer : public QAbstractHttpServer {
    Q_OBJECT

public:
    struct Limits {
        ConnectionLimits connection; // its maxBodyBytes is the largest request body
        std::chrono::milliseconds upstreamTimeout { 30000 };
        // How long a binding waits for the service account of its lease,
        // which the desktop creates at the same moment.
        std::chrono::milliseconds accountWait { 10000 };
        // The largest answer taken from the API server (it is outside input too).
        qint64 maxAnswerBytes = 32 * 1024 * 1024;
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
        // For the access log: let through or refused, and why.
        AccessLog::Verdict verdict;
    };

    explicit GatewayServer(std::shared_ptr<const UpstreamTransport> upstream, QObject *parent = nullptr);
    ~GatewayServer() override;

    // The server certificate and key (PEM), and the CA that signs client
    // certificates. False and error set when one of them cannot be used.
    bool setupTls(const QByteArray &certificatePem, const QByteArray &keyPem, const QByteArray &clientCaPem,
        QString *error);
    bool tlsConfigured() const { return m_tls.has_value(); }
    // Before listen(): a listening server keeps the limits it started with.
    void setLimits(const Limits &limits) { m_limits = limits; }
    // The longest the gateway itself may take to answer a complete request
    // under these limits; ConnectionGuard closes a connection whose answer takes longer.
    static std::chrono::milliseconds answerTimeout(const Limits &limits);
    // Who may do what; without one, every call is refused.
    void setPolicy(GatewayAccessPolicy policy) { m_policy = std::move(policy); }

    // Listens on address:port behind a GuardedServer (HTTPS once setupTls
    // succeeded); hides QAbstractHttpServer::listen, whose connections no
    // guard would bound. The port listened on; 0 when it cannot listen.
    quint16 listen(const QHostAddress &address, quint16 port);

    // Where each call's line goes besides callLogged(): stdout for hanzo-kms-gateway, nowhere by
    // default. Before listen(), whose connections log their refusals to the log set then.
    void setAccessLogOutput(std::FILE *out);

    // Ready when the service account token can be read; why not otherwise.
    bool isReady(QString *why) const;

    // Answers for /healthz and /readyz (also served without TLS by GatewayHealthServer).
    static Answer healthAnswer(bool ok, const QString &text);
    // A Kubernetes Status object for errors the gateway itself gives.
    static Answer statusAnswer(int code, const QString &reason, const QString &message);
    // The same, for a call the gateway refuses; why (a few words) goes to the access log.
    static Answer refusal(int code, const QString &reason, const QString &message, const QString &why);

    // The caller's own cluster token from a request's headers: the one
    // `Authorization: Bearer TOKEN` (scheme in any case), the token checked by
    // BearerToken. Empty without an Authorization header (or with an empty
    // one). *problem: why the header cannot be used, never quoting it.
    static QByteArray callerToken(const QList<QPair<QByteArray, QByteArray>> &headers, QString *problem);

signals:
    // A service account or generated role of a lease was created through this
    // gateway ("ServiceAccount ns/name", "ClusterRole name").
    void leaseObjectCreated(const QString &key);

    // After each call, and each request a connection limit refused, with its access log line.
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
        // The caller's own cluster token: every upstream call for this request
        // uses it. Empty: the gateway's own account.
        QByteArray callerToken;
        QString authorizationProblem; // why the Authorization header cannot be used
    };

    QCoro::Task<> serve(
        Call call, std::shared_ptr<QHttpServerResponder> responder, QPointer<QTcpSocket> socket);
    QCoro::Task<Answer> answer(Call call);
    // A call its route and the caller's policy entry allow so far.
    QCoro::Task<Answer> answerAllowed(
        Call call, GatewayRoute::Decision route, const GatewayClientPolicy *policy);
    // One call to the API server, with the caller's token, or the gateway's own when it is empty.
    QCoro::Task<Answer> forward(QByteArray method, QString pathAndQuery, QByteArray body,
        QByteArray contentType, QByteArray callerToken);
    QCoro::Task<Answer> checkedDelete(Call call, GatewayRoute::Decision route);
    QCoro::Task<Answer> checkedTokenRequest(
        Call call, GatewayRoute::Decision route, const GatewayClientPolicy *policy);
    // Empty when the object at path (what, for messages) carries this lease's
    // id; waits up to accountWait for it to appear (the desktop creates a
    // lease's objects at once). notOurs: the refusal (%1 what, %2 the label,
    // %3 the lease id); madeWith: what a binding is made with, for "missing";
    // callerToken: whose token reads it.
    QCoro::Task<QString> verifySameLease(QString path, QString what, QString leaseId, QString notOurs,
        QString madeWith, QByteArray callerToken);
    static Answer refuse(const Call &call, const QString &reason);
    static void write(QHttpServerResponder &responder, const Answer &answer);

    std::shared_ptr<const UpstreamTransport> m_upstream;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    Limits m_limits;
    GatewayAccessPolicy m_policy;
    std::optional<QSslConfiguration> m_tls;
    std::unique_ptr<AccessLog> m_accessLog;
};

} // namespace kms
