#pragma once

#include "kube/KubeTransport.h"

#include <QSslKey>

#include <memory>

namespace kms {

// The desktop's way to a cluster through a registered hanzo-kms-gateway:
// mutual TLS with the gateway's CA and the client certificate and key, and no
// bearer token (the gateway adds its own).
class GatewayTransport : public KubeTransport {
public:
    // nullptr and error set when the URL, a certificate or the key cannot be
    // used, or the key does not belong to the client certificate.
    static std::unique_ptr<GatewayTransport> create(const QString &name, const QString &url,
        const QByteArray &caPem, const QByteArray &clientCertificatePem, const QByteArray &clientKeyPem,
        QString *error);

    QString name() const { return m_name; }
    QUrl baseUrl() const override { return m_url; }
    QSslConfiguration sslConfiguration() const override;
    void authorize(QNetworkRequest &request) const override;
    QString describe() const override;

private:
    QString m_name;
    QUrl m_url;
    QList<QSslCertificate> m_caCertificates;
    QList<QSslCertificate> m_clientChain;
    QSslKey m_clientKey;
};

} // namespace kms
