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
    const QString needle = text.trimmed();
    if (needle == m_needle)
        return;
    m_needle = needle;
    invalidateFilter();
}

bool LeaseFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    return m_leases->rowMatches(sourceRow, m_needle);
}

bool LeaseFilterProxyModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    return m_leases->lessThan(left.row(), right.row(), left.column());
}

} // namespace kms::ui
