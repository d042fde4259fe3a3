#include "AuditCommands.h"

#include "core/AuditExport.h"
#include "core/DisplayText.h"
#include "core/Person.h"
#include "store/AuditKeychain.h"
#include "store/AuditLog.h"
#include "store/PeopleRepository.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>

namespace kms::cli {

namespace {

QString isoOrEmpty(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

// Reads at most AuditExport::MaxFileSize + 1 bytes (devices and pipes too):
// nullopt after a usage error naming the file.
std::optional<QByteArray> readBounded(CliContext &ctx, const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ctx.usage(QStringLiteral("--file: cannot read %1 (%2); give an exported audit log.")
                      .arg(path, file.errorString()));
        return std::nullopt;
    }
    // One buffer of limit + 1 bytes (pages are only touched as they fill), read into in place.
    QByteArray data(AuditExport::MaxFileSize + 1, Qt::Uninitialized);
    qint64 filled = 0;
    while (filled < data.size()) {
        const qint64 got = file.read(data.data() + filled, data.size() - filled);
        if (got <= 0)
            break;
        filled += got;
    }
    data.truncate(filled);
    if (data.size() > AuditExport::MaxFileSize) {
        ctx.usage(QStringLiteral("--file: %1 is larger than %2 MiB, more than an audit export can be; "
                                 "give the file hanzo-kmsctl audit export wrote.")
                      .arg(path)
                      .arg(AuditExport::MaxFileSize / (1024 * 1024)));
        return std::nullopt;
    }
    if (file.error() != QFileDevice::NoError) {
        ctx.usage(QStringLiteral("--file: cannot read %1 (%2).").arg(path, file.errorString()));
        return std::nullopt;
    }
    return data;
}

// Prints the verdict as the command's result: 0 intact, 1 broken or unreadable.
int report(CliContext &ctx, OutputFormat format, const AuditVerification &v, const QString &keep)
{
    if (format == OutputFormat::Json) {
        QJsonObject o { { QStringLiteral("intact"), v.intact() }, { QStringLiteral("events"), v.eventCount },
            { QStringLiteral("unsignedEvents"), v.unsignedCount } };
        if (v.firstBrokenSeq)
            o.insert(QStringLiteral("firstBrokenSeq"), *v.firstBrokenSeq);
        if (!v.reason.isEmpty())
            o.insert(QStringLiteral("reason"), v.reason);
        ctx.printJson(o);
    }
    if (v.intact()) {
        if (format == OutputFormat::Table) {
            ctx.out() << QCoreApplication::translate(
                "hanzo-kmsctl", "Audit log intact: %n event(s) verified", nullptr, int(v.eventCount));
            if (v.unsignedCount > 0)
                ctx.out() << QStringLiteral(" (the first %1 written before events were signed: checked by "
                                            "hash only)")
                                 .arg(v.unsignedCount);
            ctx.out() << '.' << Qt::endl;
        }
        return Ok;
    }
    if (v.firstBrokenSeq) {
        return ctx.fail(QStringLiteral("Audit log broken at event %1: %2 Events before it are intact; keep a "
                                       "copy of %3 for investigation.")
                            .arg(*v.firstBrokenSeq)
                            .arg(v.reason, keep));
    }
    return ctx.fail(QStringLiteral("Cannot verify the audit log: %1").arg(v.reason));
}

int exportLog(CliContext &ctx, const QString &path)
{
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const std::optional<AuditExport> data = AuditLog(*db).exportLog();
    if (!data)
        return ctx.fail(QStringLiteral("Cannot export the audit log: %1").arg(db->lastError()));
    const QByteArray json = data->toJson();
    if (path.isEmpty()) {
        ctx.out().flush();
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly) || out.write(json) != json.size() || !out.flush())
            return ctx.fail(
                QStringLiteral("Cannot write the audit export to stdout: %1").arg(out.errorString()));
        return Ok;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit())
        return ctx.fail(QStringLiteral("Cannot write the audit export to %1: %2; choose a writable path with "
                                       "--file.")
                            .arg(path, file.errorString()));
    ctx.err() << QCoreApplication::translate(
        "hanzo-kmsctl", "Exported %n audit event(s) to %1.", nullptr, int(data->events.size()))
                     .arg(path)
              << Qt::endl;
    return Ok;
}

