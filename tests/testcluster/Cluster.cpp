#include "Cluster.h"

#include "ApiError.h"
#include "JsonPatch.h"
#include "Pki.h"
#include "Protobuf.h"
#include "Selector.h"
#include "Table.h"
#include "Validation.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

namespace kms::testcluster {

namespace {

const QString kRbacGroup = QStringLiteral("rbac.authorization.k8s.io");
const QString kAuthnGroup = QStringLiteral("authentication.k8s.io");
const QString kAuthzGroup = QStringLiteral("authorization.k8s.io");
const QString kSaTokenType = QStringLiteral("kubernetes.io/service-account-token");
const QString kSaNameAnnotation = QStringLiteral("kubernetes.io/service-account.name");
const QString kSaUidAnnotation = QStringLiteral("kubernetes.io/service-account.uid");

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

ApiResponse tableResponse(const QJsonObject &table)
{
    ApiResponse r;
    r.body = QJsonDocument(table).toJson(QJsonDocument::Compact);
    r.contentType = "application/json;as=Table;v=v1;g=meta.k8s.io";
    return r;
}

ApiResponse jsonResponse(int status, const QJsonObject &body)
{
    ApiResponse r;
    r.status = status;
    r.body = toJson(body);
    return r;
}

QJsonObject meta(const QJsonObject &o)
{
    return o.value(QStringLiteral("metadata")).toObject();
}

QString metaString(const QJsonObject &o, const QString &key)
{
    return meta(o).value(key).toString();
}

void setMeta(QJsonObject &o, const QJsonObject &m)
{
    o.insert(QStringLiteral("metadata"), m);
}

const ResourceType &core(const char *plural)
{
    return *findResource({}, QStringLiteral("v1"), QString::fromLatin1(plural));
}

const ResourceType &rbac(const char *plural)
{
    return *findResource(kRbacGroup, QStringLiteral("v1"), QString::fromLatin1(plural));
}

QString randomSuffix()
{
    // k8s.io/apiserver/pkg/storage/names: 5 chars from an alphabet without vowels and lookalikes.
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    QString s;
    for (int i = 0; i < 5; ++i)
        s += QLatin1Char(alphabet[QRandomGenerator::global()->bounded(int(sizeof alphabet - 1))]);
    return s;
}

QStringList stringList(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &e : v.toArray())
        out << e.toString();
    return out;
}

QJsonObject statusSuccess(const ResourceType &type, const QJsonObject &object)
{
    QJsonObject details { { QStringLiteral("name"), metaString(object, QStringLiteral("name")) },
        { QStringLiteral("kind"), type.plural },
        { QStringLiteral("uid"), metaString(object, QStringLiteral("uid")) } };
    if (!type.group.isEmpty())
        details.insert(QStringLiteral("group"), type.group);
    return QJsonObject { { QStringLiteral("kind"), QStringLiteral("Status") },
        { QStringLiteral("apiVersion"), QStringLiteral("v1") }, { QStringLiteral("metadata"), QJsonObject() },
        { QStringLiteral("status"), QStringLiteral("Success") }, { QStringLiteral("details"), details } };
}

QJsonObject parseBody(const ApiRequest &request, const QString &kindForMessage)
{
    const QByteArray &body = request.body;
    if (body.trimmed().isEmpty())
        return {};
    const QByteArray contentType = request.contentType.split(';').first().trimmed().toLower();
    if (contentType == "application/vnd.kubernetes.protobuf")
        return decodeKubernetesProtobuf(body);
    if (!contentType.isEmpty() && contentType != "application/json" && contentType != "*/*") {
        throw ApiError::unsupportedMediaType(
            QStringLiteral("the body of the request was in an unknown format - accepted media types include: "
                           "application/json, application/vnd.kubernetes.protobuf"));
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        if (!kindForMessage.isEmpty()) {
            throw ApiError::badRequest(QStringLiteral("%1 in version \"v1\" cannot be handled as a %1: %2")
                                           .arg(kindForMessage, error.errorString()));
        }
        throw ApiError::badRequest(
            QStringLiteral("couldn't get version/kind; json parse error: ") + error.errorString());
    }
    return doc.object();
}

} // namespace

Cluster::Cluster(const Pki &pki, Options options)
    : m_options(std::move(options))
    , m_store([this] { return now(); })
    , m_rbac(m_store)
    , m_tokens(pki, m_store, QStringLiteral("https://kubernetes.default.svc.cluster.local"))
    , m_pki(pki)
{
    m_store.setListener(
        [this](const ResourceType &type, const QString &eventType, const QJsonObject &object) {
            WatchEvent event { &type, eventType, object,
                metaString(object, QStringLiteral("resourceVersion")).toULongLong() };
            m_history.push_back(event);
            if (m_history.size() > 10000)
                m_history.pop_front();
            if (m_watchSink)
                m_watchSink(event);
        });
    for (const QString &ns : { QStringLiteral("default"), QStringLiteral("kube-node-lease"),
             QStringLiteral("kube-public"), QStringLiteral("kube-system") }) {
        const Route route { true, {}, QStringLiteral("v1"), QStringLiteral("namespaces"), {}, {}, {}, {},
            {} };
        UserInfo system { QStringLiteral("system:apiserver"), {}, { QStringLiteral("system:masters") }, {} };
        createObject(core("namespaces"), route, system,
            QJsonObject { { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), ns } } } },
            {});
    }
    for (const QJsonObject &role : bootstrapClusterRoles())
        m_store.create(rbac("clusterroles"), role);
    for (const QJsonObject &binding : bootstrapClusterRoleBindings())
        m_store.create(rbac("clusterrolebindings"), binding);
}

bool Cluster::parseTokenAuthFile(
    const QByteArray &content, QHash<QByteArray, UserInfo> *tokens, QString *error)
{
    int lineNumber = 0;
    for (const QByteArray &raw : content.split('\n')) {
        ++lineNumber;
        const QByteArray line = raw.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        // Three plain fields, then an optional (quoted) comma-separated group list.
        QList<QByteArray> fields;
        qsizetype start = 0;
        for (int i = 0; i < 3; ++i) {
            const qsizetype comma = line.indexOf(',', start);
            fields << (comma < 0 ? line.mid(start) : line.mid(start, comma - start)).trimmed();
            start = comma < 0 ? line.size() : comma + 1;
        }
        QByteArray groups = line.mid(start).trimmed();
        if (groups.startsWith('"') && groups.endsWith('"') && groups.size() >= 2)
            groups = groups.mid(1, groups.size() - 2);
        if (fields[0].isEmpty() || fields[1].isEmpty()) {
            *error = QStringLiteral("line %1: expected token,user,uid[,\"group1,group2\"]").arg(lineNumber);
            return false;
        }
        UserInfo user { QString::fromUtf8(fields[1]), QString::fromUtf8(fields[2]), {}, {} };
        for (const QByteArray &g : groups.split(',')) {
            if (!g.trimmed().isEmpty())
                user.groups << QString::fromUtf8(g.trimmed());
        }
        user.groups << QStringLiteral("system:authenticated");
        tokens->insert(fields[0], user);
    }
    return true;
}

QDateTime Cluster::now() const
{
    return QDateTime::currentDateTimeUtc().addSecs(m_clockOffsetSeconds);
}

std::optional<UserInfo> Cluster::authenticate(const QByteArray &authorization) const
{
    const QByteArray prefix = "Bearer ";
    if (!authorization.startsWith(prefix))
        return std::nullopt;
    const QByteArray token = authorization.mid(prefix.size()).trimmed();
    if (token.isEmpty())
        return std::nullopt;
    if (token == m_options.adminToken) {
        return UserInfo { QStringLiteral("kubernetes-admin"), {},
            { QStringLiteral("system:masters"), QStringLiteral("system:authenticated") }, {} };
    }
    if (const auto it = m_options.staticTokens.constFind(token); it != m_options.staticTokens.constEnd())
        return *it;
    const TokenAuthority::Result result = m_tokens.authenticate(QString::fromLatin1(token), {}, now());
    if (!result.authenticated)
        return std::nullopt;
    return result.user;
}

