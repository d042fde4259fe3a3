// The real main window, offscreen, with the real keychain, against kms-testcluster.
#include "AuditDialog.h"
#include "AuditTableModel.h"
#include "Fixtures.h"
#include "GenerateButtonDelegate.h"
#include "LeaseFilterProxyModel.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "MainWindow.h"
#include "NewLeaseDialog.h"
#include "ProviderPicker.h"
#include "SecretClipboard.h"
#include "SecretSetupDialog.h"
#include "SecretTableModel.h"
#include "TestCluster.h"
#include "TestSupport.h"
#include "TokenDialog.h"
#include "core/Clock.h"
#include "core/Translations.h"
#include "leases/ClusterConnections.h"
#include "leases/Engine.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDirIterator>
#include <QFileInfo>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <functional>

using namespace kms;
using namespace kms::ui;

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void setupModalSavesStaticSecret();
    void setupModalSavesDynamicSecret();
    void fieldsShowAndHideWithAuthMethodAndCredentialType();
    void badFieldShowsEngineMessageAndBlocksSaving();
    void testConnectionReportsMissingPermissionsWithRbacYaml();
    void testConnectionValidatesTheFormBeforeSendingAnything();
    void generateOpensNewLeaseThenShowsTokenOnce();
    void newLeaseChecksTtlLive();
    void copyMarksTokenSecretAndClearsAfterTimeout();
    void copyLeavesClipboardAloneWhenItChanged();
    void deleteDynamicLeaseRevokesItOnTheCluster();
    void deleteUnboundStaticLeaseSaysTokenStaysValid();
    void leaseFilterAndCountdown();
    void auditViewShowsEventsAndVerifies();
    void deleteSecretRevokesOpenLeasesFirst();
    void deleteSecretKeepsItWhenALeaseCannotBeRevoked();
    void newEnvironmentIsAddedAndSelected();

private:
    template<typename T> T *waitForDialog();
    QMessageBox *waitForMessageBox(const QString &objectName);
    // Cancel, and Discard when the dialog asks whether to lose what was typed.
    void discard(QDialog *dialog);
    SecretSetupDialog *openSetupModal();
    void fillCommon(SecretSetupDialog *dialog, const QString &name);
    Lease createLeaseThroughUi(const QString &secretName, QByteArray *token = nullptr);
    std::optional<DynamicSecret> secretNamed(const QString &name);
    // Each test also runs alone (tst_mainwindow FUNCTION): what it needs from
    // the tests before it is made here if missing, the way those tests make it.
    std::optional<DynamicSecret> staticSecret(); // ci-deployer, saved through the setup form
    std::optional<DynamicSecret> dynamicSecret(); // dev-access, saved through the setup form
    std::optional<DynamicSecret> saveThroughSetupForm(
        const QString &name, const std::function<void(SecretSetupDialog *)> &fill);
    std::optional<Lease> activeLease(const QString &secretName); // generated through the UI if none
    std::optional<Lease> revokedLease(
        const QString &secretName); // an active one revoked by the engine if none
    qint64 developmentId();

    std::unique_ptr<test::TempProfile> m_profile;
    std::unique_ptr<test::TestCluster> m_cluster;
    QByteArray m_requesterToken;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<CredentialVault> m_vault;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<SecretCatalog> m_catalog;
    std::unique_ptr<MainWindow> m_window;
};

template<typename T> T *TestMainWindow::waitForDialog()
{
    T *found = nullptr;
    (void)QTest::qWaitFor([&] { return (found = m_window->findChild<T *>()) && found->isVisible(); }, 5000);
    return found && found->isVisible() ? found : nullptr;
}

QMessageBox *TestMainWindow::waitForMessageBox(const QString &objectName)
{
    QMessageBox *box = nullptr;
    (void)QTest::qWaitFor(
        [&] { return (box = m_window->findChild<QMessageBox *>(objectName)) && box->isVisible(); }, 5000);
    return box && box->isVisible() ? box : nullptr;
}

void TestMainWindow::discard(QDialog *dialog)
{
    dialog->reject();
    for (QMessageBox *box : m_window->findChildren<QMessageBox *>(QStringLiteral("confirmDiscard"))) {
        if (box->isVisible())
            box->findChild<QPushButton *>(QStringLiteral("discardButton"))->click();
    }
}

qint64 TestMainWindow::developmentId()
{
    return EnvironmentRepository(*m_db).byName(QStringLiteral("Development"))->id;
}

std::optional<DynamicSecret> TestMainWindow::secretNamed(const QString &name)
{
    return SecretRepository(*m_db).byName(developmentId(), name);
}

void TestMainWindow::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("HanzoTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QVERIFY(kms::installTranslations());
    m_profile = std::make_unique<test::TempProfile>();
    m_cluster = std::make_unique<test::TestCluster>();
    QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
    m_requesterToken = m_cluster->applySeedSetup();
    QVERIFY2(!m_requesterToken.isEmpty(), qPrintable(m_cluster->errorString()));
    // The static secret's service account.
    const auto created
        = m_cluster->request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
                { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
                { QStringLiteral("metadata"),
                    QJsonObject { { QStringLiteral("name"), QStringLiteral("ci-deployer") } } } });
    QCOMPARE(created.status, 201);

    m_db = std::make_unique<Database>();
    QVERIFY2(m_db->open(m_profile->dataDir()), qPrintable(m_db->lastError()));
    m_vault = std::make_unique<CredentialVault>();
    m_clock = std::make_unique<ManualClock>(QDateTime::currentDateTimeUtc());
    m_engine = std::make_unique<Engine>(*m_db, *m_vault, m_clock.get());
    m_catalog
        = std::make_unique<SecretCatalog>(*m_db, *m_vault, &m_engine->connections(), &m_engine->leases());
    AppServices services;
    services.engine = m_engine.get();
    services.leases = &m_engine->leases();
    services.catalog = m_catalog.get();
    services.clock = m_clock.get();
    m_window = std::make_unique<MainWindow>(services);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->selectEnvironment(developmentId());
    QCOMPARE(m_window->currentEnvironmentId(), developmentId());
}

