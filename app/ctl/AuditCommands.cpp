#include "AuditCommands.h"

#include "store/AuditLog.h"

#include <QJsonArray>
#include <QJsonObject>

namespace kms::cli {

namespace {

QString isoOrEmpty(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

int audit(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Shows the audit log (oldest first): who created, revoked or cleaned up what, and when.\n"
        "With --verify, checks the SHA-256 chain that links every event to the one before it and "
        "exits 1 if any event was changed, removed or inserted."));
    p.addOption(
        { QStringLiteral("verify"), QStringLiteral("Check the hash chain instead of listing events.") });
    p.addOption({ QStringLiteral("secret"), QStringLiteral("Only events about this secret."),
        QStringLiteral("NAME") });
    p.addOption(
        { QStringLiteral("lease"), QStringLiteral("Only events about this lease."), QStringLiteral("ID") });
    p.addOption({ QStringLiteral("kind"),
        QStringLiteral("Only this kind (e.g. lease.created), or a prefix ending in '.' (e.g. lease.)."),
        QStringLiteral("KIND") });
    p.addOption(
        { QStringLiteral("limit"), QStringLiteral("Only the newest N events."), QStringLiteral("N") });
    addOutputOption(p);
    // args[0] is "audit" itself: this group's only command.
    const int parsed = parseCommand(
        ctx, p, QStringLiteral("hanzo-kmsctl audit [--verify] [filters] [-o json]"), args, 0, 0);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    AuditFilter filter;
    filter.secretName = p.value(QStringLiteral("secret"));
    filter.leaseId = p.value(QStringLiteral("lease"));
    filter.kind = p.value(QStringLiteral("kind"));
    if (p.isSet(QStringLiteral("limit"))) {
        bool ok = false;
        filter.limit = p.value(QStringLiteral("limit")).toInt(&ok);
        if (!ok || filter.limit <= 0)
            return ctx.usage(QStringLiteral("--limit: \"%1\" is not a positive number.")
                                 .arg(p.value(QStringLiteral("limit"))));
    }
    if (p.isSet(QStringLiteral("verify"))
        && (p.isSet(QStringLiteral("secret")) || p.isSet(QStringLiteral("lease"))
            || p.isSet(QStringLiteral("kind")) || p.isSet(QStringLiteral("limit")))) {
        return ctx.usage(
            QStringLiteral("--verify: checks the whole log; it cannot be combined with --secret, "
                           "--lease, --kind or --limit."));
    }

    Database *db = ctx.database();
    if (!db)
        return Failed;
    AuditLog log(*db);

    if (p.isSet(QStringLiteral("verify"))) {
        const AuditVerification v = log.verify();
        if (*format == OutputFormat::Json) {
            QJsonObject o { { QStringLiteral("intact"), v.intact() },
                { QStringLiteral("events"), v.eventCount } };
            if (v.firstBrokenSeq)
                o.insert(QStringLiteral("firstBrokenSeq"), *v.firstBrokenSeq);
            if (!v.reason.isEmpty())
                o.insert(QStringLiteral("reason"), v.reason);
            ctx.printJson(o);
        }
        if (v.intact()) {
            if (*format == OutputFormat::Table)
                ctx.out() << QStringLiteral("Audit log intact: %1 event(s) verified.").arg(v.eventCount)
                          << Qt::endl;
            return Ok;
        }
        if (v.firstBrokenSeq) {
            return ctx.fail(
                QStringLiteral("Audit log broken at event %1: %2 Events before it are intact; keep a "
                               "copy of %3 for investigation.")
                    .arg(*v.firstBrokenSeq)
                    .arg(v.reason, db->filePath()));
        }
        return ctx.fail(QStringLiteral("Cannot verify the audit log: %1").arg(v.reason));
    }

    const QList<AuditEvent> events = log.list(filter);
    if (*format == OutputFormat::Json) {
        QJsonArray array;
        for (const AuditEvent &e : events)
            array.append(e.toJson());
        ctx.printJson(array);
        return Ok;
    }
    QList<QStringList> rows;
    for (const AuditEvent &e : events) {
        rows << QStringList { QString::number(e.seq), isoOrEmpty(e.at), e.actor, e.kind, e.secretName,
            e.leaseId, e.namespaceName, e.serviceAccount, e.jti, isoOrEmpty(e.expiresAt), e.detail };
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
    return { QStringLiteral("audit"), QStringLiteral("Show or verify the hash-chained audit log."),
        { { QString(), QStringLiteral("Show or verify the audit log."), audit } } };
}

} // namespace kms::cli
