// Service account tokens from TokenRequest answers and users: claims, or an
// error that says why.
#include "FuzzTarget.h"
#include "kube/JwtClaims.h"

using namespace kms;

KMS_FUZZ_INITIALIZE

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QString error;
    const auto claims = JwtClaims::decode(fuzz::bytes(data, size), &error);
    if (!claims)
        KMS_FUZZ_CHECK(!error.isEmpty());
    return 0;
}
