#include "OpenApi.h"

#include "ResourceType.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QtEndian>

#include <cstring>

namespace kms::testcluster::openapi {

namespace {

const QString kMeta = QStringLiteral("io.k8s.apimachinery.pkg.apis.meta.v1.");
const QStringList kGroups { QString(), QStringLiteral("authentication.k8s.io"),
    QStringLiteral("authorization.k8s.io"), QStringLiteral("rbac.authorization.k8s.io") };

QString packageOf(const QString &group)
{
    if (group.isEmpty())
        return QStringLiteral("io.k8s.api.core.v1.");
    return QStringLiteral("io.k8s.api.%1.v1.").arg(group.section(u'.', 0, 0));
}

QString groupVersionPath(const QString &group)
{
    return group.isEmpty() ? QStringLiteral("api/v1") : QStringLiteral("apis/%1/v1").arg(group);
}

QJsonObject ref(const QString &definition, const QString &prefix)
{
    return QJsonObject { { QStringLiteral("$ref"), prefix + definition } };
}

// openapi/definitions.json, a List per stored kind, and the PATCH body.
QJsonObject loadDefinitions()
{
    QFile file(QStringLiteral(":/kms-testcluster/openapi/definitions.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("kms-testcluster: the OpenAPI definitions are not in the resources");
    QJsonObject definitions = QJsonDocument::fromJson(file.readAll()).object();
    if (definitions.isEmpty())
        qFatal("kms-testcluster: the OpenAPI definitions do not parse");
    const auto text = [](const QString &description) {
        return QJsonObject { { QStringLiteral("description"), description },
            { QStringLiteral("type"), QStringLiteral("string") } };
    };
    for (const ResourceType &t : storedResources()) {
        const QString item = packageOf(t.group) + t.kind;
        definitions.insert(packageOf(t.group) + t.listKind(),
            QJsonObject {
                { QStringLiteral("description"), QStringLiteral("A list of %1 objects.").arg(t.kind) },
                { QStringLiteral("type"), QStringLiteral("object") },
                { QStringLiteral("required"), QJsonArray { QStringLiteral("items") } },
                { QStringLiteral("properties"),
                    QJsonObject { { QStringLiteral("apiVersion"), text(t.apiVersion()) },
                        { QStringLiteral("items"),
                            QJsonObject { { QStringLiteral("description"), QStringLiteral("The objects.") },
                                { QStringLiteral("type"), QStringLiteral("array") },
                                { QStringLiteral("items"), ref(item, QStringLiteral("#/definitions/")) } } },
                        { QStringLiteral("kind"), text(t.listKind()) },
                        { QStringLiteral("metadata"),
                            ref(kMeta + QStringLiteral("ListMeta"), QStringLiteral("#/definitions/")) } } },
                { QStringLiteral("x-kubernetes-group-version-kind"),
                    QJsonArray { QJsonObject { { QStringLiteral("group"), t.group },
                        { QStringLiteral("kind"), t.listKind() },
                        { QStringLiteral("version"), t.version } } } } });
    }
    definitions.insert(kMeta + QStringLiteral("Patch"),
        QJsonObject { { QStringLiteral("description"),
                          QStringLiteral("The body of a PATCH request: a JSON patch, a merge patch or a "
                                         "strategic merge patch.") },
            { QStringLiteral("type"), QStringLiteral("object") } });
    return definitions;
}

const QJsonObject &definitions()
{
    static const QJsonObject d = loadDefinitions();
    return d;
}

// One operation of the documents, rendered as v2 or v3.
struct Operation {
    QString path;
    QString method; // get, post, put, patch, delete
    QString action; // x-kubernetes-action
    QString operationId;
    QString group;
    QString kind; // of x-kubernetes-group-version-kind
    QString body; // definition of the request body; empty: none
    QString response; // definition of the answer; empty: none described
    bool namespaced = false;
    bool named = false;
};

QString operationGroup(const QString &group)
{
    if (group.isEmpty())
        return QStringLiteral("CoreV1");
    if (group == QStringLiteral("rbac.authorization.k8s.io"))
        return QStringLiteral("RbacAuthorizationV1");
    QString g = group.section(u'.', 0, 0);
    g[0] = g[0].toUpper();
    return g + QStringLiteral("V1");
}

QList<Operation> operations(const QString &group)
{
    QList<Operation> ops;
    const QString prefix = QStringLiteral("/") + groupVersionPath(group);
    const QString op = operationGroup(group);
    const QString patch = kMeta + QStringLiteral("Patch");
    for (const ResourceType &t : storedResources()) {
        if (t.group != group)
            continue;
        const QString scope = t.namespaced ? QStringLiteral("Namespaced") : QString();
        const QString kind = packageOf(group) + t.kind;
        const QString list = packageOf(group) + t.listKind();
        const QString collection = prefix
            + (t.namespaced ? QStringLiteral("/namespaces/{namespace}/") : QStringLiteral("/")) + t.plural;
        const QString item = collection + QStringLiteral("/{name}");
        const auto add = [&](const QString &path, const QString &method, const QString &action,
                             const QString &verb, const QString &body, const QString &response, bool named) {
            ops.append({ path, method, action, verb + op + scope + t.kind, group, t.kind, body, response,
                t.namespaced, named });
        };
        add(collection, QStringLiteral("get"), QStringLiteral("list"), QStringLiteral("list"), {}, list,
            false);
        add(collection, QStringLiteral("post"), QStringLiteral("post"), QStringLiteral("create"), kind, kind,
            false);
        add(collection, QStringLiteral("delete"), QStringLiteral("deletecollection"),
            QStringLiteral("delete"), {}, {}, false);
        ops.last().operationId
            = QStringLiteral("delete") + op + QStringLiteral("Collection") + scope + t.kind;
        add(item, QStringLiteral("get"), QStringLiteral("get"), QStringLiteral("read"), {}, kind, true);
        add(item, QStringLiteral("put"), QStringLiteral("put"), QStringLiteral("replace"), kind, kind, true);
        add(item, QStringLiteral("patch"), QStringLiteral("patch"), QStringLiteral("patch"), patch, kind,
            true);
        add(item, QStringLiteral("delete"), QStringLiteral("delete"), QStringLiteral("delete"), {},
            t.returnDeletedObject ? kind : QString(), true);
        if (t.namespaced) {
            ops.append({ prefix + u'/' + t.plural, QStringLiteral("get"), QStringLiteral("list"),
                QStringLiteral("list") + op + t.kind + QStringLiteral("ForAllNamespaces"), group, t.kind, {},
                list, false, false });
        }
        for (const auto &[sub, subKind] : t.subresources) {
            const QString request = packageOf(QStringLiteral("authentication.k8s.io")) + subKind;
            ops.append({ item + u'/' + sub, QStringLiteral("post"), QStringLiteral("post"),
                QStringLiteral("create") + op + scope + t.kind + sub.left(1).toUpper() + sub.mid(1),
                QStringLiteral("authentication.k8s.io"), subKind, request, request, t.namespaced, true });
        }
    }
    for (const ReviewResource &r : reviewResources()) {
        if (r.group != group)
            continue;
        const QString kind = packageOf(group) + r.kind;
        ops.append(
            { prefix + (r.namespaced ? QStringLiteral("/namespaces/{namespace}/") : QStringLiteral("/"))
                    + r.plural,
                QStringLiteral("post"), QStringLiteral("post"),
                QStringLiteral("create") + op + (r.namespaced ? QStringLiteral("Namespaced") : QString())
                    + r.kind,
                group, r.kind, kind, kind, r.namespaced, false });
    }
    return ops;
}

struct Parameter {
    QString name;
    QString in;
    QString type;
    QString description;
};

QList<Parameter> queryParameters(const Operation &op)
{
    const auto text = [](const char *name, const char *description) {
        return Parameter { QString::fromLatin1(name), QStringLiteral("query"), QStringLiteral("string"),
            QString::fromLatin1(description) };
    };
    QList<Parameter> p;
    if (op.method != QStringLiteral("get"))
        p << text("dryRun", "All: process the request without persisting it.");
    if (op.method == QStringLiteral("post") || op.method == QStringLiteral("put")
        || op.method == QStringLiteral("patch")) {
        p << text("fieldManager", "The name of the actor making the change.");
        p << text("fieldValidation", "Ignore, Warn or Strict: what to do with unknown or duplicate fields.");
    }
    if (op.action == QStringLiteral("list") || op.action == QStringLiteral("deletecollection")) {
        p << text("continue", "The token of the next page.");
        p << text("fieldSelector", "Only objects whose fields match.");
        p << text("labelSelector", "Only objects whose labels match.");
        p << Parameter { QStringLiteral("limit"), QStringLiteral("query"), QStringLiteral("integer"),
            QStringLiteral("At most this many objects.") };
        p << text("resourceVersion", "The version to list or watch from.");
        p << Parameter { QStringLiteral("timeoutSeconds"), QStringLiteral("query"), QStringLiteral("integer"),
            QStringLiteral("How long a watch may last.") };
        p << Parameter { QStringLiteral("watch"), QStringLiteral("query"), QStringLiteral("boolean"),
            QStringLiteral("Watch for changes instead of listing.") };
    }
    return p;
}

QList<Parameter> pathParameters(const Operation &op)
{
    QList<Parameter> p;
    if (op.named)
        p << Parameter { QStringLiteral("name"), QStringLiteral("path"), QStringLiteral("string"),
            QStringLiteral("The name of the object.") };
    if (op.path.contains(QStringLiteral("{namespace}")))
        p << Parameter { QStringLiteral("namespace"), QStringLiteral("path"), QStringLiteral("string"),
            QStringLiteral("The namespace of the objects.") };
    return p;
}

const QStringList kPatchTypes { QStringLiteral("application/json-patch+json"),
    QStringLiteral("application/merge-patch+json"),
    QStringLiteral("application/strategic-merge-patch+json") };

QJsonObject gvk(const Operation &op)
{
    return QJsonObject { { QStringLiteral("group"), op.group }, { QStringLiteral("kind"), op.kind },
        { QStringLiteral("version"), QStringLiteral("v1") } };
}

// --- v2 -------------------------------------------------------------------

QJsonObject v2Parameter(const Parameter &p)
{
    QJsonObject o { { QStringLiteral("name"), p.name }, { QStringLiteral("in"), p.in },
        { QStringLiteral("type"), p.type }, { QStringLiteral("description"), p.description },
        { QStringLiteral("uniqueItems"), true } };
    if (p.in == QStringLiteral("path"))
        o.insert(QStringLiteral("required"), true);
    return o;
}

QJsonObject v2Operation(const Operation &op)
{
    QJsonArray parameters;
    if (!op.body.isEmpty()) {
        parameters.append(QJsonObject { { QStringLiteral("name"), QStringLiteral("body") },
            { QStringLiteral("in"), QStringLiteral("body") }, { QStringLiteral("required"), true },
            { QStringLiteral("schema"), ref(op.body, QStringLiteral("#/definitions/")) } });
    }
    for (const Parameter &p : queryParameters(op))
        parameters.append(v2Parameter(p));
    QJsonObject ok { { QStringLiteral("description"), QStringLiteral("OK") } };
    if (!op.response.isEmpty())
        ok.insert(QStringLiteral("schema"), ref(op.response, QStringLiteral("#/definitions/")));
    QJsonObject responses { { QStringLiteral("200"), ok },
        { QStringLiteral("401"),
            QJsonObject { { QStringLiteral("description"), QStringLiteral("Unauthorized") } } } };
    if (op.method == QStringLiteral("post")) {
        QJsonObject created = ok;
        created.insert(QStringLiteral("description"), QStringLiteral("Created"));
        responses.insert(QStringLiteral("201"), created);
    }
    QJsonObject o { { QStringLiteral("operationId"), op.operationId },
        { QStringLiteral("consumes"),
            op.method == QStringLiteral("patch") ? QJsonArray::fromStringList(kPatchTypes)
                                                 : QJsonArray { QStringLiteral("*/*") } },
        { QStringLiteral("produces"),
            QJsonArray { QStringLiteral("application/json"), QStringLiteral("application/yaml"),
                QStringLiteral("application/vnd.kubernetes.protobuf") } },
        { QStringLiteral("schemes"), QJsonArray { QStringLiteral("https") } },
        { QStringLiteral("parameters"), parameters }, { QStringLiteral("responses"), responses },
        { QStringLiteral("x-kubernetes-action"), op.action },
        { QStringLiteral("x-kubernetes-group-version-kind"), gvk(op) } };
    return o;
}

QJsonObject buildV2()
{
    QJsonObject paths;
    for (const QString &group : kGroups) {
        for (const Operation &op : operations(group)) {
            QJsonObject item = paths.value(op.path).toObject();
            item.insert(op.method, v2Operation(op));
            QJsonArray parameters;
            for (const Parameter &p : pathParameters(op))
                parameters.append(v2Parameter(p));
            if (!parameters.isEmpty())
                item.insert(QStringLiteral("parameters"), parameters);
            paths.insert(op.path, item);
        }
    }
    return QJsonObject { { QStringLiteral("swagger"), QStringLiteral("2.0") },
        { QStringLiteral("info"),
            QJsonObject { { QStringLiteral("title"), QStringLiteral("Kubernetes") },
                { QStringLiteral("version"), QStringLiteral("v1.32.0") } } },
        { QStringLiteral("paths"), paths }, { QStringLiteral("definitions"), definitions() } };
}

const QJsonObject &v2Object()
{
    static const QJsonObject doc = buildV2();
    return doc;
}

// --- v2 as protobuf (gnostic's openapiv2/OpenAPIv2.proto) -----------------

class ProtoWriter {
public:
    void varint(quint64 v)
    {
        while (v >= 0x80) {
            m_data.append(char((v & 0x7f) | 0x80));
            v >>= 7;
        }
        m_data.append(char(v));
    }
    void key(int field, int wireType) { varint((quint64(field) << 3) | quint64(wireType)); }
    void bytes(int field, const QByteArray &b)
    {
        key(field, 2);
        varint(quint64(b.size()));
        m_data.append(b);
    }
    // proto3: an empty scalar is not written.
    void string(int field, const QString &s)
    {
        if (!s.isEmpty())
            bytes(field, s.toUtf8());
    }
    void strings(int field, const QJsonValue &list)
    {
        for (const QJsonValue &v : list.toArray())
            bytes(field, v.toString().toUtf8());
    }
    void message(int field, const QByteArray &m) { bytes(field, m); }
    void boolean(int field, bool b)
    {
        if (b) {
            key(field, 0);
            varint(1);
        }
    }
    void int64(int field, qint64 v)
    {
        if (v != 0) {
            key(field, 0);
            varint(quint64(v));
        }
    }
    void real(int field, double d)
    {
        if (d == 0)
            return;
        key(field, 1);
        quint64 bits = 0;
        std::memcpy(&bits, &d, sizeof bits);
        char le[8];
        qToLittleEndian(bits, le);
        m_data.append(le, 8);
    }
    const QByteArray &data() const { return m_data; }

private:
    QByteArray m_data;
};

// Any{yaml}: gnostic keeps defaults, examples and extensions as YAML text; JSON is YAML.
QByteArray any(const QJsonValue &value)
{
    QByteArray yaml;
    if (value.isObject())
        yaml = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    else if (value.isArray())
        yaml = QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    else // a scalar: wrapped in an array to serialise, then unwrapped
        yaml = QJsonDocument(QJsonArray { value }).toJson(QJsonDocument::Compact).chopped(1).mid(1);
    ProtoWriter w;
    w.bytes(2, yaml);
    return w.data();
}

void vendorExtensions(ProtoWriter &w, int field, const QJsonObject &object)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!it.key().startsWith(QStringLiteral("x-")))
            continue;
        ProtoWriter named;
        named.string(1, it.key());
        named.message(2, any(it.value()));
        w.message(field, named.data());
    }
}

QByteArray schema(const QJsonObject &s)
{
    ProtoWriter w;
    w.string(1, s.value(QStringLiteral("$ref")).toString());
    w.string(2, s.value(QStringLiteral("format")).toString());
    w.string(3, s.value(QStringLiteral("title")).toString());
    w.string(4, s.value(QStringLiteral("description")).toString());
    if (s.contains(QStringLiteral("default")))
        w.message(5, any(s.value(QStringLiteral("default"))));
    w.real(7, s.value(QStringLiteral("maximum")).toDouble());
    w.real(9, s.value(QStringLiteral("minimum")).toDouble());
    w.boolean(16, s.value(QStringLiteral("uniqueItems")).toBool());
    w.strings(19, s.value(QStringLiteral("required")));
    for (const QJsonValue &e : s.value(QStringLiteral("enum")).toArray())
        w.message(20, any(e));
    const QJsonValue additional = s.value(QStringLiteral("additionalProperties"));
    if (additional.isBool()) {
        ProtoWriter item;
        item.key(2, 0);
        item.varint(additional.toBool() ? 1 : 0);
        w.message(21, item.data());
    } else if (additional.isObject()) {
        ProtoWriter item;
        item.message(1, schema(additional.toObject()));
        w.message(21, item.data());
    }
    if (s.contains(QStringLiteral("type"))) {
        ProtoWriter type;
        type.bytes(1, s.value(QStringLiteral("type")).toString().toUtf8());
        w.message(22, type.data());
    }
    if (s.value(QStringLiteral("items")).isObject()) {
        ProtoWriter items;
        items.message(1, schema(s.value(QStringLiteral("items")).toObject()));
        w.message(23, items.data());
    }
    for (const QJsonValue &part : s.value(QStringLiteral("allOf")).toArray())
        w.message(24, schema(part.toObject()));
    if (s.contains(QStringLiteral("properties"))) {
        ProtoWriter properties;
        const QJsonObject p = s.value(QStringLiteral("properties")).toObject();
        for (auto it = p.begin(); it != p.end(); ++it) {
            ProtoWriter named;
            named.string(1, it.key());
            named.message(2, schema(it.value().toObject()));
            properties.message(1, named.data());
        }
        w.message(25, properties.data());
    }
    w.boolean(27, s.value(QStringLiteral("readOnly")).toBool());
    vendorExtensions(w, 31, s);
    return w.data();
}

QByteArray parameter(const QJsonObject &p)
{
    const QString in = p.value(QStringLiteral("in")).toString();
    ProtoWriter parameter;
    if (in == QStringLiteral("body")) {
        ProtoWriter body;
        body.string(1, p.value(QStringLiteral("description")).toString());
        body.string(2, p.value(QStringLiteral("name")).toString());
        body.string(3, in);
        body.boolean(4, p.value(QStringLiteral("required")).toBool());
        body.message(5, schema(p.value(QStringLiteral("schema")).toObject()));
        parameter.message(1, body.data());
    } else {
        // QueryParameterSubSchema and PathParameterSubSchema share the first
        // four fields; type and uniqueItems are numbered differently.
        const bool query = in == QStringLiteral("query");
        ProtoWriter sub;
        sub.boolean(1, p.value(QStringLiteral("required")).toBool());
        sub.string(2, in);
        sub.string(3, p.value(QStringLiteral("description")).toString());
        sub.string(4, p.value(QStringLiteral("name")).toString());
        sub.string(query ? 6 : 5, p.value(QStringLiteral("type")).toString());
        sub.boolean(query ? 20 : 19, p.value(QStringLiteral("uniqueItems")).toBool());
        ProtoWriter nonBody;
        nonBody.message(query ? 3 : 4, sub.data());
        parameter.message(2, nonBody.data());
    }
    ProtoWriter item; // ParametersItem
    item.message(1, parameter.data());
    return item.data();
}

QByteArray operation(const QJsonObject &o)
{
    ProtoWriter w;
    w.string(3, o.value(QStringLiteral("description")).toString());
    w.string(5, o.value(QStringLiteral("operationId")).toString());
    w.strings(6, o.value(QStringLiteral("produces")));
    w.strings(7, o.value(QStringLiteral("consumes")));
    for (const QJsonValue &p : o.value(QStringLiteral("parameters")).toArray())
        w.message(8, parameter(p.toObject()));
    ProtoWriter responses;
    const QJsonObject r = o.value(QStringLiteral("responses")).toObject();
    for (auto it = r.begin(); it != r.end(); ++it) {
        const QJsonObject answer = it.value().toObject();
        ProtoWriter response;
        response.string(1, answer.value(QStringLiteral("description")).toString());
        if (answer.contains(QStringLiteral("schema"))) {
            ProtoWriter item; // SchemaItem
            item.message(1, schema(answer.value(QStringLiteral("schema")).toObject()));
            response.message(2, item.data());
        }
        ProtoWriter value; // ResponseValue
        value.message(1, response.data());
        ProtoWriter named;
        named.string(1, it.key());
        named.message(2, value.data());
        responses.message(1, named.data());
    }
    w.message(9, responses.data());
    w.strings(10, o.value(QStringLiteral("schemes")));
    vendorExtensions(w, 13, o);
    return w.data();
}

QByteArray buildV2Protobuf()
{
    const QJsonObject &doc = v2Object();
    ProtoWriter w;
    w.string(1, doc.value(QStringLiteral("swagger")).toString());
    ProtoWriter info;
    info.string(1, doc.value(QStringLiteral("info")).toObject().value(QStringLiteral("title")).toString());
    info.string(2, doc.value(QStringLiteral("info")).toObject().value(QStringLiteral("version")).toString());
    w.message(2, info.data());
    ProtoWriter paths;
    const QJsonObject p = doc.value(QStringLiteral("paths")).toObject();
    for (auto it = p.begin(); it != p.end(); ++it) {
        const QJsonObject item = it.value().toObject();
        ProtoWriter pathItem;
        for (const auto &[method, field] : { std::pair { "get", 2 }, std::pair { "put", 3 },
                 std::pair { "post", 4 }, std::pair { "delete", 5 }, std::pair { "patch", 8 } }) {
            const QJsonValue op = item.value(QLatin1String(method));
            if (op.isObject())
                pathItem.message(field, operation(op.toObject()));
        }
        for (const QJsonValue &parameterValue : item.value(QStringLiteral("parameters")).toArray())
            pathItem.message(9, parameter(parameterValue.toObject()));
        ProtoWriter named;
        named.string(1, it.key());
        named.message(2, pathItem.data());
        paths.message(2, named.data());
    }
    w.message(8, paths.data());
    ProtoWriter defs;
    const QJsonObject d = doc.value(QStringLiteral("definitions")).toObject();
    for (auto it = d.begin(); it != d.end(); ++it) {
        ProtoWriter named;
        named.string(1, it.key());
        named.message(2, schema(it.value().toObject()));
        defs.message(1, named.data());
    }
    w.message(9, defs.data());
    return w.data();
}

// --- v3 -------------------------------------------------------------------

void collectReferences(const QJsonValue &value, QSet<QString> &names)
{
    if (value.isArray()) {
        for (const QJsonValue &v : value.toArray())
            collectReferences(v, names);
        return;
    }
    if (!value.isObject())
        return;
    const QJsonObject o = value.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() == QStringLiteral("$ref")) {
            const QString name = it.value().toString().section(u'/', -1);
            if (!names.contains(name)) {
                names.insert(name);
                collectReferences(definitions().value(name), names);
            }
        } else {
            collectReferences(it.value(), names);
        }
    }
}

