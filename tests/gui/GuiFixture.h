#pragma once

// What the GUI tests of one dialog share: the real main window, offscreen,
// with a profile, a keychain service (set per test by CTest) and a
// kms-testcluster of its own, so each test file stands alone and in any order.
#include "KmsTestPaths.h"
#include "MainWindow.h"
#include "TestCluster.h"
#include "TestSupport.h"
#include "core/Clock.h"
#include "core/Translations.h"
#include "leases/ClusterConnections.h"
#include "leases/DatabaseReconnector.h"
#include "leases/Engine.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseNotifications.h"
#include "store/SecretRepository.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QDir>
#include <QGuiApplication>
#include <QJsonArray>
#include <QMessageBox>
#include <QScreen>
#include <QTest>

#include <memory>

namespace kms::test {

class GuiFixture {
public:
    // Starts the cluster with the seed's setup (and service account `app` in
    // default for static secrets), opens the profile and shows the window on
    // Development. False and *error on failure. Backend::PostgreSQL: a team
    // profile, wired as main() wires it (live updates, the reconnector and
    // its banner); its reconnector waits `firstRetry` before its first attempt.
    bool start(const QString &appName, QString *error, Backend backend = Backend::SQLite,
        std::chrono::milliseconds firstRetry = DatabaseReconnector::FirstDelay)
    {
        QCoreApplication::setOrganizationName(QStringLiteral("HanzoTest"));
        QCoreApplication::setApplicationName(appName);
        kms::installTranslations();
        profile = std::make_unique<TempProfile>(backend);
        if (!profile->error().isEmpty()) {
            *error = profile->error();
            return false;
        }
        cluster = std::make_unique<TestCluster>();
        if (!cluster->start()) {
            *error = cluster->errorString();
            return false;
        }
        requesterToken = cluster->applySeedSetup();
        if (requesterToken.isEmpty()) {
            *error = cluster->errorString();
            return false;
        }
        const auto sa = cluster->request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
                { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
                { QStringLiteral("metadata"),
                    QJsonObject { { QStringLiteral("name"), QStringLiteral("app") } } } });
        if (sa.status != 201) {
            *error = QStringLiteral("service account app: HTTP %1").arg(sa.status);
            return false;
        }
        db = std::make_unique<Database>();
        if (!profile->open(*db)) {
            *error = db->lastError();
            return false;
        }
        vault = std::make_unique<CredentialVault>();
        clock = std::make_unique<ManualClock>(QDateTime::currentDateTimeUtc());
        engine = std::make_unique<Engine>(*db, *vault, clock.get());
        catalog = std::make_unique<SecretCatalog>(*db, *vault, &engine->connections(), &engine->leases());
        ui::AppServices services;
        services.engine = engine.get();
        services.leases = &engine->leases();
        services.catalog = catalog.get();
        services.clock = clock.get();
        services.kmsctlPath = QStringLiteral(KMS_CTL_PATH); // what kubectl contexts run
        if (backend == Backend::PostgreSQL) {
            notifications = std::make_unique<LeaseNotifications>(*db);
            if (!notifications->start()) {
                *error = db->lastError();
                return false;
            }
            QObject::connect(notifications.get(), &LeaseNotifications::leaseChanged, &engine->leases(),
                [this](const QString &leaseId) {
                    emit engine->leases().leaseChanged(leaseId);
                    emit engine->leases().scheduleChanged();
                });
            reconnector = std::make_unique<DatabaseReconnector>(*db, nullptr, QString(), notifications.get());
            reconnector->setDelays(firstRetry, std::max(firstRetry, DatabaseReconnector::MaxDelay));
            services.reconnector = reconnector.get();
            services.teamDatabaseUrl = profile->databaseUrl();
        }
        services.dataDir = profile->dataDir();
        window = std::make_unique<ui::MainWindow>(services);
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get())) {
            *error = QStringLiteral("the main window was not shown");
            return false;
        }
        window->selectEnvironment(developmentId());
        return true;
    }

    // Closes the window and leaves nothing in the keychain.
    void stop()
    {
        window.reset();
        if (db && vault) {
            for (const DynamicSecret &s : SecretRepository(*db).listAll())
                QCoro::waitFor(vault->remove(s.vaultKey()));
        }
    }

    qint64 developmentId() { return EnvironmentRepository(*db).byName(QStringLiteral("Development"))->id; }

    // A secret on the test cluster, saved through the catalog (token in the keychain).
    // Static: service account app in default (bound: each token bound to a per-lease Secret).
    // Dynamic: ClusterRole kms-dynamic-role in default.
    std::optional<DynamicSecret> addSecret(const QString &name, CredentialType type, bool bound = false)
    {
        DynamicSecret s;
        s.environmentId = developmentId();
        s.name = name;
        s.authMethod = AuthMethod::Token;
        s.clusterUrl = cluster->url().toString();
        s.caCertificate = QString::fromUtf8(cluster->caPem());
        s.credentialType = type;
        if (type == CredentialType::Static) {
            s.serviceAccount = QStringLiteral("app");
            s.namespaceName = QStringLiteral("default");
            s.boundTokens = bound;
        } else {
            s.allowedNamespaces = { QStringLiteral("default") };
            s.roleType = RoleType::ClusterRole;
            s.roleName = QStringLiteral("kms-dynamic-role");
        }
        const SecretSaveResult saved = QCoro::waitFor(catalog->save(s, requesterToken));
        if (!saved.ok())
            qWarning("addSecret %s: %s", qPrintable(name), qPrintable(saved.error));
        window->reloadSecrets();
        return saved.secret;
    }

    // Bound tokens need Secrets: more than the seed's setup grants the requester.
    bool grantSecrets()
    {
        const QString name = QStringLiteral("kms-bound-secrets");
        const auto role = cluster->request("POST",
            QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
                { QStringLiteral("kind"), QStringLiteral("ClusterRole") },
                { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } },
                { QStringLiteral("rules"),
                    QJsonArray { QJsonObject { { QStringLiteral("apiGroups"), QJsonArray { QString() } },
                        { QStringLiteral("resources"), QJsonArray { QStringLiteral("secrets") } },
                        { QStringLiteral("verbs"),
                            QJsonArray { QStringLiteral("create"), QStringLiteral("get"),
                                QStringLiteral("delete"), QStringLiteral("list") } } } } } });
        const auto binding = cluster->request("POST",
            QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
                { QStringLiteral("kind"), QStringLiteral("ClusterRoleBinding") },
                { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } },
                { QStringLiteral("roleRef"),
                    QJsonObject { { QStringLiteral("apiGroup"), QStringLiteral("rbac.authorization.k8s.io") },
                        { QStringLiteral("kind"), QStringLiteral("ClusterRole") },
                        { QStringLiteral("name"), name } } },
                { QStringLiteral("subjects"),
                    QJsonArray { QJsonObject { { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
                        { QStringLiteral("name"), QStringLiteral("kms-token-requester") },
                        { QStringLiteral("namespace"), QStringLiteral("default") } } } } });
        return role.status == 201 && binding.status == 201;
    }

    // Does the cluster accept this token (a TokenReview as admin)?
    bool authenticates(const QByteArray &token)
    {
        return cluster->tokenReview(token).value(QStringLiteral("authenticated")).toBool();
    }

    template<typename T> T *waitForDialog(int timeoutMs = 5000)
    {
        T *found = nullptr;
        (void)QTest::qWaitFor(
            [&] {
                found = nullptr;
                for (T *candidate : window->findChildren<T *>()) {
                    if (candidate->isVisible())
                        found = candidate;
                }
                return found != nullptr;
            },
            timeoutMs);
        return found;
    }

    QMessageBox *waitForMessageBox(const QString &objectName, int timeoutMs = 5000)
    {
        QMessageBox *box = nullptr;
        (void)QTest::qWaitFor(
            [&] {
                for (QMessageBox *candidate : window->findChildren<QMessageBox *>(objectName)) {
                    if (candidate->isVisible())
                        box = candidate;
                }
                return box != nullptr;
            },
            timeoutMs);
        return box;
    }

    // KMS_TEST_SHOTS=DIR, under a real X server with a window manager
    // (packaging/gui-test-shots.sh): saves the screen as it is now to DIR/NAME.png.
    static void shot(const QString &name)
    {
        const QString dir = qEnvironmentVariable("KMS_TEST_SHOTS");
        if (dir.isEmpty())
            return;
        QTest::qWait(400); // the window manager frames and the widgets paint
        QGuiApplication::primaryScreen()->grabWindow(0).save(
            QDir(dir).filePath(name + QStringLiteral(".png")));
    }

    // Rejects every dialog left open (a failed test must not block the next one).
    void closeDialogs()
    {
        for (QDialog *dialog : window->findChildren<QDialog *>()) {
            if (dialog->isVisible())
                dialog->reject();
        }
    }

    std::unique_ptr<TempProfile> profile;
    std::unique_ptr<TestCluster> cluster;
    QByteArray requesterToken;
    std::unique_ptr<Database> db;
    std::unique_ptr<LeaseNotifications> notifications; // team profiles
    std::unique_ptr<DatabaseReconnector> reconnector; // team profiles
    std::unique_ptr<CredentialVault> vault;
    std::unique_ptr<ManualClock> clock;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<SecretCatalog> catalog;
    std::unique_ptr<ui::MainWindow> window;
};

} // namespace kms::test
