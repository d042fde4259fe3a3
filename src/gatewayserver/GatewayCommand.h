#pragma once

#include <QStringList>

namespace kms {

// hanzo-kms-gateway's command line: serving (the default) and `certs`.
// Needs a QCoreApplication; returns the exit code (0 ok, 1 failure, 2 bad usage).
class GatewayCommand {
public:
    static int run(const QStringList &arguments);
    static QString usage();
    static QString certsUsage();

    // "0.0.0.0:8443", "[::]:8443", "127.0.0.1:0"; false when unusable.
    static bool parseListen(const QString &text, QString *host, quint16 *port);
};

} // namespace kms
