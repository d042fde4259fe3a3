#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QTemporaryDir>

namespace kms::test {

// Bounds on time and memory ("in under a second", "the body is not
// buffered") are checked by the normal build. A sanitized build
// (KMS_SANITIZE) runs several times slower and keeps freed memory in
// quarantine; there the bounds are scaled by this factor, so that build checks
// what it is for (memory errors, undefined behaviour) and still catches a
// bound missed by far.
#ifdef KMS_SANITIZED
constexpr int SanitizerFactor = 5;
#else
constexpr int SanitizerFactor = 1;
#endif

// A throw-away profile: its own data directory, exported as HANZO_KMS_DATA_DIR
// for the code under test and for child processes. In this process, audit
// events are signed with a throw-away key unless a key was set already.
class TempProfile {
public:
    TempProfile();
    QString dataDir() const { return m_dir.path(); }
    QProcessEnvironment environment() const;

private:
    QTemporaryDir m_dir;
};

} // namespace kms::test
