#include "MainWindow.h"

#include "AuditDialog.h"
#include "DatabaseBanner.h"
#include "EmptyViewHint.h"
#include "EnvironmentListModel.h"
#include "GatewaysDialog.h"
#include "GenerateButtonDelegate.h"
#include "KubeconfigDialog.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "LeaseWatch.h"
#include "NewLeaseDialog.h"
#include "SecretClipboard.h"
#include "SecretSetupDialog.h"
#include "SecretTableModel.h"
#include "TeamProfileDialog.h"
#include "TimeText.h"
#include "TokenDialog.h"
#include "TrayIcon.h"
#include "core/BuildInfo.h"
#include "leases/DatabaseReconnector.h"
#include "leases/Engine.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"
#include "leases/TeamProfiles.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QCoro/QCoroTask>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace kms::ui {

MainWindow::MainWindow(const AppServices &services, QWidget *parent)
    : QMainWindow(parent)
    , m_services(services)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Hanzo KMS"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/ai.hanzo.KmsDesktop.png")));

    m_clipboard = new SecretClipboard(services.clock, this);
    m_leaseWatch = new LeaseWatch(services, this);
    m_tray = new TrayIcon(m_leaseWatch, this);
    connect(m_tray, &TrayIcon::showWindowRequested, this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    connect(m_tray, &TrayIcon::quitRequested, this, &MainWindow::quit);
    connect(m_tray, &TrayIcon::renewRequested, this, &MainWindow::renewLease);

    // Side: environments.
    auto *side = new QWidget(this);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(6, 6, 0, 6);
    auto *envTitle = new QLabel(tr("&Environments"), side);
    QFont bold = envTitle->font();
    bold.setBold(true);
    envTitle->setFont(bold);
    m_environmentModel = new EnvironmentListModel(this);
    m_environmentView = new QListView(side);
    m_environmentView->setObjectName(QStringLiteral("environmentView"));
    m_environmentView->setAccessibleName(tr("Environments"));
    m_environmentView->setModel(m_environmentModel);
    m_environmentView->setUniformItemSizes(true);
    m_environmentView->setSpacing(2);
    envTitle->setBuddy(m_environmentView);
    auto *newEnv = new QPushButton(tr("New Environment..."), side);
    newEnv->setObjectName(QStringLiteral("newEnvironmentButton"));
    newEnv->setAccessibleName(tr("New environment"));
    sideLayout->addWidget(envTitle);
    sideLayout->addWidget(m_environmentView, 1);
    sideLayout->addWidget(newEnv);
    connect(newEnv, &QPushButton::clicked, this, &MainWindow::newEnvironment);

    // Secrets.
    auto *secretsBox = new QWidget(this);
    auto *secretsLayout = new QVBoxLayout(secretsBox);
    secretsLayout->setContentsMargins(0, 6, 6, 0);
    auto *secretsBar = new QHBoxLayout;
    m_secretTitle = new QLabel(secretsBox);
    m_secretTitle->setObjectName(QStringLiteral("secretTitle"));
    QFont title = m_secretTitle->font();
    title.setBold(true);
    title.setPointSizeF(title.pointSizeF() * 1.2);
    m_secretTitle->setFont(title);
    m_secretFilter = new QLineEdit(secretsBox);
    m_secretFilter->setObjectName(QStringLiteral("secretFilter"));
    m_secretFilter->setPlaceholderText(tr("Filter secrets (Ctrl+F)"));
    m_secretFilter->setAccessibleName(tr("Filter secrets"));
    m_secretFilter->setClearButtonEnabled(true);
    m_secretFilter->setMinimumWidth(220);
    m_secretFilter->setMaximumWidth(280);
    m_addSecretButton = new QPushButton(tr("Add Dynamic Secret..."), secretsBox);
    m_addSecretButton->setObjectName(QStringLiteral("addSecretButton"));
    m_addSecretButton->setAccessibleName(tr("Add dynamic secret"));
    m_addSecretButton->setToolTip(tr("Add a dynamic secret to this environment (Ctrl+N)"));
    secretsBar->addWidget(m_secretTitle, 1);
    secretsBar->addWidget(m_secretFilter);
    secretsBar->addWidget(m_addSecretButton);
    secretsLayout->addLayout(secretsBar);

    m_secretModel = new SecretTableModel(this);
    m_secretProxy = new QSortFilterProxyModel(this);
    m_secretProxy->setSourceModel(m_secretModel);
    m_secretProxy->setSortRole(SecretTableModel::RawValueRole);
    m_secretProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_secretProxy->setFilterKeyColumn(-1);
    m_secretView = new QTreeView(secretsBox);
    m_secretView->setObjectName(QStringLiteral("secretView"));
    m_secretView->setAccessibleName(tr("Dynamic secrets"));
    m_secretView->setModel(m_secretProxy);
    m_secretView->setRootIsDecorated(false);
    m_secretView->setUniformRowHeights(true);
    m_secretView->setAllColumnsShowFocus(true);
    m_secretView->setSortingEnabled(true);
    m_secretView->sortByColumn(SecretTableModel::Name, Qt::AscendingOrder);
    m_secretView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_secretHint = new EmptyViewHint(m_secretView, [this] {
        const QString envName = m_environmentView->currentIndex().data().toString();
        if (envName.isEmpty())
            return tr("Select an environment to see its dynamic secrets.");
        if (!m_secretFilter->text().trimmed().isEmpty() && m_secretModel->rowCount() > 0)
            return tr("No dynamic secret in %1 matches \"%2\".")
                .arg(envName, m_secretFilter->text().trimmed());
        return tr("No dynamic secrets in %1 yet.\nAdd Dynamic Secret... defines one: the cluster it reaches "
                  "and the service account tokens its leases get.")
            .arg(envName);
    });
    m_secretView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_secretView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_secretView->header()->setStretchLastSection(false);
    m_secretView->header()->setSectionResizeMode(SecretTableModel::Cluster, QHeaderView::Stretch);
    // Widths from what the cells and headers hold, so that at 1024 px the
    // cluster URL (which stretches) is whole; long names are elided in the middle.
    m_secretView->setTextElideMode(Qt::ElideMiddle);
    {
        const QFontMetrics cell = m_secretView->fontMetrics();
        const QFontMetrics head = m_secretView->header()->fontMetrics();
        const auto fit = [&](const QString &widestCell, int column) {
            const QString title = m_secretModel->headerData(column, Qt::Horizontal).toString();
            return std::max(cell.horizontalAdvance(widestCell), head.horizontalAdvance(title) + 12) + 18;
        };
        QHeaderView *header = m_secretView->header();
        header->resizeSection(
            SecretTableModel::Name, fit(QStringLiteral("dev-cluster-access"), SecretTableModel::Name));
        header->resizeSection(SecretTableModel::CredentialTypeColumn,
            fit(QStringLiteral("Dynamic"), SecretTableModel::CredentialTypeColumn));
        header->resizeSection(SecretTableModel::AuthMethodColumn,
            fit(QStringLiteral("Token (API)"), SecretTableModel::AuthMethodColumn));
        header->resizeSection(
            SecretTableModel::DefaultTtl, fit(QStringLiteral("12h30m"), SecretTableModel::DefaultTtl));
        header->resizeSection(
            SecretTableModel::ActiveLeases, fit(QStringLiteral("999"), SecretTableModel::ActiveLeases));
        header->resizeSection(SecretTableModel::Actions, fit(tr("Generate"), SecretTableModel::Actions) + 12);
    }
    m_generateDelegate = new GenerateButtonDelegate(m_secretView);
    m_secretView->setItemDelegateForColumn(SecretTableModel::Actions, m_generateDelegate);
    secretsLayout->addWidget(m_secretView, 1);
    connect(
        m_secretFilter, &QLineEdit::textChanged, m_secretProxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_secretFilter, &QLineEdit::textChanged, m_secretHint, &EmptyViewHint::refresh);
    connect(m_addSecretButton, &QPushButton::clicked, this, &MainWindow::addSecret);
    connect(m_generateDelegate, &GenerateButtonDelegate::generateRequested, this,
        [this](const QModelIndex &index) {
            m_secretView->setCurrentIndex(index);
            generateLease();
        });
    connect(m_secretView, &QTreeView::customContextMenuRequested, this, &MainWindow::showSecretMenu);
    connect(m_secretView, &QTreeView::activated, this, [this](const QModelIndex &) { generateLease(); });

    // Leases.
    m_leasePanel = new LeasePanel(services, this);
    m_leasePanel->layout()->setContentsMargins(0, 0, 6, 6);
    connect(m_leasePanel, &LeasePanel::newLeaseRequested, this, &MainWindow::generateLease);
    connect(m_leasePanel, &LeasePanel::leasesChanged, this, [this] { m_countsTimer.start(); });
    connect(m_leasePanel, &LeasePanel::leaseRenewed, this,
        [this](const Lease &lease, const IssuedToken &issued, const QString &message) {
            if (const auto secret = m_services.engine->secret(lease.secretId))
                showToken(*secret, lease, issued, message);
        });

    m_mainSplitter = new QSplitter(Qt::Vertical, this);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(secretsBox);
    m_mainSplitter->addWidget(m_leasePanel);
    m_mainSplitter->setStretchFactor(0, 2);
    m_mainSplitter->setStretchFactor(1, 3);
    m_sideSplitter = new QSplitter(Qt::Horizontal, this);
    m_sideSplitter->setObjectName(QStringLiteral("sideSplitter"));
    m_sideSplitter->addWidget(side);
    m_sideSplitter->addWidget(m_mainSplitter);
    m_sideSplitter->setStretchFactor(1, 1);
    m_sideSplitter->setSizes({ 190, 1000 });
    if (services.reconnector) {
        // A team profile: the bar for a lost database above everything else.
        auto *central = new QWidget(this);
        auto *centralLayout = new QVBoxLayout(central);
        centralLayout->setContentsMargins(0, 0, 0, 0);
        centralLayout->setSpacing(0);
        m_databaseBanner = new DatabaseBanner(services.reconnector, central);
        centralLayout->addWidget(m_databaseBanner);
        centralLayout->addWidget(m_sideSplitter, 1);
        setCentralWidget(central);
        connect(
            services.reconnector, &DatabaseReconnector::reconnected, this, &MainWindow::reloadAfterReconnect);
    } else {
        setCentralWidget(m_sideSplitter);
    }

    m_clipboardStatus = new QLabel(this);
    m_clipboardStatus->setObjectName(QStringLiteral("clipboardStatus"));
    statusBar()->addPermanentWidget(m_clipboardStatus);
    connect(m_clipboard, &SecretClipboard::countdown, this, [this](int left) {
        m_clipboardStatus->setText(
            left > 0 ? tr("Token on the clipboard: cleared in %n second(s)", nullptr, left) : QString());
    });

    m_countsTimer.setSingleShot(true);
    m_countsTimer.setInterval(250);
    connect(&m_countsTimer, &QTimer::timeout, this, &MainWindow::refreshCounts);
    connect(services.leases, &LeaseService::leaseChanged, this, &MainWindow::onLeaseChanged);

    buildMenus();
    loadEnvironments();
    connect(m_environmentView->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex &) { reloadSecrets(); });
    restoreState();
    updateActions();
}

