#pragma once

#include "core/DynamicSecret.h"
#include "kube/KubeClient.h"

#include <QCoro/QCoroTask>

namespace kms {

struct PreflightCheck {
    QString description; // "create serviceaccounts/token in namespace \"default\""
    enum class Result { Passed, Missing, Unknown } result = Result::Unknown;
    QString detail; // the server's reason or our note
};

struct PreflightResult {
    QList<PreflightCheck> checks;
    QString connectionError; // set when the cluster could not be asked at all
    QByteArray rbacYaml; // what grants the missing permissions

    bool passed() const;
    QStringList missing() const;
};

// "Test Connection": asks the cluster, without changing anything, whether the
// secret's credentials may do what its mode needs (SelfSubjectAccessReview per
// permission), whether the static service account exists, and whether the
// role exists.
class Preflight {
public:
    static QCoro::Task<PreflightResult> run(KubeClient &client, DynamicSecret secret);
};

} // namespace kms
