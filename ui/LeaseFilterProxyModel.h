#pragma once

#include "LeaseTableModel.h"

#include <QSortFilterProxyModel>

#include <vector>

namespace kms::ui {

// Sorts leases on raw values (times as numbers, not as text) and filters them
// by a case-insensitive substring of id, namespace, service account, state or
// a person (user@host or display name) who created or closed it; and by one
// person, as hanzo-kmsctl lease list --person does.
class LeaseFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit LeaseFilterProxyModel(LeaseTableModel *source, QObject *parent = nullptr);

    void setFilterText(const QString &text);
    QString filterText() const { return m_filter.text(); }
    // Only the leases this person (user@host) created or closed; empty: everyone's.
    void setPerson(const QString &actor);
    QString person() const { return m_person; }
    // The model's display names changed: the text may match other people now.
    void peopleChanged();
    // Sorting happens in the source model, once per header click; the proxy
    // only filters, so a keystroke never re-sorts 100,000 rows.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    // Forgets the rows' matches: the source changed (rows added, moved, changed).
    void sourceChanging() { m_matchesValid = false; }

    // Recomputes m_matches for the text and the person; narrower: only rows that matched may match.
    void rematch(bool narrower);

    LeaseTableModel *m_leases;
    LeaseTableModel::Filter m_filter;
    QString m_person;
    // Whether each source row matches m_filter and m_person, computed once per filter text
    // while the source stays as it was: a keystroke that lengthens the text can
    // only narrow the matches, so it tests only the rows that matched before.
    std::vector<bool> m_matches;
    bool m_matchesValid = false;
};

} // namespace kms::ui
