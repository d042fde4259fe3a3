#pragma once

#include <QByteArray>
#include <QString>

namespace kms::test {

// The example policy shipped in packaging/gateway/policy.yaml: the text of
// its ConfigMap's policy.yaml (empty when the manifest cannot be read).
QByteArray packagedGatewayPolicy();

// A policy that allows what the gateway tests lease: static tokens for
// default/kms-token-requester and default/app, dynamic leases in default bound
// to kms-dynamic-role (Role or ClusterRole, cluster-wide too), up to 24h, any audience.
QByteArray allowingGatewayPolicy();

// Writes `yaml` to DIR/policy.yaml; returns the path, or empty when it cannot.
QString writeGatewayPolicy(const QString &dir, const QByteArray &yaml);

} // namespace kms::test
