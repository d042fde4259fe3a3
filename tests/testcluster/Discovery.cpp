// Discovery, /version and the OpenAPI documents kubectl reads (OpenApi.cpp): the
// non-resource half of Cluster.
#include "ApiError.h"
#include "Cluster.h"
#include "OpenApi.h"
#include "Pki.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace kms::testcluster {

namespace {

constexpr const char *kOpenApiV2Protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

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

ApiResponse Cluster::nonResource(const ApiRequest &request, const Route &route)
{
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
    if (path == QStringLiteral("/openapi/v2")) {
        // kubectl asks for protobuf (its client-side validation reads it); JSON for anyone else.
        ApiResponse r;
        if (acceptsMediaType(request.accept, kOpenApiV2Protobuf)
            || acceptsMediaType(
                request.accept, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")) {
            r.body = openapi::v2Protobuf();
            // As kube-openapi answers it: Go's mime parser refuses the '@' of the old name.
            r.contentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
        } else if (acceptsJson(request.accept)) {
            r.body = openapi::v2Json();
        } else {
            throw ApiError(406, QStringLiteral("NotAcceptable"),
                QStringLiteral("only the following media types are accepted: application/json, %1")
                    .arg(QString::fromLatin1(kOpenApiV2Protobuf)));
        }
        return r;
    }
    if (path == QStringLiteral("/openapi/v3")) {
        ApiResponse r;
        r.body = openapi::v3Root();
        return r;
    }
    if (path.startsWith(QStringLiteral("/openapi/v3/"))) {
        if (const auto doc = openapi::v3Document(path.mid(int(qstrlen("/openapi/v3/"))))) {
            ApiResponse r;
            r.body = *doc;
            return r;
        }
    }
    throw ApiError::notFoundPlain();
}

} // namespace kms::testcluster
