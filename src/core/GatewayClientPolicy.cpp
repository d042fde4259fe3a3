#include "core/GatewayClientPolicy.h"

#include "core/Duration.h"
#include "core/LabelSelector.h"
#include "core/Names.h"

#include <QJsonArray>

namespace kms {

namespace {

QString quotedList(const QStringList &items)
{
    if (items.isEmpty())
        return QStringLiteral("none");
    QStringList quoted;
    for (const QString &i : items)
        quoted << QLatin1Char('"') + i + QLatin1Char('"');
    return quoted.join(QStringLiteral(", "));
}

QString describeRules(const QList<PolicyRule> &rules)
{
    QStringList out;
    for (const PolicyRule &r : rules)
        out << r.describe();
    return out.join(QStringLiteral(", "));
}

QStringList roleNames(const QList<GatewayClientPolicy::Role> &roles)
{
    QStringList out;
    for (const auto &r : roles)
        out << r.kind + QLatin1Char('/') + r.name;
    return out;
}

std::optional<QStringList> stringList(const QJsonValue &value, const QString &field, QString *error)
{
    if (value.isUndefined() || value.isNull())
        return QStringList();
    if (!value.isArray()) {
        *error = QStringLiteral("%1 is not a list").arg(field);
        return std::nullopt;
    }
    QStringList out;
    for (const QJsonValue &v : value.toArray()) {
        if (!v.isString()) {
            *error = QStringLiteral("%1 holds something that is not a string").arg(field);
            return std::nullopt;
        }
        out << v.toString();
    }
    return out;
}

} // namespace

bool GatewayClientPolicy::matches(const QString &commonName) const
{
    return subject == QLatin1String("*") || (!commonName.isEmpty() && subject == commonName);
}

bool GatewayClientPolicy::selectsNamespace(const QJsonObject &labels) const
{
    if (namespaceSelector.isEmpty())
        return false;
    const std::optional<LabelSelector> selector = LabelSelector::parse(namespaceSelector, nullptr);
    return selector && !selector->isEmpty() && selector->matches(labels);
}

bool GatewayClientPolicy::allowsStaticServiceAccount(const QString &ns, const QString &name) const
{
    return staticServiceAccounts.contains(ns + QLatin1Char('/') + name);
}

bool GatewayClientPolicy::allowsStaticNamespace(const QString &ns) const
{
    for (const QString &sa : staticServiceAccounts) {
        if (sa.section(QLatin1Char('/'), 0, 0) == ns)
            return true;
    }
    return false;
}

bool GatewayClientPolicy::allowsRole(const QString &kind, const QString &name) const
{
    return roles.contains(Role { kind, name });
}

bool GatewayClientPolicy::allowsExtraLabel(const QString &key) const
{
    return !DynamicSecret::isReservedMetadataKey(key)
        && (extraLabels.contains(AnyKey) || extraLabels.contains(key));
}

bool GatewayClientPolicy::allowsExtraAnnotation(const QString &key) const
{
    return !DynamicSecret::isReservedMetadataKey(key)
        && (extraAnnotations.contains(AnyKey) || extraAnnotations.contains(key));
}

QString GatewayClientPolicy::checkGeneratedRole(const QString &kind, const QList<PolicyRule> &rules) const
{
    if (!allowsGeneratedRole(kind))
        return QStringLiteral("generated %1s are not allowed (generatedRoles.kinds: %2)")
            .arg(kind, quotedList(generatedRoles.kinds));
    const QList<PolicyRule> beyond = PolicyRule::uncovered(generatedRoles.rules, rules);
    if (!beyond.isEmpty())
        return QStringLiteral("the generated role would grant %1, beyond the policy's generatedRoles.rules")
            .arg(beyond.first().describe());
    return {};
}

QString GatewayClientPolicy::checkAudiences(const QStringList &requested) const
{
    if (anyAudience())
        return {};
    if (requested.isEmpty())
        return QStringLiteral("a token without audiences (the API server's own) is not allowed; the "
                              "allowed audiences are %1")
            .arg(quotedList(audiences));
    for (const QString &a : requested) {
        if (!audiences.contains(a))
            return QStringLiteral("the audience \"%1\" is not allowed; the allowed audiences are %2")
                .arg(a, quotedList(audiences));
    }
    return {};
}

QString GatewayClientPolicy::checkTtl(qint64 seconds) const
{
    if (seconds > maxTtlSeconds)
        return QStringLiteral("a token for %1 is longer than the policy's maxTTL of %2")
            .arg(Duration::fromSeconds(seconds).toString(), Duration::fromSeconds(maxTtlSeconds).toString());
    return {};
}

QString GatewayClientPolicy::refusalFor(const DynamicSecret &secret, QString *field) const
{
    const QString prefix = QStringLiteral("The gateway's policy for this client refuses the secret: ");
    QString key;
    auto refuse = [&prefix, &key, field](const QString &why) {
        if (field)
            *field = key;
        return prefix + why + QLatin1Char('.');
    };
    if (secret.credentialType == CredentialType::Static) {
        key = QStringLiteral("serviceAccount");
        if (!allowsStaticServiceAccount(secret.namespaceName, secret.serviceAccount))
            return refuse(
                QStringLiteral("service account \"%1/%2\" is not in its staticServiceAccounts "
                               "(%3); pick one of those or ask the cluster owner to add it")
                    .arg(secret.namespaceName, secret.serviceAccount, quotedList(staticServiceAccounts)));
    } else {
        key = QStringLiteral("allowedNamespaces");
        // "*" and selectors: the gateway refuses a lease outside its namespaces when it comes.
        for (const QString &ns : secret.listedNamespaces()) {
            // With a selector the gateway reads the namespace's labels at each lease.
            if (!allowsNamespace(ns) && namespaceSelector.isEmpty())
                return refuse(QStringLiteral("namespace \"%1\" is not in its namespaces (%2); remove it from "
                                             "the allowed namespaces or ask the cluster owner to add it")
                                  .arg(ns, quotedList(namespaces)));
        }
        const QList<RoleRef> bound = secret.boundRoles();
        for (qsizetype i = 0; i < bound.size(); ++i) {
            const RoleRef &role = bound.at(i);
            key = i == 0 ? QStringLiteral("role") : QStringLiteral("roles");
            if (!allowsRole(DynamicSecret::toString(role.kind), role.name))
                return refuse(
                    QStringLiteral("role %1 \"%2\" is not in its roles (%3); pick one of those")
                        .arg(DynamicSecret::toString(role.kind), role.name, quotedList(roleNames(roles))));
            key = QStringLiteral("clusterWide");
            if (secret.bindsClusterWide(role) && !clusterWide)
                return refuse(
                    QStringLiteral("cluster-wide bindings are not allowed (clusterWide is false); turn "
                                   "Cluster-wide off"));
        }
    }
    if (secret.generatesRole()) {
        key = QStringLiteral("generatedRules");
        const QString problem
            = checkGeneratedRole(DynamicSecret::toString(secret.generatedRoleType), secret.generatedRules);
        if (!problem.isEmpty())
            return refuse(problem + QStringLiteral("; ask the cluster owner to allow it"));
        key = QStringLiteral("clusterWide");
        if (secret.generatedRoleType == RoleType::ClusterRole && secret.clusterWide && !clusterWide)
            return refuse(QStringLiteral("cluster-wide bindings are not allowed (clusterWide is false); turn "
                                         "Cluster-wide off"));
    }
    key = QStringLiteral("extraLabels");
    for (auto it = secret.extraLabels.begin(); it != secret.extraLabels.end(); ++it) {
        if (!allowsExtraLabel(it.key()))
            return refuse(
                QStringLiteral("the extra label \"%1\" is not in its extraLabels (%2); remove it or ask "
                               "the cluster owner to allow it")
                    .arg(it.key(), quotedList(extraLabels)));
    }
    key = QStringLiteral("extraAnnotations");
    for (auto it = secret.extraAnnotations.begin(); it != secret.extraAnnotations.end(); ++it) {
        if (!allowsExtraAnnotation(it.key()))
            return refuse(
                QStringLiteral("the extra annotation \"%1\" is not in its extraAnnotations (%2); remove "
                               "it or ask the cluster owner to allow it")
                    .arg(it.key(), quotedList(extraAnnotations)));
    }
    key = QStringLiteral("maxTtl");
    if (secret.maxTtl.seconds() > maxTtlSeconds)
        return refuse(QStringLiteral("the max TTL %1 is longer than its maxTTL of %2; lower it")
                          .arg(secret.maxTtl.toString(), Duration::fromSeconds(maxTtlSeconds).toString()));
    key = QStringLiteral("audiences");
    const QString audienceProblem = checkAudiences(secret.audiences);
    if (!audienceProblem.isEmpty())
        return refuse(audienceProblem);
    return {};
}

QString GatewayClientPolicy::validate() const
{
    if (subject.isEmpty())
        return QStringLiteral("subject is empty; give the client certificate's common name or \"*\"");
    if (namespaces.contains(AnyNamespace) && namespaces.size() > 1)
        return QStringLiteral("namespaces: \"*\" (any) stands alone; give it or the names");
    for (const QString &ns : namespaces) {
        if (ns != AnyNamespace && !Names::isDns1123Label(ns))
            return QStringLiteral("namespaces: \"%1\" is not a namespace name").arg(ns);
    }
    if (!namespaceSelector.isEmpty()) {
        QString why;
        const std::optional<LabelSelector> selector = LabelSelector::parse(namespaceSelector, &why);
        if (!selector)
            return QStringLiteral("namespaceSelector: %1").arg(why);
        if (selector->isEmpty())
            return QStringLiteral("namespaceSelector is empty; leave it out or give a selector");
        if (namespaces.contains(AnyNamespace))
            return QStringLiteral(
                "namespaceSelector narrows nothing beside namespaces: [\"*\"] (any); give one of them");
    }
    for (const QString &sa : staticServiceAccounts) {
        const QStringList parts = sa.split(QLatin1Char('/'));
        if (parts.size() != 2 || !Names::isDns1123Label(parts[0]) || !Names::isDns1123Subdomain(parts[1]))
            return QStringLiteral("staticServiceAccounts: \"%1\" is not namespace/name").arg(sa);
    }
    for (const Role &r : roles) {
        if (r.kind != QLatin1String("Role") && r.kind != QLatin1String("ClusterRole"))
            return QStringLiteral("roles: kind \"%1\" is neither Role nor ClusterRole").arg(r.kind);
        if (!Names::isDns1123Subdomain(r.name))
            return QStringLiteral("roles: \"%1\" is not a role name").arg(r.name);
    }
    if (maxTtlSeconds < MinimumTtl.seconds() || maxTtlSeconds > MaximumTtl.seconds())
        return QStringLiteral("maxTTL must be between 10m and %1 (about 136 years)")
            .arg(MaximumTtl.toString());
    if (audiences.isEmpty())
        return QStringLiteral("audiences is empty; give a list, or [\"*\"] for any");
    for (const QString &a : audiences) {
        if (a.trimmed().isEmpty() || a != a.trimmed())
            return QStringLiteral("audiences: \"%1\" is not an audience").arg(a);
    }
    for (const QString &kind : generatedRoles.kinds) {
        if (kind != QLatin1String("Role") && kind != QLatin1String("ClusterRole"))
            return QStringLiteral("generatedRoles.kinds: \"%1\" is neither Role nor ClusterRole").arg(kind);
    }
    if (!generatedRoles.kinds.isEmpty() && generatedRoles.rules.isEmpty())
        return QStringLiteral("generatedRoles.rules is empty; list the most a generated role may grant");
    for (const auto &[field, keys] :
        { std::pair { "extraLabels", &extraLabels }, std::pair { "extraAnnotations", &extraAnnotations } }) {
        for (const QString &k : *keys) {
            if (k == AnyKey)
                continue;
            if (DynamicSecret::isReservedMetadataKey(k))
                return QStringLiteral("%1: \"%2\" is one of Hanzo KMS's own keys, which are always set")
                    .arg(QLatin1String(field), k);
            if (!Names::qualifiedNameErrors(k).isEmpty())
                return QStringLiteral("%1: \"%2\" is not a label or annotation key")
                    .arg(QLatin1String(field), k);
        }
    }
    return {};
}

QString GatewayClientPolicy::summary() const
{
    QStringList parts;
    parts << QStringLiteral("namespaces: %1")
                 .arg(namespaces.isEmpty() ? QStringLiteral("none") : namespaces.join(QStringLiteral(", ")));
    if (!namespaceSelector.isEmpty())
        parts << QStringLiteral("namespaces whose labels match: %1").arg(namespaceSelector);
    parts << QStringLiteral("static service accounts: %1")
                 .arg(staticServiceAccounts.isEmpty() ? QStringLiteral("none")
                                                      : staticServiceAccounts.join(QStringLiteral(", ")));
    const QStringList r = roleNames(roles);
    parts << QStringLiteral("roles: %1")
                 .arg(r.isEmpty() ? QStringLiteral("none") : r.join(QStringLiteral(", ")));
    parts
        << QStringLiteral("cluster-wide: %1").arg(clusterWide ? QStringLiteral("yes") : QStringLiteral("no"));
    parts << QStringLiteral("max TTL: %1").arg(Duration::fromSeconds(maxTtlSeconds).toString());
    parts << QStringLiteral("audiences: %1")
                 .arg(anyAudience() ? QStringLiteral("any") : audiences.join(QStringLiteral(", ")));
    if (!generatedRoles.kinds.isEmpty())
        parts << QStringLiteral("generated roles: %1 with at most %2")
                     .arg(generatedRoles.kinds.join(QStringLiteral(", ")))
                     .arg(describeRules(generatedRoles.rules));
    if (!extraLabels.isEmpty())
        parts << QStringLiteral("extra labels: %1")
                     .arg(extraLabels.contains(AnyKey) ? QStringLiteral("any")
                                                       : extraLabels.join(QStringLiteral(", ")));
    if (!extraAnnotations.isEmpty())
        parts << QStringLiteral("extra annotations: %1")
                     .arg(extraAnnotations.contains(AnyKey) ? QStringLiteral("any")
                                                            : extraAnnotations.join(QStringLiteral(", ")));
    return parts.join(QStringLiteral("; "));
}

QJsonObject GatewayClientPolicy::toJson() const
{
    QJsonArray roleArray;
    for (const Role &r : roles)
        roleArray.append(
            QJsonObject { { QStringLiteral("kind"), r.kind }, { QStringLiteral("name"), r.name } });
    return QJsonObject {
        { QStringLiteral("subject"), subject },
        { QStringLiteral("namespaces"), QJsonArray::fromStringList(namespaces) },
        { QStringLiteral("namespaceSelector"), namespaceSelector },
        { QStringLiteral("staticServiceAccounts"), QJsonArray::fromStringList(staticServiceAccounts) },
        { QStringLiteral("roles"), roleArray },
        { QStringLiteral("clusterWide"), clusterWide },
        { QStringLiteral("maxTTL"), Duration::fromSeconds(maxTtlSeconds).toString() },
        { QStringLiteral("maxTTLSeconds"), maxTtlSeconds },
        { QStringLiteral("audiences"), QJsonArray::fromStringList(audiences) },
        { QStringLiteral("extraLabels"), QJsonArray::fromStringList(extraLabels) },
        { QStringLiteral("extraAnnotations"), QJsonArray::fromStringList(extraAnnotations) },
        { QStringLiteral("generatedRoles"),
            QJsonObject { { QStringLiteral("kinds"), QJsonArray::fromStringList(generatedRoles.kinds) },
                { QStringLiteral("rules"), PolicyRule::toJson(generatedRoles.rules) } } },
    };
}

std::optional<GatewayClientPolicy> GatewayClientPolicy::fromJson(const QJsonObject &json, QString *error)
{
    QString why;
    GatewayClientPolicy p;
    p.subject = json.value(QLatin1String("subject")).toString();
    const auto namespaces
        = stringList(json.value(QLatin1String("namespaces")), QStringLiteral("namespaces"), &why);
    const auto statics = namespaces ? stringList(json.value(QLatin1String("staticServiceAccounts")),
                             QStringLiteral("staticServiceAccounts"), &why)
                                    : std::nullopt;
    const auto audiences = statics
        ? stringList(json.value(QLatin1String("audiences")), QStringLiteral("audiences"), &why)
        : std::nullopt;
    const auto labelKeys = audiences
        ? stringList(json.value(QLatin1String("extraLabels")), QStringLiteral("extraLabels"), &why)
        : std::nullopt;
    const auto annotationKeys = labelKeys
        ? stringList(json.value(QLatin1String("extraAnnotations")), QStringLiteral("extraAnnotations"), &why)
        : std::nullopt;
    if (!annotationKeys) {
        if (error)
            *error = QStringLiteral("The gateway's policy answer is unusable: %1.").arg(why);
        return std::nullopt;
    }
    p.namespaces = *namespaces;
    const QJsonValue selector = json.value(QLatin1String("namespaceSelector"));
    if (!selector.isUndefined() && !selector.isNull() && !selector.isString()) {
        if (error)
            *error = QStringLiteral(
                "The gateway's policy answer is unusable: namespaceSelector is not a string.");
        return std::nullopt;
    }
    p.namespaceSelector = selector.toString().trimmed();
    p.staticServiceAccounts = *statics;
    p.audiences = *audiences;
    p.extraLabels = *labelKeys;
    p.extraAnnotations = *annotationKeys;
    const QJsonObject generated = json.value(QLatin1String("generatedRoles")).toObject();
    const auto kinds
        = stringList(generated.value(QLatin1String("kinds")), QStringLiteral("generatedRoles.kinds"), &why);
    if (!kinds) {
        if (error)
            *error = QStringLiteral("The gateway's policy answer is unusable: %1.").arg(why);
        return std::nullopt;
    }
    p.generatedRoles.kinds = *kinds;
    if (!p.generatedRoles.kinds.isEmpty()) {
        const auto rules = PolicyRule::listFromJson(generated.value(QLatin1String("rules")), &why);
        if (!rules) {
            if (error)
                *error = QStringLiteral("The gateway's policy answer is unusable: generatedRoles.rules: %1")
                             .arg(why);
            return std::nullopt;
        }
        p.generatedRoles.rules = *rules;
    }
    for (const QJsonValue &v : json.value(QLatin1String("roles")).toArray()) {
        const QJsonObject r = v.toObject();
        p.roles.append(
            { r.value(QLatin1String("kind")).toString(), r.value(QLatin1String("name")).toString() });
    }
    p.clusterWide = json.value(QLatin1String("clusterWide")).toBool();
    p.maxTtlSeconds = json.value(QLatin1String("maxTTLSeconds")).toInteger();
    why = p.validate();
    if (!why.isEmpty()) {
        if (error)
            *error = QStringLiteral("The gateway's policy answer is unusable: %1.").arg(why);
        return std::nullopt;
    }
    return p;
}

} // namespace kms
