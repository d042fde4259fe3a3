#include "SecretSetupDialog.h"

#include "ProviderPicker.h"
#include "UiColors.h"
#include "core/BearerToken.h"
#include "core/BoundedRead.h"
#include "core/DisplayText.h"
#include "core/NameTemplate.h"
#include "gateway/GatewayRegistry.h"
#include "kube/Kubeconfig.h"
#include "kube/YamlDocument.h"
#include "leases/Engine.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"

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
#include <QJsonArray>
#include <QJsonDocument>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QStackedLayout>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>

#include <span>
#include <variant>

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
// The Advanced section.
const QString FNameTemplate = QStringLiteral("nameTemplate");
const QString FRoles = QStringLiteral("roles");
const QString FGeneratedRules = QStringLiteral("generatedRules");
const QString FNamespaceSelector = QStringLiteral("namespaceSelector");
const QString FExtraLabels = QStringLiteral("extraLabels");
const QString FExtraAnnotations = QStringLiteral("extraAnnotations");
const QString FMaxLeases = QStringLiteral("maxLeases");

// A rules file is a few rules; anything larger is something else.
constexpr qint64 MaxRulesFileBytes = 256 * 1024;

// std::visit with one lambda per alternative.
template<class... Ts> struct Overloaded : Ts... {
    using Ts::operator()...;
};
template<class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

} // namespace

// One row of the form. Field::all() is the form: the rows in their order on
// screen, built, wired to revalidate, shown and hidden, and walked by Save to
// the first problem, all from this one table. (A nested class: it may name the
// dialog's members.)
struct SecretSetupDialog::Field {
    // What shows the row (the auth method and gateway, the credential type, the role type).
    enum class Shown {
        Always,
        TokenAuth,
        DirectTokenAuth,
        StaticType,
        DynamicType,
        DynamicClusterRole,
        CreatesObjects, // Dynamic, or Static with bound tokens: leases create objects
    };
    // The editor's kind is the type of the member that holds it.
    template<class W> using Member = W *SecretSetupDialog::*;
    using Editor = std::variant<Member<QLineEdit>, Member<QComboBox>, Member<QCheckBox>,
        Member<QPlainTextEdit>, Member<QListWidget>>;

    // The validation key: DynamicSecret::validate's FieldError::field for this
    // row, and the editor's object name field_<key>.
    QString key;
    const char *label;
    const char *help;
    Editor editor;
    Shown shown = Shown::Always;
    const char *placeholder = nullptr;
    const char *text = nullptr; // a line edit's first text; a check box's own words
    QStringList (*choices)(const AppServices &) = nullptr; // a combo box's items, in index order
    bool editable = false; // a combo box that takes any text
    bool password = false; // a line edit that shows dots
    bool checked = false; // a check box's first state
    bool advanced = false; // in the Advanced section, collapsed until opened

    static std::span<const Field> all();
    QWidget *createEditor(SecretSetupDialog &dialog, QWidget *page) const;
    void watch(SecretSetupDialog &dialog) const;
    bool isShown(bool tokenAuth, bool viaGateway, bool staticType, bool clusterRole, bool boundTokens) const;
};