MainWindow::~MainWindow() = default;

TokenDialog *MainWindow::tokenDialog() const
{
    return m_tokenDialog;
}

KubeconfigDialog *MainWindow::kubeconfigDialog() const
{
    return m_kubeconfigDialog;
}

AuditDialog *MainWindow::auditDialog() const
{
    return m_auditDialog;
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    m_addSecretAction = file->addAction(tr("&Add Dynamic Secret..."), this, &MainWindow::addSecret);
    m_addSecretAction->setShortcut(QKeySequence::New);
    file->addAction(tr("New &Environment..."), this, &MainWindow::newEnvironment);
    m_renameEnvironmentAction
        = file->addAction(tr("&Rename Environment..."), this, &MainWindow::renameEnvironment);
    m_deleteEnvironmentAction
        = file->addAction(tr("&Delete Environment..."), this, &MainWindow::deleteEnvironment);
    // F2 and Delete in the list of environments, as in a file manager.
    auto *renameKey = new QAction(this);
    renameKey->setShortcut(QKeySequence(Qt::Key_F2));
    renameKey->setShortcutContext(Qt::WidgetShortcut);
    connect(renameKey, &QAction::triggered, this, &MainWindow::renameEnvironment);
    auto *deleteKey = new QAction(this);
    deleteKey->setShortcut(QKeySequence::Delete);
    deleteKey->setShortcutContext(Qt::WidgetShortcut);
    connect(deleteKey, &QAction::triggered, this, &MainWindow::deleteEnvironment);
    m_environmentView->addActions({ renameKey, deleteKey });
    m_environmentView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_environmentView, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu(this);
        menu.addAction(tr("New Environment..."), this, &MainWindow::newEnvironment);
        if (m_environmentView->indexAt(pos).isValid()) {
            menu.addAction(m_renameEnvironmentAction);
            menu.addAction(m_deleteEnvironmentAction);
        }
        menu.exec(m_environmentView->viewport()->mapToGlobal(pos));
    });
    QAction *openTeam = file->addAction(tr("Open &Team Profile..."), this, &MainWindow::openTeamProfile);
    openTeam->setObjectName(QStringLiteral("openTeamProfileAction"));
    openTeam->setStatusTip(tr("Open a profile kept in PostgreSQL that several administrators share"));
    openTeam->setEnabled(!m_services.dataDir.isEmpty());
    QAction *openLocal = file->addAction(tr("Open &Local Profile"), this, &MainWindow::openLocalProfile);
    openLocal->setObjectName(QStringLiteral("openLocalProfileAction"));
    openLocal->setStatusTip(tr("Go back to the profile kept on this computer"));
    openLocal->setEnabled(!m_services.dataDir.isEmpty() && !m_services.teamDatabaseUrl.isEmpty());
    file->addSeparator();
    file->addAction(tr("&Gateways..."), this, [this] {
        GatewaysDialog dialog(m_services.engine->gateways(), this);
        dialog.exec();
    });
    file->addAction(tr("Set Your Display &Name..."), this, &MainWindow::setDisplayName)
        ->setObjectName(QStringLiteral("setDisplayNameAction"));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &MainWindow::quit);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *secret = menuBar()->addMenu(tr("&Secret"));
    m_generateAction = secret->addAction(tr("&Generate..."), this, &MainWindow::generateLease);
    m_generateAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    m_editSecretAction = secret->addAction(tr("&Edit..."), this, &MainWindow::editSecret);
    m_editSecretAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_testConnectionAction = secret->addAction(tr("&Test Connection..."), this, [this] {
        if (SecretSetupDialog *dialog = editSecret())
            dialog->testConnection();
    });
    m_testConnectionAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    m_addToKubeconfigAction
        = secret->addAction(tr("Add to &Kubeconfig..."), this, &MainWindow::addToKubeconfig);
    m_addToKubeconfigAction->setObjectName(QStringLiteral("addToKubeconfigAction"));
    m_addToKubeconfigAction->setToolTip(tr("A kubectl context that gets its tokens from this secret"));
    secret->addSeparator();
    m_deleteSecretAction = secret->addAction(tr("&Delete..."), this, &MainWindow::deleteSecret);
    m_deleteSecretAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Delete));

    QMenu *lease = menuBar()->addMenu(tr("&Lease"));
    lease->addAction(tr("&New Lease..."), this, &MainWindow::generateLease);
    QAction *details = lease->addAction(tr("De&tails..."), m_leasePanel, [this] {
        const QStringList ids = m_leasePanel->selectedLeaseIds();
        if (ids.size() == 1)
            m_leasePanel->openDetails(ids.first());
    });
    details->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    QAction *retry = lease->addAction(tr("&Retry Cleanup"), m_leasePanel, &LeasePanel::retrySelected);
    retry->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    QAction *renew
        = lease->addAction(tr("Re&new..."), m_leasePanel, [this] { m_leasePanel->renewSelected(); });
    renew->setObjectName(QStringLiteral("renewAction"));
    renew->setToolTip(tr("A new token for the selected lease, and its expiry moved"));
    QAction *revoke
        = lease->addAction(tr("&Delete..."), m_leasePanel, [this] { m_leasePanel->deleteSelected(); });
    revoke->setToolTip(tr("Revoke the selected leases"));
    // As the panel's buttons: only for what is selected.
    const auto follow = [this, details, retry, renew, revoke] {
        details->setEnabled(m_leasePanel->selectedLeaseIds().size() == 1);
        retry->setEnabled(m_leasePanel->retryButton()->isEnabled());
        renew->setEnabled(m_leasePanel->canRenew());
        revoke->setEnabled(m_leasePanel->deleteButton()->isEnabled());
    };
    connect(m_leasePanel, &LeasePanel::actionsChanged, this, follow);
    follow();
    lease->addSeparator();
    QAction *reconcile = lease->addAction(tr("Re&concile Now"), this, &MainWindow::runReconcile);
    reconcile->setToolTip(tr("Finish or roll back unfinished leases and clean up expired ones now"));

    QMenu *view = menuBar()->addMenu(tr("&View"));
    m_auditAction = view->addAction(tr("&Audit Log..."), this, &MainWindow::openAuditLog);
    m_auditAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    view->addSeparator();
    QAction *find = view->addAction(tr("&Filter Secrets"), this, [this] {
        m_secretFilter->setFocus();
        m_secretFilter->selectAll();
    });
    find->setShortcut(QKeySequence::Find);
    QAction *findLeases = view->addAction(tr("Filter &Leases"), this, [this] {
        m_leasePanel->filterEdit()->setFocus();
        m_leasePanel->filterEdit()->selectAll();
    });
    findLeases->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    QAction *goEnv
        = view->addAction(tr("Go to &Environments"), this, [this] { m_environmentView->setFocus(); });
    goEnv->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    QAction *goSecrets = view->addAction(tr("Go to &Secrets"), this, [this] { m_secretView->setFocus(); });
    goSecrets->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    QAction *goLeases
        = view->addAction(tr("Go to Lea&ses"), this, [this] { m_leasePanel->view()->setFocus(); });
    goLeases->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Hanzo KMS"), this, [this] {
        auto *box = new QMessageBox(QMessageBox::Information, tr("About Hanzo KMS"),
            tr("%1\n\nDynamic secrets and short-lived Kubernetes service account tokens, leased and audited.")
                .arg(BuildInfo::versionLine(QStringLiteral("hanzo-kms"))),
            QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
}

