#include "kube/ExecCredential.h"

#include "core/DisplayText.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace kms {

QByteArray ExecCredential::json(const QByteArray &token, const QDateTime &expiresAt)
{
    const QJsonObject credential { { QStringLiteral("apiVersion"), ApiVersion },
        { QStringLiteral("kind"), QStringLiteral("ExecCredential") },
        { QStringLiteral("spec"), QJsonObject() },
        { QStringLiteral("status"),
            QJsonObject { { QStringLiteral("expirationTimestamp"),
                              expiresAt.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ")) },
                { QStringLiteral("token"), QString::fromLatin1(token) } } } };
    return QJsonDocument(credential).toJson(QJsonDocument::Compact) + '\n';
}

QString ExecCredential::execInfoProblem(const QByteArray &execInfo)
{
    if (execInfo.isEmpty())
        return {};
    if (execInfo.size() > MaxExecInfoBytes)
        return QStringLiteral("KUBERNETES_EXEC_INFO is larger than 64 KiB");
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(execInfo, &parseError);
    if (!doc.isObject())
        return QStringLiteral("KUBERNETES_EXEC_INFO is not a JSON object");
    const QString apiVersion = doc.object().value(QStringLiteral("apiVersion")).toString();
    if (apiVersion != ApiVersion)
        return QStringLiteral(
            "kubectl asked for an ExecCredential of apiVersion %1; this plugin speaks %2, so "
            "set apiVersion: %2 in the kubeconfig's exec section")
            .arg(quoted(apiVersion), ApiVersion);
    return {};
}

} // namespace kms
