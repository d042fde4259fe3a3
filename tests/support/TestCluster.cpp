#include "TestCluster.h"
#include "KmsTestPaths.h"

#include "kube/KubeClient.h"
#include "kube/Manifest.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

#include <csignal>

#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

namespace kms::test {

QByteArray TestCluster::Response::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

TestCluster::TestCluster()
    : TestCluster(Options {})
{
}

TestCluster::TestCluster(const Options &options)
    : m_options(options)
{
}

TestCluster::~TestCluster()
{
    stop();
}

QString TestCluster::seedDir()
{
    return QStringLiteral(KMS_TEST_DATA_DIR "/seed");
}

qint64 TestCluster::pid() const
{
    return m_process ? m_process->processId() : 0;
}

bool TestCluster::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

bool TestCluster::start()
{
    if (!m_stateDir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary state directory");
        return false;
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(QStringLiteral(KMS_TESTCLUSTER_PATH));
    QStringList args { QStringLiteral("--state-dir"), m_stateDir.path(), QStringLiteral("--seed"),
        QString::number(m_options.seed) };
    if (m_options.latencyMs > 0)
        args << QStringLiteral("--latency-ms") << QString::number(m_options.latencyMs);
    if (m_options.failRate > 0)
        args << QStringLiteral("--fail-rate") << QString::number(m_options.failRate);
    if (m_options.maxTokenExpirationSeconds > 0)
        args << QStringLiteral("--max-token-expiration")
             << QString::number(m_options.maxTokenExpirationSeconds);
    args << m_options.extraArguments;
    m_process->setArguments(args);
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
#ifdef Q_OS_LINUX
    // A test that crashes never runs the destructor that stops the cluster:
    // the kernel stops it instead, so no orphan keeps serving or holds the
    // test's output pipe open (which kept each-alone.sh and CTest waiting).
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
    m_process->start();
    if (!m_process->waitForStarted(10000)) {
        m_error = QStringLiteral("kms-testcluster did not start: %1").arg(m_process->errorString());
        return false;
    }
    // The ready line: wait for it on the process's signals, not by sleeping.
    QEventLoop loop;
    QByteArray line;
    QObject::connect(m_process.get(), &QProcess::readyReadStandardOutput, &loop, [&] {
        if (m_process->canReadLine()) {
            line = m_process->readLine();
            loop.quit();
        }
    });
    QObject::connect(m_process.get(), &QProcess::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    if (!m_process->canReadLine())
        loop.exec();
    else
        line = m_process->readLine();
    const QJsonObject ready = QJsonDocument::fromJson(line).object();
    if (ready.isEmpty()) {
        m_error = QStringLiteral("kms-testcluster gave no ready line (state %1, exit code %2)")
                      .arg(int(m_process->state()))
                      .arg(m_process->exitCode());
        stop();
        return false;
    }
    m_url = QUrl(ready.value(QStringLiteral("url")).toString());
    m_caPath = ready.value(QStringLiteral("ca")).toString();
    m_kubeconfigPath = ready.value(QStringLiteral("kubeconfig")).toString();
    QFile ca(m_caPath);
    QFile token(QDir(m_stateDir.path()).filePath(QStringLiteral("admin.token")));
    if (!ca.open(QIODevice::ReadOnly) || !token.open(QIODevice::ReadOnly)) {
        m_error = QStringLiteral("kms-testcluster's ca.crt or admin.token is unreadable");
        stop();
        return false;
    }
    m_caPem = ca.readAll();
    m_adminToken = token.readAll().trimmed();
    m_network = std::make_unique<QNetworkAccessManager>();
    return true;
}

void TestCluster::stop()
{
    m_network.reset();
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_process.reset();
}

TestCluster::Response TestCluster::requestRaw(const QByteArray &method, const QString &path,
    const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    Response response;
    if (!m_network) {
        response.networkError = QStringLiteral("the test cluster is not running");
        return response;
    }
    QUrl url = m_url;
    const qsizetype q = path.indexOf(u'?');
    url.setPath(q < 0 ? path : path.left(q));
    if (q >= 0)
        url.setQuery(path.mid(q + 1));
    QNetworkRequest request(url);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates(QSslCertificate::fromData(m_caPem));
    request.setSslConfiguration(ssl);
    request.setTransferTimeout(30000);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    for (const auto &[k, v] : headers)
        request.setRawHeader(k, v);
    // QNAM waits for a body after a custom "HEAD"; its own head() knows better.
    QNetworkReply *reply
        = method == "HEAD" ? m_network->head(request) : m_network->sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (response.status == 0)
        response.networkError = reply->errorString();
    response.headers = reply->rawHeaderPairs();
    if (reply->isOpen())
        response.body = reply->readAll();
    response.json = QJsonDocument::fromJson(response.body).object();
    reply->deleteLater();
    return response;
}

TestCluster::Response TestCluster::request(const QByteArray &method, const QString &path,
    const QJsonObject &json, const QByteArray &token, const QByteArray &contentType)
{
    QList<QPair<QByteArray, QByteArray>> headers { { "Authorization",
                                                       "Bearer " + (token.isEmpty() ? m_adminToken : token) },
        { "Accept", "application/json" } };
    QByteArray body;
    if (!json.isEmpty()) {
        body = QJsonDocument(json).toJson(QJsonDocument::Compact);
        QByteArray type = contentType;
        if (type.isEmpty())
            type = method == "PATCH" ? "application/merge-patch+json" : "application/json";
        headers.append({ "Content-Type", type });
    }
    return requestRaw(method, path, body, headers);
}

TestCluster::KeepAliveRun TestCluster::repeatOnOneConnection(const QByteArray &method, const QString &path,
    const QJsonObject &json, const QByteArray &token, int count)
{
    KeepAliveRun run;
    QSslSocket socket;
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates(QSslCertificate::fromData(m_caPem));
    socket.setSslConfiguration(ssl);
    socket.connectToHostEncrypted(m_url.host(), quint16(m_url.port()));
    if (!socket.waitForEncrypted(10000)) {
        run.error = QStringLiteral("TLS connection failed: %1").arg(socket.errorString());
        return run;
    }
    const QByteArray body
        = json.isEmpty() ? QByteArray() : QJsonDocument(json).toJson(QJsonDocument::Compact);
    QByteArray request = method + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: " + m_url.authority().toUtf8()
        + "\r\nAuthorization: Bearer " + (token.isEmpty() ? m_adminToken : token)
        + "\r\nAccept: application/json\r\nConnection: keep-alive\r\n";
    if (!body.isEmpty())
        request += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\n";
    request += "\r\n" + body;

    QElapsedTimer timer;
    timer.start();
    QByteArray buffer;
    for (int i = 0; i < count; ++i) {
        socket.write(request);
        // One answer: status line, headers up to a blank line, Content-Length bytes of body.
        qsizetype headerEnd = -1;
        qsizetype length = -1;
        while (true) {
            if (headerEnd < 0) {
                headerEnd = buffer.indexOf("\r\n\r\n");
                if (headerEnd >= 0) {
                    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
                    for (const QByteArray &line : lines) {
                        if (line.toLower().startsWith("content-length:"))
                            length = line.mid(15).trimmed().toLongLong();
                    }
                    if (length < 0) {
                        run.error = QStringLiteral("answer %1 has no Content-Length").arg(i);
                        return run;
                    }
                }
            }
            if (headerEnd >= 0 && buffer.size() >= headerEnd + 4 + length)
                break;
            if (socket.state() != QAbstractSocket::ConnectedState || !socket.waitForReadyRead(30000)) {
                run.error = QStringLiteral("the connection ended after %1 answers: %2")
                                .arg(i)
                                .arg(socket.errorString());
                run.elapsedMs = timer.elapsed();
                return run;
            }
            buffer += socket.readAll();
        }
        run.statuses.append(buffer.mid(9, 3).toInt());
        buffer.remove(0, headerEnd + 4 + length);
    }
    run.elapsedMs = timer.elapsed();
    return run;
}

bool TestCluster::putSettings(const QJsonObject &settings)
{
    const Response r = request("PUT", QStringLiteral("/kms-testcluster/v1/settings"), settings);
    if (r.status != 200) {
        m_error
            = QStringLiteral("settings update failed: %1 %2").arg(r.status).arg(QString::fromUtf8(r.body));
        return false;
    }
    return true;
}

bool TestCluster::setFaults(int latencyMs, double failRate)
{
    return putSettings(
        QJsonObject { { QStringLiteral("latencyMs"), latencyMs }, { QStringLiteral("failRate"), failRate } });
}

bool TestCluster::setCutBodyRate(double rate)
{
    return putSettings(QJsonObject { { QStringLiteral("cutBodyRate"), rate } });
}

bool TestCluster::setClockOffset(qint64 seconds)
{
    return putSettings(QJsonObject { { QStringLiteral("clockOffsetSeconds"), double(seconds) } });
}

bool TestCluster::setMaxTokenExpiration(qint64 seconds)
{
    return putSettings(QJsonObject { { QStringLiteral("maxTokenExpirationSeconds"), double(seconds) } });
}

QJsonObject TestCluster::settings()
{
    return request("GET", QStringLiteral("/kms-testcluster/v1/settings")).json;
}

QList<QJsonObject> TestCluster::authorizations(const QString &user)
{
    QString path = QStringLiteral("/kms-testcluster/v1/authorizations");
    if (!user.isEmpty())
        path += QStringLiteral("?user=") + QString::fromLatin1(QUrl::toPercentEncoding(user));
    const Response r = request("GET", path);
    QList<QJsonObject> out;
    for (const QJsonValue &item : r.json.value(QLatin1String("items")).toArray())
        out << item.toObject();
    return out;
}

bool TestCluster::clearAuthorizations()
{
    return request("DELETE", QStringLiteral("/kms-testcluster/v1/authorizations")).status == 200;
}

bool TestCluster::applyYamlFile(const QString &path, const QString &defaultNamespace)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    QString error;
    auto transport = TokenTransport::create(m_url.toString(), m_caPem, true, m_adminToken, &error);
    if (!transport) {
        m_error = error;
        return false;
    }
    QNetworkAccessManager network;
    KubeClient client(&network, std::move(transport));
    m_error = QCoro::waitFor(Manifest::apply(client, file.readAll(), path, defaultNamespace));
    return m_error.isEmpty();
}

QByteArray TestCluster::applySeedSetup(SeedMode mode)
{
    const QDir seed(seedDir());
    const QStringList files = mode == SeedMode::Dynamic
        ? QStringList { QStringLiteral("service-account.yaml"), QStringLiteral("rbac-dynamic.yaml"),
              QStringLiteral("kms-dynamic-role.yaml") }
        : QStringList { QStringLiteral("kms-service-account.yaml"), QStringLiteral("rbac-static.yaml"),
              QStringLiteral("service-account-token.yaml") };
    for (const QString &file : files) {
        if (!applyYamlFile(seed.filePath(file)))
            return {};
    }
    // kubectl patch serviceaccount kms-token-requester -p '{"secrets": [{"name":
    // "kms-token-requester-token"}]}'
    const QJsonObject patch { { QStringLiteral("secrets"),
        QJsonArray {
            QJsonObject { { QStringLiteral("name"), QStringLiteral("kms-token-requester-token") } } } } };
    Response r
        = request("PATCH", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester"),
            patch, {}, "application/strategic-merge-patch+json");
    if (r.status != 200) {
        m_error = QStringLiteral("patching kms-token-requester failed: %1").arg(r.status);
        return {};
    }
    r = request("GET", QStringLiteral("/api/v1/namespaces/default/secrets/kms-token-requester-token"));
    const QByteArray token = QByteArray::fromBase64(
        r.json.value(QStringLiteral("data")).toObject().value(QStringLiteral("token")).toString().toLatin1());
    if (token.isEmpty())
        m_error = QStringLiteral("the token controller did not fill kms-token-requester-token");
    return token;
}

QJsonObject TestCluster::tokenReview(const QByteArray &token, const QStringList &audiences)
{
    QJsonObject spec { { QStringLiteral("token"), QString::fromLatin1(token) } };
    if (!audiences.isEmpty())
        spec.insert(QStringLiteral("audiences"), QJsonArray::fromStringList(audiences));
    const Response r = request("POST", QStringLiteral("/apis/authentication.k8s.io/v1/tokenreviews"),
        QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
            { QStringLiteral("kind"), QStringLiteral("TokenReview") }, { QStringLiteral("spec"), spec } });
    return r.json.value(QStringLiteral("status")).toObject();
}

bool TestCluster::canI(const QByteArray &token, const QString &verb, const QString &resource,
    const QString &ns, const QString &group, const QString &subresource, const QString &name)
{
    QJsonObject attributes { { QStringLiteral("verb"), verb }, { QStringLiteral("resource"), resource } };
    for (const auto &[key, value] : { std::pair { "namespace", ns }, std::pair { "group", group },
             std::pair { "subresource", subresource }, std::pair { "name", name } }) {
        if (!value.isEmpty())
            attributes.insert(QLatin1String(key), value);
    }
    const Response r
        = request("POST", QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authorization.k8s.io/v1") },
                { QStringLiteral("kind"), QStringLiteral("SelfSubjectAccessReview") },
                { QStringLiteral("spec"),
                    QJsonObject { { QStringLiteral("resourceAttributes"), attributes } } } },
            token);
    return r.status == 201
        && r.json.value(QStringLiteral("status")).toObject().value(QStringLiteral("allowed")).toBool();
}

QByteArray TestCluster::createToken(const QString &ns, const QString &serviceAccount,
    qint64 expirationSeconds, const QStringList &audiences, const QJsonObject &boundObjectRef)
{
    QJsonObject spec { { QStringLiteral("expirationSeconds"), double(expirationSeconds) } };
    if (!audiences.isEmpty())
        spec.insert(QStringLiteral("audiences"), QJsonArray::fromStringList(audiences));
    if (!boundObjectRef.isEmpty())
        spec.insert(QStringLiteral("boundObjectRef"), boundObjectRef);
    const Response r = request("POST",
        QStringLiteral("/api/v1/namespaces/%1/serviceaccounts/%2/token").arg(ns, serviceAccount),
        QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
            { QStringLiteral("kind"), QStringLiteral("TokenRequest") }, { QStringLiteral("spec"), spec } });
    if (r.status != 201) {
        m_error = QStringLiteral("TokenRequest failed: %1 %2")
                      .arg(r.status)
                      .arg(r.json.value(QStringLiteral("message")).toString());
        return {};
    }
    return r.json.value(QStringLiteral("status"))
        .toObject()
        .value(QStringLiteral("token"))
        .toString()
        .toLatin1();
}

} // namespace kms::test
