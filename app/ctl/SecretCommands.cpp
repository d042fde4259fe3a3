#include "SecretCommands.h"

#include "core/BearerToken.h"
#include "core/BoundedRead.h"
#include "core/DisplayText.h"
#include "core/DynamicSecret.h"
#include "kube/Kubeconfig.h"
#include "kube/YamlDocument.h"
#include "leases/Engine.h"
#include "leases/SecretCatalog.h"
#include "provider/VaultImport.h"
#include "store/EnvironmentRepository.h"
#include "store/SecretRepository.h"

#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>
#include <functional>

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
        { QStringLiteral("namespaceSelector"), QStringLiteral("--namespace-selector") },
        { QStringLiteral("roleType"), QStringLiteral("--role-type") },
        { QStringLiteral("role"), QStringLiteral("--role") },
        { QStringLiteral("roles"), QStringLiteral("--roles") },
        { QStringLiteral("extraLabels"), QStringLiteral("--extra-labels") },
        { QStringLiteral("extraAnnotations"), QStringLiteral("--extra-annotations") },
        { QStringLiteral("maxLeases"), QStringLiteral("--max-leases") },
        { QStringLiteral("nameTemplate"), QStringLiteral("--name-template") },
        { QStringLiteral("generatedRules"), QStringLiteral("--generated-rules-file") },
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

// Checks a cluster token read from `from` (a file name, "stdin"): surrounding
// whitespace dropped, it must then be one visible-ASCII word. Messages never
// include the token.
std::optional<QByteArray> checkToken(
    CliContext &ctx, const QString &flag, const BoundedRead &read, const QString &from)
{
    if (!read.ok()) {
        ctx.usage(QStringLiteral("%1: %2%3.")
                      .arg(flag, read.problem(from),
                          read.status == BoundedRead::Status::TooLarge
                              ? QStringLiteral("; it should hold only the cluster token")
                              : QString()));
        return std::nullopt;
    }
    QByteArray token = read.data.trimmed();
    if (token.isEmpty()) {
        ctx.usage(QStringLiteral("%1: %2 holds no token; put the cluster token (one line) there.")
                      .arg(flag, escapeControls(from)));
        return std::nullopt;
    }
    if (const QString problem = BearerToken::problem(token); !problem.isEmpty()) {
        token.fill('\0');
        ctx.usage(QStringLiteral("%1: the token in %2 %3.").arg(flag, escapeControls(from), problem));
        return std::nullopt;
    }
    return token;
}

