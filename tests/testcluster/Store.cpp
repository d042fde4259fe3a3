#include "Store.h"

#include <QUuid>

namespace kms::testcluster {

QString rfc3339(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ"));
}

QString newUid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

Store::Store(std::function<QDateTime()> now)
    : m_now(std::move(now))
{
}

std::optional<QJsonObject> Store::get(const ResourceType &type, const QString &ns, const QString &name) const
{
    const auto bucket = m_objects.constFind(type.groupResource());
    if (bucket == m_objects.constEnd())
        return std::nullopt;
    const auto it = bucket->constFind(key(ns, name));
    if (it == bucket->constEnd())
        return std::nullopt;
    return *it;
}

QList<QJsonObject> Store::list(const ResourceType &type, const QString &ns) const
{
    QList<QJsonObject> out;
    const auto bucket = m_objects.constFind(type.groupResource());
    if (bucket == m_objects.constEnd())
        return out;
    if (ns.isEmpty())
        return bucket->values();
    const QString prefix = ns + u'/';
    for (auto it = bucket->lowerBound(prefix); it != bucket->constEnd() && it.key().startsWith(prefix); ++it)
        out.append(*it);
    return out;
}

QJsonObject Store::create(const ResourceType &type, QJsonObject object)
{
    QJsonObject meta = object.value(QStringLiteral("metadata")).toObject();
    meta.insert(QStringLiteral("uid"), newUid());
    meta.insert(QStringLiteral("resourceVersion"), QString::number(++m_resourceVersion));
    meta.insert(QStringLiteral("creationTimestamp"), rfc3339(m_now()));
    object.insert(QStringLiteral("metadata"), meta);
    m_objects[type.groupResource()].insert(key(meta.value(QStringLiteral("namespace")).toString(),
                                               meta.value(QStringLiteral("name")).toString()),
        object);
    if (m_listener)
        m_listener(type, QStringLiteral("ADDED"), object);
    return object;
}

QJsonObject Store::update(const ResourceType &type, QJsonObject object)
{
    QJsonObject meta = object.value(QStringLiteral("metadata")).toObject();
    meta.insert(QStringLiteral("resourceVersion"), QString::number(++m_resourceVersion));
    object.insert(QStringLiteral("metadata"), meta);
    m_objects[type.groupResource()].insert(key(meta.value(QStringLiteral("namespace")).toString(),
                                               meta.value(QStringLiteral("name")).toString()),
        object);
    if (m_listener)
        m_listener(type, QStringLiteral("MODIFIED"), object);
    return object;
}

void Store::remove(const ResourceType &type, const QString &ns, const QString &name)
{
    auto bucket = m_objects.find(type.groupResource());
    if (bucket == m_objects.end())
        return;
    const auto it = bucket->find(key(ns, name));
    if (it == bucket->end())
        return;
    QJsonObject object = *it;
    bucket->erase(it);
    // The deletion's own resourceVersion, as a DELETED watch event shows it.
    QJsonObject meta = object.value(QStringLiteral("metadata")).toObject();
    meta.insert(QStringLiteral("resourceVersion"), QString::number(++m_resourceVersion));
    object.insert(QStringLiteral("metadata"), meta);
    if (m_listener)
        m_listener(type, QStringLiteral("DELETED"), object);
}

} // namespace kms::testcluster
