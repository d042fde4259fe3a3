#include "Rbac.h"

#include "ApiError.h"
#include "Store.h"

#include <QJsonArray>

#include <map>

namespace kms::testcluster {

namespace {

const QString kRbacGroup = QStringLiteral("rbac.authorization.k8s.io");

QStringList strings(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &e : v.toArray())
        out << e.toString();
    return out;
}

QJsonArray array(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

bool has(const QStringList &set, const QString &item)
{
    return set.contains(item);
}

bool hasAll(const QStringList &set, const QStringList &items)
{
    for (const QString &i : items) {
        if (!set.contains(i))
            return false;
    }
    return true;
}

bool resourceCoversAll(const QStringList &set, const QStringList &covers)
{
    if (has(set, QStringLiteral("*")) || hasAll(set, covers))
        return true;
    for (const QString &path : covers) {
        if (has(set, path))
            continue;
        if (!path.contains(u'/'))
            return false;
        const QString sub = path.section(u'/', 1);
        if (!has(set, QStringLiteral("*/") + sub))
            return false;
    }
    return true;
}

bool nonResourceUrlCovers(const QString &owner, const QString &sub)
{
    if (owner == sub)
        return true;
    if (!owner.endsWith(u'*'))
        return false;
    QString prefix = owner;
    while (prefix.endsWith(u'*'))
        prefix.chop(1);
    return sub.startsWith(prefix);
}

bool nonResourceUrlsCoverAll(const QStringList &set, const QStringList &covers)
{
    for (const QString &path : covers) {
        bool covered = false;
        for (const QString &owner : set) {
            if (nonResourceUrlCovers(owner, path)) {
                covered = true;
                break;
            }
        }
        if (!covered)
            return false;
    }
    return true;
}

bool ruleCovers(const PolicyRule &owner, const PolicyRule &sub)
{
    const bool verbs = has(owner.verbs, QStringLiteral("*")) || hasAll(owner.verbs, sub.verbs);
    const bool groups = has(owner.apiGroups, QStringLiteral("*")) || hasAll(owner.apiGroups, sub.apiGroups);
    const bool resources = resourceCoversAll(owner.resources, sub.resources);
    const bool urls = nonResourceUrlsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
    bool names = false;
    if (sub.resourceNames.isEmpty())
        names = owner.resourceNames.isEmpty();
    else
        names = owner.resourceNames.isEmpty() || hasAll(owner.resourceNames, sub.resourceNames);
    return verbs && groups && resources && names && urls;
}

QList<PolicyRule> breakdown(const PolicyRule &rule)
{
    QList<PolicyRule> out;
    for (const QString &group : rule.apiGroups) {
        for (const QString &resource : rule.resources) {
            for (const QString &verb : rule.verbs) {
                if (!rule.resourceNames.isEmpty()) {
                    for (const QString &name : rule.resourceNames)
                        out.append(PolicyRule { { verb }, { group }, { resource }, { name }, {} });
                } else {
                    out.append(PolicyRule { { verb }, { group }, { resource }, {}, {} });
                }
            }
        }
    }
    for (const QString &url : rule.nonResourceURLs) {
        for (const QString &verb : rule.verbs)
            out.append(PolicyRule { { verb }, {}, {}, {}, { url } });
    }
    return out;
}

QList<PolicyRule> compact(const QList<PolicyRule> &rules)
{
    QList<PolicyRule> out;
    // key: group, resource, has name, name -> index in simple
    std::map<std::tuple<QString, QString, bool, QString>, PolicyRule> simple;
    QList<std::tuple<QString, QString, bool, QString>> order;
    for (const PolicyRule &r : rules) {
        const bool isSimple = r.resourceNames.size() <= 1 && r.nonResourceURLs.isEmpty()
            && r.apiGroups.size() == 1 && r.resources.size() == 1;
        if (!isSimple) {
            out.append(r);
            continue;
        }
        const auto key = std::make_tuple(
            r.apiGroups.first(), r.resources.first(), !r.resourceNames.isEmpty(), r.resourceNames.value(0));
        auto it = simple.find(key);
        if (it != simple.end()) {
            it->second.verbs += r.verbs;
        } else {
            simple.emplace(key, r);
            order.append(key);
        }
    }
    for (const auto &key : order)
        out.append(simple.at(key));
    return out;
}

QString subjectDescription(const QJsonObject &subject)
{
    const QString kind = subject.value(QStringLiteral("kind")).toString();
    const QString name = subject.value(QStringLiteral("name")).toString();
    if (kind == QStringLiteral("ServiceAccount"))
        return QStringLiteral("%1 %2").arg(
            kind, goQuote(name + u'/' + subject.value(QStringLiteral("namespace")).toString()));
    return QStringLiteral("%1 %2").arg(kind, goQuote(name));
}

PolicyRule rule(QStringList verbs, QStringList groups, QStringList resources)
{
    return PolicyRule { std::move(verbs), std::move(groups), std::move(resources), {}, {} };
}

QJsonObject clusterRoleObject(const QString &name, const QList<PolicyRule> &rules)
{
    QJsonArray jsonRules;
    for (const PolicyRule &r : rules)
        jsonRules.append(r.toJson());
    return QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("ClusterRole") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), name },
                { QStringLiteral("labels"),
                    QJsonObject { { QStringLiteral("kubernetes.io/bootstrapping"),
                        QStringLiteral("rbac-defaults") } } },
                { QStringLiteral("annotations"),
                    QJsonObject { { QStringLiteral("rbac.authorization.kubernetes.io/autoupdate"),
                        QStringLiteral("true") } } } } },
        { QStringLiteral("rules"), jsonRules } };
}