// The cluster token as this person's keychain holds it, for list and show.
QString tokenState(const ClusterTokenCheck &check)
{
    switch (check.state) {
    case ClusterTokenCheck::State::NotNeeded:
        return QStringLiteral("not-needed");
    case ClusterTokenCheck::State::Stored:
        return QStringLiteral("stored");
    case ClusterTokenCheck::State::Missing:
        return QStringLiteral("missing");
    case ClusterTokenCheck::State::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

ClusterTokenCheck checkClusterToken(CliContext &ctx, Database &db, const DynamicSecret &s)
{
    SecretCatalog catalog(db, ctx.vault());
    return QCoro::waitFor(catalog.clusterTokenOnThisComputer(s));
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
    if (s.viaGateway()) {
        o.insert(QStringLiteral("gateway"), s.gateway);
    } else {
        o.insert(QStringLiteral("url"), s.clusterUrl);
        o.insert(QStringLiteral("tlsVerify"), s.sslVerify);
        o.insert(QStringLiteral("caCertificate"), s.caCertificate);
    }
    if (s.credentialType == CredentialType::Static) {
        o.insert(QStringLiteral("serviceAccount"), s.serviceAccount);
        o.insert(QStringLiteral("namespace"), s.namespaceName);
        o.insert(QStringLiteral("boundTokens"), s.boundTokens);
    } else {
        o.insert(QStringLiteral("namespaces"), QJsonArray::fromStringList(s.allowedNamespaces));
        o.insert(QStringLiteral("namespaceSelector"), s.namespaceSelector);
        o.insert(QStringLiteral("roleType"), DynamicSecret::toString(s.roleType));
        o.insert(QStringLiteral("role"), s.roleName);
        QJsonArray roles;
        for (const RoleRef &r : s.boundRoles())
            roles.append(r.toString());
        o.insert(QStringLiteral("roles"), roles);
        o.insert(QStringLiteral("clusterWide"), s.clusterWide);
    }
    const auto object = [](const DynamicSecret::Metadata &m) {
        QJsonObject out;
        for (auto it = m.begin(); it != m.end(); ++it)
            out.insert(it.key(), it.value());
        return out;
    };
    o.insert(QStringLiteral("extraLabels"), object(s.extraLabels));
    o.insert(QStringLiteral("extraAnnotations"), object(s.extraAnnotations));
    o.insert(QStringLiteral("maxLeases"), s.maxLeases);
    o.insert(QStringLiteral("nameTemplate"), s.nameTemplate);
    if (s.generatesRole()) {
        o.insert(QStringLiteral("generatedRoleType"), DynamicSecret::toString(s.generatedRoleType));
        o.insert(QStringLiteral("generatedRules"), PolicyRule::toJson(s.generatedRules));
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
    // One statement: the secret by name in every environment.
    const std::optional<QList<DynamicSecret>> found = secrets.listNamed(name);
    if (!found) {
        *code = ctx.fail(db.lastError());
        return std::nullopt;
    }
    if (found->isEmpty()) {
        *code = ctx.fail(QStringLiteral("There is no dynamic secret \"%1\" in any environment.").arg(name));
        return std::nullopt;
    }
    if (found->size() > 1) {
        QHash<qint64, QString> environmentNames;
        for (const Environment &env : envs.list())
            environmentNames.insert(env.id, env.name);
        QStringList where;
        for (const DynamicSecret &s : *found)
            where << environmentNames.value(s.environmentId);
        *code = ctx.usage(QStringLiteral("Dynamic secret \"%1\" exists in %2; choose one with --env.")
                              .arg(name, where.join(QStringLiteral(", "))));
        return std::nullopt;
    }
    return found->constFirst();
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
// URL, CA and token from a kubeconfig context instead of flags:
// parse the options into a DynamicSecret, then SecretCatalog::save.

// What the command line asks for.
struct NewSecret {
    DynamicSecret secret;
    QString environment;
    std::optional<QByteArray> token; // from --token-file/--token-stdin or the kubeconfig
};

// What a lease grants: the flags secret create and secret edit share.
// edit: no defaults (only what is given changes).
void addGrantOptions(QCommandLineParser &p, bool edit)
{
    p.addOption({ QStringLiteral("namespaces"),
        QStringLiteral(
            "Dynamic: allowed namespaces, comma-separated (e.g. default,monitoring), or '*' for "
            "any. A lease may use a namespace of this list, or one that matches --namespace-selector."),
        QStringLiteral("LIST") });
    p.addOption({ QStringLiteral("namespace-selector"),
        QStringLiteral(
            "Dynamic: a label selector, as kubectl -l takes it (e.g. 'team in (a,b),env=dev'); a lease "
            "may also use any namespace whose labels match it."),
        QStringLiteral("SELECTOR") });
    p.addOption({ QStringLiteral("role-type"), QStringLiteral("Dynamic: Role or ClusterRole."),
        QStringLiteral("KIND") });
    p.addOption({ QStringLiteral("role"),
        QStringLiteral("Dynamic: name of the Role/ClusterRole to bind (its kind from --role-type)."),
        QStringLiteral("NAME") });
    p.addOption({ QStringLiteral("roles"),
        QStringLiteral("Dynamic: several roles, each bound to the lease's account, created and deleted "
                       "together: Kind/name,... (e.g. ClusterRole/view,Role/deployer). Instead of --role."),
        QStringLiteral("LIST") });
    p.addOption({ QStringLiteral("extra-labels"),
        QStringLiteral("Labels put on every object a lease creates: key=value,... Hanzo KMS's own "
                       "(app.kubernetes.io/managed-by, kms.hanzo.ai/*) cannot be set."),
        QStringLiteral("LIST") });
    p.addOption({ QStringLiteral("extra-annotations"),
        QStringLiteral(
            "Annotations put on every object a lease creates: key=value,... (\\, for a comma "
            "in a value; the flag may be repeated). Hanzo KMS's own (kms.hanzo.ai/*) cannot be set."),
        QStringLiteral("LIST") });
    p.addOption({ QStringLiteral("generated-rules-file"),
        QStringLiteral(
            "Dynamic: a YAML or JSON file of RBAC rules (a list, or {rules: [...]} as Vault's "
            "generated_role_rules); each lease gets its own Role (or ClusterRole, from --role-type) "
            "with them, bound to its account and deleted with it. The cluster token must hold every "
            "one of them (secret check shows what it lacks)."),
        QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("name-template"),
        QStringLiteral(
            "How a lease's objects are named (dynamic: its service account, bindings and generated role; "
            "bound static: its Secret), e.g. '{{secret}}-{{user | lower | truncate 12}}-{{random 6}}'. "
            "Values: {{secret}} {{namespace}} {{user}} {{unix}} {{random N}}; helpers: lower, truncate N, "
            "replace \"old\" \"new\". Every name must be a DNS-1123 label of at most 63 characters "
            "with at least 5 random characters (default: kms-<secret>-<5 random>)."),
        QStringLiteral("TEMPLATE") });
    p.addOption({ QStringLiteral("max-leases"),
        QStringLiteral("At most N leases whose token may still work at once; a lease beyond that is "
                       "refused (default 0: no limit)."),
        QStringLiteral("N") });
    p.addOption({ QStringLiteral("cluster-wide"),
        QStringLiteral("Dynamic with a ClusterRole: bind cluster-wide (ClusterRoleBinding).") });
    p.addOption({ QStringLiteral("audiences"), QStringLiteral("Token audiences, comma-separated (optional)."),
        QStringLiteral("LIST") });
    p.addOption({ QStringLiteral("default-ttl"),
        edit ? QStringLiteral("Default lease TTL, at least 10m.")
             : QStringLiteral("Default lease TTL, at least 10m (default 1h)."),
        QStringLiteral("DURATION"), edit ? QString() : QStringLiteral("1h") });
    p.addOption({ QStringLiteral("max-ttl"),
        edit ? QStringLiteral("Maximum lease TTL, at least 10m.")
             : QStringLiteral("Maximum lease TTL, at least 10m (default 24h)."),
        QStringLiteral("DURATION"), edit ? QString() : QStringLiteral("24h") });
}

void addCreateOptions(QCommandLineParser &p, bool fromKubeconfig)
{
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
    connectionOption({ QStringLiteral("auth"),
        QStringLiteral("Authentication: token (default; the cluster token's own rights) or gateway (the "
                       "gateway's service account)."),
        QStringLiteral("METHOD"), QStringLiteral("token") });
    connectionOption({ QStringLiteral("url"),
        QStringLiteral("Token auth without a gateway: Kubernetes API server URL (https://...)."),
        QStringLiteral("URL") });
    connectionOption({ QStringLiteral("ca-file"),
        QStringLiteral("Token auth without a gateway: PEM file with the cluster's CA certificate (default: "
                       "system CAs)."),
        QStringLiteral("PEM") });
    p.addOption({ QStringLiteral("insecure-skip-tls-verify"),
        fromKubeconfig ? QStringLiteral("Accept a context whose cluster sets insecure-skip-tls-verify: true "
                                        "(refused without this flag).")
                       : QStringLiteral("Token auth without a gateway: do not verify the API server's "
                                        "certificate.") });
    connectionOption({ QStringLiteral("token-file"),
        QStringLiteral("Token auth: file holding the cluster token (a token allowed to create service "
                       "account tokens, and for dynamic secrets service accounts and bindings)."),
        QStringLiteral("FILE") });
    connectionOption(
        { QStringLiteral("token-stdin"), QStringLiteral("Token auth: read the cluster token from stdin.") });
    connectionOption({ QStringLiteral("gateway"),
        QStringLiteral("Name of a registered gateway: required with --auth gateway; with --auth token, the "
                       "gateway relays the calls with the cluster token (over its mutual TLS) and the "
                       "cluster URL is the gateway's."),
        QStringLiteral("GW") });
    p.addOption({ QStringLiteral("service-account"),
        QStringLiteral("Static: the existing service account to issue tokens for."), QStringLiteral("SA") });
    p.addOption({ QStringLiteral("namespace"), QStringLiteral("Static: the service account's namespace."),
        QStringLiteral("NS") });
    addGrantOptions(p, false);
    p.addOption({ QStringLiteral("bound"),
        QStringLiteral("Static: bind each token to a per-lease Secret so that revoking works.") });
}

// Flags that the chosen --auth / --type (or import-kubeconfig) make meaningless.
void checkFlagCombinations(const QCommandLineParser &p, bool fromKubeconfig, std::optional<AuthMethod> auth,
    std::optional<CredentialType> type, QStringList &problems)
{
    const auto onlyWith = [&](const char *flag, bool allowed, const QString &requirement) {
        if (p.isSet(QString::fromLatin1(flag)) && !allowed)
            problems << QStringLiteral("--%1: applies only with %2.").arg(QLatin1String(flag), requirement);
    };
    if (auth && !fromKubeconfig) {
        const bool token = *auth == AuthMethod::Token;
        const bool gateway = p.isSet(QStringLiteral("gateway"));
        for (const char *flag : { "token-file", "token-stdin" })
            onlyWith(flag, token, QStringLiteral("--auth token"));
        for (const char *flag : { "url", "ca-file", "insecure-skip-tls-verify" }) {
            if (!token)
                onlyWith(flag, false, QStringLiteral("--auth token"));
            else if (gateway && p.isSet(QString::fromLatin1(flag)))
                problems << QStringLiteral("--%1: not with --gateway, which reaches the API server itself.")
                                .arg(QLatin1String(flag));
        }
    }
    if (type) {
        const bool isStatic = *type == CredentialType::Static;
        for (const char *flag : { "service-account", "namespace", "bound" })
            onlyWith(flag, isStatic, QStringLiteral("--type static"));
        for (const char *flag : { "namespaces", "namespace-selector", "role-type", "role", "roles",
                 "cluster-wide", "generated-rules-file" })
            onlyWith(flag, !isStatic, QStringLiteral("--type dynamic"));
    }
    if (p.isSet(QStringLiteral("role")) && p.isSet(QStringLiteral("roles")))
        problems << QStringLiteral(
            "--role/--roles: give the roles one way: --role-type K --role NAME for one, "
            "--roles K/name,... for several.");
    if (p.isSet(QStringLiteral("token-file")) && p.isSet(QStringLiteral("token-stdin")))
        problems << QStringLiteral("--token-file/--token-stdin: give the cluster token one way, not both.");
    if (fromKubeconfig) {
        // --insecure-skip-tls-verify stays: it confirms a kubeconfig's insecure-skip-tls-verify.
        for (const char *flag : { "auth", "url", "ca-file", "token-file", "token-stdin", "gateway" }) {
            if (p.isSet(QString::fromLatin1(flag)))
                problems << QStringLiteral(
                    "--%1: not with import-kubeconfig, which reads the cluster from the kubeconfig.")
                                .arg(QLatin1String(flag));
        }
    }
}

// import-kubeconfig: URL, CA, TLS verification and token from the context.
// A cluster with insecure-skip-tls-verify: true is taken only when the
// command line says --insecure-skip-tls-verify too.
void readKubeconfig(const QCommandLineParser &p, NewSecret &wanted, QStringList &problems)
{
    QString error;
    std::optional<Kubeconfig> config;
    std::optional<KubeconfigContext> context;
    const QString requested = p.value(QStringLiteral("context"));
    if (!p.isSet(QStringLiteral("kubeconfig"))) {
        problems << QStringLiteral("--kubeconfig: the kubeconfig file is required.");
    } else if (config = Kubeconfig::load(p.value(QStringLiteral("kubeconfig")), &error); !config) {
        problems << QStringLiteral("--kubeconfig: ") + error;
    } else if (context = config->context(requested, &error); !context) {
        const bool aboutTheName = !requested.isEmpty() && !config->contextNames().contains(requested);
        problems << (aboutTheName ? QStringLiteral("--context: ") : QStringLiteral("--kubeconfig: ")) + error;
    } else if (context->insecureSkipTlsVerify && !p.isSet(QStringLiteral("insecure-skip-tls-verify"))) {
        problems << QStringLiteral(
            "--kubeconfig: the cluster %1 sets insecure-skip-tls-verify: true; pass "
            "--insecure-skip-tls-verify to accept a cluster whose certificate is not verified, or give the "
            "cluster its certificate-authority-data instead.")
                        .arg(quoted(context->clusterName));
    } else if (!context->insecureSkipTlsVerify && p.isSet(QStringLiteral("insecure-skip-tls-verify"))) {
        problems << QStringLiteral(
            "--insecure-skip-tls-verify: the cluster %1 does not set insecure-skip-tls-verify, and with "
            "import-kubeconfig the flag only confirms it; leave the flag out.")
                        .arg(quoted(context->clusterName));
    } else {
        wanted.secret.clusterUrl = context->server;
        wanted.secret.caCertificate = QString::fromUtf8(context->caPem);
        wanted.secret.sslVerify = !context->insecureSkipTlsVerify;
        wanted.token = context->token;
        context->token.fill('\0');
    }
}

// Audiences, extra labels and annotations, the lease limit and the TTLs: what
// create and edit read alike. With edit, only what is given changes, and a
// given list replaces the stored one.
void readSharedGrants(const QCommandLineParser &p, DynamicSecret &s, QStringList &problems, bool edit)
{
    if (p.isSet(QStringLiteral("audiences")) || !edit) {
        QString error;
        s.audiences = DynamicSecret::parseAudiences(p.value(QStringLiteral("audiences")), &error);
        if (!error.isEmpty())
            problems << QStringLiteral("--audiences: ") + error;
    }
    for (const auto &[flag, what, target] : { std::tuple { "extra-labels", "label", &s.extraLabels },
             std::tuple { "extra-annotations", "annotation", &s.extraAnnotations } }) {
        // Each use of the flag adds to the list; given at all, it replaces the stored list.
        if (p.isSet(QString::fromLatin1(flag)))
            target->clear();
        for (const QString &value : p.values(QString::fromLatin1(flag))) {
            QString metadataError;
            const DynamicSecret::Metadata parsed
                = DynamicSecret::parseMetadata(value, QString::fromLatin1(what), &metadataError);
            for (auto it = parsed.begin(); metadataError.isEmpty() && it != parsed.end(); ++it) {
                if (target->contains(it.key()))
                    metadataError = QStringLiteral("Extra %1s set %2 more than once.")
                                        .arg(QLatin1String(what), quoted(it.key()));
                target->insert(it.key(), it.value());
            }
            if (!metadataError.isEmpty()) {
                problems << QStringLiteral("--%1: %2").arg(QLatin1String(flag), metadataError);
                break;
            }
        }
    }
    if (p.isSet(QStringLiteral("max-leases"))) {
        bool ok = false;
        const QString text = p.value(QStringLiteral("max-leases")).trimmed();
        const int n = text.toInt(&ok);
        if (!ok || n < 0)
            problems << QStringLiteral(
                "--max-leases: %1 is not a whole number of leases; give 0 (no limit) or "
                "a positive number.")
                            .arg(quoted(text));
        else
            s.maxLeases = n;
    }
    for (const auto &[flag, target] :
        { std::pair { "default-ttl", &s.defaultTtl }, std::pair { "max-ttl", &s.maxTtl } }) {
        if (edit && !p.isSet(QString::fromLatin1(flag)))
            continue;
        QString ttlError;
        if (auto d = Duration::parse(p.value(QString::fromLatin1(flag)), &ttlError))
            *target = *d;
        else
            problems << QStringLiteral("--%1: %2").arg(QLatin1String(flag), ttlError);
    }
}

// Role type, namespaces, audiences and TTLs.
void readCredentialOptions(const QCommandLineParser &p, DynamicSecret &s, QStringList &problems)
{
    if (s.credentialType == CredentialType::Dynamic) {
        const bool roles = p.isSet(QStringLiteral("roles"));
        const bool generated = p.isSet(QStringLiteral("generated-rules-file"));
        if (!p.isSet(QStringLiteral("role-type"))) {
            if (!roles)
                problems << QStringLiteral("--role-type: required with --type dynamic: Role or ClusterRole.");
        } else if (roles && !generated) {
            problems << QStringLiteral(
                "--role-type: not with --roles, where each entry names its kind "
                "(Kind/name); it is the kind of the generated role of --generated-rules-file.");
        } else if (auto rt = DynamicSecret::roleTypeFromString(p.value(QStringLiteral("role-type")))) {
            s.roleType = *rt;
            s.generatedRoleType = *rt;
        } else {
            problems << QStringLiteral("--role-type: unknown role type \"%1\"; use Role or ClusterRole.")
                            .arg(p.value(QStringLiteral("role-type")));
        }
        if (roles) {
            QString error;
            const QList<RoleRef> list
                = DynamicSecret::parseRoleList(p.value(QStringLiteral("roles")), &error);
            if (!error.isEmpty())
                problems << QStringLiteral("--roles: ") + error;
            else
                s.setBoundRoles(list);
        }
        if (p.isSet(QStringLiteral("namespaces"))) {
            QString error;
            s.allowedNamespaces
                = DynamicSecret::parseNamespaceList(p.value(QStringLiteral("namespaces")), &error);
            if (!error.isEmpty())
                problems << QStringLiteral("--namespaces: ") + error;
        }
    }
    readSharedGrants(p, s, problems, false);
}

// --generated-rules-file: YAML or JSON rules, read with a bound.
void readGeneratedRules(const QCommandLineParser &p, DynamicSecret &s, QStringList &problems)
{
    if (!p.isSet(QStringLiteral("generated-rules-file")) || s.credentialType != CredentialType::Dynamic)
        return;
    constexpr qint64 MaxBytes = 256 * 1024;
    const QString path = p.value(QStringLiteral("generated-rules-file"));
    const BoundedRead file = BoundedRead::fromFile(path, MaxBytes);
    if (!file.ok()) {
        problems << QStringLiteral("--generated-rules-file: %1; give a YAML or JSON file of RBAC rules.")
                        .arg(file.problem(path));
        return;
    }
    QString why;
    const std::optional<QJsonValue> value = YamlDocument::parse(file.data, &why);
    if (!value) {
        problems << QStringLiteral("--generated-rules-file: %1: %2.").arg(escapeControls(path), why);
        return;
    }
    const std::optional<QList<PolicyRule>> rules = PolicyRule::listFromJson(*value, &why);
    if (!rules) {
        problems << QStringLiteral("--generated-rules-file: %1: %2").arg(escapeControls(path), why);
        return;
    }
    s.generatedRules = *rules;
}

void readCaFile(const QCommandLineParser &p, DynamicSecret &s, QStringList &problems)
{
    if (!p.isSet(QStringLiteral("ca-file")))
        return;
    const QString path = p.value(QStringLiteral("ca-file"));
    const BoundedRead ca = BoundedRead::fromFile(path, DynamicSecret::MaxCaCertificateBytes);
    if (!ca.ok()) {
        problems
            << QStringLiteral("--ca-file: %1; give the CA certificate's PEM file.").arg(ca.problem(path));
        return;
    }
    s.caCertificate = QString::fromUtf8(ca.data);
    if (s.caCertificate.trimmed().isEmpty())
        problems << QStringLiteral("--ca-file: %1 is empty.").arg(escapeControls(path));
}

// The token: only from a file or stdin. False after printing a problem with
// the token itself (never the token).
bool readTokenOption(CliContext &ctx, const QCommandLineParser &p, NewSecret &wanted)
{
    const bool fromFile = p.isSet(QStringLiteral("token-file"));
    const bool fromStdin = p.isSet(QStringLiteral("token-stdin"));
    if (fromFile && !fromStdin) {
        const QString path = p.value(QStringLiteral("token-file"));
        wanted.token = checkToken(ctx, QStringLiteral("--token-file"),
            BoundedRead::fromFile(path, BearerToken::MaxFileBytes), path);
        return wanted.token.has_value();
    }
    if (fromStdin && !fromFile) {
        wanted.token = checkToken(ctx, QStringLiteral("--token-stdin"),
            BoundedRead::fromStdin(BearerToken::MaxFileBytes), QStringLiteral("stdin"));
        return wanted.token.has_value();
    }
    return true;
}

// Everything the options say, checked as far as that needs no database.
// Prints the problems and returns nullopt on bad usage.
std::optional<NewSecret> parseNewSecret(CliContext &ctx, const QCommandLineParser &p, bool fromKubeconfig)
{
    QStringList problems;
    NewSecret wanted;
    DynamicSecret &s = wanted.secret;
    s.name = p.positionalArguments().constFirst();
    wanted.environment = p.value(QStringLiteral("env"));

    // Which method and type decide which flags make sense.
    const std::optional<AuthMethod> auth = fromKubeconfig
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
    checkFlagCombinations(p, fromKubeconfig, auth, type, problems);

    if (auth)
        s.authMethod = *auth;
    if (type)
        s.credentialType = *type;
    s.clusterUrl = p.value(QStringLiteral("url"));
    s.sslVerify = !p.isSet(QStringLiteral("insecure-skip-tls-verify"));
    if (fromKubeconfig)
        readKubeconfig(p, wanted, problems);
    s.gateway = p.value(QStringLiteral("gateway"));
    s.serviceAccount = p.value(QStringLiteral("service-account"));
    s.namespaceName = p.value(QStringLiteral("namespace"));
    if (!p.isSet(QStringLiteral("roles")))
        s.roleName = p.value(QStringLiteral("role"));
    s.clusterWide = p.isSet(QStringLiteral("cluster-wide"));
    s.boundTokens = p.isSet(QStringLiteral("bound"));
    s.nameTemplate = p.value(QStringLiteral("name-template"));
    s.namespaceSelector = p.value(QStringLiteral("namespace-selector")).trimmed();
    readCredentialOptions(p, s, problems);
    readGeneratedRules(p, s, problems);
    readCaFile(p, s, problems);
    if (!readTokenOption(ctx, p, wanted))
        return std::nullopt;

    if (!problems.isEmpty()) {
        ctx.usage(problems);
        return std::nullopt;
    }
    return wanted;
}

// Saves what the command line (or an import) asks for through the catalog;
// flag: the option (or imported field) a validation field key is shown as.
int saveNewSecret(CliContext &ctx, NewSecret &wanted, const std::function<QString(const QString &)> &flag,
    const QString &from)
{
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const std::optional<Environment> env = EnvironmentRepository(*db).byName(wanted.environment);
    if (!env) {
        QStringList names;
        for (const Environment &e : EnvironmentRepository(*db).list())
            names << e.name;
        return ctx.usage(QStringLiteral("--env: there is no environment \"%1\"; use one of %2.")
                             .arg(wanted.environment, names.join(QStringLiteral(", "))));
    }
    wanted.secret.environmentId = env->id;

    // With the engine's connections, the catalog asks a gateway what its
    // policy allows this desktop, and refuses now rather than at the first lease.
    Engine engine(*db, ctx.vault());
    SecretCatalog catalog(*db, ctx.vault(), &engine.connections());
    const SecretSaveResult saved
        = QCoro::waitFor(catalog.save(wanted.secret, wanted.token.value_or(QByteArray())));
    if (wanted.token)
        wanted.token->fill('\0'); // the catalog's copies are gone with its task
    if (saved.failure == SecretSaveResult::Failure::Refused)
        return ctx.fail(saved.error);
    if (!saved.fieldErrors.isEmpty()) {
        QStringList messages;
        for (const FieldError &e : saved.fieldErrors)
            messages << flag(e.field) + QStringLiteral(": ") + e.message;
        return ctx.usage(messages);
    }
    if (!saved.ok())
        return ctx.fail(saved.error);
    ctx.out() << QStringLiteral("Created dynamic secret %1 in %2%3.")
                     .arg(quoted(saved.secret->name), env->name, from)
              << Qt::endl;
    if (saved.secret->authMethod == AuthMethod::Token && !saved.secret->sslVerify)
        ctx.warn(
            QStringLiteral("TLS verification is off for dynamic secret %1: anyone between you and %2 can "
                           "read its cluster token and every token it issues.")
                .arg(quoted(saved.secret->name), saved.secret->clusterUrl));
    return Ok;
}

int createSecret(CliContext &ctx, const QStringList &args, bool fromKubeconfig)
{
    QCommandLineParser p;
    addCreateOptions(p, fromKubeconfig);
    const int parsed = parseCommand(ctx, p,
        fromKubeconfig
            ? QStringLiteral("hanzo-kmsctl secret import-kubeconfig NAME --kubeconfig FILE [--context C] "
                             "--env ENV --type static|dynamic [options]")
            : QStringLiteral("hanzo-kmsctl secret create NAME --env ENV --type static|dynamic "
                             "[options]"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;
    std::optional<NewSecret> wanted = parseNewSecret(ctx, p, fromKubeconfig);
    if (!wanted)
        return Usage;

    return saveNewSecret(ctx, *wanted, flagFor, QString());
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
        for (const DynamicSecret &s : found) {
            QJsonObject o = toJson(s, environmentName(*db, s.environmentId), active.value(s.id));
            o.insert(QStringLiteral("clusterToken"), tokenState(checkClusterToken(ctx, *db, s)));
            array.append(o);
        }
        ctx.printJson(array);
        return Ok;
    }
    QList<QStringList> rows;
    for (const DynamicSecret &s : found) {
        rows << QStringList { environmentName(*db, s.environmentId), s.name,
            DynamicSecret::toString(s.credentialType), DynamicSecret::toString(s.authMethod),
            s.viaGateway() ? s.gateway : s.clusterUrl, s.defaultTtl.toString(), s.maxTtl.toString(),
            QString::number(active.value(s.id)), tokenState(checkClusterToken(ctx, *db, s)) };
    }
    ctx.printTable(
        { QStringLiteral("ENVIRONMENT"), QStringLiteral("NAME"), QStringLiteral("TYPE"),
            QStringLiteral("AUTH"), QStringLiteral("TARGET"), QStringLiteral("DEFAULT TTL"),
            QStringLiteral("MAX TTL"), QStringLiteral("ACTIVE LEASES"), QStringLiteral("CLUSTER TOKEN") },
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
    const ClusterTokenCheck token = checkClusterToken(ctx, *db, *s);
    if (*format == OutputFormat::Json) {
        QJsonObject o = toJson(*s, env, active);
        o.insert(QStringLiteral("clusterToken"), tokenState(token));
        ctx.printJson(o);
        return Ok;
    }
    QString tokenText;
    switch (token.state) {
    case ClusterTokenCheck::State::Stored:
    case ClusterTokenCheck::State::NotNeeded:
        tokenText
            = QStringLiteral("in the keychain (service \"%1\"), never shown").arg(ctx.vault().serviceName());
        break;
    case ClusterTokenCheck::State::Missing:
        tokenText = QStringLiteral("none on this computer; set yours with \"hanzo-kmsctl secret set-token %1 "
                                   "--token-stdin\"")
                        .arg(s->name);
        break;
    case ClusterTokenCheck::State::Unknown:
        tokenText = QStringLiteral("unknown: %1").arg(token.error);
        break;
    }
    QList<QPair<QString, QString>> fields = {
        { QStringLiteral("Name"), s->name },
        { QStringLiteral("Environment"), env },
        { QStringLiteral("Credential type"), DynamicSecret::displayName(s->credentialType) },
        { QStringLiteral("Authentication"), DynamicSecret::displayName(s->authMethod) },
    };
    if (s->viaGateway()) {
        fields << qMakePair(QStringLiteral("Gateway"), s->gateway);
    } else {
        fields << qMakePair(QStringLiteral("Cluster URL"), s->clusterUrl)
               << qMakePair(QStringLiteral("TLS verification"),
                      s->sslVerify ? QStringLiteral("on") : QStringLiteral("off (insecure)"))
               << qMakePair(QStringLiteral("CA certificate"),
                      s->caCertificate.isEmpty() ? QStringLiteral("system CAs")
                                                 : QStringLiteral("custom (PEM)"));
    }
    if (s->hasClusterToken()) {
        if (token.state == ClusterTokenCheck::State::Stored && s->viaGateway())
            tokenText
                += QStringLiteral("; sent only to the gateway, which uses it instead of its own account");
        fields << qMakePair(QStringLiteral("Cluster token"), tokenText);
    }
    if (s->credentialType == CredentialType::Static) {
        fields << qMakePair(QStringLiteral("Service account"), s->serviceAccount)
               << qMakePair(QStringLiteral("Namespace"), s->namespaceName)
               << qMakePair(QStringLiteral("Bound tokens"),
                      s->boundTokens ? QStringLiteral("yes") : QStringLiteral("no"));
    } else {
        QStringList roles;
        for (const RoleRef &r : s->boundRoles())
            roles << r.toString();
        fields << qMakePair(
            QStringLiteral("Allowed namespaces"), s->allowedNamespaces.join(QStringLiteral(",")))
               << qMakePair(QStringLiteral("Namespace selector"),
                      s->namespaceSelector.isEmpty() ? QStringLiteral("(none)")
                                                     : escapeControls(s->namespaceSelector))
               << qMakePair(QStringLiteral("Roles"), roles.join(QStringLiteral(",")))
               << qMakePair(QStringLiteral("Cluster-wide"),
                      s->clusterWide ? QStringLiteral("yes") : QStringLiteral("no"));
    }
    if (!s->extraLabels.isEmpty())
        fields << qMakePair(
            QStringLiteral("Extra labels"), escapeControls(DynamicSecret::formatMetadata(s->extraLabels)));
    if (!s->extraAnnotations.isEmpty())
        fields << qMakePair(QStringLiteral("Extra annotations"),
            escapeControls(DynamicSecret::formatMetadata(s->extraAnnotations)));
    if (s->generatesRole()) {
        QStringList rules;
        for (const PolicyRule &r : s->generatedRules)
            rules << r.describe();
        fields << qMakePair(QStringLiteral("Generated role"),
            QStringLiteral("%1 with %2")
                .arg(DynamicSecret::toString(s->generatedRoleType), rules.join(QStringLiteral(", "))));
    }
    if (!s->nameTemplate.isEmpty())
        fields << qMakePair(QStringLiteral("Name template"), escapeControls(s->nameTemplate));
    fields << qMakePair(QStringLiteral("Max leases"),
        s->maxLeases > 0 ? QString::number(s->maxLeases) : QStringLiteral("no limit"));
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

int setToken(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Stores your cluster token for a Token (API) secret in your keychain. In a team profile the secret's "
        "settings are shared and each administrator keeps a token of their own; the secret is not changed."));
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The secret."));
    p.addOption(envOption(QStringLiteral("Its environment (needed when the name exists in several).")));
    p.addOption({ QStringLiteral("token-file"), QStringLiteral("Read the cluster token from FILE."),
        QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("token-stdin"), QStringLiteral("Read the cluster token from stdin.") });
    const int parsed = parseCommand(ctx, p,
        QStringLiteral("hanzo-kmsctl secret set-token NAME [--env ENV] (--token-file F | --token-stdin)"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;
    const bool fromFile = p.isSet(QStringLiteral("token-file"));
    const bool fromStdin = p.isSet(QStringLiteral("token-stdin"));
    if (fromFile == fromStdin)
        return ctx.usage(QStringLiteral(
            "--token-file/--token-stdin: give the cluster token one way (exactly one of them)."));
    // The token is read and checked before the profile is opened: bad input never waits for a database.
    const QString flag = fromFile ? QStringLiteral("--token-file") : QStringLiteral("--token-stdin");
    const QString from = fromFile ? p.value(QStringLiteral("token-file")) : QStringLiteral("stdin");
    std::optional<QByteArray> token = checkToken(ctx, flag,
        fromFile ? BoundedRead::fromFile(from, BearerToken::MaxFileBytes)
                 : BoundedRead::fromStdin(BearerToken::MaxFileBytes),
        from);
    if (!token)
        return Usage;
    int code = Failed;
    const std::optional<DynamicSecret> s = findSecretArgument(ctx, p, &code);
    if (!s)
        return code;
    Database *db = ctx.database();
    SecretCatalog catalog(*db, ctx.vault());
    const SecretSaveResult saved = QCoro::waitFor(catalog.setClusterToken(s->id, *token));
    token->fill('\0');
    if (saved.failure == SecretSaveResult::Failure::Invalid)
        return ctx.usage(flag + QStringLiteral(": ") + saved.error);
    if (!saved.ok())
        return ctx.fail(saved.error);
    ctx.out() << QStringLiteral(
        "Stored your cluster token for dynamic secret %1 in the keychain (service \"%2\").")
                     .arg(quoted(s->name), ctx.vault().serviceName())
              << Qt::endl;
    return Ok;
}

int remove(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Deletes a dynamic secret, its lease history and its cluster token in the keychain.\n"
                       "Its open leases are revoked first; if one cannot be revoked, the secret is kept. "
                       "With --force, no lease is revoked and the secret is deleted anyway."));
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The secret."));
    p.addOption(envOption(QStringLiteral("Its environment (needed when the name exists in several).")));
    p.addOption({ QStringLiteral("force"),
        QStringLiteral("Delete without revoking its open leases: their tokens stay valid until they expire "
                       "and their cluster objects are left for the sweep.") });
    const int parsed = parseCommand(
        ctx, p, QStringLiteral("hanzo-kmsctl secret delete NAME [--env ENV] [--force]"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    int code = Failed;
    const std::optional<DynamicSecret> s = findSecretArgument(ctx, p, &code);
    if (!s)
        return code;
    Database *db = ctx.database();
    const QString env = environmentName(*db, s->environmentId);
    Engine engine(*db, ctx.vault());
    SecretCatalog catalog(*db, ctx.vault(), &engine.connections(), &engine.leases());
    const SecretRemoval removal = QCoro::waitFor(catalog.remove(s->id, p.isSet(QStringLiteral("force"))));
    for (const SecretLeaseReport &lease : removal.leases) {
        if (removal.failure != SecretRemoval::Failure::LeaseNotRevoked || lease.revoked)
            ctx.out() << lease.message << Qt::endl;
    }
    switch (removal.failure) {
    case SecretRemoval::Failure::None:
        break;
    case SecretRemoval::Failure::LeaseNotRevoked:
        return ctx.fail(removal.error
            + QStringLiteral(
                " Try again when the cluster can be reached, or pass --force to delete it anyway."));
    case SecretRemoval::Failure::Database:
    case SecretRemoval::Failure::Keychain:
        return ctx.fail(removal.error);
    }
    ctx.out() << QStringLiteral("Deleted dynamic secret \"%1\" from %2.").arg(s->name, env) << Qt::endl;
    return Ok;
}

// ---------------------------------------------------------------------------
// "secret edit": the grant flags of secret create, applied to the stored
// secret; only what is given changes. Saved by compare-and-set on the
// version read, validated and audited like create (SecretCatalog::save).

const QStringList DynamicOnlyEditFlags = { QStringLiteral("namespaces"), QStringLiteral("namespace-selector"),
    QStringLiteral("role-type"), QStringLiteral("role"), QStringLiteral("roles"),
    QStringLiteral("generated-rules-file"), QStringLiteral("no-generated-rules"),
    QStringLiteral("cluster-wide"), QStringLiteral("no-cluster-wide") };
const QStringList SharedEditFlags = { QStringLiteral("extra-labels"), QStringLiteral("extra-annotations"),
    QStringLiteral("name-template"), QStringLiteral("max-leases"), QStringLiteral("audiences"),
    QStringLiteral("default-ttl"), QStringLiteral("max-ttl") };
// How to reach the cluster: the connection flags of secret create.
const QStringList ConnectionEditFlags
    = { QStringLiteral("auth"), QStringLiteral("gateway"), QStringLiteral("url"), QStringLiteral("ca-file"),
          QStringLiteral("insecure-skip-tls-verify"), QStringLiteral("no-insecure-skip-tls-verify"),
          QStringLiteral("token-file"), QStringLiteral("token-stdin") };

void addConnectionEditOptions(QCommandLineParser &p)
{
    p.addOption({ QStringLiteral("auth"),
        QStringLiteral("Authentication: token (the cluster token's own rights) or gateway (the gateway's "
                       "service account)."),
        QStringLiteral("METHOD") });
    p.addOption({ QStringLiteral("gateway"),
        QStringLiteral("A registered gateway: required with --auth gateway; with --auth token it relays the "
                       "calls with the cluster token. An empty value: reach the API server directly."),
        QStringLiteral("GW") });
    p.addOption({ QStringLiteral("url"),
        QStringLiteral("Token auth without a gateway: Kubernetes API server URL (https://...)."),
        QStringLiteral("URL") });
    p.addOption({ QStringLiteral("ca-file"),
        QStringLiteral("Token auth without a gateway: PEM file with the cluster's CA certificate; an empty "
                       "value: the system CAs."),
        QStringLiteral("PEM") });
    p.addOption({ QStringLiteral("insecure-skip-tls-verify"),
        QStringLiteral("Token auth without a gateway: do not verify the API server's certificate.") });
    p.addOption({ QStringLiteral("no-insecure-skip-tls-verify"),
        QStringLiteral("Verify the API server's certificate again.") });
    p.addOption({ QStringLiteral("token-file"),
        QStringLiteral("Token auth: a new cluster token, read from FILE (kept only in the OS keychain)."),
        QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("token-stdin"),
        QStringLiteral("Token auth: read a new cluster token from stdin.") });
}

// The connection edits: method, gateway, URL, CA and TLS verification on s,
// and the new cluster token into *token (only from a file or stdin). A
// connection through a gateway needs no URL or CA: they are dropped unless
// given, which is refused. False after printing a problem with the token
// itself (never the token).
bool readConnectionEdits(CliContext &ctx, const QCommandLineParser &p, DynamicSecret &s,
    std::optional<QByteArray> *token, QStringList &problems)
{
    if (p.isSet(QStringLiteral("auth"))) {
        if (auto method = DynamicSecret::authMethodFromString(p.value(QStringLiteral("auth"))))
            s.authMethod = *method;
        else
            problems << QStringLiteral("--auth: unknown authentication %1; use token or gateway.")
                            .arg(quoted(p.value(QStringLiteral("auth"))));
    }
    if (p.isSet(QStringLiteral("gateway")))
        s.gateway = p.value(QStringLiteral("gateway")).trimmed();
    if (p.isSet(QStringLiteral("insecure-skip-tls-verify"))
        && p.isSet(QStringLiteral("no-insecure-skip-tls-verify")))
        problems << QStringLiteral(
            "--insecure-skip-tls-verify/--no-insecure-skip-tls-verify: give one of them.");
    if (p.isSet(QStringLiteral("token-file")) && p.isSet(QStringLiteral("token-stdin")))
        problems << QStringLiteral("--token-file/--token-stdin: give the cluster token one way, not both.");
    if (!problems.isEmpty())
        return true;

    const bool tokenAuth = s.authMethod == AuthMethod::Token;
    for (const char *flag : { "token-file", "token-stdin" }) {
        if (!tokenAuth && p.isSet(QString::fromLatin1(flag)))
            problems << QStringLiteral("--%1: applies only with --auth token, not with --auth gateway.")
                            .arg(QLatin1String(flag));
    }
    for (const char *flag : { "url", "ca-file", "insecure-skip-tls-verify", "no-insecure-skip-tls-verify" }) {
        if (!p.isSet(QString::fromLatin1(flag)))
            continue;
        if (!tokenAuth)
            problems << QStringLiteral("--%1: applies only with --auth token, not with --auth gateway.")
                            .arg(QLatin1String(flag));
        else if (s.viaGateway())
            problems << QStringLiteral(
                "--%1: not with gateway %2, which reaches the API server itself; give --gateway '' to "
                "reach it directly.")
                            .arg(QLatin1String(flag), quoted(s.gateway));
    }
    if (!problems.isEmpty())
        return true;

    if (s.viaGateway()) {
        s.clusterUrl.clear();
        s.caCertificate.clear();
        s.sslVerify = true;
    }
    if (p.isSet(QStringLiteral("url")))
        s.clusterUrl = p.value(QStringLiteral("url")).trimmed();
    if (p.isSet(QStringLiteral("ca-file"))) {
        if (p.value(QStringLiteral("ca-file")).isEmpty())
            s.caCertificate.clear();
        else
            readCaFile(p, s, problems);
    }
    if (p.isSet(QStringLiteral("insecure-skip-tls-verify")))
        s.sslVerify = false;
    if (p.isSet(QStringLiteral("no-insecure-skip-tls-verify")))
        s.sslVerify = true;
    NewSecret wanted;
    if (!readTokenOption(ctx, p, wanted))
        return false;
    *token = std::move(wanted.token);
    return true;
}

// The roles, the generated role and the cluster-wide binding, from the edit's flags.
void readRoleEdits(const QCommandLineParser &p, DynamicSecret &s, QStringList &problems)
{
    const bool role = p.isSet(QStringLiteral("role"));
    const bool roles = p.isSet(QStringLiteral("roles"));
    const bool generated = p.isSet(QStringLiteral("generated-rules-file"));
    std::optional<RoleType> kind;
    if (p.isSet(QStringLiteral("role-type"))) {
        kind = DynamicSecret::roleTypeFromString(p.value(QStringLiteral("role-type")));
        if (!kind)
            problems << QStringLiteral("--role-type: unknown role type %1; use Role or ClusterRole.")
                            .arg(quoted(p.value(QStringLiteral("role-type"))));
        else if (!role && !generated)
            problems << QStringLiteral(
                "--role-type: give it with --role or --generated-rules-file, the roles whose kind it is.");
    }
    if (role && roles)
        problems << QStringLiteral(
            "--role/--roles: give the roles one way: --role NAME (with --role-type) for one, "
            "--roles K/name,... for several.");
    if (p.isSet(QStringLiteral("cluster-wide")) && p.isSet(QStringLiteral("no-cluster-wide")))
        problems << QStringLiteral("--cluster-wide/--no-cluster-wide: give one of them.");
    if (generated && p.isSet(QStringLiteral("no-generated-rules")))
        problems << QStringLiteral("--generated-rules-file/--no-generated-rules: give one of them.");
    if (!problems.isEmpty())
        return;

    if (role) {
        RoleRef ref;
        ref.kind = kind.value_or(s.roleType);
        ref.name = p.value(QStringLiteral("role")).trimmed();
        s.setBoundRoles({ ref });
    }
    if (roles) {
        // An empty list leaves only the generated role, if there is one.
        QList<RoleRef> list;
        QString error;
        if (!p.value(QStringLiteral("roles")).trimmed().isEmpty())
            list = DynamicSecret::parseRoleList(p.value(QStringLiteral("roles")), &error);
        if (!error.isEmpty())
            problems << QStringLiteral("--roles: ") + error;
        else
            s.setBoundRoles(list);
    }
    if (generated) {
        readGeneratedRules(p, s, problems);
        if (kind)
            s.generatedRoleType = *kind;
    }
    if (p.isSet(QStringLiteral("no-generated-rules")))
        s.generatedRules.clear();
    if (p.isSet(QStringLiteral("cluster-wide")))
        s.clusterWide = true;
    if (p.isSet(QStringLiteral("no-cluster-wide")))
        s.clusterWide = false;
}

int editSecret(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Changes what a dynamic secret's leases grant: only the options given change, and a list given "
        "replaces the stored one (an empty value removes a selector, template, labels, annotations or "
        "audiences). Leases already made keep what they were made with.\n"
        "How to reach the cluster changes with the connection flags of secret create; a new cluster "
        "token is read from a file or stdin, never from the command line, and kept only in the OS "
        "keychain."));
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The dynamic secret to change."));
    p.addOption(envOption(QStringLiteral("Its environment, when the name is in several.")));
    addConnectionEditOptions(p);
    addGrantOptions(p, true);
    p.addOption({ QStringLiteral("no-generated-rules"),
        QStringLiteral("Dynamic: leases no longer get a generated role.") });
    p.addOption({ QStringLiteral("no-cluster-wide"),
        QStringLiteral("Dynamic: bind ClusterRoles in the lease's namespace (RoleBinding) again.") });
    const int parsed = parseCommand(ctx, p,
        QStringLiteral(
            "hanzo-kmsctl secret edit NAME [--env ENV] [--namespaces LIST] [--namespace-selector S] "
            "[--role-type K --role NAME | --roles K/name,...] [options]"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;

    bool anything = false;
    for (const QString &flag : DynamicOnlyEditFlags + SharedEditFlags + ConnectionEditFlags)
        anything = anything || p.isSet(flag);
    if (!anything)
        return ctx.usage(QStringLiteral(
            "Nothing to change: give at least one option, such as --namespaces, --roles, --max-leases or "
            "--url (hanzo-kmsctl secret edit --help lists them)."));

    int code = Ok;
    const std::optional<DynamicSecret> stored = findSecretArgument(ctx, p, &code);
    if (!stored)
        return code;
    DynamicSecret s = *stored;
    QStringList problems;
    std::optional<QByteArray> token;
    if (!readConnectionEdits(ctx, p, s, &token, problems))
        return Usage;
    if (s.credentialType != CredentialType::Dynamic) {
        for (const QString &flag : DynamicOnlyEditFlags) {
            if (p.isSet(flag))
                problems << QStringLiteral("--%1: applies only to dynamic secrets; %2 is static.")
                                .arg(flag, quoted(s.name));
        }
        if (!problems.isEmpty()) {
            if (token)
                token->fill('\0');
            return ctx.usage(problems);
        }
    } else {
        readRoleEdits(p, s, problems);
        if (p.isSet(QStringLiteral("namespaces"))) {
            QString error;
            s.allowedNamespaces
                = DynamicSecret::parseNamespaceList(p.value(QStringLiteral("namespaces")), &error);
            if (!error.isEmpty())
                problems << QStringLiteral("--namespaces: ") + error;
        }
        if (p.isSet(QStringLiteral("namespace-selector")))
            s.namespaceSelector = p.value(QStringLiteral("namespace-selector")).trimmed();
    }
    if (p.isSet(QStringLiteral("name-template")))
        s.nameTemplate = p.value(QStringLiteral("name-template"));
    readSharedGrants(p, s, problems, true);
    if (!problems.isEmpty()) {
        if (token)
            token->fill('\0');
        return ctx.usage(problems);
    }

    Database *db = ctx.database();
    if (!db)
        return Failed;
    const QString environment = environmentName(*db, s.environmentId);
    QStringList changed = SecretCatalog::changedFields(*stored, s);
    if (changed.isEmpty() && !token) {
        ctx.out() << QStringLiteral("Dynamic secret %1 in %2 already says so; nothing was changed.")
                         .arg(quoted(s.name), environment)
                  << Qt::endl;
        return Ok;
    }
    // What the next lease grants, as opposed to how the cluster is reached.
    const DynamicSecret grants = [&] {
        DynamicSecret g = s;
        g.authMethod = stored->authMethod;
        g.gateway = stored->gateway;
        g.clusterUrl = stored->clusterUrl;
        g.caCertificate = stored->caCertificate;
        g.sslVerify = stored->sslVerify;
        return g;
    }();
    const bool grantsChanged = !SecretCatalog::changedFields(*stored, grants).isEmpty();
    if (token)
        changed << QStringLiteral("cluster token");
    Engine engine(*db, ctx.vault());
    SecretCatalog catalog(*db, ctx.vault(), &engine.connections());
    const SecretSaveResult saved
        = QCoro::waitFor(catalog.save(s, token.value_or(QByteArray()), stored->updatedAt));
    if (token)
        token->fill('\0'); // the catalog's copies are gone with its task
    if (saved.failure == SecretSaveResult::Failure::Refused)
        return ctx.fail(saved.error);
    if (!saved.fieldErrors.isEmpty()) {
        QStringList messages;
        for (const FieldError &e : saved.fieldErrors)
            messages << flagFor(e.field) + QStringLiteral(": ") + e.message;
        return ctx.usage(messages);
    }
    if (!saved.ok())
        return ctx.fail(saved.error);
    ctx.out() << (grantsChanged
            ? QStringLiteral("Changed %1 of dynamic secret %2 in %3; leases made from now on get them.")
            : QStringLiteral("Changed %1 of dynamic secret %2 in %3."))
                     .arg(changed.join(QStringLiteral(", ")), quoted(s.name), environment)
              << Qt::endl;
    if (saved.secret->authMethod == AuthMethod::Token && !saved.secret->sslVerify && stored->sslVerify)
        ctx.warn(
            QStringLiteral("TLS verification is off for dynamic secret %1: anyone between you and %2 can "
                           "read its cluster token and every token it issues.")
                .arg(quoted(saved.secret->name), saved.secret->clusterUrl));
    return Ok;
}

// "secret import-vault": a secret from a Vault Kubernetes secrets engine
// role (and its mount's config), every field mapped or reported.
QString vaultFieldFor(const QString &field)
{
    static const QHash<QString, QString> fields = {
        { QStringLiteral("allowedNamespaces"), QStringLiteral("allowed_kubernetes_namespaces") },
        { QStringLiteral("namespaceSelector"), QStringLiteral("allowed_kubernetes_namespace_selector") },
        { QStringLiteral("roleType"), QStringLiteral("kubernetes_role_type") },
        { QStringLiteral("role"), QStringLiteral("kubernetes_role_name") },
        { QStringLiteral("roles"), QStringLiteral("kubernetes_role_name") },
        { QStringLiteral("generatedRules"), QStringLiteral("generated_role_rules") },
        { QStringLiteral("serviceAccount"), QStringLiteral("service_account_name") },
        { QStringLiteral("extraLabels"), QStringLiteral("extra_labels") },
        { QStringLiteral("extraAnnotations"), QStringLiteral("extra_annotations") },
        { QStringLiteral("nameTemplate"), QStringLiteral("name_template") },
        { QStringLiteral("defaultTtl"), QStringLiteral("token_default_ttl") },
        { QStringLiteral("maxTtl"), QStringLiteral("token_max_ttl") },
        { QStringLiteral("audiences"), QStringLiteral("token_default_audiences") },
        { QStringLiteral("clusterUrl"), QStringLiteral("--url (or the config's kubernetes_host)") },
        { QStringLiteral("caCertificate"), QStringLiteral("--ca-file (or the config's kubernetes_ca_cert)") },
    };
    return fields.value(field, flagFor(field));
}

int importVault(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Creates a dynamic secret from a HashiCorp Vault Kubernetes secrets engine role: the JSON of\n"
        "  vault read -format=json kubernetes/roles/ROLE   (--role)\n"
        "  vault read -format=json kubernetes/config       (--config: the cluster URL and CA)\n"
        "Every field is carried over or reported as not imported. Vault never shows its cluster token: "
        "give it with --token-file or --token-stdin (or use --auth gateway)."));
    p.addPositionalArgument(QStringLiteral("NAME"),
        QStringLiteral("Name of the secret: lower case letters, digits and '-', unique in its environment."));
    p.addOption(envOption(QStringLiteral("Environment (Development, Staging, Production or your own).")));
    p.addOption({ QStringLiteral("role"), QStringLiteral("The role's JSON (vault read -format=json)."),
        QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("config"),
        QStringLiteral("The mount's config JSON: kubernetes_host and kubernetes_ca_cert."),
        QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("namespace"),
        QStringLiteral("A role with service_account_name that allows several namespaces: the one namespace "
                       "of the static secret."),
        QStringLiteral("NS") });
    p.addOption({ QStringLiteral("auth"),
        QStringLiteral("Authentication: token (default) or gateway (the gateway's service account)."),
        QStringLiteral("METHOD"), QStringLiteral("token") });
    p.addOption({ QStringLiteral("url"),
        QStringLiteral("Token auth without a gateway: the API server URL, instead of the config's."),
        QStringLiteral("URL") });
    p.addOption({ QStringLiteral("ca-file"),
        QStringLiteral("Token auth without a gateway: the CA's PEM file, instead of the config's."),
        QStringLiteral("PEM") });
    p.addOption({ QStringLiteral("insecure-skip-tls-verify"),
        QStringLiteral("Token auth without a gateway: do not verify the API server's certificate.") });
    p.addOption({ QStringLiteral("token-file"), QStringLiteral("Token auth: file holding the cluster token."),
        QStringLiteral("FILE") });
    p.addOption(
        { QStringLiteral("token-stdin"), QStringLiteral("Token auth: read the cluster token from stdin.") });
    p.addOption({ QStringLiteral("gateway"),
        QStringLiteral("Name of a registered gateway (as secret create)."), QStringLiteral("GW") });
    const int parsed = parseCommand(ctx, p,
        QStringLiteral("hanzo-kmsctl secret import-vault NAME --env ENV --role FILE [--config FILE] "
                       "[--token-file FILE | --token-stdin | --auth gateway --gateway GW]"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;

    QStringList problems;
    if (!p.isSet(QStringLiteral("env")))
        problems << QStringLiteral("--env: the environment is required (e.g. --env Development).");
    const std::optional<AuthMethod> auth
        = DynamicSecret::authMethodFromString(p.value(QStringLiteral("auth")));
    if (!auth)
        problems << QStringLiteral("--auth: unknown authentication \"%1\"; use token or gateway.")
                        .arg(p.value(QStringLiteral("auth")));
    if (auth && *auth == AuthMethod::Gateway) {
        for (const char *flag :
            { "token-file", "token-stdin", "url", "ca-file", "insecure-skip-tls-verify" }) {
            if (p.isSet(QString::fromLatin1(flag)))
                problems << QStringLiteral("--%1: applies only with --auth token.").arg(QLatin1String(flag));
        }
    } else if (p.isSet(QStringLiteral("gateway"))) {
        for (const char *flag : { "url", "ca-file", "insecure-skip-tls-verify" }) {
            if (p.isSet(QString::fromLatin1(flag)))
                problems << QStringLiteral("--%1: not with --gateway, which reaches the API server itself.")
                                .arg(QLatin1String(flag));
        }
    }
    if (p.isSet(QStringLiteral("token-file")) && p.isSet(QStringLiteral("token-stdin")))
        problems << QStringLiteral("--token-file/--token-stdin: give the cluster token one way, not both.");
    if (!p.isSet(QStringLiteral("role")))
        problems << QStringLiteral("--role: the role's JSON file is required (vault read -format=json "
                                   "kubernetes/roles/ROLE > role.json).");
    if (!problems.isEmpty())
        return ctx.usage(problems);

    const auto readJson = [&ctx](const QString &flag, const QString &path) -> std::optional<QByteArray> {
        const BoundedRead file = BoundedRead::fromFile(path, VaultImport::MaxFileBytes);
        if (!file.ok()) {
            ctx.usage(QStringLiteral("--%1: %2; give the output of vault read -format=json.")
                          .arg(flag, file.problem(path)));
            return std::nullopt;
        }
        return file.data;
    };
    const std::optional<QByteArray> roleJson
        = readJson(QStringLiteral("role"), p.value(QStringLiteral("role")));
    if (!roleJson)
        return Usage;
    QString error;
    std::optional<VaultImport> imported
        = VaultImport::fromRole(*roleJson, p.value(QStringLiteral("namespace")).trimmed(), &error);
    if (!imported)
        return ctx.usage(QStringLiteral("--role: ") + error);
    if (p.isSet(QStringLiteral("namespace")) && imported->secret.credentialType != CredentialType::Static)
        return ctx.usage(QStringLiteral(
            "--namespace: applies only to a role with service_account_name; this role's namespaces are "
            "allowed_kubernetes_namespaces."));
    if (p.isSet(QStringLiteral("config"))) {
        const std::optional<QByteArray> configJson
            = readJson(QStringLiteral("config"), p.value(QStringLiteral("config")));
        if (!configJson)
            return Usage;
        if (!imported->applyConfig(*configJson, &error))
            return ctx.usage(QStringLiteral("--config: ") + error);
    }

    NewSecret wanted;
    wanted.secret = imported->secret;
    wanted.environment = p.value(QStringLiteral("env"));
    DynamicSecret &s = wanted.secret;
    s.name = p.positionalArguments().constFirst();
    s.authMethod = *auth;
    s.gateway = p.value(QStringLiteral("gateway"));
    if (p.isSet(QStringLiteral("url")))
        s.clusterUrl = p.value(QStringLiteral("url"));
    if (s.viaGateway()) {
        // The gateway reaches the API server itself.
        s.clusterUrl.clear();
        s.caCertificate.clear();
    }
    s.sslVerify = !p.isSet(QStringLiteral("insecure-skip-tls-verify"));
    readCaFile(p, s, problems);
    if (!problems.isEmpty())
        return ctx.usage(problems);
    if (!readTokenOption(ctx, p, wanted))
        return Usage;
    if (!imported->roleName.isEmpty() && imported->roleName != s.name)
        imported->changed
            << QStringLiteral("name %1 is %2 here.").arg(quoted(imported->roleName), quoted(s.name));
    for (const QString &line : std::as_const(imported->changed))
        ctx.out() << QStringLiteral("Imported with a change: ") << escapeControls(line) << Qt::endl;
    for (const QString &line : std::as_const(imported->notImported))
        ctx.warn(QStringLiteral("not imported: ") + line);
    return saveNewSecret(ctx, wanted, vaultFieldFor,
        QStringLiteral(" from Vault role %1").arg(quoted(p.value(QStringLiteral("role")))));
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
            { QStringLiteral("edit"),
                QStringLiteral("Change what a dynamic secret's leases grant (namespaces, roles, limits)."),
                editSecret },
            { QStringLiteral("import-vault"),
                QStringLiteral("Create a dynamic secret from a Vault Kubernetes secrets engine role (JSON)."),
                importVault },
            { QStringLiteral("list"), QStringLiteral("List dynamic secrets."), list },
            { QStringLiteral("show"), QStringLiteral("Show a dynamic secret (never its token)."), show },
            { QStringLiteral("set-token"), QStringLiteral("Store your own cluster token for a secret."),
                setToken },
            { QStringLiteral("delete"), QStringLiteral("Delete a dynamic secret and its cluster token."),
                remove },
            secretCheckCommand(),
        } };
}

} // namespace kms::cli
