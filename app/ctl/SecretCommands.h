#pragma once

#include "CliContext.h"

#include "core/DynamicSecret.h"

#include <optional>

namespace kms::cli {

// hanzo-kmsctl secret create|import-kubeconfig|list|show|delete|check
CommandGroup secretCommands();
// "secret check" (SecretCheckCommand.cpp): the preflight.
Command secretCheckCommand();

// Finds NAME, in --env if given, else in whichever environment has it (once).
// Prints the error and returns nullopt when not found or ambiguous; *code says which.
std::optional<DynamicSecret> findSecret(CliContext &ctx, Database &db, const QString &name, const QString &envName, int *code);
QString environmentName(Database &db, qint64 id);

} // namespace kms::cli
