#pragma once

#include "core/DynamicSecret.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace kms::ui {

// The dynamic secrets of one environment: name, cluster, credential type,
// auth method, default TTL, active leases, and a column for the Generate button.
class SecretTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Name,
        Cluster,
        CredentialTypeColumn,
        AuthMethodColumn,
        DefaultTtl,
        ActiveLeases,
        Actions,
        ColumnCount
    };
    enum Role { RawValueRole = Qt::UserRole + 1, SecretIdRole };

    using QAbstractTableModel::QAbstractTableModel;

    void setSecrets(const QList<DynamicSecret> &secrets, const QHash<qint64, int> &activeLeaseCounts);
    void setActiveLeaseCounts(const QHash<qint64, int> &counts);
    const DynamicSecret &secretAt(int row) const { return m_secrets[row]; }
    int rowOf(qint64 secretId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<DynamicSecret> m_secrets;
    QHash<qint64, int> m_counts;
};

} // namespace kms::ui
