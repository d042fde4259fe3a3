#include "gatewayserver/GatewayRules.h"

#include "core/Names.h"
#include "provider/LeaseLabels.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace kms {

namespace {

using Kind = GatewayRoute::Kind;
using Resource = GatewayRoute::Resource;

const QString Rbac = QStringLiteral("rbac.authorization.k8s.io");
const QString KmsPrefix = QStringLiteral("kms.hanzo.ai/");
// Clocks of desktops and gateway differ a little.
constexpr qint64 ClockSlackSeconds = 600;

QString kindOf(Resource r)
{
    switch (r) {
    case Resource::ServiceAccount:
        return QStringLiteral("ServiceAccount");
    case Resource::Secret:
        return QStringLiteral("Secret");
    case Resource::RoleBinding:
        return QStringLiteral("RoleBinding");
    case Resource::ClusterRoleBinding:
        return QStringLiteral("ClusterRoleBinding");
    case Resource::Role:
        return QStringLiteral("Role");
    case Resource::ClusterRole:
        return QStringLiteral("ClusterRole");
    case Resource::Namespace:
        return QStringLiteral("Namespace");
    case Resource::None:
        break;
    }
    return {};
}

QString notAllowedNamespace(const GatewayClientPolicy &policy, const QString &ns)
{
    QString allowed
        = policy.namespaces.isEmpty() ? QStringLiteral("none") : policy.namespaces.join(QStringLiteral(", "));
    if (!policy.namespaceSelector.isEmpty())
        allowed += QStringLiteral("; or those whose labels match \"%1\"").arg(policy.namespaceSelector);
    return QStringLiteral("the policy does not allow namespace \"%1\" (namespaces: %2)").arg(ns, allowed);
}

// The keys of `object` other than `allowed`, or empty.
QString unexpectedKey(const QJsonObject &object, const QStringList &allowed)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!allowed.contains(it.key()))
            return it.key();
    }
    return {};
}

// The metadata of an object the desktop creates for a lease.
QString checkLeaseMetadata(const GatewayClientPolicy &policy, const QJsonObject &object, const QString &ns,
    const QDateTime &now, QString *leaseId)
{
    if (!object.value(QLatin1String("metadata")).isObject())
        return QStringLiteral("the object has no metadata");
    const QJsonObject meta = object.value(QLatin1String("metadata")).toObject();
    const QString bad = unexpectedKey(meta,
        { QStringLiteral("name"), QStringLiteral("namespace"), QStringLiteral("labels"),
            QStringLiteral("annotations") });
    if (!bad.isEmpty())
        return QStringLiteral("metadata.%1 is not allowed on a lease's object").arg(bad);
    const QString name = meta.value(QLatin1String("name")).toString();
    if (!Names::isDns1123Subdomain(name))
        return QStringLiteral("metadata.name must be the object's name");
    if (meta.contains(QLatin1String("namespace")) && meta.value(QLatin1String("namespace")).toString() != ns)
        return QStringLiteral("metadata.namespace differs from the path's namespace");
    const QJsonObject labels = meta.value(QLatin1String("labels")).toObject();
    if (labels.value(LeaseLabels::ManagedBy).toString() != LeaseLabels::ManagedByValue)
        return QStringLiteral("the gateway creates only objects labelled %1=%2")
            .arg(LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue);
    *leaseId = labels.value(LeaseLabels::LeaseId).toString();
    if (leaseId->isEmpty() || !Names::isDns1123Label(*leaseId))
        return QStringLiteral("the object needs the label %1 with the lease's id").arg(LeaseLabels::LeaseId);
    for (auto it = labels.begin(); it != labels.end(); ++it) {
        if (it.key() != LeaseLabels::ManagedBy && !it.key().startsWith(KmsPrefix)
            && !policy.allowsExtraLabel(it.key()))
            return QStringLiteral(
                "the label \"%1\" is neither one of a lease's nor in the policy's extraLabels")
                .arg(it.key());
        if (!it.value().isString())
            return QStringLiteral("the label \"%1\" is not a string").arg(it.key());
    }
    const QJsonObject annotations = meta.value(QLatin1String("annotations")).toObject();
    for (auto it = annotations.begin(); it != annotations.end(); ++it) {
        if (!it.key().startsWith(KmsPrefix) && !policy.allowsExtraAnnotation(it.key()))
            return QStringLiteral("the annotation \"%1\" is neither one of a lease's nor in the policy's "
                                  "extraAnnotations")
                .arg(it.key());
        if (!it.value().isString())
            return QStringLiteral("the annotation \"%1\" is not a string").arg(it.key());
    }
    const QDateTime expiresAt = LeaseLabels::expiresAtOf(object);
    if (!expiresAt.isValid())
        return QStringLiteral("the object needs the annotation %1 with its lease's expiry")
            .arg(LeaseLabels::ExpiresAt);
    if (expiresAt > now.addSecs(policy.maxTtlSeconds + ClockSlackSeconds))
        return QStringLiteral("the annotation %1 is later than the policy's maxTTL from now")
            .arg(LeaseLabels::ExpiresAt);
    return {};
}

