#include "DemoCluster.h"

#include "kube/KubeClient.h"
#include "kube/KubeTransport.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTimer>

#include <QCoro/QCoroTask>
#include <QCoro/QCoroTimer>

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <chrono>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>
#endif

namespace kms {

namespace {

using namespace std::chrono_literals;

// A YAML node as JSON: quoted scalars stay strings, true/false become
// booleans, unquoted numbers numbers.
QJsonValue yamlToJson(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        QJsonObject o;
        for (const auto &kv : node)
            o.insert(QString::fromStdString(kv.first.as<std::string>()), yamlToJson(kv.second));
        return o;
    }
    case YAML::NodeType::Sequence: {
        QJsonArray a;
        for (const auto &item : node)
            a.append(yamlToJson(item));
        return a;
    }
    case YAML::NodeType::Scalar: {
        const std::string s = node.Scalar();
        if (node.Tag() == "!")
            return QString::fromStdString(s);
        if (s == "true" || s == "false")
            return s == "true";
        bool ok = false;
        const double d = QString::fromStdString(s).toDouble(&ok);
        if (ok && !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-'))
            return d;
        return QString::fromStdString(s);
    }
    default:
        return QJsonValue::Null;
    }
}

// The REST collection of an object of the kinds the demo setup holds.
QString collectionPath(const QJsonObject &object, QString *error)
{
    const QString kind = object.value(QStringLiteral("kind")).toString();
    const QString apiVersion = object.value(QStringLiteral("apiVersion")).toString();
    QString ns
        = object.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("namespace")).toString();
    if (ns.isEmpty())
        ns = QStringLiteral("default");
    struct Kind {
        const char *kind;
        const char *apiVersion;
        const char *resource;
        bool namespaced;
    };
    static const Kind kinds[] = {
        { "Namespace", "v1", "namespaces", false },
        { "ServiceAccount", "v1", "serviceaccounts", true },
        { "Secret", "v1", "secrets", true },
        { "ClusterRole", "rbac.authorization.k8s.io/v1", "clusterroles", false },
        { "ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "clusterrolebindings", false },
        { "Role", "rbac.authorization.k8s.io/v1", "roles", true },
        { "RoleBinding", "rbac.authorization.k8s.io/v1", "rolebindings", true },
    };
    for (const Kind &k : kinds) {
        if (kind != QLatin1String(k.kind) || apiVersion != QLatin1String(k.apiVersion))
            continue;
        const QString resource = QString::fromLatin1(k.resource);
        if (apiVersion == QLatin1String("v1"))
            return corePath(k.namespaced ? ns : QString(), resource);
        return groupPath(QStringLiteral("rbac.authorization.k8s.io"), QStringLiteral("v1"),
            k.namespaced ? ns : QString(), resource);
    }
    *error = QStringLiteral("%1 %2 is not a kind the demo setup knows").arg(apiVersion, kind);
    return {};
}

QCoro::Task<QString> applySetup(KubeClient &client, QStringList files, QByteArray *requesterToken)
{
    for (const QString &file : files) {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            co_return QStringLiteral("the demo setup file %1 is missing from the build").arg(file);
        std::vector<YAML::Node> docs;
        try {
            docs = YAML::LoadAll(f.readAll().toStdString());
        } catch (const YAML::Exception &e) {
            co_return QStringLiteral("%1: %2").arg(file, QString::fromStdString(e.what()));
        }
        for (const YAML::Node &doc : docs) {
            if (!doc.IsMap())
                continue;
            const QJsonObject object = yamlToJson(doc).toObject();
            QString error;
            const QString path = collectionPath(object, &error);
            if (path.isEmpty())
                co_return QStringLiteral("%1: %2").arg(file, error);
            const KubeResult r = co_await client.post(path, object);
            if (!r.ok())
                co_return QStringLiteral("%1: %2").arg(file, r.error->toString());
        }
    }

    // kubectl patch serviceaccount kms-token-requester -p '{"secrets": [{"name":
    // "kms-token-requester-token"}]}'
    const QString saPath = corePath(
        QStringLiteral("default"), QStringLiteral("serviceaccounts"), QStringLiteral("kms-token-requester"));
    KubeResult sa = co_await client.get(saPath);
    if (!sa.ok())
        co_return sa.error->toString();
    QJsonObject account = sa.body;
    account.insert(QStringLiteral("secrets"),
        QJsonArray {
            QJsonObject { { QStringLiteral("name"), QStringLiteral("kms-token-requester-token") } } });
    sa = co_await client.request(QByteArrayLiteral("PUT"), saPath, account, KubeClient::Retry::IfTransient);
    if (!sa.ok())
        co_return sa.error->toString();

    // kubectl get secret kms-token-requester-token -o=jsonpath='{.data.token}' | base64 --decode
    // The token controller fills it; give it a few seconds, as a real cluster would need.
    const QString secretPath = corePath(
        QStringLiteral("default"), QStringLiteral("secrets"), QStringLiteral("kms-token-requester-token"));
    for (int attempt = 0; attempt < 50; ++attempt) {
        const KubeResult secret = co_await client.get(secretPath);
        if (!secret.ok())
            co_return secret.error->toString();
        *requesterToken = QByteArray::fromBase64(secret.body.value(QStringLiteral("data"))
                                                     .toObject()
                                                     .value(QStringLiteral("token"))
                                                     .toString()
                                                     .toLatin1());
        if (!requesterToken->isEmpty())
            co_return QString();
        co_await QCoro::sleepFor(100ms);
    }
    co_return QStringLiteral("the token controller did not fill the Secret kms-token-requester-token in 5 s");
}

bool isExecutableFile(const QString &path)
{
    const QFileInfo info(path);
    return !path.isEmpty() && info.isFile() && info.isExecutable();
}

} // namespace

