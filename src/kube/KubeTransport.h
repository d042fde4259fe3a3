#pragma once

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>
#include <QUrl>

class QNetworkRequest;

namespace kms {

// How requests reach a cluster. The provider code is the same for every way
// in: directly with a bearer token (TokenTransport) or through a
// hanzo-kms-gateway over mutual TLS (GatewayTransport, in gateway/).
class KubeTransport {
public:
    virtual ~KubeTransport() = default;

    virtual QUrl baseUrl() const = 0;
    // TLS for the connection: CAs to trust, whether to verify, client certificate.
    virtual QSslConfiguration sslConfiguration() const = 0;
    // Why no request may be built now (e.g. a token that would break the
    // Authorization header, a URL that is not https); empty when requests may
    // be sent. KubeClient asks before every request and sends nothing if so.
    virtual QString requestProblem() const { return {}; }
    // Adds credentials to a request (e.g. the Authorization header).
    virtual void authorize(QNetworkRequest &request) const = 0;
    // For messages: "https://10.0.0.1:6443" or "gateway \"prod\"".
    virtual QString describe() const = 0;
};

// Direct access to the API server with a bearer token.
class TokenTransport : public KubeTransport {
public:
    // caPem empty: the system's CAs. verifyTls false: no verification at all
    // (only when the secret says so). Returns nullptr and sets error when the
    // URL is not https://, the CA PEM is unusable or the token is not a
    // BearerToken: a bearer token never travels unencrypted or with a line
    // break in it.
    static std::unique_ptr<TokenTransport> create(const QString &url, const QByteArray &caPem, bool verifyTls,
        const QByteArray &bearerToken, QString *error);

    QUrl baseUrl() const override { return m_url; }
    QSslConfiguration sslConfiguration() const override;
    // The same checks as create(), again, just before each request.
    QString requestProblem() const override;
    void authorize(QNetworkRequest &request) const override;
    QString describe() const override { return m_url.toString(QUrl::RemoveUserInfo); }

private:
    QUrl m_url;
    QList<QSslCertificate> m_caCertificates;
    bool m_verifyTls = true;
    QByteArray m_token;
};

// Parses one or more PEM certificates; empty list and error set when the text
// holds none or a broken one.
QList<QSslCertificate> parseCaCertificates(const QByteArray &pem, QString *error);

} // namespace kms
