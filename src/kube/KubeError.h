#pragma once

#include <QJsonObject>
#include <QString>

namespace kms {

// A failed cluster call: a Status answer from the API server, or a transport
// problem (network, TLS, timeout) before any answer. Carries the server's own
// message so the user sees it.
struct KubeError {
    enum class Category {
        Status, // the server answered non-2xx
        Network, // connection refused, reset, DNS
        Tls, // certificate or handshake problem
        Timeout, // no answer in time
        InvalidResponse, // 2xx with a body that is not the JSON we expect
        NotSent, // refused before anything was sent: the transport cannot carry it (bad token, not https)
    };

    Category category = Category::Status;
    int httpStatus = 0;
    QString reason; // Status.reason, e.g. "NotFound", "Forbidden"
    QString message; // Status.message or the transport error in words
    QString detailsName;
    QString detailsKind;
    QString call; // what was attempted, e.g. "POST /api/v1/namespaces/default/serviceaccounts"

    bool isNotFound() const { return category == Category::Status && httpStatus == 404; }
    bool isAlreadyExists() const
    {
        return category == Category::Status && httpStatus == 409 && reason == QLatin1String("AlreadyExists");
    }
    bool isConflict() const { return category == Category::Status && httpStatus == 409; }
    bool isForbidden() const { return category == Category::Status && httpStatus == 403; }
    bool isUnauthorized() const { return category == Category::Status && httpStatus == 401; }
    // Worth trying again for an idempotent call: 429, 5xx, connection problems, timeouts.
    bool isTransient() const;

    // Builds the error from an HTTP answer; a body that is not a Status object
    // is reported with the status code and the start of the body.
    static KubeError fromResponse(int httpStatus, const QByteArray &body, const QString &call);

    // One sentence: what failed, the server's message, and the code.
    QString toString() const;
};

} // namespace kms