std::span<const SecretSetupDialog::Field> SecretSetupDialog::Field::all()
{
    using D = SecretSetupDialog;
    // The dashboard's setup modal, in its order and words, then this app's own fields.
    static const Field fields[] = {
        { .key = FName,
            .label = QT_TR_NOOP("Secret &name"),
            .help = QT_TR_NOOP("Name by which you want the secret to be referenced"),
            .editor = &D::m_name,
            .placeholder = QT_TR_NOOP("e.g. dev-cluster-access") },
        { .key = FDefaultTtl,
            .label = QT_TR_NOOP("&Default TTL"),
            .help = QT_TR_NOOP("Default time-to-live for a generated secret (it is possible to modify this "
                               "value after a secret is generated)"),
            .editor = &D::m_defaultTtl,
            .placeholder = QT_TR_NOOP("e.g. 1h, 30m, 1h30m"),
            .text = "1h" },
        { .key = FMaxTtl,
            .label = QT_TR_NOOP("&Max TTL"),
            .help = QT_TR_NOOP("Maximum time-to-live for a generated secret"),
            .editor = &D::m_maxTtl,
            .placeholder = QT_TR_NOOP("e.g. 24h"),
            .text = "24h" },
        { .key = FGateway,
            .label = QT_TR_NOOP("&Gateway"),
            .help = QT_TR_NOOP("Select a gateway for private cluster access. With Token (API) authentication "
                               "the gateway relays the calls with the cluster token; leave it empty to reach "
                               "the cluster URL directly. Gateways are registered under File > Gateways... "
                               "or with hanzo-kmsctl gateway add."),
            .editor = &D::m_gateway,
            .placeholder = QT_TR_NOOP("None: reach the cluster URL directly"),
            .choices =
                [](const AppServices &services) {
                    // The first, empty choice: no gateway (Token (API) auth only).
                    QStringList names { QString() };
                    if (services.engine)
                        names += services.engine->gateways().names();
                    return names;
                },
            .editable = true },
        { .key = FClusterUrl,
            .label = QT_TR_NOOP("Cluster &URL"),
            .help
            = QT_TR_NOOP("Kubernetes API server URL (e.g., https://kubernetes.default.svc). Not required "
                         "when using Gateway authentication as the Gateway will use its internal cluster "
                         "URL."),
            .editor = &D::m_clusterUrl,
            .shown = Shown::DirectTokenAuth,
            .placeholder = "https://kubernetes.example.com:6443" },
        { .key = FSslVerify,
            .label = QT_TR_NOOP("SSL verification"),
            .help
            = QT_TR_NOOP("Whether to enable SSL verification for the Kubernetes API server connection."),
            .editor = &D::m_sslVerify,
            .shown = Shown::DirectTokenAuth,
            .text = QT_TR_NOOP("Verify the API server's certificate"),
            .checked = true },
        { .key = FCa,
            .label = QT_TR_NOOP("C&A certificate"),
            .help = QT_TR_NOOP("Custom CA certificate for the Kubernetes API server. Leave blank to use the "
                               "system/public CA."),
            .editor = &D::m_ca,
            .shown = Shown::DirectTokenAuth,
            .placeholder = "-----BEGIN CERTIFICATE-----" },
        { .key = FAuthMethod,
            .label = QT_TR_NOOP("Auth me&thod"),
            .help = QT_TR_NOOP("Choose between Token (API) or Gateway authentication. If using Gateway, the "
                               "Gateway must be deployed in your Kubernetes cluster."),
            .editor = &D::m_authMethod,
            .choices =
                [](const AppServices &) {
                    return QStringList { DynamicSecret::displayName(AuthMethod::Token),
                        DynamicSecret::displayName(AuthMethod::Gateway) };
                } },
        { .key = FClusterToken,
            .label = QT_TR_NOOP("Cluster to&ken"),
            .help = QT_TR_NOOP("Token with permissions to create service accounts and manage RBAC (required "
                               "when using Token authentication). Through a gateway it is sent only to the "
                               "gateway, over its mutual TLS, which uses it instead of its own account."),
            .editor = &D::m_clusterToken,
            .shown = Shown::TokenAuth,
            .placeholder = QT_TR_NOOP("Stored only in the system keychain"),
            .password = true },
        { .key = FCredentialType,
            .label = QT_TR_NOOP("C&redential type"),
            .help = QT_TR_NOOP("Choose between Static (predefined service account) or Dynamic (temporary "
                               "service accounts with role assignments)"),
            .editor = &D::m_credentialType,
            .choices =
                [](const AppServices &) {
                    return QStringList { DynamicSecret::displayName(CredentialType::Static),
                        DynamicSecret::displayName(CredentialType::Dynamic) };
                } },
        { .key = FServiceAccount,
            .label = QT_TR_NOOP("&Service account name"),
            .help = QT_TR_NOOP("Name of the service account to generate tokens for"),
            .editor = &D::m_serviceAccount,
            .shown = Shown::StaticType },
        { .key = FNamespace,
            .label = QT_TR_NOOP("Namespa&ce"),
            .help = QT_TR_NOOP("Kubernetes namespace where the service account exists"),
            .editor = &D::m_namespace,
            .shown = Shown::StaticType },
        { .key = FAllowedNamespaces,
            .label = QT_TR_NOOP("Allowed namespa&ces"),
            .help = QT_TR_NOOP("Kubernetes namespace(s) where the service accounts will be created. You can "
                               "specify multiple namespaces as a comma-separated list (e.g., "
                               "\"default,kube-system\"). During lease creation, you can specify which "
                               "namespace to use from this allowed list."),
            .editor = &D::m_allowedNamespaces,
            .shown = Shown::DynamicType,
            .placeholder = "default,kube-system" },
        { .key = FRoleType,
            .label = QT_TR_NOOP("Role t&ype"),
            .help = QT_TR_NOOP("Type of role to assign (ClusterRole or Role)"),
            .editor = &D::m_roleType,
            .shown = Shown::DynamicType,
            .choices =
                [](const AppServices &) {
                    return QStringList { QStringLiteral("ClusterRole"), QStringLiteral("Role") };
                } },
        { .key = FRole,
            .label = QT_TR_NOOP("R&ole"),
            .help = QT_TR_NOOP("Name of the role to assign to the temporary service account"),
            .editor = &D::m_role,
            .shown = Shown::DynamicType },
        { .key = FAudiences,
            .label = QT_TR_NOOP("&Audiences"),
            .help = QT_TR_NOOP("Optional list of audiences to include in the generated token"),
            .editor = &D::m_audiences },
        { .key = FClusterWide,
            .label = QT_TR_NOOP("Cluster-wide binding"),
            .help = QT_TR_NOOP("ClusterRole only: bind the temporary service account cluster-wide instead of "
                               "in its namespace"),
            .editor = &D::m_clusterWide,
            .shown = Shown::DynamicClusterRole,
            .text = QT_TR_NOOP("Bind with a ClusterRoleBinding (access in all namespaces)") },
        { .key = FBoundTokens,
            .label = QT_TR_NOOP("Bound tokens"),
            .help
            = QT_TR_NOOP("Static only: a bound token stops working within seconds of deleting its lease; "
                         "an unbound token stays valid until it expires"),
            .editor = &D::m_boundTokens,
            .shown = Shown::StaticType,
            .text = QT_TR_NOOP("Bind each token to a per-lease Secret, so deleting the lease revokes it") },
        // Advanced: what else a lease grants, and how its objects look.
        { .key = FNameTemplate,
            .label = QT_TR_NOOP("Name tem&plate"),
            .help
            = QT_TR_NOOP("How the objects of each lease are named, from {{secret}}, {{namespace}}, "
                         "{{user}}, {{unix}} and {{random N}}, with lower, truncate N and replace \"a\" "
                         "\"b\". Keep at least 5 random characters. Empty: kms-<secret>-<5 random>."),
            .editor = &D::m_nameTemplate,
            .shown = Shown::CreatesObjects,
            .placeholder = "{{secret}}-{{user | lower | truncate 12}}-{{random 6}}",
            .advanced = true },
        { .key = FRoles,
            .label = QT_TR_NOOP("Mor&e roles"),
            .help = QT_TR_NOOP("More roles to bind each temporary service account to, besides the role "
                               "above: Kind/name, comma-separated. All are created and deleted together."),
            .editor = &D::m_moreRoles,
            .shown = Shown::DynamicType,
            .placeholder = "ClusterRole/view, Role/deployer",
            .advanced = true },
        { .key = FGeneratedRules,
            .label = QT_TR_NOOP("Generated ro&le rules"),
            .help
            = QT_TR_NOOP("RBAC rules of a role made for each lease (YAML or JSON, as Vault's "
                         "generated_role_rules), bound to its service account and deleted with it. It is "
                         "a Role or ClusterRole as the role type above says. The cluster token must hold "
                         "every rule; Test Connection names those it lacks."),
            .editor = &D::m_generatedRules,
            .shown = Shown::DynamicType,
            .placeholder = "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list]",
            .advanced = true },
        { .key = FNamespaceSelector,
            .label = QT_TR_NOOP("Namespace selector"),
            .help = QT_TR_NOOP("A lease may also use any namespace whose labels match this selector, as "
                               "kubectl -l takes it. A namespace is allowed when it is one of the allowed "
                               "namespaces or matches the selector."),
            .editor = &D::m_namespaceSelector,
            .shown = Shown::DynamicType,
            .placeholder = "team in (a,b),env=dev",
            .advanced = true },
        { .key = FExtraLabels,
            .label = QT_TR_NOOP("E&xtra labels"),
            .help
            = QT_TR_NOOP("Labels put on every object a lease creates: key=value, comma-separated. "
                         "Hanzo KMS's own (app.kubernetes.io/managed-by, kms.hanzo.ai/*) cannot be set."),
            .editor = &D::m_extraLabels,
            .shown = Shown::CreatesObjects,
            .placeholder = "team=platform, cost-center=42",
            .advanced = true },
        { .key = FExtraAnnotations,
            .label = QT_TR_NOOP("Extra annotat&ions"),
            .help
            = QT_TR_NOOP("Annotations put on every object a lease creates: key=value, comma-separated "
                         "(\\, for a comma in a value). Hanzo KMS's own (kms.hanzo.ai/*) cannot be set."),
            .editor = &D::m_extraAnnotations,
            .shown = Shown::CreatesObjects,
            .placeholder = "owner=platform-team",
            .advanced = true },
        { .key = FMaxLeases,
            .label = QT_TR_NOOP("Lease limit"),
            .help = QT_TR_NOOP("At most this many leases whose token may still work at once; a new lease "
                               "beyond it is refused. Empty: no limit."),
            .editor = &D::m_maxLeases,
            .placeholder = QT_TR_NOOP("No limit"),
            .advanced = true },
    };
    return fields;
}