TokenAuthority::Result Cluster::authenticateToken(
    const QString &token, const QStringList &audiences, QList<QPair<QByteArray, QByteArray>> *warnings)
{
    const QString cacheKey = audiences.join(u'\n') + u'\t' + token;
    TokenAuthority::Result result;
    const auto cached = m_tokenCache.constFind(cacheKey);
    if (m_tokenCacheSeconds > 0 && cached != m_tokenCache.constEnd() && cached->until > now()) {
        result = cached->result;
    } else {
        result = m_tokens.authenticate(token, audiences, now());
        if (m_tokenCacheSeconds > 0 && result.authenticated)
            m_tokenCache.insert(
                cacheKey, CachedAuthentication { result, now().addSecs(m_tokenCacheSeconds) });
    }
    if (!result.authenticated || result.legacySecretName.isEmpty())
        return result;
    if (result.legacyAutoGenerated && warnings) {
        warnings->append(qMakePair(QByteArray("Warning"),
            QByteArray("299 - \"Use tokens from the TokenRequest API or manually created "
                       "secret-based tokens instead of auto-generated secret-based tokens.\"")));
    }
    // LegacyServiceAccountTokenTracking: the day a legacy token was last used, on its Secret.
    const auto secret = m_store.get(core("secrets"), result.legacySecretNamespace, result.legacySecretName);
    const QString today = now().date().toString(Qt::ISODate);
    const QString label = QStringLiteral("kubernetes.io/legacy-token-last-used");
    if (secret && meta(*secret).value(QStringLiteral("labels")).toObject().value(label).toString() != today) {
        QJsonObject updated = *secret;
        QJsonObject m = meta(updated);
        QJsonObject labels = m.value(QStringLiteral("labels")).toObject();
        labels.insert(label, today);
        m.insert(QStringLiteral("labels"), labels);
        setMeta(updated, m);
        m_store.update(core("secrets"), updated);
    }
    return result;
}

ApiResponse Cluster::handle(const ApiRequest &request)
{
    QList<QPair<QByteArray, QByteArray>> warnings;
    ApiResponse response = handleAuthenticated(request, &warnings);
    response.headers = warnings + response.headers;
    return response;
}

ApiResponse Cluster::handleAuthenticated(
    const ApiRequest &request, QList<QPair<QByteArray, QByteArray>> *warnings)
{
    try {
        std::optional<UserInfo> user;
        const QByteArray prefix = "Bearer ";
        const QByteArray token = request.authorization.startsWith(prefix)
            ? request.authorization.mid(prefix.size()).trimmed()
            : QByteArray();
        if (!token.isEmpty() && (token == m_options.adminToken || m_options.staticTokens.contains(token))) {
            user = authenticate(request.authorization);
        } else if (!token.isEmpty()) {
            const TokenAuthority::Result result = authenticateToken(QString::fromLatin1(token), {}, warnings);
            if (result.authenticated)
                user = result.user;
        }
        if (!user)
            throw ApiError::unauthorized();

        Route route;
        route.path = request.path;
        QStringList parts = request.path.split(u'/', Qt::SkipEmptyParts);
        int versionIndex = -1;
        if (parts.size() >= 3 && parts[0] == QStringLiteral("api")) {
            route.version = parts[1];
            versionIndex = 1;
        } else if (parts.size() >= 4 && parts[0] == QStringLiteral("apis")) {
            route.group = parts[1];
            route.version = parts[2];
            versionIndex = 2;
        }
        const QString method = QString::fromLatin1(request.method).toLower();
        if (versionIndex < 0) {
            route.resourceRequest = false;
            route.verb = method;
        } else {
            route.resourceRequest = true;
            QStringList rest = parts.mid(versionIndex + 1);
            if (rest[0] == QStringLiteral("namespaces") && rest.size() > 1) {
                route.ns = rest[1];
                if (rest.size() > 2 && rest[2] != QStringLiteral("status")
                    && rest[2] != QStringLiteral("finalize"))
                    rest = rest.mid(2);
            }
            route.resource = rest.value(0);
            route.name = rest.value(1);
            route.subresource = rest.value(2);
            if (rest.size() > 3)
                throw ApiError::notFoundPlain();
            if (method == QStringLiteral("get") || method == QStringLiteral("head")) {
                const QString watch = request.query.queryItemValue(QStringLiteral("watch"));
                if (watch == QStringLiteral("true") || watch == QStringLiteral("1"))
                    route.verb = QStringLiteral("watch");
                else
                    route.verb = route.name.isEmpty() ? QStringLiteral("list") : QStringLiteral("get");
            } else if (method == QStringLiteral("post")) {
                route.verb = QStringLiteral("create");
            } else if (method == QStringLiteral("put")) {
                route.verb = QStringLiteral("update");
            } else if (method == QStringLiteral("patch")) {
                route.verb = QStringLiteral("patch");
            } else if (method == QStringLiteral("delete")) {
                route.verb
                    = route.name.isEmpty() ? QStringLiteral("deletecollection") : QStringLiteral("delete");
            } else {
                route.verb = method;
            }
        }

        RequestAttributes attributes { route.resourceRequest, route.verb, route.ns, route.group,
            route.resource, route.subresource, route.name, route.path };
        const bool allowed = m_rbac.authorize(*user, attributes);
        if (route.resourceRequest) {
            m_authorizations.push_back({ user->name, attributes, allowed });
            if (qsizetype(m_authorizations.size()) > MaxAuthorizations)
                m_authorizations.pop_front();
        }
        if (!allowed) {
            QString why;
            if (!route.resourceRequest) {
                why = QStringLiteral("User %1 cannot %2 path %3")
                          .arg(goQuote(user->name), route.verb, goQuote(route.path));
                throw ApiError::forbidden({}, {}, {}, why);
            }
            const QString resource
                = route.subresource.isEmpty() ? route.resource : route.resource + u'/' + route.subresource;
            why = QStringLiteral("User %1 cannot %2 resource %3 in API group %4")
                      .arg(goQuote(user->name), route.verb, goQuote(resource), goQuote(route.group));
            why += route.ns.isEmpty() ? QStringLiteral(" at the cluster scope")
                                      : QStringLiteral(" in the namespace %1").arg(goQuote(route.ns));
            const QStringList errors = m_rbac.resolutionErrors(*user, route.ns);
            if (!errors.isEmpty()) {
                why += QStringLiteral(": RBAC: ")
                    + (errors.size() == 1 ? errors.first() : u'[' + errors.join(QStringLiteral(", ")) + u']');
            }
            throw ApiError::forbidden(route.group, route.resource, route.name, why);
        }
        // Answers are JSON: a client that accepts none of it gets 406, as for any media type a
        // server lacks. /openapi/v2 also speaks protobuf and negotiates itself.
        if (!acceptsJson(request.accept) && route.path != QStringLiteral("/openapi/v2")) {
            if (route.path != QStringLiteral("/healthz") && route.path != QStringLiteral("/livez")
                && route.path != QStringLiteral("/readyz")) {
                throw ApiError(406, QStringLiteral("NotAcceptable"),
                    QStringLiteral("only the following media types are accepted: application/json"));
            }
        }
        if (!route.resourceRequest)
            return nonResource(request, route);
        return dispatch(request, *user, route);
    } catch (const ApiError &e) {
        return jsonResponse(e.code(), e.status());
    }
}

bool acceptsMediaType(const QByteArray &accept, const QByteArray &mediaType)
{
    for (const QByteArray &entry : accept.split(',')) {
        if (entry.split(';').first().trimmed().toLower() == mediaType)
            return true;
    }
    return false;
}

bool acceptsJson(const QByteArray &accept)
{
    return accept.isEmpty() || acceptsMediaType(accept, "application/json") || acceptsMediaType(accept, "*/*")
        || acceptsMediaType(accept, "application/*");
}

