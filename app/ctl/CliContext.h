#pragma once

#include "core/AuditChain.h"
#include "store/AuditKeychain.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/ProfileLocation.h"

#include <QCommandLineParser>
#include <QJsonValue>
#include <QStringList>
#include <QTextStream>

#include <functional>
#include <memory>

namespace kms::cli {

// hanzo-kmsctl's exit codes (DESIGN.md).
enum ExitCode { Ok = 0, Failed = 1, Usage = 2 };

enum class OutputFormat { Table, Json };

// What every command gets: the profile (data directory, database, keychain),
// stdout/stderr, and helpers for the shared conventions (errors, -o json).
class CliContext {
public:
    explicit CliContext(ProfileLocation location);

    // The database of the profile, opened (and migrated) on first use; null
    // after printing why it could not be opened. Opening also loads this
    // user's audit signing key from the keychain (made on first use); without
    // it, audit events (and so every change) fail with the keychain's reason.
    // SigningKey::Later: the key is loaded by loadSigningKey() when the command
    // is about to write (kubectl's credential plugin: a cache hit writes nothing).
    enum class SigningKey { Load, Later };
    Database *database(SigningKey signingKey = SigningKey::Load);
    // Loads this user's audit signing key (once); false when the keychain
    // refused it (the audit log then says why on the next append).
    QCoro::Task<bool> loadSigningKey();
    const ProfileLocation &location() const { return m_location; }
    CredentialVault &vault() { return m_vault; }
    // The opened profile's audit keychain (anchor, signing key); null before database().
    AuditKeychain *auditKeychain() { return m_audit.get(); }

    // After the command: if it wrote audit events, this profile's anchor
    // moves to the new head (a warning on stderr if the keychain refuses).
    void finish();

    QTextStream &out() { return m_out; }
    QTextStream &err() { return m_err; }

    // "hanzo-kmsctl: <message>" on stderr; returns Failed / Usage. Each
    // message is one line: control characters in it (a name typed with an
    // ESC, a server's message with line breaks) are printed as escapes.
    int fail(const QString &message);
    int usage(const QString &message);
    // One line per problem, each prefixed by the flag it is about.
    int usage(const QStringList &messages);
    // "hanzo-kmsctl: warning: <message>" on stderr, escaped the same way.
    void warn(const QString &message);
    // "hanzo-kmsctl: <message>" on stderr, escaped the same way; no exit code.
    void printError(const QString &message);

    // Writes compact-but-readable JSON and a newline to stdout.
    void printJson(const QJsonValue &value);
    // Left-aligned columns with a header row.
    void printTable(const QStringList &headers, const QList<QStringList> &rows);

private:
    ProfileLocation m_location;
    std::unique_ptr<Database> m_db;
    CredentialVault m_vault;
    std::unique_ptr<AuditKeychain> m_audit;
    bool m_signingKeyLoaded = false;
    std::optional<AuditMark> m_headAtOpen;
    QTextStream m_out;
    QTextStream m_err;
};

// Adds -o/--output and -h/--help; used by every command's parser.
void addOutputOption(QCommandLineParser &parser);
// The chosen format, or nullopt after printing a usage error.
std::optional<OutputFormat> outputFormat(CliContext &ctx, const QCommandLineParser &parser);

// Parses args for one command. Returns -1 to go on, or an exit code (help
// printed: Ok; bad usage: Usage) to return at once.
int parseCommand(CliContext &ctx, QCommandLineParser &parser, const QString &usageLine,
    const QStringList &args, int minPositional, int maxPositional);

// One sub-command of a group, e.g. "secret create".
struct Command {
    QString name;
    QString summary;
    std::function<int(CliContext &, const QStringList &)> run; // args start with the command's own name
};

// A group of commands, e.g. "secret"; registered in main.cpp's table.
struct CommandGroup {
    QString name;
    QString summary;
    QList<Command> commands;
};

} // namespace kms::cli
