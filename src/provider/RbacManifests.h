#pragma once

#include "core/DynamicSecret.h"

#include <QByteArray>
#include <QString>

namespace kms {

// The RBAC a secret's requester needs, as the YAML of the setup guide (seed
// document) adapted to the secret's mode: the requester service account and
// its token Secret (Token auth), the "tokenrequest" ClusterRole and binding,
// and for dynamic secrets the binding that lets the requester grant the role.
// Beyond the guide: bound static secrets need to create and delete Secrets,
// and "get"/"list" let the app verify and sweep what it created.
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
