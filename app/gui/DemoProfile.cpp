#include "DemoProfile.h"

#include "core/BoundedRead.h"
#include "core/DynamicSecret.h"
#include "gateway/GatewayRegistry.h"
#include "leases/SecretCatalog.h"
#include "store/AuditKeychain.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/SecretRepository.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QTemporaryDir>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#include <unistd.h>
#endif

namespace kms {

namespace {

const QString OwnerFile = QStringLiteral("owner.pid");

QString dataDirOf(const QString &root)
{
    return QDir(root).filePath(QStringLiteral("data"));
}

} // namespace

DemoProfile::DemoProfile() = default;

DemoProfile::~DemoProfile()
{
    remove();
}

QString DemoProfile::dataDir() const
{
    return m_root.isEmpty() ? QString() : dataDirOf(m_root);
}

bool DemoProfile::create()
{
    removeAbandonedProfiles();
    QTemporaryDir root(QDir(QDir::tempPath()).filePath(QStringLiteral("hanzo-kms-demo-XXXXXX")));
    if (!root.isValid()) {
        m_error = QStringLiteral("Cannot create the demo profile's temporary folder in %1: %2")
                      .arg(QDir::tempPath(), root.errorString());
        return false;
    }
    root.setAutoRemove(false); // remove() does it, after the keychain entries
    m_root = root.path();
    QFile::setPermissions(m_root, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    // hanzo-kms-demo-AbC123: the keychain service of this profile only.
    m_service = QFileInfo(m_root).fileName();
    QFile owner(QDir(m_root).filePath(OwnerFile));
    if (owner.open(QIODevice::WriteOnly))
        owner.write(QByteArray::number(QCoreApplication::applicationPid()));
    owner.close();
    qputenv("HANZO_KMS_DATA_DIR", dataDir().toLocal8Bit());
    qputenv("HANZO_KMS_KEYCHAIN_SERVICE", m_service.toUtf8());

    const QString stateDir = QDir(m_root).filePath(QStringLiteral("cluster"));
    if (!QDir().mkpath(stateDir)) {
        m_error = QStringLiteral("Cannot create the demo cluster's folder %1.").arg(stateDir);
        remove();
        return false;
    }
    if (!m_cluster.start(stateDir) || !m_cluster.applySeedSetup()) {
        m_error = m_cluster.errorString();
        remove();
        return false;
    }
    if (!createSecrets()) {
        remove();
        return false;
    }
    return true;
}

bool DemoProfile::createSecrets()
{
    Database db;
    if (!db.open(dataDir())) {
        m_error = QStringLiteral("Cannot open the demo profile's database: %1").arg(db.lastError());
        return false;
    }
    const std::optional<Environment> env = EnvironmentRepository(db).byName(EnvironmentName);
    if (!env) {
        m_error = QStringLiteral("The demo profile's database has no %1 environment.").arg(EnvironmentName);
        return false;
    }

    DynamicSecret common;
    common.environmentId = env->id;
    common.authMethod = AuthMethod::Token;
    common.clusterUrl = m_cluster.url().toString();
    common.sslVerify = true;
    common.caCertificate = QString::fromLatin1(m_cluster.caPem());
    common.defaultTtl = Duration::fromHours(1);
    common.maxTtl = Duration::fromHours(24);

    DynamicSecret staticSecret = common;
    staticSecret.name = StaticSecretName;
    staticSecret.credentialType = CredentialType::Static;
    staticSecret.serviceAccount = QStringLiteral("demo-reader");
    staticSecret.namespaceName = QStringLiteral("demo-apps");

    DynamicSecret dynamicSecret = common;
    dynamicSecret.name = DynamicSecretName;
    dynamicSecret.credentialType = CredentialType::Dynamic;
    dynamicSecret.allowedNamespaces
        = { QStringLiteral("default"), QStringLiteral("demo-apps"), QStringLiteral("demo-staging") };
    dynamicSecret.roleType = RoleType::ClusterRole;
    dynamicSecret.roleName = QStringLiteral("kms-dynamic-role");

    CredentialVault vault(m_service);
    // The demo's events are signed with a key in its own keychain service; a
    // failure shows as the keychain error below.
    QCoro::waitFor(AuditKeychain(db, vault).loadSigningKey());
    SecretCatalog catalog(db, vault);
    for (const DynamicSecret &s : { staticSecret, dynamicSecret }) {
        const SecretSaveResult saved = QCoro::waitFor(catalog.save(s, m_cluster.requesterToken()));
        if (saved.ok())
            continue;
        switch (saved.failure) {
        case SecretSaveResult::Failure::Keychain:
            m_error = QStringLiteral(
                "The demo needs a keychain for its cluster token: %1 (packaging/run-app.sh starts "
                "the demo with a throw-away keychain when the session has none.)")
                          .arg(saved.error);
            break;
        case SecretSaveResult::Failure::Invalid:
            m_error = QStringLiteral("The demo secret %1 is not valid: %2: %3")
                          .arg(s.name, saved.fieldErrors.constFirst().field, saved.error);
            break;
        default:
            m_error = QStringLiteral("Cannot create the demo secret %1: %2").arg(s.name, saved.error);
            break;
        }
        return false;
    }
    return true;
}

void DemoProfile::remove()
{
    m_cluster.stop();
    if (m_root.isEmpty())
        return;
    removeProfileAt(m_root);
    m_root.clear();
}

void DemoProfile::removeProfileAt(const QString &root)
{
    // Every keychain entry of the profile: the secrets' cluster tokens, also of
    // secrets made during the demo, and the keys of gateways added to it.
    const QString data = dataDirOf(root);
    if (QFileInfo::exists(QDir(data).filePath(QLatin1String(Database::FileName)))) {
        Database db;
        if (db.open(data)) {
            CredentialVault vault(QFileInfo(root).fileName());
            const QList<DynamicSecret> all = SecretRepository(db).listAll();
            for (const DynamicSecret &s : all)
                QCoro::waitFor(vault.remove(s.vaultKey()));
            GatewayRegistry gateways(db, vault);
            for (const QString &name : gateways.names())
                QCoro::waitFor(vault.remove(GatewayRegistry::vaultKeyFor(name)));
            QCoro::waitFor(vault.remove(AuditKeychain::signingKeyName()));
            QCoro::waitFor(vault.remove(AuditKeychain(db, vault).anchorName()));
        }
    }
    QDir(root).removeRecursively();
}

int DemoProfile::removeAbandonedProfiles()
{
    int removed = 0;
#ifdef Q_OS_UNIX
    const QDir temp(QDir::tempPath());
    const QFileInfoList candidates
        = temp.entryInfoList({ QStringLiteral("hanzo-kms-demo-*") }, QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QFileInfo &dir : candidates) {
        if (dir.isSymLink() || dir.ownerId() != ::getuid())
            continue;
        const BoundedRead owner = BoundedRead::fromFile(QDir(dir.filePath()).filePath(OwnerFile), 64);
        if (!owner.ok())
            continue; // not (yet) a demo profile of ours
        bool ok = false;
        const qint64 pid = owner.data.trimmed().toLongLong(&ok);
        // Only a pid that surely no longer runs; one reused by another process keeps the profile.
        if (!ok || pid <= 0 || pid == QCoreApplication::applicationPid() || ::kill(pid_t(pid), 0) == 0
            || errno != ESRCH)
            continue;
        removeProfileAt(dir.filePath());
        ++removed;
    }
#endif
    return removed;
}

QJsonObject DemoProfile::readyMessage() const
{
    return QJsonObject {
        { QStringLiteral("demo"), QStringLiteral("ready") },
        { QStringLiteral("dataDir"), dataDir() },
        { QStringLiteral("keychainService"), m_service },
        { QStringLiteral("cluster"), m_cluster.url().toString() },
        { QStringLiteral("clusterStateDir"), m_cluster.stateDir() },
        { QStringLiteral("testclusterPid"), double(m_cluster.pid()) },
        { QStringLiteral("environment"), EnvironmentName },
        { QStringLiteral("secrets"), QJsonArray { StaticSecretName, DynamicSecretName } },
    };
}

} // namespace kms