QJsonObject clusterRoleBindingObject(const QString &name, const QString &role, const QJsonArray &subjects)
{
    return QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("ClusterRoleBinding") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), name },
                { QStringLiteral("labels"),
                    QJsonObject { { QStringLiteral("kubernetes.io/bootstrapping"),
                        QStringLiteral("rbac-defaults") } } },
                { QStringLiteral("annotations"),
                    QJsonObject { { QStringLiteral("rbac.authorization.kubernetes.io/autoupdate"),
                        QStringLiteral("true") } } } } },
        { QStringLiteral("roleRef"),
            QJsonObject { { QStringLiteral("apiGroup"), kRbacGroup },
                { QStringLiteral("kind"), QStringLiteral("ClusterRole") },
                { QStringLiteral("name"), role } } },
        { QStringLiteral("subjects"), subjects } };
}

QJsonObject groupSubject(const QString &group)
{
    return QJsonObject { { QStringLiteral("apiGroup"), kRbacGroup },
        { QStringLiteral("kind"), QStringLiteral("Group") }, { QStringLiteral("name"), group } };
}

} // namespace

PolicyRule PolicyRule::fromJson(const QJsonObject &json)
{
    return PolicyRule { strings(json.value(QStringLiteral("verbs"))),
        strings(json.value(QStringLiteral("apiGroups"))), strings(json.value(QStringLiteral("resources"))),
        strings(json.value(QStringLiteral("resourceNames"))),
        strings(json.value(QStringLiteral("nonResourceURLs"))) };
}

QJsonObject PolicyRule::toJson() const
{
    QJsonObject o { { QStringLiteral("verbs"), array(verbs) } };
    if (!apiGroups.isEmpty())
        o.insert(QStringLiteral("apiGroups"), array(apiGroups));
    if (!resources.isEmpty())
        o.insert(QStringLiteral("resources"), array(resources));
    if (!resourceNames.isEmpty())
        o.insert(QStringLiteral("resourceNames"), array(resourceNames));
    if (!nonResourceURLs.isEmpty())
        o.insert(QStringLiteral("nonResourceURLs"), array(nonResourceURLs));
    return o;
}

QString PolicyRule::compactString() const
{
    QStringList parts;
    if (!apiGroups.isEmpty())
        parts << QStringLiteral("APIGroups:") + goQuoteList(apiGroups);
    if (!resources.isEmpty())
        parts << QStringLiteral("Resources:") + goQuoteList(resources);
    if (!nonResourceURLs.isEmpty())
        parts << QStringLiteral("NonResourceURLs:") + goQuoteList(nonResourceURLs);
    if (!resourceNames.isEmpty())
        parts << QStringLiteral("ResourceNames:") + goQuoteList(resourceNames);
    if (!verbs.isEmpty())
        parts << QStringLiteral("Verbs:") + goQuoteList(verbs);
    return u'{' + parts.join(QStringLiteral(", ")) + u'}';
}