QWidget *SecretSetupDialog::Field::createEditor(SecretSetupDialog &dialog, QWidget *page) const
{
    const auto tr = [](const char *text) { return SecretSetupDialog::tr(text); };
    const Overloaded create {
        [&](Member<QLineEdit> member) -> QWidget * {
            auto *edit = new QLineEdit(page);
            if (text)
                edit->setText(QString::fromLatin1(text));
            if (password)
                edit->setEchoMode(QLineEdit::Password);
            if (placeholder)
                edit->setPlaceholderText(tr(placeholder));
            return dialog.*member = edit;
        },
        [&](Member<QComboBox> member) -> QWidget * {
            auto *box = new QComboBox(page);
            box->setEditable(editable);
            if (placeholder)
                box->lineEdit()->setPlaceholderText(tr(placeholder));
            box->addItems(choices(dialog.m_services));
            return dialog.*member = box;
        },
        [&](Member<QCheckBox> member) -> QWidget * {
            auto *check = new QCheckBox(tr(text), page);
            check->setChecked(checked);
            return dialog.*member = check;
        },
        [&](Member<QPlainTextEdit> member) -> QWidget * {
            // A PEM box: a few lines high; Tab leaves it.
            auto *edit = new QPlainTextEdit(page);
            if (placeholder)
                edit->setPlaceholderText(tr(placeholder));
            edit->setTabChangesFocus(true);
            edit->setFixedHeight(72);
            return dialog.*member = edit;
        },
        [&](Member<QListWidget>) -> QWidget * { return dialog.buildAudiences(page); },
    };
    return std::visit(create, editor);
}

void SecretSetupDialog::Field::watch(SecretSetupDialog &dialog) const
{
    const auto touch = [&dialog, key = key] { dialog.touch(key); };
    const Overloaded connect {
        [&](Member<QLineEdit> member) {
            QObject::connect(dialog.*member, &QLineEdit::textEdited, &dialog, touch);
        },
        [&](Member<QComboBox> member) {
            // Typing into an editable box changes its text, not its index.
            if (editable)
                QObject::connect(dialog.*member, &QComboBox::currentTextChanged, &dialog, touch);
            else
                QObject::connect(dialog.*member, &QComboBox::currentIndexChanged, &dialog, touch);
        },
        [&](Member<QCheckBox> member) {
            QObject::connect(dialog.*member, &QCheckBox::toggled, &dialog, touch);
        },
        [&](Member<QPlainTextEdit> member) {
            QObject::connect(dialog.*member, &QPlainTextEdit::textChanged, &dialog, touch);
        },
        [](Member<QListWidget>) {
            // Add and Remove touch the audiences themselves.
        },
    };
    std::visit(connect, editor);
}

bool SecretSetupDialog::Field::isShown(
    bool tokenAuth, bool viaGateway, bool staticType, bool clusterRole, bool boundTokens) const
{
    switch (shown) {
    case Shown::CreatesObjects:
        return !staticType || boundTokens;
    case Shown::Always:
        return true;
    case Shown::TokenAuth:
        return tokenAuth;
    case Shown::DirectTokenAuth:
        return tokenAuth && !viaGateway;
    case Shown::StaticType:
        return staticType;
    case Shown::DynamicType:
        return !staticType;
    case Shown::DynamicClusterRole:
        return !staticType && clusterRole;
    }
    return true;
}

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
        m_nameTemplate->setText(s.nameTemplate);
        QStringList more;
        for (const RoleRef &r : s.extraRoles)
            more << r.toString();
        m_moreRoles->setText(more.join(QStringLiteral(", ")));
        if (s.generatesRole())
            m_generatedRules->setPlainText(
                QString::fromUtf8(QJsonDocument(PolicyRule::toJson(s.generatedRules)).toJson()));
        m_namespaceSelector->setText(s.namespaceSelector);
        m_extraLabels->setText(DynamicSecret::formatMetadata(s.extraLabels));
        m_extraAnnotations->setText(DynamicSecret::formatMetadata(s.extraAnnotations));
        m_maxLeases->setText(s.maxLeases > 0 ? QString::number(s.maxLeases) : QString());
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
    updateNameTemplateExample();
    updateAdvancedSummary();
    m_initialState = formState();
}

SecretSetupDialog::~SecretSetupDialog()
{
    // Children emit changes while they are destroyed (the gateway box's text);
    // the form must not react to them any more.
    for (QObject *child : findChildren<QObject *>())
        child->disconnect(this);
}

