#include "LeaseCommands.h"

#include "SecretCommands.h"

#include "core/AuditEvent.h"
#include "core/DisplayText.h"
#include "core/Person.h"
#include "kube/Kubeconfig.h"
#include "leases/Engine.h"
#include "leases/KubectlCredentials.h"
#include "leases/LeaseService.h"
#include "store/LeaseRepository.h"
#include "store/PeopleRepository.h"
#include "store/SecretRepository.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QSet>

#include <algorithm>

namespace kms::cli {

namespace {

bool pastExpiry(const Lease &l)
{
    return (l.state == LeaseState::Active || l.state == LeaseState::Provisioning) && l.expiresAt.isValid()
        && l.expiresAt <= QDateTime::currentDateTimeUtc();
}

// The state as a person reads it: an active lease past its expiry is not "active".
QString stateText(const Lease &l)
{
    return pastExpiry(l) ? QStringLiteral("expired, cleanup pending") : Lease::toString(l.state);
}

QJsonObject toJson(const Lease &l, const QString &secretName, const PersonNames &people = {})
{
    QJsonObject o { { QStringLiteral("id"), l.id }, { QStringLiteral("secret"), secretName },
        { QStringLiteral("kind"), Lease::toString(l.kind) },
        { QStringLiteral("state"), Lease::toString(l.state) },
        { QStringLiteral("namespace"), l.namespaceName },
        { QStringLiteral("serviceAccount"), l.serviceAccount },
        { QStringLiteral("createdAt"), l.createdAt.toString(Qt::ISODate) },
        { QStringLiteral("expiresAt"), l.expiresAt.toString(Qt::ISODate) },
        { QStringLiteral("createdBy"), l.createdBy }, { QStringLiteral("jti"), l.tokenJti } };
    // Past its expiry but not yet closed by a cleanup: its token no longer works.
    if (pastExpiry(l))
        o.insert(QStringLiteral("expired"), true);
    if (!l.failureReason.isEmpty())
        o.insert(QStringLiteral("reason"), l.failureReason);
    if (!l.closedBy.isEmpty()) {
        o.insert(QStringLiteral("closedBy"), l.closedBy);
        o.insert(QStringLiteral("closedAt"), l.closedAt.toString(Qt::ISODate));
    }
    // The display names the people set in this profile, when known.
    if (const QString name = people.nameOf(l.createdBy); !name.isEmpty())
        o.insert(QStringLiteral("createdByName"), name);
    if (const QString name = people.nameOf(l.closedBy); !name.isEmpty())
        o.insert(QStringLiteral("closedByName"), name);
    return o;
}

// The one-row table above a newly issued token (lease create, lease renew).
void printIssuedLease(CliContext &ctx, const Lease &lease)
{
    ctx.printTable({ QStringLiteral("LEASE"), QStringLiteral("NAMESPACE"), QStringLiteral("SERVICE ACCOUNT"),
                       QStringLiteral("EXPIRES") },
        { { lease.id, lease.namespaceName, lease.serviceAccount, lease.expiresAt.toString(Qt::ISODate) } });
}

int create(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Issues a short-lived service account token from a dynamic secret (a lease).\n"
        "The token is printed once and never stored. Output: table (lease and token), json, token (the bare "
        "token, for pipelines) or kubeconfig (a kubeconfig for kubectl with the lease's namespace)."));
    p.addPositionalArgument(QStringLiteral("SECRET"), QStringLiteral("The dynamic secret."));
    p.addOption({ QStringLiteral("env"),
        QStringLiteral("The secret's environment (needed when the name exists in several)."),
        QStringLiteral("ENV") });
    p.addOption({ QStringLiteral("ttl"),
        QStringLiteral(
            "Lifetime, at least 10m and at most the secret's max TTL (default: the secret's default TTL)."),
        QStringLiteral("DURATION") });
    p.addOption({ QStringLiteral("namespace"),
        QStringLiteral("Dynamic: one of the secret's allowed namespaces."), QStringLiteral("NS") });
    p.addOption({ QStringLiteral("audiences"),
        QStringLiteral("Token audiences, comma-separated (default: the secret's)."),
        QStringLiteral("LIST") });
    p.addOption(QCommandLineOption({ QStringLiteral("o"), QStringLiteral("output") },
        QStringLiteral("Output: table (default), json, token or kubeconfig."), QStringLiteral("format"),
        QStringLiteral("table")));
    const int parsed = parseCommand(ctx, p,
        QStringLiteral("hanzo-kmsctl lease create SECRET [--ttl 1h] [--namespace NS] [--audiences a,b] [-o "
                       "token|json|kubeconfig]"),
        args, 1, 1);
    if (parsed >= 0)
        return parsed;
    const QString output = p.value(QStringLiteral("output"));
    if (!QStringList { QStringLiteral("table"), QStringLiteral("json"), QStringLiteral("token"),
            QStringLiteral("kubeconfig") }
             .contains(output))
        return ctx.usage(
            QStringLiteral("-o/--output: unknown output format \"%1\"; use table, json, token or kubeconfig.")
                .arg(output));

