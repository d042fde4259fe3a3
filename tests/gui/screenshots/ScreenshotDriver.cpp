// Makes the README's screenshots from the real windows: starts kms-testcluster,
// seeds a profile through the engine (a static and a dynamic secret, leases in
// several states), opens each screen and saves a PNG of the screen area of the
// main window. Run by packaging/screenshots.sh under Xvfb with a keyring.
#include "AuditDialog.h"
#include "GenerateButtonDelegate.h"
#include "LeaseDetailsDialog.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "MainWindow.h"
#include "NewLeaseDialog.h"
#include "ProviderPicker.h"
#include "SecretSetupDialog.h"
#include "SecretTableModel.h"
#include "TestCluster.h"
#include "TokenDialog.h"
#include "TrayIcon.h"
#include "core/Clock.h"
#include "core/Translations.h"
#include "gateway/GatewayRegistry.h"
#include "kube/GatewayCertificates.h"
#include "leases/ClusterConnections.h"
#include "leases/Engine.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"
#include "store/AuditKeychain.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"
#include <QMenu>

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QTest>
#include <QTextStream>
#include <QTreeView>

using namespace kms;

namespace {

QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}

[[noreturn]] void fail(const QString &what)
{
    err() << "kms-screenshots: " << what << Qt::endl;
    std::exit(1);
}

void settle(int ms = 400)
{
    QTest::qWait(ms);
    QCoreApplication::processEvents();
}

void shoot(QWidget *window, const QString &dir, const QString &name)
{
    settle();
    QScreen *screen = window->screen();
    const QRect frame = window->frameGeometry();
    QPixmap pixmap = screen->grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height());
    if (pixmap.isNull())
        pixmap = window->grab();
    const QString path = QDir(dir).filePath(name);
    if (!pixmap.save(path))
        fail(QStringLiteral("could not write %1").arg(path));
    QTextStream(stdout) << path << Qt::endl;
}

