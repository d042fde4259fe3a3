#include "SecretTableModel.h"

namespace kms::ui {

void SecretTableModel::setSecrets(
    const QList<DynamicSecret> &secrets, const QHash<qint64, int> &activeLeaseCounts)
{
    beginResetModel();
    m_secrets = secrets;
    m_counts = activeLeaseCounts;
    endResetModel();
}

void SecretTableModel::setActiveLeaseCounts(const QHash<qint64, int> &counts)
{
    m_counts = counts;
    if (!m_secrets.isEmpty())
        emit dataChanged(index(0, ActiveLeases), index(int(m_secrets.size()) - 1, ActiveLeases));
}

int SecretTableModel::rowOf(qint64 secretId) const
{
    for (int i = 0; i < m_secrets.size(); ++i) {
        if (m_secrets[i].id == secretId)
            return i;
    }
    return -1;
}

int SecretTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_secrets.size());
}

int SecretTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SecretTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DynamicSecret &s = m_secrets[index.row()];
    if (role == SecretIdRole)
        return s.id;
    const bool gateway = s.viaGateway();
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case Name:
            return s.name;
        case Cluster:
            return gateway ? tr("Gateway %1").arg(s.gateway) : s.clusterUrl;
        case CredentialTypeColumn:
            return DynamicSecret::displayName(s.credentialType);
        case AuthMethodColumn:
            return DynamicSecret::displayName(s.authMethod);
        case DefaultTtl:
            return s.defaultTtl.toString();
        case ActiveLeases:
            return m_counts.value(s.id);
        case Actions:
            return role == Qt::AccessibleTextRole ? tr("Generate") : QVariant();
        }
    }
    if (role == RawValueRole) {
        switch (index.column()) {
        case Name:
            return s.name.toLower();
        case Cluster:
            return gateway ? s.gateway : s.clusterUrl;
        case CredentialTypeColumn:
            return int(s.credentialType);
        case AuthMethodColumn:
            return int(s.authMethod);
        case DefaultTtl:
            return s.defaultTtl.seconds();
        case ActiveLeases:
            return m_counts.value(s.id);
        case Actions:
            return QVariant();
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Name:
            return s.credentialType == CredentialType::Static
                ? tr("Tokens for service account %1 in namespace %2").arg(s.serviceAccount, s.namespaceName)
                : tr("Temporary service accounts bound to %1 %2 in %3")
                      .arg(DynamicSecret::toString(s.roleType), s.roleName,
                          s.allowedNamespaces.join(QStringLiteral(", ")));
        case DefaultTtl:
            return tr("Max TTL %1").arg(s.maxTtl.toString());
        case Actions:
            return tr("Generate a token (Ctrl+G)");
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() == ActiveLeases)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant SecretTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Cluster:
        return tr("Cluster");
    case CredentialTypeColumn:
        return tr("Credential Type");
    case AuthMethodColumn:
        return tr("Auth Method");
    case DefaultTtl:
        return tr("Default TTL");
    case ActiveLeases:
        return tr("Active Leases");
    case Actions:
        return QString();
    }
    return {};
}

} // namespace kms::ui