    LeaseRequest request;
    QStringList problems;
    if (p.isSet(QStringLiteral("ttl"))) {
        QString error;
        request.ttl = Duration::parse(p.value(QStringLiteral("ttl")), &error);
        if (!request.ttl)
            problems << QStringLiteral("--ttl: ") + error;
    }
    request.namespaceName = p.value(QStringLiteral("namespace"));
    if (p.isSet(QStringLiteral("audiences"))) {
        QString error;
        request.audiences = DynamicSecret::parseAudiences(p.value(QStringLiteral("audiences")), &error);
        if (!error.isEmpty())
            problems << QStringLiteral("--audiences: ") + error;
    }
    if (!problems.isEmpty())
        return ctx.usage(problems);

    int code = Failed;
    const std::optional<DynamicSecret> secret = findSecretArgument(ctx, p, &code);
    if (!secret)
        return code;
    Database *db = ctx.database();
    request.secretId = secret->id;
    request.secret = *secret;
    if (output == QLatin1String("kubeconfig") && secret->viaGateway())
        return ctx.usage(QStringLiteral(
            "-o kubeconfig: secret \"%1\" reaches its cluster through gateway \"%2\", so there is no API "
            "server URL to write; use -o token with your own kubeconfig for that cluster.")
                             .arg(secret->name, secret->gateway));
    {
        qint64 ttl = 0;
        QString ns;
        QStringList audiences;
        const FieldErrors errors = LeaseService::validateRequest(*secret, request, &ttl, &ns, &audiences);
        if (!errors.isEmpty()) {
            QStringList messages;
            for (const FieldError &e : errors)
                messages << QStringLiteral("--%1: %2").arg(e.field, e.message);
            return ctx.usage(messages);
        }
    }

    Engine engine(*db, ctx.vault());
    LeaseCreation created = QCoro::waitFor(engine.leases().createLease(request));
    if (!created.ok() && !created.fieldErrors.isEmpty()) {
        QStringList messages;
        for (const FieldError &e : created.fieldErrors)
            messages << QStringLiteral("--%1: %2").arg(e.field, e.message);
        return ctx.usage(messages);
    }
    if (!created.ok())
        return created.unusableSecret ? ctx.usage(created.error) : ctx.fail(created.error);
    QByteArray &token = created.issued->token;
    const Lease &lease = *created.lease;
    for (const QString &warning : created.issued->warnings)
        ctx.printError(QStringLiteral("warning from the cluster: %1").arg(warning));
    if (output == QLatin1String("token")) {
        ctx.out() << QString::fromUtf8(token) << Qt::endl;
    } else if (output == QLatin1String("kubeconfig")) {
        QByteArray caPem = secret->caCertificate.toUtf8();
        ctx.out() << QString::fromUtf8(Kubeconfig::write(QStringLiteral("kms-%1").arg(secret->name),
            secret->clusterUrl, caPem, !secret->sslVerify, token, lease.namespaceName));
        ctx.out().flush();
    } else if (output == QLatin1String("json")) {
        QJsonObject o = toJson(lease, secret->name);
        o.insert(QStringLiteral("token"), QString::fromUtf8(token));
        ctx.printJson(o);
    } else {
        printIssuedLease(ctx, lease);
        ctx.out()
            << QStringLiteral("\nToken (shown once; it is not stored):\n%1\n").arg(QString::fromUtf8(token));
        if (lease.kind == LeaseKind::Static)
            ctx.out() << QStringLiteral("\nThis token cannot be revoked: it stays valid until %1. Use "
                                        "--bound secrets for revocable static tokens.\n")
                             .arg(lease.expiresAt.toString(Qt::ISODate));
        ctx.out().flush();
    }
    token.fill('\0');
    return Ok;
}

