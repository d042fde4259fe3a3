#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QUrl>

#include <memory>

namespace kms {

// The local test cluster of `hanzo-kms --demo`: kms-testcluster started as a
// child process on 127.0.0.1, with the seed document's Token (API) setup
// applied to it (the kms-token-requester service account, its token Secret
// and RBAC, the kms-dynamic-role ClusterRole) plus the demo's namespaces and
// service account (resources/demo).
//
// The child ends with this process even when it crashes: its stdin is a pipe
// from us (--exit-with-stdin) and, on Linux, PR_SET_PDEATHSIG sends it SIGTERM.
class DemoCluster {
public:
    DemoCluster();
    ~DemoCluster(); // stop()
    DemoCluster(const DemoCluster &) = delete;
    DemoCluster &operator=(const DemoCluster &) = delete;

    // Where kms-testcluster is: $HANZO_KMS_TESTCLUSTER, else
    // <app dir>/../libexec/hanzo-kms/kms-testcluster, else the build tree's.
    // Empty when none of them is an executable file.
    static QString findExecutable();

    // Starts the server with its state in stateDir and waits (at most 20 s)
    // for its ready line. False with errorString() on failure.
    bool start(const QString &stateDir);
    // Creates the seed's objects as the cluster admin and reads the requester's
    // token from its kubernetes.io/service-account-token Secret.
    bool applySeedSetup();
    void stop();

    QString errorString() const { return m_error; }
    QUrl url() const { return m_url; }
    QByteArray caPem() const { return m_caPem; }
    QString stateDir() const { return m_stateDir; }
    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    // The seed's cluster token (kms-token-requester's); empty before applySeedSetup().
    QByteArray requesterToken() const { return m_requesterToken; }

    // The seed files applied, in order (Qt resource paths).
    static QStringList setupFiles();

private:
    std::unique_ptr<QProcess> m_process;
    QString m_stateDir;
    QUrl m_url;
    QByteArray m_caPem;
    QByteArray m_adminToken;
    QByteArray m_requesterToken;
    QString m_error;
};

} // namespace kms