QJsonValue toComponents(const QJsonValue &value)
{
    if (value.isArray()) {
        QJsonArray out;
        for (const QJsonValue &v : value.toArray())
            out.append(toComponents(v));
        return out;
    }
    if (!value.isObject())
        return value;
    QJsonObject o = value.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() == QStringLiteral("$ref"))
            it.value() = QStringLiteral("#/components/schemas/") + it.value().toString().section(u'/', -1);
        else
            it.value() = toComponents(it.value());
    }
    return o;
}

QJsonObject v3Parameter(const Parameter &p)
{
    QJsonObject o { { QStringLiteral("name"), p.name }, { QStringLiteral("in"), p.in },
        { QStringLiteral("description"), p.description },
        { QStringLiteral("schema"),
            QJsonObject { { QStringLiteral("type"), p.type }, { QStringLiteral("uniqueItems"), true } } } };
    if (p.in == QStringLiteral("path"))
        o.insert(QStringLiteral("required"), true);
    return o;
}

QJsonObject v3Operation(const Operation &op)
{
    const QString prefix = QStringLiteral("#/components/schemas/");
    QJsonArray parameters;
    for (const Parameter &p : queryParameters(op))
        parameters.append(v3Parameter(p));
    QJsonObject ok { { QStringLiteral("description"), QStringLiteral("OK") } };
    if (!op.response.isEmpty())
        ok.insert(QStringLiteral("content"),
            QJsonObject { { QStringLiteral("application/json"),
                QJsonObject { { QStringLiteral("schema"), ref(op.response, prefix) } } } });
    QJsonObject responses { { QStringLiteral("200"), ok },
        { QStringLiteral("401"),
            QJsonObject { { QStringLiteral("description"), QStringLiteral("Unauthorized") } } } };
    if (op.method == QStringLiteral("post")) {
        QJsonObject created = ok;
        created.insert(QStringLiteral("description"), QStringLiteral("Created"));
        responses.insert(QStringLiteral("201"), created);
    }
    QJsonObject o { { QStringLiteral("operationId"), op.operationId },
        { QStringLiteral("parameters"), parameters }, { QStringLiteral("responses"), responses },
        { QStringLiteral("x-kubernetes-action"), op.action },
        { QStringLiteral("x-kubernetes-group-version-kind"), gvk(op) } };
    if (!op.body.isEmpty()) {
        QJsonObject content;
        const QStringList types
            = op.method == QStringLiteral("patch") ? kPatchTypes : QStringList { QStringLiteral("*/*") };
        for (const QString &type : types)
            content.insert(type, QJsonObject { { QStringLiteral("schema"), ref(op.body, prefix) } });
        o.insert(QStringLiteral("requestBody"),
            QJsonObject { { QStringLiteral("content"), content }, { QStringLiteral("required"), true } });
    }
    return o;
}

