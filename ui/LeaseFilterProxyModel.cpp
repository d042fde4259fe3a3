#include "LeaseFilterProxyModel.h"

#include "LeaseTableModel.h"

namespace kms::ui {

LeaseFilterProxyModel::LeaseFilterProxyModel(LeaseTableModel *source, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_leases(source)
{
    // Connected before setSourceModel, so that this runs before the proxy
    // itself filters the changed rows again.
    connect(source, &QAbstractItemModel::modelAboutToBeReset, this, &LeaseFilterProxyModel::sourceChanging);
    connect(
        source, &QAbstractItemModel::layoutAboutToBeChanged, this, &LeaseFilterProxyModel::sourceChanging);
    connect(source, &QAbstractItemModel::rowsAboutToBeInserted, this, &LeaseFilterProxyModel::sourceChanging);
    connect(source, &QAbstractItemModel::rowsAboutToBeRemoved, this, &LeaseFilterProxyModel::sourceChanging);
    connect(source, &QAbstractItemModel::rowsAboutToBeMoved, this, &LeaseFilterProxyModel::sourceChanging);
    connect(source, &QAbstractItemModel::dataChanged, this,
        [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
            // The countdown repaints Expires, which the filter does not read.
            if (topLeft.column() != LeaseTableModel::Expires
                || bottomRight.column() != LeaseTableModel::Expires)
                sourceChanging();
        });
    setSourceModel(source);
    setSortRole(LeaseTableModel::RawValueRole);
}

void LeaseFilterProxyModel::setFilterText(const QString &text)
{
    const QString needle = text.trimmed().toLower();
    if (needle == m_filter.text())
        return;
    const bool narrower = m_matchesValid && needle.contains(m_filter.text());
    const int rows = m_leases->rowCount();
    // What the proxy shows now, when it is known (every row, without a filter):
    // if the new text keeps exactly these rows (a first letter every row
    // has), nothing is re-mapped.
    std::vector<bool> shown;
    if (m_filter.isEmpty() && m_person.isEmpty())
        shown.assign(rows, true);
    else if (m_matchesValid && int(m_matches.size()) == rows)
        shown = m_matches;
    m_filter = m_leases->filterFor(needle);
    if (m_filter.isEmpty() && m_person.isEmpty()) {
        m_matches.assign(rows, true);
        m_matchesValid = true;
    } else {
        rematch(narrower);
    }
    if (!shown.empty() && shown == m_matches)
        return;
    // One layout change instead of invalidateFilter()'s row-by-row removals:
    // with 100,000 leases a filter hides rows all over the list, and one
    // rowsRemoved per gap made a keystroke take most of a second.
    invalidate();
}

void LeaseFilterProxyModel::setPerson(const QString &actor)
{
    if (actor == m_person)
        return;
    // From everyone to one person only narrows what the text matched.
    const bool narrower = m_person.isEmpty() && m_matchesValid;
    m_person = actor;
    rematch(narrower);
    invalidate();
}

void LeaseFilterProxyModel::peopleChanged()
{
    if (m_filter.isEmpty())
        return; // names matter only to a text
    m_filter = m_leases->filterFor(m_filter.text());
    rematch(false);
    invalidate();
}

void LeaseFilterProxyModel::rematch(bool narrower)
{
    const int rows = m_leases->rowCount();
    const auto matches = [this](int row) {
        return m_leases->rowIsPersons(row, m_person) && m_leases->rowMatches(row, m_filter);
    };
    if (narrower && int(m_matches.size()) == rows) {
        for (int row = 0; row < rows; ++row) {
            if (m_matches[row])
                m_matches[row] = matches(row);
        }
    } else {
        m_matches.resize(rows);
        for (int row = 0; row < rows; ++row)
            m_matches[row] = matches(row);
    }
    m_matchesValid = true;
}

bool LeaseFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    if (m_matchesValid && sourceRow < int(m_matches.size()))
        return m_matches[sourceRow];
    return m_leases->rowIsPersons(sourceRow, m_person) && m_leases->rowMatches(sourceRow, m_filter);
}

void LeaseFilterProxyModel::sort(int column, Qt::SortOrder order)
{
    m_leases->sort(column, order);
}

} // namespace kms::ui
