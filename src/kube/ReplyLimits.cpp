#include "kube/ReplyLimits.h"

namespace kms {

bool isTransportError(QNetworkReply::NetworkError error)
{
    return error != QNetworkReply::NoError && error < QNetworkReply::ContentAccessDenied;
}

std::shared_ptr<bool> abortAnswersLargerThan(QNetworkReply *reply, qint64 limit)
{
    auto tooLarge = std::make_shared<bool>(false);
    QObject::connect(reply, &QNetworkReply::downloadProgress, reply,
        [reply, tooLarge, limit](qint64 received, qint64 total) {
            if (!*tooLarge && (received > limit || total > limit)) {
                *tooLarge = true;
                reply->abort();
            }
        });
    return tooLarge;
}

} // namespace kms
