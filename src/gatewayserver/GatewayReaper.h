#pragma once

#include "kube/KubeClient.h"

#include <QCoro/QCoroTask>
#include <QDateTime>
#include <QStringList>

namespace kms {

class Clock;

// Cleans up expired leases while every desktop is closed: deletes the objects
// labelled app.kubernetes.io/managed-by=hanzo-kms whose kms.hanzo.ai/expires-at
// has passed, in every namespace: bindings first (so no token keeps a role
// through a half-deleted lease), then service accounts and bound Secrets.
// Objects without the label, or without a readable expiry, are left alone. An
// object is deleted by name and the uid it was listed with, so one created
// under the same name since (a new lease's, or anyone's) is never touched.
class GatewayReaper {
public:
    struct Outcome {
        QStringList deleted; // "RoleBinding team-a/kms-x-abcde", ...
        QStringList errors; // one sentence each
        QStringList replaced; // found expired, but another object has the name by now: left alone
        int examined = 0; // labelled objects seen
    };

    GatewayReaper(KubeClient &client, const Clock &clock);

    // Only these namespaces (ClusterRoleBindings are always looked at); empty: all.
    void setNamespaces(const QStringList &namespaces) { m_namespaces = namespaces; }

    QCoro::Task<Outcome> reapOnce();

private:
    struct Found {
        QString kind;
        QString namespaceName;
        QString name;
        QString uid; // as listed: the delete's precondition
        QString path;
    };
    // Lists the labelled objects of a kind in ns (empty: every namespace).
    QCoro::Task<> collect(
        QString kind, QString ns, QDateTime now, std::vector<Found> *expired, Outcome *outcome);
    QCoro::Task<> remove(Found object, Outcome *outcome);

    KubeClient &m_client;
    const Clock &m_clock;
    QStringList m_namespaces;
};

} // namespace kms
