#pragma once

#include "CliContext.h"

namespace kms::cli {

// hanzo-kmsctl profile show|set-password|copy
CommandGroup profileCommands();

} // namespace kms::cli