Rbac::Rbac(const Store &store)
    : m_store(store)
{
}

QList<PolicyRule> Rbac::rulesOf(const QJsonObject &role)
{
    QList<PolicyRule> out;
    for (const QJsonValue &r : role.value(QStringLiteral("rules")).toArray())
        out.append(PolicyRule::fromJson(r.toObject()));
    return out;
}

bool Rbac::subjectMatches(const QJsonObject &subject, const UserInfo &user, const QString &bindingNs) const
{
    const QString kind = subject.value(QStringLiteral("kind")).toString();
    const QString name = subject.value(QStringLiteral("name")).toString();
    if (kind == QStringLiteral("User"))
        return user.name == name;
    if (kind == QStringLiteral("Group"))
        return user.groups.contains(name);
    if (kind == QStringLiteral("ServiceAccount")) {
        QString ns = subject.value(QStringLiteral("namespace")).toString();
        if (ns.isEmpty())
            ns = bindingNs;
        return !ns.isEmpty() && user.name == QStringLiteral("system:serviceaccount:%1:%2").arg(ns, name);
    }
    return false;
}

QList<PolicyRule> Rbac::roleRefRules(const QJsonObject &roleRef, const QString &ns) const
{
    const QString kind = roleRef.value(QStringLiteral("kind")).toString();
    const QString name = roleRef.value(QStringLiteral("name")).toString();
    if (kind == QStringLiteral("Role")) {
        const auto role
            = m_store.get(*findResource(kRbacGroup, QStringLiteral("v1"), QStringLiteral("roles")), ns, name);
        if (!role)
            throw ApiError::notFound(kRbacGroup, QStringLiteral("roles"), name);
        return rulesOf(*role);
    }
    if (kind == QStringLiteral("ClusterRole")) {
        const auto role = m_store.get(
            *findResource(kRbacGroup, QStringLiteral("v1"), QStringLiteral("clusterroles")), {}, name);
        if (!role)
            throw ApiError::notFound(kRbacGroup, QStringLiteral("clusterroles"), name);
        return rulesOf(*role);
    }
    throw ApiError::badRequest(QStringLiteral("unsupported role reference kind: %1").arg(goQuote(kind)));
}

QList<PolicyRule> Rbac::rulesFor(const UserInfo &user, const QString &ns) const
{
    QList<PolicyRule> out;
    const ResourceType &crb
        = *findResource(kRbacGroup, QStringLiteral("v1"), QStringLiteral("clusterrolebindings"));
    for (const QJsonObject &b : m_store.list(crb)) {
        bool match = false;
        for (const QJsonValue &s : b.value(QStringLiteral("subjects")).toArray())
            match = match || subjectMatches(s.toObject(), user, {});
        if (!match)
            continue;
        try {
            out += roleRefRules(b.value(QStringLiteral("roleRef")).toObject(), {});
        } catch (const ApiError &) {
            // a binding to a missing role grants nothing
        }
    }
    if (!ns.isEmpty()) {
        const ResourceType &rb
            = *findResource(kRbacGroup, QStringLiteral("v1"), QStringLiteral("rolebindings"));
        for (const QJsonObject &b : m_store.list(rb, ns)) {
            bool match = false;
            for (const QJsonValue &s : b.value(QStringLiteral("subjects")).toArray())
                match = match || subjectMatches(s.toObject(), user, ns);
            if (!match)
                continue;
            try {
                out += roleRefRules(b.value(QStringLiteral("roleRef")).toObject(), ns);
            } catch (const ApiError &) {
            }
        }
    }
    return out;
}

