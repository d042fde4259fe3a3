#include "AuditDialog.h"

#include "AuditTableModel.h"
#include "UiColors.h"
#include "leases/Engine.h"

#include <QCoro/QCoroTask>

#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace kms::ui {

namespace {

QString csvField(const QString &value)
{
    // Quote everything; a leading =, +, - or @ would run as a formula in a spreadsheet.
    QString v = value;
    if (!v.isEmpty() && QStringLiteral("=+-@").contains(v.front()))
        v.prepend(QLatin1Char('\''));
    v.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + v + QLatin1Char('"');
}

QString isoOrEmpty(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

bool writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        if (error)
            *error = QCoreApplication::translate("AuditDialog", "%1 could not be written: %2")
                         .arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    return true;
}

} // namespace

AuditDialog::AuditDialog(const AppServices &services, QWidget *parent)
    : QDialog(parent)
    , m_services(services)
{
    setObjectName(QStringLiteral("auditDialog"));
    setWindowTitle(tr("Audit Log"));
    setAccessibleName(tr("Audit log"));
    auto *layout = new QVBoxLayout(this);

    auto *filters = new QHBoxLayout;
    auto *secretLabel = new QLabel(tr("&Secret:"), this);
    m_secret = new QComboBox(this);
    m_secret->setObjectName(QStringLiteral("auditSecretFilter"));
    m_secret->setAccessibleName(tr("Filter by secret"));
    m_secret->setMinimumContentsLength(16);
    secretLabel->setBuddy(m_secret);
    auto *leaseLabel = new QLabel(tr("&Lease:"), this);
    m_lease = new QLineEdit(this);
    m_lease->setObjectName(QStringLiteral("auditLeaseFilter"));
    m_lease->setAccessibleName(tr("Filter by lease ID"));
    m_lease->setPlaceholderText(tr("Lease ID"));
    m_lease->setClearButtonEnabled(true);
    leaseLabel->setBuddy(m_lease);
    auto *kindLabel = new QLabel(tr("&Event:"), this);
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("auditKindFilter"));
    m_kind->setAccessibleName(tr("Filter by event kind"));
    kindLabel->setBuddy(m_kind);
    m_kind->addItem(tr("All events"), QString());
    m_kind->addItem(tr("Secret events"), QStringLiteral("secret."));
    m_kind->addItem(tr("Lease events"), QStringLiteral("lease."));
    for (const QString &kind :
        { AuditEvent::SecretCreated, AuditEvent::SecretUpdated, AuditEvent::SecretDeleted,
            AuditEvent::LeaseCreated, AuditEvent::LeaseFailed, AuditEvent::LeaseRevoked,
            AuditEvent::LeaseReleased, AuditEvent::LeaseExpired, AuditEvent::LeaseCleanupFailed,
            AuditEvent::LeaseCleanedUp, AuditEvent::LeaseRolledBack, AuditEvent::PersonNamed })
        m_kind->addItem(AuditTableModel::kindName(kind), kind);
    filters->addWidget(secretLabel);
    filters->addWidget(m_secret);
    filters->addWidget(leaseLabel);
    filters->addWidget(m_lease, 1);
    filters->addWidget(kindLabel);
    filters->addWidget(m_kind);
    layout->addLayout(filters);

    m_model = new AuditTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(AuditTableModel::RawValueRole);
    m_view = new QTreeView(this);
    m_view->setObjectName(QStringLiteral("auditView"));
    m_view->setAccessibleName(tr("Audit events"));
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(AuditTableModel::Seq, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->header()->resizeSection(AuditTableModel::Seq, 50);
    m_view->header()->resizeSection(AuditTableModel::At, 150);
    m_view->header()->resizeSection(AuditTableModel::Actor, 140);
    m_view->header()->resizeSection(AuditTableModel::Kind, 110);
    m_view->header()->resizeSection(AuditTableModel::Secret, 120);
    m_view->header()->resizeSection(AuditTableModel::LeaseId, 120);
    layout->addWidget(m_view, 1);

    auto *bottom = new QHBoxLayout;
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("auditCount"));
    bottom->addWidget(m_count);
    m_verifyResult = new QLabel(this);
    m_verifyResult->setObjectName(QStringLiteral("verifyResult"));
    m_verifyResult->setWordWrap(true);
    m_verifyResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bottom->addWidget(m_verifyResult, 1);
    layout->addLayout(bottom);

    auto *buttons = new QDialogButtonBox(this);
    auto *verifyButton = buttons->addButton(tr("Verify"), QDialogButtonBox::ActionRole);
    verifyButton->setObjectName(QStringLiteral("verifyButton"));
    verifyButton->setAccessibleName(tr("Verify the audit chain"));
    verifyButton->setToolTip(
        tr("Check every event's hash, link and signature, and that the log reaches this profile's anchor"));
    auto *exportButton = buttons->addButton(tr("Export..."), QDialogButtonBox::ActionRole);
    exportButton->setObjectName(QStringLiteral("exportButton"));
    exportButton->setAccessibleName(tr("Export the shown events"));
    exportButton->setToolTip(tr("Save the shown events as CSV or JSON"));
    auto *refresh = buttons->addButton(tr("Refresh"), QDialogButtonBox::ActionRole);
    refresh->setShortcut(QKeySequence::Refresh);
    refresh->setAccessibleName(tr("Refresh"));
    auto *close = buttons->addButton(QDialogButtonBox::Close);
    close->setAccessibleName(tr("Close"));
    layout->addWidget(buttons);
    connect(verifyButton, &QPushButton::clicked, this, &AuditDialog::verify);
    connect(exportButton, &QPushButton::clicked, this, &AuditDialog::chooseExport);
    connect(refresh, &QPushButton::clicked, this, &AuditDialog::reload);
    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    connect(m_secret, &QComboBox::currentIndexChanged, this, &AuditDialog::reload);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &AuditDialog::reload);
    connect(m_lease, &QLineEdit::textChanged, this, &AuditDialog::reload);

    // Secret names, including deleted ones that still have events.
    m_secret->addItem(tr("All secrets"), QString());
    QStringList names;
    for (const AuditEvent &e : services.engine->auditEvents()) {
        if (!e.secretName.isEmpty() && !names.contains(e.secretName))
            names << e.secretName;
    }
    for (const DynamicSecret &s : services.engine->allSecrets()) {
        if (!names.contains(s.name))
            names << s.name;
    }
    names.sort(Qt::CaseInsensitive);
    for (const QString &name : std::as_const(names))
        m_secret->addItem(name, name);

    resize(1100, 560);
    reload();
}

