#pragma once

#include "core/Lease.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace kms {
class Clock;
}

namespace kms::ui {

// The leases of one secret (or of all secrets), newest first. Rows keep only
// what the table shows, so 100,000 leases stay small. Expires counts down:
// refreshExpiry() repaints the rows the view shows.
class LeaseTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Namespace, ServiceAccount, Created, Expires, State, CreatedBy, ColumnCount };
    enum Role { RawValueRole = Qt::UserRole + 1, LeaseIdRole, StateRole, KindRole, FailureReasonRole };

    struct Row {
        QString id;
        QString namespaceName;
        QString serviceAccount;
        QString createdBy;
        QString failureReason;
        qint64 createdMs = 0;
        qint64 expiresMs = 0; // 0: not known yet
        LeaseState state = LeaseState::Provisioning;
        LeaseKind kind = LeaseKind::Static;
        QString haystack; // lowercase id, namespace, service account, creator: what the filter searches
    };

    explicit LeaseTableModel(Clock *clock, QObject *parent = nullptr);

    void setLeases(const QList<Lease> &leases);
    // Updates the lease's row, or adds it at the top.
    void upsert(const Lease &lease);
    void clear();
    const Row &rowAt(int row) const { return m_rows[row]; }
    int rowOf(const QString &leaseId) const { return m_index.value(leaseId, -1); }
    // Repaints the Expires cells of rows first..last (the visible ones).
    void refreshExpiry(int first, int last);

    // For the proxy: fast paths that avoid QVariant.
    bool rowMatches(int row, const QString &needle) const;
    bool lessThan(int left, int right, int column) const;
    // Sorts the rows themselves (raw values), so a filter change does not re-sort.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static Row toRow(const Lease &lease);

private:
    void rebuildIndex();
    // Moves a changed or new row to where the current sort puts it.
    void placeSorted(int row);

    Clock *m_clock;
    QList<Row> m_rows;
    int m_sortColumn = -1; // -1: unsorted
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    QHash<QString, int> m_index;
};

} // namespace kms::ui