DemoCluster::DemoCluster() = default;

DemoCluster::~DemoCluster()
{
    stop();
}

QStringList DemoCluster::setupFiles()
{
    return { QStringLiteral(":/demo/service-account.yaml"), QStringLiteral(":/demo/rbac-dynamic.yaml"),
        QStringLiteral(":/demo/kms-dynamic-role.yaml"), QStringLiteral(":/demo/demo-setup.yaml") };
}

QString DemoCluster::findExecutable()
{
    const QString fromEnvironment = qEnvironmentVariable("HANZO_KMS_TESTCLUSTER");
    if (!fromEnvironment.isEmpty())
        return isExecutableFile(fromEnvironment) ? QFileInfo(fromEnvironment).absoluteFilePath() : QString();
    const QString installed = QDir(QCoreApplication::applicationDirPath())
                                  .filePath(QStringLiteral("../libexec/hanzo-kms/kms-testcluster"));
    if (isExecutableFile(installed))
        return QFileInfo(installed).absoluteFilePath();
#ifdef KMS_TESTCLUSTER_BUILD_PATH
    if (isExecutableFile(QStringLiteral(KMS_TESTCLUSTER_BUILD_PATH)))
        return QStringLiteral(KMS_TESTCLUSTER_BUILD_PATH);
#endif
    return {};
}

bool DemoCluster::start(const QString &stateDir)
{
    const QString program = findExecutable();
    if (program.isEmpty()) {
        m_error = qEnvironmentVariableIsEmpty("HANZO_KMS_TESTCLUSTER")
            ? QStringLiteral(
                "kms-testcluster was not found next to hanzo-kms (../libexec/hanzo-kms/) nor in the "
                "build tree; build it (packaging/build.sh) or set HANZO_KMS_TESTCLUSTER to its path.")
            : QStringLiteral(
                "HANZO_KMS_TESTCLUSTER=%1 is not an executable file; point it at kms-testcluster.")
                  .arg(qEnvironmentVariable("HANZO_KMS_TESTCLUSTER"));
        return false;
    }
    m_stateDir = stateDir;
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(program);
    m_process->setArguments({ QStringLiteral("--state-dir"), stateDir, QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:0"), QStringLiteral("--exit-with-stdin") });
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
#ifdef Q_OS_LINUX
    // The kernel tells the child when we die, whatever the way; had we died
    // before prctl took effect, the child ends at once.
    const pid_t parent = ::getpid();
    m_process->setChildProcessModifier([parent] {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent)
            ::_exit(1);
    });
#endif
    m_process->start(); // stdin stays an open pipe from us: --exit-with-stdin
    if (!m_process->waitForStarted(10000)) {
        m_error
            = QStringLiteral("kms-testcluster (%1) did not start: %2").arg(program, m_process->errorString());
        m_process.reset();
        return false;
    }

    QEventLoop loop;
    QObject::connect(m_process.get(), &QProcess::readyReadStandardOutput, &loop, [&] {
        if (m_process->canReadLine())
            loop.quit();
    });
    QObject::connect(m_process.get(), &QProcess::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    if (!m_process->canReadLine())
        loop.exec();
    const QJsonObject ready
        = m_process->canReadLine() ? QJsonDocument::fromJson(m_process->readLine()).object() : QJsonObject();
    m_url = QUrl(ready.value(QStringLiteral("url")).toString());
    if (!m_url.isValid() || m_url.scheme() != QLatin1String("https")) {
        m_error = m_process->state() == QProcess::Running
            ? QStringLiteral("kms-testcluster did not say it was ready within 20 s.")
            : QStringLiteral("kms-testcluster exited (code %1) before it was ready; its messages are above.")
                  .arg(m_process->exitCode());
        stop();
        return false;
    }
    QFile ca(ready.value(QStringLiteral("ca")).toString());
    QFile admin(ready.value(QStringLiteral("adminTokenFile")).toString());
    if (!ca.open(QIODevice::ReadOnly) || !admin.open(QIODevice::ReadOnly)) {
        m_error
            = QStringLiteral("kms-testcluster's ca.crt or admin.token in %1 is unreadable.").arg(stateDir);
        stop();
        return false;
    }
    m_caPem = ca.readAll();
    m_adminToken = admin.readAll().trimmed();
    return true;
}

bool DemoCluster::applySeedSetup()
{
    QString error;
    auto transport = TokenTransport::create(m_url.toString(), m_caPem, true, m_adminToken, &error);
    if (!transport) {
        m_error = QStringLiteral("Cannot reach the demo cluster: %1").arg(error);
        return false;
    }
    QNetworkAccessManager nam;
    KubeClient client(&nam, std::move(transport));
    error = QCoro::waitFor(applySetup(client, setupFiles(), &m_requesterToken));
    if (!error.isEmpty()) {
        m_error = QStringLiteral("Setting up the demo cluster failed: %1").arg(error);
        return false;
    }
    return true;
}

void DemoCluster::stop()
{
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

} // namespace kms