void TestMainWindow::cleanupTestCase()
{
    m_window.reset();
    // Leave nothing in the shared test keyring.
    if (m_db && m_vault) {
        for (const DynamicSecret &s : SecretRepository(*m_db).listAll())
            QCoro::waitFor(m_vault->remove(s.vaultKey()));
    }
}

void TestMainWindow::cleanup()
{
    // A failed test must not leave its dialog in the way of the next one.
    for (QDialog *dialog : m_window->findChildren<QDialog *>()) {
        if (dialog->isVisible())
            discard(dialog);
    }
    QTRY_VERIFY(!m_window->findChild<SecretSetupDialog *>() && !m_window->findChild<NewLeaseDialog *>()
        && !m_window->findChild<TokenDialog *>());
}

std::optional<DynamicSecret> TestMainWindow::saveThroughSetupForm(
    const QString &name, const std::function<void(SecretSetupDialog *)> &fill)
{
    SecretSetupDialog *dialog = openSetupModal();
    if (!dialog)
        return std::nullopt;
    fillCommon(dialog, name);
    fill(dialog);
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("saveButton")), Qt::LeftButton);
    if (!QTest::qWaitFor([&] { return secretNamed(name).has_value(); }, 10000)
        || !QTest::qWaitFor([&] { return !m_window->findChild<SecretSetupDialog *>(); }, 5000))
        return std::nullopt;
    return secretNamed(name);
}

std::optional<DynamicSecret> TestMainWindow::staticSecret()
{
    if (auto s = secretNamed(QStringLiteral("ci-deployer")))
        return s;
    return saveThroughSetupForm(QStringLiteral("ci-deployer"), [](SecretSetupDialog *dialog) {
        QTest::keyClicks(
            dialog->fieldEditor(QStringLiteral("serviceAccount")), QStringLiteral("ci-deployer"));
        QTest::keyClicks(dialog->fieldEditor(QStringLiteral("namespace")), QStringLiteral("default"));
        auto *audience = dialog->findChild<QLineEdit *>(QStringLiteral("audienceInput"));
        QTest::keyClicks(audience, QStringLiteral("https://kubernetes.default.svc"));
        QTest::keyClick(audience, Qt::Key_Return);
    });
}

std::optional<DynamicSecret> TestMainWindow::dynamicSecret()
{
    if (auto s = secretNamed(QStringLiteral("dev-access")))
        return s;
    return saveThroughSetupForm(QStringLiteral("dev-access"), [](SecretSetupDialog *dialog) {
        qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("credentialType")))->setCurrentIndex(1);
        QTest::keyClicks(
            dialog->fieldEditor(QStringLiteral("allowedNamespaces")), QStringLiteral("default, kube-system"));
        qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("roleType")))->setCurrentIndex(0);
        QTest::keyClicks(dialog->fieldEditor(QStringLiteral("role")), QStringLiteral("kms-dynamic-role"));
    });
}

std::optional<Lease> TestMainWindow::activeLease(const QString &secretName)
{
    const auto secret = secretName == QLatin1String("ci-deployer") ? staticSecret() : dynamicSecret();
    if (!secret)
        return std::nullopt;
    for (const Lease &lease : LeaseRepository(*m_db).listForSecret(secret->id)) {
        if (lease.state == LeaseState::Active)
            return lease;
    }
    const Lease lease = createLeaseThroughUi(secretName);
    if (lease.id.isEmpty() || !m_window->tokenDialog())
        return std::nullopt;
    m_window->tokenDialog()->accept();
    if (!QTest::qWaitFor([&] { return !m_window->tokenDialog(); }, 5000))
        return std::nullopt;
    return lease;
}

std::optional<Lease> TestMainWindow::revokedLease(const QString &secretName)
{
    const auto secret = secretNamed(secretName);
    if (secret) {
        for (const Lease &lease : LeaseRepository(*m_db).listForSecret(secret->id)) {
            if (lease.state == LeaseState::Revoked)
                return lease;
        }
    }
    const auto active = activeLease(secretName);
    if (!active)
        return std::nullopt;
    const RevokeOutcome outcome = QCoro::waitFor(m_engine->leases().revoke(active->id));
    if (!outcome.ok || !outcome.lease || outcome.lease->state != LeaseState::Revoked)
        return std::nullopt;
    return outcome.lease;
}

SecretSetupDialog *TestMainWindow::openSetupModal()
{
    QTest::mouseClick(m_window->addSecretButton(), Qt::LeftButton);
    auto *dialog = waitForDialog<SecretSetupDialog>();
    if (!dialog)
        return nullptr;
    auto *picker = dialog->findChild<ProviderPicker *>();
    if (!picker || !picker->isVisible())
        return nullptr;
    QTest::mouseClick(picker->kubernetesButton(), Qt::LeftButton);
    return dialog;
}

void TestMainWindow::fillCommon(SecretSetupDialog *dialog, const QString &name)
{
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("name")), name);
    auto *defaultTtl = qobject_cast<QLineEdit *>(dialog->fieldEditor(QStringLiteral("defaultTtl")));
    defaultTtl->clear();
    QTest::keyClicks(defaultTtl, QStringLiteral("1h"));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("clusterUrl")), m_cluster->url().toString());
    auto *ca = qobject_cast<QPlainTextEdit *>(dialog->fieldEditor(QStringLiteral("caCertificate")));
    ca->setPlainText(QString::fromUtf8(m_cluster->caPem()));
    QTest::keyClicks(
        dialog->fieldEditor(QStringLiteral("clusterToken")), QString::fromUtf8(m_requesterToken));
}

