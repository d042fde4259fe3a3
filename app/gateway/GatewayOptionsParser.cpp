#include "GatewayOptionsParser.h"

#include "core/BuildInfo.h"
#include "core/Duration.h"

#include <QTextStream>

#include <functional>

namespace kms::gatewaycli {

namespace {

const QString Program = QStringLiteral("hanzo-kms-gateway");

// One serving flag: its name, how its value is shown in --help, what it does,
// and how its text goes into the options (the setters check what it means).
struct Flag {
    QString name;
    QString valueName;
    QString description;
    bool required = false;
    std::function<bool(GatewayOptions &, const QString &flag, const QString &text, QString *error)> apply;
};

auto assign(QString GatewayOptions::*member)
{
    return [member](GatewayOptions &o, const QString &, const QString &text, QString *) {
        o.*member = text;
        return true;
    };
}

auto check(bool (GatewayOptions::*setter)(const QString &, const QString &, QString *))
{
    return [setter](GatewayOptions &o, const QString &flag, const QString &text, QString *error) {
        return (o.*setter)(flag, text, error);
    };
}

QString seconds(std::chrono::seconds s)
{
    return Duration::fromSeconds(s.count()).toString();
}

QString seconds(std::chrono::milliseconds ms)
{
    return seconds(std::chrono::duration_cast<std::chrono::seconds>(ms));
}

QList<Flag> flags()
{
    const GatewayOptions d;
    return {
        { QStringLiteral("listen"), QStringLiteral("ADDR:PORT"),
            QStringLiteral("HTTPS address for desktops (default %1).").arg(d.listen.toString()), false,
            check(&GatewayOptions::setListen) },
        { QStringLiteral("tls-cert"), QStringLiteral("FILE"),
            QStringLiteral("The gateway's certificate (PEM; may include the chain). Required."), true,
            assign(&GatewayOptions::tlsCertFile) },
        { QStringLiteral("tls-key"), QStringLiteral("FILE"),
            QStringLiteral("Its private key (PEM, unencrypted EC or RSA). Required."), true,
            assign(&GatewayOptions::tlsKeyFile) },
        { QStringLiteral("client-ca"), QStringLiteral("FILE"),
            QStringLiteral("CA that signs desktop client certificates; clients without one are refused. "
                           "Required."),
            true, assign(&GatewayOptions::clientCaFile) },
        { QStringLiteral("policy"), QStringLiteral("FILE"),
            QStringLiteral("Who may do what (YAML; required): a clients: list of entries with subject "
                           "(certificate CN or \"*\"), namespaces, staticServiceAccounts (ns/name), roles "
                           "({kind, name}), clusterWide, maxTTL and audiences; see "
                           "packaging/gateway/policy.yaml. The first matching entry applies; a client no "
                           "entry matches is refused everything. Required."),
            true, assign(&GatewayOptions::policyFile) },
        { QStringLiteral("health-listen"), QStringLiteral("ADDR:PORT"),
            QStringLiteral("Plain HTTP /healthz and /readyz for probes (default %1; off for none). In a "
                           "pod, 0.0.0.0:8081 lets the kubelet reach it.")
                .arg(d.healthListen->toString()),
            false, check(&GatewayOptions::setHealthListen) },
        { QStringLiteral("max-request-bytes"), QStringLiteral("N"),
            QStringLiteral("Largest request body accepted; a larger one gets 413 before it is read "
                           "(default %1).")
                .arg(d.connection.maxBodyBytes),
            false, check(&GatewayOptions::setMaxRequestBytes) },
        { QStringLiteral("header-timeout"), QStringLiteral("DUR"),
            QStringLiteral("Time for the TLS handshake, and for a request's headers (default %1).")
                .arg(seconds(d.connection.headerTimeout)),
            false, check(&GatewayOptions::setHeaderTimeout) },
        { QStringLiteral("body-timeout"), QStringLiteral("DUR"),
            QStringLiteral("Time for a request's body after its headers (default %1).")
                .arg(seconds(d.connection.bodyTimeout)),
            false, check(&GatewayOptions::setBodyTimeout) },
        { QStringLiteral("idle-timeout"), QStringLiteral("DUR"),
            QStringLiteral("A connection with no request under way is closed after this (default %1).")
                .arg(seconds(d.connection.idleTimeout)),
            false, check(&GatewayOptions::setIdleTimeout) },
        { QStringLiteral("max-connections"), QStringLiteral("N"),
            QStringLiteral("Open client connections in all (default %1).").arg(d.connection.maxConnections),
            false, check(&GatewayOptions::setMaxConnections) },
        { QStringLiteral("max-client-connections"), QStringLiteral("N"),
            QStringLiteral("Open connections per client certificate (default %1).")
                .arg(d.connection.maxConnectionsPerClient),
            false, check(&GatewayOptions::setMaxClientConnections) },
        { QStringLiteral("upstream-timeout"), QStringLiteral("DUR"),
            QStringLiteral("Time limit of each API server call (default %1).")
                .arg(seconds(d.upstreamTimeout)),
            false, check(&GatewayOptions::setUpstreamTimeout) },
        { QStringLiteral("reap-interval"), QStringLiteral("DUR"),
            QStringLiteral("How often to delete expired lease objects (default %1; 0 = never).")
                .arg(seconds(d.reapInterval)),
            false, check(&GatewayOptions::setReapInterval) },
        { QStringLiteral("reap-namespaces"), QStringLiteral("A,B"),
            QStringLiteral("Reap only in these namespaces (default: all; then the gateway may list "
                           "Secrets per namespace instead of cluster-wide)."),
            false, check(&GatewayOptions::addReapNamespaces) },
        { QStringLiteral("kube-url"), QStringLiteral("URL"),
            QStringLiteral("The API server (default: the pod's, below)."), false,
            assign(&GatewayOptions::kubeUrl) },
        { QStringLiteral("kube-ca"), QStringLiteral("FILE"),
            QStringLiteral("The API server's CA (default: the pod's, below)."), false,
            [](GatewayOptions &o, const QString &, const QString &text, QString *) {
                o.kubeCaFile = text;
                o.kubeCaRequired = true;
                return true;
            } },
        { QStringLiteral("kube-token-file"), QStringLiteral("FILE"),
            QStringLiteral("The service account token (default: the pod's, below); read again whenever it "
                           "changes, as projected tokens rotate."),
            false, assign(&GatewayOptions::kubeTokenFile) },
    };
}

const QString UsageLines = QStringLiteral(
    "hanzo-kms-gateway --policy FILE --tls-cert FILE --tls-key FILE --client-ca FILE [options]\n"
    "       hanzo-kms-gateway certs --out DIR --host NAME [--host NAME...] [--client-name NAME] [--days N]\n"
    "       hanzo-kms-gateway --version | --help");

const QString Description = QStringLiteral(
    "Runs inside a Kubernetes cluster and makes the cluster calls of Hanzo KMS desktops with its own pod\n"
    "service account. Desktops connect over mutual TLS; only the calls of Hanzo KMS leases that the policy\n"
    "allows the client are made.\n"
    "Also deletes the objects of expired leases (labelled app.kubernetes.io/managed-by=hanzo-kms) while\n"
    "every desktop is closed.");

// Qt wraps option descriptions at 79 columns, so the long defaults are here.
QString epilogue()
{
    const GatewayOptions pod = GatewayOptions::inPod({});
    return QStringLiteral(
        "\nIn a pod, the API server and its credentials default to what Kubernetes gives the pod:\n"
        "  --kube-url         https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT\n"
        "  --kube-ca          %1\n"
        "  --kube-token-file  %2\n"
        "\nCertificates for a quick start:\n"
        "  certs --out DIR --host NAME...  writes ca.crt/ca.key, server.crt/server.key (for the hosts "
        "given)\n"
        "                                  and client.crt/client.key into DIR; see certs --help\n"
        "\nExit status: 0 on a clean stop (SIGTERM), 1 when it cannot start, 2 on bad usage.\n")
        .arg(pod.kubeCaFile, pod.kubeTokenFile);
}

} // namespace

QCommandLineOption helpOption()
{
    return QCommandLineOption(
        { QStringLiteral("h"), QStringLiteral("help") }, QStringLiteral("Print this help and exit."));
}

int usageError(const QString &message)
{
    QTextStream(stderr) << Program << ": " << message << Qt::endl;
    return Usage;
}

bool parseArguments(QCommandLineParser &parser, const QList<QCommandLineOption> &options,
    const QStringList &arguments, const QString &helpCommand, QString *error)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    for (const QCommandLineOption &option : options)
        parser.addOption(option);
    const QString see = QStringLiteral(" See: %1 --help").arg(helpCommand);
    if (!parser.parse(arguments)) {
        // How an option was typed: "--frob" for "--frob=x", "-x" for "-x".
        const auto typed = [](const QString &argument) { return argument.section(QLatin1Char('='), 0, 0); };
        const auto bare = [&](const QString &argument) {
            const QString t = typed(argument);
            return t.mid(t.startsWith(QLatin1String("--")) ? 2 : 1);
        };
        const QStringList unknown = parser.unknownOptionNames();
        if (!unknown.isEmpty()) {
            QString name = QStringLiteral("--") + unknown.constFirst();
            for (const QString &a : arguments.mid(1)) {
                if (a.startsWith(QLatin1Char('-')) && bare(a) == unknown.constFirst()) {
                    name = typed(a);
                    break;
                }
            }
            *error = QStringLiteral("unknown argument \"%1\".").arg(name) + see;
            return false;
        }
        // Qt's other complaints: a flag that takes a value came last without
        // one, or --flag=VALUE for a flag that takes none.
        const QString last = arguments.size() > 1 ? arguments.constLast() : QString();
        if (last.startsWith(QLatin1Char('-')) && !last.contains(QLatin1Char('='))) {
            for (const QCommandLineOption &option : options) {
                if (!option.valueName().isEmpty() && option.names().contains(bare(last))) {
                    *error = QStringLiteral("%1 needs a value.").arg(last) + see;
                    return false;
                }
            }
        }
        *error = parser.errorText() + see;
        return false;
    }
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty()) {
        *error = QStringLiteral("unknown argument \"%1\".").arg(positional.constFirst()) + see;
        return false;
    }
    return true;
}

