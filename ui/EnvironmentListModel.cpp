#include "EnvironmentListModel.h"

namespace kms::ui {

void EnvironmentListModel::setEnvironments(const QList<Environment> &environments)
{
    beginResetModel();
    m_environments = environments;
    endResetModel();
}

int EnvironmentListModel::rowOf(qint64 environmentId) const
{
    for (int i = 0; i < m_environments.size(); ++i) {
        if (m_environments[i].id == environmentId)
            return i;
    }
    return -1;
}

int EnvironmentListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_environments.size());
}

QVariant EnvironmentListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Environment &env = m_environments[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        return env.name;
    case Qt::ToolTipRole:
        return tr("Dynamic secrets of %1").arg(env.name);
    case EnvironmentIdRole:
        return env.id;
    default:
        return {};
    }
}

} // namespace kms::ui
