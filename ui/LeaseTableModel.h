#pragma once

#include "core/LeaseSummary.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QStringMatcher>

#include <array>

namespace kms {
class Clock;
}

namespace kms::ui {

// The leases of one secret (or of all secrets), newest first. Rows are
// LeaseSummary: only what the table shows, so 100,000 leases stay small and
// load without a whole Lease each. Expires counts down: refreshExpiry()
// repaints the rows the view shows.
class LeaseTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Namespace, ServiceAccount, Created, Expires, State, CreatedBy, ColumnCount };
    enum Role { RawValueRole = Qt::UserRole + 1, LeaseIdRole, StateRole, KindRole, FailureReasonRole };

    using Row = LeaseSummary;

    // What a filter text matches, prepared once per text rather than once per row.
    class Filter {
    public:
        Filter() = default;
        explicit Filter(const QString &text); // trimmed; matched case-insensitively
        const QString &text() const { return m_text; }
        bool isEmpty() const { return m_text.isEmpty(); }
        bool matchesState(LeaseState state) const { return m_states[int(state)]; }
        bool isIn(const QString &haystack) const { return m_matcher.indexIn(haystack) >= 0; }

    private:
        QString m_text;
        QStringMatcher m_matcher; // its skip table made once per text, not once per cell
        std::array<bool, 8> m_states {}; // by LeaseState: its display name contains the text
    };

    explicit LeaseTableModel(Clock *clock, QObject *parent = nullptr);

    // Replaces every row (sorted as the view is); the rows are taken, not copied.
    void setRows(QList<Row> rows);
    void setLeases(const QList<Lease> &leases);
    // Updates the lease's row, or adds it at the top.
    void upsert(const Lease &lease);
    void upsert(Row row);
    void clear();
    const Row &rowAt(int row) const { return m_rows[row]; }
    int rowOf(const QString &leaseId) const;
    // Repaints the Expires cells of rows first..last (the visible ones).
    void refreshExpiry(int first, int last);

    // For the proxy: fast paths that avoid QVariant.
    bool rowMatches(int row, const Filter &filter) const;
    bool lessThan(int left, int right, int column) const;
    // Sorts the rows themselves (raw values), so a filter change does not re-sort.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static Row toRow(const Lease &lease) { return LeaseSummary::of(lease); }

private:
    // The id -> row index is rebuilt when first asked for after the rows moved,
    // not on every change (start-up never needs it).
    void indexChanged() { m_indexValid = false; }
    // Moves a changed or new row to where the current sort puts it.
    void placeSorted(int row);

    Clock *m_clock;
    QList<Row> m_rows;
    int m_sortColumn = -1; // -1: unsorted
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    mutable QHash<QString, int> m_index;
    mutable bool m_indexValid = false;
};

} // namespace kms::ui
