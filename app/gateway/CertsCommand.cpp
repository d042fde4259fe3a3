#include "CertsCommand.h"

#include "GatewayOptionsParser.h"

#include "kube/GatewayCertificates.h"

#include <QCommandLineParser>
#include <QDir>
#include <QTextStream>

namespace kms::gatewaycli {

namespace {

const QString UsageLine = QStringLiteral(
    "hanzo-kms-gateway certs --out DIR --host NAME [--host NAME...] [--client-name NAME] [--days N]");

const QString Description = QStringLiteral(
    "Makes a CA, a server certificate for the gateway and a client certificate for the desktop\n"
    "(ECDSA P-256, signed by the CA) and writes them into DIR, which is created if needed:\n"
    "  ca.crt ca.key server.crt server.key client.crt client.key   (keys mode 0600)\n"
    "Existing files are never overwritten.");

} // namespace

int runCertsCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Description);
    const QCommandLineOption out(
        QStringLiteral("out"), QStringLiteral("Where to write the files."), QStringLiteral("DIR"));
    const QCommandLineOption host(QStringLiteral("host"),
        QStringLiteral("A DNS name or IP address the desktop uses to reach the gateway; repeatable."),
        QStringLiteral("NAME"));
    const QCommandLineOption clientName(QStringLiteral("client-name"),
        QStringLiteral("The client certificate's common name (default hanzo-kms-desktop)."),
        QStringLiteral("NAME"), QStringLiteral("hanzo-kms-desktop"));
    const QCommandLineOption days(QStringLiteral("days"),
        QStringLiteral("Validity in days, 1 to 3650 (default 365)."), QStringLiteral("N"),
        QStringLiteral("365"));
    const QCommandLineOption help = helpOption();

    QString error;
    if (!parseArguments(parser, { out, host, clientName, days, help }, arguments,
            QStringLiteral("hanzo-kms-gateway certs"), &error))
        return usageError(error);
    if (parser.isSet(help)) {
        QTextStream(stdout) << helpText(parser, UsageLine, QString()) << Qt::flush;
        return Ok;
    }
    const QString dir = parser.value(out);
    if (dir.isEmpty())
        return usageError(QStringLiteral("--out is required."));
    const QStringList hosts = parser.values(host);
    if (hosts.isEmpty())
        return usageError(QStringLiteral("at least one --host is required."));
    bool ok = false;
    const int validDays = parser.value(days).toInt(&ok);
    if (!ok)
        return usageError(QStringLiteral("--days needs a number of days."));

    const auto bundle = GatewayCertificates::generate(hosts, parser.value(clientName), validDays, &error);
    if (!bundle)
        return usageError(error);
    if (!GatewayCertificates::write(*bundle, dir, &error)) {
        QTextStream(stderr) << "hanzo-kms-gateway: " << error << Qt::endl;
        return Failed;
    }
    QTextStream(stdout) << "Wrote ca.crt, ca.key, server.crt, server.key, client.crt and client.key to "
                        << QDir(dir).absolutePath() << ".\n"
                        << "Keep ca.key offline; give the gateway server.crt, server.key and ca.crt "
                           "(--client-ca), and the desktop ca.crt, client.crt and client.key.\n"
                        << Qt::flush;
    return Ok;
}

} // namespace kms::gatewaycli
