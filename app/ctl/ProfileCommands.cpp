#include "ProfileCommands.h"

#include "core/AuditEvent.h"
#include "core/BoundedRead.h"
#include "core/DisplayText.h"
#include "core/Person.h"
#include "gateway/GatewayRegistry.h"
#include "store/AuditLog.h"
#include "store/GatewayRepository.h"
#include "store/PeopleRepository.h"
#include "store/ProfileCopy.h"
#include "store/SecretRepository.h"

#include <QJsonArray>
#include <QJsonObject>

#include <openssl/crypto.h>

#include <algorithm>

namespace kms::cli {

namespace {

// PostgreSQL passwords are short; a file with more is not a password file.
constexpr qint64 MaxPasswordBytes = 1024;

void wipe(QByteArray &secret)
{
    if (!secret.isEmpty())
        OPENSSL_cleanse(secret.data(), std::size_t(secret.size()));
    secret.clear();
}

int show(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Shows where this profile keeps its data: SQLite in the data directory, or a team profile's "
        "PostgreSQL database (--database, HANZO_KMS_DATABASE_URL)."));
    addOutputOption(p);
    const int parsed
        = parseCommand(ctx, p, QStringLiteral("hanzo-kmsctl profile show [-o json]"), args, 0, 0);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const bool team = db->backend() == Database::Backend::PostgreSQL;
    const QString you = AuditEvent::currentActor();
    const std::optional<QString> name = PeopleRepository(*db).nameOf(you);
    if (!name)
        return ctx.fail(db->lastError());
    const QJsonObject o { { QStringLiteral("backend"),
                              team ? QStringLiteral("postgresql") : QStringLiteral("sqlite") },
        { QStringLiteral("database"), team ? ctx.location().database->toString() : db->location() },
        { QStringLiteral("schemaVersion"), db->schemaVersion() },
        { QStringLiteral("keychainService"), ctx.vault().serviceName() }, { QStringLiteral("person"), you },
        { QStringLiteral("displayName"), *name } };
    if (*format == OutputFormat::Json) {
        ctx.printJson(o);
        return Ok;
    }
    ctx.printTable({ QStringLiteral("BACKEND"), QStringLiteral("DATABASE"), QStringLiteral("SCHEMA"),
                       QStringLiteral("KEYCHAIN SERVICE"), QStringLiteral("YOU") },
        { { o.value(QStringLiteral("backend")).toString(),
            escapeControls(o.value(QStringLiteral("database")).toString()),
            QString::number(db->schemaVersion()), ctx.vault().serviceName(),
            escapeControls(Person::describe(you, *name)) } });
    return Ok;
}

