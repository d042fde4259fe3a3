#include "SecretSetupDialog.h"

#include "ProviderPicker.h"
#include "UiColors.h"
#include "gateway/GatewayRegistry.h"
#include "kube/Kubeconfig.h"
#include "leases/Engine.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"
#include "provider/ClusterConnection.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QCoro/QCoroTask>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QGridLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace kms::ui {

namespace {

const QString FName = QStringLiteral("name");
const QString FDefaultTtl = QStringLiteral("defaultTtl");
const QString FMaxTtl = QStringLiteral("maxTtl");
const QString FGateway = QStringLiteral("gateway");
const QString FClusterUrl = QStringLiteral("clusterUrl");
const QString FSslVerify = QStringLiteral("sslVerify");
const QString FCa = QStringLiteral("caCertificate");
const QString FAuthMethod = QStringLiteral("authMethod");
const QString FClusterToken = QStringLiteral("clusterToken");
const QString FCredentialType = QStringLiteral("credentialType");
const QString FServiceAccount = QStringLiteral("serviceAccount");
const QString FNamespace = QStringLiteral("namespace");
const QString FAllowedNamespaces = QStringLiteral("allowedNamespaces");
const QString FRoleType = QStringLiteral("roleType");
const QString FRole = QStringLiteral("role");
const QString FAudiences = QStringLiteral("audiences");
const QString FClusterWide = QStringLiteral("clusterWide");
const QString FBoundTokens = QStringLiteral("boundTokens");

} // namespace

