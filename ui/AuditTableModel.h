#pragma once

#include "core/AuditEvent.h"
#include "core/Person.h"

#include <QAbstractTableModel>
#include <QList>

namespace kms::ui {

// Audit events, oldest first: when, who, what, secret, lease, namespace,
// service account, token id, expiry, detail.
class AuditTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Seq,
        At,
        Actor,
        Kind,
        Secret,
        LeaseId,
        Namespace,
        ServiceAccount,
        Jti,
        ExpiresAt,
        Detail,
        ColumnCount
    };
    enum Role { RawValueRole = Qt::UserRole + 1 };

    using QAbstractTableModel::QAbstractTableModel;

    // people: the display names the Actor column shows with each user@host.
    void setEvents(const QList<AuditEvent> &events, const PersonNames &people = {});
    const QList<AuditEvent> &events() const { return m_events; }

    // Human words for an event kind: "lease.created" -> "Lease created".
    static QString kindName(const QString &kind);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<AuditEvent> m_events;
    PersonNames m_people;
};

} // namespace kms::ui
