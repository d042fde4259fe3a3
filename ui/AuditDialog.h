#pragma once

#include "AppServices.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTreeView;

namespace kms::ui {

class AuditTableModel;

// The audit log: every event, filterable by secret, lease and kind; Verify
// checks the chain, signatures and anchor (as hanzo-kmsctl audit --verify)
// and says the result; Export writes CSV or JSON.
class AuditDialog : public QDialog {
    Q_OBJECT
public:
    explicit AuditDialog(const AppServices &services, QWidget *parent = nullptr);

    void reload();
    void setSecretFilter(const QString &secretName);
    void setLeaseFilter(const QString &leaseId);
    void setKindFilter(const QString &kind); // "" all, "lease.", "lease.created", ...
    void verify(); // asynchronous: the result appears in verifyLabel()
    bool exportCsv(const QString &path, QString *error = nullptr) const;
    bool exportJson(const QString &path, QString *error = nullptr) const;

    AuditTableModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    QLabel *verifyLabel() const { return m_verifyResult; }

private:
    void chooseExport();

    AppServices m_services;
    AuditTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTreeView *m_view;
    QComboBox *m_secret;
    QLineEdit *m_lease;
    QComboBox *m_kind;
    QLabel *m_verifyResult;
    QLabel *m_count;
};

} // namespace kms::ui