void AuditDialog::reload()
{
    AuditFilter filter;
    filter.secretName = m_secret->currentData().toString();
    filter.leaseId = m_lease->text().trimmed();
    filter.kind = m_kind->currentData().toString();
    m_model->setEvents(m_services.engine->auditEvents(filter), m_services.engine->people());
    m_count->setText(tr("%n event(s)", nullptr, m_model->rowCount()));
}

void AuditDialog::setSecretFilter(const QString &secretName)
{
    const int index = m_secret->findData(secretName);
    m_secret->setCurrentIndex(std::max(0, index));
}

void AuditDialog::setLeaseFilter(const QString &leaseId)
{
    m_lease->setText(leaseId);
}

void AuditDialog::setKindFilter(const QString &kind)
{
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(kind)));
}

void AuditDialog::verify()
{
    // The same check as hanzo-kmsctl audit --verify: chain, signatures, and this profile's anchor.
    m_verifyResult->setText(tr("Verifying..."));
    m_verifyResult->setPalette(palette());
    QCoro::connect(m_services.engine->verifyAudit(), this, [this](const AuditVerification &result) {
        QPalette pal = m_verifyResult->palette();
        if (result.intact()) {
            m_verifyResult->setText(
                tr("Verified: the chain of %n event(s) is intact.", nullptr, int(result.eventCount)));
            pal.setColor(QPalette::WindowText, UiColors::success());
        } else if (result.firstBrokenSeq) {
            m_verifyResult->setText(
                tr("The chain is broken at event %1: %2").arg(*result.firstBrokenSeq).arg(result.reason));
            pal.setColor(QPalette::WindowText, UiColors::error());
        } else {
            m_verifyResult->setText(tr("The audit log could not be verified: %1").arg(result.reason));
            pal.setColor(QPalette::WindowText, UiColors::error());
        }
        m_verifyResult->setPalette(pal);
    });
}

bool AuditDialog::exportCsv(const QString &path, QString *error) const
{
    QStringList lines;
    lines << QStringLiteral(
        "seq,at,actor,kind,secret,lease_id,namespace,service_account,jti,expires_at,detail,prev_hash,hash");
    for (const AuditEvent &e : m_model->events()) {
        lines << QStringList { QString::number(e.seq), csvField(isoOrEmpty(e.at)), csvField(e.actor),
            csvField(e.kind), csvField(e.secretName), csvField(e.leaseId), csvField(e.namespaceName),
            csvField(e.serviceAccount), csvField(e.jti), csvField(isoOrEmpty(e.expiresAt)),
            csvField(e.detail), csvField(QString::fromLatin1(e.prevHash)),
            csvField(QString::fromLatin1(e.hash)) }
                     .join(QLatin1Char(','));
    }
    return writeFile(path, lines.join(QStringLiteral("\r\n")).toUtf8() + "\r\n", error);
}

bool AuditDialog::exportJson(const QString &path, QString *error) const
{
    QJsonArray array;
    for (const AuditEvent &e : m_model->events())
        array.append(e.toJson());
    return writeFile(path, QJsonDocument(array).toJson(QJsonDocument::Indented), error);
}

void AuditDialog::chooseExport()
{
    auto *dialog = new QFileDialog(
        this, tr("Export Audit Log"), QDir::home().filePath(QStringLiteral("hanzo-kms-audit.csv")));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setNameFilters({ tr("CSV (*.csv)"), tr("JSON (*.json)") });
    dialog->setOption(QFileDialog::DontUseNativeDialog, qEnvironmentVariableIsSet("KMS_NO_NATIVE_DIALOGS"));
    connect(dialog, &QFileDialog::fileSelected, this, [this, dialog](const QString &path) {
        QString error;
        const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)
            || dialog->selectedNameFilter().contains(QLatin1String("json"), Qt::CaseInsensitive);
        const bool ok = json ? exportJson(path, &error) : exportCsv(path, &error);
        m_verifyResult->setText(ok ? tr("Exported %n event(s) to %1.", nullptr, m_model->rowCount())
                                         .arg(QDir::toNativeSeparators(path))
                                   : error);
    });
    dialog->open();
}

} // namespace kms::ui
