#include "AuditTableModel.h"

#include "TimeText.h"

namespace kms::ui {

void AuditTableModel::setEvents(const QList<AuditEvent> &events, const PersonNames &people)
{
    beginResetModel();
    m_events = events;
    m_people = people;
    endResetModel();
}

QString AuditTableModel::kindName(const QString &kind)
{
    static const QHash<QString, const char *> names = {
        { AuditEvent::SecretCreated, QT_TR_NOOP("Secret created") },
        { AuditEvent::SecretUpdated, QT_TR_NOOP("Secret updated") },
        { AuditEvent::SecretDeleted, QT_TR_NOOP("Secret deleted") },
        { AuditEvent::LeaseCreated, QT_TR_NOOP("Lease created") },
        { AuditEvent::LeaseFailed, QT_TR_NOOP("Lease failed") },
        { AuditEvent::LeaseRevoked, QT_TR_NOOP("Lease revoked") },
        { AuditEvent::LeaseReleased, QT_TR_NOOP("Lease released") },
        { AuditEvent::LeaseExpired, QT_TR_NOOP("Lease expired") },
        { AuditEvent::LeaseCleanupFailed, QT_TR_NOOP("Cleanup failed") },
        { AuditEvent::LeaseCleanedUp, QT_TR_NOOP("Cleaned up") },
        { AuditEvent::LeaseRolledBack, QT_TR_NOOP("Rolled back") },
        { AuditEvent::PersonNamed, QT_TR_NOOP("Display name set") },
    };
    const auto it = names.constFind(kind);
    return it == names.constEnd() ? kind : tr(*it);
}

int AuditTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int AuditTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEvent &e = m_events[index.row()];
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole || role == RawValueRole) {
        const bool raw = role == RawValueRole;
        switch (index.column()) {
        case Seq:
            return e.seq;
        case At:
            return raw ? QVariant(e.at.toMSecsSinceEpoch()) : QVariant(TimeText::absolute(e.at));
        case Actor:
            return raw ? e.actor : m_people.describe(e.actor);
        case Kind:
            return raw ? e.kind : kindName(e.kind);
        case Secret:
            return e.secretName;
        case LeaseId:
            return e.leaseId;
        case Namespace:
            return e.namespaceName;
        case ServiceAccount:
            return e.serviceAccount;
        case Jti:
            return e.jti;
        case ExpiresAt:
            if (raw)
                return e.expiresAt.isValid() ? e.expiresAt.toMSecsSinceEpoch() : qint64(0);
            return TimeText::absolute(e.expiresAt);
        case Detail:
            return e.detail;
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Detail)
        return e.detail;
    if (role == Qt::ToolTipRole && index.column() == At)
        return e.at.toUTC().toString(Qt::ISODateWithMs);
    return {};
}

QVariant AuditTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    switch (section) {
    case Seq:
        return tr("#");
    case At:
        return tr("Time");
    case Actor:
        return tr("Actor");
    case Kind:
        return tr("Event");
    case Secret:
        return tr("Secret");
    case LeaseId:
        return tr("Lease ID");
    case Namespace:
        return tr("Namespace");
    case ServiceAccount:
        return tr("Service Account");
    case Jti:
        return tr("Token ID");
    case ExpiresAt:
        return tr("Expires");
    case Detail:
        return tr("Detail");
    }
    return {};
}

} // namespace kms::ui
