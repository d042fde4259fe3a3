// hanzo-kmsctl: a thin dispatcher over the command groups. To add a group,
// write <Group>Commands.{h,cpp} returning a CommandGroup and add it to groups().
#include "AuditCommands.h"
#include "CliContext.h"
#include "GatewayCommands.h"
#include "KubectlCommands.h"
#include "LeaseCommands.h"
#include "ProfileCommands.h"
#include "SecretCommands.h"
#include "core/Translations.h"

#include "core/BuildInfo.h"
#include "core/DisplayText.h"
#include "store/ProfileLocation.h"

#include <QCoreApplication>

using namespace kms::cli;

namespace {

QList<CommandGroup> groups()
{
    return { secretCommands(), leaseCommands(), kubeconfigCommands(), credentialCommand(), gatewayCommands(),
        auditCommands(), reconcileCommand(), profileCommands() };
}

QString overview()
{
    QString text = QStringLiteral(
        "Usage: hanzo-kmsctl [--data-dir DIR] [--database URL] <command> [options]\n\n"
        "Short-lived Kubernetes service account tokens, leased from dynamic secrets and audited.\n\n"
        "Commands:\n");
    for (const CommandGroup &g : groups()) {
        for (const Command &c : g.commands) {
            const QString name = c.name.isEmpty() ? g.name : g.name + QLatin1Char(' ') + c.name;
            text += QStringLiteral("  %1%2\n").arg(name.leftJustified(18), c.summary);
        }
    }
    text += QStringLiteral(
        "\nGlobal options:\n"
        "  --data-dir DIR    Profile directory (default: $HANZO_KMS_DATA_DIR, else the platform's app-data "
        "location).\n"
        "  --database URL    A team profile's PostgreSQL database, postgresql://USER@HOST:PORT/DATABASE\n"
        "                    [?sslmode=verify-full&sslrootcert=CA] (default: $HANZO_KMS_DATABASE_URL, else\n"
        "                    SQLite in the profile directory). Its password, if any, is in the keychain\n"
        "                    (hanzo-kmsctl profile set-password), never in the URL.\n"
        "  --version         Print the version and the libraries in use.\n"
        "  -h, --help        Show this help; \"hanzo-kmsctl <command> --help\" shows a command's options.\n\n"
        "Exit status: 0 success, 1 the operation failed, 2 bad usage or input.\n"
        "Keychain service: $HANZO_KMS_KEYCHAIN_SERVICE (default hanzo-kms).\n");
    return text;
}

QString groupHelp(const CommandGroup &g)
{
    QString text = QStringLiteral("Usage: hanzo-kmsctl %1 <command> [options]\n\n%2\n\nCommands:\n")
                       .arg(g.name, g.summary);
    for (const Command &c : g.commands)
        text += QStringLiteral("  %1%2\n").arg(c.name.leftJustified(10), c.summary);
    text += QStringLiteral("\n\"hanzo-kmsctl %1 <command> --help\" shows a command's options.\n").arg(g.name);
    return text;
}

// Runs the command args name (args[0] is its group).
int runCommand(CliContext &ctx, const QStringList &args)
{
    const QString first = args.constFirst();
    QTextStream out(stdout);
    for (const CommandGroup &g : groups()) {
        if (g.name != first)
            continue;
        // A group with a single unnamed command takes its options directly ("audit --verify").
        if (g.commands.size() == 1 && g.commands.constFirst().name.isEmpty())
            return g.commands.constFirst().run(ctx, args);
        if (args.size() < 2 || args.at(1) == QLatin1String("--help") || args.at(1) == QLatin1String("-h")) {
            if (args.size() < 2) {
                QTextStream(stderr) << groupHelp(g);
                return Usage;
            }
            out << groupHelp(g);
            return Ok;
        }
        for (const Command &c : g.commands) {
            if (c.name == args.at(1))
                return c.run(ctx, args.mid(1));
        }
        QStringList names;
        for (const Command &c : g.commands)
            names << c.name;
        return ctx.usage(QStringLiteral("unknown command \"%1 %2\"; use one of: %3.")
                             .arg(g.name, args.at(1), names.join(QStringLiteral(", "))));
    }
    QStringList names;
    for (const CommandGroup &g : groups())
        names << g.name;
    return ctx.usage(QStringLiteral("unknown command \"%1\"; use one of: %2 (see hanzo-kmsctl --help).")
                         .arg(first, names.join(QStringLiteral(", "))));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    kms::installTranslations();
    QCoreApplication::setApplicationName(QStringLiteral("hanzo-kmsctl"));
    QCoreApplication::setApplicationVersion(kms::BuildInfo::version());

    // Global --data-dir and --database may appear anywhere; take them out before dispatching.
    QStringList args = app.arguments().mid(1);
    QString dataDir;
    QString database;
    const struct {
        const char *flag;
        QString *value;
        const char *example;
    } globals[] = {
        { "--data-dir", &dataDir, "give a directory, e.g. --data-dir ~/kms-profile." },
        { "--database", &database,
            "give a team profile's PostgreSQL URL, e.g. --database "
            "postgresql://alice@db.example.com/kms?sslmode=verify-full." },
    };
    for (qsizetype i = 0; i < args.size();) {
        const QString &a = args.at(i);
        bool taken = false;
        for (const auto &g : globals) {
            const QString flag = QLatin1String(g.flag);
            if (a == flag) {
                if (i + 1 >= args.size() || args.at(i + 1).isEmpty()) {
                    QTextStream(stderr) << "hanzo-kmsctl: " << flag << ": " << g.example << Qt::endl;
                    return Usage;
                }
                *g.value = args.at(i + 1);
                args.remove(i, 2);
                taken = true;
            } else if (a.startsWith(flag + QLatin1Char('='))) {
                *g.value = a.mid(flag.size() + 1);
                if (g.value->isEmpty()) {
                    QTextStream(stderr) << "hanzo-kmsctl: " << flag << ": " << g.example << Qt::endl;
                    return Usage;
                }
                args.removeAt(i);
                taken = true;
            }
            if (taken)
                break;
        }
        if (!taken)
            ++i;
    }

    QTextStream out(stdout);
    if (args.isEmpty()) {
        QTextStream(stderr) << overview();
        return Usage;
    }
    const QString first = args.constFirst();
    if (first == QLatin1String("--version") || first == QLatin1String("version")) {
        out << kms::BuildInfo::versionLine(QStringLiteral("hanzo-kmsctl")) << Qt::endl;
        return Ok;
    }
    if (first == QLatin1String("--help") || first == QLatin1String("-h") || first == QLatin1String("help")) {
        out << overview();
        return Ok;
    }

    QString locationError;
    const std::optional<kms::ProfileLocation> location
        = kms::ProfileLocation::resolve(dataDir, database, &locationError);
    if (!location) {
        QTextStream(stderr) << "hanzo-kmsctl: " << kms::escapeControls(locationError) << Qt::endl;
        return Usage;
    }
    CliContext ctx(*location);
    const int code = runCommand(ctx, args);
    ctx.finish(); // moves this profile's audit anchor past what the command wrote
    return code;
}
