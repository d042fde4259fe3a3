#pragma once

#include "kube/KubeError.h"
#include "kube/KubeTransport.h"

#include <QCoro/QCoroTask>
#include <QJsonObject>
#include <QPointer>
#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;
class QSslError;

namespace kms {

// The answer to one call: either a 2xx response or a KubeError.
struct KubeResult {
    int httpStatus = 0;
    QJsonObject body;
    QStringList warnings; // "Warning" headers, e.g. a shortened token expiry
    std::optional<KubeError> error;

    bool ok() const { return !error.has_value(); }
};

struct RetryPolicy {
    int maxAttempts = 5;
    std::chrono::milliseconds initialBackoff { 200 };
    std::chrono::milliseconds maxBackoff { 5000 };
    std::chrono::milliseconds maxRetryAfter { 30000 };
};

// Talks JSON to one Kubernetes API server (directly or through a gateway).
// One client per cluster connection: the QNetworkAccessManager it is given
// must not be shared with other credentials (see DESIGN.md).
class KubeClient {
public:
    enum class Retry { Never, IfTransient };

    KubeClient(QNetworkAccessManager *nam, std::shared_ptr<const KubeTransport> transport);

    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }
    std::chrono::milliseconds timeout() const { return m_timeout; }
    void setRetryPolicy(const RetryPolicy &policy) { m_retry = policy; }
    // Answers larger than this are cut off and reported, not buffered.
    void setMaxAnswerBytes(qint64 bytes) { m_maxAnswerBytes = bytes; }
    static constexpr qint64 DefaultMaxAnswerBytes = 64 * 1024 * 1024;
    // The text of a Warning header (RFC 7234: code, agent, quoted text), as a
    // person reads it: `299 - "a \"b\""` is `a "b"`. Control characters are
    // escaped; a header of another form is kept whole (escaped).
    static QString warningText(const QByteArray &header);
    const KubeTransport &transport() const { return *m_transport; }

    // GET and DELETE retry on transient errors; POST only when the caller says
    // a retry cannot duplicate anything (retry = IfTransient).
    QCoro::Task<KubeResult> get(QString path);
    QCoro::Task<KubeResult> remove(QString path);
    // DELETE with preconditions.uid (when uid is not empty): the API server
    // deletes the object only if it is still the one with that uid, else 409 Conflict.
    QCoro::Task<KubeResult> remove(QString path, QString uid);
    QCoro::Task<KubeResult> post(QString path, QJsonObject body, Retry retry = Retry::Never);
    // PATCH with a JSON merge patch (application/merge-patch+json); retried on
    // transient errors, so only for patches that may be applied twice.
    QCoro::Task<KubeResult> mergePatch(QString path, QJsonObject patch);

    // The general form; path may carry a query string.
    QCoro::Task<KubeResult> request(
        QByteArray method, QString path, std::optional<QJsonObject> body, Retry retry);

    // Ends every call of this client now, at a shutdown: requests in flight are
    // aborted, a retry's wait ends, and this and every later call answers "the
    // connection was closed" without a retry. So a coroutine awaiting a call
    // finishes instead of being abandoned with an API server that does not answer.
    void cancel();
    bool isCancelled() const { return !m_open; }

private:
    QCoro::Task<KubeResult> attempt(QByteArray method, QString path, std::optional<QJsonObject> body,
        std::chrono::milliseconds *retryAfter);

    QPointer<QNetworkAccessManager> m_nam;
    std::shared_ptr<const KubeTransport> m_transport;
    std::chrono::milliseconds m_timeout { 15000 };
    RetryPolicy m_retry;
    qint64 m_maxAnswerBytes = DefaultMaxAnswerBytes;
    // Alive while the client is open; cancel() destroys it, and its destroyed()
    // signal wakes a retry's wait.
    std::unique_ptr<QObject> m_open = std::make_unique<QObject>();
};

// Certificate problems in words: expired, wrong host, unknown CA.
QString describeTlsErrors(const QList<QSslError> &errors, const QString &host);

// Path helpers, URL-escaped: core (v1) and named-group resources.
QString corePath(const QString &namespaceName, const QString &resource, const QString &name = {});
QString groupPath(const QString &group, const QString &version, const QString &namespaceName,
    const QString &resource, const QString &name = {});

} // namespace kms