ApiResponse Cluster::dispatch(const ApiRequest &request, const UserInfo &user, const Route &route)
{
    if (route.version != QStringLiteral("v1"))
        throw ApiError::notFoundPlain();

    if (const ReviewResource *v = findReview(route.group, route.resource)) {
        if (route.verb != QStringLiteral("create") || !route.name.isEmpty())
            throw ApiError::methodNotAllowed(QString::fromLatin1(request.method));
        if (v->namespaced != !route.ns.isEmpty())
            throw ApiError::notFoundPlain();
        const QJsonObject body = parseBody(request, {});
        QJsonObject answer;
        if (v->plural == QStringLiteral("tokenreviews"))
            answer = tokenReview(body);
        else if (v->plural == QStringLiteral("selfsubjectrulesreviews"))
            answer = selfSubjectRulesReview(body, user);
        else if (v->plural == QStringLiteral("selfsubjectreviews"))
            answer = selfSubjectReview(user);
        else
            answer = subjectAccessReview(body, user, v->kind, route.ns);
        return jsonResponse(201, answer);
    }

    // No CustomResourceDefinitions are installed. kubectl lists them while it
    // validates a kind on the client (one the OpenAPI documents give no PATCH
    // for, as the reviews), so the list is there, and empty.
    if (route.group == QStringLiteral("apiextensions.k8s.io")
        && route.resource == QStringLiteral("customresourcedefinitions") && route.name.isEmpty()
        && route.verb == QStringLiteral("list")) {
        return jsonResponse(200,
            QJsonObject { { QStringLiteral("kind"), QStringLiteral("CustomResourceDefinitionList") },
                { QStringLiteral("apiVersion"), QStringLiteral("apiextensions.k8s.io/v1") },
                { QStringLiteral("metadata"),
                    QJsonObject { { QStringLiteral("resourceVersion"), m_store.resourceVersion() } } },
                { QStringLiteral("items"), QJsonArray() } });
    }
    const ResourceType *type = findResource(route.group, route.version, route.resource);
    if (!type)
        throw ApiError::notFoundPlain();
    if (type->namespaced && route.ns.isEmpty() && !route.name.isEmpty())
        throw ApiError::notFoundPlain();
    if (!type->namespaced && !route.ns.isEmpty() && type->plural != QStringLiteral("namespaces"))
        throw ApiError::notFoundPlain();
    Route r = route;
    if (type->plural == QStringLiteral("namespaces"))
        r.ns.clear();

    if (!r.subresource.isEmpty()) {
        if (type->plural == QStringLiteral("serviceaccounts") && r.subresource == QStringLiteral("token")) {
            if (r.verb != QStringLiteral("create"))
                throw ApiError::methodNotAllowed(QString::fromLatin1(request.method));
            return tokenRequest(r, parseBody(request, {}));
        }
        throw ApiError::notFoundPlain();
    }

    // kubectl's human output: a Table when asked for one.
    const bool table = request.accept.contains("as=Table") && request.accept.contains("g=meta.k8s.io");
    const QString includeObject = request.query.queryItemValue(QStringLiteral("includeObject"));
    if (r.verb == QStringLiteral("get")) {
        const auto object = m_store.get(*type, r.ns, r.name);
        if (!object)
            throw ApiError::notFound(type->group, type->plural, r.name);
        if (table)
            return tableResponse(
                toTable(*type, { *object }, m_store.resourceVersion(), now(), includeObject));
        return jsonResponse(200, *object);
    }
    if (r.verb == QStringLiteral("list")) {
        const QJsonObject list = listObjects(*type, r, request.query);
        if (table) {
            QList<QJsonObject> items;
            for (const QJsonValue &v : list.value(QStringLiteral("items")).toArray()) {
                QJsonObject item = v.toObject();
                item.insert(QStringLiteral("apiVersion"), type->apiVersion());
                item.insert(QStringLiteral("kind"), type->kind);
                items.append(item);
            }
            return tableResponse(toTable(*type, items, m_store.resourceVersion(), now(), includeObject));
        }
        return jsonResponse(200, list);
    }
    if (r.verb == QStringLiteral("watch")) {
        ApiResponse response;
        response.watch = startWatch(*type, r, request.query, table);
        return response;
    }
    if (r.verb == QStringLiteral("create")) {
        if (!r.name.isEmpty())
            throw ApiError::methodNotAllowed(QString::fromLatin1(request.method));
        if (type->namespaced && r.ns.isEmpty())
            throw ApiError::notFoundPlain();
        const QJsonObject created
            = createObject(*type, r, user, parseBody(request, type->kind), request.query);
        return jsonResponse(201, created);
    }
    if (r.verb == QStringLiteral("update")) {
        QJsonObject body = parseBody(request, type->kind);
        // The RBAC kinds allow create on update (their registries' AllowCreateOnUpdate).
        if (type->group == kRbacGroup && !m_store.get(*type, r.ns, r.name)) {
            QJsonObject m = meta(body);
            const QString bodyName = m.value(QStringLiteral("name")).toString();
            if (!bodyName.isEmpty() && bodyName != r.name) {
                throw ApiError::badRequest(
                    QStringLiteral("the name of the object (%1) does not match the name on the URL (%2)")
                        .arg(bodyName, r.name));
            }
            m.insert(QStringLiteral("name"), r.name);
            m.remove(QStringLiteral("resourceVersion"));
            setMeta(body, m);
            return jsonResponse(201, createObject(*type, r, user, body, request.query));
        }
        return jsonResponse(200, updateObject(*type, r, user, body, false, request.query));
    }
    if (r.verb == QStringLiteral("patch")) {
        const auto current = m_store.get(*type, r.ns, r.name);
        if (!current)
            throw ApiError::notFound(type->group, type->plural, r.name);
        const QByteArray contentType = request.contentType.split(';').first().trimmed();
        QJsonObject patched;
        if (contentType != "application/merge-patch+json"
            && contentType != "application/strategic-merge-patch+json"
            && contentType != "application/json-patch+json") {
            throw ApiError::unsupportedMediaType(QStringLiteral(
                "the body of the request was in an unknown format - accepted media types include: "
                "application/json-patch+json, application/merge-patch+json, "
                "application/strategic-merge-patch+json"));
        }
        QJsonParseError error;
        const QJsonDocument patch = QJsonDocument::fromJson(request.body, &error);
        if (error.error != QJsonParseError::NoError)
            throw ApiError::badRequest(QStringLiteral("error decoding patch: ") + error.errorString());
        const bool wantsArray = contentType == "application/json-patch+json";
        if ((wantsArray && !patch.isArray()) || (!wantsArray && !patch.isObject())) {
            throw ApiError::badRequest(wantsArray
                    ? QStringLiteral("a JSON patch must be a JSON array of operations")
                    : QStringLiteral("a merge patch must be a JSON object"));
        }
        if (contentType == "application/merge-patch+json") {
            patched = applyMergePatch(*current, patch.object());
        } else if (contentType == "application/strategic-merge-patch+json") {
            patched = applyStrategicMergePatch(type->kind, *current, patch.object());
        } else {
            patched = applyJsonPatch(*current, patch.array());
        }
        return jsonResponse(200, updateObject(*type, r, user, patched, true, request.query));
    }
    if (r.verb == QStringLiteral("delete"))
        return deleteObject(*type, r, parseBody(request, {}), request.query);
    if (r.verb == QStringLiteral("deletecollection")) {
        const QJsonObject list = listObjects(*type, r, request.query);
        QJsonArray deleted;
        for (const QJsonValue &item : list.value(QStringLiteral("items")).toArray()) {
            removeObject(*type, item.toObject(), false);
            deleted.append(item);
        }
        QJsonObject out = list;
        out.insert(QStringLiteral("items"), deleted);
        return jsonResponse(200, out);
    }
    throw ApiError::methodNotAllowed(QString::fromLatin1(request.method));
}

bool WatchRequest::matches(const WatchEvent &event) const
{
    if (event.type != type)
        return false;
    const QJsonObject m = meta(event.object);
    if (!ns.isEmpty() && m.value(QStringLiteral("namespace")).toString() != ns)
        return false;
    return labels.matches(m.value(QStringLiteral("labels")).toObject()) && fields.matches(event.object);
}

QByteArray WatchRequest::encode(const QString &eventType, const QJsonObject &object)
{
    return QJsonDocument(
               QJsonObject { { QStringLiteral("type"), eventType }, { QStringLiteral("object"), object } })
               .toJson(QJsonDocument::Compact)
        + '\n';
}

