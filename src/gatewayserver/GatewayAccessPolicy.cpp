#include "gatewayserver/GatewayAccessPolicy.h"

#include "core/BoundedRead.h"
#include "core/Duration.h"
#include "kube/YamlDocument.h"

#include <yaml-cpp/yaml.h>

namespace kms {

namespace {

struct Invalid {
    QString why;
};

QString str(const YAML::Node &node, const QString &field)
{
    if (!node.IsScalar())
        throw Invalid { QStringLiteral("%1 is not a single value").arg(field) };
    return QString::fromStdString(node.Scalar());
}

QStringList strings(const YAML::Node &node, const QString &field)
{
    if (!node || node.IsNull())
        return {};
    if (!node.IsSequence())
        throw Invalid { QStringLiteral("%1 is not a list").arg(field) };
    QStringList out;
    for (const YAML::Node &item : node)
        out << str(item, field);
    return out;
}

bool boolean(const YAML::Node &node, const QString &field)
{
    const QString text = str(node, field);
    if (text == QLatin1String("true"))
        return true;
    if (text == QLatin1String("false"))
        return false;
    throw Invalid { QStringLiteral("%1 is \"%2\", not true or false").arg(field, text) };
}

GatewayClientPolicy readEntry(const YAML::Node &node, const QString &where)
{
    if (!node.IsMap())
        throw Invalid { QStringLiteral("%1 is not a map").arg(where) };
    static const QStringList known = { QStringLiteral("subject"), QStringLiteral("namespaces"),
        QStringLiteral("namespaceSelector"), QStringLiteral("staticServiceAccounts"), QStringLiteral("roles"),
        QStringLiteral("clusterWide"), QStringLiteral("maxTTL"), QStringLiteral("audiences"),
        QStringLiteral("extraLabels"), QStringLiteral("extraAnnotations"), QStringLiteral("generatedRoles") };
    for (const auto &kv : node) {
        const QString key = QString::fromStdString(kv.first.as<std::string>());
        if (!known.contains(key))
            throw Invalid { QStringLiteral("%1 has an unknown field \"%2\" (known: %3)")
                                .arg(where, key, known.join(QStringLiteral(", "))) };
    }
    auto field = [&where](const char *name) { return where + QLatin1Char('.') + QLatin1String(name); };
    GatewayClientPolicy p;
    if (!node["subject"])
        throw Invalid { QStringLiteral("%1 is missing").arg(field("subject")) };
    p.subject = str(node["subject"], field("subject"));
    p.namespaces = strings(node["namespaces"], field("namespaces"));
    if (node["namespaceSelector"] && !node["namespaceSelector"].IsNull())
        p.namespaceSelector = str(node["namespaceSelector"], field("namespaceSelector")).trimmed();
    p.staticServiceAccounts = strings(node["staticServiceAccounts"], field("staticServiceAccounts"));
    const YAML::Node roles = node["roles"];
    if (roles && !roles.IsNull()) {
        if (!roles.IsSequence())
            throw Invalid { QStringLiteral("%1 is not a list").arg(field("roles")) };
        for (const YAML::Node &r : roles) {
            if (!r.IsMap() || !r["kind"] || !r["name"] || r.size() != 2)
                throw Invalid {
                    QStringLiteral("%1 holds an entry that is not {kind, name}").arg(field("roles"))
                };
            p.roles.append({ str(r["kind"], field("roles")), str(r["name"], field("roles")) });
        }
    }
    if (node["clusterWide"])
        p.clusterWide = boolean(node["clusterWide"], field("clusterWide"));
    if (!node["maxTTL"])
        throw Invalid { QStringLiteral("%1 is missing (e.g. maxTTL: 24h)").arg(field("maxTTL")) };
    const QString ttl = str(node["maxTTL"], field("maxTTL"));
    const std::optional<Duration> maxTtl = Duration::parse(ttl);
    if (!maxTtl)
        throw Invalid { QStringLiteral("%1 \"%2\" is not a duration such as 24h").arg(field("maxTTL"), ttl) };
    p.maxTtlSeconds = maxTtl->seconds();
    if (!node["audiences"])
        throw Invalid {
            QStringLiteral("%1 is missing (a list, or [\"*\"] for any)").arg(field("audiences"))
        };
    p.audiences = strings(node["audiences"], field("audiences"));
    p.extraLabels = strings(node["extraLabels"], field("extraLabels"));
    p.extraAnnotations = strings(node["extraAnnotations"], field("extraAnnotations"));
    const YAML::Node generated = node["generatedRoles"];
    if (generated && !generated.IsNull()) {
        if (!generated.IsMap())
            throw Invalid {
                QStringLiteral("%1 is not a map of kinds and rules").arg(field("generatedRoles"))
            };
        for (const auto &kv : generated) {
            const QString key = QString::fromStdString(kv.first.as<std::string>());
            if (key != QLatin1String("kinds") && key != QLatin1String("rules"))
                throw Invalid { QStringLiteral("%1 has an unknown field \"%2\" (known: kinds, rules)")
                                    .arg(field("generatedRoles"), key) };
        }
        p.generatedRoles.kinds = strings(generated["kinds"], field("generatedRoles.kinds"));
        if (generated["rules"]) {
            QString why;
            const auto value
                = YamlDocument::parse(QByteArray::fromStdString(YAML::Dump(generated["rules"])), &why);
            const auto rules = value ? PolicyRule::listFromJson(*value, &why) : std::nullopt;
            if (!rules)
                throw Invalid { QStringLiteral("%1: %2").arg(field("generatedRoles.rules"), why) };
            p.generatedRoles.rules = *rules;
        }
    }
    const QString problem = p.validate();
    if (!problem.isEmpty())
        throw Invalid { where + QStringLiteral(": ") + problem };
    return p;
}

} // namespace

std::optional<GatewayAccessPolicy> GatewayAccessPolicy::parse(const QByteArray &yaml, QString *error)
{
    GatewayAccessPolicy policy;
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        if (!root.IsMap() || !root["clients"])
            throw Invalid { QStringLiteral("it has no \"clients:\" list") };
        for (const auto &kv : root) {
            const QString key = QString::fromStdString(kv.first.as<std::string>());
            if (key != QLatin1String("clients"))
                throw Invalid {
                    QStringLiteral("it has an unknown top-level field \"%1\" (only clients)").arg(key)
                };
        }
        const YAML::Node clients = root["clients"];
        if (!clients.IsSequence() || clients.size() == 0)
            throw Invalid { QStringLiteral("\"clients:\" is not a list with at least one entry") };
        for (std::size_t i = 0; i < clients.size(); ++i)
            policy.m_clients.append(readEntry(clients[i], QStringLiteral("clients[%1]").arg(i)));
    } catch (const Invalid &invalid) {
        if (error)
            *error = invalid.why;
        return std::nullopt;
    } catch (const YAML::Exception &e) {
        if (error)
            *error = QStringLiteral("it is not YAML (%1)").arg(QString::fromStdString(e.what()));
        return std::nullopt;
    }
    return policy;
}

std::optional<GatewayAccessPolicy> GatewayAccessPolicy::load(const QString &path, QString *error)
{
    const BoundedRead file = BoundedRead::fromFile(path, MaxFileBytes);
    if (!file.ok()) {
        if (error)
            *error = file.status == BoundedRead::Status::TooLarge
                ? QStringLiteral("--policy: %1; it is not a policy file.").arg(file.problem(path))
                : QStringLiteral("--policy: %1.").arg(file.problem(path));
        return std::nullopt;
    }
    const QByteArray &data = file.data;
    QString why;
    auto policy = parse(data, &why);
    if (!policy && error)
        *error = QStringLiteral("--policy: %1 is not a usable policy: %2.").arg(path, why);
    return policy;
}

const GatewayClientPolicy *GatewayAccessPolicy::entryFor(const QString &commonName) const
{
    for (const GatewayClientPolicy &entry : m_clients) {
        if (entry.matches(commonName))
            return &entry;
    }
    return nullptr;
}

} // namespace kms