QWidget *SecretSetupDialog::addField(
    QGridLayout *form, const QString &field, const QString &label, QWidget *editor, const QString &help)
{
    auto *cell = new QWidget(this);
    auto *v = new QVBoxLayout(cell);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    v->addWidget(editor);
    // Under the field, its help line; a message takes its place, in space kept
    // for both (a stack is as tall as its tallest page), so nothing below moves.
    auto *messages = new QWidget(cell);
    auto *stack = new QStackedLayout(messages);
    stack->setContentsMargins(0, 0, 0, 0);
    auto *helpLine = new QLabel(help, messages);
    helpLine->setObjectName(QStringLiteral("help_%1").arg(field));
    helpLine->setWordWrap(true);
    QPalette helpPalette = helpLine->palette();
    helpPalette.setColor(QPalette::WindowText, helpPalette.color(QPalette::Disabled, QPalette::WindowText));
    helpLine->setPalette(helpPalette);
    auto *error = new QLabel(messages);
    error->setObjectName(QStringLiteral("error_%1").arg(field));
    error->setWordWrap(true);
    QPalette pal = error->palette();
    pal.setColor(QPalette::WindowText, UiColors::error());
    error->setPalette(pal);
    stack->addWidget(helpLine);
    stack->addWidget(error);
    // Two lines at least: most messages are longer than a one-line help.
    messages->setMinimumHeight(2 * messages->fontMetrics().lineSpacing());
    v->addWidget(messages);
    editor->setObjectName(QStringLiteral("field_%1").arg(field));
    editor->setToolTip(help);
    editor->setAccessibleName(label);
    editor->setAccessibleDescription(help);
    auto *labelWidget = new QLabel(label, this);
    labelWidget->setBuddy(editor);
    const int row = form->rowCount();
    form->addWidget(labelWidget, row, 0, Qt::AlignLeft | Qt::AlignTop);
    form->addWidget(cell, row, 1);
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

    // The Advanced section: a toggle, then its rows in a grid of their own,
    // whose first column is as wide as the form's so the editors line up.
    m_advancedToggle = new QToolButton(page);
    m_advancedToggle->setObjectName(QStringLiteral("advancedToggle"));
    m_advancedToggle->setText(tr("Advanced"));
    m_advancedToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_advancedToggle->setArrowType(Qt::RightArrow);
    m_advancedToggle->setCheckable(true);
    m_advancedToggle->setAutoRaise(true);
    m_advancedToggle->setAccessibleName(tr("Advanced settings"));
    m_advancedToggle->setToolTip(tr("Name template, more roles, generated role rules, extra labels and "
                                    "annotations, namespace selector, lease limit"));
    m_advancedBox = new QWidget(page);
    m_advancedBox->setObjectName(QStringLiteral("advancedSection"));
    m_advancedForm = new QGridLayout(m_advancedBox);
    m_advancedForm->setContentsMargins(0, 0, 0, 0);
    m_advancedForm->setColumnStretch(1, 1);
    m_advancedForm->setVerticalSpacing(6);
    m_advancedBox->hide();

    for (const Field &field : Field::all()) {
        QWidget *cell = addField(field.advanced ? m_advancedForm : m_form, field.key, tr(field.label),
            field.createEditor(*this, page), tr(field.help));
        if (field.key == FNameTemplate) {
            // The live example, between the editor and its help line.
            m_nameTemplateExample = new QLabel(cell);
            m_nameTemplateExample->setObjectName(QStringLiteral("nameTemplateExample"));
            m_nameTemplateExample->setTextInteractionFlags(Qt::TextSelectableByMouse);
            static_cast<QVBoxLayout *>(cell->layout())->insertWidget(1, m_nameTemplateExample);
        } else if (field.key == FGeneratedRules) {
            m_generatedRules->setFixedHeight(96);
            auto *load = new QPushButton(tr("Load from File..."), cell);
            load->setObjectName(QStringLiteral("loadGeneratedRulesButton"));
            load->setAccessibleName(tr("Load generated role rules from a file"));
            load->setToolTip(
                tr("Read the rules from a YAML or JSON file, such as Vault's generated_role_rules"));
            static_cast<QVBoxLayout *>(cell->layout())->insertWidget(1, load, 0, Qt::AlignLeft);
            connect(load, &QPushButton::clicked, this, &SecretSetupDialog::chooseGeneratedRulesFile);
        }
    }
    auto *toggleRow = new QHBoxLayout;
    toggleRow->setContentsMargins(0, 6, 0, 0);
    toggleRow->addWidget(m_advancedToggle);
    auto *advancedSummary = new QLabel(page);
    advancedSummary->setObjectName(QStringLiteral("advancedSummary"));
    advancedSummary->setWordWrap(true); // a long list must not widen the form
    QPalette summaryPalette = advancedSummary->palette();
    summaryPalette.setColor(
        QPalette::WindowText, summaryPalette.color(QPalette::Disabled, QPalette::WindowText));
    advancedSummary->setPalette(summaryPalette);
    toggleRow->addWidget(advancedSummary, 1);
    pageLayout->addLayout(toggleRow);
    pageLayout->addWidget(m_advancedBox);
    connect(m_advancedToggle, &QToolButton::toggled, this, &SecretSetupDialog::setAdvancedShown);
    // Both grids' label columns as wide as the widest label of either.
    int labelWidth = 0;
    for (QLabel *label : std::as_const(m_labels))
        labelWidth = std::max(labelWidth, label->sizeHint().width());
    m_form->setColumnMinimumWidth(0, labelWidth);
    m_advancedForm->setColumnMinimumWidth(0, labelWidth);

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

    m_gateway->installEventFilter(this);
    m_gateway->lineEdit()->installEventFilter(this);

    // Only now: filling the editors above must not count as the user's changes.
    for (const Field &field : Field::all())
        field.watch(*this);
}

bool SecretSetupDialog::isAdvancedShown() const
{
    return m_advancedToggle->isChecked();
}

void SecretSetupDialog::setAdvancedShown(bool shown)
{
    if (m_advancedToggle->isChecked() != shown) {
        m_advancedToggle->setChecked(shown); // comes back here through toggled
        return;
    }
    m_advancedToggle->setArrowType(shown ? Qt::DownArrow : Qt::RightArrow);
    m_advancedBox->setVisible(shown);
    updateAdvancedSummary();
    // Opened: its first rows come into view (the form scrolls).
    if (shown) {
        if (auto *scroll = qobject_cast<QScrollArea *>(m_pages->widget(1))) {
            scroll->widget()->adjustSize();
            scroll->ensureWidgetVisible(m_advancedToggle, 0, 0);
            scroll->ensureWidgetVisible(m_advancedBox->findChild<QLabel *>(), 0, 200);
        }
    }
}

// Beside the collapsed toggle: which advanced settings are set, so none is out
// of sight unnoticed; lists say how many entries they hold.
void SecretSetupDialog::updateAdvancedSummary()
{
    auto *summary = findChild<QLabel *>(QStringLiteral("advancedSummary"));
    if (!summary)
        return;
    if (isAdvancedShown()) {
        summary->clear();
        return;
    }
    const DynamicSecret secret = currentSecret();
    QStringList set;
    for (const Field &field : Field::all()) {
        if (!field.advanced || !isFieldShown(field.key))
            continue;
        QWidget *editor = m_editors.value(field.key);
        QString text;
        if (auto *edit = qobject_cast<QLineEdit *>(editor))
            text = edit->text();
        else if (auto *box = qobject_cast<QPlainTextEdit *>(editor))
            text = box->toPlainText();
        if (text.trimmed().isEmpty())
            continue;
        // A count where the form reads one; the field's name where it does not (yet).
        QString words;
        if (field.key == FRoles && !secret.extraRoles.isEmpty())
            words = tr("%n more role(s)", nullptr, int(secret.extraRoles.size()));
        else if (field.key == FGeneratedRules && !secret.generatedRules.isEmpty())
            words = tr("%n generated role rule(s)", nullptr, int(secret.generatedRules.size()));
        else if (field.key == FExtraLabels && !secret.extraLabels.isEmpty())
            words = tr("%n extra label(s)", nullptr, int(secret.extraLabels.size()));
        else if (field.key == FExtraAnnotations && !secret.extraAnnotations.isEmpty())
            words = tr("%n extra annotation(s)", nullptr, int(secret.extraAnnotations.size()));
        else if (field.key == FMaxLeases && secret.maxLeases > 0)
            words = tr("at most %n lease(s)", nullptr, secret.maxLeases);
        else
            words = m_labels.value(field.key)->text().remove(QLatin1Char('&')).toLower();
        set << words;
    }
    summary->setText(set.isEmpty() ? QString() : tr("Set: %1").arg(QLocale().createSeparatedList(set)));
}