void TestMainWindow::setupModalSavesStaticSecret()
{
    SecretSetupDialog *dialog = openSetupModal();
    QVERIFY(dialog);
    QVERIFY(dialog->isFieldShown(QStringLiteral("name")));
    fillCommon(dialog, QStringLiteral("ci-deployer"));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("serviceAccount")), QStringLiteral("ci-deployer"));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("namespace")), QStringLiteral("default"));
    auto *audience = dialog->findChild<QLineEdit *>(QStringLiteral("audienceInput"));
    QTest::keyClicks(audience, QStringLiteral("https://kubernetes.default.svc"));
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("addAudienceButton")), Qt::LeftButton);
    QTest::keyClicks(audience, QStringLiteral("extra-audience"));
    QTest::keyClick(audience, Qt::Key_Return);
    auto *list = dialog->findChild<QListWidget *>();
    QCOMPARE(list->count(), 2);
    list->setCurrentRow(1);
    QTest::mouseClick(
        dialog->findChild<QPushButton *>(QStringLiteral("removeAudienceButton")), Qt::LeftButton);
    QCOMPARE(list->count(), 1);

    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("saveButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(secretNamed(QStringLiteral("ci-deployer")).has_value(), 10000);
    QTRY_VERIFY(!m_window->findChild<SecretSetupDialog *>());

    const DynamicSecret s = *secretNamed(QStringLiteral("ci-deployer"));
    QCOMPARE(s.credentialType, CredentialType::Static);
    QCOMPARE(s.serviceAccount, QStringLiteral("ci-deployer"));
    QCOMPARE(s.namespaceName, QStringLiteral("default"));
    QCOMPARE(s.audiences, QStringList { QStringLiteral("https://kubernetes.default.svc") });
    QCOMPARE(s.clusterUrl, m_cluster->url().toString());
    // The token is in the keychain, and in no file of the profile: not the
    // database, nor its -wal (where the new row is until a checkpoint), -shm
    // or journal.
    const VaultResult stored = QCoro::waitFor(m_vault->get(s.vaultKey()));
    QVERIFY2(stored.ok, qPrintable(stored.message));
    QCOMPARE(stored.value, m_requesterToken);
    QByteArray profileBytes;
    QStringList read;
    QDirIterator files(m_profile->dataDir(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        const QByteArray content = file.readAll();
        QVERIFY2(!content.contains(m_requesterToken), qPrintable(file.fileName()));
        profileBytes += content;
        read << QFileInfo(file).fileName();
    }
    QVERIFY2(read.contains(QFileInfo(m_db->filePath()).fileName()), qPrintable(read.join(QLatin1Char(' '))));
    // The search is not vacuous: it sees the row just written.
    QVERIFY2(
        profileBytes.contains(m_cluster->url().toString().toUtf8()), qPrintable(read.join(QLatin1Char(' '))));

    // The row in the list, with its columns.
    QTRY_VERIFY(m_window->secretModel()->rowOf(s.id) >= 0);
    const int row = m_window->secretModel()->rowOf(s.id);
    auto cell = [&](int column) { return m_window->secretModel()->index(row, column).data().toString(); };
    QCOMPARE(cell(SecretTableModel::Name), QStringLiteral("ci-deployer"));
    QCOMPARE(cell(SecretTableModel::Cluster), m_cluster->url().toString());
    QCOMPARE(cell(SecretTableModel::CredentialTypeColumn), QStringLiteral("Static"));
    QCOMPARE(cell(SecretTableModel::AuthMethodColumn), QStringLiteral("Token (API)"));
    QCOMPARE(cell(SecretTableModel::DefaultTtl), QStringLiteral("1h"));
    QCOMPARE(cell(SecretTableModel::ActiveLeases), QStringLiteral("0"));
}

void TestMainWindow::setupModalSavesDynamicSecret()
{
    const int secretsBefore = m_window->secretModel()->rowCount();
    SecretSetupDialog *dialog = openSetupModal();
    QVERIFY(dialog);
    fillCommon(dialog, QStringLiteral("dev-access"));
    qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("credentialType")))->setCurrentIndex(1);
    QTest::keyClicks(
        dialog->fieldEditor(QStringLiteral("allowedNamespaces")), QStringLiteral("default, kube-system"));
    qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("roleType")))->setCurrentIndex(0);
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("role")), QStringLiteral("kms-dynamic-role"));
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("saveButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(secretNamed(QStringLiteral("dev-access")).has_value(), 10000);
    const DynamicSecret s = *secretNamed(QStringLiteral("dev-access"));
    QCOMPARE(s.credentialType, CredentialType::Dynamic);
    QCOMPARE(s.allowedNamespaces, (QStringList { QStringLiteral("default"), QStringLiteral("kube-system") }));
    QCOMPARE(s.roleType, RoleType::ClusterRole);
    QCOMPARE(s.roleName, QStringLiteral("kms-dynamic-role"));
    QVERIFY(s.serviceAccount.isEmpty());
    QTRY_COMPARE(m_window->secretModel()->rowCount(), secretsBefore + 1);
    // Saving selects it.
    QCOMPARE(m_window->currentSecret()->name, QStringLiteral("dev-access"));
}

void TestMainWindow::fieldsShowAndHideWithAuthMethodAndCredentialType()
{
    SecretSetupDialog *dialog = openSetupModal();
    QVERIFY(dialog);
    auto shown = [dialog](const char *field) { return dialog->isFieldShown(QLatin1String(field)); };
    // Token (API), Static: URL, CA, token, service account and namespace; an optional gateway, no role.
    QVERIFY(shown("clusterUrl") && shown("caCertificate") && shown("clusterToken") && shown("sslVerify"));
    QVERIFY(shown("serviceAccount") && shown("namespace") && shown("boundTokens") && shown("gateway"));
    QVERIFY(!shown("allowedNamespaces") && !shown("role") && !shown("clusterWide"));
    qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("authMethod")))->setCurrentIndex(1);
    QVERIFY(shown("gateway"));
    QVERIFY(!shown("clusterUrl") && !shown("caCertificate") && !shown("clusterToken") && !shown("sslVerify"));
    qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("credentialType")))->setCurrentIndex(1);
    QVERIFY(shown("allowedNamespaces") && shown("roleType") && shown("role") && shown("clusterWide"));
    QVERIFY(!shown("serviceAccount") && !shown("namespace") && !shown("boundTokens"));
    // Cluster-wide binding exists for a ClusterRole only.
    qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("roleType")))->setCurrentIndex(1);
    QVERIFY(!shown("clusterWide"));
    discard(dialog); // a changed form asks first
    QTRY_VERIFY(!m_window->findChild<SecretSetupDialog *>());
}

