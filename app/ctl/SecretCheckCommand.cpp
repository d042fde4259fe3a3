// hanzo-kmsctl secret check: the preflight ("Test Connection") on the command line.
#include "SecretCommands.h"

#include "leases/Engine.h"
#include "leases/LeaseService.h"

#include <QJsonArray>
#include <QJsonObject>

namespace kms::cli {

namespace {

QString resultWord(PreflightCheck::Result r)
{
    switch (r) {
    case PreflightCheck::Result::Passed:
        return QStringLiteral("ok");
    case PreflightCheck::Result::Missing:
        return QStringLiteral("missing");
    case PreflightCheck::Result::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

int check(CliContext &ctx, const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Asks the cluster, without changing anything, whether the secret's credentials may do what its mode "
        "needs (a SelfSubjectAccessReview per permission), whether the static service account and the role "
        "exist, and prints the RBAC YAML that grants what is missing.\nExit status 1 when something is "
        "missing."));
    p.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The secret."));
    p.addOption({ QStringLiteral("env"),
        QStringLiteral("Its environment (needed when the name exists in several)."), QStringLiteral("ENV") });
    p.addOption(
        { QStringLiteral("rbac"), QStringLiteral("Print only the RBAC YAML for the secret's mode.") });
    addOutputOption(p);
    const int parsed = parseCommand(
        ctx, p, QStringLiteral("hanzo-kmsctl secret check NAME [--env ENV] [--rbac] [-o json]"), args, 1, 1);
    if (parsed >= 0)
        return parsed;
    const std::optional<OutputFormat> format = outputFormat(ctx, p);
    if (!format)
        return Usage;
    int code = Failed;
    const std::optional<DynamicSecret> secret = findSecretArgument(ctx, p, &code);
    if (!secret)
        return code;
    Database *db = ctx.database();

    Engine engine(*db, ctx.vault());
    const PreflightResult result = QCoro::waitFor(engine.leases().preflight(*secret));
    if (p.isSet(QStringLiteral("rbac"))) {
        ctx.out() << QString::fromUtf8(result.rbacYaml);
        ctx.out().flush();
        return Ok;
    }
    if (*format == OutputFormat::Json) {
        QJsonArray checks;
        for (const PreflightCheck &c : result.checks)
            checks.append(QJsonObject { { QStringLiteral("check"), c.description },
                { QStringLiteral("result"), resultWord(c.result) }, { QStringLiteral("detail"), c.detail } });
        QJsonObject o { { QStringLiteral("secret"), secret->name },
            { QStringLiteral("passed"), result.passed() }, { QStringLiteral("checks"), checks },
            { QStringLiteral("rbacYaml"), QString::fromUtf8(result.rbacYaml) } };
        if (!result.connectionError.isEmpty())
            o.insert(QStringLiteral("error"), result.connectionError);
        ctx.printJson(o);
        return result.passed() ? Ok : Failed;
    }
    if (!result.connectionError.isEmpty())
        return ctx.fail(result.connectionError);
    QList<QStringList> rows;
    for (const PreflightCheck &c : result.checks)
        rows << QStringList { resultWord(c.result).toUpper(), c.description, c.detail };
    ctx.printTable({ QStringLiteral("RESULT"), QStringLiteral("CHECK"), QStringLiteral("DETAIL") }, rows);
    if (result.passed()) {
        ctx.out() << QStringLiteral("\nSecret \"%1\" can issue leases.").arg(secret->name) << Qt::endl;
        return Ok;
    }
    ctx.out() << QStringLiteral(
        "\nMissing: %1.\nThis RBAC grants what the secret needs (kubectl apply -f -):\n\n")
                     .arg(result.missing().join(QStringLiteral("; ")));
    ctx.out() << QString::fromUtf8(result.rbacYaml);
    ctx.out().flush();
    return Failed;
}

} // namespace

Command secretCheckCommand()
{
    return { QStringLiteral("check"),
        QStringLiteral("Test the connection and permissions; print the RBAC to add."), check };
}

} // namespace kms::cli
