#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace kms::test {

// The built kms-testcluster, started for one test: a fresh CA, admin token
// and state directory; stopped (SIGTERM) when this object goes.
//
//   kms::test::TestCluster cluster;
//   QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
//   const QByteArray requester = cluster.applySeedSetup();
//   auto r = cluster.request("GET", "/api/v1/namespaces/default/serviceaccounts", {}, requester);
class TestCluster {
public:
    struct Options {
        int latencyMs = 0;
        double failRate = 0;
        qint64 maxTokenExpirationSeconds = 0; // 0: no cap
        quint32 seed = 1;
        QStringList extraArguments;
    };

    struct Response {
        int status = 0; // 0: no HTTP answer (connection dropped, timeout)
        QString networkError; // set when status is 0
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        QJsonObject json; // body parsed, when it is a JSON object
        QByteArray header(const QByteArray &name) const;
    };

    TestCluster();
    explicit TestCluster(const Options &options);
    ~TestCluster();
    TestCluster(const TestCluster &) = delete;
    TestCluster &operator=(const TestCluster &) = delete;

    // Starts the server and waits for its ready line (at most 20 s).
    bool start();
    void stop();
    bool isRunning() const;
    QString errorString() const { return m_error; }

    QUrl url() const { return m_url; }
    QString caPath() const { return m_caPath; }
    QByteArray caPem() const { return m_caPem; }
    QByteArray adminToken() const { return m_adminToken; }
    QString kubeconfigPath() const { return m_kubeconfigPath; }
    QString stateDir() const { return m_stateDir.path(); }
    qint64 pid() const;

    // Synchronous call with `Authorization: Bearer <token>` (the admin token
    // when token is empty). An empty json sends no body. PATCH defaults to a merge patch.
    Response request(const QByteArray &method, const QString &path, const QJsonObject &json = {},
        const QByteArray &token = {}, const QByteArray &contentType = {});
    // Full control: no Authorization header unless given in headers.
    Response requestRaw(const QByteArray &method, const QString &path, const QByteArray &body,
        const QList<QPair<QByteArray, QByteArray>> &headers);

    // Sends the same request `count` times, one after another, over ONE TLS
    // connection (HTTP/1.1 keep-alive), bypassing QNetworkAccessManager's pool.
    struct KeepAliveRun {
        QList<int> statuses; // one per answer received
        qint64 elapsedMs = 0;
        QString error; // why the run stopped early, if it did
    };
    KeepAliveRun repeatOnOneConnection(const QByteArray &method, const QString &path, const QJsonObject &json,
        const QByteArray &token, int count);

    // Run-time settings (the admin endpoint; see tests/testcluster/README.md).
    bool setFaults(int latencyMs, double failRate);
    // Fraction of answers cut off halfway through the body (the request itself is processed).
    bool setCutBodyRate(double rate);
    bool setClockOffset(qint64 seconds);
    bool setMaxTokenExpiration(qint64 seconds);
    QJsonObject settings();
    // The authorizer's decisions on resource requests since the last
    // clearAuthorizations(), oldest first, of one user (all when empty): each
    // {user, verb, apiGroup, resource, subresource, namespace, name, allowed}.
    QList<QJsonObject> authorizations(const QString &user = {});
    bool clearAuthorizations();

    enum class SeedMode {
        // Static and dynamic: service-account.yaml, rbac-dynamic.yaml (the
        // tokenrequest role with delete and bindings, kms-dynamic-role-binding-sa)
        // and kms-dynamic-role.yaml (get/list pods and configmaps).
        Dynamic,
        // Static only, exactly the seed's static steps: kms-service-account.yaml,
        // rbac-static.yaml (create/get on serviceaccounts and their token),
        // service-account-token.yaml.
        Static,
    };
    // Creates what the seed's Token (API) setup creates, then the seed's
    // `kubectl patch serviceaccount ... secrets`, and returns the requester's
    // legacy token (the Secret's data.token). Empty on failure (see errorString()).
    QByteArray applySeedSetup(SeedMode mode = SeedMode::Dynamic);
    // Creates (admin) every object of a YAML file (one or more documents) with
    // kms::Manifest::apply; namespaced objects without a namespace go to `defaultNamespace`.
    bool applyYamlFile(const QString &path, const QString &defaultNamespace = QStringLiteral("default"));
    // A TokenRequest as admin; returns the token (empty on failure).
    QByteArray createToken(const QString &ns, const QString &serviceAccount, qint64 expirationSeconds = 3600,
        const QStringList &audiences = {}, const QJsonObject &boundObjectRef = {});

    // TokenReview as admin: the answer's status ({authenticated, user, audiences} or {user:{}, error}).
    QJsonObject tokenReview(const QByteArray &token, const QStringList &audiences = {});
    // SelfSubjectAccessReview with `token`: may it do this? (false also when the call fails)
    bool canI(const QByteArray &token, const QString &verb, const QString &resource, const QString &ns = {},
        const QString &group = {}, const QString &subresource = {}, const QString &name = {});

    static QString seedDir();

private:
    bool putSettings(const QJsonObject &settings);

    Options m_options;
    QTemporaryDir m_stateDir;
    std::unique_ptr<QProcess> m_process;
    std::unique_ptr<QNetworkAccessManager> m_network;
    QUrl m_url;
    QString m_caPath;
    QByteArray m_caPem;
    QByteArray m_adminToken;
    QString m_kubeconfigPath;
    QString m_error;
};

} // namespace kms::test
