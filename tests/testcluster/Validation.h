#pragma once

#include "ResourceType.h"

#include <QJsonObject>
#include <QUrlQuery>

#include <optional>

namespace kms::testcluster {

// apiVersion/kind in a body, when given, must be the URL's (400 otherwise).
void checkTypeMeta(const ResourceType &type, const QJsonObject &body);
// fieldValidation=Strict: unknown fields are a 400 `strict decoding error: unknown field "x"`.
void checkFieldValidation(const ResourceType &type, const QJsonObject &body, const QUrlQuery &query);
// The registry strategies' Validate / ValidateUpdate; throws ApiError 422.
void validateObject(
    const ResourceType &type, const QJsonObject &object, const std::optional<QJsonObject> &old);

} // namespace kms::testcluster
