#include "LeaseDetailsDialog.h"

#include "AuditTableModel.h"
#include "TimeText.h"
#include "UiColors.h"
#include "core/Duration.h"
#include "leases/Engine.h"
#include "leases/LeaseService.h"

#include <QApplication>
#include <QClipboard>
#include <QCoro/QCoroTask>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace kms::ui {

namespace {

QString kindText(LeaseKind kind)
{
    switch (kind) {
    case LeaseKind::Static:
        return QCoreApplication::translate("LeaseDetailsDialog", "Static token (valid until it expires)");
    case LeaseKind::BoundStatic:
        return QCoreApplication::translate(
            "LeaseDetailsDialog", "Bound static token (revoked by deleting its Secret)");
    case LeaseKind::Dynamic:
        return QCoreApplication::translate(
            "LeaseDetailsDialog", "Temporary service account (revoked by deleting it and its binding)");
    }
    return {};
}

QString presenceText(LeaseObjectState::Presence presence)
{
    switch (presence) {
    case LeaseObjectState::Presence::Present:
        return QCoreApplication::translate("LeaseDetailsDialog", "Present");
    case LeaseObjectState::Presence::Gone:
        return QCoreApplication::translate("LeaseDetailsDialog", "Gone");
    case LeaseObjectState::Presence::Replaced:
        return QCoreApplication::translate("LeaseDetailsDialog", "Replaced by another object");
    case LeaseObjectState::Presence::Unknown:
        break;
    }
    return QCoreApplication::translate("LeaseDetailsDialog", "Unknown");
}

// The rows, in order; each label is also the key of fieldText().
const char *const FieldOrder[] = { QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Lease ID"),
    QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Secret"), QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Kind"),
    QT_TRANSLATE_NOOP("LeaseDetailsDialog", "State"), QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Namespace"),
    QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Service Account"),
    QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Created"), QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Expires"),
    QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Requested TTL"),
    QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Closed"),
    QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Token ID (jti)"),
    QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Cleanup"), QT_TRANSLATE_NOOP("LeaseDetailsDialog", "Reason") };

} // namespace

LeaseDetailsDialog::LeaseDetailsDialog(const AppServices &services, const QString &leaseId, QWidget *parent)
    : QDialog(parent)
    , m_services(services)
    , m_leaseId(leaseId)
{
    setObjectName(QStringLiteral("leaseDetailsDialog"));
    setWindowTitle(tr("Lease Details"));
    auto *layout = new QVBoxLayout(this);

    auto *fields = new QGroupBox(tr("Lease"), this);
    m_form = new QFormLayout(fields);
    m_form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    for (const char *label : FieldOrder) {
        auto *value = new QLabel(fields);
        value->setObjectName(QStringLiteral("field ") + QLatin1String(label));
        value->setTextFormat(Qt::PlainText);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        // Ids, names and times stay on one line (a wrapped label would cut them);
        // only the sentences wrap.
        const QLatin1String key(label);
        value->setWordWrap(key == QLatin1String("Reason") || key == QLatin1String("Cleanup"));
        m_form->addRow(tr(label) + QLatin1Char(':'), value);
        m_fields.insert(QLatin1String(label), value);
    }
    layout->addWidget(fields);

    auto *objects = new QGroupBox(tr("Objects on the cluster"), this);
    auto *objectsLayout = new QVBoxLayout(objects);
    m_objects = new QTreeWidget(objects);
    m_objects->setObjectName(QStringLiteral("leaseObjects"));
    m_objects->setAccessibleName(tr("Objects this lease created on the cluster"));
    m_objects->setRootIsDecorated(false);
    m_objects->setHeaderLabels({ tr("Kind"), tr("Namespace"), tr("Name"), tr("On the cluster") });
    m_objects->header()->setStretchLastSection(true);
    objectsLayout->addWidget(m_objects);
    m_objectsStatus = new QLabel(objects);
    m_objectsStatus->setObjectName(QStringLiteral("leaseObjectsStatus"));
    m_objectsStatus->setWordWrap(true);
    objectsLayout->addWidget(m_objectsStatus);
    layout->addWidget(objects);
    fitObjectsToRows();

    auto *events = new QGroupBox(tr("Audit events"), this);
    auto *eventsLayout = new QVBoxLayout(events);
    m_events = new QTreeWidget(events);
    m_events->setObjectName(QStringLiteral("leaseEvents"));
    m_events->setAccessibleName(tr("Audit events of this lease"));
    m_events->setRootIsDecorated(false);
    m_events->setHeaderLabels({ tr("Time"), tr("Event"), tr("By"), tr("Detail") });
    m_events->header()->setStretchLastSection(true);
    m_events->setMinimumHeight(110);
    eventsLayout->addWidget(m_events);
    layout->addWidget(events, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_refresh = buttons->addButton(tr("Refresh"), QDialogButtonBox::ActionRole);
    m_refresh->setObjectName(QStringLiteral("leaseDetailsRefresh"));
    m_refresh->setToolTip(tr("Read the lease and its objects on the cluster again"));
    auto *copy = buttons->addButton(tr("Copy Lease ID"), QDialogButtonBox::ActionRole);
    copy->setObjectName(QStringLiteral("leaseDetailsCopyId"));
    m_retry = buttons->addButton(tr("Retry Cleanup"), QDialogButtonBox::ActionRole);
    m_retry->setObjectName(QStringLiteral("leaseDetailsRetry"));
    m_renew = buttons->addButton(tr("Renew..."), QDialogButtonBox::ActionRole);
    m_renew->setObjectName(QStringLiteral("leaseDetailsRenew"));
    m_renew->setToolTip(tr("A new token for this lease, and its expiry moved (asks first)"));
    m_revoke = buttons->addButton(tr("Delete..."), QDialogButtonBox::ActionRole);
    m_revoke->setObjectName(QStringLiteral("leaseDetailsDelete"));
    m_revoke->setToolTip(tr("Revoke this lease (asks first)"));
    buttons->button(QDialogButtonBox::Close)->setDefault(true);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_refresh, &QPushButton::clicked, this, &LeaseDetailsDialog::refresh);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_leaseId); });
    connect(m_revoke, &QPushButton::clicked, this, [this] { emit revokeRequested(m_leaseId); });
    connect(m_retry, &QPushButton::clicked, this, [this] { emit retryRequested(m_leaseId); });
    connect(m_renew, &QPushButton::clicked, this, [this] { emit renewRequested(m_leaseId); });
    if (m_services.leases) {
        connect(m_services.leases, &LeaseService::leaseChanged, this, [this](const QString &id) {
            if (id == m_leaseId)
                refresh();
        });
    }
    resize(760, 720);
    refresh();
}