void MainWindow::loadEnvironments()
{
    m_environmentModel->setEnvironments(m_services.engine->environments());
}

void MainWindow::selectEnvironment(qint64 environmentId)
{
    const int row = m_environmentModel->rowOf(environmentId);
    if (row >= 0)
        m_environmentView->setCurrentIndex(m_environmentModel->index(row));
}

qint64 MainWindow::currentEnvironmentId() const
{
    const QModelIndex index = m_environmentView->currentIndex();
    return index.isValid() ? index.data(EnvironmentListModel::EnvironmentIdRole).toLongLong() : 0;
}

void MainWindow::reloadSecrets()
{
    const qint64 env = currentEnvironmentId();
    const std::optional<DynamicSecret> selected = currentSecret();
    m_secretModel->setSecrets(env ? m_services.engine->secrets(env) : QList<DynamicSecret> {},
        env ? m_services.engine->activeLeaseCounts(env) : QHash<qint64, int> {});
    const QString envName = m_environmentView->currentIndex().data().toString();
    m_secretTitle->setText(
        envName.isEmpty() ? tr("Dynamic Secrets") : tr("Dynamic Secrets in %1").arg(envName));
    m_secretHint->refresh();
    if (selected && selected->environmentId == env)
        selectSecret(selected->id);
    else if (m_secretProxy->rowCount() > 0)
        m_secretView->setCurrentIndex(m_secretProxy->index(0, 0));
    onSecretSelectionChanged();
}

