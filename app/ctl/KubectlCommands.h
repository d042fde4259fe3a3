#pragma once

#include "CliContext.h"

namespace kms::cli {

// hanzo-kmsctl credential SECRET: kubectl's exec credential plugin.
CommandGroup credentialCommand();
// hanzo-kmsctl kubeconfig add|remove: contexts whose user is that plugin.
CommandGroup kubeconfigCommands();

} // namespace kms::cli
