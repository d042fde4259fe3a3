#include "NewLeaseDialog.h"

#include "UiColors.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QCoro/QCoroTask>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedLayout>
#include <QVBoxLayout>

namespace kms::ui {

namespace {

QLabel *errorLabel(QWidget *parent, const QString &name)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    QPalette pal = label->palette();
    pal.setColor(QPalette::WindowText, UiColors::error());
    label->setPalette(pal);
    label->hide();
    return label;
}

// The editor, and under it its help line, whose place a message takes: the
// stack is as tall as either, so a message moves nothing below it.
QWidget *withError(QWidget *parent, QWidget *editor, QLabel *error, const QString &help)
{
    auto *cell = new QWidget(parent);
    auto *v = new QVBoxLayout(cell);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    v->addWidget(editor);
    auto *messages = new QWidget(cell);
    auto *stack = new QStackedLayout(messages);
    stack->setContentsMargins(0, 0, 0, 0);
    auto *helpLine = new QLabel(help, messages);
    helpLine->setObjectName(error->objectName().replace(QLatin1String("error_"), QLatin1String("help_")));
    helpLine->setWordWrap(true);
    QPalette pal = helpLine->palette();
    pal.setColor(QPalette::WindowText, pal.color(QPalette::Disabled, QPalette::WindowText));
    helpLine->setPalette(pal);
    error->setParent(messages);
    stack->addWidget(helpLine);
    stack->addWidget(error);
    // Two lines at least: most messages are longer than a one-line help.
    messages->setMinimumHeight(2 * messages->fontMetrics().lineSpacing());
    v->addWidget(messages);
    return cell;
}

void showMessage(QLabel *error, const QString &message)
{
    error->setText(message);
    if (auto *stack = qobject_cast<QStackedLayout *>(error->parentWidget()->layout()))
        stack->setCurrentWidget(message.isEmpty() ? stack->widget(0) : error);
}

// "ClusterRole <b>view</b>, Role <b>deployer</b> and a role generated from 3 rules".
QString boundRolesText(const DynamicSecret &secret)
{
    QStringList parts;
    for (const RoleRef &role : secret.boundRoles())
        parts << QStringLiteral("%1 <b>%2</b>")
                     .arg(DynamicSecret::toString(role.kind), role.name.toHtmlEscaped());
    if (secret.generatesRole())
        parts << NewLeaseDialog::tr(
            "a %1 generated from %n rule(s)", nullptr, int(secret.generatedRules.size()))
                     .arg(DynamicSecret::toString(secret.generatedRoleType));
    if (parts.size() <= 1)
        return parts.value(0);
    const QString last = parts.takeLast();
    return NewLeaseDialog::tr("%1 and %2").arg(parts.join(QStringLiteral(", ")), last);
}

} // namespace

