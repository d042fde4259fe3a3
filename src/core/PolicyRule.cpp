#include "core/PolicyRule.h"

#include "core/DisplayText.h"

namespace kms {

namespace {

const QString All = QStringLiteral("*");

class Invalid {
public:
    QString why;
};

QStringList strings(const QJsonObject &rule, const char *key, const QString &where)
{
    const QJsonValue value = rule.value(QLatin1String(key));
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isArray())
        throw Invalid { QStringLiteral("%1.%2 is not a list").arg(where, QLatin1String(key)) };
    QStringList out;
    for (const QJsonValue &v : value.toArray()) {
        if (!v.isString())
            throw Invalid {
                QStringLiteral("%1.%2 holds something that is not a string").arg(where, QLatin1String(key))
            };
        const QString s = v.toString();
        if (s != escapeControls(s) || s.trimmed() != s)
            throw Invalid { QStringLiteral("%1.%2 holds %3, with spaces or control characters")
                                .arg(where, QLatin1String(key), quoted(s)) };
        out << s;
    }
    return out;
}

QString goList(const QStringList &items)
{
    QStringList quotedItems;
    for (const QString &i : items)
        quotedItems << QLatin1Char('"') + i + QLatin1Char('"');
    return QLatin1Char('[') + quotedItems.join(QLatin1Char(' ')) + QLatin1Char(']');
}

bool verbCovers(const QStringList &owner, const QString &verb)
{
    return owner.contains(All) || owner.contains(verb);
}

bool resourceCovers(const QStringList &owner, const QString &resource)
{
    if (owner.contains(All) || owner.contains(resource))
        return true;
    // "*/scale" covers every resource's scale subresource.
    const qsizetype slash = resource.indexOf(QLatin1Char('/'));
    return slash >= 0 && owner.contains(QStringLiteral("*/") + resource.mid(slash + 1));
}

bool urlCovers(const QStringList &owner, const QString &url)
{
    for (const QString &o : owner) {
        if (o == url || o == All)
            return true;
        if (o.endsWith(QLatin1Char('*')) && url.startsWith(o.left(o.size() - 1)))
            return true;
    }
    return false;
}

bool ruleCovers(const PolicyRule &owner, const PolicyRule &atomic)
{
    if (!verbCovers(owner.verbs, atomic.verbs.value(0)))
        return false;
    if (!atomic.isResourceRule())
        return urlCovers(owner.nonResourceURLs, atomic.nonResourceURLs.value(0));
    if (!owner.isResourceRule())
        return false;
    if (!owner.apiGroups.contains(All) && !owner.apiGroups.contains(atomic.apiGroups.value(0)))
        return false;
    if (!resourceCovers(owner.resources, atomic.resources.value(0)))
        return false;
    // An owner limited to names covers only those names.
    return owner.resourceNames.isEmpty()
        || (!atomic.resourceNames.isEmpty() && owner.resourceNames.contains(atomic.resourceNames.value(0)));
}

} // namespace

std::optional<QList<PolicyRule>> PolicyRule::listFromJson(const QJsonValue &value, QString *error)
{
    QList<PolicyRule> rules;
    try {
        QJsonArray array;
        if (value.isArray()) {
            array = value.toArray();
        } else if (value.isObject() && value.toObject().value(QLatin1String("rules")).isArray()) {
            array = value.toObject().value(QLatin1String("rules")).toArray();
        } else {
            throw Invalid { QStringLiteral(
                "they are neither a list of rules nor an object with \"rules:\"") };
        }
        if (array.isEmpty())
            throw Invalid { QStringLiteral("they hold no rule") };
        if (array.size() > MaxRules)
            throw Invalid {
                QStringLiteral("they hold %1 rules, more than %2").arg(array.size()).arg(MaxRules)
            };
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QString where = QStringLiteral("rules[%1]").arg(i);
            if (!array.at(i).isObject())
                throw Invalid {
                    QStringLiteral("%1 is not a rule (a map of verbs, apiGroups, resources...)").arg(where)
                };
            const QJsonObject o = array.at(i).toObject();
            for (auto it = o.begin(); it != o.end(); ++it) {
                static const QStringList known
                    = { QStringLiteral("verbs"), QStringLiteral("apiGroups"), QStringLiteral("resources"),
                          QStringLiteral("resourceNames"), QStringLiteral("nonResourceURLs") };
                if (!known.contains(it.key()))
                    throw Invalid { QStringLiteral("%1 has an unknown field %2 (known: %3)")
                                        .arg(where, quoted(it.key()), known.join(QStringLiteral(", "))) };
            }
            PolicyRule r;
            r.verbs = strings(o, "verbs", where);
            r.apiGroups = strings(o, "apiGroups", where);
            r.resources = strings(o, "resources", where);
            r.resourceNames = strings(o, "resourceNames", where);
            r.nonResourceURLs = strings(o, "nonResourceURLs", where);
            // The API server's own checks (ValidatePolicyRule).
            if (r.verbs.isEmpty())
                throw Invalid { QStringLiteral("%1.verbs must name at least one verb").arg(where) };
            if (!r.nonResourceURLs.isEmpty()) {
                if (!r.apiGroups.isEmpty() || !r.resources.isEmpty() || !r.resourceNames.isEmpty())
                    throw Invalid { QStringLiteral("%1 mixes nonResourceURLs with apiGroups, resources or "
                                                   "resourceNames")
                                        .arg(where) };
            } else {
                if (r.apiGroups.isEmpty())
                    throw Invalid { QStringLiteral(
                        "%1.apiGroups must name at least one group (\"\" for the core group)")
                                        .arg(where) };
                if (r.resources.isEmpty())
                    throw Invalid {
                        QStringLiteral("%1.resources must name at least one resource").arg(where)
                    };
            }
            rules.append(r);
        }
    } catch (const Invalid &invalid) {
        if (error)
            *error = QStringLiteral("The generated role rules are not usable: %1.").arg(invalid.why);
        return std::nullopt;
    }
    if (error)
        error->clear();
    return rules;
}

