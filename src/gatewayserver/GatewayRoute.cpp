#include "gatewayserver/GatewayRoute.h"

#include "core/Names.h"
#include "provider/LeaseLabels.h"

#include <QStringList>

namespace kms {

namespace {

using Kind = GatewayRoute::Kind;
using Resource = GatewayRoute::Resource;
using Decision = GatewayRoute::Decision;

const QString Rbac = QStringLiteral("rbac.authorization.k8s.io");
const QString Authorization = QStringLiteral("authorization.k8s.io");
const QString Authentication = QStringLiteral("authentication.k8s.io");

Decision refuse(const QString &reason)
{
    Decision d;
    d.reason = reason;
    return d;
}

Decision allow(
    Kind kind, Resource resource = Resource::None, const QString &ns = {}, const QString &name = {})
{
    Decision d;
    d.kind = kind;
    d.resource = resource;
    d.namespaceName = ns;
    d.name = name;
    return d;
}

bool isLabel(const QString &s)
{
    return Names::isDns1123Label(s);
}

bool isSubdomain(const QString &s)
{
    return Names::isDns1123Subdomain(s);
}

// Only these query parameters, per kind of call; anything else is refused so
// that nothing (watch=true, dryRun, fieldSelector ...) changes a call's meaning.
bool onlyKeys(const QUrlQuery &query, const QStringList &allowed, QString *bad)
{
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        Q_UNUSED(value);
        if (!allowed.contains(key)) {
            *bad = key;
            return false;
        }
    }
    return true;
}

Decision checkQuery(Decision decision, const QUrlQuery &query)
{
    QString bad;
    QStringList allowed;
    switch (decision.kind) {
    case Kind::List:
        allowed = { QStringLiteral("labelSelector"), QStringLiteral("limit"), QStringLiteral("continue") };
        break;
    case Kind::Delete:
        allowed = { QStringLiteral("propagationPolicy") };
        break;
    case Kind::Create:
    case Kind::TokenRequest:
        allowed = { QStringLiteral("fieldManager"), QStringLiteral("fieldValidation") };
        break;
    default:
        break;
    }
    if (!onlyKeys(query, allowed, &bad))
        return refuse(QStringLiteral("the query parameter \"%1\" is not allowed on this call").arg(bad));
    // Namespaces carry no lease labels: any selector (the answer is filtered by the policy).
    if (decision.kind == Kind::List && decision.resource != GatewayRoute::Resource::Namespace) {
        const QStringList selectors
            = query.allQueryItemValues(QStringLiteral("labelSelector"), QUrl::FullyDecoded);
        if (selectors.size() != 1 || !GatewayRoute::selectsManaged(selectors.first()))
            return refuse(QStringLiteral("lists must select %1=%2 with labelSelector")
                              .arg(LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue));
    }
    return decision;
}

// A collection or one object of it: GET one, GET list, POST create, DELETE one.
Decision objectCall(const QByteArray &method, Resource resource, const QString &ns, const QString &name)
{
    if (!name.isEmpty()) {
        if (method == "GET")
            return allow(Kind::Read, resource, ns, name);
        if (method == "DELETE")
            return allow(Kind::Delete, resource, ns, name);
    } else {
        if (method == "GET")
            return allow(Kind::List, resource, ns);
        if (method == "POST")
            return allow(Kind::Create, resource, ns);
    }
    return refuse(
        QStringLiteral("the method %1 is not allowed on this path").arg(QString::fromLatin1(method)));
}

Decision route(const QByteArray &method, const QStringList &p)
{
    const int n = p.size();
    // Discovery.
    if (method == "GET") {
        if (p == QStringList { QStringLiteral("version") } || p == QStringList { QStringLiteral("api") }
            || p == QStringList { QStringLiteral("apis") }
            || p == QStringList { QStringLiteral("api"), QStringLiteral("v1") })
            return allow(Kind::Discovery);
        if (n == 3 && p[0] == QLatin1String("apis") && p[2] == QLatin1String("v1")
            && (p[1] == Rbac || p[1] == Authorization || p[1] == Authentication))
            return allow(Kind::Discovery);
    }
    // Namespaces themselves: GET one or the list (names and labels only).
    if (method == "GET" && n == 3 && p[0] == QLatin1String("api") && p[1] == QLatin1String("v1")
        && p[2] == QLatin1String("namespaces"))
        return allow(Kind::List, Resource::Namespace);
    if (method == "GET" && n == 4 && p[0] == QLatin1String("api") && p[1] == QLatin1String("v1")
        && p[2] == QLatin1String("namespaces")) {
        if (!isLabel(p[3]))
            return refuse(QStringLiteral("\"%1\" is not a valid namespace name").arg(p[3]));
        return allow(Kind::Read, Resource::Namespace, {}, p[3]);
    }
    // Core: /api/v1/namespaces/<ns>/{serviceaccounts,secrets}[/<name>[/token]]
    if (n >= 5 && p[0] == QLatin1String("api") && p[1] == QLatin1String("v1")
        && p[2] == QLatin1String("namespaces")) {
        if (!isLabel(p[3]))
            return refuse(QStringLiteral("\"%1\" is not a valid namespace name").arg(p[3]));
        const QString &resource = p[4];
        if (resource != QLatin1String("serviceaccounts") && resource != QLatin1String("secrets"))
            return refuse(QStringLiteral("the gateway does not forward calls on %1").arg(resource));
        if (n >= 6 && !isSubdomain(p[5]))
            return refuse(QStringLiteral("\"%1\" is not a valid object name").arg(p[5]));
        if (n == 7 && resource == QLatin1String("serviceaccounts") && p[6] == QLatin1String("token")) {
            if (method == "POST")
                return allow(Kind::TokenRequest, Resource::ServiceAccount, p[3], p[5]);
            return refuse(QStringLiteral("token requests must be POST"));
        }
        if (n > 6)
            return refuse(
                QStringLiteral("the gateway does not forward calls on subresources other than token"));
        return objectCall(method,
            resource == QLatin1String("secrets") ? Resource::Secret : Resource::ServiceAccount, p[3],
            n == 6 ? p[5] : QString());
    }
    if (n >= 3 && p[0] == QLatin1String("apis") && p[2] == QLatin1String("v1")) {
        const QString &group = p[1];
        if (group == Rbac) {
            // /apis/rbac.authorization.k8s.io/v1/namespaces/<ns>/{rolebindings,roles}[/<name>]
            if (n >= 6 && n <= 7 && p[3] == QLatin1String("namespaces")) {
                if (!isLabel(p[4]))
                    return refuse(QStringLiteral("\"%1\" is not a valid namespace name").arg(p[4]));
                if (n == 7 && !isSubdomain(p[6]))
                    return refuse(QStringLiteral("\"%1\" is not a valid object name").arg(p[6]));
                if (p[5] == QLatin1String("rolebindings"))
                    return objectCall(method, Resource::RoleBinding, p[4], n == 7 ? p[6] : QString());
                if (p[5] == QLatin1String("roles"))
                    return objectCall(method, Resource::Role, p[4], n == 7 ? p[6] : QString());
            }
            // /apis/rbac.authorization.k8s.io/v1/{clusterrolebindings,clusterroles}[/<name>]
            if (n >= 4 && n <= 5) {
                if (n == 5 && !isSubdomain(p[4]))
                    return refuse(QStringLiteral("\"%1\" is not a valid object name").arg(p[4]));
                if (p[3] == QLatin1String("clusterrolebindings"))
                    return objectCall(method, Resource::ClusterRoleBinding, {}, n == 5 ? p[4] : QString());
                if (p[3] == QLatin1String("clusterroles"))
                    return objectCall(method, Resource::ClusterRole, {}, n == 5 ? p[4] : QString());
            }
        }
        // The one review the desktop's preflight makes. Not token reviews (an
        // oracle for stolen tokens) nor rules reviews (the gateway's own rules).
        if (method == "POST" && n == 4 && group == Authorization
            && p[3] == QLatin1String("selfsubjectaccessreviews"))
            return allow(Kind::Review);
    }
    return refuse(QStringLiteral("the gateway forwards only the calls of Hanzo KMS leases"));
}

} // namespace

