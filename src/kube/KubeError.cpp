#include "kube/KubeError.h"

#include "core/DisplayText.h"

#include <QJsonDocument>

namespace kms {

bool KubeError::isTransient() const
{
    switch (category) {
    case Category::Network:
    case Category::Timeout:
        return true;
    case Category::Status:
        return httpStatus == 429 || httpStatus >= 500;
    case Category::Tls:
    case Category::InvalidResponse:
    case Category::NotSent:
        return false;
    }
    return false;
}

KubeError KubeError::fromResponse(int httpStatus, const QByteArray &body, const QString &call)
{
    KubeError error;
    error.category = Category::Status;
    error.httpStatus = httpStatus;
    error.call = call;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    const QJsonObject status = doc.object();
    if (parseError.error == QJsonParseError::NoError
        && status.value(QLatin1String("kind")).toString() == QLatin1String("Status")) {
        // The server's words are shown to people: control characters become escapes.
        error.reason = escapeControls(status.value(QLatin1String("reason")).toString());
        error.message = escapeControls(status.value(QLatin1String("message")).toString());
        const QJsonObject details = status.value(QLatin1String("details")).toObject();
        error.detailsName = escapeControls(details.value(QLatin1String("name")).toString());
        error.detailsKind = escapeControls(details.value(QLatin1String("kind")).toString());
        return error;
    }
    // Not a Status: a proxy, a load balancer or something that is not Kubernetes.
    QString text = escapeControls(QString::fromUtf8(body.left(200)).simplified());
    if (body.size() > 200)
        text += QStringLiteral("...");
    error.message = text.isEmpty()
        ? QStringLiteral("the server sent no explanation")
        : QStringLiteral("the server answered with a body that is not a Kubernetes Status: \"%1\"").arg(text);
    return error;
}

QString KubeError::toString() const
{
    const QString what = call.isEmpty() ? QStringLiteral("The cluster call") : call;
    switch (category) {
    case Category::Status: {
        const QString code = reason.isEmpty() ? QString::number(httpStatus)
                                              : QStringLiteral("%1 %2").arg(httpStatus).arg(reason);
        return QStringLiteral("%1 failed: %2 (%3).").arg(what, message, code);
    }
    case Category::Network:
        return QStringLiteral("%1 failed: could not reach the cluster (%2).").arg(what, message);
    case Category::Tls:
        return QStringLiteral("%1 failed: %2.").arg(what, message);
    case Category::Timeout:
        return QStringLiteral("%1 failed: %2.").arg(what, message);
    case Category::InvalidResponse:
        return QStringLiteral("%1 failed: %2.").arg(what, message);
    case Category::NotSent:
        return QStringLiteral("%1 was not sent: %2").arg(what, message);
    }
    return message;
}

} // namespace kms
