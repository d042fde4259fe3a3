#include "GatewayProcess.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace kms::test {

QStringList gatewayServeArgs(const GatewayFiles &files, const QString &reapInterval)
{
    return { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--health-listen"),
        QStringLiteral("off"), QStringLiteral("--tls-cert"), files.pkiDir + QStringLiteral("/server.crt"),
        QStringLiteral("--tls-key"), files.pkiDir + QStringLiteral("/server.key"),
        QStringLiteral("--client-ca"), files.pkiDir + QStringLiteral("/ca.crt"), QStringLiteral("--kube-url"),
        files.kubeUrl, QStringLiteral("--kube-ca"), files.kubeCa, QStringLiteral("--kube-token-file"),
        files.tokenFile, QStringLiteral("--reap-interval"), reapInterval, QStringLiteral("--policy"),
        files.policyFile };
}

bool GatewayProcess::start(const QString &program, const QStringList &args, QString *error)
{
    m_process.setProgram(program);
    m_process.setArguments(args);
    m_process.start();
    if (!m_process.waitForStarted(5000) || !m_process.waitForReadyRead(10000)) {
        *error
            = QStringLiteral("gateway did not start: ") + QString::fromUtf8(m_process.readAllStandardError());
        return false;
    }
    const QJsonObject ready = QJsonDocument::fromJson(m_process.readLine()).object();
    const QString listen = ready.value(QLatin1String("listen")).toString();
    m_port = quint16(listen.section(QLatin1Char(':'), -1).toUInt());
    if (!m_port) {
        *error
            = QStringLiteral("no ready line; stderr: ") + QString::fromUtf8(m_process.readAllStandardError());
        return false;
    }
    return true;
}

void GatewayProcess::stop()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        m_process.waitForFinished(5000);
    }
}

QByteArray GatewayProcess::log()
{
    m_log += m_process.readAllStandardError();
    return m_log;
}

QByteArray GatewayProcess::output()
{
    m_out += m_process.readAllStandardOutput();
    return m_out;
}

QList<QJsonObject> GatewayProcess::accessLog()
{
    QList<QJsonObject> lines;
    for (const QByteArray &line : output().split('\n')) {
        if (!line.isEmpty())
            lines << QJsonDocument::fromJson(line).object();
    }
    return lines;
}

} // namespace kms::test
