#pragma once

#include "gatewayserver/GatewayOptions.h"

namespace kms {

// Serves with the given options until SIGTERM or SIGINT: reads the TLS
// material and the API server's CA, listens for desktops (and for probes),
// reaps expired lease objects on a timer, and prints one JSON line on stdout
// when ready ({"listen":...,"health":...,"kube":...}). The options are
// expected to be complete (files named, an API server); a file that cannot be
// used is reported naming its flag. Needs a QCoreApplication.
// Returns 0 after a clean stop, 1 when it cannot start (one sentence on stderr).
int runGateway(const GatewayOptions &options);

} // namespace kms
