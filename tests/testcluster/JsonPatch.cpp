#include "JsonPatch.h"

#include "ApiError.h"

#include <QJsonDocument>

namespace kms::testcluster {

namespace {

QJsonValue mergeValue(const QJsonValue &target, const QJsonValue &patch)
{
    if (!patch.isObject())
        return patch;
    QJsonObject result = target.isObject() ? target.toObject() : QJsonObject();
    const QJsonObject p = patch.toObject();
    for (auto it = p.begin(); it != p.end(); ++it) {
        if (it.value().isNull())
            result.remove(it.key());
        else
            result.insert(it.key(), mergeValue(result.value(it.key()), it.value()));
    }
    return result;
}

// Fields of the kinds we serve that carry a patchStrategy in the Go types.
// path (dotted, relative to the object) -> merge key ("" for a primitive list merged as a set).
QString mergeKeyFor(const QString &kind, const QString &path, bool *isMergeList)
{
    *isMergeList = true;
    if (path == QStringLiteral("metadata.ownerReferences"))
        return QStringLiteral("uid");
    if (path == QStringLiteral("metadata.finalizers"))
        return QString();
    if (kind == QStringLiteral("ServiceAccount") && path == QStringLiteral("secrets"))
        return QStringLiteral("name");
    if (kind == QStringLiteral("Pod")) {
        if (path == QStringLiteral("spec.containers") || path == QStringLiteral("spec.initContainers")
            || path == QStringLiteral("spec.volumes") || path == QStringLiteral("spec.imagePullSecrets"))
            return QStringLiteral("name");
        if (path.endsWith(QStringLiteral(".env")) || path.endsWith(QStringLiteral(".volumeMounts")))
            return path.endsWith(QStringLiteral(".env")) ? QStringLiteral("name")
                                                         : QStringLiteral("mountPath");
    }
    *isMergeList = false;
    return QString();
}

QJsonValue strategic(
    const QString &kind, const QString &path, const QJsonValue &target, const QJsonValue &patch);

QJsonArray mergeList(const QString &kind, const QString &path, const QString &key, const QJsonArray &target,
    const QJsonArray &patch)
{
    QJsonArray result = target;
    if (key.isEmpty()) {
        for (const QJsonValue &v : patch) {
            if (!result.contains(v))
                result.append(v);
        }
        return result;
    }
    for (const QJsonValue &v : patch) {
        const QJsonObject item = v.toObject();
        const QJsonValue id = item.value(key);
        int found = -1;
        for (int i = 0; i < result.size(); ++i) {
            if (result.at(i).toObject().value(key) == id) {
                found = i;
                break;
            }
        }
        if (item.value(QStringLiteral("$patch")).toString() == QStringLiteral("delete")) {
            if (found >= 0)
                result.removeAt(found);
            continue;
        }
        if (found >= 0)
            result.replace(found, strategic(kind, path, result.at(found), item));
        else
            result.append(strategic(kind, path, QJsonObject(), item));
    }
    return result;
}

QJsonValue strategic(
    const QString &kind, const QString &path, const QJsonValue &target, const QJsonValue &patch)
{
    if (!patch.isObject())
        return patch;
    QJsonObject p = patch.toObject();
    const QString directive = p.value(QStringLiteral("$patch")).toString();
    if (directive == QStringLiteral("replace")) {
        p.remove(QStringLiteral("$patch"));
        return p;
    }
    if (!directive.isEmpty() && directive != QStringLiteral("merge") && directive != QStringLiteral("delete"))
        throw ApiError::badRequest(QStringLiteral("Unknown patch directive: %1").arg(directive));
    QJsonObject result = target.isObject() ? target.toObject() : QJsonObject();
    QStringList retainKeys;
    const bool retain = p.contains(QStringLiteral("$retainKeys"));
    for (const QJsonValue &k : p.value(QStringLiteral("$retainKeys")).toArray())
        retainKeys << k.toString();
    for (auto it = p.begin(); it != p.end(); ++it) {
        const QString k = it.key();
        if (k.startsWith(u'$')) {
            if (k.startsWith(QStringLiteral("$deleteFromPrimitiveList/"))) {
                const QString field = k.section(u'/', 1);
                QJsonArray list = result.value(field).toArray();
                for (const QJsonValue &v : it.value().toArray()) {
                    for (int i = list.size() - 1; i >= 0; --i) {
                        if (list.at(i) == v)
                            list.removeAt(i);
                    }
                }
                result.insert(field, list);
            }
            continue; // $patch, $retainKeys, $setElementOrder/...: order and bookkeeping only
        }
        const QString childPath = path.isEmpty() ? k : path + u'.' + k;
        if (it.value().isNull()) {
            result.remove(k);
            continue;
        }
        bool isMergeList = false;
        const QString key = mergeKeyFor(kind, childPath, &isMergeList);
        if (it.value().isArray() && isMergeList) {
            result.insert(
                k, mergeList(kind, childPath, key, result.value(k).toArray(), it.value().toArray()));
            continue;
        }
        if (it.value().isObject()
            && it.value().toObject().value(QStringLiteral("$patch")) == QStringLiteral("delete")) {
            result.remove(k);
            continue;
        }
        result.insert(k, strategic(kind, childPath, result.value(k), it.value()));
    }
    if (retain) {
        for (const QString &k : result.keys()) {
            if (!retainKeys.contains(k))
                result.remove(k);
        }
    }
    return result;
}

// JSON pointer handling (RFC 6901) over QJsonValue trees.
QStringList pointerTokens(const QString &pointer)
{
    if (pointer.isEmpty())
        return {};
    if (!pointer.startsWith(u'/'))
        throw ApiError(422, QStringLiteral("Invalid"),
            QStringLiteral("JSON pointer must start with /: %1").arg(pointer));
    QStringList tokens = pointer.mid(1).split(u'/');
    for (QString &t : tokens)
        t = t.replace(QStringLiteral("~1"), QStringLiteral("/"))
                .replace(QStringLiteral("~0"), QStringLiteral("~"));
    return tokens;
}

[[noreturn]] void patchFailure(const QString &why)
{
    throw ApiError(422, QStringLiteral("Invalid"), why);
}

QJsonValue getAt(const QJsonValue &root, const QStringList &tokens)
{
    QJsonValue cur = root;
    for (const QString &t : tokens) {
        if (cur.isObject()) {
            if (!cur.toObject().contains(t))
                patchFailure(QStringLiteral("jsonpatch: missing value at /%1").arg(tokens.join(u'/')));
            cur = cur.toObject().value(t);
        } else if (cur.isArray()) {
            bool ok = false;
            const int i = t.toInt(&ok);
            if (!ok || i < 0 || i >= cur.toArray().size())
                patchFailure(QStringLiteral("jsonpatch: index out of range at /%1").arg(tokens.join(u'/')));
            cur = cur.toArray().at(i);
        } else {
            patchFailure(QStringLiteral("jsonpatch: missing value at /%1").arg(tokens.join(u'/')));
        }
    }
    return cur;
}

// op: "add", "remove", "replace"
QJsonValue modify(
    const QJsonValue &node, const QStringList &tokens, int depth, const QString &op, const QJsonValue &value)
{
    const QString t = tokens.at(depth);
    const bool last = depth == tokens.size() - 1;
    if (node.isObject()) {
        QJsonObject o = node.toObject();
        if (last) {
            if (op != QStringLiteral("add") && !o.contains(t))
                patchFailure(QStringLiteral("jsonpatch %1 operation does not apply: doc is missing key: /%2")
                                 .arg(op, tokens.join(u'/')));
            if (op == QStringLiteral("remove"))
                o.remove(t);
            else
                o.insert(t, value);
            return o;
        }
        if (!o.contains(t))
            patchFailure(QStringLiteral("jsonpatch %1 operation does not apply: doc is missing path: /%2")
                             .arg(op, tokens.join(u'/')));
        o.insert(t, modify(o.value(t), tokens, depth + 1, op, value));
        return o;
    }
    if (node.isArray()) {
        QJsonArray a = node.toArray();
        bool ok = false;
        int i = t == QStringLiteral("-") ? a.size() : t.toInt(&ok);
        if (t == QStringLiteral("-"))
            ok = true;
        const int limit = (last && op == QStringLiteral("add")) ? a.size() : a.size() - 1;
        if (!ok || i < 0 || i > limit)
            patchFailure(QStringLiteral("jsonpatch: index out of range at /%1").arg(tokens.join(u'/')));
        if (last) {
            if (op == QStringLiteral("add"))
                a.insert(i, value);
            else if (op == QStringLiteral("remove"))
                a.removeAt(i);
            else
                a.replace(i, value);
            return a;
        }
        a.replace(i, modify(a.at(i), tokens, depth + 1, op, value));
        return a;
    }
    patchFailure(QStringLiteral("jsonpatch %1 operation does not apply: doc is missing path: /%2")
                     .arg(op, tokens.join(u'/')));
}

} // namespace

QJsonObject applyMergePatch(const QJsonObject &target, const QJsonObject &patch)
{
    return mergeValue(target, patch).toObject();
}

QJsonObject applyStrategicMergePatch(const QString &kind, const QJsonObject &target, const QJsonObject &patch)
{
    return strategic(kind, QString(), target, patch).toObject();
}

QJsonObject applyJsonPatch(const QJsonObject &target, const QJsonArray &operations)
{
    QJsonValue doc = target;
    for (const QJsonValue &v : operations) {
        const QJsonObject op = v.toObject();
        const QString name = op.value(QStringLiteral("op")).toString();
        const QStringList path = pointerTokens(op.value(QStringLiteral("path")).toString());
        if (name == QStringLiteral("test")) {
            if (getAt(doc, path) != op.value(QStringLiteral("value")))
                patchFailure(QStringLiteral("testing value /%1 failed: test failed").arg(path.join(u'/')));
            continue;
        }
        if (path.isEmpty()) {
            if (name == QStringLiteral("add") || name == QStringLiteral("replace"))
                doc = op.value(QStringLiteral("value"));
            else
                patchFailure(QStringLiteral("jsonpatch: cannot %1 the whole document").arg(name));
            continue;
        }
        if (name == QStringLiteral("add") || name == QStringLiteral("replace")
            || name == QStringLiteral("remove")) {
            if (name != QStringLiteral("remove") && !op.contains(QStringLiteral("value")))
                patchFailure(QStringLiteral("jsonpatch: %1 operation has no value").arg(name));
            doc = modify(doc, path, 0, name, op.value(QStringLiteral("value")));
        } else if (name == QStringLiteral("move") || name == QStringLiteral("copy")) {
            const QStringList from = pointerTokens(op.value(QStringLiteral("from")).toString());
            const QJsonValue value = getAt(doc, from);
            if (name == QStringLiteral("move"))
                doc = modify(doc, from, 0, QStringLiteral("remove"), {});
            doc = modify(doc, path, 0, QStringLiteral("add"), value);
        } else {
            patchFailure(QStringLiteral("Unexpected kind: %1").arg(name));
        }
    }
    if (!doc.isObject())
        patchFailure(QStringLiteral("the patched document is not an object"));
    return doc.toObject();
}

} // namespace kms::testcluster
