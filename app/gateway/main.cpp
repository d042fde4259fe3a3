// hanzo-kms-gateway: reads its command line (GatewayOptionsParser, or the
// certs command) and serves with the options (gatewayserver's runGateway).
#include "CertsCommand.h"
#include "GatewayOptionsParser.h"

#include "core/BuildInfo.h"
#include "gatewayserver/RunGateway.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("hanzo-kms-gateway"));
    QCoreApplication::setApplicationVersion(kms::BuildInfo::version());
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-warning}warning: %{endif}"
                                      "%{if-critical}error: %{endif}%{message}"));
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.value(1) == QLatin1String("certs"))
        return kms::gatewaycli::runCertsCommand(arguments.mid(1));
    int exitCode = kms::gatewaycli::Ok;
    const std::optional<kms::GatewayOptions> options = kms::gatewaycli::parseGatewayOptions(
        arguments, QProcessEnvironment::systemEnvironment(), &exitCode);
    if (!options)
        return exitCode;
    return kms::runGateway(*options);
}
