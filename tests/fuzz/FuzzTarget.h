#pragma once
// What every libFuzzer target (fuzzer_*.cpp) shares. A target defines
// LLVMFuzzerTestOneInput; KMS_FUZZ_CHECK states a property of the parser's
// answer, and a broken one aborts, which libFuzzer reports as a crash and
// the corpus replay (FuzzCorpusMain.cpp) as a failed test.
#include <QByteArray>
#include <QCoreApplication>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define KMS_FUZZ_CHECK(condition)                                                                            \
    do {                                                                                                     \
        if (!(condition)) {                                                                                  \
            std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition);          \
            std::abort();                                                                                    \
        }                                                                                                    \
    } while (false)

namespace kms::fuzz {

// The input as Qt bytes, without a copy.
inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
}

// Qt's TLS backend (CA PEM) and plugins want an application object.
inline void startApplication(int *argc, char ***argv)
{
    if (!QCoreApplication::instance())
        new QCoreApplication(*argc, *argv);
}

} // namespace kms::fuzz

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// Every target starts the application the same way.
#define KMS_FUZZ_INITIALIZE                                                                                  \
    extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)                                             \
    {                                                                                                        \
        kms::fuzz::startApplication(argc, argv);                                                             \
        return 0;                                                                                            \
    }
