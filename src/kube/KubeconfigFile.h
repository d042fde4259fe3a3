#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace kms {

// A kubectl context whose user is hanzo-kmsctl as an exec credential plugin
// (client.authentication.k8s.io/v1), as "hanzo-kmsctl kubeconfig add" writes it.
struct ExecContext {
    QString contextName;
    QString clusterName;
    QString userName;
    QString server;
    QByteArray caPem; // empty: the system's CAs
    bool insecureSkipTlsVerify = false;
    QString namespaceName;
    QString command; // absolute path of hanzo-kmsctl
    QStringList args;
    QList<QPair<QString, QString>> env; // set for the plugin, e.g. the keychain service
    // Recorded in the entries' kms.hanzo.ai extension: what wrote them.
    QString secretName;
    QString environmentName;
};

// A kubeconfig file being edited: read with a bound, refused when damaged
// (never overwritten then), changed only in the entries this program wrote
// (they carry the kms.hanzo.ai extension), and written back with kubectl's
// lock, a backup of what was there, and mode 0600. Everything else in the
// file keeps its values, quoted strings included; comments are in the backup only.
class KubeconfigFile {
public:
    static constexpr qint64 MaxFileBytes = 4 * 1024 * 1024;
    // The extension that marks a cluster, user or context as written here.
    static inline const QString ExtensionName = QStringLiteral("kms.hanzo.ai");

    // The file kubectl reads and writes: explicitPath, else the first entry
    // of $KUBECONFIG (kubeconfigEnv, ':'-separated), else ~/.kube/config.
    static QString resolvePath(
        const QString &explicitPath, const QString &kubeconfigEnv, const QString &home);

    KubeconfigFile(KubeconfigFile &&) noexcept;
    KubeconfigFile &operator=(KubeconfigFile &&) noexcept;
    ~KubeconfigFile();

    // Reads path; a missing or empty file is an empty kubeconfig. Nullopt when
    // it cannot be read, is too large or is damaged; error names the file and
    // the problem, *damaged says whether the file was read but refused.
    static std::optional<KubeconfigFile> load(const QString &path, QString *error, bool *damaged = nullptr);
    // The same for bytes already read from path.
    static std::optional<KubeconfigFile> parse(
        const QByteArray &yaml, const QString &path, QString *error, bool *damaged = nullptr);

    QString path() const { return m_path; }
    bool existed() const { return m_existed; }
    QStringList contextNames() const;
    QString currentContext() const;

    enum class Change { Added, Replaced };
    // Adds the cluster, user and context, or replaces those of the same names
    // that this program wrote. Nullopt when a name belongs to an entry it did
    // not write (error says which and what to do); nothing changes then.
    // The current context is set only when the file had none.
    std::optional<Change> addExecContext(const ExecContext &context, QString *error);
    // Removes a context this program wrote, and its user and cluster when no
    // other context uses them. *wasCurrent: it was the current context, now unset.
    bool removeContext(const QString &name, QString *error, bool *wasCurrent);

    // The document as YAML.
    QByteArray toYaml() const;
    // Writes the previous bytes to backupPath() (when the file existed) and the
    // new document in their place, atomically, both mode 0600. The directory
    // is made (0700) when missing.
    bool save(QString *error);
    QString backupPath() const { return m_path + QStringLiteral(".bak"); }

private:
    struct Document;
    KubeconfigFile();

    QString m_path;
    bool m_existed = false;
    QByteArray m_original;
    std::unique_ptr<Document> m_doc;
};

// kubectl's own lock on a kubeconfig while it changes it: the file path + ".lock",
// created exclusively and removed afterwards. held() is false when another
// program holds it (error says which file) after waiting up to waitMs.
class KubeconfigLock {
public:
    explicit KubeconfigLock(const QString &kubeconfigPath, int waitMs = 2000);
    ~KubeconfigLock();
    KubeconfigLock(const KubeconfigLock &) = delete;
    KubeconfigLock &operator=(const KubeconfigLock &) = delete;

    bool held() const { return m_held; }
    QString error() const { return m_error; }
    // Removes the lock file; false (error says why) when it could not be removed.
    bool release(QString *error);

private:
    QString m_lockPath;
    bool m_held = false;
    QString m_error;
};

} // namespace kms