void TestMainWindow::badFieldShowsEngineMessageAndBlocksSaving()
{
    QVERIFY(staticSecret());
    SecretSetupDialog *dialog = openSetupModal();
    QVERIFY(dialog);
    fillCommon(dialog, QStringLiteral("ci-deployer")); // taken in this environment
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("serviceAccount")), QStringLiteral("Not_A_Name"));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("namespace")), QStringLiteral("default"));
    auto *maxTtl = qobject_cast<QLineEdit *>(dialog->fieldEditor(QStringLiteral("maxTtl")));
    maxTtl->clear();
    QTest::keyClicks(maxTtl, QStringLiteral("5x"));

    // As typed: the engine's messages, each under its field.
    FieldErrors expected;
    dialog->currentSecret(&expected);
    QVERIFY(!dialog->fieldMessage(QStringLiteral("maxTtl")).isEmpty());
    QVERIFY(dialog->fieldMessage(QStringLiteral("maxTtl")).contains(QStringLiteral("5x")));
    QVERIFY(!dialog->fieldMessage(QStringLiteral("name")).isEmpty());
    QVERIFY(!dialog->fieldMessage(QStringLiteral("serviceAccount")).isEmpty());
    // Fixing a field clears its message as you type.
    maxTtl->clear();
    QTest::keyClicks(maxTtl, QStringLiteral("24h"));
    QVERIFY(dialog->fieldMessage(QStringLiteral("maxTtl")).isEmpty());

    const int before = SecretRepository(*m_db).listAll().size();
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("saveButton")), Qt::LeftButton);
    QTest::qWait(200); // a save would start now; nothing may be written
    QVERIFY(dialog->isVisible());
    QCOMPARE(SecretRepository(*m_db).listAll().size(), before);
    auto *nameError = dialog->findChild<QLabel *>(QStringLiteral("error_name"));
    QVERIFY(nameError->isVisible());
    QCOMPARE(nameError->text(), dialog->fieldMessage(QStringLiteral("name")));
    discard(dialog); // a changed form asks first
    QTRY_VERIFY(!m_window->findChild<SecretSetupDialog *>());
}

void TestMainWindow::testConnectionReportsMissingPermissionsWithRbacYaml()
{
    SecretSetupDialog *dialog = openSetupModal();
    QVERIFY(dialog);
    // The admin token can do everything; a fresh service account token can do nothing.
    const auto sa = m_cluster->request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
        QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
            { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("name"), QStringLiteral("nobody") } } } });
    QCOMPARE(sa.status, 201);
    const QByteArray weak = m_cluster->createToken(QStringLiteral("default"), QStringLiteral("nobody"));
    QVERIFY(!weak.isEmpty());
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("name")), QStringLiteral("weak"));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("clusterUrl")), m_cluster->url().toString());
    qobject_cast<QPlainTextEdit *>(dialog->fieldEditor(QStringLiteral("caCertificate")))
        ->setPlainText(QString::fromUtf8(m_cluster->caPem()));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("clusterToken")), QString::fromUtf8(weak));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("serviceAccount")), QStringLiteral("ci-deployer"));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("namespace")), QStringLiteral("default"));
    QSignalSpy finished(dialog, &SecretSetupDialog::preflightFinished);
    QTest::mouseClick(
        dialog->findChild<QPushButton *>(QStringLiteral("testConnectionButton")), Qt::LeftButton);
    QVERIFY(finished.wait(15000));
    QCOMPARE(finished.first().first().toBool(), false);
    QVERIFY2(dialog->preflightResult().connectionError.isEmpty(),
        qPrintable(dialog->preflightResult().connectionError));
    QVERIFY(!dialog->preflightResult().missing().isEmpty());
    auto *copy = dialog->findChild<QPushButton *>(QStringLiteral("copyRbacButton"));
    QVERIFY(copy->isVisible());
    QTest::mouseClick(copy, Qt::LeftButton);
    QVERIFY(QGuiApplication::clipboard()->text().contains(QStringLiteral("serviceaccounts/token")));
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("preflightSummary"))
                ->text()
                .contains(QStringLiteral("missing")));

    // With the requester's token every check passes.
    auto *token = qobject_cast<QLineEdit *>(dialog->fieldEditor(QStringLiteral("clusterToken")));
    token->clear();
    QTest::keyClicks(token, QString::fromUtf8(m_requesterToken));
    finished.clear();
    QTest::mouseClick(
        dialog->findChild<QPushButton *>(QStringLiteral("testConnectionButton")), Qt::LeftButton);
    QVERIFY(finished.wait(15000));
    QVERIFY2(finished.first().first().toBool(),
        qPrintable(dialog->preflightResult().missing().join(QLatin1Char('\n'))));
    QVERIFY(!copy->isVisible());
    discard(dialog); // a changed form asks first
    QTRY_VERIFY(!m_window->findChild<SecretSetupDialog *>());
}

