#include "kube/KubeClient.h"

#include "core/BoundedRead.h"
#include "core/DisplayText.h"
#include "core/SignalWait.h"
#include "kube/ReplyLimits.h"

#include <QCoro/QCoroNetworkReply>
#include <QCoro/QCoroTimer>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSslError>

#include <algorithm>

namespace kms {

QString describeTlsErrors(const QList<QSslError> &errors, const QString &host)
{
    for (const QSslError &e : errors) {
        switch (e.error()) {
        case QSslError::CertificateExpired:
            return QStringLiteral("the cluster's TLS certificate has expired (%1)")
                .arg(e.certificate().expiryDate().toString(Qt::ISODate));
        case QSslError::CertificateNotYetValid:
            return QStringLiteral("the cluster's TLS certificate is not valid yet");
        case QSslError::HostNameMismatch:
            return QStringLiteral("the cluster's TLS certificate is not valid for host \"%1\"").arg(host);
        case QSslError::SelfSignedCertificate:
        case QSslError::SelfSignedCertificateInChain:
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::UnableToVerifyFirstCertificate:
        case QSslError::CertificateUntrusted:
            return QStringLiteral("the cluster's TLS certificate is signed by an unknown authority; set the "
                                  "cluster's CA certificate");
        case QSslError::CertificateRevoked:
            return QStringLiteral("the cluster's TLS certificate has been revoked");
        default:
            break;
        }
    }
    if (!errors.isEmpty())
        return QStringLiteral("TLS verification failed: %1").arg(errors.first().errorString());
    return QStringLiteral("the TLS handshake failed");
}

namespace {

std::chrono::milliseconds parseRetryAfter(const QByteArray &value)
{
    bool ok = false;
    const int seconds = value.trimmed().toInt(&ok);
    if (ok && seconds >= 0)
        return std::chrono::seconds(seconds);
    return std::chrono::milliseconds(-1);
}

// Errors of the connection itself (QNetworkReply's 1..99: refused, closed,
// timed out, TLS) and of a proxy (101..199), as opposed to an HTTP answer.
QString escape(const QString &segment)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(segment));
}

} // namespace

QString corePath(const QString &namespaceName, const QString &resource, const QString &name)
{
    QString path = QStringLiteral("/api/v1");
    if (!namespaceName.isEmpty())
        path += QStringLiteral("/namespaces/") + escape(namespaceName);
    path += QLatin1Char('/') + resource;
    if (!name.isEmpty())
        path += QLatin1Char('/') + escape(name);
    return path;
}

QString groupPath(const QString &group, const QString &version, const QString &namespaceName,
    const QString &resource, const QString &name)
{
    QString path = QStringLiteral("/apis/%1/%2").arg(group, version);
    if (!namespaceName.isEmpty())
        path += QStringLiteral("/namespaces/") + escape(namespaceName);
    path += QLatin1Char('/') + resource;
    if (!name.isEmpty())
        path += QLatin1Char('/') + escape(name);
    return path;
}

QString KubeClient::warningText(const QByteArray &header)
{
    static const QRegularExpression form(
        QStringLiteral(R"re(^\s*\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?\s*$)re"));
    const QString value = QString::fromUtf8(header);
    const QRegularExpressionMatch match = form.match(value);
    if (!match.hasMatch())
        return escapeControls(value.trimmed());
    QString text;
    const QString quoted = match.captured(1);
    for (qsizetype i = 0; i < quoted.size(); ++i) {
        if (quoted.at(i) == QLatin1Char('\\') && i + 1 < quoted.size())
            ++i;
        text += quoted.at(i);
    }
    return escapeControls(text);
}

KubeClient::KubeClient(QNetworkAccessManager *nam, std::shared_ptr<const KubeTransport> transport)
    : m_nam(nam)
    , m_transport(std::move(transport))
{
}

QCoro::Task<KubeResult> KubeClient::get(QString path)
{
    return request(QByteArrayLiteral("GET"), std::move(path), std::nullopt, Retry::IfTransient);
}

