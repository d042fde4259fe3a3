#include "gatewayserver/GatewayReaper.h"

#include "core/Clock.h"
#include "provider/LeaseLabels.h"

#include <QJsonArray>
#include <QLoggingCategory>

#include <vector>

namespace kms {

namespace {
Q_LOGGING_CATEGORY(lcReaper, "kms.gateway.reaper")

const QString Rbac = QStringLiteral("rbac.authorization.k8s.io");

QString describe(const QString &kind, const QString &ns, const QString &name)
{
    return ns.isEmpty() ? QStringLiteral("%1 %2").arg(kind, name)
                        : QStringLiteral("%1 %2/%3").arg(kind, ns, name);
}

QString objectPath(const QString &kind, const QString &ns, const QString &name)
{
    if (kind == QLatin1String("ServiceAccount"))
        return corePath(ns, QStringLiteral("serviceaccounts"), name);
    if (kind == QLatin1String("Secret"))
        return corePath(ns, QStringLiteral("secrets"), name);
    if (kind == QLatin1String("RoleBinding"))
        return groupPath(Rbac, QStringLiteral("v1"), ns, QStringLiteral("rolebindings"), name);
    return groupPath(Rbac, QStringLiteral("v1"), {}, QStringLiteral("clusterrolebindings"), name);
}

} // namespace

GatewayReaper::GatewayReaper(KubeClient &client, const Clock &clock)
    : m_client(client)
    , m_clock(clock)
{
}

QCoro::Task<> GatewayReaper::collect(
    QString kind, QString listPath, QDateTime now, std::vector<Found> *expired, Outcome *outcome)
{
    QString continueToken;
    do {
        QString path = listPath + QLatin1Char('?') + LeaseLabels::managedSelectorQuery()
            + QStringLiteral("&limit=500");
        if (!continueToken.isEmpty())
            path
                += QStringLiteral("&continue=") + QString::fromLatin1(QUrl::toPercentEncoding(continueToken));
        const KubeResult result = co_await m_client.get(path);
        if (!result.ok()) {
            outcome->errors
                << QStringLiteral("Listing %1 objects failed: %2").arg(kind, result.error->toString());
            co_return;
        }
        for (const QJsonValue &item : result.body.value(QLatin1String("items")).toArray()) {
            const QJsonObject object = item.toObject();
            // The API server applied the selector; check again, it costs nothing.
            if (!LeaseLabels::isManaged(object))
                continue;
            ++outcome->examined;
            const QDateTime expiresAt = LeaseLabels::expiresAtOf(object);
            if (!expiresAt.isValid() || expiresAt > now)
                continue;
            const QJsonObject meta = object.value(QLatin1String("metadata")).toObject();
            Found found;
            found.kind = kind;
            found.namespaceName = meta.value(QLatin1String("namespace")).toString();
            found.name = meta.value(QLatin1String("name")).toString();
            if (found.name.isEmpty())
                continue;
            found.path = objectPath(kind, found.namespaceName, found.name);
            expired->push_back(found);
        }
        continueToken = result.body.value(QLatin1String("metadata"))
                            .toObject()
                            .value(QLatin1String("continue"))
                            .toString();
    } while (!continueToken.isEmpty());
}

QCoro::Task<> GatewayReaper::remove(Found object, Outcome *outcome)
{
    const QString what = describe(object.kind, object.namespaceName, object.name);
    const KubeResult result = co_await m_client.remove(object.path);
    if (result.ok() || result.error->isNotFound()) {
        outcome->deleted << what;
        qCInfo(lcReaper).noquote() << "reaper: deleted expired" << what;
        co_return;
    }
    const QString error
        = QStringLiteral("Deleting expired %1 failed: %2").arg(what, result.error->toString());
    outcome->errors << error;
    qCWarning(lcReaper).noquote() << "reaper:" << error;
}

QCoro::Task<GatewayReaper::Outcome> GatewayReaper::reapOnce()
{
    Outcome outcome;
    const QDateTime now = m_clock.now();
    std::vector<Found> bindings, rest;
    co_await collect(QStringLiteral("ClusterRoleBinding"),
        groupPath(Rbac, QStringLiteral("v1"), {}, QStringLiteral("clusterrolebindings")), now, &bindings,
        &outcome);
    // Every namespace at once, or only the ones given (so that the gateway's
    // RBAC can grant listing Secrets per namespace instead of cluster-wide).
    const QStringList scopes = m_namespaces.isEmpty() ? QStringList { QString() } : m_namespaces;
    for (const QString &ns : scopes) {
        // Paths in locals: GCC 12 mishandles temporaries of a ?: inside a co_await.
        const QString roleBindings = ns.isEmpty()
            ? QStringLiteral("/apis/rbac.authorization.k8s.io/v1/rolebindings")
            : groupPath(Rbac, QStringLiteral("v1"), ns, QStringLiteral("rolebindings"));
        const QString accounts = ns.isEmpty() ? QStringLiteral("/api/v1/serviceaccounts")
                                              : corePath(ns, QStringLiteral("serviceaccounts"));
        const QString secrets
            = ns.isEmpty() ? QStringLiteral("/api/v1/secrets") : corePath(ns, QStringLiteral("secrets"));
        co_await collect(QStringLiteral("RoleBinding"), roleBindings, now, &bindings, &outcome);
        co_await collect(QStringLiteral("ServiceAccount"), accounts, now, &rest, &outcome);
        co_await collect(QStringLiteral("Secret"), secrets, now, &rest, &outcome);
    }

    // Bindings first, concurrently; then the accounts and Secrets.
    for (auto *group : { &bindings, &rest }) {
        std::vector<QCoro::Task<>> pending;
        for (const Found &f : *group)
            pending.push_back(remove(f, &outcome));
        for (auto &task : pending)
            co_await task;
    }
    if (!outcome.deleted.isEmpty() || !outcome.errors.isEmpty())
        qCInfo(lcReaper).noquote() << QStringLiteral(
            "reaper: %1 expired objects deleted, %2 errors, %3 labelled "
            "objects examined")
                                          .arg(outcome.deleted.size())
                                          .arg(outcome.errors.size())
                                          .arg(outcome.examined);
    co_return outcome;
}

} // namespace kms
