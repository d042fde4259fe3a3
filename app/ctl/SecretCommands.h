#pragma once

#include "CliContext.h"

namespace kms::cli {

// hanzo-kmsctl secret create|list|show|delete
CommandGroup secretCommands();

} // namespace kms::cli
