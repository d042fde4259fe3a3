// Kubeconfigs users import: every context resolves to a cluster and token, or
// to an error that says why; a file that does not parse says why too.
#include "FuzzTarget.h"
#include "kube/Kubeconfig.h"

#include <QTemporaryDir>

using namespace kms;

namespace {
// Relative certificate-authority and tokenFile paths resolve here: an empty folder.
QString baseDir()
{
    static QTemporaryDir dir;
    return dir.path();
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz::startApplication(argc, argv);
    (void)baseDir();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QString error;
    const auto config = Kubeconfig::parse(fuzz::bytes(data, size), baseDir(), &error);
    if (!config) {
        KMS_FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    QStringList names = config->contextNames();
    names << QString(); // the current context
    for (const QString &name : names) {
        QString contextError;
        const auto context = config->context(name, &contextError);
        if (!context)
            KMS_FUZZ_CHECK(!contextError.isEmpty());
    }
    return 0;
}
