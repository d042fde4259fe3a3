#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QTemporaryDir>

namespace kms::test {

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
