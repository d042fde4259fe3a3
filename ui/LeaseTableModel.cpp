#include "LeaseTableModel.h"

#include "TimeText.h"
#include "UiColors.h"
#include "core/Clock.h"

#include <QApplication>
#include <QPalette>
#include <algorithm>
#include <numeric>

namespace kms::ui {

LeaseTableModel::LeaseTableModel(Clock *clock, QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(clock ? clock : Clock::system())
{
}

LeaseTableModel::Filter::Filter(const QString &text, const PersonNames &people)
    : m_text(text.trimmed())
    , m_matcher(m_text, Qt::CaseInsensitive)
{
    static_assert(int(LeaseState::Released) == 7, "one entry per LeaseState");
    for (int state = 0; state < int(m_states.size()); ++state)
        m_states[state] = Lease::displayName(LeaseState(state)).contains(m_text, Qt::CaseInsensitive);
    if (m_text.isEmpty())
        return;
    for (auto it = people.byActor().cbegin(); it != people.byActor().cend(); ++it) {
        if (isIn(it.value()))
            m_namedActors.insert(it.key());
    }
}

void LeaseTableModel::noteActors(const Row &row)
{
    if (!row.createdBy.isEmpty())
        m_actors.insert(row.createdBy);
    if (!row.closedBy.isEmpty())
        m_actors.insert(row.closedBy);
}

QStringList LeaseTableModel::actors() const
{
    QStringList actors(m_actors.cbegin(), m_actors.cend());
    std::sort(actors.begin(), actors.end());
    return actors;
}

void LeaseTableModel::setPeople(PersonNames people)
{
    if (people == m_people)
        return;
    m_people = std::move(people);
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, CreatedBy), index(int(m_rows.size()) - 1, ClosedBy),
            { Qt::DisplayRole, Qt::AccessibleTextRole, Qt::ToolTipRole });
}

void LeaseTableModel::setLeases(const QList<Lease> &leases)
{
    QList<Row> rows;
    rows.reserve(leases.size());
    for (const Lease &lease : leases)
        rows.append(LeaseSummary::of(lease));
    setRows(std::move(rows));
}

void LeaseTableModel::setRows(QList<Row> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    // A secret's leases name a handful of people: most rows repeat the row before.
    m_actors.clear();
    const Row *previous = nullptr;
    for (const Row &row : std::as_const(m_rows)) {
        if (!previous || row.createdBy != previous->createdBy || row.closedBy != previous->closedBy)
            noteActors(row);
        previous = &row;
    }
    if (m_sortColumn >= 0) {
        // Rows in the order the view shows them, so later changes keep their place (placeSorted).
        // The store's order (newest first) is usually the view's already: checked, not re-sorted.
        const auto before = [this](int a, int b) {
            return m_sortOrder == Qt::AscendingOrder ? lessThan(a, b, m_sortColumn)
                                                     : lessThan(b, a, m_sortColumn);
        };
        bool sorted = true;
        for (int i = 1; i < int(m_rows.size()) && sorted; ++i)
            sorted = !before(i, i - 1);
        if (!sorted) {
            QList<int> order(m_rows.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), before);
            QList<Row> inOrder;
            inOrder.reserve(m_rows.size());
            for (const int i : std::as_const(order))
                inOrder.append(std::move(m_rows[i]));
            m_rows = std::move(inOrder);
        }
    }
    indexChanged();
    endResetModel();
}

void LeaseTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_actors.clear();
    indexChanged();
    endResetModel();
}

int LeaseTableModel::rowOf(const QString &leaseId) const
{
    if (!m_indexValid) {
        m_index.clear();
        m_index.reserve(m_rows.size());
        for (int i = 0; i < int(m_rows.size()); ++i)
            m_index.insert(m_rows[i].id, i);
        m_indexValid = true;
    }
    return m_index.value(leaseId, -1);
}

void LeaseTableModel::upsert(const Lease &lease)
{
    upsert(LeaseSummary::of(lease));
}

void LeaseTableModel::upsert(Row lease)
{
    noteActors(lease);
    const int row = rowOf(lease.id);
    if (row >= 0) {
        m_rows[row] = std::move(lease);
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        placeSorted(row);
        return;
    }
    beginInsertRows({}, 0, 0);
    m_rows.prepend(std::move(lease));
    indexChanged();
    endInsertRows();
    placeSorted(0);
}

void LeaseTableModel::placeSorted(int row)
{
    if (m_sortColumn < 0)
        return;
    const auto before = [this](int a, int b) {
        return m_sortOrder == Qt::AscendingOrder ? lessThan(a, b, m_sortColumn)
                                                 : lessThan(b, a, m_sortColumn);
    };
    // Its place among the others: after every row that sorts before it, and
    // after the equal rows that were above it (the sort is stable).
    int target = 0;
    for (int other = 0; other < int(m_rows.size()); ++other) {
        if (other != row && (before(other, row) || (other < row && !before(row, other))))
            ++target;
    }
    if (target == row)
        return;
    beginMoveRows({}, row, row, {}, target > row ? target + 1 : target);
    m_rows.move(row, target);
    indexChanged();
    endMoveRows();
}

void LeaseTableModel::refreshExpiry(int first, int last)
{
    first = std::max(first, 0);
    last = std::min(last, int(m_rows.size()) - 1);
    if (first > last)
        return;
    emit dataChanged(
        index(first, Expires), index(last, Expires), { Qt::DisplayRole, Qt::AccessibleTextRole });
}

