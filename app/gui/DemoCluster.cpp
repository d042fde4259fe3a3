#include "DemoCluster.h"

#include "core/BearerToken.h"
#include "core/BoundedRead.h"
#include "core/DynamicSecret.h"
#include "kube/KubeClient.h"
#include "kube/KubeTransport.h"
#include "kube/Manifest.h"

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

#include <chrono>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>
#endif

namespace kms {

namespace {

using namespace std::chrono_literals;

QCoro::Task<QString> applySetup(KubeClient &client, QStringList files, QByteArray *requesterToken)
{
    for (const QString &file : files) {
        // Compiled into the program (":/demo/..."), not outside input.
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            co_return QStringLiteral("the demo setup file %1 is missing from the build").arg(file);
        const QString error = co_await Manifest::apply(client, f.readAll(), file);
        if (!error.isEmpty())
            co_return error;
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
    const QJsonObject ready = m_process->canReadLine()
        ? QJsonDocument::fromJson(m_process->readLine(64 * 1024)).object()
        : QJsonObject();
    m_url = QUrl(ready.value(QStringLiteral("url")).toString());
    if (!m_url.isValid() || m_url.scheme() != QLatin1String("https")) {
        m_error = m_process->state() == QProcess::Running
            ? QStringLiteral("kms-testcluster did not say it was ready within 20 s.")
            : QStringLiteral("kms-testcluster exited (code %1) before it was ready; its messages are above.")
                  .arg(m_process->exitCode());
        stop();
        return false;
    }
    const BoundedRead ca = BoundedRead::fromFile(
        ready.value(QStringLiteral("ca")).toString(), DynamicSecret::MaxCaCertificateBytes);
    const BoundedRead admin = BoundedRead::fromFile(
        ready.value(QStringLiteral("adminTokenFile")).toString(), BearerToken::MaxFileBytes);
    if (!ca.ok() || !admin.ok() || !BearerToken::isValid(admin.data.trimmed())) {
        m_error
            = QStringLiteral("kms-testcluster's ca.crt or admin.token in %1 is unreadable.").arg(stateDir);
        stop();
        return false;
    }
    m_caPem = ca.data;
    m_adminToken = admin.data.trimmed();
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
