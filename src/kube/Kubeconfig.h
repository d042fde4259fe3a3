#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// What the app takes from a kubeconfig context: where the cluster is, how to
// trust it, and a bearer token. A field the app would not honour is refused
// by name, never dropped: proxy-url, tls-server-name, client certificates,
// exec and auth-provider plugins, basic auth, impersonation (as*), and any
// field it does not know. insecure-skip-tls-verify is reported, for the
// caller to confirm. The token (token, or the file tokenFile names) is
// checked as BearerToken; every file is read with a bound.
struct KubeconfigContext {
    QString contextName;
    QString clusterName;
    QString userName;
    QString server;
    QByteArray caPem; // from certificate-authority-data or the certificate-authority file
    bool insecureSkipTlsVerify = false;
    QByteArray token; // from token or tokenFile
    QString namespaceName; // the context's namespace, if any
};

class Kubeconfig {
public:
    // Kubeconfigs with many clusters and their CAs are a few hundred KiB.
    static constexpr qint64 MaxFileBytes = 4 * 1024 * 1024;

    // Reads a kubeconfig file; error names the file and the problem.
    static std::optional<Kubeconfig> load(const QString &path, QString *error);
    static std::optional<Kubeconfig> parse(const QByteArray &yaml, const QString &baseDir, QString *error);

    QStringList contextNames() const { return m_contexts; }
    QString currentContext() const { return m_current; }
    // Resolves a context (empty name: the current context) into its cluster and token.
    std::optional<KubeconfigContext> context(const QString &name, QString *error) const;

    // A kubeconfig for one cluster, user and namespace, ready for kubectl.
    static QByteArray write(const QString &name, const QString &server, const QByteArray &caPem,
        bool insecureSkipTlsVerify, const QByteArray &token, const QString &namespaceName);

private:
    QByteArray m_yaml;
    QString m_baseDir;
    QString m_source;
    QStringList m_contexts;
    QString m_current;
};

} // namespace kms