bool LeaseTableModel::rowMatches(int row, const Filter &filter) const
{
    if (filter.isEmpty())
        return true;
    const Row &r = m_rows[row];
    return filter.matchesState(r.state) || filter.isIn(r.id) || filter.isIn(r.namespaceName)
        || filter.isIn(r.serviceAccount) || filter.matchesPerson(r.createdBy)
        || filter.matchesPerson(r.closedBy);
}

bool LeaseTableModel::lessThan(int left, int right, int column) const
{
    const Row &a = m_rows[left];
    const Row &b = m_rows[right];
    switch (column) {
    case Id:
        return a.id < b.id;
    case Namespace:
        return a.namespaceName < b.namespaceName;
    case ServiceAccount:
        return a.serviceAccount < b.serviceAccount;
    case Created:
        return a.createdMs < b.createdMs;
    case Expires:
        return a.expiresMs < b.expiresMs;
    case State:
        return int(a.state) < int(b.state);
    case CreatedBy:
        return a.createdBy < b.createdBy;
    case ClosedBy:
        return a.closedBy < b.closedBy;
    }
    return false;
}

void LeaseTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount)
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    QList<int> order_(m_rows.size());
    std::iota(order_.begin(), order_.end(), 0);
    std::stable_sort(order_.begin(), order_.end(), [&](int a, int b) {
        return order == Qt::AscendingOrder ? lessThan(a, b, column) : lessThan(b, a, column);
    });
    QList<Row> sorted;
    sorted.reserve(m_rows.size());
    QList<int> newRowOf(m_rows.size());
    for (int i = 0; i < order_.size(); ++i) {
        sorted.append(std::move(m_rows[order_[i]]));
        newRowOf[order_[i]] = i;
    }
    m_rows = std::move(sorted);
    indexChanged();
    QModelIndexList after;
    after.reserve(before.size());
    for (const QModelIndex &index : before)
        after << index.sibling(newRowOf[index.row()], index.column());
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

int LeaseTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LeaseTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LeaseTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows[index.row()];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        switch (column) {
        case Id:
            return r.id;
        case Namespace:
            return r.namespaceName;
        case ServiceAccount:
            return r.serviceAccount;
        case Created:
            return TimeText::absolute(QDateTime::fromMSecsSinceEpoch(r.createdMs, Qt::UTC));
        case Expires:
            // A revoked token no longer works and a failed lease never had one: nothing to count down.
            if (r.expiresMs == 0 || r.state == LeaseState::Revoked || r.state == LeaseState::Failed)
                return QString();
            return TimeText::relative(QDateTime::fromMSecsSinceEpoch(r.expiresMs, Qt::UTC), m_clock->now());
        case State:
            return Lease::displayName(r.state);
        case CreatedBy:
            return m_people.describe(r.createdBy);
        case ClosedBy:
            return m_people.describe(r.closedBy);
        }
        return {};
    case Qt::ToolTipRole:
        // The whole name, where the column elides it.
        if (column == CreatedBy && !r.createdBy.isEmpty())
            return tr("Created by %1").arg(m_people.describe(r.createdBy));
        if (column == ClosedBy && !r.closedBy.isEmpty())
            return tr("Closed by %1").arg(m_people.describe(r.closedBy));
        if (column == Expires && r.expiresMs != 0)
            return tr("Expires at %1")
                .arg(TimeText::absolute(QDateTime::fromMSecsSinceEpoch(r.expiresMs, Qt::UTC)));
        if (column == Created)
            return TimeText::relative(QDateTime::fromMSecsSinceEpoch(r.createdMs, Qt::UTC), m_clock->now());
        if (column == State && !r.failureReason.isEmpty())
            return r.failureReason;
        if (column == Id) {
            switch (r.kind) {
            case LeaseKind::Static:
                return tr("Static token: valid until it expires");
            case LeaseKind::BoundStatic:
                return tr("Bound static token: revocable");
            case LeaseKind::Dynamic:
                return tr("Temporary service account: revocable");
            }
        }
        return {};
    case Qt::ForegroundRole:
        if (column == State && (r.state == LeaseState::CleanupFailed || r.state == LeaseState::Failed))
            return UiColors::error();
        if (Lease::isTerminal(r.state))
            return QApplication::palette().color(QPalette::Disabled, QPalette::Text);
        return {};
    case RawValueRole:
        switch (column) {
        case Id:
            return r.id;
        case Namespace:
            return r.namespaceName;
        case ServiceAccount:
            return r.serviceAccount;
        case Created:
            return r.createdMs;
        case Expires:
            return r.expiresMs;
        case State:
            return int(r.state);
        case CreatedBy:
            return r.createdBy;
        case ClosedBy:
            return r.closedBy;
        }
        return {};
    case LeaseIdRole:
        return r.id;
    case StateRole:
        return int(r.state);
    case KindRole:
        return int(r.kind);
    case FailureReasonRole:
        return r.failureReason;
    default:
        return {};
    }
}

QVariant LeaseTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    switch (section) {
    case Id:
        return tr("Lease ID");
    case Namespace:
        return tr("Namespace");
    case ServiceAccount:
        return tr("Service Account");
    case Created:
        return tr("Created");
    case Expires:
        return tr("Expires");
    case State:
        return tr("State");
    case CreatedBy:
        return tr("Created By");
    case ClosedBy:
        return tr("Closed By");
    }
    return {};
}

} // namespace kms::ui