QString SecretSetupDialog::nameTemplateExample() const
{
    return m_nameTemplateExample->property("exampleName").toString();
}

// The name the template gives for this form's secret, its first namespace and
// the current user, with sample random characters.
void SecretSetupDialog::updateNameTemplateExample()
{
    const DynamicSecret secret = currentSecret();
    NameTemplate::Inputs inputs;
    inputs.secret = secret.name.isEmpty() ? QStringLiteral("my-secret") : secret.name;
    const QStringList listed = secret.listedNamespaces();
    inputs.namespaceName = secret.credentialType == CredentialType::Static ? secret.namespaceName
        : listed.isEmpty()                                                 ? QStringLiteral("default")
                                                                           : listed.first();
    if (inputs.namespaceName.isEmpty())
        inputs.namespaceName = QStringLiteral("default");
    inputs.user = NameTemplate::currentUser();
    inputs.unixSeconds
        = m_services.clock ? m_services.clock->now().toSecsSinceEpoch() : QDateTime::currentSecsSinceEpoch();
    const QString text = m_nameTemplate->text().trimmed();
    const auto sample = [](int n) { return QStringLiteral("k7x2qm9pzr4vbw6tnc3hd8fjl5sg0y1a").left(n); };
    QString name;
    QString shown;
    if (text.isEmpty()) {
        name = QStringLiteral("kms-%1-%2").arg(inputs.secret, sample(NameTemplate::MinRandom));
        shown = tr("Example: %1 (the default)").arg(name);
    } else if (const std::optional<NameTemplate> parsed = NameTemplate::parse(text, nullptr)) {
        QString error;
        name = parsed->render(inputs, sample);
        if (NameTemplate::check(text, inputs.secret, { inputs.namespaceName }, false, inputs.user).isEmpty())
            shown = tr("Example: %1").arg(name);
        else
            name.clear();
    }
    m_nameTemplateExample->setProperty("exampleName", name);
    m_nameTemplateExample->setText(escapeControls(shown));
}

void SecretSetupDialog::chooseGeneratedRulesFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Generated Role Rules"), QDir::homePath(),
        tr("Rules (*.yaml *.yml *.json);;All files (*)"));
    if (!path.isEmpty())
        loadGeneratedRules(path);
}

bool SecretSetupDialog::loadGeneratedRules(const QString &path)
{
    const BoundedRead file = BoundedRead::fromFile(path, MaxRulesFileBytes);
    if (!file.ok()) {
        setBusy(false,
            tr("Generated role rules: %1; choose a YAML or JSON file of RBAC rules.")
                .arg(file.problem(path)));
        return false;
    }
    // What the file holds goes into the box, where it is checked like typed rules.
    m_generatedRules->setPlainText(QString::fromUtf8(file.data));
    setAdvancedShown(true);
    touch(FGeneratedRules);
    return true;
}

QWidget *SecretSetupDialog::buildAudiences(QWidget *page)
{
    auto *audienceBox = new QWidget(page);
    auto *audienceLayout = new QGridLayout(audienceBox);
    audienceLayout->setContentsMargins(0, 0, 0, 0);
    m_audienceInput = new QLineEdit(audienceBox);
    m_audienceInput->setObjectName(QStringLiteral("audienceInput"));
    // No example URL: a token for an audience the API server does not accept
    // (its issuer's, which differs between clusters) is refused by it.
    m_audienceInput->setPlaceholderText(tr("e.g. vault, or your service's own audience"));
    m_audienceInput->setToolTip(tr("Leave the list empty for a token the API server itself accepts. A token "
                                   "with other audiences is meant for the service that checks them, and the "
                                   "API server refuses it."));
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
    connect(add, &QPushButton::clicked, this, &SecretSetupDialog::addAudience);
    m_audienceInput->installEventFilter(this);
    connect(m_removeAudience, &QPushButton::clicked, this, &SecretSetupDialog::removeAudience);
    connect(m_audiences, &QListWidget::currentRowChanged, this,
        [this](int row) { m_removeAudience->setEnabled(row >= 0); });
    m_removeAudience->setEnabled(false);
    return audienceBox;
}

void SecretSetupDialog::showForm()
{
    m_pages->setCurrentIndex(1);
    m_buttons->show();
    m_saveButton->setDefault(true);
    // As large as the form wants, within the screen (1024x700 too): the form
    // scrolls inside, Save and Cancel stay in view.
    m_wantedSize = QSize(std::max(width(), 640), std::max(height(), 720));
    m_fitAttempts = 0;
    m_unframedChecks = 0;
    fitToScreen(true);
    m_name->setFocus();
}

bool SecretSetupDialog::fitToScreen(bool grow)
{
    const QScreen *on = screen();
    if (!on || m_wantedSize.isEmpty())
        return true;
    const QRect available = on->availableGeometry();
    const QRect frame = frameGeometry();
    const QRect inner = geometry();
    // The window manager's frame once it is known (it may answer 1x1 before);
    // a title bar's worth until then.
    QMargins margins(inner.left() - frame.left(), inner.top() - frame.top(), frame.right() - inner.right(),
        frame.bottom() - inner.bottom());
    const bool framed = isVisible() && frame.contains(inner) && frame != inner;
    if (!framed)
        margins = QMargins(0, 32, 0, 0);
    // Grown back to the wanted size only when asked or once framed (the window
    // manager may have answered with an older size): without a window manager
    // the window is only kept within the screen.
    const QSize size
        = (grow || framed ? m_wantedSize : this->size()).boundedTo(available.size().shrunkBy(margins));
    const bool resized = size != this->size();
    if (resized)
        resize(size);
    if (!isVisible())
        return false;
    QRect wanted(frame.topLeft(), size.grownBy(margins));
    if (wanted.right() > available.right())
        wanted.moveRight(available.right());
    if (wanted.bottom() > available.bottom())
        wanted.moveBottom(available.bottom());
    if (wanted.left() < available.left())
        wanted.moveLeft(available.left());
    if (wanted.top() < available.top())
        wanted.moveTop(available.top());
    const bool moved = wanted.topLeft() != frame.topLeft();
    if (moved)
        move(wanted.topLeft()); // a window's position is its frame's
    // A window manager that frames the window where it was asked to put it
    // (openbox keeps the client's position: the title bar above the screen)
    // changes nothing Qt reports as a move: look again until there is a frame.
    if (!framed && m_unframedChecks < 40) {
        ++m_unframedChecks;
        QTimer::singleShot(50, this, [this] {
            if (isVisible() && m_fitAttempts < 8)
                fitToScreen(false);
        });
    }
    return framed && !resized && !moved;
}

