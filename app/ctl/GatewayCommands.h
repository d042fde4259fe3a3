#pragma once

#include "CliContext.h"

namespace kms::cli {

// hanzo-kmsctl gateway add|list|remove
CommandGroup gatewayCommands();

} // namespace kms::cli