QString checkBinding(const GatewayClientPolicy &policy, const GatewayRoute::Decision &call,
    const QJsonObject &object, GatewayRules::BindingSubject *subject)
{
    const QJsonObject roleRef = object.value(QLatin1String("roleRef")).toObject();
    const QString refKind = roleRef.value(QLatin1String("kind")).toString();
    const QString refName = roleRef.value(QLatin1String("name")).toString();
    if (roleRef.value(QLatin1String("apiGroup")).toString() != Rbac)
        return QStringLiteral("roleRef.apiGroup must be %1").arg(Rbac);
    if (call.resource == Resource::ClusterRoleBinding && refKind != QLatin1String("ClusterRole"))
        return QStringLiteral("a ClusterRoleBinding must refer to a ClusterRole");
    if (!policy.allowsRole(refKind, refName)) {
        if (!policy.allowsGeneratedRole(refKind) || !Names::isDns1123Subdomain(refName))
            return QStringLiteral("the policy does not allow binding %1 \"%2\"").arg(refKind, refName);
        subject->generatedRole = true;
        subject->roleKind = refKind;
        subject->roleName = refName;
        subject->roleNamespace = refKind == QLatin1String("Role") ? call.namespaceName : QString();
    }
    const QJsonArray subjects = object.value(QLatin1String("subjects")).toArray();
    if (subjects.size() != 1)
        return QStringLiteral("a lease's binding has exactly one subject, its service account");
    const QJsonObject s = subjects.first().toObject();
    if (!unexpectedKey(s,
            { QStringLiteral("kind"), QStringLiteral("name"), QStringLiteral("namespace"),
                QStringLiteral("apiGroup") })
             .isEmpty()
        || s.value(QLatin1String("kind")).toString() != QLatin1String("ServiceAccount")
        || !s.value(QLatin1String("apiGroup")).toString().isEmpty())
        return QStringLiteral("a lease's binding has exactly one subject, its service account");
    subject->name = s.value(QLatin1String("name")).toString();
    subject->namespaceName = s.value(QLatin1String("namespace")).toString();
    if (!Names::isDns1123Subdomain(subject->name) || !Names::isDns1123Label(subject->namespaceName))
        return QStringLiteral("the subject needs the service account's name and namespace");
    if (call.resource == Resource::RoleBinding && subject->namespaceName != call.namespaceName)
        return QStringLiteral("the subject of a RoleBinding must be in the binding's namespace");
    if (!policy.allowsNamespace(subject->namespaceName))
        return notAllowedNamespace(policy, subject->namespaceName);
    return {};
}

} // namespace

QStringList GatewayRules::namespacesOf(const GatewayRoute::Decision &call, const QByteArray &body)
{
    QStringList found;
    const auto add = [&found](const QString &ns) {
        if (!ns.isEmpty() && !found.contains(ns))
            found << ns;
    };
    add(call.namespaceName);
    if (call.resource == Resource::Namespace && call.kind == Kind::Read)
        add(call.name);
    if (call.resource == Resource::ClusterRoleBinding && call.kind == Kind::Create) {
        for (const QJsonValue &subject :
            QJsonDocument::fromJson(body).object().value(QLatin1String("subjects")).toArray())
            add(subject.toObject().value(QLatin1String("namespace")).toString());
    }
    return found;
}