SecretSetupDialog::SecretSetupDialog(const AppServices &services, qint64 environmentId,
    const std::optional<DynamicSecret> &existing, QWidget *parent)
    : QDialog(parent)
    , m_services(services)
    , m_environmentId(existing ? existing->environmentId : environmentId)
    , m_existing(existing)
{
    setObjectName(QStringLiteral("secretSetupDialog"));
    setWindowTitle(existing ? tr("Edit Dynamic Secret") : tr("Add Dynamic Secret"));
    setAccessibleName(windowTitle());
    auto *layout = new QVBoxLayout(this);
    m_pages = new QStackedWidget(this);
    layout->addWidget(m_pages);

    m_picker = new ProviderPicker(this);
    m_pages->addWidget(m_picker);
    connect(m_picker, &ProviderPicker::providerChosen, this, &SecretSetupDialog::showForm);

    buildForm();

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("setupStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();
    layout->addWidget(m_status);

    m_buttons = new QDialogButtonBox(this);
    m_importButton = m_buttons->addButton(tr("Import from Kubeconfig..."), QDialogButtonBox::ActionRole);
    m_importButton->setObjectName(QStringLiteral("importKubeconfigButton"));
    m_importButton->setAccessibleName(tr("Import from kubeconfig"));
    m_importButton->setToolTip(
        tr("Fill the cluster URL, CA certificate and cluster token from a kubeconfig context"));
    m_testButton = m_buttons->addButton(tr("Test Connection"), QDialogButtonBox::ActionRole);
    m_testButton->setObjectName(QStringLiteral("testConnectionButton"));
    m_testButton->setAccessibleName(tr("Test connection"));
    m_testButton->setToolTip(
        tr("Ask the cluster, without changing anything, whether these credentials can issue tokens"));
    m_saveButton
        = m_buttons->addButton(existing ? tr("Save") : tr("Create Secret"), QDialogButtonBox::AcceptRole);
    m_saveButton->setObjectName(QStringLiteral("saveButton"));
    m_saveButton->setAccessibleName(m_saveButton->text());
    auto *cancel = m_buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setAccessibleName(tr("Cancel"));
    layout->addWidget(m_buttons);
    connect(m_importButton, &QPushButton::clicked, this, &SecretSetupDialog::chooseKubeconfig);
    connect(m_testButton, &QPushButton::clicked, this, &SecretSetupDialog::testConnection);
    connect(m_saveButton, &QPushButton::clicked, this, &SecretSetupDialog::save);
    connect(cancel, &QPushButton::clicked, this, &QDialog::reject);

    if (existing) {
        const DynamicSecret &s = *existing;
        m_name->setText(s.name);
        m_defaultTtl->setText(s.defaultTtl.toString());
        m_maxTtl->setText(s.maxTtl.toString());
        m_gateway->setCurrentText(s.gateway);
        m_clusterUrl->setText(s.clusterUrl);
        m_sslVerify->setChecked(s.sslVerify);
        m_ca->setPlainText(s.caCertificate);
        m_authMethod->setCurrentIndex(s.authMethod == AuthMethod::Token ? 0 : 1);
        m_credentialType->setCurrentIndex(s.credentialType == CredentialType::Static ? 0 : 1);
        m_serviceAccount->setText(s.serviceAccount);
        m_namespace->setText(s.namespaceName);
        m_allowedNamespaces->setText(s.allowedNamespaces.join(QStringLiteral(",")));
        m_roleType->setCurrentIndex(s.roleType == RoleType::ClusterRole ? 0 : 1);
        m_role->setText(s.roleName);
        for (const QString &a : s.audiences)
            m_audiences->addItem(a);
        m_clusterWide->setChecked(s.clusterWide);
        m_boundTokens->setChecked(s.boundTokens);
        if (s.authMethod == AuthMethod::Token)
            m_clusterToken->setPlaceholderText(tr("Stored in the keychain; type a new token to replace it"));
        showForm();
    } else {
        m_pages->setCurrentWidget(m_picker);
        m_buttons->hide();
        resize(520, 260);
    }
    updateVisibility();
    revalidate();
}

SecretSetupDialog::~SecretSetupDialog()
{
    // Children emit changes while they are destroyed (the gateway box's text);
    // the form must not react to them any more.
    for (QObject *child : findChildren<QObject *>())
        child->disconnect(this);
}

QWidget *SecretSetupDialog::addField(
    const QString &field, const QString &label, QWidget *editor, const QString &help)
{
    auto *cell = new QWidget(this);
    auto *v = new QVBoxLayout(cell);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    v->addWidget(editor);
    auto *error = new QLabel(cell);
    error->setObjectName(QStringLiteral("error_%1").arg(field));
    error->setWordWrap(true);
    QPalette pal = error->palette();
    pal.setColor(QPalette::WindowText, UiColors::error());
    error->setPalette(pal);
    error->hide();
    v->addWidget(error);
    editor->setObjectName(QStringLiteral("field_%1").arg(field));
    editor->setToolTip(help);
    editor->setAccessibleName(label);
    editor->setAccessibleDescription(help);
    auto *labelWidget = new QLabel(label, this);
    labelWidget->setBuddy(editor);
    const int row = m_form->rowCount();
    m_form->addWidget(labelWidget, row, 0, Qt::AlignLeft | Qt::AlignTop);
    m_form->addWidget(cell, row, 1);
    m_labels.insert(field, labelWidget);
    m_editors.insert(field, editor);
    m_rows.insert(field, cell);
    m_errorLabels.insert(field, error);
    return cell;
}

void SecretSetupDialog::buildForm()
{
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *page = new QWidget(scroll);
    auto *pageLayout = new QVBoxLayout(page);
    m_form = new QGridLayout;
    m_form->setColumnStretch(1, 1);
    m_form->setVerticalSpacing(6);
    pageLayout->addLayout(m_form);

    m_name = new QLineEdit(page);
    m_name->setPlaceholderText(tr("e.g. dev-cluster-access"));
    addField(FName, tr("Secret &name"), m_name, tr("Name by which you want the secret to be referenced"));

    m_defaultTtl = new QLineEdit(QStringLiteral("1h"), page);
    m_defaultTtl->setPlaceholderText(tr("e.g. 1h, 30m, 1h30m"));
    addField(FDefaultTtl, tr("&Default TTL"), m_defaultTtl,
        tr("Default time-to-live for a generated secret (it is possible to modify this value after a secret "
           "is generated)"));

    m_maxTtl = new QLineEdit(QStringLiteral("24h"), page);
    m_maxTtl->setPlaceholderText(tr("e.g. 24h"));
    addField(FMaxTtl, tr("&Max TTL"), m_maxTtl, tr("Maximum time-to-live for a generated secret"));

    m_gateway = new QComboBox(page);
    m_gateway->setEditable(true);
    m_gateway->lineEdit()->setPlaceholderText(tr("Name of a registered gateway"));
    if (m_services.engine)
        m_gateway->addItems(m_services.engine->gateways().names());
    addField(FGateway, tr("&Gateway"), m_gateway,
        tr("Select a gateway for private cluster access. Gateways are registered under File > Gateways... "
           "or with hanzo-kmsctl gateway add."));

    m_clusterUrl = new QLineEdit(page);
    m_clusterUrl->setPlaceholderText(QStringLiteral("https://kubernetes.example.com:6443"));
    addField(FClusterUrl, tr("Cluster &URL"), m_clusterUrl,
        tr("Kubernetes API server URL (e.g., https://kubernetes.default.svc). Not required when using "
           "Gateway "
           "authentication as the Gateway will use its internal cluster URL."));

    m_sslVerify = new QCheckBox(tr("Verify the API server's certificate"), page);
    m_sslVerify->setChecked(true);
    addField(FSslVerify, tr("SSL verification"), m_sslVerify,
        tr("Whether to enable SSL verification for the Kubernetes API server connection."));

    m_ca = new QPlainTextEdit(page);
    m_ca->setPlaceholderText(QStringLiteral("-----BEGIN CERTIFICATE-----"));
    m_ca->setTabChangesFocus(true);
    m_ca->setFixedHeight(72);
    addField(FCa, tr("C&A certificate"), m_ca,
        tr("Custom CA certificate for the Kubernetes API server. Leave blank to use the system/public CA."));

    m_authMethod = new QComboBox(page);
    m_authMethod->addItem(DynamicSecret::displayName(AuthMethod::Token));
    m_authMethod->addItem(DynamicSecret::displayName(AuthMethod::Gateway));
    addField(FAuthMethod, tr("Auth me&thod"), m_authMethod,
        tr("Choose between Token (API) or Gateway authentication. If using Gateway, the Gateway must be "
           "deployed in "
           "your Kubernetes cluster."));

    m_clusterToken = new QLineEdit(page);
    m_clusterToken->setEchoMode(QLineEdit::Password);
    m_clusterToken->setPlaceholderText(tr("Stored only in the system keychain"));
    addField(FClusterToken, tr("Cluster to&ken"), m_clusterToken,
        tr("Token with permissions to create service accounts and manage RBAC (required when using Token "
           "authentication)"));

    m_credentialType = new QComboBox(page);
    m_credentialType->addItem(DynamicSecret::displayName(CredentialType::Static));
    m_credentialType->addItem(DynamicSecret::displayName(CredentialType::Dynamic));
    addField(FCredentialType, tr("C&redential type"), m_credentialType,
        tr("Choose between Static (predefined service account) or Dynamic (temporary service accounts with "
           "role "
           "assignments)"));

    m_serviceAccount = new QLineEdit(page);
    addField(FServiceAccount, tr("&Service account name"), m_serviceAccount,
        tr("Name of the service account to generate tokens for"));

    m_namespace = new QLineEdit(page);
    addField(FNamespace, tr("Namespa&ce"), m_namespace,
        tr("Kubernetes namespace where the service account exists"));

    m_allowedNamespaces = new QLineEdit(page);
    m_allowedNamespaces->setPlaceholderText(QStringLiteral("default,kube-system"));
    addField(FAllowedNamespaces, tr("Allowed namespa&ces"), m_allowedNamespaces,
        tr("Kubernetes namespace(s) where the service accounts will be created. You can specify multiple "
           "namespaces "
           "as a comma-separated list (e.g., \"default,kube-system\"). During lease creation, you can "
           "specify which "
           "namespace to use from this allowed list."));

    m_roleType = new QComboBox(page);
    m_roleType->addItem(QStringLiteral("ClusterRole"));
    m_roleType->addItem(QStringLiteral("Role"));
    addField(FRoleType, tr("Role t&ype"), m_roleType, tr("Type of role to assign (ClusterRole or Role)"));

    m_role = new QLineEdit(page);
    addField(FRole, tr("R&ole"), m_role, tr("Name of the role to assign to the temporary service account"));

    auto *audienceBox = new QWidget(page);
    auto *audienceLayout = new QGridLayout(audienceBox);
    audienceLayout->setContentsMargins(0, 0, 0, 0);
    m_audienceInput = new QLineEdit(audienceBox);
    m_audienceInput->setObjectName(QStringLiteral("audienceInput"));
    m_audienceInput->setPlaceholderText(tr("e.g. https://kubernetes.default.svc"));
    m_audienceInput->setAccessibleName(tr("New audience"));
    auto *add = new QPushButton(tr("Add"), audienceBox);
    add->setObjectName(QStringLiteral("addAudienceButton"));
    add->setAccessibleName(tr("Add audience"));
    m_audiences = new QListWidget(audienceBox);
    m_audiences->setFixedHeight(64);
    m_audiences->setAccessibleName(tr("Audiences"));
    m_removeAudience = new QPushButton(tr("Remove"), audienceBox);
    m_removeAudience->setObjectName(QStringLiteral("removeAudienceButton"));
    m_removeAudience->setAccessibleName(tr("Remove audience"));
    audienceLayout->addWidget(m_audienceInput, 0, 0);
    audienceLayout->addWidget(add, 0, 1);
    audienceLayout->addWidget(m_audiences, 1, 0);
    audienceLayout->addWidget(m_removeAudience, 1, 1, Qt::AlignTop);
    addField(FAudiences, tr("&Audiences"), audienceBox,
        tr("Optional list of audiences to include in the generated token"));
    audienceBox->setObjectName(QStringLiteral("field_audiences"));
    connect(add, &QPushButton::clicked, this, &SecretSetupDialog::addAudience);
    m_audienceInput->installEventFilter(this);
    connect(m_removeAudience, &QPushButton::clicked, this, &SecretSetupDialog::removeAudience);
    connect(m_audiences, &QListWidget::currentRowChanged, this,
        [this](int row) { m_removeAudience->setEnabled(row >= 0); });
    m_removeAudience->setEnabled(false);

    m_clusterWide = new QCheckBox(tr("Bind with a ClusterRoleBinding (access in all namespaces)"), page);
    addField(FClusterWide, tr("Cluster-wide binding"), m_clusterWide,
        tr("ClusterRole only: bind the temporary service account cluster-wide instead of in its namespace"));

    m_boundTokens
        = new QCheckBox(tr("Bind each token to a per-lease Secret, so deleting the lease revokes it"), page);
    addField(FBoundTokens, tr("Bound tokens"), m_boundTokens,
        tr("Static only: a bound token stops working within seconds of deleting its lease; an unbound token "
           "stays "
           "valid until it expires"));

    // The preflight's answer, shown after Test Connection.
    m_preflightBox = new QWidget(page);
    m_preflightBox->setObjectName(QStringLiteral("preflightBox"));
    auto *pv = new QVBoxLayout(m_preflightBox);
    pv->setContentsMargins(0, 8, 0, 0);
    m_preflightSummary = new QLabel(m_preflightBox);
    m_preflightSummary->setObjectName(QStringLiteral("preflightSummary"));
    m_preflightSummary->setWordWrap(true);
    m_preflightSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_preflightChecks = new QTreeWidget(m_preflightBox);
    m_preflightChecks->setObjectName(QStringLiteral("preflightChecks"));
    m_preflightChecks->setAccessibleName(tr("Permission checks"));
    m_preflightChecks->setHeaderLabels({ tr("Check"), tr("Result"), tr("Detail") });
    m_preflightChecks->setRootIsDecorated(false);
    m_preflightChecks->setUniformRowHeights(true);
    m_preflightChecks->setMinimumHeight(120);
    m_copyRbac = new QPushButton(tr("Copy RBAC YAML"), m_preflightBox);
    m_copyRbac->setObjectName(QStringLiteral("copyRbacButton"));
    m_copyRbac->setAccessibleName(tr("Copy RBAC YAML"));
    m_copyRbac->setToolTip(
        tr("Copy the manifests that grant the missing permissions, for kubectl apply -f -"));
    pv->addWidget(m_preflightSummary);
    pv->addWidget(m_preflightChecks);
    pv->addWidget(m_copyRbac, 0, Qt::AlignLeft);
    m_preflightBox->hide();
    pageLayout->addWidget(m_preflightBox);
    pageLayout->addStretch(1);
    connect(m_copyRbac, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(QString::fromUtf8(m_preflight.rbacYaml));
        m_copyRbac->setText(tr("Copied"));
    });

    scroll->setWidget(page);
    m_pages->addWidget(scroll);

    auto watch = [this](const QString &field) { return [this, field] { touch(field); }; };
    connect(m_name, &QLineEdit::textEdited, this, watch(FName));
    connect(m_defaultTtl, &QLineEdit::textEdited, this, watch(FDefaultTtl));
    connect(m_maxTtl, &QLineEdit::textEdited, this, watch(FMaxTtl));
    connect(m_gateway, &QComboBox::currentTextChanged, this, watch(FGateway));
    connect(m_clusterUrl, &QLineEdit::textEdited, this, watch(FClusterUrl));
    connect(m_sslVerify, &QCheckBox::toggled, this, watch(FSslVerify));
    connect(m_ca, &QPlainTextEdit::textChanged, this, watch(FCa));
    connect(m_authMethod, &QComboBox::currentIndexChanged, this, watch(FAuthMethod));
    connect(m_clusterToken, &QLineEdit::textEdited, this, watch(FClusterToken));
    connect(m_credentialType, &QComboBox::currentIndexChanged, this, watch(FCredentialType));
    connect(m_serviceAccount, &QLineEdit::textEdited, this, watch(FServiceAccount));
    connect(m_namespace, &QLineEdit::textEdited, this, watch(FNamespace));
    connect(m_allowedNamespaces, &QLineEdit::textEdited, this, watch(FAllowedNamespaces));
    connect(m_roleType, &QComboBox::currentIndexChanged, this, watch(FRoleType));
    connect(m_role, &QLineEdit::textEdited, this, watch(FRole));
    connect(m_clusterWide, &QCheckBox::toggled, this, watch(FClusterWide));
    connect(m_boundTokens, &QCheckBox::toggled, this, watch(FBoundTokens));
}