template<typename T> T *await(QWidget *parent)
{
    for (int i = 0; i < 100; ++i) {
        if (T *found = parent->findChild<T *>(); found && found->isVisible())
            return found;
        QTest::qWait(50);
    }
    fail(QStringLiteral("a dialog did not open"));
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    kms::installTranslations();
    QCoreApplication::setOrganizationName(QStringLiteral("HanzoScreenshots"));
    QCoreApplication::setApplicationName(QStringLiteral("kms-screenshots"));
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("docs/screenshots");
    QDir().mkpath(out);

    test::TestCluster cluster;
    if (!cluster.start())
        fail(cluster.errorString());
    const QByteArray requester = cluster.applySeedSetup();
    if (requester.isEmpty())
        fail(cluster.errorString());
    cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
        QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
            { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("name"), QStringLiteral("ci-deployer") } } } });
    cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
        QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
            { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("name"), QStringLiteral("nobody") } } } });
    const QByteArray weak = cluster.createToken(QStringLiteral("default"), QStringLiteral("nobody"));

    QTemporaryDir profile;
    Database db;
    if (!db.open(profile.path()))
        fail(db.lastError());
    CredentialVault vault;
    Engine engine(db, vault);
    QCoro::waitFor(engine.audit().loadSigningKey()); // audit events are signed with this user's key
    LeaseService &service = engine.leases();
    SecretCatalog catalog(db, vault, &engine.connections(), &service);
    ui::AppServices services { &engine, &service, &catalog, Clock::system(), {}, nullptr, {}, {} };
    const qint64 dev = EnvironmentRepository(db).byName(QStringLiteral("Development"))->id;

    // Seed through the engine, as a user would.
    DynamicSecret staticSecret;
    staticSecret.environmentId = dev;
    staticSecret.name = QStringLiteral("ci-deployer");
    staticSecret.clusterUrl = cluster.url().toString();
    staticSecret.caCertificate = QString::fromUtf8(cluster.caPem());
    staticSecret.serviceAccount = QStringLiteral("ci-deployer");
    staticSecret.namespaceName = QStringLiteral("default");
    staticSecret.defaultTtl = Duration::fromMinutes(30);
    staticSecret.maxTtl = Duration::fromHours(4);
    DynamicSecret dynamicSecret = staticSecret;
    dynamicSecret.name = QStringLiteral("dev-access");
    dynamicSecret.credentialType = CredentialType::Dynamic;
    dynamicSecret.serviceAccount.clear();
    dynamicSecret.namespaceName.clear();
    dynamicSecret.allowedNamespaces = { QStringLiteral("default"), QStringLiteral("kube-system") };
    dynamicSecret.roleType = RoleType::ClusterRole;
    dynamicSecret.roleName = QStringLiteral("kms-dynamic-role");
    dynamicSecret.defaultTtl = Duration::fromHours(1);
    dynamicSecret.maxTtl = Duration::fromHours(24);
    DynamicSecret boundSecret = staticSecret;
    boundSecret.name = QStringLiteral("release-bot");
    boundSecret.boundTokens = true;
    boundSecret.audiences = { QStringLiteral("https://kubernetes.default.svc") };
    for (DynamicSecret *s : { &staticSecret, &dynamicSecret, &boundSecret }) {
        const SecretSaveResult saved = QCoro::waitFor(catalog.save(*s, requester));
        if (!saved.ok())
            fail(saved.error);
        *s = *saved.secret;
    }
    auto lease = [&](const DynamicSecret &s, const QString &ns, qint64 ttlMinutes) {
        LeaseRequest r;
        r.secretId = s.id;
        r.namespaceName = ns;
        r.ttl = Duration::fromMinutes(ttlMinutes);
        const LeaseCreation c = QCoro::waitFor(service.createLease(r));
        if (!c.ok())
            fail(c.error);
        return *c.lease;
    };
    lease(dynamicSecret, QStringLiteral("default"), 60);
    const Lease revoked = lease(dynamicSecret, QStringLiteral("kube-system"), 120);
    lease(dynamicSecret, QStringLiteral("kube-system"), 15);
    lease(dynamicSecret, QStringLiteral("default"), 240);
    lease(staticSecret, QString(), 30);
    QCoro::waitFor(service.revoke(revoked.id));
    // A registered gateway, for the form with Token (API) auth through it.
    {
        QString error;
        const auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("screenshots"), 1, &error);
        if (!pki)
            fail(error);
        GatewayRecord gateway;
        gateway.name = QStringLiteral("private-eu");
        gateway.url = QStringLiteral("https://127.0.0.1:8443");
        gateway.caCertificate = pki->caCertificate;
        gateway.clientCertificate = pki->clientCertificate;
        const GatewayRegistry::Result added = QCoro::waitFor(engine.gateways().add(gateway, pki->clientKey));
        if (!added.ok)
            fail(added.error);
    }

    ui::MainWindow window(services);
    window.resize(1280, 760);
    window.move(40, 40);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        fail(QStringLiteral("the main window was not shown"));
    window.selectEnvironment(dev);
    window.selectSecret(dynamicSecret.id);
    // The Generate button on the row under the mouse.
    QTreeView *secrets = window.secretView();
    const QModelIndex hovered = window.secretProxy()->mapFromSource(window.secretModel()->index(
        window.secretModel()->rowOf(dynamicSecret.id), ui::SecretTableModel::Actions));
    QTest::mouseMove(secrets->viewport(), secrets->visualRect(hovered).center());
    shoot(&window, out, QStringLiteral("main-window.png"));

    ui::SecretSetupDialog *setup = window.addSecret();
    shoot(setup, out, QStringLiteral("add-dynamic-secret.png"));
    QTest::mouseClick(setup->findChild<ui::ProviderPicker *>()->kubernetesButton(), Qt::LeftButton);
    QTest::keyClicks(setup->fieldEditor(QStringLiteral("name")), QStringLiteral("staging-readonly"));
    QTest::keyClicks(setup->fieldEditor(QStringLiteral("clusterUrl")), cluster.url().toString());
    qobject_cast<QPlainTextEdit *>(setup->fieldEditor(QStringLiteral("caCertificate")))
        ->setPlainText(QString::fromUtf8(cluster.caPem()));
    qobject_cast<QComboBox *>(setup->fieldEditor(QStringLiteral("credentialType")))->setCurrentIndex(1);
    QTest::keyClicks(setup->fieldEditor(QStringLiteral("clusterToken")), QString::fromUtf8(weak));
    QTest::keyClicks(
        setup->fieldEditor(QStringLiteral("allowedNamespaces")), QStringLiteral("default,kube-system"));
    QTest::keyClicks(setup->fieldEditor(QStringLiteral("role")), QStringLiteral("kms-dynamic-role"));
    shoot(setup, out, QStringLiteral("setup-modal.png"));
    QSignalSpy preflight(setup, &ui::SecretSetupDialog::preflightFinished);
    setup->testConnection();
    preflight.wait(15000);
    settle(200);
    setup->findChild<QScrollArea *>()->ensureWidgetVisible(
        setup->findChild<QWidget *>(QStringLiteral("preflightBox")));
    shoot(setup, out, QStringLiteral("test-connection.png"));
    setup->reject(); // a filled form asks before it is discarded
    for (QMessageBox *box : setup->findChildren<QMessageBox *>(QStringLiteral("confirmDiscard"))) {
        if (box->isVisible())
            box->findChild<QPushButton *>(QStringLiteral("discardButton"))->click();
    }
    settle(200);

    // Token (API) auth through a gateway: the gateway instead of URL and CA, the token kept.
    setup = window.addSecret();
    QTest::mouseClick(setup->findChild<ui::ProviderPicker *>()->kubernetesButton(), Qt::LeftButton);
    QTest::keyClicks(setup->fieldEditor(QStringLiteral("name")), QStringLiteral("private-ci"));
    auto *gatewayBox = qobject_cast<QComboBox *>(setup->fieldEditor(QStringLiteral("gateway")));
    gatewayBox->setCurrentIndex(gatewayBox->findText(QStringLiteral("private-eu")));
    QTest::keyClicks(setup->fieldEditor(QStringLiteral("clusterToken")), QString::fromUtf8(weak));
    QTest::keyClicks(setup->fieldEditor(QStringLiteral("serviceAccount")), QStringLiteral("ci-deployer"));
    QTest::keyClicks(setup->fieldEditor(QStringLiteral("namespace")), QStringLiteral("default"));
    shoot(setup, out, QStringLiteral("setup-token-gateway.png"));
    setup->reject();
    settle(200);

    ui::NewLeaseDialog *newLease = window.generateLease();
    shoot(&window, out, QStringLiteral("new-lease.png"));
    QSignalSpy shown(&window, &ui::MainWindow::tokenShown);
    newLease->submit();
    if (!shown.wait(15000))
        fail(QStringLiteral("no token was shown"));
    ui::TokenDialog *token = window.tokenDialog();
    token->copy();
    shoot(&window, out, QStringLiteral("token.png"));
    token->accept();
    settle(200);

    ui::LeasePanel *panel = window.leasePanel();
    panel->view()->selectionModel()->clearSelection();
    const QList<Lease> leases = LeaseRepository(db).listForSecret(dynamicSecret.id);
    panel->selectLease(leases.first().id);
    panel->deleteSelected();
    shoot(&window, out, QStringLiteral("revoke-lease.png"));
    if (auto *box = window.findChild<QMessageBox *>(QStringLiteral("confirmRevoke")))
        box->reject();
    settle(200);

    // Lease details: fields, the objects on the cluster read live, the audit events.
    ui::LeaseDetailsDialog *details = panel->openDetails(leases.first().id);
    if (!details)
        fail(QStringLiteral("the lease details did not open"));
    settle(1500); // the objects' live state is read on open
    shoot(details, out, QStringLiteral("lease-details.png"));
    details->close();
    settle(200);

    // The tray icon's menu (Xvfb has no tray to click, so it is opened where a
    // panel would put it), over the main window.
    if (QMenu *trayMenu = window.trayIcon()->menu()) {
        trayMenu->popup(window.geometry().topRight() - QPoint(trayMenu->sizeHint().width() + 40, -60));
        settle(300);
        shoot(trayMenu, out, QStringLiteral("tray-menu.png"));
        trayMenu->hide();
    }

    window.openAuditLog();
    ui::AuditDialog *audit = window.auditDialog();
    audit->setSecretFilter(QString());
    audit->verify();
    shoot(audit, out, QStringLiteral("audit-log.png"));
    audit->accept();

    // Leave nothing in the keyring.
    for (const DynamicSecret &s : SecretRepository(db).listAll())
        QCoro::waitFor(vault.remove(s.vaultKey()));
    QCoro::waitFor(vault.remove(GatewayRegistry::vaultKeyFor(QStringLiteral("private-eu"))));
    return 0;
}