QStringList Rbac::resolutionErrors(const UserInfo &user, const QString &ns) const
{
    QStringList errors;
    auto visit = [&](const QJsonObject &binding, const QString &bindingNs) {
        bool match = false;
        for (const QJsonValue &s : binding.value(QStringLiteral("subjects")).toArray())
            match = match || subjectMatches(s.toObject(), user, bindingNs);
        if (!match)
            return;
        const QJsonObject roleRef = binding.value(QStringLiteral("roleRef")).toObject();
        try {
            roleRefRules(roleRef, bindingNs);
        } catch (const ApiError &) {
            // The listers' NotFound: singular resource names.
            const QString singular
                = roleRef.value(QStringLiteral("kind")).toString() == QStringLiteral("Role")
                ? QStringLiteral("role")
                : QStringLiteral("clusterrole");
            errors << QStringLiteral("%1.%2 %3 not found")
                          .arg(singular, kRbacGroup,
                              goQuote(roleRef.value(QStringLiteral("name")).toString()));
        }
    };
    for (const QJsonObject &b :
        m_store.list(*findResource(kRbacGroup, QStringLiteral("v1"), QStringLiteral("clusterrolebindings"))))
        visit(b, {});
    if (!ns.isEmpty()) {
        for (const QJsonObject &b :
            m_store.list(*findResource(kRbacGroup, QStringLiteral("v1"), QStringLiteral("rolebindings")), ns))
            visit(b, ns);
    }
    return errors;
}

bool Rbac::ruleAllows(const PolicyRule &rule, const RequestAttributes &a)
{
    const bool verb = has(rule.verbs, QStringLiteral("*")) || has(rule.verbs, a.verb);
    if (!a.resourceRequest) {
        if (!verb)
            return false;
        for (const QString &url : rule.nonResourceURLs) {
            if (url == QStringLiteral("*") || url == a.path)
                return true;
            if (url.endsWith(u'*') && a.path.startsWith(url.left(url.size() - 1)))
                return true;
        }
        return false;
    }
    if (!verb)
        return false;
    if (!(has(rule.apiGroups, QStringLiteral("*")) || has(rule.apiGroups, a.apiGroup)))
        return false;
    const QString combined = a.subresource.isEmpty() ? a.resource : a.resource + u'/' + a.subresource;
    bool resource = false;
    for (const QString &r : rule.resources) {
        if (r == QStringLiteral("*") || r == combined) {
            resource = true;
            break;
        }
        if (a.subresource.isEmpty())
            continue;
        if (r == QStringLiteral("*/") + a.subresource) {
            resource = true;
            break;
        }
    }
    if (!resource)
        return false;
    return rule.resourceNames.isEmpty() || rule.resourceNames.contains(a.name);
}

bool Rbac::authorize(const UserInfo &user, const RequestAttributes &a, QString *reason) const
{
    if (user.isMaster())
        return true;
    const ResourceType &crb
        = *findResource(kRbacGroup, QStringLiteral("v1"), QStringLiteral("clusterrolebindings"));
    for (const QJsonObject &b : m_store.list(crb)) {
        for (const QJsonValue &s : b.value(QStringLiteral("subjects")).toArray()) {
            if (!subjectMatches(s.toObject(), user, {}))
                continue;
            const QJsonObject roleRef = b.value(QStringLiteral("roleRef")).toObject();
            QList<PolicyRule> rules;
            try {
                rules = roleRefRules(roleRef, {});
            } catch (const ApiError &) {
                continue;
            }
            for (const PolicyRule &r : rules) {
                if (ruleAllows(r, a)) {
                    if (reason) {
                        *reason
                            = QStringLiteral("RBAC: allowed by ClusterRoleBinding %1 of ClusterRole %2 to %3")
                                  .arg(goQuote(b.value(QStringLiteral("metadata"))
                                                   .toObject()
                                                   .value(QStringLiteral("name"))
                                                   .toString()),
                                      goQuote(roleRef.value(QStringLiteral("name")).toString()),
                                      subjectDescription(s.toObject()));
                    }
                    return true;
                }
            }
        }
    }
    if (!a.resourceRequest || a.ns.isEmpty())
        return false;
    const ResourceType &rb = *findResource(kRbacGroup, QStringLiteral("v1"), QStringLiteral("rolebindings"));
    for (const QJsonObject &b : m_store.list(rb, a.ns)) {
        for (const QJsonValue &s : b.value(QStringLiteral("subjects")).toArray()) {
            QJsonObject subject = s.toObject();
            if (!subjectMatches(subject, user, a.ns))
                continue;
            const QJsonObject roleRef = b.value(QStringLiteral("roleRef")).toObject();
            QList<PolicyRule> rules;
            try {
                rules = roleRefRules(roleRef, a.ns);
            } catch (const ApiError &) {
                continue;
            }
            for (const PolicyRule &r : rules) {
                if (ruleAllows(r, a)) {
                    if (reason) {
                        const QString bindingName = b.value(QStringLiteral("metadata"))
                                                        .toObject()
                                                        .value(QStringLiteral("name"))
                                                        .toString();
                        *reason = QStringLiteral("RBAC: allowed by RoleBinding %1 of %2 %3 to %4")
                                      .arg(goQuote(bindingName + u'/' + a.ns),
                                          roleRef.value(QStringLiteral("kind")).toString(),
                                          goQuote(roleRef.value(QStringLiteral("name")).toString()),
                                          subjectDescription(subject));
                    }
                    return true;
                }
            }
        }
    }
    return false;
}

