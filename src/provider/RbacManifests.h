#pragma once

#include "core/DynamicSecret.h"

#include <QByteArray>
#include <QString>

namespace kms {

// The RBAC a secret's requester needs, as the YAML of the setup guide (seed
// document) adapted to the secret's mode: the requester service account and
// its token Secret (Token auth), the "tokenrequest" ClusterRole and binding,
// and for dynamic secrets the binding that lets the requester grant the role.
// The ClusterRole holds exactly what the secret's calls use, directly or
// through a gateway, with either auth method: beyond the guide, bound static
// secrets create and delete Secrets, "get" lets the app (and a gateway) check
// what it reads, deletes or binds and Test Connection look the account or
// role up, "list" lets it sweep what it created; short of the guide, no verb
// the secret never uses (e.g. "get" on serviceaccounts/token).
struct RbacRequester {
    QString serviceAccount = QStringLiteral("kms-token-requester");
    QString namespaceName = QStringLiteral("default");
    bool isGateway = false; // the gateway's pod service account: no token Secret
};

class RbacManifests {
public:
    static RbacRequester requesterFor(const DynamicSecret &secret);
    static QByteArray generate(const DynamicSecret &secret, const RbacRequester &requester);
};

} // namespace kms
