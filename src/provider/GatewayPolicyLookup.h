#pragma once

#include "core/GatewayClientPolicy.h"
#include "kube/KubeClient.h"

#include <QCoro/QCoroTask>

#include <optional>

namespace kms {

// Asks a hanzo-kms-gateway what it allows this client (GET /kms/v1/policy):
// the entry of its policy file that the client certificate matches.
struct GatewayPolicyAnswer {
    std::optional<GatewayClientPolicy> policy; // the entry, when the gateway gave one
    bool noEntry = false; // the gateway answered that no entry matches this client
    QString error; // one sentence when there is no policy to apply
};

class GatewayPolicyLookup {
public:
    static constexpr const char *Path = "/kms/v1/policy";

    static QCoro::Task<GatewayPolicyAnswer> fetch(KubeClient &client);
};

} // namespace kms
