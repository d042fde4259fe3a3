#pragma once

#include <QStringList>

namespace kms::gatewaycli {

// `hanzo-kms-gateway certs --out DIR --host NAME...`: makes a CA, a server
// and a client certificate for a quick start. arguments start with "certs".
// Returns the exit code (0 written, 1 cannot write, 2 bad usage).
int runCertsCommand(const QStringList &arguments);

} // namespace kms::gatewaycli
