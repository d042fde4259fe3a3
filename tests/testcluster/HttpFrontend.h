#pragma once

#include <QAbstractHttpServer>
#include <QByteArray>
#include <QJsonObject>
#include <QRandomGenerator>

#include <memory>

namespace kms::testcluster {

class Cluster;
struct ApiResponse;

// HTTPS in front of Cluster: turns QHttpServerRequest into ApiRequest, adds
// the injected latency and failures, and serves the admin endpoints (the
// settings, the authorizer's decisions).
class HttpFrontend : public QAbstractHttpServer {
    Q_OBJECT

public:
    static constexpr const char *kSettingsPath = "/kms-testcluster/v1/settings";
    static constexpr const char *kAuthorizationsPath = "/kms-testcluster/v1/authorizations";

    HttpFrontend(Cluster &cluster, quint32 seed, QObject *parent = nullptr);
    ~HttpFrontend() override;

    void setLatencyMs(int ms) { m_latencyMs = ms; }
    void setFailRate(double rate) { m_failRate = rate; }
    void setCutBodyRate(double rate) { m_cutBodyRate = rate; }
    QJsonObject settings() const;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Answer;
    Answer settingsRequest(const QHttpServerRequest &request);
    Answer authorizationsRequest(const QHttpServerRequest &request);
    // The admin endpoints are for the admin (system:masters) only: throws 401/403 otherwise.
    void requireAdmin(const QHttpServerRequest &request, const QString &what) const;

    struct Watch;
    void startWatch(const ApiResponse &response, QHttpServerResponder responder, QTcpSocket *socket);
    void endWatch(const std::shared_ptr<Watch> &watch);

    Cluster &m_cluster;
    QList<std::shared_ptr<Watch>> m_watches;
    int m_latencyMs = 0;
    double m_failRate = 0;
    double m_cutBodyRate = 0; // answers whose connection closes halfway through the body
    quint32 m_seed;
    QRandomGenerator m_random;
    quint64 m_requests = 0;
};

} // namespace kms::testcluster