void SecretSetupDialog::showForm()
{
    m_pages->setCurrentIndex(1);
    m_buttons->show();
    m_saveButton->setDefault(true);
    resize(std::max(width(), 640), std::max(height(), 720));
    m_name->setFocus();
}

void SecretSetupDialog::touch(const QString &field)
{
    m_touched.insert(field);
    m_preflightBox->hide();
    if (field == FAuthMethod || field == FCredentialType || field == FRoleType)
        updateVisibility();
    revalidate();
}

bool SecretSetupDialog::isFieldShown(const QString &field) const
{
    QWidget *row = m_rows.value(field);
    return row && !row->isHidden();
}

void SecretSetupDialog::updateVisibility()
{
    const bool token = m_authMethod->currentIndex() == 0;
    const bool isStatic = m_credentialType->currentIndex() == 0;
    const bool clusterRole = m_roleType->currentIndex() == 0;
    auto show = [this](const QString &field, bool visible) {
        m_rows.value(field)->setVisible(visible);
        m_labels.value(field)->setVisible(visible);
    };
    show(FGateway, !token);
    show(FClusterUrl, token);
    show(FSslVerify, token);
    show(FCa, token);
    show(FClusterToken, token);
    show(FServiceAccount, isStatic);
    show(FNamespace, isStatic);
    show(FBoundTokens, isStatic);
    show(FAllowedNamespaces, !isStatic);
    show(FRoleType, !isStatic);
    show(FRole, !isStatic);
    show(FClusterWide, !isStatic && clusterRole);
    m_importButton->setEnabled(token);
}

