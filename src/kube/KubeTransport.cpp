#include "kube/KubeTransport.h"

#include "core/BearerToken.h"
#include "core/DisplayText.h"

#include <QNetworkRequest>

namespace kms {

QList<QSslCertificate> parseCaCertificates(const QByteArray &pem, QString *error)
{
    const QByteArray trimmed = pem.trimmed();
    if (!trimmed.contains("-----BEGIN CERTIFICATE-----")) {
        if (error)
            *error = QStringLiteral("This is not a PEM certificate (it must start with "
                                    "\"-----BEGIN CERTIFICATE-----\").");
        return {};
    }
    const int begins = trimmed.count("-----BEGIN CERTIFICATE-----");
    QList<QSslCertificate> certs = QSslCertificate::fromData(trimmed, QSsl::Pem);
    bool allValid = certs.size() == begins;
    for (const QSslCertificate &c : certs)
        allValid = allValid && !c.isNull();
    if (!allValid || certs.isEmpty()) {
        if (error)
            *error
                = QStringLiteral("The certificate could not be read: the PEM data is damaged or incomplete.");
        return {};
    }
    return certs;
}

namespace {

// Why the URL cannot carry a bearer token; empty when it can.
QString urlProblem(const QUrl &url, const QString &given)
{
    if (!url.isValid() || url.host().isEmpty() || url.scheme() != QLatin1String("https"))
        return QStringLiteral("The cluster URL %1 is not a valid https:// URL; Hanzo KMS sends cluster "
                              "tokens only over TLS.")
            .arg(quoted(given));
    return {};
}

} // namespace

std::unique_ptr<TokenTransport> TokenTransport::create(const QString &url, const QByteArray &caPem,
    bool verifyTls, const QByteArray &bearerToken, QString *error)
{
    auto transport = std::unique_ptr<TokenTransport>(new TokenTransport);
    QUrl parsed(url.trimmed(), QUrl::StrictMode);
    if (const QString problem = urlProblem(parsed, url); !problem.isEmpty()) {
        if (error)
            *error = problem;
        return nullptr;
    }
    if (const QString problem = BearerToken::problem(bearerToken); !problem.isEmpty()) {
        if (error)
            *error = QStringLiteral("The cluster token %1.").arg(problem);
        return nullptr;
    }
    // Paths are appended to the base; keep a prefix (e.g. a proxy path) without its trailing slash.
    QString path = parsed.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    parsed.setPath(path);
    transport->m_url = parsed;
    if (!caPem.trimmed().isEmpty()) {
        transport->m_caCertificates = parseCaCertificates(caPem, error);
        if (transport->m_caCertificates.isEmpty())
            return nullptr;
    }
    transport->m_verifyTls = verifyTls;
    transport->m_token = bearerToken;
    return transport;
}

QSslConfiguration TokenTransport::sslConfiguration() const
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!m_caCertificates.isEmpty())
        ssl.setCaCertificates(m_caCertificates);
    if (!m_verifyTls)
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    return ssl;
}

QString TokenTransport::requestProblem() const
{
    if (const QString problem = urlProblem(m_url, m_url.toString(QUrl::RemoveUserInfo)); !problem.isEmpty())
        return problem;
    if (const QString problem = BearerToken::problem(m_token); !problem.isEmpty())
        return QStringLiteral("The cluster token %1.").arg(problem);
    return {};
}

void TokenTransport::authorize(QNetworkRequest &request) const
{
    // KubeClient asked requestProblem() first; never build a header from a bad token anyway.
    if (BearerToken::isValid(m_token))
        request.setRawHeader("Authorization", "Bearer " + m_token);
}

} // namespace kms