bool SecretSetupDialog::event(QEvent *event)
{
    const bool handled = QDialog::event(event);
    // The window manager frames a window after it is shown, places it as it
    // likes (openbox: centred on the main window, title bar above the screen at
    // 1024x700) and may answer a resize sent meanwhile with the old size: until
    // the framed window is where and as large as wanted, each of its answers
    // is met again (a few times at most, so as not to fight a window manager).
    if ((event->type() == QEvent::Move || event->type() == QEvent::Resize || event->type() == QEvent::Show)
        && isVisible() && m_fitAttempts < 8) {
        const QRect frame = frameGeometry();
        if (frame.contains(geometry()) && frame != geometry())
            ++m_fitAttempts; // only the framed window's answers count
        // Even once in place: a window manager may still answer an older request.
        fitToScreen(false);
    }
    return handled;
}

void SecretSetupDialog::touch(const QString &field)
{
    m_touched.insert(field);
    m_preflightBox->hide();
    if (field == FAuthMethod || field == FGateway || field == FCredentialType || field == FRoleType
        || field == FBoundTokens)
        updateVisibility();
    revalidate();
    updateNameTemplateExample();
    updateAdvancedSummary();
}

bool SecretSetupDialog::isFieldShown(const QString &field) const
{
    QWidget *row = m_rows.value(field);
    return row && !row->isHidden();
}

void SecretSetupDialog::updateVisibility()
{
    const bool token = m_authMethod->currentIndex() == 0;
    const bool viaGateway = !m_gateway->currentText().trimmed().isEmpty();
    const bool isStatic = m_credentialType->currentIndex() == 0;
    const bool clusterRole = m_roleType->currentIndex() == 0;
    const bool bound = m_boundTokens->isChecked();
    for (const Field &field : Field::all()) {
        if (field.shown == Field::Shown::Always)
            continue; // rows that never hide are left alone
        const bool visible = field.isShown(token, viaGateway, isStatic, clusterRole, bound);
        m_rows.value(field.key)->setVisible(visible);
        m_labels.value(field.key)->setVisible(visible);
    }
    // Without a gateway, Gateway auth has nothing to reach the cluster by.
    m_gateway->lineEdit()->setPlaceholderText(
        token ? tr("None: reach the cluster URL directly") : tr("Name of a registered gateway"));
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
    // Escape in the Gateway box closes its list, never the dialog.
    if ((watched == m_gateway || watched == m_gateway->lineEdit()) && event->type() == QEvent::KeyPress
        && static_cast<QKeyEvent *>(event)->key() == Qt::Key_Escape) {
        m_gateway->hidePopup();
        return true;
    }
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
    // Either method may go through a gateway; only Token auth without one has a URL of its own.
    s.gateway = m_gateway->currentText().trimmed();
    const bool direct = s.authMethod == AuthMethod::Token && !s.viaGateway();
    s.clusterUrl = direct ? m_clusterUrl->text().trimmed() : QString();
    s.sslVerify = !direct || m_sslVerify->isChecked();
    s.caCertificate = direct ? m_ca->toPlainText().trimmed() : QString();
    s.credentialType
        = m_credentialType->currentIndex() == 0 ? CredentialType::Static : CredentialType::Dynamic;
    const bool isStatic = s.credentialType == CredentialType::Static;
    s.serviceAccount = isStatic ? m_serviceAccount->text().trimmed() : QString();
    s.namespaceName = isStatic ? m_namespace->text().trimmed() : QString();
    s.allowedNamespaces.clear();
    s.namespaceSelector = isStatic ? QString() : m_namespaceSelector->text().trimmed();
    // With a selector, the list may be empty: the selector alone says where.
    if (!isStatic && !(m_allowedNamespaces->text().trimmed().isEmpty() && !s.namespaceSelector.isEmpty())) {
        s.allowedNamespaces = DynamicSecret::parseNamespaceList(m_allowedNamespaces->text(), &error);
        if (s.allowedNamespaces.isEmpty() && errors)
            errors->append({ FAllowedNamespaces, error });
    }
    s.roleType = m_roleType->currentIndex() == 0 ? RoleType::ClusterRole : RoleType::Role;
    s.roleName = isStatic ? QString() : m_role->text().trimmed();
    s.audiences = audiences();
    s.clusterWide = !isStatic && s.roleType == RoleType::ClusterRole && m_clusterWide->isChecked();
    s.boundTokens = isStatic && m_boundTokens->isChecked();

    // The Advanced section; what the type does not use is not kept out of sight.
    const bool createsObjects = !isStatic || s.boundTokens;
    s.extraRoles.clear();
    if (!isStatic && !m_moreRoles->text().trimmed().isEmpty()) {
        const QList<RoleRef> roles = DynamicSecret::parseRoleList(m_moreRoles->text(), &error);
        if (!error.isEmpty() && errors)
            errors->append({ FRoles, error });
        s.extraRoles = roles;
    }
    s.generatedRules.clear();
    s.generatedRoleType = s.roleType;
    const QString rulesText = m_generatedRules->toPlainText();
    if (!isStatic && !rulesText.trimmed().isEmpty()) {
        QString why;
        const std::optional<QJsonValue> value = YamlDocument::parse(rulesText.toUtf8(), &why);
        std::optional<QList<PolicyRule>> rules;
        if (value)
            rules = PolicyRule::listFromJson(*value, &why);
        if (rules)
            s.generatedRules = *rules;
        else if (errors)
            errors->append({ FGeneratedRules,
                value ? why : tr("Generated role rules are not YAML or JSON: %1.").arg(why) });
    }
    s.nameTemplate = createsObjects ? m_nameTemplate->text().trimmed() : QString();
    s.extraLabels.clear();
    s.extraAnnotations.clear();
    if (createsObjects) {
        for (const auto &[field, edit, word, target] :
            { std::tuple { FExtraLabels, m_extraLabels, "label", &s.extraLabels },
                std::tuple { FExtraAnnotations, m_extraAnnotations, "annotation", &s.extraAnnotations } }) {
            *target = DynamicSecret::parseMetadata(edit->text(), QString::fromLatin1(word), &error);
            if (!error.isEmpty() && errors)
                errors->append({ field, error });
        }
    }
    s.maxLeases = 0;
    const QString limit = m_maxLeases->text().trimmed();
    if (!limit.isEmpty()) {
        bool ok = false;
        const int n = limit.toInt(&ok);
        if (ok && n >= 0)
            s.maxLeases = n;
        else if (errors)
            errors->append({ FMaxLeases,
                tr("Lease limit %1 is not a whole number of leases; leave it empty for no limit.")
                    .arg(quoted(limit)) });
    }
    return s;
}