QStringList SecretSetupDialog::audiences() const
{
    QStringList list;
    for (int i = 0; i < m_audiences->count(); ++i)
        list << m_audiences->item(i)->text();
    return list;
}

void SecretSetupDialog::addAudience()
{
    const QString text = m_audienceInput->text().trimmed();
    if (text.isEmpty())
        return;
    if (!audiences().contains(text))
        m_audiences->addItem(text);
    m_audienceInput->clear();
    touch(FAudiences);
}

bool SecretSetupDialog::eventFilter(QObject *watched, QEvent *event)
{
    // Enter in the audience box adds the audience; it must not save the form.
    if (watched == m_audienceInput && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter) {
            addAudience();
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

void SecretSetupDialog::removeAudience()
{
    delete m_audiences->takeItem(m_audiences->currentRow());
    touch(FAudiences);
}

DynamicSecret SecretSetupDialog::currentSecret(FieldErrors *errors) const
{
    DynamicSecret s = m_existing.value_or(DynamicSecret {});
    s.environmentId = m_environmentId;
    s.name = m_name->text().trimmed();
    QString error;
    if (const auto ttl = Duration::parse(m_defaultTtl->text(), &error))
        s.defaultTtl = *ttl;
    else if (errors)
        errors->append({ FDefaultTtl, error });
    if (const auto ttl = Duration::parse(m_maxTtl->text(), &error))
        s.maxTtl = *ttl;
    else if (errors)
        errors->append({ FMaxTtl, error });
    s.authMethod = m_authMethod->currentIndex() == 0 ? AuthMethod::Token : AuthMethod::Gateway;
    s.gateway = s.authMethod == AuthMethod::Gateway ? m_gateway->currentText().trimmed() : QString();
    s.clusterUrl = s.authMethod == AuthMethod::Token ? m_clusterUrl->text().trimmed() : QString();
    s.sslVerify = m_sslVerify->isChecked();
    s.caCertificate = s.authMethod == AuthMethod::Token ? m_ca->toPlainText().trimmed() : QString();
    s.credentialType
        = m_credentialType->currentIndex() == 0 ? CredentialType::Static : CredentialType::Dynamic;
    const bool isStatic = s.credentialType == CredentialType::Static;
    s.serviceAccount = isStatic ? m_serviceAccount->text().trimmed() : QString();
    s.namespaceName = isStatic ? m_namespace->text().trimmed() : QString();
    s.allowedNamespaces.clear();
    if (!isStatic) {
        s.allowedNamespaces = DynamicSecret::parseNamespaceList(m_allowedNamespaces->text(), &error);
        if (s.allowedNamespaces.isEmpty() && errors)
            errors->append({ FAllowedNamespaces, error });
    }
    s.roleType = m_roleType->currentIndex() == 0 ? RoleType::ClusterRole : RoleType::Role;
    s.roleName = isStatic ? QString() : m_role->text().trimmed();
    s.audiences = audiences();
    s.clusterWide = !isStatic && s.roleType == RoleType::ClusterRole && m_clusterWide->isChecked();
    s.boundTokens = isStatic && m_boundTokens->isChecked();
    return s;
}

void SecretSetupDialog::revalidate()
{
    FieldErrors errors;
    const DynamicSecret secret = currentSecret(&errors);
    const bool tokenGiven = !m_clusterToken->text().trimmed().isEmpty();
    const SecretValidationContext ctx = m_services.catalog->validationContext(secret, tokenGiven);
    for (const FieldError &e : secret.validate(ctx)) {
        bool already = false;
        for (const FieldError &p : std::as_const(errors))
            already = already || p.field == e.field;
        if (!already)
            errors.append(e);
    }
    m_errors = errors;
    for (auto it = m_errorLabels.constBegin(); it != m_errorLabels.constEnd(); ++it) {
        QString message;
        if (m_showAll || m_touched.contains(it.key())) {
            for (const FieldError &e : std::as_const(errors)) {
                if (e.field == it.key()) {
                    message = e.message;
                    break;
                }
            }
        }
        it.value()->setText(message);
        it.value()->setVisible(!message.isEmpty());
        if (QWidget *editor = m_editors.value(it.key()))
            editor->setAccessibleDescription(message.isEmpty() ? editor->toolTip() : message);
    }
}

QString SecretSetupDialog::fieldMessage(const QString &field) const
{
    QLabel *label = m_errorLabels.value(field);
    return label ? label->text() : QString();
}

void SecretSetupDialog::setBusy(bool busy, const QString &message)
{
    m_busy = busy;
    m_saveButton->setEnabled(!busy);
    m_testButton->setEnabled(!busy);
    m_importButton->setEnabled(!busy && m_authMethod->currentIndex() == 0);
    QPalette pal = m_status->palette();
    pal.setColor(QPalette::WindowText, busy ? palette().color(QPalette::WindowText) : UiColors::error());
    m_status->setPalette(pal);
    m_status->setText(message);
    m_status->setVisible(!message.isEmpty());
}

void SecretSetupDialog::save()
{
    if (m_busy)
        return;
    m_showAll = true;
    revalidate();
    if (!m_errors.isEmpty()) {
        // Go to the first field with a problem.
        for (const QString &field : { FName, FDefaultTtl, FMaxTtl, FGateway, FClusterUrl, FCa, FAuthMethod,
                 FClusterToken, FCredentialType, FServiceAccount, FNamespace, FAllowedNamespaces, FRoleType,
                 FRole, FAudiences, FClusterWide, FBoundTokens }) {
            if (!fieldMessage(field).isEmpty() && m_editors.value(field)) {
                m_editors.value(field)->setFocus();
                break;
            }
        }
        m_status->setText(tr("Correct the fields marked above."));
        QPalette pal = m_status->palette();
        pal.setColor(QPalette::WindowText, UiColors::error());
        m_status->setPalette(pal);
        m_status->show();
        emit saveFailed(m_status->text());
        return;
    }
    setBusy(true, tr("Saving..."));
    QByteArray token = m_clusterToken->text().trimmed().toUtf8();
    const DynamicSecret secret = currentSecret();
    QCoro::connect(m_services.catalog->save(secret, token), this, [this](const SecretSaveResult &result) {
        setBusy(false);
        if (!result.ok()) {
            if (!result.fieldErrors.isEmpty()) {
                revalidate();
            }
            setBusy(false, result.error);
            emit saveFailed(result.error);
            return;
        }
        m_clusterToken->clear();
        emit saved(*result.secret);
        accept();
    });
    token.fill('\0');
}

void SecretSetupDialog::testConnection()
{
    if (m_busy)
        return;
    FieldErrors errors;
    const DynamicSecret secret = currentSecret(&errors);
    setBusy(true, tr("Asking the cluster..."));
    const QByteArray typedToken = m_clusterToken->text().trimmed().toUtf8();
    // Parameters, not captures: the coroutine frame keeps parameters alive.
    auto run = [](LeaseService *service, DynamicSecret secret,
                   QByteArray typedToken) -> QCoro::Task<PreflightResult> {
        if (secret.authMethod == AuthMethod::Token && !typedToken.isEmpty()) {
            QString error;
            auto connection = ClusterConnection::forToken(secret, typedToken, &error);
            if (!connection) {
                PreflightResult r;
                r.connectionError = error;
                co_return r;
            }
            PreflightResult r = co_await Preflight::run(connection->client(), secret);
            co_return r;
        }
        if (secret.authMethod == AuthMethod::Token && secret.id == 0) {
            PreflightResult r;
            r.connectionError = SecretSetupDialog::tr("Enter the cluster token to test the connection.");
            co_return r;
        }
        // The stored token (an edit) or the gateway: through the engine's connections.
        PreflightResult r = co_await service->preflight(secret);
        co_return r;
    };
    QCoro::connect(run(m_services.leases, secret, typedToken), this, [this](const PreflightResult &result) {
        setBusy(false);
        showPreflight(result);
    });
}

void SecretSetupDialog::showPreflight(const PreflightResult &result)
{
    m_preflight = result;
    m_preflightChecks->clear();
    for (const PreflightCheck &check : result.checks) {
        auto *item = new QTreeWidgetItem(m_preflightChecks);
        item->setText(0, check.description);
        QString word;
        QColor colour;
        switch (check.result) {
        case PreflightCheck::Result::Passed:
            word = tr("Allowed");
            colour = UiColors::success();
            break;
        case PreflightCheck::Result::Missing:
            word = tr("Missing");
            colour = UiColors::error();
            break;
        case PreflightCheck::Result::Unknown:
            word = tr("Unknown");
            colour = UiColors::warning();
            break;
        }
        item->setText(1, word);
        item->setForeground(1, colour);
        item->setText(2, check.detail);
        item->setToolTip(2, check.detail);
    }
    m_preflightChecks->header()->resizeSection(0, 320);
    QString summary;
    QColor colour = UiColors::error();
    if (!result.connectionError.isEmpty()) {
        summary = result.connectionError;
    } else if (result.passed()) {
        summary = tr("The connection works and every permission this secret needs is granted.");
        colour = UiColors::success();
    } else {
        summary = tr("%n permission(s) or object(s) missing. Apply the RBAC YAML as a cluster administrator, "
                     "then test again.",
            nullptr, int(result.missing().size()));
    }
    QPalette pal = m_preflightSummary->palette();
    pal.setColor(QPalette::WindowText, colour);
    m_preflightSummary->setPalette(pal);
    m_preflightSummary->setText(summary);
    m_preflightChecks->setVisible(!result.checks.isEmpty());
    m_copyRbac->setText(tr("Copy RBAC YAML"));
    m_copyRbac->setVisible(!result.rbacYaml.isEmpty() && !result.passed());
    m_preflightBox->show();
    emit preflightFinished(result.passed());
}

void SecretSetupDialog::chooseKubeconfig()
{
    auto *dialog
        = new QFileDialog(this, tr("Import from Kubeconfig"), QDir::home().filePath(QStringLiteral(".kube")));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setOption(QFileDialog::DontUseNativeDialog, qEnvironmentVariableIsSet("KMS_NO_NATIVE_DIALOGS"));
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        QString error;
        const auto config = Kubeconfig::load(path, &error);
        if (!config) {
            setBusy(false, error);
            return;
        }
        QString context = config->currentContext();
        if (config->contextNames().size() > 1) {
            bool ok = false;
            context
                = QInputDialog::getItem(this, tr("Choose a Context"), tr("Context:"), config->contextNames(),
                    std::max(0, int(config->contextNames().indexOf(context))), false, &ok);
            if (!ok)
                return;
        }
        importKubeconfig(path, context);
    });
    dialog->open();
}