std::shared_ptr<WatchRequest> Cluster::startWatch(
    const ResourceType &type, const Route &route, const QUrlQuery &query, bool table)
{
    auto watch = std::make_shared<WatchRequest>();
    if (table) {
        const QString includeObject = query.queryItemValue(QStringLiteral("includeObject"));
        watch->transform = [this, &type, includeObject](const QJsonObject &object) {
            return toTable(type, { object }, m_store.resourceVersion(), now(), includeObject);
        };
    }
    watch->type = &type;
    watch->ns = route.ns;
    watch->labels
        = LabelSelector::parse(query.queryItemValue(QStringLiteral("labelSelector"), QUrl::FullyDecoded));
    watch->fields = FieldSelector::parse(
        query.queryItemValue(QStringLiteral("fieldSelector"), QUrl::FullyDecoded), type.kind);
    if (!route.name.isEmpty()) // the legacy /watch-by-name form: GET .../name?watch=true
        watch->fields = FieldSelector::parse(QStringLiteral("metadata.name=") + route.name, type.kind);
    if (query.hasQueryItem(QStringLiteral("timeoutSeconds"))) {
        bool ok = false;
        watch->timeoutSeconds = query.queryItemValue(QStringLiteral("timeoutSeconds")).toLongLong(&ok);
        if (!ok || watch->timeoutSeconds < 0)
            throw ApiError::badRequest(QStringLiteral("timeoutSeconds must be a non-negative integer"));
    }
    const QString rv = query.queryItemValue(QStringLiteral("resourceVersion"));
    if (rv.isEmpty() || rv == QStringLiteral("0")) {
        // Start from the current state: a synthetic ADDED per object.
        for (const QJsonObject &o : m_store.list(type, route.ns)) {
            WatchEvent event { &type, QStringLiteral("ADDED"), o, 0 };
            if (watch->matches(event))
                watch->initialEvents.append(watch->encodeEvent(event.eventType, o));
        }
        return watch;
    }
    bool ok = false;
    const quint64 from = rv.toULongLong(&ok);
    if (!ok)
        throw ApiError::badRequest(
            QStringLiteral("resourceVersion: Invalid value: %1: must be a number").arg(goQuote(rv)));
    const quint64 oldest
        = m_history.empty() ? m_store.resourceVersion().toULongLong() : m_history.front().resourceVersion;
    if (from + 1 < oldest) {
        const ApiError gone(410, QStringLiteral("Expired"),
            QStringLiteral("too old resource version: %1 (%2)").arg(from).arg(oldest - 1));
        watch->initialEvents.append(WatchRequest::encode(QStringLiteral("ERROR"), gone.status()));
        watch->endAfterInitial = true;
        return watch;
    }
    for (const WatchEvent &event : m_history) {
        if (event.resourceVersion > from && watch->matches(event))
            watch->initialEvents.append(watch->encodeEvent(event.eventType, event.object));
    }
    return watch;
}

QJsonObject Cluster::listObjects(const ResourceType &type, const Route &route, const QUrlQuery &query)
{
    const LabelSelector labels
        = LabelSelector::parse(query.queryItemValue(QStringLiteral("labelSelector"), QUrl::FullyDecoded));
    const QString fieldText = query.queryItemValue(QStringLiteral("fieldSelector"), QUrl::FullyDecoded);
    const FieldSelector fields = FieldSelector::parse(fieldText, type.kind);

    // Pagination: limit, and an opaque continue token holding the last key sent.
    qint64 limit = 0;
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = query.queryItemValue(QStringLiteral("limit")).toLongLong(&ok);
        if (!ok || limit < 0)
            throw ApiError::badRequest(
                QStringLiteral("limit: Invalid value: %1: must be a non-negative integer")
                    .arg(goQuote(query.queryItemValue(QStringLiteral("limit")))));
    }
    QString after;
    const QString continueToken = query.queryItemValue(QStringLiteral("continue"), QUrl::FullyDecoded);
    if (!continueToken.isEmpty()) {
        const auto raw = QByteArray::fromBase64Encoding(
            continueToken.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        const QJsonObject token = raw ? QJsonDocument::fromJson(*raw).object() : QJsonObject();
        if (token.value(QStringLiteral("v")).toString() != QStringLiteral("meta.k8s.io/v1")
            || !token.value(QStringLiteral("start")).isString()) {
            throw ApiError::badRequest(QStringLiteral("continue key is not valid: incorrect encoded start "
                                                      "resourceVersion (version meta.k8s.io/v1)"));
        }
        after = token.value(QStringLiteral("start")).toString();
    }

    QJsonArray items;
    QString lastKey;
    qint64 remaining = 0;
    for (const QJsonObject &o : m_store.list(type, route.ns)) {
        const QString key
            = metaString(o, QStringLiteral("namespace")) + u'/' + metaString(o, QStringLiteral("name"));
        if (!after.isEmpty() && key <= after)
            continue;
        if (!labels.matches(meta(o).value(QStringLiteral("labels")).toObject()) || !fields.matches(o))
            continue;
        if (limit > 0 && items.size() >= limit) {
            ++remaining;
            continue;
        }
        QJsonObject item = o;
        item.remove(QStringLiteral("kind"));
        item.remove(QStringLiteral("apiVersion"));
        items.append(item);
        lastKey = key;
    }
    QJsonObject listMeta { { QStringLiteral("resourceVersion"), m_store.resourceVersion() } };
    if (remaining > 0) {
        const QJsonObject token { { QStringLiteral("v"), QStringLiteral("meta.k8s.io/v1") },
            { QStringLiteral("rv"), m_store.resourceVersion().toDouble() },
            { QStringLiteral("start"), lastKey } };
        listMeta.insert(QStringLiteral("continue"),
            QString::fromLatin1(QJsonDocument(token).toJson(QJsonDocument::Compact).toBase64()));
        // Unknown when selectors filter the list.
        const QString labelText = query.queryItemValue(QStringLiteral("labelSelector"));
        if (labelText.isEmpty() && fieldText.isEmpty())
            listMeta.insert(QStringLiteral("remainingItemCount"), double(remaining));
    }
    return QJsonObject { { QStringLiteral("kind"), type.listKind() },
        { QStringLiteral("apiVersion"), type.apiVersion() }, { QStringLiteral("metadata"), listMeta },
        { QStringLiteral("items"), items } };
}

void Cluster::checkRbacEscalation(
    const ResourceType &type, const UserInfo &user, const QJsonObject &object, const QString &ns) const
{
    if (user.isMaster())
        return;
    const QString name = metaString(object, QStringLiteral("name"));
    if (type.kind == QStringLiteral("RoleBinding") || type.kind == QStringLiteral("ClusterRoleBinding")) {
        const QJsonObject roleRef = object.value(QStringLiteral("roleRef")).toObject();
        const QString refKind = roleRef.value(QStringLiteral("kind")).toString();
        RequestAttributes bind { true, QStringLiteral("bind"), ns, kRbacGroup,
            refKind == QStringLiteral("Role") ? QStringLiteral("roles") : QStringLiteral("clusterroles"), {},
            roleRef.value(QStringLiteral("name")).toString(), {} };
        if (m_rbac.authorize(user, bind))
            return;
        const QList<PolicyRule> rules = m_rbac.roleRefRules(roleRef, ns);
        m_rbac.confirmNoEscalation(user, ns, rules, type.group, type.plural, name);
        return;
    }
    if (type.kind == QStringLiteral("Role") || type.kind == QStringLiteral("ClusterRole")) {
        RequestAttributes escalate { true, QStringLiteral("escalate"), ns, kRbacGroup, type.plural, {}, name,
            {} };
        if (m_rbac.authorize(user, escalate))
            return;
        m_rbac.confirmNoEscalation(user, ns, Rbac::rulesOf(object), type.group, type.plural, name);
    }
}

void Cluster::validate(
    const ResourceType &type, const QJsonObject &object, const std::optional<QJsonObject> &old) const
{
    validateObject(type, object, old);
}

void Cluster::prepareSecret(QJsonObject &secret) const
{
    if (secret.value(QStringLiteral("type")).toString().isEmpty())
        secret.insert(QStringLiteral("type"), QStringLiteral("Opaque"));
    QJsonObject data = secret.value(QStringLiteral("data")).toObject();
    for (auto it = data.begin(); it != data.end(); ++it) {
        const QByteArray raw = it.value().toString().toLatin1();
        const auto decoded = QByteArray::fromBase64Encoding(raw, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded || (raw.size() % 4) != 0) {
            throw ApiError::badRequest(QStringLiteral("Secret in version \"v1\" cannot be handled as a "
                                                      "Secret: illegal base64 data at input byte 0"));
        }
    }
    const QJsonObject stringData = secret.value(QStringLiteral("stringData")).toObject();
    for (auto it = stringData.begin(); it != stringData.end(); ++it)
        data.insert(it.key(), QString::fromLatin1(it.value().toString().toUtf8().toBase64()));
    secret.remove(QStringLiteral("stringData"));
    if (!data.isEmpty() || secret.contains(QStringLiteral("data")))
        secret.insert(QStringLiteral("data"), data);
}

