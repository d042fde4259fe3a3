#pragma once

#include "gatewayserver/ServiceAccountTokenFile.h"
#include "kube/KubeTransport.h"

#include <QProcessEnvironment>

#include <memory>

namespace kms {

// How the gateway reaches its own API server: the URL and CA of the cluster it
// runs in, and the pod's service account token, read from its file on use so
// that a rotated token is picked up.
class UpstreamTransport : public KubeTransport {
public:
    static constexpr const char *ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    // What Kubernetes gives a pod: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
    // (empty when the variables are not set).
    static QString inClusterUrl(const QProcessEnvironment &env);

    // nullptr and error set when the URL or the CA cannot be used. caPem empty: the system's CAs.
    static std::unique_ptr<UpstreamTransport> create(
        const QString &url, const QByteArray &caPem, const QString &tokenFile, QString *error);

    QUrl baseUrl() const override { return m_url; }
    QSslConfiguration sslConfiguration() const override;
    void authorize(QNetworkRequest &request) const override;
    QString describe() const override { return m_url.toString(QUrl::RemoveUserInfo); }

    const ServiceAccountTokenFile &tokenFile() const { return *m_token; }

private:
    QUrl m_url;
    QList<QSslCertificate> m_caCertificates;
    std::unique_ptr<ServiceAccountTokenFile> m_token;
};

} // namespace kms
