#pragma once

#include <QByteArray>
#include <QJsonObject>

namespace kms::testcluster {

// Request bodies in application/vnd.kubernetes.protobuf, as client-go's typed
// clients send them (kubectl create token, auth can-i, create serviceaccount, ...):
// the "k8s\0" envelope around runtime.Unknown, and the generated.proto messages
// of the kinds served here, turned into the JSON the API would have received.
// Throws ApiError (415) for a kind it does not know, (400) for a malformed body.
QJsonObject decodeKubernetesProtobuf(const QByteArray &body);

} // namespace kms::testcluster
