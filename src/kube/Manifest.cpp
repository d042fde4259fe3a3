#include "kube/Manifest.h"

#include "kube/KubeClient.h"
#include "kube/ObjectKinds.h"

#include <QJsonArray>

#include <yaml-cpp/yaml.h>

#include <cctype>

namespace kms::Manifest {

namespace {

QJsonValue yamlToJson(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        QJsonObject o;
        for (const auto &kv : node)
            o.insert(QString::fromStdString(kv.first.as<std::string>()), yamlToJson(kv.second));
        return o;
    }
    case YAML::NodeType::Sequence: {
        QJsonArray a;
        for (const auto &item : node)
            a.append(yamlToJson(item));
        return a;
    }
    case YAML::NodeType::Scalar: {
        const std::string s = node.Scalar();
        if (node.Tag() == "!") // quoted: always a string
            return QString::fromStdString(s);
        if (s == "true" || s == "false")
            return s == "true";
        bool ok = false;
        const double d = QString::fromStdString(s).toDouble(&ok);
        if (ok && !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-'))
            return d;
        return QString::fromStdString(s);
    }
    default:
        return QJsonValue::Null;
    }
}

} // namespace

std::optional<QList<QJsonObject>> parse(const QByteArray &yaml, QString *error)
{
    QList<QJsonObject> objects;
    try {
        for (const YAML::Node &doc : YAML::LoadAll(yaml.toStdString())) {
            if (doc.IsMap())
                objects.append(yamlToJson(doc).toObject());
        }
    } catch (const YAML::Exception &e) {
        *error = QString::fromStdString(e.what());
        return std::nullopt;
    }
    return objects;
}

QString collectionPath(const QJsonObject &object, const QString &defaultNamespace, QString *error)
{
    const QString kind = object.value(QStringLiteral("kind")).toString();
    const QString apiVersion = object.value(QStringLiteral("apiVersion")).toString();
    const ObjectKind *known = findObjectKind(kind);
    if (!known || apiVersion != QLatin1String(known->apiVersion)) {
        *error = QStringLiteral("%1 %2 is not a kind hanzo-kms creates from manifests").arg(apiVersion, kind);
        return {};
    }
    QString ns
        = object.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("namespace")).toString();
    if (ns.isEmpty())
        ns = defaultNamespace;
    return objectPath(kind, ns);
}

QCoro::Task<QString> apply(KubeClient &client, QByteArray yaml, QString source, QString defaultNamespace)
{
    QString error;
    const std::optional<QList<QJsonObject>> objects = parse(yaml, &error);
    if (!objects)
        co_return QStringLiteral("%1: %2").arg(source, error);
    for (const QJsonObject &object : *objects) {
        const QString path = collectionPath(object, defaultNamespace, &error);
        if (path.isEmpty())
            co_return QStringLiteral("%1: %2").arg(source, error);
        const KubeResult r = co_await client.post(path, object);
        if (!r.ok())
            co_return QStringLiteral("%1: %2").arg(source, r.error->toString());
    }
    co_return QString();
}

} // namespace kms::Manifest
