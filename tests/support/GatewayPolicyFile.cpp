#include "GatewayPolicyFile.h"
#include "KmsTestPaths.h"

#include <QDir>
#include <QFile>

#include <yaml-cpp/yaml.h>

namespace kms::test {

QByteArray packagedGatewayPolicy()
{
    QFile file(QStringLiteral(KMS_PACKAGING_DIR "/gateway/policy.yaml"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    try {
        const YAML::Node configMap = YAML::Load(file.readAll().toStdString());
        return QByteArray::fromStdString(configMap["data"]["policy.yaml"].as<std::string>());
    } catch (const YAML::Exception &) {
        return {};
    }
}

QByteArray allowingGatewayPolicy()
{
    return QByteArrayLiteral(R"(clients:
  - subject: "*"
    namespaces: [default]
    staticServiceAccounts: [default/kms-token-requester, default/app]
    roles:
      - {kind: ClusterRole, name: kms-dynamic-role}
      - {kind: Role, name: kms-dynamic-role}
    clusterWide: true
    maxTTL: 24h
    audiences: ["*"]
)");
}

QString writeGatewayPolicy(const QString &dir, const QByteArray &yaml)
{
    const QString path = QDir(dir).filePath(QStringLiteral("policy.yaml"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(yaml) != yaml.size())
        return {};
    return path;
}

} // namespace kms::test
