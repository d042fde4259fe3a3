#include "KubeconfigDialog.h"

#include "UiColors.h"
#include "leases/Engine.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace kms::ui {

KubeconfigDialog::KubeconfigDialog(const AppServices &services, const DynamicSecret &secret, QWidget *parent)
    : QDialog(parent)
    , m_services(services)
    , m_secret(secret)
{
    setObjectName(QStringLiteral("kubeconfigDialog"));
    setWindowTitle(tr("Add to Kubeconfig"));
    setAccessibleName(tr("Add %1 to a kubeconfig").arg(secret.name));
    auto *layout = new QVBoxLayout(this);
    auto *intro
        = new QLabel(tr("A kubectl context whose tokens come from secret <b>%1</b>: each kubectl command "
                        "reuses the current lease's token while at least 2 minutes of it are left, and "
                        "otherwise issues a new lease. No token is written to the file.")
                         .arg(secret.name.toHtmlEscaped()),
            this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *form = new QFormLayout;
    m_namespace = new QComboBox(this);
    m_namespace->setObjectName(QStringLiteral("namespaceBox"));
    m_namespace->setAccessibleName(tr("Namespace"));
    if (secret.credentialType == CredentialType::Dynamic) {
        m_namespace->addItems(secret.allowedNamespaces);
    } else {
        m_namespace->addItem(secret.namespaceName);
        m_namespace->setEnabled(false);
    }
    auto *nsLabel = new QLabel(tr("&Namespace"), this);
    nsLabel->setBuddy(m_namespace);
    form->addRow(nsLabel, m_namespace);

    m_context = new QLineEdit(this);
    m_context->setObjectName(QStringLiteral("contextEdit"));
    m_context->setAccessibleName(tr("Context name"));
    m_context->setToolTip(tr("The name to give kubectl --context"));
    auto *contextLabel = new QLabel(tr("&Context"), this);
    contextLabel->setBuddy(m_context);
    form->addRow(contextLabel, m_context);

    auto *fileRow = new QHBoxLayout;
    m_kubeconfig = new QLineEdit(KubectlContexts::defaultKubeconfigPath(), this);
    m_kubeconfig->setObjectName(QStringLiteral("kubeconfigEdit"));
    m_kubeconfig->setAccessibleName(tr("Kubeconfig file"));
    m_kubeconfig->setToolTip(
        tr("Its other contexts stay as they are; the previous file is kept with .bak added"));
    auto *browse = new QPushButton(tr("Browse..."), this);
    browse->setAccessibleName(tr("Choose the kubeconfig file"));
    fileRow->addWidget(m_kubeconfig, 1);
    fileRow->addWidget(browse);
    auto *fileLabel = new QLabel(tr("&Kubeconfig"), this);
    fileLabel->setBuddy(m_kubeconfig);
    form->addRow(fileLabel, fileRow);
    layout->addLayout(form);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("kubeconfigError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette pal = m_error->palette();
    pal.setColor(QPalette::WindowText, UiColors::error());
    m_error->setPalette(pal);
    m_error->hide();
    layout->addWidget(m_error);

    // After Add: what was done, and the line to copy.
    m_done = new QWidget(this);
    auto *doneLayout = new QVBoxLayout(m_done);
    doneLayout->setContentsMargins(0, 0, 0, 0);
    m_result = new QLabel(m_done);
    m_result->setObjectName(QStringLiteral("kubeconfigResult"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    doneLayout->addWidget(m_result);
    auto *commandRow = new QHBoxLayout;
    m_command = new QLineEdit(m_done);
    m_command->setObjectName(QStringLiteral("kubectlCommand"));
    m_command->setAccessibleName(tr("kubectl command"));
    m_command->setReadOnly(true);
    QFont mono = m_command->font();
    mono.setFamily(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_command->setFont(mono);
    m_copy = new QPushButton(tr("Copy"), m_done);
    m_copy->setObjectName(QStringLiteral("copyCommandButton"));
    m_copy->setAccessibleName(tr("Copy the kubectl command"));
    commandRow->addWidget(m_command, 1);
    commandRow->addWidget(m_copy);
    doneLayout->addLayout(commandRow);
    m_done->hide();
    layout->addWidget(m_done);
    layout->addStretch(1);

    auto *buttons = new QDialogButtonBox(this);
    m_add = buttons->addButton(tr("Add"), QDialogButtonBox::AcceptRole);
    m_add->setObjectName(QStringLiteral("addButton"));
    m_add->setDefault(true);
    auto *close = buttons->addButton(QDialogButtonBox::Close);
    layout->addWidget(buttons);

    connect(m_add, &QPushButton::clicked, this, &KubeconfigDialog::add);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, &KubeconfigDialog::chooseFile);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        // Not a secret: the context's name only.
        QApplication::clipboard()->setText(m_command->text());
        m_copy->setText(tr("Copied"));
    });
    connect(m_namespace, &QComboBox::currentIndexChanged, this, &KubeconfigDialog::namespaceChanged);
    namespaceChanged();
    resize(560, sizeHint().height());
}

QString KubeconfigDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString KubeconfigDialog::resultText() const
{
    return m_result->text();
}

void KubeconfigDialog::namespaceChanged()
{
    // The suggestion follows the namespace until someone types their own name.
    if (m_context->text() != m_suggestedContext && !m_context->text().isEmpty())
        return;
    const QString ns
        = m_secret.credentialType == CredentialType::Dynamic && m_secret.allowedNamespaces.size() > 1
        ? m_namespace->currentText()
        : QString();
    m_suggestedContext = KubectlContexts::defaultContextName(m_secret.name, ns);
    m_context->setText(m_suggestedContext);
}

void KubeconfigDialog::chooseFile()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Kubeconfig File"), m_kubeconfig->text(), {}, nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        m_kubeconfig->setText(path);
}

bool KubeconfigDialog::add()
{
    KubectlContextRequest request;
    request.secret = m_secret;
    for (const Environment &env : m_services.engine->environments()) {
        if (env.id == m_secret.environmentId)
            request.environmentName = env.name;
    }
    request.namespaceName = m_namespace->currentText();
    request.contextName = m_context->text().trimmed();
    request.kubeconfigPath = QDir::cleanPath(QDir::fromNativeSeparators(m_kubeconfig->text().trimmed()));
    request.kmsctlPath = m_services.kmsctlPath.isEmpty()
        ? QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("hanzo-kmsctl"))
        : m_services.kmsctlPath;
    request.dataDir = m_services.engine->dataDir();
    request.keychainService = m_services.engine->keychainService();
    const KubectlContextResult result = KubectlContexts::add(request);
    if (!result.ok) {
        // The CLI's flag names mean nothing here.
        QString error = result.error;
        if (error.startsWith(QLatin1String("--")))
            error = error.section(QLatin1Char(' '), 1);
        m_error->setText(error);
        m_error->show();
        return false;
    }
    m_error->hide();
    QString text = result.replaced ? tr("Context %1 replaced in %2.") : tr("Context %1 added to %2.");
    text = text.arg(result.contextName, result.kubeconfigPath);
    if (!result.backupPath.isEmpty())
        text += QLatin1Char(' ') + tr("The previous file is %1.").arg(result.backupPath);
    if (!result.warning.isEmpty())
        text += QLatin1Char(' ') + result.warning;
    text += QLatin1Char(' ') + tr("Use it with:");
    m_result->setText(text);
    m_command->setText(result.kubectlCommand() + QStringLiteral(" get pods"));
    m_copy->setText(tr("Copy"));
    m_done->show();
    m_add->setText(tr("Add Again"));
    m_add->setDefault(false);
    return true;
}

} // namespace kms::ui