QJsonObject Cluster::createObject(const ResourceType &type, const Route &route, const UserInfo &user,
    QJsonObject body, const QUrlQuery &query)
{
    checkTypeMeta(type, body);
    QJsonObject m = meta(body);
    if (type.namespaced) {
        const QString bodyNs = m.value(QStringLiteral("namespace")).toString();
        if (!bodyNs.isEmpty() && bodyNs != route.ns) {
            throw ApiError::badRequest(QStringLiteral(
                "the namespace of the provided object does not match the namespace sent on the request"));
        }
        m.insert(QStringLiteral("namespace"), route.ns);
    } else {
        m.remove(QStringLiteral("namespace"));
    }
    // Fields the server owns.
    for (const char *k : { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "selfLink",
             "generation", "managedFields", "deletionGracePeriodSeconds" })
        m.remove(QLatin1String(k));
    body.insert(QStringLiteral("apiVersion"), type.apiVersion());
    body.insert(QStringLiteral("kind"), type.kind);
    setMeta(body, m);
    checkFieldValidation(type, body, query);

    checkRbacEscalation(type, user, body, route.ns);

    if (m.value(QStringLiteral("name")).toString().isEmpty()) {
        const QString prefix = m.value(QStringLiteral("generateName")).toString();
        if (!prefix.isEmpty()) {
            m.insert(QStringLiteral("name"), prefix.left(58) + randomSuffix());
            setMeta(body, m);
        }
    }
    if (type.kind == QStringLiteral("Secret"))
        prepareSecret(body);
    if (type.kind == QStringLiteral("Namespace")) {
        QJsonObject labels = m.value(QStringLiteral("labels")).toObject();
        labels.insert(QStringLiteral("kubernetes.io/metadata.name"), m.value(QStringLiteral("name")));
        m.insert(QStringLiteral("labels"), labels);
        setMeta(body, m);
        body.insert(QStringLiteral("spec"),
            QJsonObject { { QStringLiteral("finalizers"), QJsonArray { QStringLiteral("kubernetes") } } });
        body.insert(
            QStringLiteral("status"), QJsonObject { { QStringLiteral("phase"), QStringLiteral("Active") } });
    }
    if (type.kind == QStringLiteral("Pod")) {
        QJsonObject spec = body.value(QStringLiteral("spec")).toObject();
        if (spec.value(QStringLiteral("serviceAccountName")).toString().isEmpty())
            spec.insert(QStringLiteral("serviceAccountName"), QStringLiteral("default"));
        body.insert(QStringLiteral("spec"), spec);
        body.insert(
            QStringLiteral("status"), QJsonObject { { QStringLiteral("phase"), QStringLiteral("Pending") } });
    }
    validate(type, body, std::nullopt);

    const QString name = metaString(body, QStringLiteral("name"));
    if (type.namespaced && !m_store.get(core("namespaces"), {}, route.ns))
        throw ApiError::notFound({}, QStringLiteral("namespaces"), route.ns);
    if (m_store.get(type, route.ns, name))
        throw ApiError::alreadyExists(type.group, type.plural, name);
    if (query.queryItemValue(QStringLiteral("dryRun")) == QStringLiteral("All"))
        return body;

    const QJsonObject created = m_store.create(type, body);

    // Controllers that a real cluster runs on these events.
    if (type.kind == QStringLiteral("Secret"))
        tokenControllerOnSecret(created);
    if (type.kind == QStringLiteral("Namespace")) {
        const QString ns = metaString(created, QStringLiteral("name"));
        QJsonObject sa { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
            { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("name"), QStringLiteral("default") },
                    { QStringLiteral("namespace"), ns } } } };
        m_store.create(core("serviceaccounts"), sa);
        QJsonObject rootCa { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("ConfigMap") },
            { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("name"), QStringLiteral("kube-root-ca.crt") },
                    { QStringLiteral("namespace"), ns },
                    { QStringLiteral("annotations"),
                        QJsonObject { { QStringLiteral("kubernetes.io/description"),
                            QStringLiteral("Contains a CA bundle that can be used to verify the "
                                           "kube-apiserver when using internal endpoints such as "
                                           "the internal service IP or kubernetes.default.svc. "
                                           "No other usage is guaranteed across distributions of "
                                           "Kubernetes clusters.") } } } } },
            { QStringLiteral("data"),
                QJsonObject { { QStringLiteral("ca.crt"), QString::fromLatin1(m_pki.caCertPem()) } } } };
        m_store.create(core("configmaps"), rootCa);
    }
    return created;
}

QJsonObject Cluster::updateObject(const ResourceType &type, const Route &route, const UserInfo &user,
    QJsonObject body, bool isPatch, const QUrlQuery &query)
{
    checkTypeMeta(type, body);
    QJsonObject m = meta(body);
    const QString bodyName = m.value(QStringLiteral("name")).toString();
    if (bodyName.isEmpty() && !isPatch) {
        m.insert(QStringLiteral("name"), route.name);
    } else if (bodyName != route.name) {
        throw ApiError::badRequest(
            QStringLiteral("the name of the object (%1) does not match the name on the URL (%2)")
                .arg(bodyName, route.name));
    }
    if (type.namespaced) {
        const QString bodyNs = m.value(QStringLiteral("namespace")).toString();
        if (!bodyNs.isEmpty() && bodyNs != route.ns) {
            throw ApiError::badRequest(QStringLiteral(
                "the namespace of the provided object does not match the namespace sent on the request"));
        }
        m.insert(QStringLiteral("namespace"), route.ns);
    }
    const auto old = m_store.get(type, route.ns, route.name);
    if (!old)
        throw ApiError::notFound(type.group, type.plural, route.name);
    const QString rv = m.value(QStringLiteral("resourceVersion")).toString();
    if (!rv.isEmpty() && rv != metaString(*old, QStringLiteral("resourceVersion"))) {
        throw ApiError::conflict(type.group, type.plural, route.name,
            QStringLiteral("the object has been modified; please apply your changes to the latest "
                           "version and try again"));
    }
    const QString uid = m.value(QStringLiteral("uid")).toString();
    if (!uid.isEmpty() && uid != metaString(*old, QStringLiteral("uid"))) {
        throw ApiError::conflict(type.group, type.plural, route.name,
            QStringLiteral("Precondition failed: UID in precondition: %1, UID in object meta: %2")
                .arg(uid, metaString(*old, QStringLiteral("uid"))));
    }
    for (const char *k : { "uid", "creationTimestamp", "resourceVersion" })
        m.insert(QLatin1String(k), meta(*old).value(QLatin1String(k)));
    m.remove(QStringLiteral("managedFields"));
    body.insert(QStringLiteral("apiVersion"), type.apiVersion());
    body.insert(QStringLiteral("kind"), type.kind);
    setMeta(body, m);
    if (type.kind == QStringLiteral("Secret"))
        prepareSecret(body);
    if (type.kind == QStringLiteral("Namespace")) {
        body.insert(QStringLiteral("spec"), old->value(QStringLiteral("spec")));
        body.insert(QStringLiteral("status"), old->value(QStringLiteral("status")));
        QJsonObject labels = m.value(QStringLiteral("labels")).toObject();
        labels.insert(QStringLiteral("kubernetes.io/metadata.name"), route.name);
        m.insert(QStringLiteral("labels"), labels);
        setMeta(body, m);
    }

    checkFieldValidation(type, body, query);
    checkRbacEscalation(type, user, body, route.ns);
    validate(type, body, *old);
    if (query.queryItemValue(QStringLiteral("dryRun")) == QStringLiteral("All"))
        return body;

    if (body == *old)
        return *old; // no-op updates keep the resourceVersion
    const QJsonObject updated = m_store.update(type, body);
    if (type.kind == QStringLiteral("Secret"))
        tokenControllerOnSecret(updated);
    return updated;
}