QString GatewayRules::scope(const GatewayClientPolicy &policy, const GatewayRoute::Decision &call)
{
    const QString &ns = call.namespaceName;
    switch (call.resource) {
    case Resource::None:
        return {};
    case Resource::ServiceAccount:
        if ((call.kind == Kind::Read || call.kind == Kind::TokenRequest)
            && policy.allowsStaticServiceAccount(ns, call.name))
            return {};
        if (!policy.allowsNamespace(ns)) {
            if (call.kind == Kind::TokenRequest)
                return QStringLiteral(
                    "service account \"%1/%2\" is not in the policy's staticServiceAccounts, "
                    "and %3")
                    .arg(ns, call.name, notAllowedNamespace(policy, ns));
            return notAllowedNamespace(policy, ns);
        }
        return {};
    case Resource::Secret:
        if (!policy.allowsNamespace(ns) && !policy.allowsStaticNamespace(ns))
            return QStringLiteral("the policy does not allow Secrets in namespace \"%1\"").arg(ns);
        return {};
    case Resource::RoleBinding:
        if (!policy.allowsNamespace(ns))
            return notAllowedNamespace(policy, ns);
        return {};
    case Resource::ClusterRoleBinding:
        if (!policy.clusterWide)
            return QStringLiteral("the policy does not allow cluster-wide bindings (clusterWide is false)");
        return {};
    case Resource::Namespace:
        // The list is filtered to the policy's namespaces by readable().
        if (call.kind == Kind::Read && !policy.allowsNamespace(call.name))
            return notAllowedNamespace(policy, call.name);
        return {};
    case Resource::Role:
    case Resource::ClusterRole: {
        const QString kind = kindOf(call.resource);
        if (call.resource == Resource::Role && !policy.allowsNamespace(ns))
            return notAllowedNamespace(policy, ns);
        // The roles it names may be looked up; a lease's generated roles (the
        // rest of the checks see to "a lease's") may be made, read, listed, deleted.
        if (call.kind == Kind::Read && policy.allowsRole(kind, call.name))
            return {};
        if (policy.allowsGeneratedRole(kind))
            return {};
        if (call.kind == Kind::Read)
            return QStringLiteral("%1 \"%2\" is not in the policy's roles").arg(kind, call.name);
        return QStringLiteral("the policy does not allow generated %1s (generatedRoles.kinds)").arg(kind);
    }
    }
    return QStringLiteral("the gateway does not know this object");
}

QString GatewayRules::checkCreate(const GatewayClientPolicy &policy, const GatewayRoute::Decision &call,
    const QByteArray &body, const QDateTime &now, BindingSubject *subject)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return QStringLiteral("the request body is not a JSON object");
    const QJsonObject object = doc.object();
    if (call.resource == Resource::None)
        return QStringLiteral(
            "the gateway creates only service accounts, Secrets, bindings and generated roles "
            "of leases");
    const QString kind = kindOf(call.resource);
    if (object.contains(QLatin1String("kind")) && object.value(QLatin1String("kind")).toString() != kind)
        return QStringLiteral("the body's kind is not %1").arg(kind);
    QStringList allowed
        = { QStringLiteral("apiVersion"), QStringLiteral("kind"), QStringLiteral("metadata") };
    switch (call.resource) {
    case Resource::ServiceAccount:
        break;
    case Resource::Secret:
        // A bound token's anchor holds nothing; a service-account-token
        // Secret would make the API server mint a token into it.
        allowed << QStringLiteral("type");
        if (object.contains(QLatin1String("type"))
            && object.value(QLatin1String("type")).toString() != QLatin1String("Opaque"))
            return QStringLiteral("a lease's Secret must be of type Opaque");
        break;
    case Resource::RoleBinding:
    case Resource::ClusterRoleBinding:
        allowed << QStringLiteral("roleRef") << QStringLiteral("subjects");
        break;
    case Resource::Role:
    case Resource::ClusterRole:
        // Never aggregationRule: it would pull in whatever other roles grant.
        allowed << QStringLiteral("rules");
        break;
    default:
        break;
    }
    const QString bad = unexpectedKey(object, allowed);
    if (!bad.isEmpty())
        return QStringLiteral("the field \"%1\" is not allowed on a lease's %2").arg(bad, kind);
    QString leaseId;
    const QString metaProblem = checkLeaseMetadata(policy, object, call.namespaceName, now, &leaseId);
    if (!metaProblem.isEmpty())
        return metaProblem;
    if (call.resource == Resource::RoleBinding || call.resource == Resource::ClusterRoleBinding) {
        const QString bindingProblem = checkBinding(policy, call, object, subject);
        if (!bindingProblem.isEmpty())
            return bindingProblem;
        subject->leaseId = leaseId;
    }
    if (call.resource == Resource::Role || call.resource == Resource::ClusterRole) {
        QString why;
        const auto rules = PolicyRule::listFromJson(object.value(QLatin1String("rules")), &why);
        if (!rules)
            return QStringLiteral("the role's rules are not usable (%1)").arg(why);
        const QString beyond = policy.checkGeneratedRole(kind, *rules);
        if (!beyond.isEmpty())
            return beyond;
    }
    return {};
}

