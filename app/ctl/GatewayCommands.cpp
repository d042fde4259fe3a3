#include "GatewayCommands.h"

#include "core/BoundedRead.h"
#include "gateway/GatewayRegistry.h"
#include "gateway/GatewayTransport.h"
#include "kube/KubeClient.h"
#include "provider/GatewayPolicyLookup.h"

#include <QNetworkAccessManager>

#include <QJsonArray>
#include <QJsonObject>

namespace kms::cli {

namespace {

// Reads a PEM file named by a flag; the message names the flag. Never echoes the content.
std::optional<QByteArray> readPem(CliContext &ctx, const QString &flag, const QString &path)
{
    BoundedRead read = BoundedRead::fromFile(path, GatewayRecord::MaxPemFileBytes);
    if (!read.ok()) {
        ctx.usage(QStringLiteral("%1: %2; give the PEM file.").arg(flag, read.problem(path)));
        return std::nullopt;
    }
    return std::move(read.data);
}

QJsonObject toJson(const GatewayRecord &g)
{
    const QSslCertificate client(g.clientCertificate);
    return { { QStringLiteral("name"), g.name }, { QStringLiteral("url"), g.url },
        { QStringLiteral("clientCertificateSubject"), client.subjectDisplayName() },
        { QStringLiteral("clientCertificateExpires"), client.expiryDate().toUTC().toString(Qt::ISODate) },
        { QStringLiteral("createdAt"), g.createdAt.toString(Qt::ISODate) } };
}

int add(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Registers a hanzo-kms-gateway: its URL, the CA that signs its certificate, and this "
                       "desktop's client "
                       "certificate and key (from `hanzo-kms-gateway certs` or your own PKI).\n"
                       "The client key is kept only in the OS keychain; the certificates and URL in the "
                       "profile's database."));
    p.addPositionalArgument(
        QStringLiteral("NAME"), QStringLiteral("Name for the gateway: lower case letters, digits and '-'."));
    p.addOption({ QStringLiteral("url"),
        QStringLiteral("The gateway's address, e.g. https://localhost:8443."), QStringLiteral("URL") });
    p.addOption({ QStringLiteral("ca-file"),
        QStringLiteral("PEM file: the CA that signs the gateway's certificate."), QStringLiteral("PEM") });
    p.addOption({ QStringLiteral("client-cert"),
        QStringLiteral("PEM file: this desktop's client certificate."), QStringLiteral("PEM") });
    p.addOption({ QStringLiteral("client-key"),
        QStringLiteral("PEM file: the client certificate's private key (unencrypted EC or RSA)."),
        QStringLiteral("PEM") });
    const int parsed = parseCommand(ctx, p,
        QStringLiteral(
            "hanzo-kmsctl gateway add NAME --url URL --ca-file PEM --client-cert PEM --client-key PEM"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;
    QStringList missing;
    for (const char *flag : { "url", "ca-file", "client-cert", "client-key" }) {
        if (p.value(QLatin1String(flag)).isEmpty())
            missing << QStringLiteral("--%1: required.").arg(QLatin1String(flag));
    }
    if (!missing.isEmpty())
        return ctx.usage(missing);
    const auto ca = readPem(ctx, QStringLiteral("--ca-file"), p.value(QStringLiteral("ca-file")));
    if (!ca)
        return Usage;
    const auto cert = readPem(ctx, QStringLiteral("--client-cert"), p.value(QStringLiteral("client-cert")));
    if (!cert)
        return Usage;
    auto key = readPem(ctx, QStringLiteral("--client-key"), p.value(QStringLiteral("client-key")));
    if (!key)
        return Usage;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    GatewayRecord record;
    record.name = p.positionalArguments().constFirst();
    record.url = p.value(QStringLiteral("url"));
    record.caCertificate = *ca;
    record.clientCertificate = *cert;
    const GatewayRegistry::Result result
        = QCoro::waitFor(GatewayRegistry(*db, ctx.vault()).add(record, *key));
    QString transportError;
    std::shared_ptr<const KubeTransport> transport = result.ok
        ? GatewayTransport::create(record.name, record.url.trimmed(), *ca, *cert, *key, &transportError)
        : nullptr;
    key->fill('\0');
    if (!result.ok)
        return result.usageError ? ctx.usage(result.error) : ctx.fail(result.error);
    ctx.out() << QStringLiteral("Registered gateway \"%1\" (%2); its client key is in the keychain.")
                     .arg(record.name, record.url.trimmed())
              << Qt::endl;
    // What it allows this desktop: its policy entry for this certificate.
    if (transport) {
        QNetworkAccessManager nam;
        KubeClient client(&nam, transport);
        client.setRetryPolicy({ 1 });
        const GatewayPolicyAnswer answer = QCoro::waitFor(GatewayPolicyLookup::fetch(client));
        if (answer.policy)
            ctx.out() << QStringLiteral("Its policy for this desktop: %1.").arg(answer.policy->summary())
                      << Qt::endl;
        else
            ctx.out() << QStringLiteral("Its policy for this desktop is not known yet: %1").arg(answer.error)
                      << Qt::endl;
    }
    return Ok;
}

int list(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Lists registered gateways (never their keys)."));
    addOutputOption(p);
    const int parsed
        = parseCommand(ctx, p, QStringLiteral("hanzo-kmsctl gateway list [-o json]"), args, 0, 0);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    QString error;
    const QList<GatewayRecord> gateways = GatewayRegistry(*db, ctx.vault()).list(&error);
    if (!error.isEmpty())
        return ctx.fail(error);
    if (*format == OutputFormat::Json) {
        QJsonArray array;
        for (const GatewayRecord &g : gateways)
            array.append(toJson(g));
        ctx.printJson(array);
        return Ok;
    }
    QList<QStringList> rows;
    for (const GatewayRecord &g : gateways) {
        const QSslCertificate client(g.clientCertificate);
        rows << QStringList { g.name, g.url, client.subjectDisplayName(),
            client.expiryDate().toUTC().toString(Qt::ISODate) };
    }
    ctx.printTable({ QStringLiteral("NAME"), QStringLiteral("URL"), QStringLiteral("CLIENT CERTIFICATE"),
                       QStringLiteral("EXPIRES") },
        rows);
    return Ok;
}

int remove(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Removes a registered gateway and its client key from the "
                                               "keychain. Refused while dynamic secrets use "
                                               "it."));
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The gateway."));
    const int parsed = parseCommand(ctx, p, QStringLiteral("hanzo-kmsctl gateway remove NAME"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const QString name = p.positionalArguments().constFirst();
    const GatewayRegistry::Result result = QCoro::waitFor(GatewayRegistry(*db, ctx.vault()).remove(name));
    if (!result.ok)
        return result.usageError ? ctx.usage(result.error) : ctx.fail(result.error);
    ctx.out() << QStringLiteral("Removed gateway \"%1\" and its client key.").arg(name) << Qt::endl;
    return Ok;
}

} // namespace

CommandGroup gatewayCommands()
{
    return { QStringLiteral("gateway"),
        QStringLiteral(
            "hanzo-kms-gateways: reach private clusters through an in-cluster gateway (mutual TLS)."),
        {
            { QStringLiteral("add"), QStringLiteral("Register a gateway."), add },
            { QStringLiteral("list"), QStringLiteral("List registered gateways."), list },
            { QStringLiteral("remove"), QStringLiteral("Remove a gateway and its client key."), remove },
        } };
}

} // namespace kms::cli
