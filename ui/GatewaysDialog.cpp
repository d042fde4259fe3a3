#include "GatewaysDialog.h"

#include "core/BoundedRead.h"
#include "gateway/GatewayRegistry.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSslCertificate>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace kms::ui {

namespace {

// Reads a PEM file for one field; error names the field.
std::optional<QByteArray> readPem(const QString &field, const QString &path, QString *error)
{
    if (path.trimmed().isEmpty()) {
        *error = QObject::tr("%1: choose a file.").arg(field);
        return std::nullopt;
    }
    BoundedRead read = BoundedRead::fromFile(path.trimmed(), GatewayRecord::MaxPemFileBytes);
    if (!read.ok()) {
        *error = QObject::tr("%1: %2; choose the PEM file.").arg(field, read.problem(path.trimmed()));
        return std::nullopt;
    }
    return std::move(read.data);
}

} // namespace

GatewaysDialog::GatewaysDialog(GatewayRegistry &gateways, QWidget *parent)
    : QDialog(parent)
    , m_gateways(gateways)
{
    setWindowTitle(tr("Gateways"));
    auto *layout = new QVBoxLayout(this);
    auto *intro
        = new QLabel(tr("A gateway runs in a private cluster and makes the cluster calls of Gateway-auth "
                        "secrets with its own service account. This desktop reaches it over mutual TLS."),
            this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_list = new QTreeWidget(this);
    m_list->setHeaderLabels({ tr("Name"), tr("URL"), tr("Client certificate"), tr("Expires") });
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(true);
    layout->addWidget(m_list);

    m_remove = new QPushButton(tr("&Remove"), this);
    m_remove->setToolTip(tr("Remove the selected gateway and its client key from the keychain"));
    auto *listButtons = new QHBoxLayout;
    listButtons->addStretch();
    listButtons->addWidget(m_remove);
    layout->addLayout(listButtons);

    auto *group = new QGroupBox(tr("Register a Gateway"), this);
    auto *form = new QFormLayout(group);
    m_name = new QLineEdit(group);
    m_name->setPlaceholderText(tr("e.g. prod-eu"));
    m_name->setToolTip(tr("Lower-case letters, digits and '-'; secrets refer to the gateway by this name"));
    form->addRow(tr("&Name:"), m_name);
    m_url = new QLineEdit(group);
    m_url->setPlaceholderText(tr("https://localhost:8443"));
    m_url->setToolTip(
        tr("Where this desktop reaches the gateway (port-forward, load balancer or TLS passthrough)"));
    form->addRow(tr("&URL:"), m_url);
    m_ca = fileRow(
        form, tr("Gateway &CA:"), tr("PEM file: the CA that signs the gateway's certificate (ca.crt)"));
    m_certificate
        = fileRow(form, tr("Client c&ertificate:"), tr("PEM file: this desktop's certificate (client.crt)"));
    m_key = fileRow(form, tr("Client &key:"),
        tr("PEM file: the client certificate's private key (client.key); it is stored in the keychain"));
    m_register = new QPushButton(tr("Re&gister"), group);
    form->addRow(QString(), m_register);
    layout->addWidget(group);

    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    connect(m_register, &QPushButton::clicked, this, [this] { registerGateway(); });
    connect(m_remove, &QPushButton::clicked, this, [this] { removeSelected(); });
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &GatewaysDialog::updateButtons);
    for (QLineEdit *edit : { m_name, m_url, m_ca, m_certificate, m_key })
        connect(edit, &QLineEdit::textChanged, this, &GatewaysDialog::updateButtons);
    reload();
    resize(640, 480);
}

QLineEdit *GatewaysDialog::fileRow(QFormLayout *form, const QString &label, const QString &tip)
{
    auto *row = new QWidget(form->parentWidget());
    auto *h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    auto *edit = new QLineEdit(row);
    edit->setToolTip(tip);
    auto *browse = new QPushButton(tr("Browse..."), row);
    h->addWidget(edit);
    h->addWidget(browse);
    connect(browse, &QPushButton::clicked, this, [this, edit, label] {
        const QString path = QFileDialog::getOpenFileName(this,
            QString(label).remove(QLatin1Char('&')).remove(QLatin1Char(':')), QString(),
            tr("PEM files (*.crt *.pem *.key);;All files (*)"));
        if (!path.isEmpty())
            edit->setText(path);
    });
    form->addRow(label, row);
    return edit;
}

void GatewaysDialog::reload()
{
    m_list->clear();
    QString error;
    const QList<GatewayRecord> gateways = m_gateways.list(&error);
    for (const GatewayRecord &g : gateways) {
        const QSslCertificate client(g.clientCertificate);
        auto *item = new QTreeWidgetItem(m_list,
            { g.name, g.url, client.subjectDisplayName(),
                QLocale().toString(client.expiryDate().toLocalTime(), QLocale::ShortFormat) });
        item->setData(0, Qt::UserRole, g.name);
    }
    if (!error.isEmpty())
        showMessage(error, true);
    updateButtons();
}

void GatewaysDialog::updateButtons()
{
    m_remove->setEnabled(!m_busy && !m_list->selectedItems().isEmpty());
    bool filled = true;
    for (QLineEdit *edit : { m_name, m_url, m_ca, m_certificate, m_key })
        filled = filled && !edit->text().trimmed().isEmpty();
    m_register->setEnabled(!m_busy && filled);
}

void GatewaysDialog::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setProperty("error", error);
    m_message->setStyleSheet(error
            ? QStringLiteral("color: palette(highlighted-text); background: #b3261e; padding: 4px;")
            : QString());
}

QCoro::Task<> GatewaysDialog::registerGateway()
{
    QString error;
    const auto ca = readPem(tr("Gateway CA"), m_ca->text(), &error);
    const auto certificate
        = ca ? readPem(tr("Client certificate"), m_certificate->text(), &error) : std::nullopt;
    auto key = certificate ? readPem(tr("Client key"), m_key->text(), &error) : std::nullopt;
    if (!key) {
        showMessage(error, true);
        co_return;
    }
    GatewayRecord record;
    record.name = m_name->text().trimmed();
    record.url = m_url->text().trimmed();
    record.caCertificate = *ca;
    record.clientCertificate = *certificate;
    m_busy = true;
    updateButtons();
    QPointer<GatewaysDialog> self(this);
    const GatewayRegistry::Result result = co_await m_gateways.add(record, *key);
    key->fill('\0');
    if (!self)
        co_return;
    m_busy = false;
    if (!result.ok) {
        showMessage(result.error, true);
        updateButtons();
        co_return;
    }
    for (QLineEdit *edit : { m_name, m_url, m_ca, m_certificate, m_key })
        edit->clear();
    showMessage(tr("Registered gateway \"%1\"; its client key is in the keychain.").arg(record.name), false);
    reload();
    emit gatewaysChanged();
}

QCoro::Task<> GatewaysDialog::removeSelected()
{
    const QList<QTreeWidgetItem *> selected = m_list->selectedItems();
    if (selected.isEmpty())
        co_return;
    const QString name = selected.first()->data(0, Qt::UserRole).toString();
    m_busy = true;
    updateButtons();
    QPointer<GatewaysDialog> self(this);
    const GatewayRegistry::Result result = co_await m_gateways.remove(name);
    if (!self)
        co_return;
    m_busy = false;
    if (!result.ok) {
        showMessage(result.error, true);
        updateButtons();
        co_return;
    }
    showMessage(tr("Removed gateway \"%1\" and its client key.").arg(name), false);
    reload();
    emit gatewaysChanged();
}

} // namespace kms::ui
