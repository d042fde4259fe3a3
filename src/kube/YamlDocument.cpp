#include "kube/YamlDocument.h"

#include <QJsonArray>
#include <QJsonObject>

#include <yaml-cpp/yaml.h>

namespace kms::YamlDocument {

namespace {

struct TooLarge { };

QJsonValue convert(const YAML::Node &node, int &budget)
{
    if (--budget < 0)
        throw TooLarge {};
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        QJsonObject o;
        for (const auto &kv : node) {
            if (!kv.first.IsScalar())
                throw YAML::Exception(YAML::Mark::null_mark(), "a map key is not a plain value");
            o.insert(QString::fromStdString(kv.first.Scalar()), convert(kv.second, budget));
        }
        return o;
    }
    case YAML::NodeType::Sequence: {
        QJsonArray a;
        for (const auto &item : node)
            a.append(convert(item, budget));
        return a;
    }
    case YAML::NodeType::Scalar:
        return QString::fromStdString(node.Scalar());
    default:
        return QJsonValue::Null;
    }
}

} // namespace

std::optional<QJsonValue> parse(const QByteArray &yaml, QString *error)
{
    try {
        const std::vector<YAML::Node> documents = YAML::LoadAll(yaml.toStdString());
        if (documents.size() > 1) {
            if (error)
                *error = QStringLiteral("it holds %1 YAML documents, not one").arg(documents.size());
            return std::nullopt;
        }
        if (documents.empty())
            return QJsonValue(QJsonValue::Null);
        int budget = MaxNodes;
        return convert(documents.front(), budget);
    } catch (const TooLarge &) {
        if (error)
            *error = QStringLiteral("it expands to more than %1 YAML nodes").arg(MaxNodes);
    } catch (const YAML::Exception &e) {
        if (error)
            *error = QStringLiteral("it is not YAML or JSON (%1)").arg(QString::fromStdString(e.what()));
    }
    return std::nullopt;
}

} // namespace kms::YamlDocument
