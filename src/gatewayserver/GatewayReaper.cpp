#include "gatewayserver/GatewayReaper.h"

#include "core/Clock.h"
#include "kube/ObjectKinds.h"
#include "provider/LeaseLabels.h"

#include <QJsonArray>
#include <QLoggingCategory>

#include <vector>

namespace kms {

namespace {
Q_LOGGING_CATEGORY(lcReaper, "kms.gateway.reaper")

} // namespace

GatewayReaper::GatewayReaper(KubeClient &client, const Clock &clock)
    : m_client(client)
    , m_clock(clock)
{
}

QCoro::Task<> GatewayReaper::collect(
    QString kind, QString ns, QDateTime now, std::vector<Found> *expired, Outcome *outcome)
{
    const QString listPath = objectPath(kind, ns);
    QString continueToken;
    do {
        QString path = listPath + QLatin1Char('?') + LeaseLabels::managedSelectorQuery()
            + QStringLiteral("&limit=500");
        if (!continueToken.isEmpty())
            path
                += QStringLiteral("&continue=") + QString::fromLatin1(QUrl::toPercentEncoding(continueToken));
        const KubeResult result = co_await m_client.get(path);
        const bool roleKind = kind == QLatin1String("Role") || kind == QLatin1String("ClusterRole");
        if (!result.ok() && roleKind && result.error->isForbidden())
            co_return; // an RBAC from before generated roles: there are none to reap
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
            found.uid = meta.value(QLatin1String("uid")).toString();
            if (found.name.isEmpty())
                continue;
            if (found.uid.isEmpty()) {
                // Without a uid the delete could hit another object of that name.
                outcome->errors << QStringLiteral("Expired %1 was listed without a uid, so it is left "
                                                  "alone: the reaper deletes only the object it found.")
                                       .arg(describeObject(kind, found.namespaceName, found.name));
                continue;
            }
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
    const QString what = describeObject(object.kind, object.namespaceName, object.name);
    const KubeResult result = co_await m_client.remove(object.path, object.uid);
    if (!result.ok() && result.error->isConflict()) {
        // The uid precondition failed: the name belongs to another object now.
        outcome->replaced << what;
        qCInfo(lcReaper).noquote() << "reaper: left" << what
                                   << "alone: it was replaced by another object since it was listed";
        co_return;
    }
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
    co_await collect(QStringLiteral("ClusterRoleBinding"), QString(), now, &bindings, &outcome);
    // Every namespace at once (an empty namespace lists across all of them), or
    // only the ones given (so that the gateway's RBAC can grant listing Secrets
    // per namespace instead of cluster-wide).
    const QStringList scopes = m_namespaces.isEmpty() ? QStringList { QString() } : m_namespaces;
    for (const QString &ns : scopes) {
        co_await collect(QStringLiteral("RoleBinding"), ns, now, &bindings, &outcome);
        co_await collect(QStringLiteral("ServiceAccount"), ns, now, &rest, &outcome);
        co_await collect(QStringLiteral("Secret"), ns, now, &rest, &outcome);
        co_await collect(QStringLiteral("Role"), ns, now, &rest, &outcome);
    }
    co_await collect(QStringLiteral("ClusterRole"), QString(), now, &rest, &outcome);

    // Bindings first, concurrently; then the accounts and Secrets.
    for (auto *group : { &bindings, &rest }) {
        std::vector<QCoro::Task<>> pending;
        for (const Found &f : *group)
            pending.push_back(remove(f, &outcome));
        for (auto &task : pending)
            co_await task;
    }
    if (!outcome.deleted.isEmpty() || !outcome.errors.isEmpty() || !outcome.replaced.isEmpty())
        qCInfo(lcReaper).noquote() << QStringLiteral(
            "reaper: %1 expired objects deleted, %2 errors, %3 labelled "
            "objects examined, %4 replaced since listed")
                                          .arg(outcome.deleted.size())
                                          .arg(outcome.errors.size())
                                          .arg(outcome.examined)
                                          .arg(outcome.replaced.size());
    co_return outcome;
}

} // namespace kms