int setName(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Sets the name you go by in this profile, shown next to your user@host on the leases you create or "
        "close and on your audit events (a team profile shares it with everyone). The change is itself an "
        "audit event."));
    p.addPositionalArgument(QStringLiteral("NAME"),
        QStringLiteral("Your display name, e.g. \"Alice Doe\": 1 to %1 characters, no control characters, "
                       "no '@'.")
            .arg(Person::MaxDisplayNameLength));
    const int parsed = parseCommand(ctx, p, QStringLiteral("hanzo-kmsctl profile set-name NAME"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    const QString name = p.positionalArguments().constFirst();
    if (const QString problem = Person::displayNameProblem(name); !problem.isEmpty())
        return ctx.usage(QStringLiteral("NAME: the display name %1 %2.").arg(quoted(name), problem));
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const QString you = AuditEvent::currentActor();
    const PeopleRepository::Naming naming = PeopleRepository(*db).setName(you, name);
    const QString kept = Person::normalizedDisplayName(name);
    switch (naming.outcome) {
    case PeopleRepository::Naming::Outcome::Named:
        ctx.out() << escapeControls(you) << " is now called " << quoted(kept) << " in this profile."
                  << Qt::endl;
        return Ok;
    case PeopleRepository::Naming::Outcome::Unchanged:
        ctx.out() << escapeControls(you) << " is already called " << quoted(kept) << " in this profile."
                  << Qt::endl;
        return Ok;
    case PeopleRepository::Naming::Outcome::Conflict:
    case PeopleRepository::Naming::Outcome::Failed:
        break;
    }
    return ctx.fail(naming.error);
}

int listPeople(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Lists the display names people set in this profile (profile set-name), by user@host."));
    addOutputOption(p);
    const int parsed
        = parseCommand(ctx, p, QStringLiteral("hanzo-kmsctl profile people [-o json]"), args, 0, 0);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const std::optional<PersonNames> people = PeopleRepository(*db).names();
    if (!people)
        return ctx.fail(db->lastError());
    QStringList actors = people->byActor().keys();
    std::sort(actors.begin(), actors.end());
    if (*format == OutputFormat::Json) {
        QJsonArray array;
        for (const QString &actor : std::as_const(actors))
            array.append(QJsonObject { { QStringLiteral("person"), actor },
                { QStringLiteral("displayName"), people->nameOf(actor) } });
        ctx.printJson(array);
        return Ok;
    }
    QList<QStringList> rows;
    for (const QString &actor : std::as_const(actors))
        rows << QStringList { escapeControls(actor), escapeControls(people->nameOf(actor)) };
    ctx.printTable({ QStringLiteral("PERSON"), QStringLiteral("DISPLAY NAME") }, rows);
    return Ok;
}

int setPassword(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Stores the team profile's PostgreSQL password in this user's keychain, after checking that the "
        "server accepts it. The URL (--database, HANZO_KMS_DATABASE_URL) never carries it."));
    p.addOption({ QStringLiteral("password-file"), QStringLiteral("Read the password from FILE (one line)."),
        QStringLiteral("FILE") });
    p.addOption(
        { QStringLiteral("password-stdin"), QStringLiteral("Read the password from stdin (one line).") });
    const QString usageLine = QStringLiteral(
        "hanzo-kmsctl --database URL profile set-password (--password-file F | --password-stdin)");
    const int parsed = parseCommand(ctx, p, usageLine, args, 0, 0);
    if (parsed >= 0)
        return parsed;
    const bool fromFile = p.isSet(QStringLiteral("password-file"));
    const bool fromStdin = p.isSet(QStringLiteral("password-stdin"));
    if (fromFile == fromStdin)
        return ctx.usage(
            QStringLiteral("--password-file/--password-stdin: give the password one way (exactly "
                           "one of them)."));
    if (!ctx.location().database)
        return ctx.usage(
            QStringLiteral("profile set-password: this profile keeps its data in SQLite, which has "
                           "no password; name the team database with --database URL or "
                           "HANZO_KMS_DATABASE_URL."));
    const QString flag = fromFile ? QStringLiteral("--password-file") : QStringLiteral("--password-stdin");
    const QString from = fromFile ? p.value(QStringLiteral("password-file")) : QStringLiteral("stdin");
    BoundedRead read
        = fromFile ? BoundedRead::fromFile(from, MaxPasswordBytes) : BoundedRead::fromStdin(MaxPasswordBytes);
    if (!read.ok())
        return ctx.usage(QStringLiteral("%1: %2.").arg(flag, read.problem(from)));
    QByteArray password = std::move(read.data);
    // One line: the line break that ends it is not part of the password.
    if (password.endsWith('\n'))
        password.chop(1);
    if (password.endsWith('\r'))
        password.chop(1);
    bool control = false;
    for (const char c : std::as_const(password))
        control = control || uchar(c) < 0x20 || uchar(c) == 0x7f;
    if (password.isEmpty() || control) {
        wipe(password);
        return ctx.usage(
            QStringLiteral("%1: %2 must hold the password on one line, without control characters.")
                .arg(flag, escapeControls(from)));
    }

    // Checked against the server before it is kept: a wrong password never replaces a right one.
    const PostgresUrl &url = *ctx.location().database;
    {
        Database probe;
        const bool connected = probe.openPostgres(url, password);
        if (!connected) {
            wipe(password);
            return ctx.fail(probe.lastError() + QStringLiteral(" The password was not stored."));
        }
    }
    const VaultResult stored = QCoro::waitFor(ctx.vault().put(url.passwordKey(), password));
    wipe(password);
    if (!stored.ok)
        return ctx.fail(QStringLiteral("The password was not stored: %1").arg(stored.message));
    ctx.out() << "The password of " << escapeControls(url.identity()) << " is in the keychain (service "
              << ctx.vault().serviceName() << ", entry " << escapeControls(url.passwordKey()) << ")."
              << Qt::endl;
    return Ok;
}

// Copies one keychain entry of this person's from the SQLite profile's
// service to the team profile's; false (and why) when it could not.
bool copyEntry(CredentialVault &from, CredentialVault &to, const QString &key, QString *why)
{
    VaultResult got = QCoro::waitFor(from.get(key));
    if (!got.ok) {
        *why
            = got.error == VaultResult::Error::NotFound ? QStringLiteral("not in the keychain") : got.message;
        return false;
    }
    const VaultResult put = QCoro::waitFor(to.put(key, got.value));
    wipe(got.value);
    if (!put.ok)
        *why = put.message;
    return put.ok;
}

