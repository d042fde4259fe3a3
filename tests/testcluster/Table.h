#pragma once

#include "ResourceType.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>

namespace kms::testcluster {

// The server-side printing kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the columns of
// pkg/printers/internalversion for the kinds served, ages as HumanDuration.
// includeObject: "None", "Metadata" (default) or "Object".
QJsonObject toTable(const ResourceType &type, const QList<QJsonObject> &objects,
    const QString &resourceVersion, const QDateTime &now, const QString &includeObject);
// k8s.io/apimachinery/pkg/util/duration.HumanDuration
QString humanDuration(qint64 seconds);

} // namespace kms::testcluster
