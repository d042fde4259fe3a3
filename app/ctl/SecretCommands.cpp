#include "SecretCommands.h"

#include "core/AuditEvent.h"
#include "core/DynamicSecret.h"
#include "gateway/GatewayRegistry.h"
#include "kube/Kubeconfig.h"
#include "store/AuditLog.h"
#include "store/EnvironmentRepository.h"
#include "store/SecretRepository.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>

namespace kms::cli {

namespace {

// The command-line flag for each DynamicSecret::validate() field key.
QString flagFor(const QString &field)
{
    static const QHash<QString, QString> flags = {
        { QStringLiteral("name"), QStringLiteral("NAME") },
        { QStringLiteral("defaultTtl"), QStringLiteral("--default-ttl") },
        { QStringLiteral("maxTtl"), QStringLiteral("--max-ttl") },
        { QStringLiteral("authMethod"), QStringLiteral("--auth") },
        { QStringLiteral("gateway"), QStringLiteral("--gateway") },
        { QStringLiteral("clusterUrl"), QStringLiteral("--url") },
        { QStringLiteral("caCertificate"), QStringLiteral("--ca-file") },
        { QStringLiteral("clusterToken"), QStringLiteral("--token-file/--token-stdin") },
        { QStringLiteral("credentialType"), QStringLiteral("--type") },
        { QStringLiteral("serviceAccount"), QStringLiteral("--service-account") },
        { QStringLiteral("namespace"), QStringLiteral("--namespace") },
        { QStringLiteral("allowedNamespaces"), QStringLiteral("--namespaces") },
        { QStringLiteral("roleType"), QStringLiteral("--role-type") },
        { QStringLiteral("role"), QStringLiteral("--role") },
        { QStringLiteral("audiences"), QStringLiteral("--audiences") },
        { QStringLiteral("clusterWide"), QStringLiteral("--cluster-wide") },
        { QStringLiteral("boundTokens"), QStringLiteral("--bound") },
    };
    return flags.value(field, field);
}

QCommandLineOption envOption(const QString &help)
{
    return QCommandLineOption(QStringLiteral("env"), help, QStringLiteral("ENV"));
}

// Reads a cluster token: surrounding whitespace dropped; it must then be one
// printable word. Error messages never include the token.
std::optional<QByteArray> readToken(CliContext &ctx, const QString &flag, QFile &source, const QString &from)
{
    QByteArray token = source.readAll().trimmed();
    if (token.isEmpty()) {
        ctx.usage(
            QStringLiteral("%1: %2 holds no token; put the cluster token (one line) there.").arg(flag, from));
        return std::nullopt;
    }
    for (char c : token) {
        if (c <= ' ' || c == 0x7f) {
            token.fill('\0');
            ctx.usage(
                QStringLiteral("%1: the token in %2 contains spaces or control characters; a cluster token "
                               "is a single line with no spaces.")
                    .arg(flag, from));
            return std::nullopt;
        }
    }
    return token;
}

QJsonObject toJson(const DynamicSecret &s, const QString &environment, int activeLeases)
{
    QJsonObject o {
        { QStringLiteral("id"), s.id },
        { QStringLiteral("name"), s.name },
        { QStringLiteral("environment"), environment },
        { QStringLiteral("type"), DynamicSecret::toString(s.credentialType) },
        { QStringLiteral("auth"), DynamicSecret::toString(s.authMethod) },
        { QStringLiteral("defaultTtl"), s.defaultTtl.toString() },
        { QStringLiteral("defaultTtlSeconds"), s.defaultTtl.seconds() },
        { QStringLiteral("maxTtl"), s.maxTtl.toString() },
        { QStringLiteral("maxTtlSeconds"), s.maxTtl.seconds() },
        { QStringLiteral("audiences"), QJsonArray::fromStringList(s.audiences) },
        { QStringLiteral("activeLeases"), activeLeases },
        { QStringLiteral("createdAt"), s.createdAt.toString(Qt::ISODate) },
        { QStringLiteral("updatedAt"), s.updatedAt.toString(Qt::ISODate) },
    };
    if (s.authMethod == AuthMethod::Token) {
        o.insert(QStringLiteral("url"), s.clusterUrl);
        o.insert(QStringLiteral("tlsVerify"), s.sslVerify);
        o.insert(QStringLiteral("caCertificate"), s.caCertificate);
    } else {
        o.insert(QStringLiteral("gateway"), s.gateway);
    }
    if (s.credentialType == CredentialType::Static) {
        o.insert(QStringLiteral("serviceAccount"), s.serviceAccount);
        o.insert(QStringLiteral("namespace"), s.namespaceName);
        o.insert(QStringLiteral("boundTokens"), s.boundTokens);
    } else {
        o.insert(QStringLiteral("namespaces"), QJsonArray::fromStringList(s.allowedNamespaces));
        o.insert(QStringLiteral("roleType"), DynamicSecret::toString(s.roleType));
        o.insert(QStringLiteral("role"), s.roleName);
        o.insert(QStringLiteral("clusterWide"), s.clusterWide);
    }
    return o;
}

} // namespace

std::optional<DynamicSecret> findSecret(
    CliContext &ctx, Database &db, const QString &name, const QString &envName, int *code)
{
    EnvironmentRepository envs(db);
    SecretRepository secrets(db);
    if (!envName.isEmpty()) {
        const std::optional<Environment> env = envs.byName(envName);
        if (!env) {
            *code = ctx.usage(QStringLiteral("--env: there is no environment \"%1\".").arg(envName));
            return std::nullopt;
        }
        std::optional<DynamicSecret> s = secrets.byName(env->id, name);
        if (!s) {
            *code = ctx.fail(
                QStringLiteral("There is no dynamic secret \"%1\" in environment %2.").arg(name, env->name));
        }
        return s;
    }
    QList<DynamicSecret> found;
    QStringList where;
    for (const Environment &env : envs.list()) {
        if (std::optional<DynamicSecret> s = secrets.byName(env.id, name)) {
            found << *s;
            where << env.name;
        }
    }
    if (found.isEmpty()) {
        *code = ctx.fail(QStringLiteral("There is no dynamic secret \"%1\" in any environment.").arg(name));
        return std::nullopt;
    }
    if (found.size() > 1) {
        *code = ctx.usage(QStringLiteral("Dynamic secret \"%1\" exists in %2; choose one with --env.")
                              .arg(name, where.join(QStringLiteral(", "))));
        return std::nullopt;
    }
    return found.constFirst();
}

std::optional<DynamicSecret> findSecretArgument(CliContext &ctx, const QCommandLineParser &parser, int *code)
{
    Database *db = ctx.database();
    if (!db) {
        *code = Failed;
        return std::nullopt;
    }
    return findSecret(
        ctx, *db, parser.positionalArguments().constFirst(), parser.value(QStringLiteral("env")), code);
}

QString environmentName(Database &db, qint64 id)
{
    const std::optional<Environment> env = EnvironmentRepository(db).byId(id);
    return env ? env->name : QString::number(id);
}

namespace {

// ---------------------------------------------------------------------------

// "secret create", and "secret import-kubeconfig", which takes the cluster
// URL, CA and token from a kubeconfig context instead of flags.
int createSecret(CliContext &ctx, const QStringList &args, bool fromKubeconfig)
{
    QCommandLineParser p;
    p.setApplicationDescription(fromKubeconfig
            ? QStringLiteral(
                "Creates a dynamic secret with Token (API) auth whose cluster URL, CA and token come "
                "from a kubeconfig context.\nThe token is kept only in the OS keychain.")
            : QStringLiteral("Creates a dynamic secret: how to reach a cluster and which service account "
                             "tokens to issue.\n"
                             "The cluster token is read from a file or stdin, never from the command line, "
                             "and is kept only "
                             "in the OS keychain."));
    p.addPositionalArgument(QStringLiteral("NAME"),
        QStringLiteral("Name of the secret: lower case letters, digits and '-', unique in its "
                       "environment."));
    p.addOption(
        envOption(QStringLiteral("Environment (Development, Staging, Production or your own; any case).")));
    p.addOption({ QStringLiteral("type"), QStringLiteral("Credential type: static or dynamic."),
        QStringLiteral("TYPE") });
    if (fromKubeconfig) {
        p.addOption({ QStringLiteral("kubeconfig"), QStringLiteral("The kubeconfig file to read."),
            QStringLiteral("FILE") });
        p.addOption({ QStringLiteral("context"),
            QStringLiteral("The context to use (default: its current context)."), QStringLiteral("NAME") });
    }
    // With import-kubeconfig these come from the kubeconfig: hidden, and refused if given.
    const auto connectionOption = [&](QCommandLineOption option) {
        if (fromKubeconfig)
            option.setFlags(QCommandLineOption::HiddenFromHelp);
        p.addOption(option);
    };
    connectionOption({ QStringLiteral("auth"), QStringLiteral("Authentication: token (default) or gateway."),
        QStringLiteral("METHOD"), QStringLiteral("token") });
    connectionOption({ QStringLiteral("url"),
        QStringLiteral("Token auth: Kubernetes API server URL (https://...)."), QStringLiteral("URL") });
    connectionOption({ QStringLiteral("ca-file"),
        QStringLiteral("Token auth: PEM file with the cluster's CA certificate (default: system CAs)."),
        QStringLiteral("PEM") });
    connectionOption({ QStringLiteral("insecure-skip-tls-verify"),
        QStringLiteral("Token auth: do not verify the API server's certificate.") });
    connectionOption({ QStringLiteral("token-file"),
        QStringLiteral("Token auth: file holding the cluster token (a token allowed to create service "
                       "account tokens, and for dynamic secrets service accounts and bindings)."),
        QStringLiteral("FILE") });
    connectionOption(
        { QStringLiteral("token-stdin"), QStringLiteral("Token auth: read the cluster token from stdin.") });
    connectionOption({ QStringLiteral("gateway"),
        QStringLiteral("Gateway auth: name of the registered gateway."), QStringLiteral("GW") });
    p.addOption({ QStringLiteral("service-account"),
        QStringLiteral("Static: the existing service account to issue tokens for."), QStringLiteral("SA") });
    p.addOption({ QStringLiteral("namespace"), QStringLiteral("Static: the service account's namespace."),
        QStringLiteral("NS") });
    p.addOption({ QStringLiteral("namespaces"),
        QStringLiteral("Dynamic: allowed namespaces, comma-separated (e.g. default,monitoring)."),
        QStringLiteral("LIST") });
    p.addOption({ QStringLiteral("role-type"), QStringLiteral("Dynamic: Role or ClusterRole."),
        QStringLiteral("KIND") });
    p.addOption({ QStringLiteral("role"), QStringLiteral("Dynamic: name of the Role/ClusterRole to bind."),
        QStringLiteral("NAME") });
    p.addOption({ QStringLiteral("cluster-wide"),
        QStringLiteral("Dynamic with a ClusterRole: bind cluster-wide (ClusterRoleBinding).") });
    p.addOption({ QStringLiteral("audiences"), QStringLiteral("Token audiences, comma-separated (optional)."),
        QStringLiteral("LIST") });
    p.addOption(
        { QStringLiteral("default-ttl"), QStringLiteral("Default lease TTL, at least 10m (default 1h)."),
            QStringLiteral("DURATION"), QStringLiteral("1h") });
    p.addOption({ QStringLiteral("max-ttl"), QStringLiteral("Maximum lease TTL, at least 10m (default 24h)."),
        QStringLiteral("DURATION"), QStringLiteral("24h") });
    p.addOption({ QStringLiteral("bound"),
        QStringLiteral("Static: bind each token to a per-lease Secret so that revoking works.") });
    const int parsed = parseCommand(ctx, p,
        fromKubeconfig
            ? QStringLiteral("hanzo-kmsctl secret import-kubeconfig NAME --kubeconfig FILE [--context C] "
                             "--env ENV --type static|dynamic [options]")
            : QStringLiteral("hanzo-kmsctl secret create NAME --env ENV --type static|dynamic "
                             "[options]"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;

    QStringList problems;
    DynamicSecret s;
    s.name = p.positionalArguments().constFirst();

    // Which method and type decide which flags make sense.
    std::optional<AuthMethod> auth = fromKubeconfig
        ? std::optional(AuthMethod::Token)
        : DynamicSecret::authMethodFromString(p.value(QStringLiteral("auth")));
    if (!auth) {
        problems << QStringLiteral("--auth: unknown authentication \"%1\"; use token or gateway.")
                        .arg(p.value(QStringLiteral("auth")));
    }
    std::optional<CredentialType> type;
    if (!p.isSet(QStringLiteral("type"))) {
        problems << QStringLiteral("--type: the credential type is required: static or dynamic.");
    } else {
        type = DynamicSecret::credentialTypeFromString(p.value(QStringLiteral("type")));
        if (!type) {
            problems << QStringLiteral("--type: unknown credential type \"%1\"; use static or dynamic.")
                            .arg(p.value(QStringLiteral("type")));
        }
    }
    if (!p.isSet(QStringLiteral("env")))
        problems << QStringLiteral("--env: the environment is required (e.g. --env Development).");

    const auto onlyWith = [&](const char *flag, bool allowed, const QString &requirement) {
        if (p.isSet(QString::fromLatin1(flag)) && !allowed)
            problems << QStringLiteral("--%1: applies only with %2.").arg(QLatin1String(flag), requirement);
    };
    if (auth && !fromKubeconfig) {
        const bool token = *auth == AuthMethod::Token;
        for (const char *flag : { "url", "ca-file", "insecure-skip-tls-verify", "token-file", "token-stdin" })
            onlyWith(flag, token, QStringLiteral("--auth token"));
        onlyWith("gateway", !token, QStringLiteral("--auth gateway"));
    }
    if (type) {
        const bool isStatic = *type == CredentialType::Static;
        for (const char *flag : { "service-account", "namespace", "bound" })
            onlyWith(flag, isStatic, QStringLiteral("--type static"));
        for (const char *flag : { "namespaces", "role-type", "role", "cluster-wide" })
            onlyWith(flag, !isStatic, QStringLiteral("--type dynamic"));
    }
    if (p.isSet(QStringLiteral("token-file")) && p.isSet(QStringLiteral("token-stdin")))
        problems << QStringLiteral("--token-file/--token-stdin: give the cluster token one way, not both.");

    if (auth)
        s.authMethod = *auth;
    if (type)
        s.credentialType = *type;
    s.clusterUrl = p.value(QStringLiteral("url"));
    s.sslVerify = !p.isSet(QStringLiteral("insecure-skip-tls-verify"));
    std::optional<QByteArray> token;
    if (fromKubeconfig) {
        for (const char *flag : { "auth", "url", "ca-file", "insecure-skip-tls-verify", "token-file",
                 "token-stdin", "gateway" }) {
            if (p.isSet(QString::fromLatin1(flag)))
                problems << QStringLiteral(
                    "--%1: not with import-kubeconfig, which reads the cluster from the kubeconfig.")
                                .arg(QLatin1String(flag));
        }
        QString error;
        std::optional<KubeconfigContext> context;
        if (!p.isSet(QStringLiteral("kubeconfig"))) {
            problems << QStringLiteral("--kubeconfig: the kubeconfig file is required.");
        } else if (const auto config = Kubeconfig::load(p.value(QStringLiteral("kubeconfig")), &error);
                   !config) {
            problems << QStringLiteral("--kubeconfig: ") + error;
        } else if (context = config->context(p.value(QStringLiteral("context")), &error); !context) {
            problems << QStringLiteral("--context: ") + error;
        } else {
            s.clusterUrl = context->server;
            s.caCertificate = QString::fromUtf8(context->caPem);
            s.sslVerify = !context->insecureSkipTlsVerify;
            token = context->token;
        }
    }
    s.gateway = p.value(QStringLiteral("gateway"));
    s.serviceAccount = p.value(QStringLiteral("service-account"));
    s.namespaceName = p.value(QStringLiteral("namespace"));
    s.roleName = p.value(QStringLiteral("role"));
    s.clusterWide = p.isSet(QStringLiteral("cluster-wide"));
    s.boundTokens = p.isSet(QStringLiteral("bound"));

    if (s.credentialType == CredentialType::Dynamic) {
        if (!p.isSet(QStringLiteral("role-type"))) {
            problems << QStringLiteral("--role-type: required with --type dynamic: Role or ClusterRole.");
        } else if (auto rt = DynamicSecret::roleTypeFromString(p.value(QStringLiteral("role-type")))) {
            s.roleType = *rt;
        } else {
            problems << QStringLiteral("--role-type: unknown role type \"%1\"; use Role or ClusterRole.")
                            .arg(p.value(QStringLiteral("role-type")));
        }
        if (p.isSet(QStringLiteral("namespaces"))) {
            QString error;
            s.allowedNamespaces
                = DynamicSecret::parseNamespaceList(p.value(QStringLiteral("namespaces")), &error);
            if (!error.isEmpty())
                problems << QStringLiteral("--namespaces: ") + error;
        }
    }
    {
        QString error;
        s.audiences = DynamicSecret::parseAudiences(p.value(QStringLiteral("audiences")), &error);
        if (!error.isEmpty())
            problems << QStringLiteral("--audiences: ") + error;
    }
    bool ttlsParsed = true;
    for (const auto &[flag, target] :
        { std::pair { "default-ttl", &s.defaultTtl }, std::pair { "max-ttl", &s.maxTtl } }) {
        QString error;
        if (auto d = Duration::parse(p.value(QString::fromLatin1(flag)), &error)) {
            *target = *d;
        } else {
            ttlsParsed = false;
            problems << QStringLiteral("--%1: %2").arg(QLatin1String(flag), error);
        }
    }
    if (p.isSet(QStringLiteral("ca-file"))) {
        QFile ca(p.value(QStringLiteral("ca-file")));
        if (!ca.open(QIODevice::ReadOnly)) {
            problems << QStringLiteral("--ca-file: cannot read %1: %2.").arg(ca.fileName(), ca.errorString());
        } else if (ca.size() > 1024 * 1024) {
            problems << QStringLiteral(
                "--ca-file: %1 is larger than 1 MiB; give the CA certificate's PEM file.")
                            .arg(ca.fileName());
        } else {
            s.caCertificate = QString::fromUtf8(ca.readAll());
            if (s.caCertificate.trimmed().isEmpty())
                problems << QStringLiteral("--ca-file: %1 is empty.").arg(ca.fileName());
        }
    }

    // The token: only from a file or stdin.
    if (p.isSet(QStringLiteral("token-file")) && !p.isSet(QStringLiteral("token-stdin"))) {
        QFile file(p.value(QStringLiteral("token-file")));
        if (!file.open(QIODevice::ReadOnly)) {
            problems << QStringLiteral("--token-file: cannot read %1: %2.")
                            .arg(file.fileName(), file.errorString());
        } else if (file.size() > 64 * 1024) {
            problems << QStringLiteral(
                "--token-file: %1 is larger than 64 KiB; it should hold only the cluster token.")
                            .arg(file.fileName());
        } else {
            token = readToken(ctx, QStringLiteral("--token-file"), file, file.fileName());
            if (!token)
                return Usage;
        }
    } else if (p.isSet(QStringLiteral("token-stdin")) && !p.isSet(QStringLiteral("token-file"))) {
        QFile in;
        if (!in.open(stdin, QIODevice::ReadOnly)) {
            problems << QStringLiteral("--token-stdin: cannot read stdin.");
        } else {
            token = readToken(ctx, QStringLiteral("--token-stdin"), in, QStringLiteral("stdin"));
            if (!token)
                return Usage;
        }
    }

    if (!problems.isEmpty())
        return ctx.usage(problems);

    Database *db = ctx.database();
    if (!db)
        return Failed;
    const std::optional<Environment> env = EnvironmentRepository(*db).byName(p.value(QStringLiteral("env")));
    if (!env) {
        QStringList names;
        for (const Environment &e : EnvironmentRepository(*db).list())
            names << e.name;
        return ctx.usage(QStringLiteral("--env: there is no environment \"%1\"; use one of %2.")
                             .arg(p.value(QStringLiteral("env")), names.join(QStringLiteral(", "))));
    }
    s.environmentId = env->id;

    SecretRepository secrets(*db);
    SecretValidationContext vctx;
    vctx.hasClusterToken = token.has_value();
    vctx.otherSecretNames = secrets.namesInEnvironment(env->id);
    vctx.gatewayNames = GatewayRegistry(*db, ctx.vault()).names();
    vctx.gatewaysKnown = true;
    const FieldErrors errors = s.validate(vctx);
    if (!errors.isEmpty() || !ttlsParsed) {
        QStringList messages;
        for (const FieldError &e : errors) {
            // A TTL that did not parse was reported above; do not report its zero value again.
            if (!ttlsParsed && (e.field == QLatin1String("defaultTtl") || e.field == QLatin1String("maxTtl")))
                continue;
            messages << flagFor(e.field) + QStringLiteral(": ") + e.message;
        }
        return ctx.usage(messages);
    }

    // Secret row, keychain entry and audit event stand or fall together.
    QString vaultError;
    const bool ok = db->transaction([&] {
        if (!secrets.insert(s))
            return false;
        if (token) {
            const VaultResult put = QCoro::waitFor(ctx.vault().put(s.vaultKey(), *token));
            if (!put.ok) {
                vaultError = put.message;
                return false;
            }
        }
        AuditEvent e;
        e.kind = AuditEvent::SecretCreated;
        e.secretName = s.name;
        e.namespaceName = s.namespaceName;
        e.serviceAccount = s.serviceAccount;
        e.detail = QStringLiteral("Dynamic secret created in %1 (%2, %3 auth).")
                       .arg(env->name, DynamicSecret::displayName(s.credentialType),
                           DynamicSecret::displayName(s.authMethod));
        return AuditLog(*db).append(e).has_value();
    });
    if (token)
        token->fill('\0');
    if (!ok) {
        if (!vaultError.isEmpty())
            return ctx.fail(vaultError + QStringLiteral(" Nothing was created."));
        if (token)
            QCoro::waitFor(ctx.vault().remove(s.vaultKey()));
        return ctx.fail(
            QStringLiteral("Cannot create dynamic secret \"%1\": %2").arg(s.name, db->lastError()));
    }
    ctx.out() << QStringLiteral("Created dynamic secret \"%1\" in %2.").arg(s.name, env->name) << Qt::endl;
    return Ok;
}

int list(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Lists dynamic secrets, of one environment or all."));
    p.addOption(envOption(QStringLiteral("Only this environment.")));
    addOutputOption(p);
    const int parsed
        = parseCommand(ctx, p, QStringLiteral("hanzo-kmsctl secret list [--env ENV] [-o json]"), args, 0, 0);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    SecretRepository secrets(*db);
    QList<DynamicSecret> found;
    if (p.isSet(QStringLiteral("env"))) {
        const std::optional<Environment> env
            = EnvironmentRepository(*db).byName(p.value(QStringLiteral("env")));
        if (!env)
            return ctx.usage(
                QStringLiteral("--env: there is no environment \"%1\".").arg(p.value(QStringLiteral("env"))));
        found = secrets.listByEnvironment(env->id);
    } else {
        found = secrets.listAll();
    }
    const QHash<qint64, int> active = secrets.activeLeaseCounts();
    if (*format == OutputFormat::Json) {
        QJsonArray array;
        for (const DynamicSecret &s : found)
            array.append(toJson(s, environmentName(*db, s.environmentId), active.value(s.id)));
        ctx.printJson(array);
        return Ok;
    }
    QList<QStringList> rows;
    for (const DynamicSecret &s : found) {
        rows << QStringList { environmentName(*db, s.environmentId), s.name,
            DynamicSecret::toString(s.credentialType), DynamicSecret::toString(s.authMethod),
            s.authMethod == AuthMethod::Token ? s.clusterUrl : s.gateway, s.defaultTtl.toString(),
            s.maxTtl.toString(), QString::number(active.value(s.id)) };
    }
    ctx.printTable({ QStringLiteral("ENVIRONMENT"), QStringLiteral("NAME"), QStringLiteral("TYPE"),
                       QStringLiteral("AUTH"), QStringLiteral("TARGET"), QStringLiteral("DEFAULT TTL"),
                       QStringLiteral("MAX TTL"), QStringLiteral("ACTIVE LEASES") },
        rows);
    return Ok;
}

int show(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Shows a dynamic secret's configuration. The cluster token is never shown."));
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The secret."));
    p.addOption(envOption(QStringLiteral("Its environment (needed when the name exists in several).")));
    addOutputOption(p);
    const int parsed = parseCommand(
        ctx, p, QStringLiteral("hanzo-kmsctl secret show NAME [--env ENV] [-o json]"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    int code = Failed;
    const std::optional<DynamicSecret> s = findSecretArgument(ctx, p, &code);
    if (!s)
        return code;
    Database *db = ctx.database();
    SecretRepository secrets(*db);
    const int active = secrets.activeLeaseCounts().value(s->id);
    const QString env = environmentName(*db, s->environmentId);
    if (*format == OutputFormat::Json) {
        ctx.printJson(toJson(*s, env, active));
        return Ok;
    }
    QList<QPair<QString, QString>> fields = {
        { QStringLiteral("Name"), s->name },
        { QStringLiteral("Environment"), env },
        { QStringLiteral("Credential type"), DynamicSecret::displayName(s->credentialType) },
        { QStringLiteral("Authentication"), DynamicSecret::displayName(s->authMethod) },
    };
    if (s->authMethod == AuthMethod::Token) {
        fields << qMakePair(QStringLiteral("Cluster URL"), s->clusterUrl)
               << qMakePair(QStringLiteral("TLS verification"),
                      s->sslVerify ? QStringLiteral("on") : QStringLiteral("off (insecure)"))
               << qMakePair(QStringLiteral("CA certificate"),
                      s->caCertificate.isEmpty() ? QStringLiteral("system CAs")
                                                 : QStringLiteral("custom (PEM)"))
               << qMakePair(QStringLiteral("Cluster token"),
                      QStringLiteral("in the keychain (service \"%1\"), never shown")
                          .arg(ctx.vault().serviceName()));
    } else {
        fields << qMakePair(QStringLiteral("Gateway"), s->gateway);
    }
    if (s->credentialType == CredentialType::Static) {
        fields << qMakePair(QStringLiteral("Service account"), s->serviceAccount)
               << qMakePair(QStringLiteral("Namespace"), s->namespaceName)
               << qMakePair(QStringLiteral("Bound tokens"),
                      s->boundTokens ? QStringLiteral("yes") : QStringLiteral("no"));
    } else {
        fields << qMakePair(
            QStringLiteral("Allowed namespaces"), s->allowedNamespaces.join(QStringLiteral(",")))
               << qMakePair(QStringLiteral("Role type"), DynamicSecret::toString(s->roleType))
               << qMakePair(QStringLiteral("Role"), s->roleName)
               << qMakePair(QStringLiteral("Cluster-wide"),
                      s->clusterWide ? QStringLiteral("yes") : QStringLiteral("no"));
    }
    fields << qMakePair(QStringLiteral("Audiences"),
        s->audiences.isEmpty() ? QStringLiteral("(API server default)")
                               : s->audiences.join(QStringLiteral(",")))
           << qMakePair(QStringLiteral("Default TTL"), s->defaultTtl.toString())
           << qMakePair(QStringLiteral("Max TTL"), s->maxTtl.toString())
           << qMakePair(QStringLiteral("Active leases"), QString::number(active))
           << qMakePair(QStringLiteral("Created"), s->createdAt.toString(Qt::ISODate))
           << qMakePair(QStringLiteral("Updated"), s->updatedAt.toString(Qt::ISODate));
    qsizetype width = 0;
    for (const auto &f : fields)
        width = qMax(width, f.first.size());
    for (const auto &f : fields)
        ctx.out() << (f.first + QLatin1Char(':')).leftJustified(width + 2) << f.second << '\n';
    ctx.out().flush();
    return Ok;
}

int remove(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Deletes a dynamic secret, its lease history and its cluster token in the keychain.\n"
        "Refused while it has open leases (tokens or cluster objects that may still need revoking), "
        "unless --force."));
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The secret."));
    p.addOption(envOption(QStringLiteral("Its environment (needed when the name exists in several).")));
    p.addOption({ QStringLiteral("force"),
        QStringLiteral("Delete even with open leases; their cluster objects are left for the sweep.") });
    const int parsed = parseCommand(
        ctx, p, QStringLiteral("hanzo-kmsctl secret delete NAME [--env ENV] [--force]"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    int code = Failed;
    const std::optional<DynamicSecret> s = findSecretArgument(ctx, p, &code);
    if (!s)
        return code;
    Database *db = ctx.database();
    SecretRepository secrets(*db);
    const int open = secrets.openLeaseCount(s->id);
    if (open > 0 && !p.isSet(QStringLiteral("force"))) {
        return ctx.fail(QStringLiteral("Dynamic secret \"%1\" has %2 open lease(s); revoke them first "
                                       "(hanzo-kmsctl lease list %1) or pass --force.")
                            .arg(s->name)
                            .arg(open));
    }
    const QString env = environmentName(*db, s->environmentId);
    const bool ok = db->transaction([&] {
        if (!secrets.remove(s->id))
            return false;
        AuditEvent e;
        e.kind = AuditEvent::SecretDeleted;
        e.secretName = s->name;
        e.detail = open > 0
            ? QStringLiteral("Dynamic secret deleted from %1 with %2 open lease(s) (--force).")
                  .arg(env)
                  .arg(open)
            : QStringLiteral("Dynamic secret deleted from %1.").arg(env);
        return AuditLog(*db).append(e).has_value();
    });
    if (!ok)
        return ctx.fail(
            QStringLiteral("Cannot delete dynamic secret \"%1\": %2").arg(s->name, db->lastError()));
    if (s->authMethod == AuthMethod::Token) {
        const VaultResult removed = QCoro::waitFor(ctx.vault().remove(s->vaultKey()));
        if (!removed.ok) {
            return ctx.fail(
                QStringLiteral("Deleted dynamic secret \"%1\", but its cluster token is still in the "
                               "keychain: %2")
                    .arg(s->name, removed.message));
        }
    }
    ctx.out() << QStringLiteral("Deleted dynamic secret \"%1\" from %2.").arg(s->name, env) << Qt::endl;
    return Ok;
}

} // namespace

CommandGroup secretCommands()
{
    return { QStringLiteral("secret"),
        QStringLiteral("Dynamic secrets: how to reach a cluster and which tokens to issue."),
        {
            { QStringLiteral("create"), QStringLiteral("Create a dynamic secret."),
                [](CliContext &ctx, const QStringList &args) { return createSecret(ctx, args, false); } },
            { QStringLiteral("import-kubeconfig"),
                QStringLiteral("Create a dynamic secret from a kubeconfig context (URL, CA, token)."),
                [](CliContext &ctx, const QStringList &args) { return createSecret(ctx, args, true); } },
            { QStringLiteral("list"), QStringLiteral("List dynamic secrets."), list },
            { QStringLiteral("show"), QStringLiteral("Show a dynamic secret (never its token)."), show },
            { QStringLiteral("delete"), QStringLiteral("Delete a dynamic secret and its cluster token."),
                remove },
            secretCheckCommand(),
        } };
}

} // namespace kms::cli
