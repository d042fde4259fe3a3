#include "TestSupport.h"

namespace kms::test {

TempProfile::TempProfile()
{
    qputenv("HANZO_KMS_DATA_DIR", m_dir.path().toUtf8());
}

QProcessEnvironment TempProfile::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HANZO_KMS_DATA_DIR"), m_dir.path());
    return env;
}

} // namespace kms::test