QByteArray buildV3(const QString &group)
{
    QJsonObject paths;
    QSet<QString> names;
    for (const Operation &op : operations(group)) {
        QJsonObject item = paths.value(op.path).toObject();
        const QJsonObject o = v3Operation(op);
        item.insert(op.method, o);
        QJsonArray parameters;
        for (const Parameter &p : pathParameters(op))
            parameters.append(v3Parameter(p));
        if (!parameters.isEmpty())
            item.insert(QStringLiteral("parameters"), parameters);
        paths.insert(op.path, item);
        collectReferences(o, names);
    }
    QJsonObject schemas;
    for (const QString &name : names)
        schemas.insert(name, toComponents(definitions().value(name)));
    const QJsonObject doc { { QStringLiteral("openapi"), QStringLiteral("3.0.0") },
        { QStringLiteral("info"),
            QJsonObject { { QStringLiteral("title"), QStringLiteral("Kubernetes") },
                { QStringLiteral("version"), QStringLiteral("v1.32.0") } } },
        { QStringLiteral("paths"), paths },
        { QStringLiteral("components"), QJsonObject { { QStringLiteral("schemas"), schemas } } } };
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

const QHash<QString, QByteArray> &v3Documents()
{
    static const QHash<QString, QByteArray> docs = [] {
        QHash<QString, QByteArray> d;
        for (const QString &group : kGroups)
            d.insert(groupVersionPath(group), buildV3(group));
        return d;
    }();
    return docs;
}

} // namespace

