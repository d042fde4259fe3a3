#include "TestSupport.h"

#include "core/Ed25519.h"
#include "store/AuditLog.h"

namespace kms::test {

TempProfile::TempProfile()
{
    qputenv("HANZO_KMS_DATA_DIR", m_dir.path().toUtf8());
    // Code under test in this process signs audit events with a throw-away key
    // (hanzo-kmsctl and hanzo-kms load theirs from the keychain).
    if (!AuditLog::hasSigningKey()) {
        std::optional<Ed25519PrivateKey> key = Ed25519PrivateKey::generate();
        if (key)
            AuditLog::setSigningKey(std::make_shared<const Ed25519PrivateKey>(std::move(*key)));
    }
}

QProcessEnvironment TempProfile::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HANZO_KMS_DATA_DIR"), m_dir.path());
    return env;
}

} // namespace kms::test