void MainWindow::selectSecret(qint64 secretId)
{
    const int row = m_secretModel->rowOf(secretId);
    if (row < 0) {
        const auto secret = m_services.engine->secret(secretId);
        if (!secret || secret->environmentId == currentEnvironmentId())
            return;
        selectEnvironment(secret->environmentId); // reloads, then selects below
        if (m_secretModel->rowOf(secretId) < 0)
            return;
        selectSecret(secretId);
        return;
    }
    const QModelIndex index = m_secretProxy->mapFromSource(m_secretModel->index(row, 0));
    if (index.isValid())
        m_secretView->setCurrentIndex(index);
    onSecretSelectionChanged();
}

std::optional<DynamicSecret> MainWindow::currentSecret() const
{
    const QModelIndex index = m_secretView->currentIndex();
    if (!index.isValid())
        return std::nullopt;
    const int row = m_secretProxy->mapToSource(index).row();
    if (row < 0 || row >= m_secretModel->rowCount())
        return std::nullopt;
    return m_secretModel->secretAt(row);
}

void MainWindow::onSecretSelectionChanged()
{
    m_leasePanel->setSecret(currentSecret());
    updateActions();
}

void MainWindow::updateActions()
{
    const bool haveEnv = currentEnvironmentId() != 0;
    const bool haveSecret = currentSecret().has_value();
    m_addSecretAction->setEnabled(haveEnv);
    m_renameEnvironmentAction->setEnabled(haveEnv);
    m_deleteEnvironmentAction->setEnabled(haveEnv);
    m_addSecretButton->setEnabled(haveEnv);
    m_generateAction->setEnabled(haveSecret);
    m_editSecretAction->setEnabled(haveSecret);
    m_deleteSecretAction->setEnabled(haveSecret);
    m_testConnectionAction->setEnabled(haveSecret);
    m_addToKubeconfigAction->setEnabled(haveSecret);
}