QString GatewayRules::checkTokenRequest(const GatewayClientPolicy &policy, const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return QStringLiteral("the request body is not a JSON object");
    const QJsonObject object = doc.object();
    QString bad = unexpectedKey(object,
        { QStringLiteral("apiVersion"), QStringLiteral("kind"), QStringLiteral("metadata"),
            QStringLiteral("spec") });
    if (!bad.isEmpty())
        return QStringLiteral("the field \"%1\" is not allowed on a TokenRequest").arg(bad);
    const QJsonObject spec = object.value(QLatin1String("spec")).toObject();
    bad = unexpectedKey(spec,
        { QStringLiteral("audiences"), QStringLiteral("expirationSeconds"),
            QStringLiteral("boundObjectRef") });
    if (!bad.isEmpty())
        return QStringLiteral("spec.%1 is not allowed on a TokenRequest").arg(bad);
    qint64 seconds = 3600; // the API server's default
    if (spec.contains(QLatin1String("expirationSeconds"))) {
        const QJsonValue v = spec.value(QLatin1String("expirationSeconds"));
        if (!v.isDouble() || v.toDouble() != double(v.toInteger()))
            return QStringLiteral("spec.expirationSeconds is not a whole number");
        seconds = v.toInteger();
    }
    const QString ttlProblem = policy.checkTtl(seconds);
    if (!ttlProblem.isEmpty())
        return ttlProblem;
    QStringList audiences;
    for (const QJsonValue &a : spec.value(QLatin1String("audiences")).toArray())
        audiences << a.toString();
    const QString audienceProblem = policy.checkAudiences(audiences);
    if (!audienceProblem.isEmpty())
        return audienceProblem;
    if (spec.contains(QLatin1String("boundObjectRef"))
        && spec.value(QLatin1String("boundObjectRef")).toObject().value(QLatin1String("kind")).toString()
            != QLatin1String("Secret"))
        return QStringLiteral("a lease's token is bound to a Secret or to nothing");
    return {};
}

QString GatewayRules::checkManagedAccount(const QJsonObject &account, const QDateTime &now)
{
    if (!LeaseLabels::isManaged(account) || LeaseLabels::leaseIdOf(account).isEmpty())
        return QStringLiteral("the service account is neither in the policy's staticServiceAccounts nor "
                              "labelled %1=%2 with a lease id")
            .arg(LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue);
    const QDateTime expiresAt = LeaseLabels::expiresAtOf(account);
    if (!expiresAt.isValid() || expiresAt.addSecs(ClockSlackSeconds) < now)
        return QStringLiteral("the service account's lease has expired");
    return {};
}

bool GatewayRules::readable(
    const GatewayClientPolicy &policy, const GatewayRoute::Decision &call, const QJsonObject &object)
{
    if (call.resource == Resource::Namespace) {
        // The labels are the API server's answer, not the caller's word.
        const QJsonObject meta = object.value(QLatin1String("metadata")).toObject();
        return policy.allowsNamespace(meta.value(QLatin1String("name")).toString())
            || policy.selectsNamespace(meta.value(QLatin1String("labels")).toObject());
    }
    if (LeaseLabels::isManaged(object))
        return true;
    if (call.kind != Kind::Read)
        return false;
    // The roles the policy names (scope() let only those, or generated ones, through).
    if (call.resource == Resource::Role || call.resource == Resource::ClusterRole)
        return policy.allowsRole(kindOf(call.resource), call.name);
    return call.resource == Resource::ServiceAccount
        && policy.allowsStaticServiceAccount(call.namespaceName, call.name);
}