void TestMainWindow::testConnectionValidatesTheFormBeforeSendingAnything()
{
    // A plain-HTTP listener: whatever reaches it went over the network in clear.
    QTcpServer plain;
    QVERIFY(plain.listen(QHostAddress::LocalHost, 0));
    int connections = 0;
    QByteArray received;
    connect(&plain, &QTcpServer::newConnection, &plain, [&] {
        while (QTcpSocket *socket = plain.nextPendingConnection()) {
            ++connections;
            connect(socket, &QTcpSocket::readyRead, socket, [&received, socket] {
                received += socket->readAll();
                socket->disconnectFromHost(); // no answer: the preflight ends with a network error
            });
        }
    });

    SecretSetupDialog *dialog = openSetupModal();
    QVERIFY(dialog);
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("clusterUrl")),
        QStringLiteral("http://127.0.0.1:%1").arg(plain.serverPort()));
    QTest::keyClicks(
        dialog->fieldEditor(QStringLiteral("clusterToken")), QString::fromUtf8(m_requesterToken));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("serviceAccount")), QStringLiteral("ci-deployer"));
    QTest::keyClicks(dialog->fieldEditor(QStringLiteral("namespace")), QStringLiteral("default"));
    QSignalSpy finished(dialog, &SecretSetupDialog::preflightFinished);
    auto *test = dialog->findChild<QPushButton *>(QStringLiteral("testConnectionButton"));
    QTest::mouseClick(test, Qt::LeftButton);
    // Refused at once; were it sent, the listener would see it before the preflight ends.
    QVERIFY(finished.count() == 1 || finished.wait(15000));
    QCOMPARE(finished.first().first().toBool(), false);
    QVERIFY2(dialog->preflightResult().connectionError.contains(QStringLiteral("nothing was sent")),
        qPrintable(dialog->preflightResult().connectionError));
    QVERIFY2(dialog->fieldMessage(QStringLiteral("clusterUrl")).contains(QStringLiteral("https://")),
        qPrintable(dialog->fieldMessage(QStringLiteral("clusterUrl"))));
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("error_clusterUrl"))->isVisible());
    QCOMPARE(connections, 0);
    QVERIFY(!received.contains(m_requesterToken));

    // An https URL, but a token that is not one word: refused on its field, nothing sent.
    auto *url = qobject_cast<QLineEdit *>(dialog->fieldEditor(QStringLiteral("clusterUrl")));
    url->clear();
    QTest::keyClicks(url, m_cluster->url().toString());
    qobject_cast<QPlainTextEdit *>(dialog->fieldEditor(QStringLiteral("caCertificate")))
        ->setPlainText(QString::fromUtf8(m_cluster->caPem()));
    auto *token = qobject_cast<QLineEdit *>(dialog->fieldEditor(QStringLiteral("clusterToken")));
    token->clear();
    QTest::keyClicks(token, QString::fromUtf8(m_requesterToken) + QStringLiteral(" Impersonate-User: admin"));
    const qint64 before = qint64(m_cluster->settings().value(QStringLiteral("requests")).toDouble());
    finished.clear();
    QTest::mouseClick(test, Qt::LeftButton);
    QVERIFY(finished.count() == 1 || finished.wait(15000));
    QCOMPARE(finished.first().first().toBool(), false);
    QVERIFY2(dialog->fieldMessage(QStringLiteral("clusterToken")).contains(QStringLiteral("contains spaces")),
        qPrintable(dialog->fieldMessage(QStringLiteral("clusterToken"))));
    QVERIFY(dialog->fieldMessage(QStringLiteral("clusterUrl")).isEmpty());
    QCOMPARE(qint64(m_cluster->settings().value(QStringLiteral("requests")).toDouble()), before);

    // Corrected, the same button asks the cluster.
    token->clear();
    QTest::keyClicks(token, QString::fromUtf8(m_requesterToken));
    finished.clear();
    QTest::mouseClick(test, Qt::LeftButton);
    QVERIFY(finished.wait(15000));
    QVERIFY2(dialog->preflightResult().connectionError.isEmpty(),
        qPrintable(dialog->preflightResult().connectionError));
    QVERIFY(qint64(m_cluster->settings().value(QStringLiteral("requests")).toDouble()) > before);
    discard(dialog); // a changed form asks first
    QTRY_VERIFY(!m_window->findChild<SecretSetupDialog *>());
}

Lease TestMainWindow::createLeaseThroughUi(const QString &secretName, QByteArray *token)
{
    const auto secret = secretNamed(secretName);
    if (!secret)
        return {};
    m_window->selectSecret(secret->id);
    // The Generate button appears on the row under the mouse.
    QTreeView *view = m_window->secretView();
    const QModelIndex index = m_window->secretProxy()->mapFromSource(m_window->secretModel()->index(
        m_window->secretModel()->rowOf(secret->id), SecretTableModel::Actions));
    const QRect cell = view->visualRect(index);
    QTest::mouseMove(view->viewport(), cell.center());
    if (m_window->generateDelegate()->hoveredIndex().row() != index.row())
        return {};
    const QPoint button = m_window->generateDelegate()->buttonRect(cell).center();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, button);
    auto *dialog = waitForDialog<NewLeaseDialog>();
    if (!dialog)
        return {};
    QSignalSpy shown(m_window.get(), &MainWindow::tokenShown);
    QTest::mouseClick(dialog->submitButton(), Qt::LeftButton);
    // Submitting again while it runs does nothing.
    QTest::mouseClick(dialog->submitButton(), Qt::LeftButton);
    if (dialog->submitButton()->isEnabled() || !dialog->isSubmitting())
        return {};
    if (!shown.wait(15000))
        return {};
    TokenDialog *tokenDialog = m_window->tokenDialog();
    if (token)
        *token = tokenDialog->tokenEdit()->text().toUtf8();
    const QList<Lease> leases = LeaseRepository(*m_db).listForSecret(secret->id);
    return leases.isEmpty() ? Lease {} : leases.first();
}

void TestMainWindow::generateOpensNewLeaseThenShowsTokenOnce()
{
    QVERIFY(dynamicSecret());
    const int leasesBefore = LeaseRepository(*m_db).count();
    QByteArray token;
    const Lease lease = createLeaseThroughUi(QStringLiteral("dev-access"), &token);
    QVERIFY(!lease.id.isEmpty());
    QCOMPARE(LeaseRepository(*m_db).count(), leasesBefore + 1); // pressed twice, provisioned once
    QCOMPARE(lease.state, LeaseState::Active);
    QCOMPARE(lease.kind, LeaseKind::Dynamic);
    QVERIFY(!token.isEmpty());

    TokenDialog *dialog = m_window->tokenDialog();
    QVERIFY(dialog && dialog->isVisible());
    QCOMPARE(dialog->tokenEdit()->echoMode(), QLineEdit::Password);
    QTest::mouseClick(dialog->revealButton(), Qt::LeftButton);
    QCOMPARE(dialog->tokenEdit()->echoMode(), QLineEdit::Normal);
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("notShownAgainWarning"))
                ->text()
                .contains(QStringLiteral("not be shown again")));
    QVERIFY(dialog->expiryLabel()->text().contains(
        lease.expiresAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))));

    // The token works: a TokenReview as admin accepts it.
    const auto review
        = m_cluster->request("POST", QStringLiteral("/apis/authentication.k8s.io/v1/tokenreviews"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
                { QStringLiteral("kind"), QStringLiteral("TokenReview") },
                { QStringLiteral("spec"),
                    QJsonObject { { QStringLiteral("token"), QString::fromUtf8(token) } } } });
    QCOMPARE(review.status, 201);
    QVERIFY(review.json.value(QStringLiteral("status"))
                .toObject()
                .value(QStringLiteral("authenticated"))
                .toBool());

    // Save as kubeconfig writes an owner-only file that points at the cluster.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lease.kubeconfig"));
    QString error;
    QVERIFY2(dialog->saveKubeconfig(path, &error), qPrintable(error));
    QFile config(path);
    QVERIFY(config.open(QIODevice::ReadOnly));
    const QByteArray yaml = config.readAll();
    QVERIFY(yaml.contains(m_cluster->url().toString().toUtf8()));
    QVERIFY(yaml.contains(token));
    QCOMPARE(
        config.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());

    // The lease row: Active, with its namespace and service account.
    LeasePanel *panel = m_window->leasePanel();
    QTRY_VERIFY(panel->model()->rowOf(lease.id) >= 0);
    const int row = panel->model()->rowOf(lease.id);
    QCOMPARE(panel->model()->index(row, LeaseTableModel::State).data().toString(),
        Lease::displayName(LeaseState::Active));
    QCOMPARE(
        panel->model()->index(row, LeaseTableModel::Namespace).data().toString(), QStringLiteral("default"));
    QCOMPARE(
        panel->model()->index(row, LeaseTableModel::ServiceAccount).data().toString(), lease.serviceAccount);
    QVERIFY(panel->model()
                ->index(row, LeaseTableModel::Expires)
                .data()
                .toString()
                .startsWith(QStringLiteral("in ")));
    QTRY_COMPARE(m_window->secretModel()
                     ->index(m_window->secretModel()->rowOf(lease.secretId), SecretTableModel::ActiveLeases)
                     .data()
                     .toInt(),
        1);

    // Closed, the token is gone from the dialog.
    dialog->accept();
    QTRY_VERIFY(!m_window->tokenDialog());
}