int list(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Lists open leases (of one secret, or all); --all adds revoked, released, expired and failed ones."));
    p.addPositionalArgument(
        QStringLiteral("SECRET"), QStringLiteral("Only this secret's leases."), QStringLiteral("[SECRET]"));
    p.addOption({ QStringLiteral("env"),
        QStringLiteral("The secret's environment (needed when the name exists in several)."),
        QStringLiteral("ENV") });
    p.addOption({ QStringLiteral("all"),
        QStringLiteral("Include closed leases (revoked, released, expired, failed).") });
    p.addOption({ QStringLiteral("person"),
        QStringLiteral("Only leases this person created or closed: user@host, or a display name set with "
                       "profile set-name."),
        QStringLiteral("WHO") });
    addOutputOption(p);
    const int parsed = parseCommand(ctx, p,
        QStringLiteral("hanzo-kmsctl lease list [SECRET] [--all] [--person WHO] [-o json]"), args, 0, 1);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const bool all = p.isSet(QStringLiteral("all"));
    const QString person = p.value(QStringLiteral("person")).trimmed();
    if (p.isSet(QStringLiteral("person")) && person.isEmpty())
        return ctx.usage(QStringLiteral("--person: give user@host or a display name."));
    const std::optional<PersonNames> people = PeopleRepository(*db).names();
    if (!people)
        return ctx.fail(db->lastError());
    // user@host as leases record it; a display name stands for everyone who set it
    // (one person on two computers). A display name never holds '@' (Person).
    QStringList actors;
    if (person.contains(QLatin1Char('@'))) {
        actors << person;
    } else if (!person.isEmpty()) {
        actors = people->actorsNamed(person);
        if (actors.isEmpty())
            return ctx.usage(
                QStringLiteral("--person: nobody in this profile is called %1; give user@host or "
                               "a display name that hanzo-kmsctl profile people lists.")
                    .arg(quoted(person)));
    }
    LeaseRepository leases(*db);
    QList<Lease> found;
    if (!p.positionalArguments().isEmpty()) {
        int code = Failed;
        const std::optional<DynamicSecret> secret = findSecret(
            ctx, *db, p.positionalArguments().constFirst(), p.value(QStringLiteral("env")), &code);
        if (!secret)
            return code;
        found = leases.listForSecret(secret->id, all);
        if (!actors.isEmpty()) {
            found.removeIf([&](const Lease &l) {
                return !actors.contains(l.createdBy) && !actors.contains(l.closedBy);
            });
        }
    } else if (actors.size() == 1) {
        found = leases.listByPerson(actors.constFirst(), all);
    } else if (!actors.isEmpty()) {
        QSet<QString> seen;
        for (const QString &actor : std::as_const(actors)) {
            for (const Lease &l : leases.listByPerson(actor, all)) {
                if (!seen.contains(l.id)) {
                    seen.insert(l.id);
                    found << l;
                }
            }
        }
        // Newest first, as one query would list them.
        std::sort(found.begin(), found.end(), [](const Lease &a, const Lease &b) {
            return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id < b.id;
        });
    } else {
        found = leases.listAll(all);
    }
    QHash<qint64, QString> names;
    for (const DynamicSecret &s : SecretRepository(*db).listAll())
        names.insert(s.id, s.name);
    if (*format == OutputFormat::Json) {
        QJsonArray array;
        for (const Lease &l : found)
            array.append(toJson(l, names.value(l.secretId), *people));
        ctx.printJson(array);
        return Ok;
    }
    QList<QStringList> rows;
    for (const Lease &l : found)
        rows << QStringList { l.id, names.value(l.secretId), stateText(l), l.namespaceName, l.serviceAccount,
            l.expiresAt.toString(Qt::ISODate), escapeControls(people->describe(l.createdBy)),
            escapeControls(people->describe(l.closedBy)) };
    ctx.printTable({ QStringLiteral("LEASE"), QStringLiteral("SECRET"), QStringLiteral("STATE"),
                       QStringLiteral("NAMESPACE"), QStringLiteral("SERVICE ACCOUNT"),
                       QStringLiteral("EXPIRES"), QStringLiteral("CREATED BY"), QStringLiteral("CLOSED BY") },
        rows);
    return Ok;
}