NewLeaseDialog::NewLeaseDialog(const AppServices &services, const DynamicSecret &secret, QWidget *parent)
    : QDialog(parent)
    , m_services(services)
    , m_secret(secret)
{
    setObjectName(QStringLiteral("newLeaseDialog"));
    setWindowTitle(tr("Provision Lease"));
    setAccessibleName(tr("Provision lease for %1").arg(secret.name));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(secret.credentialType == CredentialType::Static
            ? tr("A token for service account <b>%1</b> in namespace <b>%2</b> from secret <b>%3</b>.")
                  .arg(secret.serviceAccount.toHtmlEscaped(), secret.namespaceName.toHtmlEscaped(),
                      secret.name.toHtmlEscaped())
            : tr("A temporary service account bound to %1, from secret <b>%2</b>.")
                  .arg(boundRolesText(secret), secret.name.toHtmlEscaped()),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *form = new QFormLayout;
    m_ttl = new QLineEdit(secret.defaultTtl.toString(), this);
    m_ttl->setObjectName(QStringLiteral("ttlEdit"));
    m_ttl->setAccessibleName(tr("TTL"));
    m_ttl->setToolTip(tr("How long the token is valid: at least 10m, at most the secret's max TTL of %1")
                          .arg(secret.maxTtl.toString()));
    m_ttlError = errorLabel(this, QStringLiteral("error_ttl"));
    auto *ttlLabel = new QLabel(tr("&TTL"), this);
    ttlLabel->setBuddy(m_ttl);
    form->addRow(ttlLabel,
        withError(this, m_ttl, m_ttlError,
            tr("At least 10m, at most the secret's max TTL of %1.").arg(secret.maxTtl.toString())));

    if (secret.credentialType == CredentialType::Dynamic) {
        m_namespace = new QComboBox(this);
        m_namespace->setObjectName(QStringLiteral("namespaceBox"));
        m_namespace->addItems(secret.listedNamespaces());
        m_namespace->setAccessibleName(tr("Namespace"));
        m_namespace->setToolTip(
            tr("Where the temporary service account is created: one of the allowed namespaces"));
        if (secret.namespacesOpen()) {
            // "*" or a selector: the cluster's namespaces that match are listed
            // when it answers; another name may be typed (the lease checks it).
            m_namespace->setEditable(true);
            m_namespace->setToolTip(secret.anyNamespace()
                    ? tr("Where the temporary service account is created: any namespace")
                    : tr("Where the temporary service account is created: an allowed namespace, or one "
                         "whose labels match %1")
                          .arg(secret.namespaceSelector));
            connect(m_namespace, &QComboBox::editTextChanged, this, &NewLeaseDialog::revalidate);
            QCoro::connect(m_services.leases->namespaceChoices(secret), this,
                [this](const NamespaceChoices &choices) { showNamespaceChoices(choices); });
        }
        m_namespaceError = errorLabel(this, QStringLiteral("error_namespace"));
        auto *nsLabel = new QLabel(tr("&Namespace"), this);
        nsLabel->setBuddy(m_namespace);
        form->addRow(nsLabel,
            withError(
                this, m_namespace, m_namespaceError, tr("Where the temporary service account is created.")));
        connect(m_namespace, &QComboBox::currentIndexChanged, this, &NewLeaseDialog::revalidate);
    }

    m_audiences = new QLineEdit(this);
    m_audiences->setObjectName(QStringLiteral("audiencesEdit"));
    m_audiences->setAccessibleName(tr("Audiences"));
    m_audiences->setPlaceholderText(secret.audiences.isEmpty() ? tr("The API server's default audience")
                                                               : secret.audiences.join(QStringLiteral(", ")));
    m_audiences->setToolTip(tr("Comma-separated; leave empty to use the secret's audiences"));
    m_audiencesError = errorLabel(this, QStringLiteral("error_audiences"));
    auto *audLabel = new QLabel(tr("&Audiences"), this);
    audLabel->setBuddy(m_audiences);
    form->addRow(audLabel,
        withError(
            this, m_audiences, m_audiencesError, tr("Comma-separated; empty: the secret's audiences.")));
    layout->addLayout(form);

    // Progress and the error share one place below the form, kept from the start: the buttons stay put.
    auto *statusArea = new QWidget(this);
    m_statusStack = new QStackedLayout(statusArea);
    m_statusStack->setContentsMargins(0, 0, 0, 0);
    m_idle = new QWidget(statusArea);
    m_busy = new QWidget(statusArea);
    auto *busyLayout = new QVBoxLayout(m_busy);
    busyLayout->setContentsMargins(0, 0, 0, 0);
    m_progress = new QProgressBar(m_busy);
    m_progress->setRange(0, 0);
    m_progress->setTextVisible(false);
    m_progress->setAccessibleName(tr("Provisioning"));
    busyLayout->addWidget(m_progress);
    m_cancelHint = new QLabel(secret.credentialType == CredentialType::Static && !secret.boundTokens
            ? tr(
                "Kubernetes cannot revoke this token once it is issued: if you cancel now, it is still shown "
                "when it is ready.")
            : tr("If you cancel now, the lease is revoked as soon as it is ready."),
        m_busy);
    m_cancelHint->setObjectName(QStringLiteral("cancelHint"));
    m_cancelHint->setWordWrap(true);
    busyLayout->addWidget(m_cancelHint);
    busyLayout->addStretch(1);
    m_error = errorLabel(statusArea, QStringLiteral("leaseError"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_statusStack->addWidget(m_idle);
    m_statusStack->addWidget(m_busy);
    m_statusStack->addWidget(m_error);
    m_statusStack->setCurrentWidget(m_idle);
    layout->addWidget(statusArea);
    layout->addStretch(1);

    m_buttons = new QDialogButtonBox(this);
    m_submit = m_buttons->addButton(tr("Submit"), QDialogButtonBox::AcceptRole);
    m_submit->setObjectName(QStringLiteral("submitButton"));
    m_submit->setAccessibleName(tr("Submit"));
    m_submit->setDefault(true);
    auto *cancel = m_buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setAccessibleName(tr("Cancel"));
    layout->addWidget(m_buttons);
    connect(m_submit, &QPushButton::clicked, this, &NewLeaseDialog::submit);
    connect(cancel, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_ttl, &QLineEdit::textChanged, this, &NewLeaseDialog::revalidate);
    connect(m_audiences, &QLineEdit::textChanged, this, &NewLeaseDialog::revalidate);

    resize(480, sizeHint().height());
    revalidate();
}

LeaseRequest NewLeaseDialog::request(FieldErrors *errors) const
{
    LeaseRequest r;
    r.secretId = m_secret.id;
    r.secret = m_secret;
    QString error;
    if (const auto ttl = Duration::parse(m_ttl->text(), &error))
        r.ttl = *ttl;
    else
        errors->append({ QStringLiteral("ttl"), error });
    if (m_namespace)
        r.namespaceName = m_namespace->currentText();
    const QString audiences = m_audiences->text().trimmed();
    if (!audiences.isEmpty()) {
        const QStringList list = DynamicSecret::parseAudiences(audiences, &error);
        if (list.isEmpty())
            errors->append({ QStringLiteral("audiences"), error });
        else
            r.audiences = list;
    }
    return r;
}

QString NewLeaseDialog::fieldMessage(const QString &field) const
{
    if (field == QLatin1String("ttl"))
        return m_ttlError->text();
    if (field == QLatin1String("namespace"))
        return m_namespaceError ? m_namespaceError->text() : QString();
    if (field == QLatin1String("audiences"))
        return m_audiencesError->text();
    return {};
}

QString NewLeaseDialog::errorText() const
{
    return m_error->text();
}

void NewLeaseDialog::revalidate()
{
    FieldErrors errors;
    const LeaseRequest r = request(&errors);
    if (r.ttl || errors.isEmpty()) {
        qint64 ttl = 0;
        QString ns;
        QStringList audiences;
        for (const FieldError &e : LeaseService::validateRequest(m_secret, r, &ttl, &ns, &audiences)) {
            bool already = false;
            for (const FieldError &p : std::as_const(errors))
                already = already || p.field == e.field;
            if (!already)
                errors.append(e);
        }
    }
    auto show = [&errors](QLabel *label, const QString &field) {
        if (!label)
            return;
        QString message;
        for (const FieldError &e : std::as_const(errors)) {
            if (e.field == field) {
                message = e.message;
                break;
            }
        }
        showMessage(label, message);
    };
    show(m_ttlError, QStringLiteral("ttl"));
    show(m_namespaceError, QStringLiteral("namespace"));
    show(m_audiencesError, QStringLiteral("audiences"));
    m_ttl->setAccessibleDescription(m_ttlError->text());
    m_submit->setEnabled(errors.isEmpty() && !m_submitting);
}

void NewLeaseDialog::showNamespaceChoices(const NamespaceChoices &choices)
{
    m_namespacesListed = true;
    const QString typed = m_namespace->currentText();
    for (const QString &ns : choices.namespaces) {
        if (m_namespace->findText(ns) < 0)
            m_namespace->addItem(ns);
    }
    m_namespace->setEditText(typed);
    if (!choices.error.isEmpty())
        m_namespace->setToolTip(m_namespace->toolTip() + QLatin1Char('\n')
            + tr("The cluster's namespaces could not be listed: %1").arg(choices.error));
    emit namespacesListed();
}

void NewLeaseDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_statusStack->setCurrentWidget(message.isEmpty() ? m_idle : m_error);
}

void NewLeaseDialog::done(int result)
{
    if (m_submitting && result != QDialog::Accepted) {
        // The cluster calls are on their way; their outcome must still reach someone.
        if (!m_cancelled) {
            m_cancelled = true;
            hide();
            emit cancelRequested();
        }
        return;
    }
    QDialog::done(result);
}

void NewLeaseDialog::closeEvent(QCloseEvent *event)
{
    if (m_submitting) {
        // The title bar's close: as Cancel, and the dialog must live on (hidden) until the outcome.
        done(QDialog::Rejected);
        event->ignore();
        return;
    }
    QDialog::closeEvent(event);
}

void NewLeaseDialog::submit()
{
    if (m_submitting)
        return;
    FieldErrors errors;
    const LeaseRequest r = request(&errors);
    if (!errors.isEmpty()) {
        revalidate();
        return;
    }
    m_submitting = true;
    m_submit->setEnabled(false);
    m_ttl->setEnabled(false);
    m_audiences->setEnabled(false);
    if (m_namespace)
        m_namespace->setEnabled(false);
    showError(QString());
    m_statusStack->setCurrentWidget(m_busy);
    m_submit->setText(tr("Provisioning..."));
    QCoro::connect(m_services.leases->createLease(r), this, [this](const LeaseCreation &result) {
        m_submitting = false;
        m_statusStack->setCurrentWidget(m_idle);
        if (m_cancelled) {
            emit cancelledLeaseFinished(result);
            QDialog::done(QDialog::Rejected);
            return;
        }
        m_submit->setText(tr("Submit"));
        m_ttl->setEnabled(true);
        m_audiences->setEnabled(true);
        if (m_namespace)
            m_namespace->setEnabled(true);
        if (result.ok() && result.lease) {
            emit leaseCreated(*result.lease, *result.issued);
            accept();
            return;
        }
        QString message = result.error;
        if (message.isEmpty() && !result.fieldErrors.isEmpty())
            message = result.fieldErrors.first().message;
        if (message.isEmpty())
            message = tr("The lease could not be created.");
        showError(message);
        revalidate();
        // Disabling the form during Submit handed the focus on to Cancel; Enter must not cancel now.
        QWidget *first = m_ttl;
        if (m_namespace && !m_namespaceError->text().isEmpty() && m_ttlError->text().isEmpty())
            first = m_namespace;
        else if (!m_audiencesError->text().isEmpty() && m_ttlError->text().isEmpty())
            first = m_audiences;
        first->setFocus();
    });
}

} // namespace kms::ui