int audit(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Shows the audit log (oldest first): who created, revoked or cleaned up what, and when.\n"
        "With --verify, checks the SHA-256 chain that links every event to the one before it, each "
        "event's Ed25519 signature by its writer, and that the log still reaches the newest event this "
        "profile has written or verified (its anchor in the keychain); exits 1 naming the first bad or "
        "missing event if any event was changed, removed, reordered or inserted, or the log was cut or "
        "emptied.\n"
        "\"audit export\" writes the events, their signatures and the writers' public keys as JSON "
        "(to --file F, or stdout); \"audit --verify --file F\" checks such a file offline."));
    p.addOption({ QStringLiteral("verify"),
        QStringLiteral("Check the chain, signatures and anchor instead of listing events.") });
    p.addOption({ QStringLiteral("file"),
        QStringLiteral("With --verify: an exported log to check offline. With export: where to write it."),
        QStringLiteral("F") });
    p.addOption({ QStringLiteral("secret"), QStringLiteral("Only events about this secret."),
        QStringLiteral("NAME") });
    p.addOption(
        { QStringLiteral("lease"), QStringLiteral("Only events about this lease."), QStringLiteral("ID") });
    p.addOption({ QStringLiteral("kind"),
        QStringLiteral("Only this kind (e.g. lease.created), or a prefix ending in '.' (e.g. lease.)."),
        QStringLiteral("KIND") });
    p.addOption({ QStringLiteral("person"),
        QStringLiteral("Only what this person did: user@host, or a display name set with profile set-name."),
        QStringLiteral("WHO") });
    p.addOption(
        { QStringLiteral("limit"), QStringLiteral("Only the newest N events."), QStringLiteral("N") });
    addOutputOption(p);
    // args[0] is "audit" itself: this group's only command.
    const int parsed = parseCommand(ctx, p,
        QStringLiteral(
            "hanzo-kmsctl audit [--verify [--file F]] [filters] [-o json] | audit export [--file F]"),
        args, 0, 1);
    if (parsed >= 0)
        return parsed;
    const QStringList positional = p.positionalArguments();
    const bool exporting = !positional.isEmpty();
    if (exporting && positional.constFirst() != QLatin1String("export"))
        return ctx.usage(
            QStringLiteral("audit: unknown argument \"%1\"; use \"audit export\" or options only.")
                .arg(positional.constFirst()));
    const bool filtered = p.isSet(QStringLiteral("secret")) || p.isSet(QStringLiteral("lease"))
        || p.isSet(QStringLiteral("kind")) || p.isSet(QStringLiteral("limit"))
        || p.isSet(QStringLiteral("person"));
    if (exporting && (filtered || p.isSet(QStringLiteral("verify"))))
        return ctx.usage(QStringLiteral("audit export: writes the whole log; it cannot be combined with "
                                        "--verify, --secret, --lease, --kind, --person or --limit."));
    if (p.isSet(QStringLiteral("file")) && !exporting && !p.isSet(QStringLiteral("verify")))
        return ctx.usage(QStringLiteral("--file: use it with --verify (a file to check) or export (where to "
                                        "write)."));
    if (exporting)
        return exportLog(ctx, p.value(QStringLiteral("file")));
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    AuditFilter filter;
    filter.secretName = p.value(QStringLiteral("secret"));
    filter.leaseId = p.value(QStringLiteral("lease"));
    filter.kind = p.value(QStringLiteral("kind"));
    filter.person = p.value(QStringLiteral("person"));
    if (p.isSet(QStringLiteral("person")) && filter.person.trimmed().isEmpty())
        return ctx.usage(QStringLiteral("--person: give user@host or a display name."));
    if (p.isSet(QStringLiteral("limit"))) {
        bool ok = false;
        filter.limit = p.value(QStringLiteral("limit")).toInt(&ok);
        if (!ok || filter.limit <= 0)
            return ctx.usage(QStringLiteral("--limit: \"%1\" is not a positive number.")
                                 .arg(p.value(QStringLiteral("limit"))));
    }
    if (p.isSet(QStringLiteral("verify")) && filtered) {
        return ctx.usage(
            QStringLiteral("--verify: checks the whole log; it cannot be combined with --secret, "
                           "--lease, --kind, --person or --limit."));
    }
    if (p.isSet(QStringLiteral("verify")) && p.isSet(QStringLiteral("file"))) {
        // Offline: the file alone, no profile opened.
        const QString path = p.value(QStringLiteral("file"));
        const std::optional<QByteArray> data = readBounded(ctx, path);
        if (!data)
            return Usage;
        QString why;
        const std::optional<AuditExport> file = AuditExport::fromJson(*data, &why);
        if (!file)
            return ctx.usage(QStringLiteral("--file: %1 is not an audit export: %2.").arg(path, why));
        return report(ctx, *format, file->verify(), path);
    }

    Database *db = ctx.database();
    if (!db)
        return Failed;
    AuditLog log(*db);

    if (p.isSet(QStringLiteral("verify")))
        return report(ctx, *format, QCoro::waitFor(ctx.auditKeychain()->verify()), db->location());

    const std::optional<PersonNames> people = PeopleRepository(*db).names();
    if (!people)
        return ctx.fail(db->lastError());
    // A display name (never holding '@') stands for everyone who set it: one person on several computers.
    QStringList actors { filter.person.trimmed() };
    if (!filter.person.isEmpty() && !filter.person.contains(QLatin1Char('@'))) {
        actors = people->actorsNamed(filter.person);
        if (actors.isEmpty())
            return ctx.usage(
                QStringLiteral("--person: nobody in this profile is called %1; give user@host or "
                               "a display name that hanzo-kmsctl profile people lists.")
                    .arg(quoted(filter.person)));
    }
    QList<AuditEvent> events;
    for (const QString &actor : std::as_const(actors)) {
        filter.person = actor;
        events += log.list(filter);
    }
    if (actors.size() > 1) {
        std::sort(events.begin(), events.end(),
            [](const AuditEvent &a, const AuditEvent &b) { return a.seq < b.seq; });
        if (filter.limit > 0 && events.size() > filter.limit)
            events = events.mid(events.size() - filter.limit); // the newest, as one query keeps them
    }
    if (*format == OutputFormat::Json) {
        QJsonArray array;
        for (const AuditEvent &e : events)
            array.append(e.toJson());
        ctx.printJson(array);
        return Ok;
    }
    QList<QStringList> rows;
    for (const AuditEvent &e : events) {
        rows << QStringList { QString::number(e.seq), isoOrEmpty(e.at),
            escapeControls(people->describe(e.actor)), e.kind, e.secretName, e.leaseId, e.namespaceName,
            e.serviceAccount, e.jti, isoOrEmpty(e.expiresAt), e.detail };
    }
    ctx.printTable({ QStringLiteral("SEQ"), QStringLiteral("TIME"), QStringLiteral("ACTOR"),
                       QStringLiteral("EVENT"), QStringLiteral("SECRET"), QStringLiteral("LEASE"),
                       QStringLiteral("NAMESPACE"), QStringLiteral("SERVICE ACCOUNT"), QStringLiteral("JTI"),
                       QStringLiteral("EXPIRES"), QStringLiteral("DETAIL") },
        rows);
    return Ok;
}

} // namespace

CommandGroup auditCommands()
{
    // A group with one unnamed command: "hanzo-kmsctl audit [...]".
    return { QStringLiteral("audit"),
        QStringLiteral("Show, verify or export the signed, hash-chained audit log."),
        { { QString(), QStringLiteral("Show, verify or export the audit log."), audit } } };
}

} // namespace kms::cli
