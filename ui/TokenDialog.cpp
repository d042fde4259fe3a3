#include "TokenDialog.h"

#include "SecretClipboard.h"
#include "TimeText.h"
#include "UiColors.h"
#include "core/Clock.h"
#include "kube/Kubeconfig.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace kms::ui {

TokenDialog::TokenDialog(const AppServices &services, const DynamicSecret &secret, const Lease &lease,
    const IssuedToken &issued, SecretClipboard *clipboard, QWidget *parent)
    : QDialog(parent)
    , m_services(services)
    , m_secret(secret)
    , m_lease(lease)
    , m_value(issued.token)
    , m_clipboard(clipboard)
{
    setObjectName(QStringLiteral("tokenDialog"));
    setWindowTitle(tr("Service Account Token"));
    setAccessibleName(tr("Service account token of lease %1").arg(lease.id));
    auto *layout = new QVBoxLayout(this);

    auto *warning = new QLabel(
        tr("<b>This token will not be shown again.</b> Copy it or save it as a kubeconfig now."), this);
    warning->setObjectName(QStringLiteral("notShownAgainWarning"));
    warning->setWordWrap(true);
    QPalette wp = warning->palette();
    wp.setColor(QPalette::WindowText, UiColors::warning());
    warning->setPalette(wp);
    layout->addWidget(warning);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("tokenNote"));
    m_note->setWordWrap(true);
    m_note->hide();
    layout->addWidget(m_note);

    auto *form = new QFormLayout;
    auto *tokenRow = new QHBoxLayout;
    m_token = new QLineEdit(QString::fromUtf8(m_value), this);
    m_token->setObjectName(QStringLiteral("tokenEdit"));
    m_token->setReadOnly(true);
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setAccessibleName(tr("Token"));
    m_token->setMinimumWidth(380);
    m_reveal = new QToolButton(this);
    m_reveal->setObjectName(QStringLiteral("revealButton"));
    m_reveal->setText(tr("Show"));
    m_reveal->setCheckable(true);
    m_reveal->setAccessibleName(tr("Show token"));
    m_reveal->setToolTip(tr("Show or hide the token (Ctrl+H)"));
    m_reveal->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
    m_reveal->setFocusPolicy(Qt::StrongFocus);
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(m_reveal);
    auto *tokenLabel = new QLabel(tr("&Token"), this);
    tokenLabel->setBuddy(m_token);
    form->addRow(tokenLabel, tokenRow);
    connect(m_reveal, &QToolButton::toggled, this, [this](bool shown) {
        m_token->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_reveal->setText(shown ? tr("Hide") : tr("Show"));
        m_reveal->setAccessibleName(shown ? tr("Hide token") : tr("Show token"));
    });

    m_expires = issued.expiresAt.isValid() ? issued.expiresAt : lease.expiresAt;
    m_expiry = new QLabel(this);
    m_expiry->setObjectName(QStringLiteral("expiryLabel"));
    m_expiry->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Expires"), m_expiry);
    auto *account = new QLabel(QStringLiteral("%1/%2").arg(lease.namespaceName, lease.serviceAccount), this);
    account->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Service account"), account);
    auto *leaseId = new QLabel(lease.id, this);
    leaseId->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Lease ID"), leaseId);
    layout->addLayout(form);

    if (!issued.warnings.isEmpty()) {
        auto *warnings = new QLabel(issued.warnings.join(QLatin1Char('\n')), this);
        warnings->setObjectName(QStringLiteral("serverWarnings"));
        warnings->setWordWrap(true);
        layout->addWidget(warnings);
    }

    m_countdown = new QLabel(this);
    m_countdown->setObjectName(QStringLiteral("clipboardCountdown"));
    m_countdown->setAccessibleName(tr("Clipboard status"));
    m_countdown->setMinimumHeight(m_countdown->fontMetrics().lineSpacing()); // appearing text moves nothing
    layout->addWidget(m_countdown);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("tokenStatus"));
    m_status->setWordWrap(true);
    m_status->hide();
    layout->addWidget(m_status);

    auto *buttons = new QDialogButtonBox(this);
    m_copy = buttons->addButton(tr("Copy"), QDialogButtonBox::ActionRole);
    m_copy->setObjectName(QStringLiteral("copyButton"));
    m_copy->setAccessibleName(tr("Copy token"));
    m_copy->setToolTip(tr("Copy the token; the clipboard is cleared after %n second(s)", nullptr,
        m_clipboard->timeoutSeconds()));
    m_copy->setDefault(true);
    m_saveKubeconfig = buttons->addButton(tr("Save as Kubeconfig..."), QDialogButtonBox::ActionRole);
    m_saveKubeconfig->setObjectName(QStringLiteral("saveKubeconfigButton"));
    m_saveKubeconfig->setAccessibleName(tr("Save as kubeconfig"));
    if (secret.viaGateway()) {
        m_saveKubeconfig->setEnabled(false);
        m_saveKubeconfig->setToolTip(
            tr("The cluster sits behind a gateway; its API server URL is not known here"));
    }
    auto *close = buttons->addButton(QDialogButtonBox::Close);
    close->setAccessibleName(tr("Close"));
    layout->addWidget(buttons);
    connect(m_copy, &QPushButton::clicked, this, &TokenDialog::copy);
    connect(m_saveKubeconfig, &QPushButton::clicked, this, &TokenDialog::chooseKubeconfigFile);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);

    // Only this dialog's own copy is spoken of here: the clipboard serves every token dialog.
    connect(m_clipboard, &SecretClipboard::countdown, this, [this](int left) {
        if (m_clipboard->owner() != this)
            return;
        m_countdown->setText(left > 0 ? tr("Copied. The clipboard is cleared in %n second(s).", nullptr, left)
                                      : tr("The clipboard was cleared."));
    });
    connect(m_clipboard, &SecretClipboard::finished, this, [this](bool cleared) {
        if (m_clipboard->owner() != this)
            return;
        m_countdown->setText(cleared ? tr("The clipboard was cleared.")
                                     : tr("The clipboard holds something else now; it was left alone."));
    });
    connect(m_clipboard, &SecretClipboard::copied, this, [this](const QObject *owner) {
        if (owner != this && !m_countdown->text().isEmpty())
            m_countdown->setText(tr("Another token was copied; this one is no longer on the clipboard."));
    });
    // "(in 59m 59s)" follows the clock, as the lease table does.
    showExpiry();
    m_tick = new QTimer(this);
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, &TokenDialog::showExpiry);
    connect(services.clock, &Clock::jumped, this, &TokenDialog::showExpiry);
    m_tick->start();
    resize(620, sizeHint().height());
}