const QByteArray &v2Json()
{
    static const QByteArray json = QJsonDocument(v2Object()).toJson(QJsonDocument::Compact);
    return json;
}

const QByteArray &v2Protobuf()
{
    static const QByteArray proto = buildV2Protobuf();
    return proto;
}

const QByteArray &v3Root()
{
    static const QByteArray root = [] {
        QJsonObject paths;
        for (const QString &group : kGroups) {
            const QString gv = groupVersionPath(group);
            const QString hash = QString::fromLatin1(
                QCryptographicHash::hash(v3Documents().value(gv), QCryptographicHash::Sha512)
                    .toHex()
                    .toUpper());
            paths.insert(gv,
                QJsonObject { { QStringLiteral("serverRelativeURL"),
                    QStringLiteral("/openapi/v3/%1?hash=%2").arg(gv, hash) } });
        }
        return QJsonDocument(QJsonObject { { QStringLiteral("paths"), paths } })
            .toJson(QJsonDocument::Compact);
    }();
    return root;
}

std::optional<QByteArray> v3Document(const QString &groupVersionPath)
{
    const auto it = v3Documents().constFind(groupVersionPath);
    if (it == v3Documents().constEnd())
        return std::nullopt;
    return *it;
}

QJsonObject definition(const QString &name)
{
    return definitions().value(name).toObject();
}

} // namespace kms::testcluster::openapi