QString LeaseDetailsDialog::fieldText(const QString &label) const
{
    QLabel *value = m_fields.value(label);
    return value && m_form->isRowVisible(value) ? value->text() : QString();
}

void LeaseDetailsDialog::setField(const QString &label, const QString &value)
{
    QLabel *field = m_fields.value(label);
    field->setText(value);
    m_form->setRowVisible(field, !value.isEmpty());
}

void LeaseDetailsDialog::refresh()
{
    showLease();
    readObjects();
}

void LeaseDetailsDialog::showLease()
{
    m_lease = m_services.engine->lease(m_leaseId);
    if (!m_lease) {
        for (const char *label : FieldOrder)
            setField(QLatin1String(label), {});
        setField(QStringLiteral("Lease ID"), m_leaseId);
        setField(QStringLiteral("State"), tr("This lease no longer exists in this profile."));
        m_revoke->setEnabled(false);
        m_renew->setEnabled(false);
        m_retry->setVisible(false);
        return;
    }
    const Lease &lease = *m_lease;
    const QDateTime now = m_services.clock->now();
    const auto secret = m_services.engine->secret(lease.secretId);
    setField(QStringLiteral("Lease ID"), lease.id);
    setField(QStringLiteral("Secret"), secret ? secret->name : tr("(deleted)"));
    setField(QStringLiteral("Kind"), kindText(lease.kind));
    setField(QStringLiteral("State"), Lease::displayName(lease.state));
    setField(QStringLiteral("Namespace"), lease.namespaceName);
    setField(QStringLiteral("Service Account"), lease.serviceAccount);
    const PersonNames people = m_services.engine->people();
    setField(QStringLiteral("Created"),
        tr("%1 by %2").arg(TimeText::absolute(lease.createdAt), people.describe(lease.createdBy)));
    const QString relative = TimeText::relative(lease.expiresAt, now);
    setField(QStringLiteral("Expires"),
        Lease::isOpen(lease.state) || lease.state == LeaseState::Released
            ? tr("%1 (%2)").arg(TimeText::absolute(lease.expiresAt), relative)
            : TimeText::absolute(lease.expiresAt));
    setField(QStringLiteral("Requested TTL"),
        lease.requestedTtlSeconds > 0 ? Duration::fromSeconds(lease.requestedTtlSeconds).toString()
                                      : QString());
    setField(QStringLiteral("Closed"),
        lease.closedAt.isValid()
            ? tr("%1 by %2").arg(TimeText::absolute(lease.closedAt), people.describe(lease.closedBy))
            : QString());
    setField(QStringLiteral("Token ID (jti)"), lease.tokenJti);
    setField(QStringLiteral("Cleanup"),
        lease.state == LeaseState::CleanupFailed
            ? tr("%n attempt(s) failed; next retry %1", nullptr, lease.cleanupAttempts)
                  .arg(lease.nextCleanupAt.isValid() ? TimeText::relative(lease.nextCleanupAt, now)
                                                     : tr("when you choose Retry Cleanup"))
            : QString());
    setField(QStringLiteral("Reason"), lease.failureReason);

    m_revoke->setEnabled(lease.state == LeaseState::Active);
    m_renew->setEnabled(lease.state == LeaseState::Active && lease.expiresAt > now);
    m_retry->setVisible(lease.state == LeaseState::CleanupFailed);

    m_events->clear();
    AuditFilter filter;
    filter.leaseId = lease.id;
    for (const AuditEvent &event : m_services.engine->auditEvents(filter)) {
        auto *item = new QTreeWidgetItem(m_events,
            { TimeText::absolute(event.at), AuditTableModel::kindName(event.kind), event.actor,
                event.detail });
        item->setToolTip(3, event.detail);
    }
    for (int column = 0; column < 3; ++column)
        m_events->resizeColumnToContents(column);
}