int revoke(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Deletes a lease before it expires. Dynamic and bound leases: their service account, binding or "
        "Secret "
        "is deleted, so the token stops working within seconds. Unbound static leases: Kubernetes cannot "
        "revoke "
        "the token; it stays valid until it expires. A lease whose cleanup failed is retried."));
    p.addPositionalArgument(
        QStringLiteral("LEASE_ID"), QStringLiteral("The lease (see hanzo-kmsctl lease list)."));
    const int parsed = parseCommand(ctx, p, QStringLiteral("hanzo-kmsctl lease revoke LEASE_ID"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const QString id = p.positionalArguments().constFirst();
    if (!LeaseRepository(*db).byId(id))
        return ctx.fail(
            QStringLiteral("There is no lease \"%1\" (see hanzo-kmsctl lease list --all).").arg(id));
    Engine engine(*db, ctx.vault());
    const RevokeOutcome outcome = QCoro::waitFor(engine.leases().revoke(id));
    if (!outcome.ok)
        return ctx.fail(outcome.message);
    ctx.out() << outcome.message << Qt::endl;
    return Ok;
}

int renew(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Renews a lease by re-issue. Dynamic and bound leases: a new token for the same service account (and "
        "Secret), and the lease's expiry moved to it, at most to the lease's creation + the secret's max "
        "TTL. "
        "The new token is printed once; the previous one stays valid until its own expiry. Unbound static "
        "leases cannot be extended: renewing issues a new lease. kubectl contexts (hanzo-kmsctl kubeconfig "
        "add) "
        "that use the lease get the new token."));
    p.addPositionalArgument(
        QStringLiteral("LEASE_ID"), QStringLiteral("The lease (see hanzo-kmsctl lease list)."));
    p.addOption({ QStringLiteral("ttl"),
        QStringLiteral("Lifetime of the new token from now (default: the lease's TTL)."),
        QStringLiteral("DURATION") });
    p.addOption(QCommandLineOption({ QStringLiteral("o"), QStringLiteral("output") },
        QStringLiteral("Output: table (default), json or token."), QStringLiteral("format"),
        QStringLiteral("table")));
    const int parsed = parseCommand(
        ctx, p, QStringLiteral("hanzo-kmsctl lease renew LEASE_ID [--ttl 1h] [-o token|json]"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    const QString output = p.value(QStringLiteral("output"));
    if (!QStringList { QStringLiteral("table"), QStringLiteral("json"), QStringLiteral("token") }.contains(
            output))
        return ctx.usage(
            QStringLiteral("-o/--output: unknown output format \"%1\"; use table, json or token.")
                .arg(output));
    std::optional<Duration> ttl;
    if (p.isSet(QStringLiteral("ttl"))) {
        QString error;
        ttl = Duration::parse(p.value(QStringLiteral("ttl")), &error);
        if (!ttl)
            return ctx.usage(QStringLiteral("--ttl: ") + error);
    }
    Database *db = ctx.database();
    if (!db)
        return Failed;
    const QString id = p.positionalArguments().constFirst();
    if (!LeaseRepository(*db).byId(id))
        return ctx.fail(
            QStringLiteral("There is no lease \"%1\" (see hanzo-kmsctl lease list --all).").arg(id));
    Engine engine(*db, ctx.vault());
    RenewOutcome renewed = QCoro::waitFor(engine.leases().renew(id, ttl));
    if (!renewed.ok)
        return renewed.badRequest ? ctx.usage(renewed.message) : ctx.fail(renewed.message);
    const Lease &lease = *renewed.lease;
    QByteArray token = renewed.issued->token;
    for (const QString &warning : renewed.warnings)
        ctx.warn(warning);
    // kubectl's cache gets the new token too, when it holds this lease.
    KubectlCredentials credentials(*db, ctx.vault(), engine.leases());
    bool handedOver = false;
    if (!renewed.newLease)
        handedOver = QCoro::waitFor(credentials.handOver(lease, token, lease.expiresAt));
    QString secretName;
    if (const auto secret = SecretRepository(*db).byId(lease.secretId))
        secretName = secret->name;
    if (output == QLatin1String("token")) {
        ctx.err() << renewed.message << Qt::endl;
        ctx.out() << QString::fromUtf8(token) << Qt::endl;
    } else if (output == QLatin1String("json")) {
        QJsonObject o = toJson(lease, secretName);
        o.insert(QStringLiteral("token"), QString::fromUtf8(token));
        o.insert(QStringLiteral("renewed"), id);
        o.insert(QStringLiteral("newLease"), renewed.newLease);
        o.insert(QStringLiteral("previousJti"), renewed.previousJti);
        o.insert(QStringLiteral("previousExpiresAt"), renewed.previousExpiresAt.toString(Qt::ISODate));
        o.insert(QStringLiteral("kubectlCacheUpdated"), handedOver);
        o.insert(QStringLiteral("message"), renewed.message);
        ctx.printJson(o);
    } else {
        printIssuedLease(ctx, lease);
        ctx.out() << QLatin1Char('\n') << renewed.message << QLatin1Char('\n');
        if (handedOver)
            ctx.out() << QStringLiteral(
                "kubectl contexts that use this lease get the new token from now on.\n");
        ctx.out() << QStringLiteral("\nNew token (shown once; it is not stored):\n%1\n")
                         .arg(QString::fromUtf8(token));
        ctx.out().flush();
    }
    token.fill('\0');
    renewed.issued->token.fill('\0');
    return Ok;
}

int reconcile(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Finishes or rolls back what an interrupted run left (leases stuck provisioning or revoking), cleans "
        "up "
        "expired leases and retries failed cleanups, and deletes expired objects this app labelled on the "
        "clusters (orphans). The desktop app does this at start-up and on a timer."));
    p.addOption({ QStringLiteral("no-sweep"), QStringLiteral("Skip the orphan sweep on the clusters.") });
    addOutputOption(p);
    const int parsed
        = parseCommand(ctx, p, QStringLiteral("hanzo-kmsctl reconcile [--no-sweep] [-o json]"), args, 0, 0);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    Database *db = ctx.database();
    if (!db)
        return Failed;
    Engine engine(*db, ctx.vault());
    const ReconcileReport report
        = QCoro::waitFor(engine.leases().reconcile(!p.isSet(QStringLiteral("no-sweep"))));
    if (*format == OutputFormat::Json) {
        ctx.printJson(QJsonObject { { QStringLiteral("rolledBack"), report.rolledBack },
            { QStringLiteral("cleanedUp"), report.cleanedUp },
            { QStringLiteral("orphansDeleted"), report.orphansDeleted },
            { QStringLiteral("errors"), QJsonArray::fromStringList(report.errors) },
            { QStringLiteral("warnings"), QJsonArray::fromStringList(report.warnings) } });
    } else {
        ctx.out() << QCoreApplication::translate("hanzo-kmsctl", "Rolled back %1, cleaned up %2, deleted %3.")
                         .arg(QCoreApplication::translate(
                                  "hanzo-kmsctl", "%n unfinished lease(s)", nullptr, report.rolledBack),
                             QString::number(report.cleanedUp),
                             QCoreApplication::translate(
                                 "hanzo-kmsctl", "%n orphaned object(s)", nullptr, report.orphansDeleted))
                  << Qt::endl;
        for (const QString &w : report.warnings)
            ctx.warn(w);
        for (const QString &e : report.errors)
            ctx.printError(e);
    }
    return report.ok() ? Ok : Failed;
}

} // namespace

CommandGroup leaseCommands()
{
    return { QStringLiteral("lease"),
        QStringLiteral("Leases: short-lived service account tokens issued from dynamic secrets."),
        {
            { QStringLiteral("create"), QStringLiteral("Issue a token (print it once)."), create },
            { QStringLiteral("list"), QStringLiteral("List leases."), list },
            { QStringLiteral("revoke"),
                QStringLiteral("Delete a lease early (revokes dynamic and bound tokens)."), revoke },
            { QStringLiteral("renew"),
                QStringLiteral("Renew a lease with a new token (the old one stays valid until it expires)."),
                renew },
        } };
}

CommandGroup reconcileCommand()
{
    return {
        QStringLiteral("reconcile"), QStringLiteral("Finish or roll back interrupted work and clean up now."),
        { { QString(), QStringLiteral("Finish or roll back interrupted work and clean up now."), reconcile } }
    };
}

} // namespace kms::cli
