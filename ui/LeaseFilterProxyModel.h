#pragma once

#include <QSortFilterProxyModel>

namespace kms::ui {

class LeaseTableModel;

// Sorts leases on raw values (times as numbers, not as text) and filters them
// by a case-insensitive substring of id, namespace, service account, creator or state.
class LeaseFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit LeaseFilterProxyModel(LeaseTableModel *source, QObject *parent = nullptr);

    void setFilterText(const QString &text);
    QString filterText() const { return m_needle; }
    // Sorting happens in the source model, once per header click; the proxy
    // only filters, so a keystroke never re-sorts 100,000 rows.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    LeaseTableModel *m_leases;
    QString m_needle;
};

} // namespace kms::ui
