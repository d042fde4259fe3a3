#include "KubectlCommands.h"

#include "SecretCommands.h"

#include "core/DisplayText.h"
#include "kube/ExecCredential.h"
#include "kube/KubeconfigFile.h"
#include "leases/Engine.h"
#include "leases/KubectlContexts.h"
#include "leases/KubectlCredentials.h"
#include "leases/LeaseService.h"
#include "store/Database.h"
#include "store/kernelcache/KubectlCache.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>

#include <cstdio>
#include <cstring>

namespace kms::cli {

namespace {

// SECRET, --env, --namespace and --audiences: which lease a kubectl context
// (and the credential plugin it runs) stands for.
void addLeaseTargetOptions(QCommandLineParser &p)
{
    p.addPositionalArgument(QStringLiteral("SECRET"), QStringLiteral("The dynamic secret."));
    p.addOption({ QStringLiteral("env"),
        QStringLiteral("The secret's environment (needed when the name exists in several)."),
        QStringLiteral("ENV") });
    p.addOption({ QStringLiteral("namespace"),
        QStringLiteral("Dynamic: one of the secret's allowed namespaces."), QStringLiteral("NS") });
    p.addOption({ QStringLiteral("audiences"),
        QStringLiteral("Token audiences, comma-separated (default: the secret's)."),
        QStringLiteral("LIST") });
}

// ---------------------------------------------------------------------------
// hanzo-kmsctl credential SECRET: what kubectl runs for every command of a
// context "kubeconfig add" wrote. stdout is kubectl's, so it holds only the
// ExecCredential; an error is one sentence on stderr and a non-zero exit.

// The hot copy the front program (app/front) answers the next kubectl command
// from, under the command line's own words. Only for a SQLite profile named
// by --env and --namespace, as "kubeconfig add" writes; where the kernel
// keyring is not available, every command takes the full path, as before.
void keepInTheKernelKeyring(CliContext &ctx, const Database &db, const QCommandLineParser &p,
    const DynamicSecret &secret, const KubectlCredential &issued)
{
    if (db.filePath().isEmpty() || !p.isSet(QStringLiteral("env")) || !p.isSet(QStringLiteral("namespace")))
        return;
    kubectlcache::Key key;
    key.service = ctx.vault().serviceName().toStdString();
    key.databaseFile = QDir::cleanPath(db.filePath()).toStdString();
    key.environment = p.value(QStringLiteral("env")).toStdString();
    key.secret = p.positionalArguments().value(0).toStdString();
    key.namespaceName = p.value(QStringLiteral("namespace")).toStdString();
    if (p.isSet(QStringLiteral("audiences")))
        key.audiences = p.value(QStringLiteral("audiences")).toStdString();
    kubectlcache::Entry entry { secret.id, secret.updatedAt.toMSecsSinceEpoch(), issued.leaseId.toStdString(),
        issued.leaseExpiresAt.toMSecsSinceEpoch(), issued.tokenExpiresAt.toMSecsSinceEpoch(),
        issued.token.toStdString() };
    kubectlcache::store(key, entry, QDateTime::currentMSecsSinceEpoch());
    explicit_bzero(entry.token.data(), entry.token.size());
}

int credential(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "kubectl's exec credential plugin (client.authentication.k8s.io/v1): prints an ExecCredential with a "
        "token of the secret. The current lease's token is reused while enough of it is left (it is kept in "
        "the keychain, never on disk); otherwise a new lease is issued and audited. Commands that run at "
        "once "
        "share one lease. \"hanzo-kmsctl kubeconfig add\" writes a context that runs this."));
    addLeaseTargetOptions(p);
    p.addOption({ QStringLiteral("min-remaining"),
        QStringLiteral("Reuse the current token while at least this much of it is left (default 2m)."),
        QStringLiteral("DURATION"), QStringLiteral("2m") });
    const int parsed = parseCommand(ctx, p,
        QStringLiteral(
            "hanzo-kmsctl credential SECRET [--namespace NS] [--audiences a,b] [--min-remaining 2m]"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;

    // kubectl says which protocol version it wants; at most 64 KiB of it is read.
    const QString execInfoProblem = ExecCredential::execInfoProblem(qgetenv("KUBERNETES_EXEC_INFO"));
    if (!execInfoProblem.isEmpty())
        return ctx.usage(execInfoProblem + QLatin1Char('.'));

    KubectlCredentialRequest request;
    request.namespaceName = p.value(QStringLiteral("namespace"));
    QStringList problems;
    QString error;
    const std::optional<Duration> minRemaining
        = Duration::parse(p.value(QStringLiteral("min-remaining")), &error);
    if (!minRemaining)
        problems << QStringLiteral("--min-remaining: ") + error;
    else
        request.minRemainingSeconds = minRemaining->seconds();
    if (p.isSet(QStringLiteral("audiences"))) {
        request.audiences = DynamicSecret::parseAudiences(p.value(QStringLiteral("audiences")), &error);
        if (!error.isEmpty())
            problems << QStringLiteral("--audiences: ") + error;
    }
    if (!problems.isEmpty())
        return ctx.usage(problems.constFirst());

    // The profile without the audit signing key: a cache hit writes nothing,
    // and the key's keychain session was most of a hit's time (issue 15's note).
    Database *db = ctx.database(CliContext::SigningKey::Later);
    if (!db)
        return Failed;
    int code = Failed;
    const std::optional<DynamicSecret> secret = findSecretArgument(ctx, p, &code);
    if (!secret)
        return code;
    request.secretId = secret->id;
    Engine engine(*db, ctx.vault());
    KubectlCredentials credentials(*db, ctx.vault(), engine.leases());
    credentials.setBeforeIssue([&ctx] { return ctx.loadSigningKey(); });
    KubectlCredential issued = QCoro::waitFor(credentials.credential(request));
    if (!issued.ok())
        return issued.badRequest ? ctx.usage(issued.error) : ctx.fail(issued.error);
    if (!issued.warning.isEmpty())
        ctx.warn(issued.warning);
    keepInTheKernelKeyring(ctx, *db, p, *secret, issued);
    // Straight to stdout, without a QString copy of the token; then the one buffer is cleared.
    QByteArray json = ExecCredential::json(issued.token, issued.expiresAt);
    ctx.out().flush();
    const bool written = std::fwrite(json.constData(), 1, size_t(json.size()), stdout) == size_t(json.size())
        && std::fflush(stdout) == 0;
    json.fill('\0');
    if (!written)
        return ctx.fail(QStringLiteral("The credential could not be written to standard output."));
    return Ok;
}

// ---------------------------------------------------------------------------
// hanzo-kmsctl kubeconfig add|remove

// The program kubectl runs: on Linux the front (app/front), which started this
// one from libexec and says where it is; elsewhere this program itself.
QString kmsctlPath()
{
    const QFileInfo front(qEnvironmentVariable("HANZO_KMSCTL_FRONT"));
    if (front.isAbsolute() && front.isFile() && front.isExecutable())
        return front.absoluteFilePath();
    return QCoreApplication::applicationFilePath();
}

QString kubeconfigPath(const QCommandLineParser &p)
{
    return KubeconfigFile::resolvePath(p.value(QStringLiteral("kubeconfig")),
        QString::fromLocal8Bit(qgetenv("KUBECONFIG")), QDir::homePath());
}

void addKubeconfigOption(QCommandLineParser &p)
{
    p.addOption({ QStringLiteral("kubeconfig"),
        QStringLiteral(
            "The kubeconfig to change (default: the first file of $KUBECONFIG, else ~/.kube/config)."),
        QStringLiteral("FILE") });
}

int add(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Adds a context for the secret to a kubeconfig: a cluster, a user that runs \"hanzo-kmsctl "
        "credential\" "
        "as kubectl's exec credential plugin, and a context with the lease's namespace. The kubeconfig's "
        "other "
        "entries stay as they are; the previous file is kept as FILE.bak; the file is private (mode 0600). "
        "Each kubectl command then gets a short-lived token without copy and paste."));
    addLeaseTargetOptions(p);
    p.addOption({ QStringLiteral("context"),
        QStringLiteral("The context's name (default: kms-SECRET, or kms-SECRET-NS with --namespace)."),
        QStringLiteral("NAME") });
    addKubeconfigOption(p);
    addOutputOption(p);
    const int parsed = parseCommand(ctx, p,
        QStringLiteral(
            "hanzo-kmsctl kubeconfig add SECRET [--namespace NS] [--context NAME] [--kubeconfig FILE]"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    std::optional<QStringList> audiences;
    if (p.isSet(QStringLiteral("audiences"))) {
        QString error;
        audiences = DynamicSecret::parseAudiences(p.value(QStringLiteral("audiences")), &error);
        if (!error.isEmpty())
            return ctx.usage(QStringLiteral("--audiences: ") + error);
    }
    int code = Failed;
    const std::optional<DynamicSecret> secret = findSecretArgument(ctx, p, &code);
    if (!secret)
        return code;
    Database *db = ctx.database();
    KubectlContextRequest request;
    request.secret = *secret;
    request.environmentName = environmentName(*db, secret->environmentId);
    request.namespaceName = p.value(QStringLiteral("namespace"));
    request.audiences = audiences;
    request.contextName = p.value(QStringLiteral("context"));
    request.kubeconfigPath = kubeconfigPath(p);
    request.kmsctlPath = kmsctlPath();
    request.dataDir = db->dataDir();
    if (ctx.location().database)
        request.databaseUrl = ctx.location().database->toString();
    request.keychainService = qEnvironmentVariable("HANZO_KMS_KEYCHAIN_SERVICE");
    const KubectlContextResult added = KubectlContexts::add(request);
    if (!added.ok)
        return added.badRequest ? ctx.usage(added.error) : ctx.fail(added.error);
    if (!added.warning.isEmpty())
        ctx.warn(added.warning);
    if (*format == OutputFormat::Json) {
        QJsonObject o { { QStringLiteral("context"), added.contextName },
            { QStringLiteral("kubeconfig"), added.kubeconfigPath },
            { QStringLiteral("namespace"), added.namespaceName },
            { QStringLiteral("kubectl"), added.kubectlCommand() },
            { QStringLiteral("replaced"), added.replaced } };
        if (!added.backupPath.isEmpty())
            o.insert(QStringLiteral("backup"), added.backupPath);
        ctx.printJson(o);
        return Ok;
    }
    QString done = added.replaced ? QStringLiteral("Context %1 replaced in %2")
                                  : QStringLiteral("Context %1 added to %2");
    done = done.arg(quoted(added.contextName), added.kubeconfigPath);
    if (!added.backupPath.isEmpty())
        done += QStringLiteral(" (the previous file is %1)").arg(added.backupPath);
    ctx.out() << done << QStringLiteral(".\nUse it with:\n  %1 get pods\n").arg(added.kubectlCommand())
              << QStringLiteral(
                     "Each kubectl command gets a token from hanzo-kmsctl credential, which reuses the "
                     "current lease's token while at least 2 minutes of it are left and otherwise "
                     "issues a new lease.\n");
    ctx.out().flush();
    return Ok;
}

int remove(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Removes a context that \"hanzo-kmsctl kubeconfig add\" wrote, with its user and cluster when no "
        "other "
        "context uses them. Other contexts are left alone; the previous file is kept as FILE.bak. Leases the "
        "context issued stay until they expire or are revoked."));
    p.addPositionalArgument(QStringLiteral("CONTEXT"), QStringLiteral("The context's name."));
    addKubeconfigOption(p);
    const int parsed = parseCommand(
        ctx, p, QStringLiteral("hanzo-kmsctl kubeconfig remove CONTEXT [--kubeconfig FILE]"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    const KubectlContextResult removed
        = KubectlContexts::remove(kubeconfigPath(p), p.positionalArguments().constFirst());
    if (!removed.ok)
        return removed.badRequest ? ctx.usage(removed.error) : ctx.fail(removed.error);
    if (!removed.warning.isEmpty())
        ctx.warn(removed.warning);
    ctx.out() << QStringLiteral("Context %1 removed from %2 (the previous file is %3).\n")
                     .arg(quoted(removed.contextName), removed.kubeconfigPath, removed.backupPath);
    if (removed.wasCurrent)
        ctx.out() << QStringLiteral(
            "It was the current context; choose another with kubectl config use-context.\n");
    ctx.out().flush();
    return Ok;
}

} // namespace

CommandGroup credentialCommand()
{
    return { QStringLiteral("credential"),
        QStringLiteral("kubectl's exec credential plugin (prints an ExecCredential)."),
        { { QString(), QStringLiteral("kubectl's exec credential plugin (prints an ExecCredential)."),
            credential } } };
}

CommandGroup kubeconfigCommands()
{
    return { QStringLiteral("kubeconfig"),
        QStringLiteral("kubectl contexts whose tokens come from a secret's leases, without copy and paste."),
        {
            { QStringLiteral("add"), QStringLiteral("Add a context for a secret to a kubeconfig."), add },
            { QStringLiteral("remove"), QStringLiteral("Remove a context that add wrote."), remove },
        } };
}

} // namespace kms::cli
