#pragma once

#include "CliContext.h"

namespace kms::cli {

// hanzo-kmsctl lease create|list|revoke|renew
CommandGroup leaseCommands();
// hanzo-kmsctl reconcile
CommandGroup reconcileCommand();

} // namespace kms::cli
