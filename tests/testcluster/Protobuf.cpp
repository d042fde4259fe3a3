#include "Protobuf.h"

#include "ApiError.h"

#include <QDateTime>
#include <QJsonArray>

#include <map>
#include <string_view>
#include <vector>

namespace kms::testcluster {

namespace {

enum class Type { String, Bytes, Int, Bool, Message, MapStringString, MapStringBytes, Time };

struct Field {
    int number;
    const char *json;
    Type type;
    bool repeated;
    const char *message; // for Type::Message
};

// Field numbers of k8s.io/api and apimachinery generated.proto.
const std::map<std::string_view, std::vector<Field>> &schemas()
{
    static const std::map<std::string_view, std::vector<Field>> s {
        { "ObjectMeta",
            { { 1, "name", Type::String, false, nullptr },
                { 2, "generateName", Type::String, false, nullptr },
                { 3, "namespace", Type::String, false, nullptr },
                { 4, "selfLink", Type::String, false, nullptr }, { 5, "uid", Type::String, false, nullptr },
                { 6, "resourceVersion", Type::String, false, nullptr },
                { 7, "generation", Type::Int, false, nullptr },
                { 8, "creationTimestamp", Type::Time, false, nullptr },
                { 9, "deletionTimestamp", Type::Time, false, nullptr },
                { 10, "deletionGracePeriodSeconds", Type::Int, false, nullptr },
                { 11, "labels", Type::MapStringString, false, nullptr },
                { 12, "annotations", Type::MapStringString, false, nullptr },
                { 13, "ownerReferences", Type::Message, true, "OwnerReference" },
                { 14, "finalizers", Type::String, true, nullptr } } },
        { "OwnerReference",
            { { 1, "kind", Type::String, false, nullptr }, { 3, "name", Type::String, false, nullptr },
                { 4, "uid", Type::String, false, nullptr }, { 5, "apiVersion", Type::String, false, nullptr },
                { 6, "controller", Type::Bool, false, nullptr },
                { 7, "blockOwnerDeletion", Type::Bool, false, nullptr } } },
        { "TokenRequest",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "spec", Type::Message, false, "TokenRequestSpec" } } },
        { "TokenRequestSpec",
            { { 1, "audiences", Type::String, true, nullptr },
                { 3, "boundObjectRef", Type::Message, false, "BoundObjectReference" },
                { 4, "expirationSeconds", Type::Int, false, nullptr } } },
        { "BoundObjectReference",
            { { 1, "kind", Type::String, false, nullptr }, { 2, "apiVersion", Type::String, false, nullptr },
                { 3, "name", Type::String, false, nullptr }, { 4, "uid", Type::String, false, nullptr } } },
        { "TokenReview",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "spec", Type::Message, false, "TokenReviewSpec" } } },
        { "TokenReviewSpec",
            { { 1, "token", Type::String, false, nullptr },
                { 2, "audiences", Type::String, true, nullptr } } },
        { "SelfSubjectReview", { { 1, "metadata", Type::Message, false, "ObjectMeta" } } },
        { "SelfSubjectAccessReview",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "spec", Type::Message, false, "SelfSubjectAccessReviewSpec" } } },
        { "SelfSubjectAccessReviewSpec",
            { { 1, "resourceAttributes", Type::Message, false, "ResourceAttributes" },
                { 2, "nonResourceAttributes", Type::Message, false, "NonResourceAttributes" } } },
        { "SubjectAccessReview",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "spec", Type::Message, false, "SubjectAccessReviewSpec" } } },
        { "LocalSubjectAccessReview",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "spec", Type::Message, false, "SubjectAccessReviewSpec" } } },
        { "SubjectAccessReviewSpec",
            { { 1, "resourceAttributes", Type::Message, false, "ResourceAttributes" },
                { 2, "nonResourceAttributes", Type::Message, false, "NonResourceAttributes" },
                { 3, "user", Type::String, false, nullptr }, { 4, "groups", Type::String, true, nullptr },
                { 6, "uid", Type::String, false, nullptr } } },
        { "ResourceAttributes",
            { { 1, "namespace", Type::String, false, nullptr }, { 2, "verb", Type::String, false, nullptr },
                { 3, "group", Type::String, false, nullptr }, { 4, "version", Type::String, false, nullptr },
                { 5, "resource", Type::String, false, nullptr },
                { 6, "subresource", Type::String, false, nullptr },
                { 7, "name", Type::String, false, nullptr } } },
        { "NonResourceAttributes",
            { { 1, "path", Type::String, false, nullptr }, { 2, "verb", Type::String, false, nullptr } } },
        { "SelfSubjectRulesReview",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "spec", Type::Message, false, "SelfSubjectRulesReviewSpec" } } },
        { "SelfSubjectRulesReviewSpec", { { 1, "namespace", Type::String, false, nullptr } } },
        { "ServiceAccount",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "secrets", Type::Message, true, "ObjectReference" },
                { 3, "imagePullSecrets", Type::Message, true, "LocalObjectReference" },
                { 4, "automountServiceAccountToken", Type::Bool, false, nullptr } } },
        { "ObjectReference",
            { { 1, "kind", Type::String, false, nullptr }, { 2, "namespace", Type::String, false, nullptr },
                { 3, "name", Type::String, false, nullptr }, { 4, "uid", Type::String, false, nullptr },
                { 5, "apiVersion", Type::String, false, nullptr },
                { 6, "resourceVersion", Type::String, false, nullptr },
                { 7, "fieldPath", Type::String, false, nullptr } } },
        { "LocalObjectReference", { { 1, "name", Type::String, false, nullptr } } },
        { "Secret",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "data", Type::MapStringBytes, false, nullptr },
                { 3, "type", Type::String, false, nullptr },
                { 4, "stringData", Type::MapStringString, false, nullptr },
                { 5, "immutable", Type::Bool, false, nullptr } } },
        { "ConfigMap",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "data", Type::MapStringString, false, nullptr },
                { 3, "binaryData", Type::MapStringBytes, false, nullptr },
                { 4, "immutable", Type::Bool, false, nullptr } } },
        { "Namespace",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "spec", Type::Message, false, "NamespaceSpec" } } },
        { "NamespaceSpec", { { 1, "finalizers", Type::String, true, nullptr } } },
        { "Role",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "rules", Type::Message, true, "PolicyRule" } } },
        { "ClusterRole",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "rules", Type::Message, true, "PolicyRule" } } },
        { "PolicyRule",
            { { 1, "verbs", Type::String, true, nullptr }, { 2, "apiGroups", Type::String, true, nullptr },
                { 3, "resources", Type::String, true, nullptr },
                { 4, "resourceNames", Type::String, true, nullptr },
                { 5, "nonResourceURLs", Type::String, true, nullptr } } },
        { "RoleBinding",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "subjects", Type::Message, true, "Subject" },
                { 3, "roleRef", Type::Message, false, "RoleRef" } } },
        { "ClusterRoleBinding",
            { { 1, "metadata", Type::Message, false, "ObjectMeta" },
                { 2, "subjects", Type::Message, true, "Subject" },
                { 3, "roleRef", Type::Message, false, "RoleRef" } } },
        { "Subject",
            { { 1, "kind", Type::String, false, nullptr }, { 2, "apiGroup", Type::String, false, nullptr },
                { 3, "name", Type::String, false, nullptr },
                { 4, "namespace", Type::String, false, nullptr } } },
        { "RoleRef",
            { { 1, "apiGroup", Type::String, false, nullptr }, { 2, "kind", Type::String, false, nullptr },
                { 3, "name", Type::String, false, nullptr } } },
        { "DeleteOptions",
            { { 1, "gracePeriodSeconds", Type::Int, false, nullptr },
                { 2, "preconditions", Type::Message, false, "Preconditions" },
                { 3, "orphanDependents", Type::Bool, false, nullptr },
                { 4, "propagationPolicy", Type::String, false, nullptr },
                { 5, "dryRun", Type::String, true, nullptr } } },
        { "Preconditions",
            { { 1, "uid", Type::String, false, nullptr },
                { 2, "resourceVersion", Type::String, false, nullptr } } },
        { "Unknown",
            { { 1, "typeMeta", Type::Message, false, "TypeMeta" }, { 2, "raw", Type::Bytes, false, nullptr },
                { 3, "contentEncoding", Type::String, false, nullptr },
                { 4, "contentType", Type::String, false, nullptr } } },
        { "TypeMeta",
            { { 1, "apiVersion", Type::String, false, nullptr },
                { 2, "kind", Type::String, false, nullptr } } },
        { "Time",
            { { 1, "seconds", Type::Int, false, nullptr }, { 2, "nanos", Type::Int, false, nullptr } } },
        { "MapEntry",
            { { 1, "key", Type::Bytes, false, nullptr }, { 2, "value", Type::Bytes, false, nullptr } } },
    };
    return s;
}