QList<PolicyRule> Rbac::uncovered(const QList<PolicyRule> &owner, const QList<PolicyRule> &servant)
{
    QList<PolicyRule> missing;
    for (const PolicyRule &s : servant) {
        for (const PolicyRule &sub : breakdown(s)) {
            bool covered = false;
            for (const PolicyRule &o : owner) {
                if (ruleCovers(o, sub)) {
                    covered = true;
                    break;
                }
            }
            if (!covered)
                missing.append(sub);
        }
    }
    return missing;
}

QStringList Rbac::describe(const QList<PolicyRule> &rules)
{
    QStringList out;
    for (const PolicyRule &r : compact(rules)) {
        const QString s = r.compactString();
        if (!out.contains(s))
            out << s;
    }
    // sets.String.List(): sorted by Go string comparison (bytes).
    std::sort(
        out.begin(), out.end(), [](const QString &a, const QString &b) { return a.toUtf8() < b.toUtf8(); });
    return out;
}

void Rbac::confirmNoEscalation(const UserInfo &user, const QString &ns, const QList<PolicyRule> &rules,
    const QString &group, const QString &resource, const QString &name) const
{
    const QList<PolicyRule> missing = uncovered(rulesFor(user, ns), rules);
    if (missing.isEmpty())
        return;
    const QString why = QStringLiteral(
        "user %1 (groups=%2) is attempting to grant RBAC permissions not currently held:\n%3")
                            .arg(goQuote(user.name), goQuoteList(user.groups), describe(missing).join(u'\n'));
    throw ApiError::forbidden(group, resource, name, why);
}