void SecretSetupDialog::revalidate()
{
    FieldErrors errors;
    const DynamicSecret secret = currentSecret(&errors);
    const bool tokenGiven = !m_clusterToken->text().trimmed().isEmpty();
    const SecretValidationContext ctx = m_services.catalog->validationContext(secret, tokenGiven);
    FieldErrors found = secret.validate(ctx);
    // The typed token is checked as every cluster token is, wherever it comes from.
    if (secret.authMethod == AuthMethod::Token && tokenGiven) {
        if (const QString problem = BearerToken::problem(m_clusterToken->text().trimmed().toUtf8());
            !problem.isEmpty())
            found.append({ FClusterToken, tr("Cluster token %1.").arg(problem) });
    }
    for (const FieldError &e : std::as_const(found)) {
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
        if (auto *stack = qobject_cast<QStackedLayout *>(it.value()->parentWidget()->layout()))
            stack->setCurrentIndex(message.isEmpty() ? 0 : 1);
        if (QWidget *editor = m_editors.value(it.key()))
            editor->setAccessibleDescription(message.isEmpty() ? editor->toolTip() : message);
    }
    if (m_correctionShown && errors.isEmpty()) {
        m_correctionShown = false;
        m_status->clear();
        m_status->hide();
    }
    updateSaveState();
}

// Create Secret (Save) is enabled only for a form that would be saved, as
// Submit is in Provision Lease; what is still needed is said next to it, by
// the rows' own labels, so a disabled button never leaves the user guessing.
void SecretSetupDialog::updateSaveState()
{
    QStringList needed;
    for (const Field &field : Field::all()) {
        const bool marked = std::any_of(m_errors.cbegin(), m_errors.cend(),
            [&field](const FieldError &e) { return e.field == field.key; });
        if (marked && m_labels.value(field.key) && !m_labels.value(field.key)->isHidden())
            needed << tr(field.label).remove(QLatin1Char('&'));
    }
    const bool valid = m_errors.isEmpty();
    m_saveButton->setEnabled(!m_busy && valid);
    const QString hint = valid ? QString() : tr("Still needed: %1.").arg(needed.join(QStringLiteral(", ")));
    m_saveButton->setToolTip(hint);
    m_saveButton->setAccessibleDescription(hint);
    // The status line is the hint's place unless something else is said there.
    if (m_busy || m_correctionShown || (!m_hintShown && !m_status->text().isEmpty()))
        return;
    m_hintShown = !hint.isEmpty() && !needed.isEmpty();
    QPalette pal = m_status->palette();
    pal.setColor(QPalette::WindowText, palette().color(QPalette::PlaceholderText));
    m_status->setPalette(pal);
    m_status->setText(m_hintShown ? hint : QString());
    m_status->setVisible(m_hintShown);
}

QString SecretSetupDialog::fieldMessage(const QString &field) const
{
    QLabel *label = m_errorLabels.value(field);
    return label ? label->text() : QString();
}

void SecretSetupDialog::setBusy(bool busy, const QString &message)
{
    // The buttons about to be disabled would hand the focus on, down to Cancel.
    if (busy && !m_busy) {
        m_focusBeforeBusy = focusWidget();
    }
    m_busy = busy;
    m_correctionShown = false;
    m_hintShown = false;
    m_saveButton->setEnabled(!busy && m_errors.isEmpty());
    m_testButton->setEnabled(!busy);
    m_importButton->setEnabled(!busy && m_authMethod->currentIndex() == 0);
    QPalette pal = m_status->palette();
    pal.setColor(QPalette::WindowText, busy ? palette().color(QPalette::WindowText) : UiColors::error());
    m_status->setPalette(pal);
    m_status->setText(message);
    m_status->setVisible(!message.isEmpty());
    if (!busy && message.isEmpty())
        updateSaveState();
}

