#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace kms::testcluster {

// The three PATCH content types a kube-apiserver accepts for built-in kinds
// (server-side apply is not served). Each throws ApiError on a bad patch.
QJsonObject applyMergePatch(const QJsonObject &target, const QJsonObject &patch);
// kind: the object's kind, for the list fields that merge by key.
QJsonObject applyStrategicMergePatch(
    const QString &kind, const QJsonObject &target, const QJsonObject &patch);
QJsonObject applyJsonPatch(const QJsonObject &target, const QJsonArray &operations);

} // namespace kms::testcluster
