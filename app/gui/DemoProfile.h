#pragma once

#include "DemoCluster.h"

#include <QJsonObject>
#include <QString>

namespace kms {

// The throw-away profile of `hanzo-kms --demo`: a temporary folder holding the
// data directory and the demo cluster's state, its own keychain service name,
// both set for this process (HANZO_KMS_DATA_DIR, HANZO_KMS_KEYCHAIN_SERVICE)
// so the normal start-up uses them; a running DemoCluster; and one static and
// one dynamic secret in Development against it, so a lease works at once.
// remove() (also run by the destructor) stops the cluster, removes every
// keychain entry the profile holds and deletes the folder.
class DemoProfile {
public:
    static inline const QString StaticSecretName = QStringLiteral("demo-static");
    static inline const QString DynamicSecretName = QStringLiteral("demo-dynamic");
    static inline const QString EnvironmentName = QStringLiteral("Development");

    DemoProfile();
    ~DemoProfile();
    DemoProfile(const DemoProfile &) = delete;
    DemoProfile &operator=(const DemoProfile &) = delete;

    // Everything above; false with errorString() (one sentence, what to do)
    // on failure, after undoing what it did.
    bool create();
    void remove();

    QString errorString() const { return m_error; }
    QString rootDir() const { return m_root; }
    QString dataDir() const;
    QString keychainService() const { return m_service; }
    const DemoCluster &cluster() const { return m_cluster; }

    // The machine-readable line printed on stdout when the demo is ready:
    // {"demo":"ready","dataDir":...,"keychainService":...,"cluster":URL,
    //  "clusterStateDir":...,"testclusterPid":N,"environment":...,"secrets":[...]}
    QJsonObject readyMessage() const;

    // Demo profiles left behind by a demo that was killed or crashed (their
    // owner.pid no longer runs): their keychain entries and folders are
    // removed. create() calls it first. Returns how many were removed.
    static int removeAbandonedProfiles();

private:
    bool createSecrets();
    // Removes the keychain entries of the profile in root (service name: the
    // folder's name) and the folder.
    static void removeProfileAt(const QString &root);

    DemoCluster m_cluster;
    QString m_root;
    QString m_service;
    QString m_error;
};

} // namespace kms
