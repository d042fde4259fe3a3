#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace kms::testcluster {

// The OpenAPI documents kube-apiserver publishes, for the kinds served here:
// the schemas (openapi/definitions.json, plus a List per stored kind) and an
// operation per verb, with the extensions kubectl reads
// (x-kubernetes-group-version-kind, x-kubernetes-action, the patch strategies,
// the fieldValidation parameter). kubectl checks the v3 documents for
// server-side field validation and strategic merge patches, and validates a
// kind that has no PATCH operation (the reviews) on the client against
// /openapi/v2, which it asks for as protobuf. Built once; the same bytes each time.
namespace openapi {

// /openapi/v2 as JSON (Swagger 2.0).
const QByteArray &v2Json();
// /openapi/v2 as application/com.github.proto-openapi.spec.v2@v1.0+protobuf:
// the same document as a gnostic openapi.v2.Document message.
const QByteArray &v2Protobuf();
// /openapi/v3: the group-versions and the URL (with the hash of its bytes) of each document.
const QByteArray &v3Root();
// /openapi/v3/<path> for "api/v1" or "apis/<group>/v1"; nullopt for any other path.
std::optional<QByteArray> v3Document(const QString &groupVersionPath);

// The schema definition of a kind, e.g. "io.k8s.api.core.v1.ServiceAccount"; empty if unknown.
QJsonObject definition(const QString &name);

} // namespace openapi

} // namespace kms::testcluster
