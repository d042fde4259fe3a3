#pragma once

#include "AppServices.h"
#include "core/Lease.h"

#include <QDialog>

class QFormLayout;
class QLabel;
class QPushButton;
class QTreeWidget;

namespace kms::ui {

// The seed's "see the lease details": every field of one lease, the objects it
// created on the cluster with their live state (read when the dialog opens and
// on Refresh, never written), the token's ID (jti), the lease's audit events
// and its actions. Follows the lease while open (LeaseService::leaseChanged).
class LeaseDetailsDialog : public QDialog {
    Q_OBJECT
public:
    LeaseDetailsDialog(const AppServices &services, const QString &leaseId, QWidget *parent = nullptr);

    QString leaseId() const { return m_leaseId; }
    // The value shown for a field ("State", "Token ID", ...), for tests.
    QString fieldText(const QString &label) const;
    QTreeWidget *objectsView() const { return m_objects; }
    QTreeWidget *eventsView() const { return m_events; }
    QLabel *objectsStatus() const { return m_objectsStatus; }
    QPushButton *revokeButton() const { return m_revoke; }
    QPushButton *retryButton() const { return m_retry; }
    QPushButton *renewButton() const { return m_renew; }
    QPushButton *refreshButton() const { return m_refresh; }

    // Re-reads the row and the audit events, and the objects from the cluster.
    void refresh();
    bool isReadingCluster() const { return m_reading; }

signals:
    // The actions act through the lease panel, which asks first.
    void revokeRequested(const QString &leaseId);
    void retryRequested(const QString &leaseId);
    void renewRequested(const QString &leaseId);
    // The cluster has been read (objectsView() is current).
    void objectsRead();

private:
    void showLease();
    void readObjects();
    void fitObjectsToRows();
    void setField(const QString &label, const QString &value);

    AppServices m_services;
    QString m_leaseId;
    std::optional<Lease> m_lease;
    QFormLayout *m_form;
    QHash<QString, QLabel *> m_fields;
    QTreeWidget *m_objects;
    QLabel *m_objectsStatus;
    QTreeWidget *m_events;
    QPushButton *m_revoke;
    QPushButton *m_retry;
    QPushButton *m_renew;
    QPushButton *m_refresh;
    bool m_reading = false;
    quint64 m_readGeneration = 0;
};

} // namespace kms::ui
