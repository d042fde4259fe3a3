#pragma once

#include "AppServices.h"
#include "core/DynamicSecret.h"
#include "core/Lease.h"
#include "provider/LeaseProvider.h"

#include <QTimer>
#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QMessageBox;
class QPushButton;
class QTreeView;

namespace kms::ui {

class LeaseFilterProxyModel;
class LeaseTableModel;

// The leases of the selected secret: sortable, filterable, multi-select;
// New Lease..., Delete... (revoke, with a confirmation true for each lease
// kind), Renew... and Retry Cleanup. Expires counts down every second, repainting only
// the rows on screen.
class LeasePanel : public QWidget {
    Q_OBJECT
public:
    explicit LeasePanel(const AppServices &services, QWidget *parent = nullptr);

    void setSecret(const std::optional<DynamicSecret> &secret);
    std::optional<DynamicSecret> secret() const { return m_secret; }
    // Reloads one lease from the store (after LeaseService::leaseChanged).
    void refreshLease(const QString &leaseId);
    void reload();

    QTreeView *view() const { return m_view; }
    // The table header's context menu: a checkable entry per column (Lease ID
    // always shown); a hidden column's width goes to Created By and Closed By.
    // MainWindow keeps the header's state, hidden columns included.
    QMenu *columnsMenu() const { return m_columnsMenu; }
    LeaseTableModel *model() const { return m_model; }
    LeaseFilterProxyModel *proxy() const { return m_proxy; }
    QLineEdit *filterEdit() const { return m_filter; }
    // "All people", then everyone who created or closed one of the leases,
    // by display name; its item data is the user@host (empty: all).
    QComboBox *personFilter() const { return m_person; }
    // Shows only the leases this person (user@host) created or closed; empty: everyone's.
    void filterByPerson(const QString &actor);
    // Re-reads the profile's display names (after Set Your Display Name...).
    void reloadPeople();
    QPushButton *newLeaseButton() const { return m_newLease; }
    QPushButton *deleteButton() const { return m_delete; }
    QPushButton *retryButton() const { return m_retry; }
    QLabel *statusLabel() const { return m_status; }
    // Shown while the selected Token (API) secret has no cluster token in
    // this computer's keychain (a team profile's secret someone else made).
    QWidget *tokenBanner() const { return m_tokenBanner; }
    QPushButton *setTokenButton() const { return m_setToken; }
    // Asks for this person's cluster token and stores it (SecretCatalog::setClusterToken).
    void askForClusterToken();
    // Checks the keychain for the selected secret's token again and shows or hides the banner.
    void checkClusterToken();
    QStringList selectedLeaseIds() const;
    void selectLease(const QString &leaseId);

    // The confirmation text for revoking these leases, true for their kinds.
    static QString revokeConfirmation(const QList<Lease> &leases);

    // Opens (or raises) the details of one lease: double-click or Enter on a row.
    class LeaseDetailsDialog *openDetails(const QString &leaseId);

    // Asks first, over askOver (default: this panel's window).
    void deleteSelected(QWidget *askOver = nullptr);
    void retrySelected();
    // Renew... : one Active lease selected. Asks first, saying what becomes of
    // the current token; on success leaseRenewed carries the new token.
    bool canRenew() const;
    // Asks first, over askOver (default: this panel's window).
    void renewSelected(QWidget *askOver = nullptr);
    // The question before renewing, true for the lease's kind.
    static QString renewConfirmation(const Lease &lease, const DynamicSecret &secret);
    // Repaints the Expires cells of the visible rows (the 1 s countdown).
    void tickCountdown();
    int lastTickRowCount() const { return m_lastTickRows; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    void newLeaseRequested();
    // The banner was checked (shown or hidden) for the selected secret.
    void clusterTokenChecked();
    void leasesChanged();
    // A renewal worked: the (renewed or, for an unbound static lease, new) lease and its token, once.
    void leaseRenewed(const kms::Lease &lease, const kms::IssuedToken &issued, const QString &message);
    // Delete... or Retry Cleanup may have changed whether it applies.
    void actionsChanged();

private:
    void updateActions();
    void revoke(const QStringList &ids);
    void renew(const QString &id);
    void showStatus(const QString &text, bool error);
    // Lists the people of the rows in personFilter(), keeping the one chosen.
    void refreshPersonFilter();
    void fitPeopleColumns();
    void buildColumnsMenu();

    AppServices m_services;
    std::optional<DynamicSecret> m_secret;
    class EmptyViewHint *m_emptyHint = nullptr;
    LeaseTableModel *m_model;
    LeaseFilterProxyModel *m_proxy;
    QMenu *m_columnsMenu = nullptr;
    QTreeView *m_view;
    QLabel *m_title;
    QLineEdit *m_filter;
    QComboBox *m_person;
    QStringList m_personActors; // the actors personFilter() lists, sorted
    QPushButton *m_newLease;
    QPushButton *m_delete;
    QPushButton *m_retry;
    QLabel *m_detail;
    QLabel *m_status;
    QWidget *m_tokenBanner;
    QLabel *m_tokenText;
    QPushButton *m_setToken;
    QTimer m_countdown;
    int m_lastTickRows = 0;
    bool m_busy = false;
};

} // namespace kms::ui
