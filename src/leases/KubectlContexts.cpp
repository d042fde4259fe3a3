#include "leases/KubectlContexts.h"

#include "core/DisplayText.h"
#include "kube/KubeconfigFile.h"
#include "leases/LeaseService.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace kms::KubectlContexts {

namespace {

// Reads the kubeconfig; nullopt with result's error (damaged: bad input) when it cannot be used.
std::optional<KubeconfigFile> load(const QString &path, KubectlContextResult &result)
{
    bool damaged = false;
    std::optional<KubeconfigFile> file = KubeconfigFile::load(path, &result.error, &damaged);
    result.badRequest = damaged;
    return file;
}

bool save(KubeconfigFile &file, KubeconfigLock &lock, KubectlContextResult &result)
{
    if (!file.save(&result.error))
        return false;
    QString error;
    if (!lock.release(&error))
        result.warning = error;
    if (file.existed())
        result.backupPath = file.backupPath();
    result.ok = true;
    return true;
}

} // namespace

QString defaultContextName(const QString &secretName, const QString &namespaceName)
{
    QString name = QStringLiteral("kms-") + secretName;
    if (!namespaceName.isEmpty())
        name += QLatin1Char('-') + namespaceName;
    return name;
}

bool isValidContextName(const QString &name)
{
    static const QRegularExpression allowed(QStringLiteral("^[A-Za-z0-9._:@/+-]{1,253}$"));
    return allowed.match(name).hasMatch();
}

QString defaultKubeconfigPath()
{
    return KubeconfigFile::resolvePath({}, qEnvironmentVariable("KUBECONFIG"), QDir::homePath());
}

KubectlContextResult add(const KubectlContextRequest &request)
{
    KubectlContextResult result;
    result.kubeconfigPath = request.kubeconfigPath;
    const DynamicSecret &secret = request.secret;
    if (secret.authMethod == AuthMethod::Gateway) {
        result.badRequest = true;
        result.error
            = QStringLiteral("Secret \"%1\" reaches its cluster through gateway \"%2\", so there is no "
                             "API server URL for kubectl; add a context for that cluster yourself and "
                             "use hanzo-kmsctl lease create -o token.")
                  .arg(secret.name, secret.gateway);
        return result;
    }
    LeaseRequest lease;
    lease.secretId = secret.id;
    lease.namespaceName = request.namespaceName;
    lease.audiences = request.audiences;
    qint64 ttl = 0;
    QStringList audiences;
    for (const FieldError &e :
        LeaseService::validateRequest(secret, lease, &ttl, &result.namespaceName, &audiences)) {
        if (e.field == QLatin1String("ttl"))
            continue; // each lease asks for the secret's default TTL when it is issued
        result.badRequest = true;
        result.error = QStringLiteral("--%1: %2").arg(e.field, e.message);
        return result;
    }
    result.contextName = request.contextName.isEmpty()
        ? defaultContextName(secret.name, request.namespaceName.isEmpty() ? QString() : result.namespaceName)
        : request.contextName;
    if (!isValidContextName(result.contextName)) {
        result.badRequest = true;
        result.error = QStringLiteral("--context: %1 is not a usable context name; use letters, digits and "
                                      "._:@/+- (at most 253).")
                           .arg(quoted(result.contextName));
        return result;
    }
    if (!QFileInfo(request.kmsctlPath).isExecutable()) {
        result.error
            = QStringLiteral("hanzo-kmsctl, which kubectl would run for tokens, is not at %1; install "
                             "Hanzo KMS Desktop with its command-line tool.")
                  .arg(quoted(request.kmsctlPath));
        return result;
    }

    ExecContext context;
    context.contextName = result.contextName;
    context.userName = result.contextName;
    context.clusterName = QStringLiteral("kms-") + secret.name;
    context.server = secret.clusterUrl;
    context.caPem = secret.caCertificate.toUtf8();
    context.insecureSkipTlsVerify = !secret.sslVerify;
    context.namespaceName = result.namespaceName;
    context.command = QFileInfo(request.kmsctlPath).absoluteFilePath();
    context.secretName = secret.name;
    context.environmentName = request.environmentName;
    // The plugin opens this profile whatever kubectl's environment says: a team
    // profile by its URL, a SQLite profile by its folder.
    context.args = request.databaseUrl.isEmpty()
        ? QStringList { QStringLiteral("--data-dir"), QFileInfo(request.dataDir).absoluteFilePath() }
        : QStringList { QStringLiteral("--database"), request.databaseUrl };
    context.args << QStringLiteral("credential") << secret.name << QStringLiteral("--env")
                 << request.environmentName << QStringLiteral("--namespace") << result.namespaceName;
    if (request.audiences)
        context.args << QStringLiteral("--audiences") << audiences.join(u',');
    // The plugin must find this profile's keychain entries, whatever kubectl's environment says.
    if (!request.keychainService.isEmpty())
        context.env.append({ QStringLiteral("HANZO_KMS_KEYCHAIN_SERVICE"), request.keychainService });

    KubeconfigLock lock(request.kubeconfigPath);
    if (!lock.held()) {
        result.error = lock.error();
        return result;
    }
    std::optional<KubeconfigFile> file = load(request.kubeconfigPath, result);
    if (!file)
        return result;
    const std::optional<KubeconfigFile::Change> change = file->addExecContext(context, &result.error);
    if (!change) {
        result.badRequest = true;
        return result;
    }
    result.replaced = *change == KubeconfigFile::Change::Replaced;
    save(*file, lock, result);
    return result;
}

KubectlContextResult remove(const QString &kubeconfigPath, const QString &contextName)
{
    KubectlContextResult result;
    result.kubeconfigPath = kubeconfigPath;
    result.contextName = contextName;
    KubeconfigLock lock(kubeconfigPath);
    if (!lock.held()) {
        result.error = lock.error();
        return result;
    }
    std::optional<KubeconfigFile> file = load(kubeconfigPath, result);
    if (!file)
        return result;
    if (!file->removeContext(contextName, &result.error, &result.wasCurrent)) {
        result.badRequest = true;
        return result;
    }
    save(*file, lock, result);
    return result;
}

} // namespace kms::KubectlContexts
