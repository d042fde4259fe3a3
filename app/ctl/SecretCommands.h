#pragma once

#include "CliContext.h"

#include "core/DynamicSecret.h"

#include <optional>

namespace kms::cli {

// hanzo-kmsctl secret create|import-kubeconfig|import-vault|list|show|delete|check
CommandGroup secretCommands();
// "secret check" (SecretCheckCommand.cpp): the preflight.
Command secretCheckCommand();

// Finds NAME, in --env if given, else in whichever environment has it (once).
// Prints the error and returns nullopt when not found or ambiguous; *code says which.
std::optional<DynamicSecret> findSecret(
    CliContext &ctx, Database &db, const QString &name, const QString &envName, int *code);
QString environmentName(Database &db, qint64 id);
// The secret a command names in its first argument (and --env), in the
// profile's database. Prints the error and returns nullopt; *code says which.
std::optional<DynamicSecret> findSecretArgument(CliContext &ctx, const QCommandLineParser &parser, int *code);

} // namespace kms::cli
