#include "core/Lease.h"

#include <QJsonObject>
#include <QUuid>

namespace kms {

QJsonArray LeaseObject::toJson(const QList<LeaseObject> &objects)
{
    QJsonArray array;
    for (const LeaseObject &o : objects) {
        QJsonObject entry { { QStringLiteral("kind"), o.kind }, { QStringLiteral("name"), o.name } };
        if (!o.namespaceName.isEmpty())
            entry.insert(QStringLiteral("namespace"), o.namespaceName);
        if (!o.uid.isEmpty())
            entry.insert(QStringLiteral("uid"), o.uid);
        if (!o.roleKind.isEmpty()) {
            entry.insert(QStringLiteral("roleKind"), o.roleKind);
            entry.insert(QStringLiteral("roleName"), o.roleName);
        }
        array.append(entry);
    }
    return array;
}

QList<LeaseObject> LeaseObject::fromJson(const QJsonArray &array)
{
    QList<LeaseObject> objects;
    for (const QJsonValue &v : array) {
        const QJsonObject entry = v.toObject();
        LeaseObject o;
        o.kind = entry.value(QLatin1String("kind")).toString();
        o.name = entry.value(QLatin1String("name")).toString();
        o.namespaceName = entry.value(QLatin1String("namespace")).toString();
        o.uid = entry.value(QLatin1String("uid")).toString();
        o.roleKind = entry.value(QLatin1String("roleKind")).toString();
        o.roleName = entry.value(QLatin1String("roleName")).toString();
        if (!o.kind.isEmpty() && !o.name.isEmpty())
            objects.append(o);
    }
    return objects;
}

QString Lease::newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces).toLower();
}

bool Lease::canTransition(LeaseState from, LeaseState to)
{
    using S = LeaseState;
    switch (from) {
    case S::Provisioning:
        return to == S::Active || to == S::Failed || to == S::CleanupFailed;
    case S::Active:
        return to == S::Revoking || to == S::Released || to == S::Expired || to == S::CleanupFailed;
    case S::Revoking:
        return to == S::Revoked || to == S::Expired || to == S::CleanupFailed;
    case S::CleanupFailed:
        return to == S::Revoking || to == S::Revoked || to == S::Expired || to == S::Failed;
    case S::Revoked:
    case S::Released:
    case S::Expired:
    case S::Failed:
        return false;
    }
    return false;
}

bool Lease::isTerminal(LeaseState state)
{
    return state == LeaseState::Revoked || state == LeaseState::Released || state == LeaseState::Expired
        || state == LeaseState::Failed;
}

QString Lease::toString(LeaseState state)
{
    switch (state) {
    case LeaseState::Provisioning:
        return QStringLiteral("provisioning");
    case LeaseState::Active:
        return QStringLiteral("active");
    case LeaseState::Revoking:
        return QStringLiteral("revoking");
    case LeaseState::Revoked:
        return QStringLiteral("revoked");
    case LeaseState::Expired:
        return QStringLiteral("expired");
    case LeaseState::CleanupFailed:
        return QStringLiteral("cleanup_failed");
    case LeaseState::Failed:
        return QStringLiteral("failed");
    case LeaseState::Released:
        return QStringLiteral("released");
    }
    return {};
}

std::optional<LeaseState> Lease::stateFromString(const QString &text)
{
    for (LeaseState s :
        { LeaseState::Provisioning, LeaseState::Active, LeaseState::Revoking, LeaseState::Revoked,
            LeaseState::Expired, LeaseState::CleanupFailed, LeaseState::Failed, LeaseState::Released }) {
        if (text.compare(toString(s), Qt::CaseInsensitive) == 0)
            return s;
    }
    return std::nullopt;
}

QString Lease::displayName(LeaseState state)
{
    switch (state) {
    case LeaseState::Provisioning:
        return QStringLiteral("Provisioning");
    case LeaseState::Active:
        return QStringLiteral("Active");
    case LeaseState::Revoking:
        return QStringLiteral("Revoking");
    case LeaseState::Revoked:
        return QStringLiteral("Revoked");
    case LeaseState::Expired:
        return QStringLiteral("Expired");
    case LeaseState::CleanupFailed:
        return QStringLiteral("Cleanup failed");
    case LeaseState::Failed:
        return QStringLiteral("Failed");
    case LeaseState::Released:
        return QStringLiteral("Released");
    }
    return {};
}

QString Lease::toString(LeaseKind kind)
{
    switch (kind) {
    case LeaseKind::Static:
        return QStringLiteral("static");
    case LeaseKind::BoundStatic:
        return QStringLiteral("bound_static");
    case LeaseKind::Dynamic:
        return QStringLiteral("dynamic");
    }
    return {};
}

std::optional<LeaseKind> Lease::kindFromString(const QString &text)
{
    for (LeaseKind k : { LeaseKind::Static, LeaseKind::BoundStatic, LeaseKind::Dynamic }) {
        if (text == toString(k))
            return k;
    }
    return std::nullopt;
}

} // namespace kms