void MainWindow::showSecretMenu(const QPoint &pos)
{
    const QModelIndex index = m_secretView->indexAt(pos);
    if (index.isValid())
        m_secretView->setCurrentIndex(index);
    QMenu menu(this);
    menu.addAction(m_generateAction);
    menu.addAction(m_editSecretAction);
    menu.addAction(m_testConnectionAction);
    menu.addAction(m_addToKubeconfigAction);
    menu.addSeparator();
    menu.addAction(m_deleteSecretAction);
    menu.addSeparator();
    menu.addAction(m_addSecretAction);
    menu.exec(m_secretView->viewport()->mapToGlobal(pos));
}

SecretSetupDialog *MainWindow::addSecret()
{
    const qint64 env = currentEnvironmentId();
    if (!env)
        return nullptr;
    if (refuseWhileUnreachable(tr("Secret Not Added")))
        return nullptr;
    auto *dialog = new SecretSetupDialog(m_services, env, std::nullopt, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SecretSetupDialog::saved, this, [this](const DynamicSecret &secret) {
        reloadSecrets();
        selectSecret(secret.id);
        statusBar()->showMessage(tr("Dynamic secret %1 created.").arg(secret.name), 5000);
    });
    dialog->open();
    return dialog;
}

SecretSetupDialog *MainWindow::editSecret()
{
    const auto secret = currentSecret();
    if (!secret)
        return nullptr;
    if (refuseWhileUnreachable(tr("Secret Not Changed")))
        return nullptr;
    auto *dialog = new SecretSetupDialog(m_services, secret->environmentId, secret, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SecretSetupDialog::saved, this, [this](const DynamicSecret &saved) {
        reloadSecrets();
        selectSecret(saved.id);
        statusBar()->showMessage(tr("Dynamic secret %1 saved.").arg(saved.name), 5000);
    });
    dialog->open();
    return dialog;
}