ApiResponse Cluster::deleteObject(
    const ResourceType &type, const Route &route, const QJsonObject &options, const QUrlQuery &query)
{
    const auto object = m_store.get(type, route.ns, route.name);
    if (!object)
        throw ApiError::notFound(type.group, type.plural, route.name);
    // NamespaceLifecycle admission: these namespaces are immortal.
    if (type.kind == QStringLiteral("Namespace")
        && (route.name == QStringLiteral("default") || route.name == QStringLiteral("kube-system")
            || route.name == QStringLiteral("kube-public"))) {
        throw ApiError::forbidden({}, QStringLiteral("namespaces"), route.name,
            QStringLiteral("this namespace may not be deleted"));
    }
    const QJsonObject preconditions = options.value(QStringLiteral("preconditions")).toObject();
    const QString uid = preconditions.value(QStringLiteral("uid")).toString();
    if (!uid.isEmpty() && uid != metaString(*object, QStringLiteral("uid"))) {
        throw ApiError::conflict(type.group, type.plural, route.name,
            QStringLiteral("Precondition failed: UID in precondition: %1, UID in object meta: %2")
                .arg(uid, metaString(*object, QStringLiteral("uid"))));
    }
    const QString rv = preconditions.value(QStringLiteral("resourceVersion")).toString();
    if (!rv.isEmpty() && rv != metaString(*object, QStringLiteral("resourceVersion"))) {
        throw ApiError::conflict(type.group, type.plural, route.name,
            QStringLiteral("Precondition failed: ResourceVersion in precondition: %1, "
                           "ResourceVersion in object meta: %2")
                .arg(rv, metaString(*object, QStringLiteral("resourceVersion"))));
    }
    QString policy = options.value(QStringLiteral("propagationPolicy")).toString();
    if (policy.isEmpty())
        policy = query.queryItemValue(QStringLiteral("propagationPolicy"));
    if (options.value(QStringLiteral("orphanDependents")).toBool())
        policy = QStringLiteral("Orphan");
    if (!policy.isEmpty() && policy != QStringLiteral("Orphan") && policy != QStringLiteral("Background")
        && policy != QStringLiteral("Foreground")) {
        throw ApiError::invalid(QStringLiteral("meta.k8s.io"), QStringLiteral("DeleteOptions"), {},
            { FieldError::notSupported(QStringLiteral("propagationPolicy"), goQuote(policy),
                { QStringLiteral("Foreground"), QStringLiteral("Background"), QStringLiteral("Orphan"),
                    QStringLiteral("nil") }) });
    }
    if (query.queryItemValue(QStringLiteral("dryRun")) == QStringLiteral("All"))
        return jsonResponse(200, type.returnDeletedObject ? *object : statusSuccess(type, *object));
    removeObject(type, *object, policy == QStringLiteral("Orphan"));
    if (type.kind == QStringLiteral("Namespace")) {
        QJsonObject terminating = *object;
        QJsonObject m = meta(terminating);
        m.insert(QStringLiteral("deletionTimestamp"), rfc3339(now()));
        setMeta(terminating, m);
        terminating.insert(QStringLiteral("status"),
            QJsonObject { { QStringLiteral("phase"), QStringLiteral("Terminating") } });
        return jsonResponse(200, terminating);
    }
    return jsonResponse(200, type.returnDeletedObject ? *object : statusSuccess(type, *object));
}

void Cluster::removeObject(const ResourceType &type, const QJsonObject &object, bool orphanDependents)
{
    const QString ns = metaString(object, QStringLiteral("namespace"));
    const QString name = metaString(object, QStringLiteral("name"));
    m_store.remove(type, ns, name);
    if (type.kind == QStringLiteral("Namespace")) {
        for (const ResourceType &t : storedResources()) {
            if (!t.namespaced)
                continue;
            for (const QJsonObject &o : m_store.list(t, name))
                removeObject(t, o, false);
        }
    }
    if (type.kind == QStringLiteral("ServiceAccount"))
        tokenControllerOnServiceAccountDeleted(object);
    garbageCollect(metaString(object, QStringLiteral("uid")), orphanDependents);
}

void Cluster::garbageCollect(const QString &ownerUid, bool orphan)
{
    // Which uids still exist, to tell a remaining owner from a dangling one.
    QSet<QString> live;
    for (const ResourceType &t : storedResources()) {
        for (const QJsonObject &o : m_store.list(t))
            live.insert(metaString(o, QStringLiteral("uid")));
    }
    for (const ResourceType &t : storedResources()) {
        for (const QJsonObject &o : m_store.list(t)) {
            const QJsonArray refs = meta(o).value(QStringLiteral("ownerReferences")).toArray();
            bool owned = false;
            QJsonArray remaining;
            for (const QJsonValue &ref : refs) {
                if (ref.toObject().value(QStringLiteral("uid")).toString() == ownerUid)
                    owned = true;
                else
                    remaining.append(ref);
            }
            if (!owned)
                continue;
            if (!m_store.get(
                    t, metaString(o, QStringLiteral("namespace")), metaString(o, QStringLiteral("name"))))
                continue; // removed meanwhile by a recursive collection
            // A cluster-scoped dependent cannot refer to a namespaced owner: never collected.
            if (!t.namespaced) {
                bool namespacedOwner = false;
                for (const QJsonValue &ref : refs) {
                    const QJsonObject r = ref.toObject();
                    if (r.value(QStringLiteral("uid")).toString() != ownerUid)
                        continue;
                    const ResourceType *ownerType = findKind(r.value(QStringLiteral("apiVersion")).toString(),
                        r.value(QStringLiteral("kind")).toString());
                    namespacedOwner = ownerType && ownerType->namespaced;
                }
                if (namespacedOwner)
                    continue;
            }
            bool otherOwnerLives = false;
            for (const QJsonValue &ref : remaining)
                otherOwnerLives = otherOwnerLives
                    || live.contains(ref.toObject().value(QStringLiteral("uid")).toString());
            if (orphan || otherOwnerLives) {
                QJsonObject updated = o;
                QJsonObject m = meta(updated);
                if (remaining.isEmpty())
                    m.remove(QStringLiteral("ownerReferences"));
                else
                    m.insert(QStringLiteral("ownerReferences"), remaining);
                setMeta(updated, m);
                m_store.update(t, updated);
                continue;
            }
            removeObject(t, o, false);
        }
    }
}

void Cluster::tokenControllerOnSecret(const QJsonObject &secret)
{
    if (secret.value(QStringLiteral("type")).toString() != kSaTokenType)
        return;
    const QJsonObject m = meta(secret);
    const QJsonObject annotations = m.value(QStringLiteral("annotations")).toObject();
    const QString ns = m.value(QStringLiteral("namespace")).toString();
    const QString saName = annotations.value(kSaNameAnnotation).toString();
    const QString wantUid = annotations.value(kSaUidAnnotation).toString();
    const auto sa = m_store.get(core("serviceaccounts"), ns, saName);
    if (!sa || (!wantUid.isEmpty() && wantUid != metaString(*sa, QStringLiteral("uid")))) {
        // The tokens controller deletes token secrets of accounts that do not exist.
        removeObject(core("secrets"), secret, false);
        return;
    }
    QJsonObject data = secret.value(QStringLiteral("data")).toObject();
    if (!data.value(QStringLiteral("token")).toString().isEmpty())
        return;
    QJsonObject updated = secret;
    QJsonObject um = m;
    QJsonObject ua = annotations;
    ua.insert(kSaUidAnnotation, metaString(*sa, QStringLiteral("uid")));
    um.insert(QStringLiteral("annotations"), ua);
    setMeta(updated, um);
    const QString token = m_tokens.issueLegacy(*sa, m.value(QStringLiteral("name")).toString());
    data.insert(QStringLiteral("token"), QString::fromLatin1(token.toLatin1().toBase64()));
    data.insert(QStringLiteral("ca.crt"), QString::fromLatin1(m_pki.caCertPem().toBase64()));
    data.insert(QStringLiteral("namespace"), QString::fromLatin1(ns.toUtf8().toBase64()));
    updated.insert(QStringLiteral("data"), data);
    m_store.update(core("secrets"), updated);
}

void Cluster::tokenControllerOnServiceAccountDeleted(const QJsonObject &serviceAccount)
{
    const QString ns = metaString(serviceAccount, QStringLiteral("namespace"));
    const QString name = metaString(serviceAccount, QStringLiteral("name"));
    const QString uid = metaString(serviceAccount, QStringLiteral("uid"));
    for (const QJsonObject &secret : m_store.list(core("secrets"), ns)) {
        if (secret.value(QStringLiteral("type")).toString() != kSaTokenType)
            continue;
        const QJsonObject annotations = meta(secret).value(QStringLiteral("annotations")).toObject();
        const QString secretUid = annotations.value(kSaUidAnnotation).toString();
        if (annotations.value(kSaNameAnnotation).toString() == name
            && (secretUid.isEmpty() || secretUid == uid))
            removeObject(core("secrets"), secret, false);
    }
}

