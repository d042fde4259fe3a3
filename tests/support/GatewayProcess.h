#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace kms::test {

// What a test gateway serves with: its certificates as GatewayCertificates::write
// lays them out (server.crt, server.key, ca.crt in pkiDir), the API server, the
// gateway's own token file and its policy file.
struct GatewayFiles {
    QString pkiDir;
    QString kubeUrl;
    QString kubeCa;
    QString tokenFile;
    QString policyFile;
};

// The flags that serve them on 127.0.0.1 (a free port), without a health port;
// the reaper runs every reapInterval ("0": never).
QStringList gatewayServeArgs(const GatewayFiles &files, const QString &reapInterval = QStringLiteral("0"));

// The hanzo-kms-gateway binary, started with some flags; stopped with SIGTERM.
class GatewayProcess {
public:
    ~GatewayProcess() { stop(); }
    // Starts `program` and waits for its ready line.
    bool start(const QString &program, const QStringList &args, QString *error);
    void stop();
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process.processId(); }
    // Everything it wrote on stderr so far: start-up, the reaper, warnings.
    QByteArray log();
    // What it wrote on stdout after the ready line: the access log.
    QByteArray output();
    // The same, one JSON object per line.
    QList<QJsonObject> accessLog();
    int exitCode() const { return m_process.exitCode(); }
    QProcess &process() { return m_process; }

private:
    QProcess m_process;
    quint16 m_port = 0;
    QByteArray m_log;
    QByteArray m_out;
};

} // namespace kms::test
