#pragma once

#include "core/GatewayClientPolicy.h"
#include "gatewayserver/GatewayRoute.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <functional>
#include <optional>

namespace kms {

// The semantic checks of hanzo-kms-gateway: given the caller's policy entry,
// may this call of the desktop's be made? Each check answers an empty string
// when it may, and otherwise why not, as a clause for a 403 Status message.
// Pure functions; GatewayServer makes the reads some of them need.
namespace GatewayRules {

// Where and on what: namespaces, static service accounts, roles, clusterWide.
QString scope(const GatewayClientPolicy &policy, const GatewayRoute::Decision &call);

// The namespaces a call acts in or on: its path's, a namespace it reads, and
// the subject namespaces of a ClusterRoleBinding it creates. GatewayServer
// reads those the policy does not list, for its namespaceSelector.
QStringList namespacesOf(const GatewayRoute::Decision &call, const QByteArray &body);

// A (Cluster)RoleBinding's only subject, which must be a service account of the same lease.
struct BindingSubject {
    QString namespaceName;
    QString name;
    QString leaseId; // the binding's own lease id
    // A binding of a role the policy does not name, which it may still make
    // when the role is the generated role of the same lease (to be verified).
    bool generatedRole = false;
    QString roleKind;
    QString roleNamespace; // the binding's namespace for a Role; empty for a ClusterRole
    QString roleName;
};

// A POST of a service account, bound-token Secret, binding or generated role:
// the managed labels and a lease id, an expiry annotation within maxTTL,
// nothing else that could change what the object does; bindings: roleRef in
// the policy (or a generated role the policy allows, to be verified as the
// same lease's) and one service account subject (returned in *subject, to be
// verified as the same lease's); generated roles: a kind and rules within the
// policy's generatedRoles.
QString checkCreate(const GatewayClientPolicy &policy, const GatewayRoute::Decision &call,
    const QByteArray &body, const QDateTime &now, BindingSubject *subject);

// A TokenRequest body: expirationSeconds within maxTTL, audiences allowed, bound only to a Secret.
QString checkTokenRequest(const GatewayClientPolicy &policy, const QByteArray &body);

// The service account a token is asked for (not a static one), as read from
// the API server: managed, with a lease id, and its lease not expired.
QString checkManagedAccount(const QJsonObject &account, const QDateTime &now);

// Whether an object read from the API server may be shown to this caller:
// objects that carry the managed label; for a GET also the static service
// accounts and roles the policy names (the desktop's preflight looks them up).
bool readable(
    const GatewayClientPolicy &policy, const GatewayRoute::Decision &call, const QJsonObject &object);

// A DELETE's body (DeleteOptions; may be empty): only preconditions
// {uid, resourceVersion} and propagationPolicy.
struct DeleteOptions {
    QString uid;
    QString resourceVersion;
    QString propagationPolicy;
    QByteArray toJson() const; // DeleteOptions with what is set
};
std::optional<DeleteOptions> parseDeleteOptions(const QByteArray &body, QString *why);

// Only what the desktop needs of an object: apiVersion, kind, and metadata
// name, namespace, uid, labels and kms.hanzo.ai/* annotations. Never data,
// stringData, spec, or other annotations (last-applied-configuration holds a
// Secret's values in plain text).
QJsonObject redact(const QJsonObject &object);
// An answer body: a Status passes unchanged; a list keeps its metadata.continue
// and only the items `keep` accepts, redacted; one object is redacted.
QByteArray redactAnswer(const QByteArray &json, const std::function<bool(const QJsonObject &)> &keep);

} // namespace GatewayRules

} // namespace kms
