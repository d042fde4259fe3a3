#include "LeaseFilterProxyModel.h"

#include "LeaseTableModel.h"

namespace kms::ui {

LeaseFilterProxyModel::LeaseFilterProxyModel(LeaseTableModel *source, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_leases(source)
{
    setSourceModel(source);
    setSortRole(LeaseTableModel::RawValueRole);
}

void LeaseFilterProxyModel::setFilterText(const QString &text)
{
    const QString needle = text.trimmed().toLower();
    if (needle == m_needle)
        return;
    m_needle = needle;
    // One layout change instead of invalidateFilter()'s row-by-row removals:
    // with 100,000 leases a filter hides rows all over the list, and one
    // rowsRemoved per gap made a keystroke take most of a second.
    invalidate();
}

bool LeaseFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    return m_leases->rowMatches(sourceRow, m_needle);
}

void LeaseFilterProxyModel::sort(int column, Qt::SortOrder order)
{
    m_leases->sort(column, order);
}

} // namespace kms::ui
