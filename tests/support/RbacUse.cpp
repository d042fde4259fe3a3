#include "RbacUse.h"

namespace kms::test {

QString permission(const QString &verb, const QString &group, const QString &resource)
{
    return verb + QLatin1Char(' ') + resource + (group.isEmpty() ? QString() : QLatin1Char('.') + group);
}

QSet<QString> grantedBy(const QJsonArray &rules)
{
    QSet<QString> granted;
    for (const QJsonValue &value : rules) {
        const QJsonObject rule = value.toObject();
        for (const QJsonValue &group : rule.value(QLatin1String("apiGroups")).toArray()) {
            for (const QJsonValue &resource : rule.value(QLatin1String("resources")).toArray()) {
                for (const QJsonValue &verb : rule.value(QLatin1String("verbs")).toArray())
                    granted.insert(permission(verb.toString(), group.toString(), resource.toString()));
            }
        }
    }
    return granted;
}

RbacUse rbacUse(const QList<QJsonObject> &authorizations)
{
    RbacUse use;
    for (const QJsonObject &a : authorizations) {
        QString resource = a.value(QLatin1String("resource")).toString();
        const QString subresource = a.value(QLatin1String("subresource")).toString();
        if (!subresource.isEmpty())
            resource += QLatin1Char('/') + subresource;
        const QString what = permission(a.value(QLatin1String("verb")).toString(),
            a.value(QLatin1String("apiGroup")).toString(), resource);
        if (a.value(QLatin1String("allowed")).toBool()) {
            use.used.insert(what);
            continue;
        }
        const QString ns = a.value(QLatin1String("namespace")).toString();
        const QString name = a.value(QLatin1String("name")).toString();
        use.denied << what + (name.isEmpty() ? QString() : QStringLiteral(" \"%1\"").arg(name))
                + (ns.isEmpty() ? QStringLiteral(" at the cluster scope")
                                : QStringLiteral(" in namespace \"%1\"").arg(ns));
    }
    return use;
}

QString listed(const QSet<QString> &permissions)
{
    QStringList sorted(permissions.cbegin(), permissions.cend());
    sorted.sort();
    return sorted.join(QLatin1Char('\n'));
}

} // namespace kms::test