QByteArray GatewayRules::DeleteOptions::toJson() const
{
    QJsonObject options { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
        { QStringLiteral("kind"), QStringLiteral("DeleteOptions") } };
    QJsonObject preconditions;
    if (!uid.isEmpty())
        preconditions.insert(QStringLiteral("uid"), uid);
    if (!resourceVersion.isEmpty())
        preconditions.insert(QStringLiteral("resourceVersion"), resourceVersion);
    if (!preconditions.isEmpty())
        options.insert(QStringLiteral("preconditions"), preconditions);
    if (!propagationPolicy.isEmpty())
        options.insert(QStringLiteral("propagationPolicy"), propagationPolicy);
    return QJsonDocument(options).toJson(QJsonDocument::Compact);
}

std::optional<GatewayRules::DeleteOptions> GatewayRules::parseDeleteOptions(
    const QByteArray &body, QString *why)
{
    DeleteOptions options;
    if (body.trimmed().isEmpty())
        return options;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        *why = QStringLiteral("the request body is not DeleteOptions");
        return std::nullopt;
    }
    const QJsonObject object = doc.object();
    QString bad = unexpectedKey(object,
        { QStringLiteral("apiVersion"), QStringLiteral("kind"), QStringLiteral("preconditions"),
            QStringLiteral("propagationPolicy") });
    const QJsonObject preconditions = object.value(QLatin1String("preconditions")).toObject();
    if (bad.isEmpty())
        bad = unexpectedKey(preconditions, { QStringLiteral("uid"), QStringLiteral("resourceVersion") });
    if (!bad.isEmpty()) {
        *why = QStringLiteral("the DeleteOptions field \"%1\" is not allowed").arg(bad);
        return std::nullopt;
    }
    if (object.contains(QLatin1String("kind"))
        && object.value(QLatin1String("kind")).toString() != QLatin1String("DeleteOptions")) {
        *why = QStringLiteral("the request body is not DeleteOptions");
        return std::nullopt;
    }
    options.uid = preconditions.value(QLatin1String("uid")).toString();
    options.resourceVersion = preconditions.value(QLatin1String("resourceVersion")).toString();
    options.propagationPolicy = object.value(QLatin1String("propagationPolicy")).toString();
    return options;
}

QJsonObject GatewayRules::redact(const QJsonObject &object)
{
    QJsonObject out;
    for (const char *key : { "apiVersion", "kind" }) {
        if (object.contains(QLatin1String(key)))
            out.insert(QLatin1String(key), object.value(QLatin1String(key)));
    }
    const QJsonObject meta = object.value(QLatin1String("metadata")).toObject();
    QJsonObject m;
    for (const char *key : { "name", "namespace", "uid", "labels" }) {
        if (meta.contains(QLatin1String(key)))
            m.insert(QLatin1String(key), meta.value(QLatin1String(key)));
    }
    QJsonObject annotations;
    const QJsonObject all = meta.value(QLatin1String("annotations")).toObject();
    for (auto it = all.begin(); it != all.end(); ++it) {
        if (it.key().startsWith(KmsPrefix))
            annotations.insert(it.key(), it.value());
    }
    if (!annotations.isEmpty())
        m.insert(QStringLiteral("annotations"), annotations);
    out.insert(QStringLiteral("metadata"), m);
    return out;
}

QByteArray GatewayRules::redactAnswer(
    const QByteArray &json, const std::function<bool(const QJsonObject &)> &keep)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        return QByteArrayLiteral("{}");
    const QJsonObject object = doc.object();
    if (object.value(QLatin1String("kind")).toString() == QLatin1String("Status"))
        return json;
    if (object.value(QLatin1String("items")).isArray()) {
        QJsonArray items;
        for (const QJsonValue &v : object.value(QLatin1String("items")).toArray()) {
            if (keep(v.toObject()))
                items.append(redact(v.toObject()));
        }
        QJsonObject list;
        for (const char *key : { "apiVersion", "kind" }) {
            if (object.contains(QLatin1String(key)))
                list.insert(QLatin1String(key), object.value(QLatin1String(key)));
        }
        const QJsonObject meta = object.value(QLatin1String("metadata")).toObject();
        QJsonObject m;
        if (meta.contains(QLatin1String("continue")))
            m.insert(QStringLiteral("continue"), meta.value(QLatin1String("continue")));
        list.insert(QStringLiteral("metadata"), m);
        list.insert(QStringLiteral("items"), items);
        return QJsonDocument(list).toJson(QJsonDocument::Compact);
    }
    return QJsonDocument(redact(object)).toJson(QJsonDocument::Compact);
}

} // namespace kms
