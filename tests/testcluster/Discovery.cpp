// Discovery, /version and the OpenAPI v3 documents kubectl reads: the
// non-resource half of Cluster.
#include "ApiError.h"
#include "Cluster.h"
#include "Pki.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>

namespace kms::testcluster {

namespace {

const QStringList kAllVerbs { QStringLiteral("create"), QStringLiteral("delete"),
    QStringLiteral("deletecollection"), QStringLiteral("get"), QStringLiteral("list"),
    QStringLiteral("patch"), QStringLiteral("update"), QStringLiteral("watch") };

const QStringList kGroups { QStringLiteral("authentication.k8s.io"), QStringLiteral("authorization.k8s.io"),
    QStringLiteral("rbac.authorization.k8s.io") };

QJsonObject groupObject(const QString &group)
{
    const QJsonObject version { { QStringLiteral("groupVersion"), group + QStringLiteral("/v1") },
        { QStringLiteral("version"), QStringLiteral("v1") } };
    return QJsonObject { { QStringLiteral("name"), group },
        { QStringLiteral("versions"), QJsonArray { version } },
        { QStringLiteral("preferredVersion"), version } };
}

ApiResponse json(const QJsonObject &o)
{
    ApiResponse r;
    r.body = QJsonDocument(o).toJson(QJsonDocument::Compact);
    return r;
}

QString pathPrefix(const QString &group)
{
    return group.isEmpty() ? QStringLiteral("/api/v1") : QStringLiteral("/apis/%1/v1").arg(group);
}

QString operationKind(const QString &group)
{
    if (group.isEmpty())
        return QStringLiteral("CoreV1");
    QString g = group.section(u'.', 0, 0);
    if (group == QStringLiteral("rbac.authorization.k8s.io"))
        g = QStringLiteral("RbacAuthorization");
    else
        g[0] = g[0].toUpper();
    return g + QStringLiteral("V1");
}

QJsonObject operation(const QString &verb, const QString &operationId, const QString &group,
    const QString &kind, bool withFieldValidation)
{
    QJsonArray parameters { QJsonObject { { QStringLiteral("name"), QStringLiteral("dryRun") },
                                { QStringLiteral("in"), QStringLiteral("query") },
                                { QStringLiteral("schema"),
                                    QJsonObject { { QStringLiteral("type"), QStringLiteral("string") } } } },
        QJsonObject { { QStringLiteral("name"), QStringLiteral("fieldManager") },
            { QStringLiteral("in"), QStringLiteral("query") },
            { QStringLiteral("schema"),
                QJsonObject { { QStringLiteral("type"), QStringLiteral("string") } } } } };
    if (withFieldValidation) {
        parameters.append(QJsonObject { { QStringLiteral("name"), QStringLiteral("fieldValidation") },
            { QStringLiteral("in"), QStringLiteral("query") },
            { QStringLiteral("schema"),
                QJsonObject { { QStringLiteral("type"), QStringLiteral("string") } } } });
    }
    return QJsonObject { { QStringLiteral("operationId"), operationId },
        { QStringLiteral("parameters"), parameters },
        { QStringLiteral("responses"),
            QJsonObject { { QStringLiteral("200"),
                QJsonObject { { QStringLiteral("description"), QStringLiteral("OK") } } } } },
        { QStringLiteral("x-kubernetes-action"), verb },
        { QStringLiteral("x-kubernetes-group-version-kind"),
            QJsonObject { { QStringLiteral("group"), group },
                { QStringLiteral("version"), QStringLiteral("v1") }, { QStringLiteral("kind"), kind } } } };
}

} // namespace

QJsonObject Cluster::discoveryResourceList(const QString &group, const QString &version) const
{
    QJsonArray resources;
    for (const ResourceType &t : storedResources()) {
        if (t.group != group || t.version != version)
            continue;
        QJsonObject r { { QStringLiteral("name"), t.plural }, { QStringLiteral("singularName"), t.singular },
            { QStringLiteral("namespaced"), t.namespaced }, { QStringLiteral("kind"), t.kind },
            { QStringLiteral("verbs"), QJsonArray::fromStringList(kAllVerbs) } };
        if (!t.categories.isEmpty())
            r.insert(QStringLiteral("categories"), QJsonArray::fromStringList(t.categories));
        if (!t.shortNames.isEmpty())
            r.insert(QStringLiteral("shortNames"), QJsonArray::fromStringList(t.shortNames));
        resources.append(r);
        for (const auto &[sub, kind] : t.subresources) {
            resources.append(QJsonObject { { QStringLiteral("name"), t.plural + u'/' + sub },
                { QStringLiteral("singularName"), QString() }, { QStringLiteral("namespaced"), t.namespaced },
                { QStringLiteral("group"), QStringLiteral("authentication.k8s.io") },
                { QStringLiteral("version"), QStringLiteral("v1") }, { QStringLiteral("kind"), kind },
                { QStringLiteral("verbs"), QJsonArray { QStringLiteral("create") } } });
        }
    }
    for (const ReviewResource &r : reviewResources()) {
        if (r.group != group)
            continue;
        resources.append(QJsonObject { { QStringLiteral("name"), r.plural },
            { QStringLiteral("singularName"), r.singular }, { QStringLiteral("namespaced"), r.namespaced },
            { QStringLiteral("kind"), r.kind },
            { QStringLiteral("verbs"), QJsonArray { QStringLiteral("create") } } });
    }
    QJsonObject list { { QStringLiteral("kind"), QStringLiteral("APIResourceList") },
        { QStringLiteral("groupVersion"), group.isEmpty() ? version : group + u'/' + version },
        { QStringLiteral("resources"), resources } };
    if (!group.isEmpty())
        list.insert(QStringLiteral("apiVersion"), QStringLiteral("v1"));
    return list;
}

std::optional<QJsonObject> Cluster::openApiV3Document(const QString &groupVersionPath) const
{
    QString group;
    if (groupVersionPath == QStringLiteral("api/v1"))
        group.clear();
    else if (groupVersionPath.startsWith(QStringLiteral("apis/"))
        && groupVersionPath.endsWith(QStringLiteral("/v1"))
        && kGroups.contains(groupVersionPath.section(u'/', 1, 1)))
        group = groupVersionPath.section(u'/', 1, 1);
    else
        return std::nullopt;
    QJsonObject paths;
    for (const ResourceType &t : storedResources()) {
        if (t.group != group)
            continue;
        const QString scope = t.namespaced ? QStringLiteral("Namespaced") : QString();
        const QString collection = pathPrefix(group)
            + (t.namespaced ? QStringLiteral("/namespaces/{namespace}/") : QStringLiteral("/")) + t.plural;
        const QString op = operationKind(group);
        paths.insert(collection,
            QJsonObject { { QStringLiteral("get"),
                              operation(QStringLiteral("list"), QStringLiteral("list") + op + scope + t.kind,
                                  group, t.kind, false) },
                { QStringLiteral("post"),
                    operation(QStringLiteral("post"), QStringLiteral("create") + op + scope + t.kind, group,
                        t.kind, true) } });
        paths.insert(collection + QStringLiteral("/{name}"),
            QJsonObject { { QStringLiteral("get"),
                              operation(QStringLiteral("get"), QStringLiteral("read") + op + scope + t.kind,
                                  group, t.kind, false) },
                { QStringLiteral("put"),
                    operation(QStringLiteral("put"), QStringLiteral("replace") + op + scope + t.kind, group,
                        t.kind, true) },
                { QStringLiteral("patch"),
                    operation(QStringLiteral("patch"), QStringLiteral("patch") + op + scope + t.kind, group,
                        t.kind, true) },
                { QStringLiteral("delete"),
                    operation(QStringLiteral("delete"), QStringLiteral("delete") + op + scope + t.kind, group,
                        t.kind, false) } });
        if (t.kind == QStringLiteral("ServiceAccount")) {
            paths.insert(collection + QStringLiteral("/{name}/token"),
                QJsonObject { { QStringLiteral("post"),
                    operation(QStringLiteral("post"),
                        QStringLiteral("createCoreV1NamespacedServiceAccountToken"),
                        QStringLiteral("authentication.k8s.io"), QStringLiteral("TokenRequest"), true) } });
        }
    }
    for (const ReviewResource &r : reviewResources()) {
        if (r.group != group)
            continue;
        const QString path = pathPrefix(group)
            + (r.namespaced ? QStringLiteral("/namespaces/{namespace}/") : QStringLiteral("/")) + r.plural;
        paths.insert(path,
            QJsonObject { { QStringLiteral("post"),
                operation(QStringLiteral("post"), QStringLiteral("create") + operationKind(group) + r.kind,
                    group, r.kind, true) } });
    }
    return QJsonObject { { QStringLiteral("openapi"), QStringLiteral("3.0.0") },
        { QStringLiteral("info"),
            QJsonObject { { QStringLiteral("title"), QStringLiteral("Kubernetes") },
                { QStringLiteral("version"), QStringLiteral("v1.32.0") } } },
        { QStringLiteral("paths"), paths },
        { QStringLiteral("components"), QJsonObject { { QStringLiteral("schemas"), QJsonObject() } } } };
}

QJsonObject Cluster::openApiV3Root() const
{
    QJsonObject paths;
    QStringList gvs { QStringLiteral("api/v1") };
    for (const QString &g : kGroups)
        gvs << QStringLiteral("apis/%1/v1").arg(g);
    for (const QString &gv : gvs) {
        const QByteArray doc = QJsonDocument(*openApiV3Document(gv)).toJson(QJsonDocument::Compact);
        const QString hash = QString::fromLatin1(
            QCryptographicHash::hash(doc, QCryptographicHash::Sha512).toHex().toUpper());
        paths.insert(gv,
            QJsonObject { { QStringLiteral("serverRelativeURL"),
                QStringLiteral("/openapi/v3/%1?hash=%2").arg(gv, hash) } });
    }
    return QJsonObject { { QStringLiteral("paths"), paths } };
}

ApiResponse Cluster::nonResource(const ApiRequest &request, const Route &route)
{
    Q_UNUSED(request)
    QString path = route.path;
    while (path.size() > 1 && path.endsWith(u'/'))
        path.chop(1);
    if (route.verb != QStringLiteral("get") && route.verb != QStringLiteral("head"))
        throw ApiError::methodNotAllowed(route.verb);
    if (path == QStringLiteral("/version")) {
        return json(QJsonObject { { QStringLiteral("major"), QStringLiteral("1") },
            { QStringLiteral("minor"), QStringLiteral("32") },
            { QStringLiteral("gitVersion"), QStringLiteral("v1.32.0") },
            { QStringLiteral("gitCommit"), QStringLiteral("0000000000000000000000000000000000000000") },
            { QStringLiteral("gitTreeState"), QStringLiteral("clean") },
            { QStringLiteral("buildDate"), QStringLiteral("2024-12-11T00:00:00Z") },
            { QStringLiteral("goVersion"), QStringLiteral("go1.23.3") },
            { QStringLiteral("compiler"), QStringLiteral("gc") },
            { QStringLiteral("platform"), QStringLiteral("linux/amd64") } });
    }
    if (path == QStringLiteral("/healthz") || path == QStringLiteral("/livez")
        || path == QStringLiteral("/readyz")) {
        ApiResponse r;
        r.body = "ok";
        r.contentType = "text/plain; charset=utf-8";
        return r;
    }
    if (path == QStringLiteral("/api")) {
        return json(QJsonObject { { QStringLiteral("kind"), QStringLiteral("APIVersions") },
            { QStringLiteral("versions"), QJsonArray { QStringLiteral("v1") } },
            { QStringLiteral("serverAddressByClientCIDRs"),
                QJsonArray { QJsonObject { { QStringLiteral("clientCIDR"), QStringLiteral("0.0.0.0/0") },
                    { QStringLiteral("serverAddress"), m_options.serverAddress } } } } });
    }
    if (path == QStringLiteral("/apis")) {
        QJsonArray groups;
        for (const QString &g : kGroups)
            groups.append(groupObject(g));
        return json(QJsonObject { { QStringLiteral("kind"), QStringLiteral("APIGroupList") },
            { QStringLiteral("apiVersion"), QStringLiteral("v1") }, { QStringLiteral("groups"), groups } });
    }
    if (path == QStringLiteral("/api/v1"))
        return json(discoveryResourceList({}, QStringLiteral("v1")));
    const QStringList parts = path.split(u'/', Qt::SkipEmptyParts);
    if (parts.size() == 2 && parts[0] == QStringLiteral("apis") && kGroups.contains(parts[1])) {
        QJsonObject g = groupObject(parts[1]);
        g.insert(QStringLiteral("kind"), QStringLiteral("APIGroup"));
        g.insert(QStringLiteral("apiVersion"), QStringLiteral("v1"));
        return json(g);
    }
    if (parts.size() == 3 && parts[0] == QStringLiteral("apis") && kGroups.contains(parts[1])
        && parts[2] == QStringLiteral("v1"))
        return json(discoveryResourceList(parts[1], QStringLiteral("v1")));
    // ServiceAccountIssuerDiscovery: how a relying party verifies service account tokens.
    if (path == QStringLiteral("/.well-known/openid-configuration")) {
        return json(QJsonObject { { QStringLiteral("issuer"), m_tokens.issuer() },
            { QStringLiteral("jwks_uri"), m_tokens.issuer() + QStringLiteral("/openid/v1/jwks") },
            { QStringLiteral("response_types_supported"), QJsonArray { QStringLiteral("id_token") } },
            { QStringLiteral("subject_types_supported"), QJsonArray { QStringLiteral("public") } },
            { QStringLiteral("id_token_signing_alg_values_supported"),
                QJsonArray { QStringLiteral("RS256") } } });
    }
    if (path == QStringLiteral("/openid/v1/jwks")) {
        ApiResponse r = json(QJsonObject { { QStringLiteral("keys"), QJsonArray { m_pki.signingJwk() } } });
        r.contentType = "application/jwk-set+json";
        return r;
    }
    if (path == QStringLiteral("/openapi/v3"))
        return json(openApiV3Root());
    if (path.startsWith(QStringLiteral("/openapi/v3/"))) {
        if (const auto doc = openApiV3Document(path.mid(int(qstrlen("/openapi/v3/")))))
            return json(*doc);
    }
    throw ApiError::notFoundPlain();
}

} // namespace kms::testcluster