void TestMainWindow::newLeaseChecksTtlLive()
{
    const auto secret = dynamicSecret();
    QVERIFY(secret);
    m_window->selectSecret(secret->id);
    m_window->generateAction()->trigger(); // Ctrl+G
    auto *dialog = waitForDialog<NewLeaseDialog>();
    QVERIFY(dialog);
    QCOMPARE(dialog->ttlEdit()->text(), QStringLiteral("1h"));
    QVERIFY(dialog->submitButton()->isEnabled());
    QCOMPARE(dialog->namespaceBox()->count(), 2);
    dialog->ttlEdit()->clear();
    QTest::keyClicks(dialog->ttlEdit(), QStringLiteral("5m"));
    QVERIFY(dialog->fieldMessage(QStringLiteral("ttl")).contains(QStringLiteral("10 minutes")));
    QVERIFY(!dialog->submitButton()->isEnabled());
    dialog->ttlEdit()->clear();
    QTest::keyClicks(dialog->ttlEdit(), QStringLiteral("2d"));
    QVERIFY2(dialog->fieldMessage(QStringLiteral("ttl")).contains(QStringLiteral("max TTL")),
        qPrintable(dialog->fieldMessage(QStringLiteral("ttl"))));
    QVERIFY(!dialog->submitButton()->isEnabled());
    dialog->ttlEdit()->clear();
    QTest::keyClicks(dialog->ttlEdit(), QStringLiteral("30m"));
    QVERIFY(dialog->fieldMessage(QStringLiteral("ttl")).isEmpty());
    QVERIFY(dialog->submitButton()->isEnabled());
    dialog->reject();
    QTRY_VERIFY(!m_window->findChild<NewLeaseDialog *>());
}

void TestMainWindow::copyMarksTokenSecretAndClearsAfterTimeout()
{
    QVERIFY(staticSecret());
    QByteArray token;
    const Lease lease = createLeaseThroughUi(QStringLiteral("ci-deployer"), &token);
    QVERIFY(!lease.id.isEmpty());
    QCOMPARE(lease.kind, LeaseKind::Static);
    TokenDialog *dialog = m_window->tokenDialog();
    QVERIFY(dialog);
    QTest::mouseClick(dialog->copyButton(), Qt::LeftButton);
    const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
    QCOMPARE(mime->text().toUtf8(), token);
    QCOMPARE(mime->data(QStringLiteral("x-kde-passwordManagerHint")), QByteArrayLiteral("secret"));
    QVERIFY(mime->hasFormat(QStringLiteral("ExcludeClipboardContentFromMonitorProcessing")));
    QVERIFY(dialog->countdownLabel()->text().contains(QStringLiteral("in 30 seconds")));

    m_clock->advance(20);
    QCOMPARE(QGuiApplication::clipboard()->text().toUtf8(), token);
    QVERIFY(dialog->countdownLabel()->text().contains(QStringLiteral("10 seconds")));
    m_clock->advance(10);
    QTRY_VERIFY(QGuiApplication::clipboard()->text().isEmpty());
    QVERIFY(dialog->countdownLabel()->text().contains(QStringLiteral("cleared")));
    QVERIFY(!m_window->clipboard()->isCounting());
    dialog->accept();
    QTRY_VERIFY(!m_window->tokenDialog());
}

void TestMainWindow::copyLeavesClipboardAloneWhenItChanged()
{
    SecretClipboard clipboard(m_clock.get());
    QSignalSpy finished(&clipboard, &SecretClipboard::finished);
    clipboard.copy(QByteArrayLiteral("a-token"));
    QGuiApplication::clipboard()->setText(QStringLiteral("something the user copied"));
    m_clock->advance(31);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toBool(), false);
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("something the user copied"));
}

