// Error bodies from API servers and gateways: any body with any code becomes
// one sentence for the user.
#include "FuzzTarget.h"
#include "kube/KubeError.h"

using namespace kms;

KMS_FUZZ_INITIALIZE

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // The first two bytes choose the HTTP status (100..699), the rest is the body.
    int code = 500;
    if (size >= 2) {
        code = 100 + (data[0] << 8 | data[1]) % 600;
        data += 2;
        size -= 2;
    }
    const KubeError error = KubeError::fromResponse(code, fuzz::bytes(data, size), QStringLiteral("GET /x"));
    KMS_FUZZ_CHECK(!error.toString().isEmpty());
    (void)error.isTransient();
    return 0;
}
