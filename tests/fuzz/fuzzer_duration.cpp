// Durations as typed by users and read from options: a value that formats
// back to itself, or an error that says why.
#include "FuzzTarget.h"
#include "core/Duration.h"

using namespace kms;

KMS_FUZZ_INITIALIZE

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QString error;
    const auto duration = Duration::parse(QString::fromUtf8(fuzz::bytes(data, size)), &error);
    if (!duration) {
        KMS_FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    KMS_FUZZ_CHECK(duration->seconds() > 0);
    const auto again = Duration::parse(duration->toString());
    KMS_FUZZ_CHECK(again && again->seconds() == duration->seconds());
    return 0;
}