void MainWindow::deleteSecret()
{
    const auto secret = currentSecret();
    if (!secret)
        return;
    if (refuseWhileUnreachable(tr("Secret Not Deleted")))
        return;
    const int open = m_services.engine->openLeaseCount(secret->id);
    const QString text = open > 0
        ? tr(
            "It has %n open lease(s). They will be revoked first: dynamic and bound tokens will stop working "
            "within seconds; an unbound static token stays valid until it expires.",
            nullptr, open)
        : tr("Its lease history will be deleted with it; the audit log keeps every event.");
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete Dynamic Secret %1?").arg(secret->name), text,
        QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("confirmDeleteSecret"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *yes = box->addButton(
        open > 0 ? tr("Revoke Leases and Delete") : tr("Delete Secret"), QMessageBox::DestructiveRole);
    yes->setObjectName(QStringLiteral("confirmDeleteSecretButton"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    const qint64 id = secret->id;
    const QString name = secret->name;
    connect(box, &QMessageBox::buttonClicked, this, [this, yes, id, name](QAbstractButton *button) {
        if (button != yes)
            return;
        statusBar()->showMessage(tr("Deleting %1...").arg(name));
        // SecretCatalog revokes the open leases first and keeps the secret if one cannot be revoked.
        QCoro::connect(m_services.catalog->remove(id), this, [this, name](const SecretRemoval &removal) {
            reloadSecrets();
            if (removal.ok()) {
                qsizetype valid = 0;
                for (const SecretLeaseReport &lease : removal.leases)
                    valid += lease.tokenStaysValid ? 1 : 0;
                statusBar()->showMessage(valid > 0
                        ? tr("Dynamic secret %1 deleted; %n unbound token(s) stay valid until they expire.",
                            nullptr, int(valid))
                              .arg(name)
                        : tr("Dynamic secret %1 deleted.").arg(name),
                    5000);
                return;
            }
            statusBar()->clearMessage();
            auto *failed = removal.deleted
                ? new QMessageBox(QMessageBox::Warning, tr("Cluster Token Left in Keychain"), removal.error,
                    QMessageBox::Ok, this)
                : new QMessageBox(QMessageBox::Critical, tr("Secret Not Deleted"),
                    removal.failure == SecretRemoval::Failure::LeaseNotRevoked
                        ? tr("%1 Try again when the cluster can be reached.").arg(removal.error)
                        : removal.error,
                    QMessageBox::Ok, this);
            failed->setObjectName(QStringLiteral("secretNotDeleted"));
            failed->setAttribute(Qt::WA_DeleteOnClose);
            failed->open();
        });
    });
    box->open();
}

bool MainWindow::refuseWhileUnreachable(const QString &title)
{
    if (!m_services.reconnector || m_services.reconnector->isConnected())
        return false;
    auto *box = new QMessageBox(QMessageBox::Warning, title,
        tr("%1 Nothing was changed; try again when the banner is gone.")
            .arg(m_services.reconnector->problem()),
        QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("databaseUnreachable"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    return true;
}

TeamProfileDialog *MainWindow::openTeamProfile()
{
    auto *dialog = new TeamProfileDialog(m_services.dataDir, m_services.teamDatabaseUrl, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { closeForProfileSwitch(dialog->chosenUrl()); });
    dialog->open();
    return dialog;
}

void MainWindow::openLocalProfile()
{
    if (m_services.teamDatabaseUrl.isEmpty())
        return;
    QString error;
    if (!rememberTeamProfile(m_services.dataDir, QString(), &error)) {
        QMessageBox::warning(this, tr("Local Profile Not Opened"), error);
        return;
    }
    closeForProfileSwitch(QString());
}

void MainWindow::closeForProfileSwitch(const QString &databaseUrl)
{
    // Leases stay as they are: the profile they belong to is the one left, and its reconcile sees to them.
    m_quitConfirmed = true;
    m_quitting = true;
    emit profileSwitchRequested(databaseUrl);
    close();
}

void MainWindow::reloadAfterReconnect()
{
    const qint64 env = currentEnvironmentId();
    loadEnvironments();
    if (env)
        selectEnvironment(env);
    reloadSecrets();
    m_leasePanel->reload();
    refreshCounts();
    statusBar()->showMessage(tr("Connected to the team profile's database again."), 10000);
    emit reloadedAfterReconnect();
}

NewLeaseDialog *MainWindow::generateLease()
{
    const auto secret = currentSecret();
    if (!secret)
        return nullptr;
    if (refuseWhileUnreachable(tr("Lease Not Created")))
        return nullptr;
    auto *dialog = new NewLeaseDialog(m_services, *secret, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const DynamicSecret s = *secret;
    connect(dialog, &NewLeaseDialog::leaseCreated, this,
        [this, s](const Lease &lease, const IssuedToken &issued) { showToken(s, lease, issued); });
    connect(dialog, &NewLeaseDialog::cancelRequested, this, [this, s] {
        statusBar()->showMessage(s.credentialType == CredentialType::Static && !s.boundTokens
                ? tr("The cancelled lease of %1 is still being provisioned. Kubernetes cannot revoke its "
                     "token, "
                     "so it is shown when it is ready.")
                      .arg(s.name)
                : tr("The cancelled lease of %1 is still being provisioned; it is revoked as soon as it is "
                     "ready.")
                      .arg(s.name));
    });
    connect(dialog, &NewLeaseDialog::cancelledLeaseFinished, this,
        [this, s](const LeaseCreation &result) { finishCancelledLease(s, result); });
    dialog->open();
    return dialog;
}

void MainWindow::finishCancelledLease(const DynamicSecret &secret, const LeaseCreation &result)
{
    if (!result.ok() || !result.lease) {
        statusBar()->showMessage(
            tr("The cancelled lease of %1 was not created: %2").arg(secret.name, result.error), 15000);
        return;
    }
    const Lease lease = *result.lease;
    if (lease.kind == LeaseKind::Static) {
        // Nothing can revoke it: the token goes to the one who asked for it.
        const QDateTime expires
            = result.issued->expiresAt.isValid() ? result.issued->expiresAt : lease.expiresAt;
        statusBar()->clearMessage();
        showToken(secret, lease, *result.issued,
            tr("You cancelled this lease while it was being provisioned, but Kubernetes cannot revoke an "
               "unbound "
               "static token: it stays valid until %1, so here it is.")
                .arg(TimeText::absolute(expires)));
        return;
    }
    statusBar()->showMessage(
        tr("Revoking lease %1, cancelled while it was being provisioned...").arg(lease.id));
    QCoro::connect(m_services.leases->revoke(lease.id), this, [this, lease](const RevokeOutcome &outcome) {
        if (outcome.ok) {
            statusBar()->showMessage(tr("Lease %1 was cancelled while it was being provisioned; its token "
                                        "was revoked without being "
                                        "shown.")
                                         .arg(lease.id),
                15000);
            return;
        }
        statusBar()->clearMessage();
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Cancelled Lease Not Revoked"),
            tr("Lease %1 was cancelled while it was being provisioned, and revoking it failed: %2 Its "
               "cleanup is "
               "retried; until then its token works, although it was shown to no one.")
                .arg(lease.id, outcome.message),
            QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("cancelledLeaseNotRevoked"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
}

void MainWindow::showToken(
    const DynamicSecret &secret, const Lease &lease, const IssuedToken &issued, const QString &note)
{
    selectSecret(secret.id);
    m_leasePanel->refreshLease(lease.id);
    m_leasePanel->selectLease(lease.id);
    m_countsTimer.start();
    // A token of an earlier lease still on the clipboard would be pasted for this one.
    m_clipboard->clearNow();
    auto *dialog = new TokenDialog(m_services, secret, lease, issued, m_clipboard, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setNote(note);
    m_tokenDialog = dialog;
    dialog->open();
    emit tokenShown();
}

void MainWindow::renewLease(const QString &leaseId)
{
    showNormal();
    raise();
    activateWindow();
    const auto lease = m_services.engine->lease(leaseId);
    if (!lease || lease->state != LeaseState::Active || lease->expiresAt <= m_services.clock->now()) {
        statusBar()->showMessage(
            tr("Lease %1 is no longer active, so it cannot be renewed; issue a new lease instead.")
                .arg(leaseId),
            10000);
        return;
    }
    selectSecret(lease->secretId);
    m_leasePanel->selectLease(leaseId);
    m_leasePanel->renewSelected();
}

KubeconfigDialog *MainWindow::addToKubeconfig()
{
    const auto secret = currentSecret();
    if (!secret)
        return nullptr;
    auto *dialog = new KubeconfigDialog(m_services, *secret, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_kubeconfigDialog = dialog;
    dialog->open();
    return dialog;
}

AuditDialog *MainWindow::openAuditLog()
{
    if (m_auditDialog) {
        m_auditDialog->reload();
        m_auditDialog->raise();
        m_auditDialog->activateWindow();
        return m_auditDialog;
    }
    auto *dialog = new AuditDialog(m_services, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (const auto secret = currentSecret())
        dialog->setSecretFilter(secret->name);
    m_auditDialog = dialog;
    dialog->show();
    return dialog;
}

namespace {
// An environment's name dialog wide enough for its title in the frame and a
// long name. The dialog's layout sets its own minimum size from its
// children's, so the text field is the one widened.
void widenInput(QInputDialog *input)
{
    input->setTextValue(input->textValue()); // creates the line edit
    if (auto *edit = input->findChild<QLineEdit *>())
        edit->setMinimumWidth(std::max(320, edit->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 44));
}
} // namespace

void MainWindow::newEnvironment()
{
    auto *input = new QInputDialog(this);
    input->setAttribute(Qt::WA_DeleteOnClose);
    input->setWindowTitle(tr("New Environment"));
    input->setLabelText(tr("Environment name:"));
    input->setObjectName(QStringLiteral("newEnvironmentDialog"));
    widenInput(input);
    connect(input, &QInputDialog::textValueSelected, this, [this](const QString &text) {
        QString error;
        const std::optional<Environment> env
            = text.trimmed().isEmpty() ? std::nullopt : m_services.engine->addEnvironment(text, &error);
        if (!env) {
            auto *box = new QMessageBox(QMessageBox::Warning, tr("Environment Not Added"),
                text.trimmed().isEmpty() ? tr("Enter a name for the environment.") : error, QMessageBox::Ok,
                this);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
            return;
        }
        loadEnvironments();
        selectEnvironment(env->id);
    });
    input->open();
}

void MainWindow::renameEnvironment()
{
    const qint64 id = currentEnvironmentId();
    const std::optional<Environment> env = id ? m_services.engine->environment(id) : std::nullopt;
    if (!env)
        return;
    auto *input = new QInputDialog(this);
    input->setAttribute(Qt::WA_DeleteOnClose);
    input->setWindowTitle(tr("Rename Environment"));
    input->setLabelText(tr("New name of environment %1:").arg(env->name));
    input->setTextValue(env->name);
    input->setObjectName(QStringLiteral("renameEnvironmentDialog"));
    widenInput(input);
    connect(input, &QInputDialog::textValueSelected, this, [this, env = *env](const QString &text) {
        QString error;
        if (text.trimmed() == env.name)
            return;
        if (!m_services.engine->renameEnvironment(env, text, &error)) {
            auto *box = new QMessageBox(
                QMessageBox::Warning, tr("Environment Not Renamed"), error, QMessageBox::Ok, this);
            box->setObjectName(QStringLiteral("environmentNotRenamed"));
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
            return;
        }
        loadEnvironments();
        selectEnvironment(env.id);
    });
    input->open();
}

void MainWindow::setDisplayName()
{
    const QString actor = AuditEvent::currentActor();
    const QString current = m_services.engine->displayName();
    auto *input = new QInputDialog(this);
    input->setAttribute(Qt::WA_DeleteOnClose);
    input->setWindowTitle(tr("Set Your Display Name"));
    input->setLabelText(tr("The name others see next to %1 in this profile, on the leases you create or "
                           "close and in the audit log:")
                            .arg(actor));
    input->setTextValue(current);
    input->setObjectName(QStringLiteral("displayNameDialog"));
    widenInput(input);
    if (auto *edit = input->findChild<QLineEdit *>())
        edit->setPlaceholderText(tr("e.g. Alice Doe"));
    connect(input, &QInputDialog::textValueSelected, this, [this, current](const QString &text) {
        QString error;
        // Compare-and-set on the name the dialog showed: a name set meanwhile elsewhere is not overwritten.
        if (!m_services.engine->setDisplayName(text, current, &error)) {
            auto *box = new QMessageBox(
                QMessageBox::Warning, tr("Display Name Not Set"), error, QMessageBox::Ok, this);
            box->setObjectName(QStringLiteral("displayNameNotSet"));
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
            return;
        }
        m_leasePanel->reloadPeople();
        if (m_auditDialog)
            m_auditDialog->reload();
    });
    input->open();
}

void MainWindow::deleteEnvironment()
{
    const qint64 id = currentEnvironmentId();
    const std::optional<Environment> env = id ? m_services.engine->environment(id) : std::nullopt;
    if (!env)
        return;
    const int secrets = int(m_services.engine->secrets(env->id).size());
    if (secrets > 0) {
        auto *box = new QMessageBox(QMessageBox::Information, tr("Environment Not Deleted"),
            tr("Environment %1 holds %n dynamic secret(s); delete them first.", nullptr, secrets)
                .arg(env->name),
            QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("environmentNotDeleted"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Question, tr("Delete Environment"),
        tr("Delete environment %1? It holds no dynamic secrets.").arg(env->name), QMessageBox::NoButton,
        this);
    box->setObjectName(QStringLiteral("confirmDeleteEnvironment"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *remove = box->addButton(tr("Delete"), QMessageBox::DestructiveRole);
    remove->setObjectName(QStringLiteral("deleteButton"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(remove, &QPushButton::clicked, this, [this, env = *env] {
        QString error;
        if (!m_services.engine->removeEnvironment(env, &error)) {
            auto *failed = new QMessageBox(
                QMessageBox::Warning, tr("Environment Not Deleted"), error, QMessageBox::Ok, this);
            failed->setObjectName(QStringLiteral("environmentNotDeleted"));
            failed->setAttribute(Qt::WA_DeleteOnClose);
            failed->open();
            return;
        }
        loadEnvironments();
        if (m_environmentModel->rowCount() > 0)
            m_environmentView->setCurrentIndex(m_environmentModel->index(0, 0));
        reloadSecrets();
    });
    box->open();
}

void MainWindow::onLeaseChanged(const QString &leaseId)
{
    m_leasePanel->refreshLease(leaseId);
    m_countsTimer.start();
}

void MainWindow::refreshCounts()
{
    if (const qint64 env = currentEnvironmentId())
        m_secretModel->setActiveLeaseCounts(m_services.engine->activeLeaseCounts(env));
}

void MainWindow::runReconcile()
{
    statusBar()->showMessage(tr("Checking leases left unfinished and expired..."));
    QCoro::connect(m_services.leases->reconcile(), this, [this](const ReconcileReport &report) {
        QString text;
        if (!report.ok())
            text = tr(
                "Reconcile: %n cleanup(s) failed and will be retried. %1", nullptr, int(report.errors.size()))
                       .arg(report.errors.first());
        else if (report.rolledBack + report.cleanedUp + report.orphansDeleted > 0)
            text = tr("Reconciled: %1, %2, %3.")
                       .arg(tr("%n unfinished lease(s) rolled back", nullptr, report.rolledBack),
                           tr("%n cleaned up", nullptr, report.cleanedUp),
                           tr("%n orphaned object(s) deleted", nullptr, report.orphansDeleted));
        if (text.isEmpty())
            text = tr("Reconciled at %1: nothing was left unfinished or expired.")
                       .arg(QLocale().toString(
                           m_services.clock->now().toLocalTime().time(), QLocale::ShortFormat));
        if (!report.warnings.isEmpty())
            text += QLatin1Char(' ') + report.warnings.join(QLatin1Char(' '));
        statusBar()->showMessage(text, 30000);
        m_leasePanel->reload();
        refreshCounts();
        emit reconcileFinished();
    });
}

void MainWindow::restoreState()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("MainWindow"));
    if (!restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray()))
        resize(1280, 800);
    QMainWindow::restoreState(settings.value(QStringLiteral("state")).toByteArray());
    m_sideSplitter->restoreState(settings.value(QStringLiteral("sideSplitter")).toByteArray());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("mainSplitter")).toByteArray());
    m_secretView->header()->restoreState(settings.value(QStringLiteral("secretHeader")).toByteArray());
    m_leasePanel->view()->header()->restoreState(settings.value(QStringLiteral("leaseHeader")).toByteArray());
    const qint64 env = settings.value(QStringLiteral("environment")).toLongLong();
    const qint64 secret = settings.value(QStringLiteral("secret")).toLongLong();
    settings.endGroup();
    if (m_environmentModel->rowOf(env) >= 0)
        selectEnvironment(env);
    else if (m_environmentModel->rowCount() > 0)
        m_environmentView->setCurrentIndex(m_environmentModel->index(0));
    if (secret)
        selectSecret(secret);
    connect(m_secretView->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex &) { onSecretSelectionChanged(); });
}

void MainWindow::saveState()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("MainWindow"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), QMainWindow::saveState());
    settings.setValue(QStringLiteral("sideSplitter"), m_sideSplitter->saveState());
    settings.setValue(QStringLiteral("mainSplitter"), m_mainSplitter->saveState());
    settings.setValue(QStringLiteral("secretHeader"), m_secretView->header()->saveState());
    settings.setValue(QStringLiteral("leaseHeader"), m_leasePanel->view()->header()->saveState());
    settings.setValue(QStringLiteral("environment"), currentEnvironmentId());
    const auto secret = currentSecret();
    settings.setValue(QStringLiteral("secret"), secret ? secret->id : qint64(0));
    settings.endGroup();
}

void MainWindow::quit()
{
    m_quitting = true;
    show();
    if (!close())
        m_quitting = false; // the user kept it running
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_quitting && m_tray->keepRunningWhenClosed()) {
        saveState();
        hide();
        event->ignore();
        m_tray->notifyStillRunning();
        return;
    }
    int active = 0;
    for (const int n : m_services.engine->activeLeaseCounts(0))
        active += n;
    if (active > 0 && !m_quitConfirmed) {
        event->ignore();
        for (QMessageBox *asking : findChildren<QMessageBox *>(QStringLiteral("confirmQuit"))) {
            if (asking->isVisible())
                return; // already asking
        }
        auto *box
            = new QMessageBox(QMessageBox::Question, tr("Quit with %n Active Lease(s)?", nullptr, active),
                tr("Their tokens keep working until they expire. Expired leases are cleaned up the next time "
                   "Hanzo KMS starts, or by a gateway's reaper; Delete... revokes a lease now."),
                QMessageBox::NoButton, this);
        box->setObjectName(QStringLiteral("confirmQuit"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        QPushButton *quit = box->addButton(tr("Quit"), QMessageBox::AcceptRole);
        quit->setObjectName(QStringLiteral("quitButton"));
        QPushButton *keep = box->addButton(tr("Keep Running"), QMessageBox::RejectRole);
        keep->setObjectName(QStringLiteral("keepRunningButton"));
        box->setDefaultButton(keep);
        box->setEscapeButton(keep);
        connect(box, &QMessageBox::buttonClicked, this, [this, quit](QAbstractButton *button) {
            if (button != quit)
                return;
            m_quitConfirmed = true;
            m_quitting = true;
            close();
        });
        box->open();
        return;
    }
    saveState();
    m_clipboard->clearNow();
    QMainWindow::closeEvent(event);
}

} // namespace kms::ui