void TokenDialog::showExpiry()
{
    m_expiry->setText(tr("%1 (%2)").arg(
        TimeText::absolute(m_expires), TimeText::relative(m_expires, m_services.clock->now())));
}

TokenDialog::~TokenDialog()
{
    wipe();
}

void TokenDialog::wipe()
{
    m_value.fill('\0');
    m_value.clear();
    m_token->clear();
}

void TokenDialog::done(int result)
{
    wipe();
    QDialog::done(result);
}

void TokenDialog::setNote(const QString &note)
{
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
    resize(width(), sizeHint().height());
}

void TokenDialog::copy()
{
    if (m_value.isEmpty())
        return;
    m_clipboard->copy(m_value, this);
}

void TokenDialog::chooseKubeconfigFile()
{
    auto *dialog = new QFileDialog(this, tr("Save as Kubeconfig"),
        QDir::home().filePath(QStringLiteral("%1-%2.kubeconfig").arg(m_secret.name, m_lease.id.left(8))));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setOption(QFileDialog::DontUseNativeDialog, qEnvironmentVariableIsSet("KMS_NO_NATIVE_DIALOGS"));
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { saveKubeconfig(path); });
    dialog->open();
}

bool TokenDialog::saveKubeconfig(const QString &path, QString *error)
{
    QString message;
    bool ok = false;
    if (m_value.isEmpty()) {
        message = tr("The token is no longer held; it is shown only once.");
    } else {
        const QByteArray yaml = Kubeconfig::write(
            QStringLiteral("%1-%2").arg(m_secret.name, m_lease.id.left(8)), m_secret.clusterUrl,
            m_secret.caCertificate.toUtf8(), !m_secret.sslVerify, m_value, m_lease.namespaceName);
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) {
            message
                = tr("%1 could not be written: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        } else {
            file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
            file.write(yaml);
            ok = file.commit();
            if (!ok)
                message = tr("%1 could not be written: %2")
                              .arg(QDir::toNativeSeparators(path), file.errorString());
        }
    }
    QPalette pal = m_status->palette();
    pal.setColor(QPalette::WindowText, ok ? palette().color(QPalette::WindowText) : UiColors::error());
    m_status->setPalette(pal);
    m_status->setText(ok
            ? tr("Saved to %1. Use it with kubectl --kubeconfig.").arg(QDir::toNativeSeparators(path))
            : message);
    m_status->show();
    if (error)
        *error = message;
    return ok;
}

} // namespace kms::ui
