#pragma once

#include "CliContext.h"

namespace kms::cli {

// hanzo-kmsctl audit [--verify]
CommandGroup auditCommands();

} // namespace kms::cli
