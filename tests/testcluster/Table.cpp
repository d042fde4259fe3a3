#include "Table.h"

#include <QJsonArray>

namespace kms::testcluster {

namespace {

struct Column {
    const char *name;
    const char *type;
    int priority;
};

QJsonObject column(const Column &c)
{
    QJsonObject o { { QStringLiteral("name"), QLatin1String(c.name) },
        { QStringLiteral("type"), QLatin1String(c.type) }, { QStringLiteral("format"), QString() },
        { QStringLiteral("description"), QString() }, { QStringLiteral("priority"), c.priority } };
    if (QLatin1String(c.name) == QLatin1String("Name"))
        o.insert(QStringLiteral("format"), QStringLiteral("name"));
    return o;
}

QString subjects(const QJsonObject &binding, const QString &kind)
{
    QStringList names;
    for (const QJsonValue &v : binding.value(QStringLiteral("subjects")).toArray()) {
        const QJsonObject s = v.toObject();
        if (s.value(QStringLiteral("kind")).toString() != kind)
            continue;
        if (kind == QStringLiteral("ServiceAccount"))
            names << s.value(QStringLiteral("namespace")).toString() + u'/'
                    + s.value(QStringLiteral("name")).toString();
        else
            names << s.value(QStringLiteral("name")).toString();
    }
    return names.join(QStringLiteral(", "));
}

} // namespace

QString humanDuration(qint64 seconds)
{
    if (seconds < -1)
        return QStringLiteral("<invalid>");
    if (seconds < 0)
        return QStringLiteral("0s");
    if (seconds < 120)
        return QStringLiteral("%1s").arg(seconds);
    const qint64 minutes = seconds / 60;
    if (minutes < 10) {
        const qint64 s = seconds % 60;
        return s == 0 ? QStringLiteral("%1m").arg(minutes) : QStringLiteral("%1m%2s").arg(minutes).arg(s);
    }
    if (minutes < 180)
        return QStringLiteral("%1m").arg(minutes);
    const qint64 hours = seconds / 3600;
    if (hours < 8) {
        const qint64 m = minutes % 60;
        return m == 0 ? QStringLiteral("%1h").arg(hours) : QStringLiteral("%1h%2m").arg(hours).arg(m);
    }
    if (hours < 48)
        return QStringLiteral("%1h").arg(hours);
    if (hours < 24 * 8) {
        const qint64 h = hours % 24;
        return h == 0 ? QStringLiteral("%1d").arg(hours / 24)
                      : QStringLiteral("%1d%2h").arg(hours / 24).arg(h);
    }
    if (hours < 24 * 365 * 2)
        return QStringLiteral("%1d").arg(hours / 24);
    if (hours < 24 * 365 * 8) {
        const qint64 dy = (hours / 24) % 365;
        return dy == 0 ? QStringLiteral("%1y").arg(hours / 24 / 365)
                       : QStringLiteral("%1y%2d").arg(hours / 24 / 365).arg(dy);
    }
    return QStringLiteral("%1y").arg(hours / 24 / 365);
}

QJsonObject toTable(const ResourceType &type, const QList<QJsonObject> &objects,
    const QString &resourceVersion, const QDateTime &now, const QString &includeObject)
{
    QList<Column> columns { { "Name", "string", 0 } };
    const QString kind = type.kind;
    if (kind == QStringLiteral("ServiceAccount"))
        columns += { { "Secrets", "string", 0 }, { "Age", "string", 0 } };
    else if (kind == QStringLiteral("Secret"))
        columns += { { "Type", "string", 0 }, { "Data", "string", 0 }, { "Age", "string", 0 } };
    else if (kind == QStringLiteral("ConfigMap"))
        columns += { { "Data", "string", 0 }, { "Age", "string", 0 } };
    else if (kind == QStringLiteral("Namespace"))
        columns += { { "Status", "string", 0 }, { "Age", "string", 0 } };
    else if (kind == QStringLiteral("Role") || kind == QStringLiteral("ClusterRole"))
        columns += { { "Created At", "date", 0 } };
    else if (kind == QStringLiteral("RoleBinding") || kind == QStringLiteral("ClusterRoleBinding"))
        columns += { { "Role", "string", 0 }, { "Age", "string", 0 }, { "Users", "string", 1 },
            { "Groups", "string", 1 }, { "ServiceAccounts", "string", 1 } };
    else if (kind == QStringLiteral("Pod"))
        columns += { { "Ready", "string", 0 }, { "Status", "string", 0 }, { "Restarts", "string", 0 },
            { "Age", "string", 0 } };
    else
        columns += { { "Age", "string", 0 } };

    QJsonArray definitions;
    for (const Column &c : columns)
        definitions.append(column(c));

    QJsonArray rows;
    for (const QJsonObject &o : objects) {
        const QJsonObject meta = o.value(QStringLiteral("metadata")).toObject();
        const QString created = meta.value(QStringLiteral("creationTimestamp")).toString();
        const QDateTime createdAt = QDateTime::fromString(created, Qt::ISODate);
        const QString age
            = createdAt.isValid() ? humanDuration(createdAt.secsTo(now)) : QStringLiteral("<unknown>");
        QJsonArray cells { meta.value(QStringLiteral("name")) };
        if (kind == QStringLiteral("ServiceAccount")) {
            cells << o.value(QStringLiteral("secrets")).toArray().size() << age;
        } else if (kind == QStringLiteral("Secret")) {
            cells << o.value(QStringLiteral("type")) << o.value(QStringLiteral("data")).toObject().size()
                  << age;
        } else if (kind == QStringLiteral("ConfigMap")) {
            cells << o.value(QStringLiteral("data")).toObject().size()
                    + o.value(QStringLiteral("binaryData")).toObject().size()
                  << age;
        } else if (kind == QStringLiteral("Namespace")) {
            cells << o.value(QStringLiteral("status")).toObject().value(QStringLiteral("phase")) << age;
        } else if (kind == QStringLiteral("Role") || kind == QStringLiteral("ClusterRole")) {
            cells << created;
        } else if (kind == QStringLiteral("RoleBinding") || kind == QStringLiteral("ClusterRoleBinding")) {
            const QJsonObject ref = o.value(QStringLiteral("roleRef")).toObject();
            cells << ref.value(QStringLiteral("kind")).toString() + u'/'
                    + ref.value(QStringLiteral("name")).toString()
                  << age << subjects(o, QStringLiteral("User")) << subjects(o, QStringLiteral("Group"))
                  << subjects(o, QStringLiteral("ServiceAccount"));
        } else if (kind == QStringLiteral("Pod")) {
            const int containers = o.value(QStringLiteral("spec"))
                                       .toObject()
                                       .value(QStringLiteral("containers"))
                                       .toArray()
                                       .size();
            cells << QStringLiteral("0/%1").arg(containers)
                  << o.value(QStringLiteral("status")).toObject().value(QStringLiteral("phase"))
                  << QStringLiteral("0") << age;
        } else {
            cells << age;
        }
        QJsonObject row { { QStringLiteral("cells"), cells } };
        if (includeObject == QStringLiteral("Object")) {
            row.insert(QStringLiteral("object"), o);
        } else if (includeObject != QStringLiteral("None")) {
            row.insert(QStringLiteral("object"),
                QJsonObject { { QStringLiteral("kind"), QStringLiteral("PartialObjectMetadata") },
                    { QStringLiteral("apiVersion"), QStringLiteral("meta.k8s.io/v1") },
                    { QStringLiteral("metadata"), meta } });
        }
        rows.append(row);
    }
    return QJsonObject { { QStringLiteral("kind"), QStringLiteral("Table") },
        { QStringLiteral("apiVersion"), QStringLiteral("meta.k8s.io/v1") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("resourceVersion"), resourceVersion } } },
        { QStringLiteral("columnDefinitions"), definitions }, { QStringLiteral("rows"), rows } };
}

} // namespace kms::testcluster