[[noreturn]] void malformed()
{
    throw ApiError::badRequest(QStringLiteral("the protobuf body of the request is malformed"));
}

class Reader {
public:
    explicit Reader(const QByteArray &data)
        : m_data(data)
    {
    }
    bool atEnd() const { return m_pos >= m_data.size(); }
    quint64 varint()
    {
        quint64 value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (atEnd())
                malformed();
            const auto byte = quint8(m_data.at(m_pos++));
            value |= quint64(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                return value;
        }
        malformed();
    }
    QByteArray bytes()
    {
        const quint64 len = varint();
        if (len > quint64(m_data.size() - m_pos))
            malformed();
        const QByteArray out = m_data.mid(m_pos, qsizetype(len));
        m_pos += qsizetype(len);
        return out;
    }
    void skip(int wireType)
    {
        switch (wireType) {
        case 0:
            varint();
            break;
        case 1:
            m_pos += 8;
            break;
        case 2:
            bytes();
            break;
        case 5:
            m_pos += 4;
            break;
        default:
            malformed();
        }
        if (m_pos > m_data.size())
            malformed();
    }

private:
    const QByteArray &m_data;
    qsizetype m_pos = 0;
};

QJsonObject decodeMessage(const QByteArray &data, std::string_view name);

QJsonValue decodeTime(const QByteArray &data)
{
    const QJsonObject t = decodeMessage(data, "Time");
    const qint64 seconds = qint64(t.value(QStringLiteral("seconds")).toDouble());
    if (seconds == 0)
        return QJsonValue::Null;
    return QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC).toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ"));
}