void TestMainWindow::deleteDynamicLeaseRevokesItOnTheCluster()
{
    const auto active = activeLease(QStringLiteral("dev-access"));
    QVERIFY(active);
    const Lease lease = *active;
    const auto secret = secretNamed(QStringLiteral("dev-access"));
    m_window->selectSecret(secret->id);
    LeasePanel *panel = m_window->leasePanel();
    QCOMPARE(lease.state, LeaseState::Active);
    const QString saPath = QStringLiteral("/api/v1/namespaces/%1/serviceaccounts/%2")
                               .arg(lease.namespaceName, lease.serviceAccount);
    QCOMPARE(m_cluster->request("GET", saPath).status, 200);

    panel->selectLease(lease.id);
    QVERIFY(panel->deleteButton()->isEnabled());
    QTest::mouseClick(panel->deleteButton(), Qt::LeftButton);
    QMessageBox *box = waitForMessageBox(QStringLiteral("confirmRevoke"));
    QVERIFY(box);
    QVERIFY2(
        box->text().contains(QStringLiteral("will stop working within seconds")), qPrintable(box->text()));
    QVERIFY(!box->text().contains(QStringLiteral("stays valid")));
    QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("confirmRevokeButton")), Qt::LeftButton);

    const int row = panel->model()->rowOf(lease.id);
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->index(row, LeaseTableModel::State).data().toString(),
        Lease::displayName(LeaseState::Revoked), 15000);
    QCOMPARE(m_cluster->request("GET", saPath).status, 404);
    QVERIFY(!panel->deleteButton()->isEnabled());
    QTRY_COMPARE(m_window->secretModel()
                     ->index(m_window->secretModel()->rowOf(secret->id), SecretTableModel::ActiveLeases)
                     .data()
                     .toInt(),
        0);
}

void TestMainWindow::deleteUnboundStaticLeaseSaysTokenStaysValid()
{
    const auto active = activeLease(QStringLiteral("ci-deployer"));
    QVERIFY(active);
    const Lease lease = *active;
    const auto secret = secretNamed(QStringLiteral("ci-deployer"));
    m_window->selectSecret(secret->id);
    LeasePanel *panel = m_window->leasePanel();
    QCOMPARE(lease.kind, LeaseKind::Static);
    panel->selectLease(lease.id);
    panel->view()->setFocus();
    QTest::keyClick(panel->view(), Qt::Key_Delete);
    QMessageBox *box = waitForMessageBox(QStringLiteral("confirmRevoke"));
    QVERIFY(box);
    QVERIFY2(box->text().contains(QStringLiteral("stays valid until it expires")), qPrintable(box->text()));
    QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("confirmRevokeButton")), Qt::LeftButton);
    const int row = panel->model()->rowOf(lease.id);
    // Released, never "Revoked": its token still works until it expires.
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->index(row, LeaseTableModel::State).data().toString(),
        Lease::displayName(LeaseState::Released), 15000);
    QTRY_VERIFY(panel->statusLabel()->text().contains(QStringLiteral("valid")));
    QCOMPARE(LeaseRepository(*m_db).byId(lease.id)->state, LeaseState::Released);
}

void TestMainWindow::leaseFilterAndCountdown()
{
    const auto secret = dynamicSecret();
    QVERIFY(secret);
    if (LeaseRepository(*m_db).listForSecret(secret->id).isEmpty())
        QVERIFY(activeLease(QStringLiteral("dev-access")));
    m_window->selectSecret(secret->id);
    LeasePanel *panel = m_window->leasePanel();
    QVERIFY(panel->proxy()->rowCount() >= 1);
    const QString id = panel->model()->rowAt(0).id;
    QTest::keyClicks(panel->filterEdit(), id.left(13));
    QCOMPARE(panel->proxy()->rowCount(), 1);
    panel->filterEdit()->clear();
    QTest::keyClicks(panel->filterEdit(), QStringLiteral("no-such-lease"));
    QCOMPARE(panel->proxy()->rowCount(), 0);
    panel->filterEdit()->clear();

    // The countdown repaints the visible rows only, and reads the clock.
    QSignalSpy changed(panel->model(), &QAbstractItemModel::dataChanged);
    panel->tickCountdown();
    QCOMPARE(panel->lastTickRowCount(), panel->proxy()->rowCount());
    for (const QList<QVariant> &args : std::as_const(changed)) {
        QCOMPARE(args.at(0).toModelIndex().column(), int(LeaseTableModel::Expires));
        QCOMPARE(args.at(1).toModelIndex().column(), int(LeaseTableModel::Expires));
    }
}