QCoro::Task<KubeResult> KubeClient::remove(QString path)
{
    return request(QByteArrayLiteral("DELETE"), std::move(path), std::nullopt, Retry::IfTransient);
}

QCoro::Task<KubeResult> KubeClient::remove(QString path, QString uid)
{
    if (uid.isEmpty())
        return remove(std::move(path));
    const QJsonObject options { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
        { QStringLiteral("kind"), QStringLiteral("DeleteOptions") },
        { QStringLiteral("preconditions"), QJsonObject { { QStringLiteral("uid"), uid } } } };
    return request(QByteArrayLiteral("DELETE"), std::move(path), options, Retry::IfTransient);
}

QCoro::Task<KubeResult> KubeClient::post(QString path, QJsonObject body, Retry retry)
{
    return request(QByteArrayLiteral("POST"), std::move(path), std::move(body), retry);
}

QCoro::Task<KubeResult> KubeClient::mergePatch(QString path, QJsonObject patch)
{
    return request(QByteArrayLiteral("PATCH"), std::move(path), std::move(patch), Retry::IfTransient);
}

void KubeClient::cancel()
{
    m_open.reset(); // wakes a retry's wait
    if (!m_nam)
        return;
    // The manager is this client's alone (see the class comment). abort()
    // finishes a reply at once; its awaiting coroutine then sees the client closed.
    for (QNetworkReply *reply : m_nam->findChildren<QNetworkReply *>())
        reply->abort();
}

QCoro::Task<KubeResult> KubeClient::request(
    QByteArray method, QString path, std::optional<QJsonObject> body, Retry retry)
{
    auto backoff = m_retry.initialBackoff;
    const int attempts = retry == Retry::IfTransient ? std::max(1, m_retry.maxAttempts) : 1;
    KubeResult result;
    for (int i = 1; i <= attempts; ++i) {
        std::chrono::milliseconds retryAfter { -1 };
        result = co_await attempt(method, path, body, &retryAfter);
        if (result.ok() || !result.error->isTransient() || i == attempts || !m_open)
            co_return result;
        auto wait = backoff;
        if (retryAfter.count() >= 0)
            wait = std::min(retryAfter, m_retry.maxRetryAfter);
        // The wait ends early when the client is cancelled (m_open destroyed).
        co_await waitForSignal(m_open.get(), &QObject::destroyed, wait);
        backoff = std::min(backoff * 2, m_retry.maxBackoff);
    }
    co_return result;
}

