#pragma once

#include "core/Environment.h"

#include <QAbstractListModel>
#include <QList>

namespace kms::ui {

// The environments on the side of the main window, in display order.
class EnvironmentListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { EnvironmentIdRole = Qt::UserRole + 1 };

    using QAbstractListModel::QAbstractListModel;

    void setEnvironments(const QList<Environment> &environments);
    Environment environmentAt(int row) const { return m_environments.value(row); }
    int rowOf(qint64 environmentId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    QList<Environment> m_environments;
};

} // namespace kms::ui