QJsonObject decodeMessage(const QByteArray &data, std::string_view name)
{
    const auto schema = schemas().find(name);
    if (schema == schemas().end())
        malformed();
    QJsonObject out;
    Reader reader(data);
    while (!reader.atEnd()) {
        const quint64 key = reader.varint();
        const int number = int(key >> 3);
        const int wireType = int(key & 7);
        const Field *field = nullptr;
        for (const Field &f : schema->second) {
            if (f.number == number)
                field = &f;
        }
        if (!field) {
            reader.skip(wireType);
            continue;
        }
        const QString json = QString::fromLatin1(field->json);
        QJsonValue value;
        switch (field->type) {
        case Type::Int:
        case Type::Bool: {
            if (wireType != 0)
                malformed();
            const quint64 raw = reader.varint();
            value = field->type == Type::Bool ? QJsonValue(raw != 0) : QJsonValue(double(qint64(raw)));
            break;
        }
        default:
            if (wireType != 2)
                malformed();
            break;
        }
        if (field->type == Type::Int || field->type == Type::Bool) {
            out.insert(json, value);
            continue;
        }
        const QByteArray bytes = reader.bytes();
        switch (field->type) {
        case Type::String:
            value = QString::fromUtf8(bytes);
            break;
        case Type::Bytes:
            value = QString::fromLatin1(bytes.toBase64());
            break;
        case Type::Message:
            value = decodeMessage(bytes, field->message);
            break;
        case Type::Time:
            value = decodeTime(bytes);
            break;
        case Type::MapStringString:
        case Type::MapStringBytes: {
            const QJsonObject entry = decodeMessage(bytes, "MapEntry");
            const QByteArray k
                = QByteArray::fromBase64(entry.value(QStringLiteral("key")).toString().toLatin1());
            const QByteArray v
                = QByteArray::fromBase64(entry.value(QStringLiteral("value")).toString().toLatin1());
            QJsonObject map = out.value(json).toObject();
            map.insert(QString::fromUtf8(k),
                field->type == Type::MapStringString ? QString::fromUtf8(v)
                                                     : QString::fromLatin1(v.toBase64()));
            out.insert(json, map);
            continue;
        }
        default:
            break;
        }
        if (field->repeated) {
            QJsonArray list = out.value(json).toArray();
            list.append(value);
            out.insert(json, list);
        } else if (!(value.isString() && value.toString().isEmpty()) && !value.isNull()) {
            out.insert(json, value); // empty strings are Go's zero value: as if omitted
        }
    }
    return out;
}

} // namespace

QJsonObject decodeKubernetesProtobuf(const QByteArray &body)
{
    static const QByteArray magic("k8s\0", 4);
    if (!body.startsWith(magic))
        malformed();
    const QJsonObject unknown = decodeMessage(body.mid(4), "Unknown");
    const QJsonObject typeMeta = unknown.value(QStringLiteral("typeMeta")).toObject();
    const QString kind = typeMeta.value(QStringLiteral("kind")).toString();
    const std::string kindName = kind.toStdString();
    static const QStringList nested { QStringLiteral("Unknown"), QStringLiteral("TypeMeta"),
        QStringLiteral("Time"), QStringLiteral("MapEntry") };
    if (kind.isEmpty() || nested.contains(kind) || schemas().find(kindName) == schemas().end()) {
        throw ApiError::unsupportedMediaType(
            QStringLiteral("the body of the request was in an unknown format - accepted media types include: "
                           "application/json, application/yaml"));
    }
    QJsonObject object = decodeMessage(
        QByteArray::fromBase64(unknown.value(QStringLiteral("raw")).toString().toLatin1()), kindName);
    object.insert(QStringLiteral("apiVersion"), typeMeta.value(QStringLiteral("apiVersion")));
    object.insert(QStringLiteral("kind"), kind);
    return object;
}

} // namespace kms::testcluster