void LeaseDetailsDialog::readObjects()
{
    m_objects->clear();
    if (!m_lease) {
        m_objectsStatus->setText({});
        return;
    }
    m_reading = true;
    m_refresh->setEnabled(false);
    m_objectsStatus->setPalette(palette());
    m_objectsStatus->setText(tr("Reading the cluster..."));
    const quint64 generation = ++m_readGeneration;
    // Parameters, not captures: the coroutine frame keeps parameters.
    auto work = [](LeaseService *service, QString id) -> QCoro::Task<LeaseInspection> {
        co_return co_await service->inspect(id);
    };
    QCoro::connect(
        work(m_services.leases, m_leaseId), this, [this, generation](const LeaseInspection &result) {
            if (generation != m_readGeneration)
                return; // a newer read is under way
            m_reading = false;
            m_refresh->setEnabled(true);
            m_objects->clear();
            for (const LeaseObjectState &object : result.objects) {
                auto *item = new QTreeWidgetItem(m_objects,
                    { object.kind, object.namespaceName, object.name, presenceText(object.presence) });
                if (!object.detail.isEmpty())
                    item->setToolTip(3, object.detail);
                if (object.presence == LeaseObjectState::Presence::Unknown
                    || object.presence == LeaseObjectState::Presence::Replaced)
                    item->setForeground(3, UiColors::error());
            }
            for (int column = 0; column < 3; ++column)
                m_objects->resizeColumnToContents(column);
            fitObjectsToRows();
            QPalette pal = palette();
            if (!result.error.isEmpty()) {
                pal.setColor(QPalette::WindowText, UiColors::error());
                m_objectsStatus->setText(tr("The cluster could not be read: %1").arg(result.error));
            } else if (result.objects.isEmpty()) {
                m_objectsStatus->setText(
                    tr("This lease created no objects: its token is for the existing service account %1.")
                        .arg(m_lease ? m_lease->serviceAccount : QString()));
            } else {
                QStringList unknown;
                for (const LeaseObjectState &object : result.objects) {
                    if (!object.detail.isEmpty())
                        unknown << object.detail;
                }
                unknown.removeDuplicates();
                m_objectsStatus->setText(unknown.isEmpty()
                        ? tr("Read from the cluster at %1.").arg(TimeText::absolute(m_services.clock->now()))
                        : unknown.join(QLatin1Char(' ')));
            }
            m_objectsStatus->setPalette(pal);
            emit objectsRead();
        });
}

// A lease has one to a handful of objects: the list is as tall as its rows
// (at least two, at most eight, then it scrolls), so the audit events below get
// the room.
void LeaseDetailsDialog::fitObjectsToRows()
{
    constexpr int MinRows = 2;
    constexpr int MaxRows = 8;
    const int rows = std::clamp(m_objects->topLevelItemCount(), MinRows, MaxRows);
    const int rowHeight = m_objects->topLevelItemCount() > 0 ? m_objects->sizeHintForRow(0)
                                                             : m_objects->fontMetrics().height() + 6;
    int height = m_objects->header()->sizeHint().height() + rows * rowHeight + 2 * m_objects->frameWidth();
    if (m_objects->horizontalScrollBar()->isVisible())
        height += m_objects->horizontalScrollBar()->sizeHint().height();
    m_objects->setFixedHeight(height);
}

} // namespace kms::ui