QJsonObject PolicyRule::toJson() const
{
    QJsonObject o { { QStringLiteral("verbs"), QJsonArray::fromStringList(verbs) } };
    if (!nonResourceURLs.isEmpty()) {
        o.insert(QStringLiteral("nonResourceURLs"), QJsonArray::fromStringList(nonResourceURLs));
        return o;
    }
    o.insert(QStringLiteral("apiGroups"), QJsonArray::fromStringList(apiGroups));
    o.insert(QStringLiteral("resources"), QJsonArray::fromStringList(resources));
    if (!resourceNames.isEmpty())
        o.insert(QStringLiteral("resourceNames"), QJsonArray::fromStringList(resourceNames));
    return o;
}

QJsonArray PolicyRule::toJson(const QList<PolicyRule> &rules)
{
    QJsonArray array;
    for (const PolicyRule &r : rules)
        array.append(r.toJson());
    return array;
}

QString PolicyRule::describe() const
{
    QStringList parts;
    if (!apiGroups.isEmpty())
        parts << QStringLiteral("APIGroups:") + goList(apiGroups);
    if (!resources.isEmpty())
        parts << QStringLiteral("Resources:") + goList(resources);
    if (!resourceNames.isEmpty())
        parts << QStringLiteral("ResourceNames:") + goList(resourceNames);
    if (!nonResourceURLs.isEmpty())
        parts << QStringLiteral("NonResourceURLs:") + goList(nonResourceURLs);
    parts << QStringLiteral("Verbs:") + goList(verbs);
    return QLatin1Char('{') + parts.join(QStringLiteral(", ")) + QLatin1Char('}');
}

QList<PolicyRule> PolicyRule::breakdown() const
{
    QList<PolicyRule> out;
    for (const QString &verb : verbs) {
        for (const QString &url : nonResourceURLs)
            out.append(PolicyRule { { verb }, {}, {}, {}, { url } });
        for (const QString &group : apiGroups) {
            for (const QString &resource : resources) {
                if (resourceNames.isEmpty()) {
                    out.append(PolicyRule { { verb }, { group }, { resource }, {}, {} });
                    continue;
                }
                for (const QString &name : resourceNames)
                    out.append(PolicyRule { { verb }, { group }, { resource }, { name }, {} });
            }
        }
    }
    return out;
}

bool PolicyRule::covers(const QList<PolicyRule> &owner, const PolicyRule &servant)
{
    for (const PolicyRule &atomic : servant.breakdown()) {
        bool covered = false;
        for (const PolicyRule &o : owner)
            covered = covered || ruleCovers(o, atomic);
        if (!covered)
            return false;
    }
    return true;
}

QList<PolicyRule> PolicyRule::uncovered(const QList<PolicyRule> &owner, const QList<PolicyRule> &servant)
{
    QList<PolicyRule> missing;
    for (const PolicyRule &rule : servant) {
        for (const PolicyRule &atomic : rule.breakdown()) {
            bool covered = false;
            for (const PolicyRule &o : owner)
                covered = covered || ruleCovers(o, atomic);
            if (!covered && !missing.contains(atomic))
                missing.append(atomic);
        }
    }
    return missing;
}

} // namespace kms
