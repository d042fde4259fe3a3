#pragma once

#include "gatewayserver/GatewayOptions.h"

#include <QCommandLineParser>
#include <QProcessEnvironment>
#include <QStringList>

#include <optional>

namespace kms::gatewaycli {

// hanzo-kms-gateway's exit codes.
enum ExitCode { Ok = 0, Failed = 1, Usage = 2 };

// "hanzo-kms-gateway: <message>" on stderr; returns Usage.
int usageError(const QString &message);

// -h, --help.
QCommandLineOption helpOption();

// Adds options to parser and parses arguments (the first is the program or
// command name) in the gateway's conventions: --name VALUE or --name=VALUE,
// no positional arguments. False with *error set to one sentence, ending
// with "See: <helpCommand> --help", on bad usage.
bool parseArguments(QCommandLineParser &parser, const QList<QCommandLineOption> &options,
    const QStringList &arguments, const QString &helpCommand, QString *error);

// Help text: Qt's option list under our own usage lines, then the epilogue.
QString helpText(const QCommandLineParser &parser, const QString &usageLines, const QString &epilogue);

// Reads the serving flags (arguments: the whole command line, program name
// first) into options, starting from what a pod gets (env). Returns the
// options, or nullopt with *exitCode set after printing --help or --version
// (Ok) or a one-sentence usage error (Usage).
std::optional<GatewayOptions> parseGatewayOptions(
    const QStringList &arguments, const QProcessEnvironment &env, int *exitCode);

} // namespace kms::gatewaycli
