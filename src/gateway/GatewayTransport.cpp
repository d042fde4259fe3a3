#include "gateway/GatewayTransport.h"

#include "core/BearerToken.h"
#include "kube/GatewayCertificates.h"

#include <QNetworkRequest>

namespace kms {

std::unique_ptr<GatewayTransport> GatewayTransport::create(const QString &name, const QString &url,
    const QByteArray &caPem, const QByteArray &clientCertificatePem, const QByteArray &clientKeyPem,
    QString *error)
{
    auto fail = [error](const QString &message) -> std::unique_ptr<GatewayTransport> {
        if (error)
            *error = message;
        return nullptr;
    };
    QUrl parsed(url.trimmed(), QUrl::StrictMode);
    if (!parsed.isValid() || parsed.host().isEmpty() || parsed.scheme() != QLatin1String("https")
        || !parsed.userInfo().isEmpty() || parsed.hasQuery() || parsed.hasFragment())
        return fail(QStringLiteral("The gateway URL \"%1\" is not a valid https:// URL (e.g. "
                                   "https://127.0.0.1:8443).")
                        .arg(url));
    QString path = parsed.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    parsed.setPath(path);

    auto transport = std::unique_ptr<GatewayTransport>(new GatewayTransport);
    transport->m_name = name;
    transport->m_url = parsed;
    QString why;
    transport->m_caCertificates = GatewayCertificates::readCertificates(caPem, &why);
    if (transport->m_caCertificates.isEmpty())
        return fail(QStringLiteral("The gateway's CA certificate: %1").arg(why));
    transport->m_clientChain = GatewayCertificates::readCertificates(clientCertificatePem, &why);
    if (transport->m_clientChain.isEmpty())
        return fail(
            QStringLiteral("The client certificate: %1").arg(why.replace(QLatin1String("CA "), QString())));
    transport->m_clientKey = GatewayCertificates::readPrivateKey(clientKeyPem, &why);
    if (transport->m_clientKey.isNull())
        return fail(QStringLiteral("The client key: %1.").arg(why));
    if (!GatewayCertificates::keyMatchesCertificate(clientKeyPem, transport->m_clientChain.first()))
        return fail(QStringLiteral("The client key does not belong to the client certificate; give the key "
                                   "that was made with it."));
    return transport;
}

QSslConfiguration GatewayTransport::sslConfiguration() const
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    // Only the gateway's own CA vouches for the gateway.
    ssl.setCaCertificates(m_caCertificates);
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    ssl.setLocalCertificateChain(m_clientChain);
    ssl.setPrivateKey(m_clientKey);
    ssl.setProtocol(QSsl::TlsV1_2OrLater);
    return ssl;
}

QString GatewayTransport::requestProblem() const
{
    if (m_callerToken.isEmpty())
        return {};
    if (const QString problem = BearerToken::problem(m_callerToken); !problem.isEmpty())
        return QStringLiteral("The cluster token %1.").arg(problem);
    return {};
}

void GatewayTransport::authorize(QNetworkRequest &request) const
{
    // Gateway auth: no token at all, so the gateway uses its own account.
    if (m_callerToken.isEmpty())
        request.setRawHeader("Authorization", QByteArray());
    // KubeClient asked requestProblem() first; never build a header from a bad
    // token anyway, nor fall back to the gateway's account: the gateway
    // refuses a Bearer header without a token.
    else if (BearerToken::isValid(m_callerToken))
        request.setRawHeader("Authorization", "Bearer " + m_callerToken);
    else
        request.setRawHeader("Authorization", "Bearer");
}

QString GatewayTransport::describe() const
{
    if (!m_callerToken.isEmpty())
        return QStringLiteral("gateway \"%1\" (%2) with the secret's cluster token")
            .arg(m_name, m_url.toString());
    return QStringLiteral("gateway \"%1\" (%2)").arg(m_name, m_url.toString());
}

} // namespace kms