QString GatewayRoute::resourceName(Resource resource)
{
    switch (resource) {
    case Resource::ServiceAccount:
        return QStringLiteral("serviceaccounts");
    case Resource::Secret:
        return QStringLiteral("secrets");
    case Resource::RoleBinding:
        return QStringLiteral("rolebindings.") + Rbac;
    case Resource::ClusterRoleBinding:
        return QStringLiteral("clusterrolebindings.") + Rbac;
    case Resource::Role:
        return QStringLiteral("roles.") + Rbac;
    case Resource::ClusterRole:
        return QStringLiteral("clusterroles.") + Rbac;
    case Resource::Namespace:
        return QStringLiteral("namespaces");
    case Resource::None:
        break;
    }
    return {};
}

bool GatewayRoute::selectsManaged(const QString &labelSelector)
{
    const QString wanted = LeaseLabels::ManagedBy + QLatin1Char('=') + LeaseLabels::ManagedByValue;
    const QString wantedDouble = LeaseLabels::ManagedBy + QStringLiteral("==") + LeaseLabels::ManagedByValue;
    const QStringList requirements = labelSelector.split(QLatin1Char(','));
    for (const QString &r : requirements) {
        const QString t = r.trimmed();
        if (t == wanted || t == wantedDouble)
            return true;
    }
    return false;
}

GatewayRoute::Decision GatewayRoute::check(
    const QByteArray &method, const QString &path, const QUrlQuery &query)
{
    // Names in the paths we forward never need escaping; refusing '%' keeps
    // "/api/v1/namespaces/a%2Fb" and friends from meaning two things.
    if (!path.startsWith(QLatin1Char('/')) || path.contains(QLatin1Char('%'))
        || path.contains(QLatin1String("//")))
        return refuse(QStringLiteral("the path is not a plain API path"));
    QStringList parts = path.mid(1).split(QLatin1Char('/'));
    if (parts.size() > 1 && parts.last().isEmpty())
        parts.removeLast(); // a trailing slash
    for (const QString &s : parts) {
        if (s.isEmpty() || s == QLatin1String(".") || s == QLatin1String(".."))
            return refuse(QStringLiteral("the path is not a plain API path"));
    }
    Decision decision = route(method, parts);
    if (!decision.allowed())
        return decision;
    return checkQuery(decision, query);
}

} // namespace kms