ApiResponse Cluster::tokenRequest(const Route &route, const QJsonObject &body)
{
    const QJsonObject bodyMeta = meta(body);
    const QString bodyName = bodyMeta.value(QStringLiteral("name")).toString();
    if (!bodyName.isEmpty() && bodyName != route.name) {
        throw ApiError::invalid(kAuthnGroup, QStringLiteral("TokenRequest"), route.name,
            { FieldError::invalid(QStringLiteral("metadata.name"), goQuote(bodyName),
                QStringLiteral("must match the service account name if specified")) });
    }
    const QString bodyNs = bodyMeta.value(QStringLiteral("namespace")).toString();
    if (!bodyNs.isEmpty() && bodyNs != route.ns) {
        throw ApiError::invalid(kAuthnGroup, QStringLiteral("TokenRequest"), route.name,
            { FieldError::invalid(QStringLiteral("metadata.namespace"), goQuote(bodyNs),
                QStringLiteral("must match the service account namespace if specified")) });
    }
    const auto sa = m_store.get(core("serviceaccounts"), route.ns, route.name);
    if (!sa)
        throw ApiError::notFound({}, QStringLiteral("serviceaccounts"), route.name);

    QJsonObject spec = body.value(QStringLiteral("spec")).toObject();
    QStringList audiences = stringList(spec.value(QStringLiteral("audiences")));
    if (audiences.isEmpty())
        audiences = m_tokens.apiAudiences();
    const QJsonValue expValue = spec.value(QStringLiteral("expirationSeconds"));
    qint64 expirationSeconds = 3600;
    if (!expValue.isNull() && !expValue.isUndefined()) {
        if (!expValue.isDouble())
            throw ApiError::badRequest(
                QStringLiteral("TokenRequest in version \"v1\" cannot be handled as a "
                               "TokenRequest: json: cannot unmarshal into Go struct field "
                               "TokenRequestSpec.spec.expirationSeconds of type int64"));
        expirationSeconds = qint64(expValue.toDouble());
    }
    const qint64 maxSeconds = qint64(1) << 32;
    QList<FieldError> errors;
    if (expirationSeconds < 600) {
        errors << FieldError::invalid(QStringLiteral("spec.expirationSeconds"),
            QString::number(expirationSeconds),
            QStringLiteral("may not specify a duration less than 10 minutes"));
    }
    if (expirationSeconds > maxSeconds) {
        errors << FieldError::invalid(QStringLiteral("spec.expirationSeconds"),
            QString::number(expirationSeconds),
            QStringLiteral("may not specify a duration larger than 2^32 seconds"));
    }
    if (!errors.isEmpty())
        throw ApiError::invalid(kAuthnGroup, QStringLiteral("TokenRequest"), {}, errors);

    std::optional<TokenAuthority::BoundObject> bound;
    const QJsonValue refValue = spec.value(QStringLiteral("boundObjectRef"));
    if (refValue.isObject()) {
        const QJsonObject ref = refValue.toObject();
        const QString apiVersion = ref.value(QStringLiteral("apiVersion")).toString();
        const QString kind = ref.value(QStringLiteral("kind")).toString();
        const QString group = apiVersion.contains(u'/') ? apiVersion.section(u'/', 0, 0) : QString();
        const QString version = apiVersion.contains(u'/') ? apiVersion.section(u'/', 1) : apiVersion;
        const QString name = ref.value(QStringLiteral("name")).toString();
        const ResourceType *type = nullptr;
        if (group.isEmpty()
            && (kind == QStringLiteral("Pod") || kind == QStringLiteral("Secret")
                || kind == QStringLiteral("Node")))
            type = findKind(QStringLiteral("v1"), kind);
        if (!type) {
            throw ApiError::badRequest(QStringLiteral("cannot bind token to object of type %1/%2, Kind=%3")
                                           .arg(group, version, kind));
        }
        const auto object = m_store.get(*type, type->namespaced ? route.ns : QString(), name);
        if (!object)
            throw ApiError::notFound({}, type->plural, name);
        const QString uid = ref.value(QStringLiteral("uid")).toString();
        if (!uid.isEmpty() && uid != metaString(*object, QStringLiteral("uid"))) {
            throw ApiError::conflict({}, kind, name,
                QStringLiteral("the UID in the bound object reference (%1) does not match the UID in "
                               "record. The object might have been deleted and then recreated")
                    .arg(uid));
        }
        bound = TokenAuthority::BoundObject { kind, name, metaString(*object, QStringLiteral("uid")) };
    }

    ApiResponse response;
    const qint64 cap = m_options.maxTokenExpirationSeconds;
    if (cap > 0 && expirationSeconds > cap) {
        response.headers.append(qMakePair(QByteArray("Warning"),
            QStringLiteral("299 - \"requested expiration of %1 seconds shortened to %2 seconds\"")
                .arg(expirationSeconds)
                .arg(cap)
                .toLatin1()));
        expirationSeconds = cap;
    }
    const QDateTime issued = now();
    const QString token = m_tokens.issue(*sa, audiences, issued, expirationSeconds, bound);
    QJsonObject outSpec { { QStringLiteral("audiences"), QJsonArray::fromStringList(audiences) },
        { QStringLiteral("expirationSeconds"), double(expirationSeconds) },
        // Echoed as sent: the server does not fill in the uid it found.
        { QStringLiteral("boundObjectRef"), bound ? refValue : QJsonValue(QJsonValue::Null) } };
    const QJsonObject answer { { QStringLiteral("kind"), QStringLiteral("TokenRequest") },
        { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), route.name }, { QStringLiteral("namespace"), route.ns },
                { QStringLiteral("creationTimestamp"), rfc3339(issued) } } },
        { QStringLiteral("spec"), outSpec },
        { QStringLiteral("status"),
            QJsonObject { { QStringLiteral("token"), token },
                { QStringLiteral("expirationTimestamp"), rfc3339(issued.addSecs(expirationSeconds)) } } } };
    response.status = 201;
    response.body = toJson(answer);
    return response;
}

QJsonObject Cluster::tokenReview(const QJsonObject &body)
{
    const QJsonObject spec = body.value(QStringLiteral("spec")).toObject();
    const QString token = spec.value(QStringLiteral("token")).toString();
    if (token.isEmpty())
        throw ApiError::badRequest(QStringLiteral("token is required for TokenReview in authentication"));
    const QStringList audiences = stringList(spec.value(QStringLiteral("audiences")));
    QJsonObject status;
    const std::optional<UserInfo> fixedUser
        = (token.toLatin1() == m_options.adminToken || m_options.staticTokens.contains(token.toLatin1()))
        ? authenticate("Bearer " + token.toLatin1())
        : std::nullopt;
    if (fixedUser) {
        // Static tokens are audience-agnostic: good for the API server's audiences only.
        const QStringList apiAudiences = m_tokens.apiAudiences();
        QStringList matched;
        for (const QString &a : audiences.isEmpty() ? apiAudiences : audiences) {
            if (apiAudiences.contains(a))
                matched << a;
        }
        if (matched.isEmpty()) {
            status.insert(QStringLiteral("user"), QJsonObject());
            status.insert(QStringLiteral("error"),
                QStringLiteral("token audiences %1 is invalid for the target audiences %2")
                    .arg(goQuoteList(apiAudiences), goQuoteList(audiences)));
        } else {
            QJsonObject user { { QStringLiteral("username"), fixedUser->name },
                { QStringLiteral("groups"), QJsonArray::fromStringList(fixedUser->groups) } };
            if (!fixedUser->uid.isEmpty())
                user.insert(QStringLiteral("uid"), fixedUser->uid);
            status.insert(QStringLiteral("authenticated"), true);
            status.insert(QStringLiteral("user"), user);
            status.insert(QStringLiteral("audiences"), QJsonArray::fromStringList(matched));
        }
    } else {
        const TokenAuthority::Result result = authenticateToken(token, audiences, nullptr);
        if (result.authenticated) {
            QJsonObject user { { QStringLiteral("username"), result.user.name },
                { QStringLiteral("uid"), result.user.uid },
                { QStringLiteral("groups"), QJsonArray::fromStringList(result.user.groups) } };
            if (!result.user.extra.isEmpty())
                user.insert(QStringLiteral("extra"), result.user.extra);
            status.insert(QStringLiteral("authenticated"), true);
            status.insert(QStringLiteral("user"), user);
            status.insert(QStringLiteral("audiences"), QJsonArray::fromStringList(result.audiences));
        } else {
            status.insert(QStringLiteral("user"), QJsonObject());
            if (!result.error.isEmpty())
                status.insert(QStringLiteral("error"), result.error);
        }
    }
    QJsonObject outSpec { { QStringLiteral("token"), token } };
    if (!audiences.isEmpty())
        outSpec.insert(QStringLiteral("audiences"), QJsonArray::fromStringList(audiences));
    return QJsonObject { { QStringLiteral("kind"), QStringLiteral("TokenReview") },
        { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("creationTimestamp"), QJsonValue::Null } } },
        { QStringLiteral("spec"), outSpec }, { QStringLiteral("status"), status } };
}

