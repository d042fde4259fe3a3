#include "provider/GatewayPolicyLookup.h"

namespace kms {

QCoro::Task<GatewayPolicyAnswer> GatewayPolicyLookup::fetch(KubeClient &client)
{
    GatewayPolicyAnswer answer;
    const KubeResult result = co_await client.get(QString::fromLatin1(Path));
    if (!result.ok()) {
        answer.noEntry = result.error->isForbidden();
        answer.error = QStringLiteral("Reading the gateway's policy failed: %1.").arg(result.error->message);
        co_return answer;
    }
    answer.policy = GatewayClientPolicy::fromJson(result.body, &answer.error);
    co_return answer;
}

} // namespace kms
