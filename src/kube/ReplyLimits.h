#pragma once

#include <QNetworkReply>

#include <memory>

namespace kms {

// What the desktop and the gateway share about an API server's answer, which
// is outside input like any other.

// An error of the connection itself (refused, reset, TLS, timeout), not an
// HTTP status: after a status line it means the body was cut off.
bool isTransportError(QNetworkReply::NetworkError error);

// Aborts reply as soon as its answer, as announced or as received, is larger
// than limit bytes, so it is never buffered beyond that. The flag says whether
// it did; it lives as long as the caller keeps it.
std::shared_ptr<bool> abortAnswersLargerThan(QNetworkReply *reply, qint64 limit);

} // namespace kms