bool SecretSetupDialog::importKubeconfig(const QString &path, const QString &context)
{
    QString error;
    const auto config = Kubeconfig::load(path, &error);
    std::optional<KubeconfigContext> ctx;
    if (config)
        ctx = config->context(context, &error);
    if (!ctx) {
        setBusy(false, error);
        return false;
    }
    m_authMethod->setCurrentIndex(0);
    m_clusterUrl->setText(ctx->server);
    m_ca->setPlainText(QString::fromUtf8(ctx->caPem).trimmed());
    m_sslVerify->setChecked(!ctx->insecureSkipTlsVerify);
    if (!ctx->token.isEmpty())
        m_clusterToken->setText(QString::fromUtf8(ctx->token));
    if (m_credentialType->currentIndex() == 0 && m_namespace->text().isEmpty()
        && !ctx->namespaceName.isEmpty())
        m_namespace->setText(ctx->namespaceName);
    for (const QString &f : { FClusterUrl, FCa, FSslVerify, FClusterToken })
        m_touched.insert(f);
    updateVisibility();
    revalidate();
    setBusy(false,
        ctx->token.isEmpty()
            ? tr("Context \"%1\" has no token; enter the cluster token.").arg(ctx->contextName)
            : QString());
    return true;
}

} // namespace kms::ui
