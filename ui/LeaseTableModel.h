#pragma once

#include "core/LeaseSummary.h"
#include "core/Person.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>
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
    enum Column { Id, Namespace, ServiceAccount, Created, Expires, State, CreatedBy, ClosedBy, ColumnCount };
    enum Role { RawValueRole = Qt::UserRole + 1, LeaseIdRole, StateRole, KindRole, FailureReasonRole };

    using Row = LeaseSummary;

    // What a filter text matches, prepared once per text rather than once per row.
    class Filter {
    public:
        Filter() = default;
        // text: trimmed, matched case-insensitively; people: the display names
        // it may match too (a person is filtered by name or by user@host).
        explicit Filter(const QString &text, const PersonNames &people = {});
        const QString &text() const { return m_text; }
        bool isEmpty() const { return m_text.isEmpty(); }
        bool matchesState(LeaseState state) const { return m_states[int(state)]; }
        bool isIn(const QString &haystack) const { return m_matcher.indexIn(haystack) >= 0; }
        // Whether the text is in the person's user@host or display name.
        bool matchesPerson(const QString &actor) const
        {
            return !actor.isEmpty()
                && (isIn(actor) || (!m_namedActors.isEmpty() && m_namedActors.contains(actor)));
        }

    private:
        QString m_text;
        QStringMatcher m_matcher; // its skip table made once per text, not once per cell
        std::array<bool, 8> m_states {}; // by LeaseState: its display name contains the text
        QSet<QString> m_namedActors; // the actors whose display name contains the text
    };

    explicit LeaseTableModel(Clock *clock, QObject *parent = nullptr);

    // Replaces every row (sorted as the view is); the rows are taken, not copied.
    void setRows(QList<Row> rows);
    void setLeases(const QList<Lease> &leases);
    // Updates the lease's row, or adds it at the top.
    void upsert(const Lease &lease);
    void upsert(Row row);
    void clear();
    // The display names the person columns show ("Alice Doe (alice@laptop)");
    // read once per reload, looked up per painted cell.
    void setPeople(PersonNames people);
    const PersonNames &people() const { return m_people; }
    // Everyone who created or closed one of the rows (user@host), sorted.
    QStringList actors() const;
    const Row &rowAt(int row) const { return m_rows[row]; }
    int rowOf(const QString &leaseId) const;
    // Repaints the Expires cells of rows first..last (the visible ones).
    void refreshExpiry(int first, int last);

    // For the proxy: fast paths that avoid QVariant.
    bool rowMatches(int row, const Filter &filter) const;
    // Whether the row was created or closed by actor (user@host); an empty actor matches every row.
    bool rowIsPersons(int row, const QString &actor) const
    {
        return actor.isEmpty() || m_rows[row].createdBy == actor || m_rows[row].closedBy == actor;
    }
    Filter filterFor(const QString &text) const { return Filter(text, m_people); }
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

    void noteActors(const Row &row);

    Clock *m_clock;
    QList<Row> m_rows;
    PersonNames m_people;
    QSet<QString> m_actors; // everyone in createdBy/closedBy of m_rows (rows only ever add people)
    int m_sortColumn = -1; // -1: unsorted
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    mutable QHash<QString, int> m_index;
    mutable bool m_indexValid = false;
};

} // namespace kms::ui
