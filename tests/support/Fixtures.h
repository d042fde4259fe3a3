#pragma once

#include "core/DynamicSecret.h"
#include "core/Lease.h"

namespace kms::test {

// A valid Static / Token (API) secret in the given environment.
DynamicSecret staticSecret(qint64 environmentId, const QString &name = QStringLiteral("ci-deployer"));
// A valid Dynamic / Token (API) secret bound to ClusterRole "view" in default,monitoring.
DynamicSecret dynamicSecret(qint64 environmentId, const QString &name = QStringLiteral("dev-access"));
// An Active dynamic lease of the secret, expiring `ttlSeconds` from `created`.
Lease activeLease(qint64 secretId, const QDateTime &created, qint64 ttlSeconds = 3600);

} // namespace kms::test