void SecretSetupDialog::save()
{
    if (m_busy)
        return;
    // An audience typed and not yet added is meant to be one.
    if (!m_audienceInput->text().trimmed().isEmpty())
        addAudience();
    m_showAll = true;
    revalidate();
    if (!m_errors.isEmpty()) {
        for (const FieldError &e : std::as_const(m_errors)) {
            for (const Field &field : Field::all()) {
                if (field.advanced && field.key == e.field && isFieldShown(field.key))
                    setAdvancedShown(true);
            }
        }
        restoreFocus(); // the first field with a problem
        m_correctionShown = true;
        m_hintShown = false;
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
    // An edit is saved only over the version this form was opened with.
    const QDateTime readAt = m_existing ? m_existing->updatedAt : QDateTime();
    QCoro::connect(
        m_services.catalog->save(secret, token, readAt), this, [this](const SecretSaveResult &result) {
            setBusy(false);
            if (!result.ok()) {
                if (!result.fieldErrors.isEmpty()) {
                    revalidate();
                }
                setBusy(false, result.error);
                restoreFocus();
                emit saveFailed(result.error);
                return;
            }
            m_discardConfirmed = true; // saved: nothing left to lose
            m_clusterToken->clear();
            emit saved(*result.secret);
            accept();
        });
    token.fill('\0');
}

void SecretSetupDialog::restoreFocus()
{
    for (const Field &field : Field::all()) {
        QWidget *editor = m_editors.value(field.key);
        if (editor && isFieldShown(field.key) && !fieldMessage(field.key).isEmpty()) {
            editor->setFocus();
            return;
        }
    }
    if (m_focusBeforeBusy && m_focusBeforeBusy->isEnabled() && m_focusBeforeBusy->isVisible())
        m_focusBeforeBusy->setFocus();
    else
        m_name->setFocus();
}

QString SecretSetupDialog::formState() const
{
    QStringList values;
    for (const Field &field : Field::all()) {
        QWidget *editor = m_editors.value(field.key);
        if (auto *edit = qobject_cast<QLineEdit *>(editor))
            values << edit->text();
        else if (auto *box = qobject_cast<QComboBox *>(editor))
            values << box->currentText();
        else if (auto *check = qobject_cast<QCheckBox *>(editor))
            values << (check->isChecked() ? QStringLiteral("1") : QStringLiteral("0"));
        else if (auto *text = qobject_cast<QPlainTextEdit *>(editor))
            values << text->toPlainText();
    }
    values << audiences() << m_audienceInput->text();
    // Not the token itself: it has no place in a second string. It starts empty, so typed is changed.
    values << (m_clusterToken->text().isEmpty() ? QString() : QStringLiteral("token typed"));
    return values.join(QChar(0x1f));
}

bool SecretSetupDialog::hasUnsavedChanges() const
{
    return formState() != m_initialState;
}

void SecretSetupDialog::done(int result)
{
    if (result == QDialog::Rejected && !m_discardConfirmed && hasUnsavedChanges()) {
        askToDiscard();
        return;
    }
    QDialog::done(result);
}

void SecretSetupDialog::askToDiscard()
{
    if (m_discardBox && m_discardBox->isVisible())
        return; // already asking
    auto *box = new QMessageBox(QMessageBox::Question,
        m_existing ? tr("Discard Changes to %1?").arg(m_existing->name) : tr("Discard New Dynamic Secret?"),
        m_existing ? tr("The changes you made are lost; the saved secret stays as it was.")
                   : tr("What you entered in this form is lost."),
        QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("confirmDiscard"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    m_discardBox = box;
    QPushButton *discard = box->addButton(tr("Discard"), QMessageBox::DestructiveRole);
    discard->setObjectName(QStringLiteral("discardButton"));
    QPushButton *keep = box->addButton(tr("Keep Editing"), QMessageBox::RejectRole);
    keep->setObjectName(QStringLiteral("keepEditingButton"));
    box->setDefaultButton(keep);
    box->setEscapeButton(keep);
    connect(box, &QMessageBox::buttonClicked, this, [this, discard](QAbstractButton *button) {
        if (button != discard)
            return;
        m_discardConfirmed = true;
        reject();
    });
    box->open();
}

void SecretSetupDialog::testConnection()
{
    if (m_busy)
        return;
    // Nothing goes to the cluster before the fields it uses are valid: no
    // token is sent to an http:// URL or with a line break in it. The name
    // and TTLs do not matter to the cluster, so they may still be unfinished.
    revalidate();
    QString firstBlocking;
    for (const FieldError &e : std::as_const(m_errors)) {
        if (e.field == FName || e.field == FDefaultTtl || e.field == FMaxTtl)
            continue;
        m_touched.insert(e.field);
        if (firstBlocking.isEmpty())
            firstBlocking = e.field;
    }
    if (!firstBlocking.isEmpty()) {
        revalidate();
        for (const Field &field : Field::all()) {
            if (field.advanced && field.key == firstBlocking)
                setAdvancedShown(true);
        }
        if (QWidget *editor = m_editors.value(firstBlocking))
            editor->setFocus();
        PreflightResult refused;
        refused.connectionError
            = tr("Correct the fields marked above to test the connection; nothing was sent.");
        showPreflight(refused);
        return;
    }
    const DynamicSecret secret = currentSecret();
    setBusy(true, tr("Asking the cluster..."));
    const QByteArray typedToken = m_clusterToken->text().trimmed().toUtf8();
    // Parameters, not captures: the coroutine frame keeps parameters alive.
    auto run = [](LeaseService *service, DynamicSecret secret,
                   QByteArray typedToken) -> QCoro::Task<PreflightResult> {
        if (secret.hasClusterToken() && typedToken.isEmpty() && secret.id == 0) {
            PreflightResult r;
            r.connectionError = SecretSetupDialog::tr("Enter the cluster token to test the connection.");
            co_return r;
        }
        // The typed token, else the stored one (an edit), directly or through
        // the gateway; or the gateway's own account.
        if (!secret.hasClusterToken())
            typedToken.clear();
        PreflightResult r = co_await service->preflight(secret, typedToken, true);
        co_return r;
    };
    QCoro::connect(run(m_services.leases, secret, typedToken), this, [this](const PreflightResult &result) {
        setBusy(false);
        restoreFocus();
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
    SummaryTone tone = SummaryTone::Error;
    const QString summary = preflightSummary(result, &tone);
    const QColor colour = tone == SummaryTone::Success ? UiColors::success()
        : tone == SummaryTone::Warning                 ? UiColors::warning()
                                                       : UiColors::error();
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

QString SecretSetupDialog::preflightSummary(const PreflightResult &result, SummaryTone *tone)
{
    SummaryTone dummy;
    SummaryTone &t = tone ? *tone : dummy;
    t = SummaryTone::Error;
    if (!result.connectionError.isEmpty())
        return result.connectionError;
    if (!result.passed())
        return tr("%n permission(s) or object(s) missing. Apply the RBAC YAML as a cluster administrator, "
                  "then test again.",
            nullptr, int(result.missing().size()));
    int unknown = 0;
    for (const PreflightCheck &check : result.checks)
        unknown += check.result == PreflightCheck::Result::Unknown ? 1 : 0;
    if (unknown > 0) {
        t = SummaryTone::Warning;
        return tr("The connection works and nothing is missing, but %n check(s) could not be decided "
                  "(Unknown): see why in the list. A lease may still fail on them.",
            nullptr, unknown);
    }
    t = SummaryTone::Success;
    return tr("The connection works and every permission this secret needs is granted.");
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
    // A kubeconfig's server is reached directly.
    m_authMethod->setCurrentIndex(0);
    m_gateway->setCurrentText(QString());
    m_clusterUrl->setText(ctx->server);
    m_ca->setPlainText(QString::fromUtf8(ctx->caPem).trimmed());
    m_sslVerify->setChecked(!ctx->insecureSkipTlsVerify);
    if (!ctx->token.isEmpty())
        m_clusterToken->setText(QString::fromUtf8(ctx->token));
    if (m_credentialType->currentIndex() == 0 && m_namespace->text().isEmpty()
        && !ctx->namespaceName.isEmpty())
        m_namespace->setText(ctx->namespaceName);
    for (const QString &f : { FGateway, FClusterUrl, FCa, FSslVerify, FClusterToken })
        m_touched.insert(f);
    updateVisibility();
    revalidate();
    // Never silently: the form shows the checkbox, and this says why it is off.
    setBusy(false,
        ctx->insecureSkipTlsVerify ? tr(
            "The cluster of context %1 sets insecure-skip-tls-verify, so TLS verification is off: anyone "
            "on the network path can read the cluster token. Turn verification on and give the CA "
            "certificate unless you accept that.")
                                         .arg(quoted(ctx->contextName))
                                   : QString());
    return true;
}

} // namespace kms::ui