QString helpText(const QCommandLineParser &parser, const QString &usageLines, const QString &epilogue)
{
    // Qt's help starts with "Usage: <argv[0]> [options]"; ours gives the forms.
    const QString text = parser.helpText();
    return QStringLiteral("Usage: ") + usageLines + QLatin1Char('\n')
        + text.mid(text.indexOf(QLatin1Char('\n'))) + epilogue;
}

std::optional<GatewayOptions> parseGatewayOptions(
    const QStringList &arguments, const QProcessEnvironment &env, int *exitCode)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Description);
    const QList<Flag> table = flags();
    QList<QCommandLineOption> known;
    for (const Flag &f : table)
        known << QCommandLineOption(f.name, f.description, f.valueName);
    const QCommandLineOption version(
        { QStringLiteral("v"), QStringLiteral("version") }, QStringLiteral("Print the version and exit."));
    const QCommandLineOption help = helpOption();
    known << version << help;

    QString error;
    if (!parseArguments(parser, known, arguments, Program, &error)) {
        *exitCode = usageError(error);
        return std::nullopt;
    }
    if (parser.isSet(help)) {
        QTextStream(stdout) << helpText(parser, UsageLines, epilogue()) << Qt::flush;
        *exitCode = Ok;
        return std::nullopt;
    }
    if (parser.isSet(version)) {
        QTextStream(stdout) << BuildInfo::versionLine(Program) << Qt::endl;
        *exitCode = Ok;
        return std::nullopt;
    }

    GatewayOptions options = GatewayOptions::inPod(env);
    for (const Flag &f : table) {
        const QString flag = QStringLiteral("--") + f.name;
        // Every occurrence is checked; the last one counts (or all, for lists).
        for (const QString &text : parser.values(f.name)) {
            if (!f.apply(options, flag, text, &error)) {
                *exitCode = usageError(error);
                return std::nullopt;
            }
        }
    }
    for (const Flag &f : table) {
        if (f.required && parser.value(f.name).isEmpty()) {
            *exitCode = usageError(QStringLiteral("--%1 is required.").arg(f.name));
            return std::nullopt;
        }
    }
    if (options.kubeUrl.isEmpty()) {
        *exitCode = usageError(
            QStringLiteral("no API server: KUBERNETES_SERVICE_HOST/PORT are not set (not in a pod); "
                           "give --kube-url."));
        return std::nullopt;
    }
    return options;
}

} // namespace kms::gatewaycli