int copy(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Copies this SQLite profile (--data-dir) into an empty PostgreSQL database, which then is a team "
        "profile: environments, secrets, gateways, leases and the audit log, ids kept; the audit log is "
        "verified after. Your cluster tokens and gateway client keys are copied to the team profile's "
        "keychain entries; other administrators set their own (secret set-token)."));
    p.addOption({ QStringLiteral("to"),
        QStringLiteral("The team database: postgresql://USER@HOST:PORT/DATABASE[?sslmode=...]."),
        QStringLiteral("URL") });
    const QString usageLine = QStringLiteral("hanzo-kmsctl [--data-dir DIR] profile copy --to URL");
    const int parsed = parseCommand(ctx, p, usageLine, args, 0, 0);
    if (parsed >= 0)
        return parsed;
    if (ctx.location().database)
        return ctx.usage(QStringLiteral("profile copy: it copies a SQLite profile, and %1 names a team "
                                        "profile; give the SQLite profile with --data-dir (or none) and the "
                                        "team database with --to.")
                             .arg(ctx.location().databaseSource));
    if (!p.isSet(QStringLiteral("to")))
        return ctx.usage(QStringLiteral("--to: give the team database's URL, e.g. --to "
                                        "postgresql://alice@db.example.com:5432/kms."));
    QString why;
    const std::optional<PostgresUrl> url = PostgresUrl::parse(p.value(QStringLiteral("to")), &why);
    if (!url)
        return ctx.usage(QStringLiteral("--to: ") + why);

    Database *source = ctx.database();
    if (!source)
        return Failed;
    ProfileLocation teamLocation = ctx.location();
    teamLocation.database = *url;
    teamLocation.databaseSource = QStringLiteral("--to");
    CredentialVault teamVault(teamLocation.keychainService());
    Database target;
    if (!QCoro::waitFor(openProfileDatabase(target, teamVault, teamLocation)))
        return ctx.fail(target.lastError());
    const ProfileCopy::Result copied = ProfileCopy::copy(*source, target);
    if (!copied.ok)
        return ctx.fail(copied.error);

    // This person's keychain entries, under the team profile's service.
    int entries = 0;
    if (teamVault.serviceName() != ctx.vault().serviceName()) {
        QStringList keys;
        for (const DynamicSecret &s : SecretRepository(*source).listAll()) {
            if (s.hasClusterToken())
                keys << s.vaultKey();
        }
        for (const GatewayRecord &g : GatewayRepository(*source).list().value_or(QList<GatewayRecord>()))
            keys << GatewayRegistry::vaultKeyFor(g.name);
        for (const QString &key : std::as_const(keys)) {
            QString problem;
            if (copyEntry(ctx.vault(), teamVault, key, &problem))
                ++entries;
            else
                ctx.warn(QStringLiteral("keychain entry %1 was not copied (%2); set it again in the team "
                                        "profile.")
                             .arg(key, problem));
        }
    }

    const AuditVerification verified = AuditLog(target).verify();
    QStringList counts;
    for (const auto &[table, rows] : copied.rows)
        counts << QStringLiteral("%1 %2").arg(rows).arg(table);
    ctx.out() << "Copied " << escapeControls(source->location()) << " to "
              << escapeControls(target.location()) << ": " << counts.join(QStringLiteral(", ")) << "; "
              << entries << " keychain entries." << Qt::endl;
    if (!verified.intact())
        return ctx.fail(QStringLiteral("The copied audit log does not verify: %1").arg(verified.reason));
    ctx.out() << "The copied audit log verifies (" << verified.eventCount << " events)." << Qt::endl;
    return Ok;
}

} // namespace

CommandGroup profileCommands()
{
    return { QStringLiteral("profile"),
        QStringLiteral("Where this profile keeps its data; a team profile's password; your display name."),
        { { QStringLiteral("show"),
              QStringLiteral("Show the profile's database, schema version and who you are in it."), show },
            { QStringLiteral("set-name"), QStringLiteral("Set the name you go by in this profile."),
                setName },
            { QStringLiteral("people"), QStringLiteral("List the display names people set in this profile."),
                listPeople },
            { QStringLiteral("set-password"),
                QStringLiteral("Store the team database's password in the keychain."), setPassword },
            { QStringLiteral("copy"), QStringLiteral("Copy this SQLite profile into an empty team database."),
                copy } } };
}

} // namespace kms::cli
