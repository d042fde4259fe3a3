#pragma once

#include "ResourceType.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QMap>

#include <functional>
#include <optional>

namespace kms::testcluster {

// The cluster's objects, as etcd would hold them: one resourceVersion counter
// for all, keys sorted by namespace/name (the order LIST returns).
class Store {
public:
    explicit Store(std::function<QDateTime()> now);

    std::optional<QJsonObject> get(const ResourceType &type, const QString &ns, const QString &name) const;
    // ns empty: every namespace.
    QList<QJsonObject> list(const ResourceType &type, const QString &ns = {}) const;
    // Sets uid, resourceVersion, creationTimestamp; the caller checked existence.
    QJsonObject create(const ResourceType &type, QJsonObject object);
    // Bumps resourceVersion; keeps uid and creationTimestamp.
    QJsonObject update(const ResourceType &type, QJsonObject object);
    void remove(const ResourceType &type, const QString &ns, const QString &name);
    // Told of every change: ADDED, MODIFIED, DELETED, with the object as it is (was) now.
    using Listener = std::function<void(const ResourceType &, const QString &, const QJsonObject &)>;
    void setListener(Listener listener) { m_listener = std::move(listener); }
    QString resourceVersion() const { return QString::number(m_resourceVersion); }
    QDateTime now() const { return m_now(); }

private:
    static QString key(const QString &ns, const QString &name) { return ns + u'/' + name; }

    std::function<QDateTime()> m_now;
    QHash<QString, QMap<QString, QJsonObject>> m_objects; // groupResource -> key -> object
    quint64 m_resourceVersion = 1000;
    Listener m_listener;
};

QString rfc3339(const QDateTime &time);
QString newUid();

} // namespace kms::testcluster