QJsonObject Cluster::subjectAccessReview(
    const QJsonObject &body, const UserInfo &requester, const QString &kind, const QString &urlNamespace)
{
    const QJsonObject spec = body.value(QStringLiteral("spec")).toObject();
    const bool hasResource = spec.value(QStringLiteral("resourceAttributes")).isObject();
    const bool hasNonResource = spec.value(QStringLiteral("nonResourceAttributes")).isObject();
    QList<FieldError> errors;
    if (hasResource && hasNonResource) {
        errors << FieldError::invalid(QStringLiteral("spec.nonResourceAttributes"),
            QStringLiteral("&authorization.NonResourceAttributes{...}"),
            QStringLiteral("cannot be specified in combination with resourceAttributes"));
    }
    if (!hasResource && !hasNonResource) {
        errors << FieldError::required(QStringLiteral("spec.resourceAttributes"),
            QStringLiteral("exactly one of nonResourceAttributes or resourceAttributes must be specified"));
    }
    UserInfo subject = requester;
    if (kind != QStringLiteral("SelfSubjectAccessReview")) {
        subject = UserInfo { spec.value(QStringLiteral("user")).toString(),
            spec.value(QStringLiteral("uid")).toString(), stringList(spec.value(QStringLiteral("groups"))),
            spec.value(QStringLiteral("extra")).toObject() };
        if (subject.name.isEmpty() && subject.groups.isEmpty()) {
            errors << FieldError::invalid(QStringLiteral("spec.user"), QStringLiteral("\"\""),
                QStringLiteral("at least one of user or group must be specified"));
        }
    }
    const QJsonObject ra = spec.value(QStringLiteral("resourceAttributes")).toObject();
    if (kind == QStringLiteral("LocalSubjectAccessReview") && hasResource
        && ra.value(QStringLiteral("namespace")).toString() != urlNamespace) {
        errors << FieldError::invalid(QStringLiteral("spec.resourceAttributes.namespace"),
            goQuote(ra.value(QStringLiteral("namespace")).toString()),
            QStringLiteral("must match metadata.namespace"));
    }
    if (!errors.isEmpty())
        throw ApiError::invalid(kAuthzGroup, kind, {}, errors);

    RequestAttributes attributes;
    if (hasResource) {
        attributes = RequestAttributes { true, ra.value(QStringLiteral("verb")).toString(),
            ra.value(QStringLiteral("namespace")).toString(), ra.value(QStringLiteral("group")).toString(),
            ra.value(QStringLiteral("resource")).toString(),
            ra.value(QStringLiteral("subresource")).toString(), ra.value(QStringLiteral("name")).toString(),
            {} };
    } else {
        const QJsonObject nra = spec.value(QStringLiteral("nonResourceAttributes")).toObject();
        attributes.resourceRequest = false;
        attributes.verb = nra.value(QStringLiteral("verb")).toString();
        attributes.path = nra.value(QStringLiteral("path")).toString();
    }
    QString reason;
    const bool allowed = m_rbac.authorize(subject, attributes, &reason);
    QJsonObject status { { QStringLiteral("allowed"), allowed } };
    if (!allowed) {
        const QStringList resolution
            = m_rbac.resolutionErrors(subject, attributes.resourceRequest ? attributes.ns : QString());
        if (!resolution.isEmpty()) {
            reason = QStringLiteral("RBAC: ")
                + (resolution.size() == 1 ? resolution.first()
                                          : u'[' + resolution.join(QStringLiteral(", ")) + u']');
        }
    }
    if (!reason.isEmpty())
        status.insert(QStringLiteral("reason"), reason);
    QJsonObject m { { QStringLiteral("creationTimestamp"), QJsonValue::Null } };
    if (!urlNamespace.isEmpty())
        m.insert(QStringLiteral("namespace"), urlNamespace);
    return QJsonObject { { QStringLiteral("kind"), kind },
        { QStringLiteral("apiVersion"), QStringLiteral("authorization.k8s.io/v1") },
        { QStringLiteral("metadata"), m }, { QStringLiteral("spec"), spec },
        { QStringLiteral("status"), status } };
}

QJsonObject Cluster::selfSubjectRulesReview(const QJsonObject &body, const UserInfo &user)
{
    const QJsonObject spec = body.value(QStringLiteral("spec")).toObject();
    const QString ns = spec.value(QStringLiteral("namespace")).toString();
    if (ns.isEmpty())
        throw ApiError::badRequest(QStringLiteral("no namespace on request"));
    QList<PolicyRule> rules;
    if (user.isMaster()) {
        rules << PolicyRule { { QStringLiteral("*") }, { QStringLiteral("*") }, { QStringLiteral("*") }, {},
            {} };
        rules << PolicyRule { { QStringLiteral("*") }, {}, {}, {}, { QStringLiteral("*") } };
    }
    rules += m_rbac.rulesFor(user, ns);
    QJsonArray resourceRules;
    QJsonArray nonResourceRules;
    for (const PolicyRule &r : rules) {
        if (!r.nonResourceURLs.isEmpty()) {
            nonResourceRules.append(
                QJsonObject { { QStringLiteral("verbs"), QJsonArray::fromStringList(r.verbs) },
                    { QStringLiteral("nonResourceURLs"), QJsonArray::fromStringList(r.nonResourceURLs) } });
            continue;
        }
        QJsonObject rr { { QStringLiteral("verbs"), QJsonArray::fromStringList(r.verbs) } };
        if (!r.apiGroups.isEmpty())
            rr.insert(QStringLiteral("apiGroups"), QJsonArray::fromStringList(r.apiGroups));
        if (!r.resources.isEmpty())
            rr.insert(QStringLiteral("resources"), QJsonArray::fromStringList(r.resources));
        if (!r.resourceNames.isEmpty())
            rr.insert(QStringLiteral("resourceNames"), QJsonArray::fromStringList(r.resourceNames));
        resourceRules.append(rr);
    }
    QJsonObject status { { QStringLiteral("resourceRules"), resourceRules },
        { QStringLiteral("nonResourceRules"), nonResourceRules }, { QStringLiteral("incomplete"), false } };
    const QStringList resolution = m_rbac.resolutionErrors(user, ns);
    if (!resolution.isEmpty()) {
        status.insert(QStringLiteral("incomplete"), true);
        status.insert(QStringLiteral("evaluationError"), resolution.join(QStringLiteral(", ")));
    }
    return QJsonObject { { QStringLiteral("kind"), QStringLiteral("SelfSubjectRulesReview") },
        { QStringLiteral("apiVersion"), QStringLiteral("authorization.k8s.io/v1") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("creationTimestamp"), QJsonValue::Null } } },
        { QStringLiteral("spec"), spec }, { QStringLiteral("status"), status } };
}

QJsonObject Cluster::selfSubjectReview(const UserInfo &user)
{
    QJsonObject info { { QStringLiteral("username"), user.name },
        { QStringLiteral("groups"), QJsonArray::fromStringList(user.groups) } };
    if (!user.uid.isEmpty())
        info.insert(QStringLiteral("uid"), user.uid);
    if (!user.extra.isEmpty())
        info.insert(QStringLiteral("extra"), user.extra);
    return QJsonObject { { QStringLiteral("kind"), QStringLiteral("SelfSubjectReview") },
        { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("creationTimestamp"), rfc3339(now()) } } },
        { QStringLiteral("status"), QJsonObject { { QStringLiteral("userInfo"), info } } } };
}

} // namespace kms::testcluster
