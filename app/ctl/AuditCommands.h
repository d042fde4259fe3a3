#pragma once

#include "CliContext.h"

namespace kms::cli {

// hanzo-kmsctl audit [--verify [--file F]] | audit export [--file F]
CommandGroup auditCommands();

} // namespace kms::cli
