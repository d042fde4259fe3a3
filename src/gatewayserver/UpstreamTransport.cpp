#include "gatewayserver/UpstreamTransport.h"

#include <QHostAddress>
#include <QNetworkRequest>

namespace kms {

QString UpstreamTransport::inClusterUrl(const QProcessEnvironment &env)
{
    const QString host = env.value(QStringLiteral("KUBERNETES_SERVICE_HOST"));
    const QString port = env.value(QStringLiteral("KUBERNETES_SERVICE_PORT"));
    if (host.isEmpty() || port.isEmpty())
        return {};
    // An IPv6 service address needs brackets in a URL.
    const QHostAddress address(host);
    const QString h = address.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + host + QLatin1Char(']')
        : host;
    return QStringLiteral("https://%1:%2").arg(h, port);
}

std::unique_ptr<UpstreamTransport> UpstreamTransport::create(
    const QString &url, const QByteArray &caPem, const QString &tokenFile, QString *error)
{
    QUrl parsed(url.trimmed(), QUrl::StrictMode);
    if (!parsed.isValid() || parsed.host().isEmpty() || parsed.scheme() != QLatin1String("https")) {
        if (error)
            *error = QStringLiteral("The API server URL \"%1\" is not a valid https:// URL; set "
                                    "KUBERNETES_SERVICE_HOST/PORT or --kube-url.")
                         .arg(url);
        return nullptr;
    }
    QString path = parsed.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    parsed.setPath(path);
    auto transport = std::unique_ptr<UpstreamTransport>(new UpstreamTransport);
    transport->m_url = parsed;
    if (!caPem.trimmed().isEmpty()) {
        QString caError;
        transport->m_caCertificates = parseCaCertificates(caPem, &caError);
        if (transport->m_caCertificates.isEmpty()) {
            if (error)
                *error = QStringLiteral("The API server's CA (--kube-ca): %1").arg(caError);
            return nullptr;
        }
    }
    if (tokenFile.isEmpty()) {
        if (error)
            *error = QStringLiteral("No service account token file; run in a pod or give --kube-token-file.");
        return nullptr;
    }
    transport->m_token = std::make_unique<ServiceAccountTokenFile>(tokenFile);
    return transport;
}

QSslConfiguration UpstreamTransport::sslConfiguration() const
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!m_caCertificates.isEmpty())
        ssl.setCaCertificates(m_caCertificates);
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return ssl;
}

void UpstreamTransport::authorize(QNetworkRequest &request) const
{
    const QByteArray token = m_token->token();
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
}

} // namespace kms
