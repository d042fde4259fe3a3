#pragma once

#include <QByteArray>
#include <QCoro/QCoroTask>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace kms {

class KubeClient;

// Kubernetes manifests (YAML, one or more documents) as the API's JSON, and
// creating what they hold, as `kubectl create -f` would, for the kinds of
// ObjectKinds.h. The demo's setup and the tests' seed RBAC go through here.
namespace Manifest {

// Every document that is a mapping, as a JSON object: quoted scalars stay
// strings, unquoted true/false become booleans and unquoted numbers numbers;
// empty documents are skipped. nullopt and *error on a YAML error.
std::optional<QList<QJsonObject>> parse(const QByteArray &yaml, QString *error);

// The collection to POST an object to; a namespaced object without
// metadata.namespace goes to defaultNamespace. Empty and *error when its
// kind and apiVersion are not a pair of ObjectKinds.h.
QString collectionPath(const QJsonObject &object, const QString &defaultNamespace, QString *error);

// Creates every object of the manifest, in order, one POST each (not retried:
// a repeated create is not harmless), and stops at the first failure. Returns
// an empty string when all were created, else "<source>: <what failed>".
QCoro::Task<QString> apply(KubeClient &client, QByteArray yaml, QString source,
    QString defaultNamespace = QStringLiteral("default"));

} // namespace Manifest

} // namespace kms
