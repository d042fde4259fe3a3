// CA certificates pasted into the setup form, read from --ca-file or a
// kubeconfig: certificates, or an error that says why.
#include "FuzzTarget.h"
#include "kube/KubeTransport.h"

using namespace kms;

KMS_FUZZ_INITIALIZE

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QString error;
    const QList<QSslCertificate> certificates = parseCaCertificates(fuzz::bytes(data, size), &error);
    if (certificates.isEmpty())
        KMS_FUZZ_CHECK(!error.isEmpty());
    for (const QSslCertificate &c : certificates)
        KMS_FUZZ_CHECK(!c.isNull());
    return 0;
}