QCoro::Task<KubeResult> KubeClient::attempt(
    QByteArray method, QString path, std::optional<QJsonObject> body, std::chrono::milliseconds *retryAfter)
{
    const QString call
        = QStringLiteral("%1 %2").arg(QString::fromLatin1(method), path.section(QLatin1Char('?'), 0, 0));
    KubeResult result;
    if (!m_nam || !m_open) {
        result.error = KubeError { KubeError::Category::Network, 0, {},
            QStringLiteral("the connection was closed"), {}, {}, call };
        co_return result;
    }
    // Checked again just before the request is built: a token with a line
    // break would add headers, an http:// URL would send it in clear.
    if (const QString problem = m_transport->requestProblem(); !problem.isEmpty()) {
        result.error = KubeError { KubeError::Category::NotSent, 0, {}, problem, {}, {}, call };
        co_return result;
    }
    QUrl url = m_transport->baseUrl();
    const int q = path.indexOf(QLatin1Char('?'));
    url.setPath(url.path() + (q < 0 ? path : path.left(q)), QUrl::TolerantMode);
    if (q >= 0)
        url.setQuery(path.mid(q + 1));

    QNetworkRequest request(url);
    request.setSslConfiguration(m_transport->sslConfiguration());
    request.setTransferTimeout(int(m_timeout.count()));
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("User-Agent", "hanzo-kms");
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    m_transport->authorize(request);

    QByteArray payload;
    if (body) {
        payload = QJsonDocument(*body).toJson(QJsonDocument::Compact);
        // if/else rather than ?: with temporaries: GCC 12 mishandles those in coroutines.
        QByteArray contentType = "application/json";
        if (method == "PATCH")
            contentType = "application/merge-patch+json";
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    }

    QList<QSslError> sslErrors;
    QNetworkReply *reply = m_nam->sendCustomRequest(request, method, payload);
    QObject::connect(reply, &QNetworkReply::sslErrors, reply,
        [&sslErrors](const QList<QSslError> &errors) { sslErrors = errors; });
    // A server's answer is outside input too: never buffered beyond the bound.
    const std::shared_ptr<bool> tooLarge = abortAnswersLargerThan(reply, m_maxAnswerBytes);
    co_await reply;
    reply->deleteLater();
    if (!m_open) {
        result.error = KubeError { KubeError::Category::Network, 0, {},
            QStringLiteral("the connection was closed"), {}, {}, call };
        co_return result;
    }
    if (*tooLarge) {
        result.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.error = KubeError { KubeError::Category::InvalidResponse, result.httpStatus, {},
            QStringLiteral("the answer from %1 is larger than %2")
                .arg(m_transport->describe(), describeSize(m_maxAnswerBytes)),
            {}, {}, call };
        co_return result;
    }

    int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // A transport error after the headers (the connection dropped mid-body)
    // leaves a status but no whole answer: it is a network error, not a bad body.
    const bool cutOff = status != 0 && isTransportError(reply->error());
    const QByteArray data = status == 0 || cutOff ? QByteArray() : reply->readAll();
    for (const auto &[name, value] : reply->rawHeaderPairs()) {
        if (name.compare("Warning", Qt::CaseInsensitive) == 0)
            result.warnings << warningText(value);
    }
    *retryAfter = parseRetryAfter(reply->rawHeader("Retry-After"));
    result.httpStatus = status;

    if (cutOff) {
        const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError
            || reply->error() == QNetworkReply::TimeoutError;
        result.error
            = KubeError { timedOut ? KubeError::Category::Timeout : KubeError::Category::Network, status, {},
                  QStringLiteral("the answer to %1 from %2 was cut off (%3)")
                      .arg(call, m_transport->describe(), escapeControls(reply->errorString())),
                  {}, {}, call };
        co_return result;
    }
    if (status == 0) {
        KubeError e;
        e.call = call;
        const auto err = reply->error();
        if (err == QNetworkReply::OperationCanceledError || err == QNetworkReply::TimeoutError) {
            e.category = KubeError::Category::Timeout;
            e.message = QStringLiteral("no answer from %1 within %2 seconds")
                            .arg(m_transport->describe())
                            .arg(m_timeout.count() / 1000.0);
        } else if (err == QNetworkReply::SslHandshakeFailedError || !sslErrors.isEmpty()) {
            e.category = KubeError::Category::Tls;
            e.message = sslErrors.isEmpty()
                ? QStringLiteral("the TLS handshake with %1 failed (%2)")
                      .arg(m_transport->describe(), escapeControls(reply->errorString()))
                : describeTlsErrors(sslErrors, url.host());
        } else {
            e.category = KubeError::Category::Network;
            e.message
                = QStringLiteral("%1: %2").arg(m_transport->describe(), escapeControls(reply->errorString()));
        }
        result.error = e;
        co_return result;
    }
    if (status < 200 || status > 299) {
        result.error = KubeError::fromResponse(status, data, call);
        co_return result;
    }
    if (!data.isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
        if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
            result.error = KubeError { KubeError::Category::InvalidResponse, status, {},
                QStringLiteral("the answer was not a JSON object (%1)").arg(parseError.errorString()), {}, {},
                call };
            co_return result;
        }
        result.body = doc.object();
    }
    co_return result;
}

} // namespace kms
