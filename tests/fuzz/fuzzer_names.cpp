// Kubernetes names, namespace lists and audiences: the yes/no answer agrees
// with the list of errors, and what a list parser returns is valid.
#include "FuzzTarget.h"
#include "core/DynamicSecret.h"
#include "core/Names.h"

using namespace kms;

KMS_FUZZ_INITIALIZE

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(fuzz::bytes(data, size));
    KMS_FUZZ_CHECK(Names::isDns1123Label(text) == Names::dns1123LabelErrors(text).isEmpty());
    KMS_FUZZ_CHECK(Names::isDns1123Subdomain(text) == Names::dns1123SubdomainErrors(text).isEmpty());
    const QStringList pathErrors = Names::pathSegmentErrors(text);
    if (!pathErrors.isEmpty())
        KMS_FUZZ_CHECK(!Names::invalidValue(text, pathErrors).isEmpty());

    QString error;
    const QStringList namespaces = DynamicSecret::parseNamespaceList(text, &error);
    // Names, or "*" (any namespace) alone.
    if (error.isEmpty() && namespaces != QStringList { DynamicSecret::AnyNamespace }) {
        for (const QString &ns : namespaces)
            KMS_FUZZ_CHECK(Names::isDns1123Label(ns));
    }
    error.clear();
    for (const QString &audience : DynamicSecret::parseAudiences(text, &error))
        KMS_FUZZ_CHECK(!audience.trimmed().isEmpty());
    return 0;
}
