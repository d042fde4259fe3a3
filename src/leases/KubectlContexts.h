#pragma once

#include "core/DynamicSecret.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// What "Add to kubeconfig" writes: a context for a secret whose user is
// hanzo-kmsctl as kubectl's exec credential plugin (KubectlCredentials).
struct KubectlContextRequest {
    DynamicSecret secret;
    QString environmentName;
    QString namespaceName; // may be empty when the secret allows one namespace
    std::optional<QStringList> audiences; // default: the secret's
    QString contextName; // empty: defaultContextName()
    QString kubeconfigPath; // KubeconfigFile::resolvePath()
    QString kmsctlPath; // absolute path of hanzo-kmsctl, which kubectl runs
    QString dataDir; // the profile the plugin uses (SQLite)
    QString databaseUrl; // a team profile's URL (never a password): the plugin uses it instead of dataDir
    QString keychainService; // set for the plugin when not empty
};

struct KubectlContextResult {
    bool ok = false;
    bool badRequest = false; // the request or the kubeconfig was refused: bad usage or input
    QString error; // one sentence
    QString warning;
    QString contextName;
    QString namespaceName;
    QString kubeconfigPath;
    QString backupPath; // empty when there was no file before
    bool replaced = false; // a context of the same name that we wrote was replaced
    bool wasCurrent = false; // remove(): it was the current context

    // What to type: "kubectl --context NAME".
    QString kubectlCommand() const { return QStringLiteral("kubectl --context ") + contextName; }
};

// Adds and removes those contexts in a kubeconfig (KubeconfigFile: under
// kubectl's lock, with a backup, mode 0600, only entries written here).
namespace KubectlContexts {

// kms-SECRET, or kms-SECRET-NS when a namespace was chosen.
QString defaultContextName(const QString &secretName, const QString &namespaceName);
// Visible ASCII that kubectl --context takes without quoting.
bool isValidContextName(const QString &name);
// $KUBECONFIG's first file, else ~/.kube/config.
QString defaultKubeconfigPath();

KubectlContextResult add(const KubectlContextRequest &request);
KubectlContextResult remove(const QString &kubeconfigPath, const QString &contextName);

} // namespace KubectlContexts

} // namespace kms
