#pragma once

#include "kube/KubeTransport.h"

#include <QSslKey>

#include <memory>

namespace kms {

// The desktop's way to a cluster through a registered hanzo-kms-gateway:
// mutual TLS with the gateway's CA and the client certificate and key. With
// Gateway auth no bearer token (the gateway uses its own account); with Token
// (API) auth through a gateway, the secret's cluster token in
// `Authorization: Bearer`, sent only over that mutual TLS connection, which
// the gateway uses instead of its own account.
class GatewayTransport : public KubeTransport {
public:
    // nullptr and error set when the URL, a certificate or the key cannot be
    // used, or the key does not belong to the client certificate.
    static std::unique_ptr<GatewayTransport> create(const QString &name, const QString &url,
        const QByteArray &caPem, const QByteArray &clientCertificatePem, const QByteArray &clientKeyPem,
        QString *error);

    // The caller's own cluster token, sent with every request; empty: none.
    void setCallerToken(const QByteArray &token) { m_callerToken = token; }
    bool hasCallerToken() const { return !m_callerToken.isEmpty(); }

    QString name() const { return m_name; }
    QUrl baseUrl() const override { return m_url; }
    QSslConfiguration sslConfiguration() const override;
    // A caller token that is not a BearerToken: no request is sent.
    QString requestProblem() const override;
    void authorize(QNetworkRequest &request) const override;
    QString describe() const override;

private:
    QString m_name;
    QUrl m_url;
    QList<QSslCertificate> m_caCertificates;
    QList<QSslCertificate> m_clientChain;
    QSslKey m_clientKey;
    QByteArray m_callerToken;
};

} // namespace kms