void TestMainWindow::auditViewShowsEventsAndVerifies()
{
    // A secret made, a lease created and one revoked.
    const auto revoked = revokedLease(QStringLiteral("dev-access"));
    QVERIFY(revoked);
    int leasesCreated = 0;
    for (const AuditEvent &e : AuditLog(*m_db).list())
        leasesCreated += e.kind == AuditEvent::LeaseCreated ? 1 : 0;
    AuditDialog *dialog = m_window->openAuditLog();
    QVERIFY(dialog && dialog->isVisible());
    dialog->setSecretFilter(QString());
    QStringList kinds;
    for (const AuditEvent &e : dialog->model()->events())
        kinds << e.kind;
    QVERIFY(kinds.contains(AuditEvent::SecretCreated));
    QVERIFY(kinds.contains(AuditEvent::LeaseCreated));
    QVERIFY(kinds.contains(AuditEvent::LeaseRevoked));
    QCOMPARE(dialog->model()->rowCount(), AuditLog(*m_db).list().size());

    dialog->setKindFilter(QStringLiteral("lease.created"));
    QCOMPARE(dialog->model()->rowCount(), leasesCreated);
    dialog->setKindFilter(QString());
    dialog->setSecretFilter(QStringLiteral("dev-access"));
    for (const AuditEvent &e : dialog->model()->events())
        QCOMPARE(e.secretName, QStringLiteral("dev-access"));
    const QString leaseId = revoked->id;
    dialog->setLeaseFilter(leaseId);
    QVERIFY(dialog->model()->rowCount() >= 2);
    for (const AuditEvent &e : dialog->model()->events())
        QCOMPARE(e.leaseId, leaseId);

    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("verifyButton")), Qt::LeftButton);
    QTRY_VERIFY2(dialog->verifyLabel()->text().startsWith(QStringLiteral("Verified")),
        qPrintable(dialog->verifyLabel()->text()));

    QTemporaryDir dir;
    QString error;
    QVERIFY2(dialog->exportCsv(dir.filePath(QStringLiteral("a.csv")), &error), qPrintable(error));
    QVERIFY2(dialog->exportJson(dir.filePath(QStringLiteral("a.json")), &error), qPrintable(error));
    QFile json(dir.filePath(QStringLiteral("a.json")));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonArray array = QJsonDocument::fromJson(json.readAll()).array();
    QCOMPARE(array.size(), dialog->model()->rowCount());
    // Each exported event reads back with the hash it was stored with.
    for (const QJsonValue &value : array) {
        const std::optional<AuditEvent> exported = AuditEvent::fromJson(value.toObject(), &error);
        QVERIFY2(exported, qPrintable(error));
        QCOMPARE(exported->computeHash(), exported->hash);
    }
    QFile csv(dir.filePath(QStringLiteral("a.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().count('\n'), dialog->model()->rowCount() + 1);

    // A tampered log says where it breaks.
    QSqlQuery q(m_db->connection());
    QVERIFY(q.exec(QStringLiteral("DROP TRIGGER audit_events_no_update")));
    QVERIFY(q.exec(QStringLiteral("UPDATE audit_events SET detail = 'edited' WHERE seq = 2")));
    dialog->verify();
    QTRY_VERIFY2(dialog->verifyLabel()->text().contains(QStringLiteral("broken at event 2")),
        qPrintable(dialog->verifyLabel()->text()));
    dialog->accept();
}

void TestMainWindow::deleteSecretRevokesOpenLeasesFirst()
{
    QVERIFY(dynamicSecret());
    QByteArray token;
    const Lease lease = createLeaseThroughUi(QStringLiteral("dev-access"), &token);
    QVERIFY(!lease.id.isEmpty());
    m_window->tokenDialog()->accept();
    const QString saPath = QStringLiteral("/api/v1/namespaces/%1/serviceaccounts/%2")
                               .arg(lease.namespaceName, lease.serviceAccount);
    QCOMPARE(m_cluster->request("GET", saPath).status, 200);
    const qint64 id = lease.secretId;
    m_window->selectSecret(id);
    m_window->deleteSecret();
    QMessageBox *box = waitForMessageBox(QStringLiteral("confirmDeleteSecret"));
    QVERIFY(box);
    QVERIFY(box->text().contains(QStringLiteral("1 open lease")));
    QTest::mouseClick(
        box->findChild<QPushButton *>(QStringLiteral("confirmDeleteSecretButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!SecretRepository(*m_db).byId(id), 15000);
    QCOMPARE(m_cluster->request("GET", saPath).status, 404);
    QTRY_VERIFY(m_window->secretModel()->rowOf(id) < 0);
    const VaultResult gone = QCoro::waitFor(m_vault->get(DynamicSecret::vaultKeyFor(id)));
    QCOMPARE(gone.error, VaultResult::Error::NotFound);
}

void TestMainWindow::deleteSecretKeepsItWhenALeaseCannotBeRevoked()
{
    // A secret whose cluster nobody answers for (nothing listens on port 1), with an open lease.
    DynamicSecret spec = test::dynamicSecret(developmentId(), QStringLiteral("unreachable"));
    spec.clusterUrl = QStringLiteral("https://127.0.0.1:1");
    const SecretSaveResult saved = QCoro::waitFor(m_catalog->save(spec, QByteArray("cluster-token")));
    QVERIFY2(saved.ok(), qPrintable(saved.error));
    const qint64 id = saved.secret->id;
    const Lease lease = test::activeLease(id, m_clock->now());
    QVERIFY(LeaseRepository(*m_db).insert(lease));
    m_window->reloadSecrets();
    m_window->selectSecret(id);
    QCOMPARE(m_window->currentSecret()->id, id);

    m_window->deleteSecret();
    QMessageBox *box = waitForMessageBox(QStringLiteral("confirmDeleteSecret"));
    QVERIFY(box);
    QTest::mouseClick(
        box->findChild<QPushButton *>(QStringLiteral("confirmDeleteSecretButton")), Qt::LeftButton);
    QMessageBox *failed = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        (failed = m_window->findChild<QMessageBox *>(QStringLiteral("secretNotDeleted"))), 20000);
    QVERIFY2(failed->text().contains(
                 QStringLiteral("was kept because lease %1 could not be revoked").arg(lease.id))
            && failed->text().contains(QStringLiteral("Try again when the cluster can be reached.")),
        qPrintable(failed->text()));
    failed->accept();
    QVERIFY(SecretRepository(*m_db).byId(id));
    QVERIFY(m_window->secretModel()->rowOf(id) >= 0);
    QVERIFY(QCoro::waitFor(m_vault->get(DynamicSecret::vaultKeyFor(id))).ok);

    const SecretRemoval forced = QCoro::waitFor(m_catalog->remove(id, true));
    QVERIFY2(forced.ok(), qPrintable(forced.error));
}

void TestMainWindow::newEnvironmentIsAddedAndSelected()
{
    auto addEnvironment = [this](const QString &name) {
        QTest::mouseClick(
            m_window->findChild<QPushButton *>(QStringLiteral("newEnvironmentButton")), Qt::LeftButton);
        auto *input = waitForDialog<QInputDialog>();
        QVERIFY(input);
        QCOMPARE(input->objectName(), QStringLiteral("newEnvironmentDialog"));
        input->setTextValue(name);
        input->accept();
    };
    addEnvironment(QStringLiteral("QA Europe"));
    const std::optional<Environment> qa = EnvironmentRepository(*m_db).byName(QStringLiteral("QA Europe"));
    QVERIFY(qa);
    QCOMPARE(qa->slug, QStringLiteral("qa-europe"));
    QTRY_COMPARE(m_window->currentEnvironmentId(), qa->id);
    QCOMPARE(m_window->environmentView()->currentIndex().data().toString(), QStringLiteral("QA Europe"));

    // A second one by the same name is refused, in words (not the store's constraint).
    addEnvironment(QStringLiteral("qa europe"));
    QMessageBox *box = nullptr;
    auto refusal = [&] {
        for (QMessageBox *b : m_window->findChildren<QMessageBox *>()) {
            if (b->isVisible() && b->windowTitle() == QStringLiteral("Environment Not Added"))
                box = b;
        }
        return box != nullptr;
    };
    QTRY_VERIFY(refusal());
    QCOMPARE(box->text(),
        QStringLiteral("An environment called \"QA Europe\" exists already; choose another name."));
    box->accept();
    QCOMPARE(EnvironmentRepository(*m_db).list().size(), 4);
    m_window->selectEnvironment(developmentId());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