QList<PolicyRule> Rbac::bootstrapClusterRoleRules(const QString &name)
{
    const QString all = QStringLiteral("*");
    const QStringList read { QStringLiteral("get"), QStringLiteral("list"), QStringLiteral("watch") };
    const QStringList write { QStringLiteral("create"), QStringLiteral("delete"),
        QStringLiteral("deletecollection"), QStringLiteral("patch"), QStringLiteral("update") };
    const QStringList viewable { QStringLiteral("configmaps"), QStringLiteral("pods"),
        QStringLiteral("serviceaccounts") };
    if (name == QStringLiteral("cluster-admin"))
        return { rule({ all }, { all }, { all }), PolicyRule { { all }, {}, {}, {}, { all } } };
    if (name == QStringLiteral("view"))
        return { rule(read, { QString() }, viewable),
            rule(read, { QString() }, { QStringLiteral("namespaces") }) };
    if (name == QStringLiteral("edit")) {
        return { rule(write, { QString() },
                     { QStringLiteral("configmaps"), QStringLiteral("pods"), QStringLiteral("secrets"),
                         QStringLiteral("serviceaccounts") }),
            rule({ QStringLiteral("create") }, { QString() }, { QStringLiteral("serviceaccounts/token") }),
            rule(read, { QString() },
                { QStringLiteral("configmaps"), QStringLiteral("pods"), QStringLiteral("secrets"),
                    QStringLiteral("serviceaccounts") }),
            rule(read, { QString() }, { QStringLiteral("namespaces") }) };
    }
    if (name == QStringLiteral("admin")) {
        QList<PolicyRule> rules = bootstrapClusterRoleRules(QStringLiteral("edit"));
        rules.append(
            rule(read + write, { kRbacGroup }, { QStringLiteral("rolebindings"), QStringLiteral("roles") }));
        rules.append(rule({ QStringLiteral("create") }, { QStringLiteral("authorization.k8s.io") },
            { QStringLiteral("localsubjectaccessreviews") }));
        return rules;
    }
    if (name == QStringLiteral("system:discovery")) {
        return { PolicyRule { { QStringLiteral("get") }, {}, {}, {},
            { QStringLiteral("/api"), QStringLiteral("/api/*"), QStringLiteral("/apis"),
                QStringLiteral("/apis/*"), QStringLiteral("/healthz"), QStringLiteral("/livez"),
                QStringLiteral("/openapi"), QStringLiteral("/openapi/*"), QStringLiteral("/readyz"),
                QStringLiteral("/version"), QStringLiteral("/version/") } } };
    }
    if (name == QStringLiteral("system:basic-user")) {
        return { rule({ QStringLiteral("create") }, { QStringLiteral("authentication.k8s.io") },
                     { QStringLiteral("selfsubjectreviews") }),
            rule({ QStringLiteral("create") }, { QStringLiteral("authorization.k8s.io") },
                { QStringLiteral("selfsubjectaccessreviews"), QStringLiteral("selfsubjectrulesreviews") }) };
    }
    if (name == QStringLiteral("system:public-info-viewer")) {
        return { PolicyRule { { QStringLiteral("get") }, {}, {}, {},
            { QStringLiteral("/healthz"), QStringLiteral("/livez"), QStringLiteral("/readyz"),
                QStringLiteral("/version"), QStringLiteral("/version/") } } };
    }
    if (name == QStringLiteral("system:service-account-issuer-discovery")) {
        return { PolicyRule { { QStringLiteral("get") }, {}, {}, {},
            { QStringLiteral("/.well-known/openid-configuration"),
                QStringLiteral("/.well-known/openid-configuration/"), QStringLiteral("/openid/v1/jwks"),
                QStringLiteral("/openid/v1/jwks/") } } };
    }
    if (name == QStringLiteral("system:auth-delegator")) {
        return { rule({ QStringLiteral("create") }, { QStringLiteral("authentication.k8s.io") },
                     { QStringLiteral("tokenreviews") }),
            rule({ QStringLiteral("create") }, { QStringLiteral("authorization.k8s.io") },
                { QStringLiteral("subjectaccessreviews") }) };
    }
    return {};
}

QList<QJsonObject> bootstrapClusterRoles()
{
    QList<QJsonObject> out;
    for (const QString &name :
        { QStringLiteral("admin"), QStringLiteral("cluster-admin"), QStringLiteral("edit"),
            QStringLiteral("system:auth-delegator"), QStringLiteral("system:basic-user"),
            QStringLiteral("system:discovery"), QStringLiteral("system:public-info-viewer"),
            QStringLiteral("system:service-account-issuer-discovery"), QStringLiteral("view") })
        out.append(clusterRoleObject(name, Rbac::bootstrapClusterRoleRules(name)));
    return out;
}

QList<QJsonObject> bootstrapClusterRoleBindings()
{
    const QJsonObject authenticated = groupSubject(QStringLiteral("system:authenticated"));
    return { clusterRoleBindingObject(QStringLiteral("cluster-admin"), QStringLiteral("cluster-admin"),
                 { groupSubject(QStringLiteral("system:masters")) }),
        clusterRoleBindingObject(
            QStringLiteral("system:basic-user"), QStringLiteral("system:basic-user"), { authenticated }),
        clusterRoleBindingObject(
            QStringLiteral("system:discovery"), QStringLiteral("system:discovery"), { authenticated }),
        clusterRoleBindingObject(QStringLiteral("system:public-info-viewer"),
            QStringLiteral("system:public-info-viewer"),
            { authenticated, groupSubject(QStringLiteral("system:unauthenticated")) }),
        clusterRoleBindingObject(QStringLiteral("system:service-account-issuer-discovery"),
            QStringLiteral("system:service-account-issuer-discovery"),
            { groupSubject(QStringLiteral("system:serviceaccounts")) }) };
}

} // namespace kms::testcluster
