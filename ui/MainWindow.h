#pragma once

#include "AppServices.h"
#include "core/DynamicSecret.h"
#include "core/Lease.h"
#include "leases/LeaseService.h"
#include "provider/LeaseProvider.h"

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <optional>

class QAction;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSortFilterProxyModel;
class QSplitter;
class QTreeView;

namespace kms::ui {

class AuditDialog;
class DatabaseBanner;
class EmptyViewHint;
class KubeconfigDialog;
class EnvironmentListModel;
class GenerateButtonDelegate;
class LeasePanel;
class LeaseWatch;
class TrayIcon;
class NewLeaseDialog;
class SecretClipboard;
class SecretSetupDialog;
class SecretTableModel;
class TeamProfileDialog;
class TokenDialog;

// The window administrators live in: environments on the side, the dynamic
// secrets of the selected one, and the leases of the selected secret. Every
// change goes through the engine in AppServices.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const AppServices &services, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Start-up: finish or roll back what a crash left, clean up expired leases.
    void runReconcile();

    void selectEnvironment(qint64 environmentId);
    // Reads the environments again (after one was added, renamed or deleted elsewhere).
    void loadEnvironments();
    void selectSecret(qint64 secretId);
    std::optional<DynamicSecret> currentSecret() const;
    qint64 currentEnvironmentId() const;

    // Actions (also on menus, buttons and shortcuts); each opens its dialog non-modally-blocking.
    SecretSetupDialog *addSecret();
    SecretSetupDialog *editSecret();
    void deleteSecret();
    NewLeaseDialog *generateLease();
    AuditDialog *openAuditLog();
    // Secret > Add to Kubeconfig...: a kubectl context for the selected secret.
    KubeconfigDialog *addToKubeconfig();
    // Shows the window and asks to renew the lease (the tray's expiry notification).
    void renewLease(const QString &leaseId);
    void newEnvironment();
    // File > Open Team Profile...: the dialog; when it connected, the app restarts into that profile.
    TeamProfileDialog *openTeamProfile();
    // File > Open Local Profile: forgets the team profile and restarts into the local one.
    void openLocalProfile();
    // The current environment: rename it, or delete it when it holds no secret.
    void renameEnvironment();
    void deleteEnvironment();
    void reloadSecrets();
    // File > Set Your Display Name...: the name shown with this user@host in the profile.
    void setDisplayName();

    // For tests and the screenshot script.
    QListView *environmentView() const { return m_environmentView; }
    QTreeView *secretView() const { return m_secretView; }
    SecretTableModel *secretModel() const { return m_secretModel; }
    QSortFilterProxyModel *secretProxy() const { return m_secretProxy; }
    EnvironmentListModel *environmentModel() const { return m_environmentModel; }
    QLineEdit *secretFilter() const { return m_secretFilter; }
    QPushButton *addSecretButton() const { return m_addSecretButton; }
    GenerateButtonDelegate *generateDelegate() const { return m_generateDelegate; }
    LeasePanel *leasePanel() const { return m_leasePanel; }
    SecretClipboard *clipboard() const { return m_clipboard; }
    TokenDialog *tokenDialog() const;
    AuditDialog *auditDialog() const;
    KubeconfigDialog *kubeconfigDialog() const;
    QAction *generateAction() const { return m_generateAction; }
    LeaseWatch *leaseWatch() const { return m_leaseWatch; }
    // A team profile: the bar shown while its database cannot be reached; null for SQLite.
    DatabaseBanner *databaseBanner() const { return m_databaseBanner; }
    TrayIcon *trayIcon() const { return m_tray; }
    // Quits (asking first while leases are active), even when closing would keep the app in the tray.
    void quit();

signals:
    void tokenShown();
    void reconcileFinished();
    // The tables were read again after the team database came back.
    void reloadedAfterReconnect();
    // The window closed to open another profile: a team profile's URL, or empty for the local one.
    void profileSwitchRequested(const QString &databaseUrl);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void restoreState();
    void saveState();
    void onSecretSelectionChanged();
    void updateActions();
    void showToken(const DynamicSecret &secret, const Lease &lease, const IssuedToken &issued,
        const QString &note = QString());
    // A New Lease cancelled while it was provisioned: revoke what can be revoked, deliver the rest.
    void finishCancelledLease(const DynamicSecret &secret, const LeaseCreation &result);
    void onLeaseChanged(const QString &leaseId);
    void refreshCounts();
    void showSecretMenu(const QPoint &pos);
    // While a team database cannot be reached: says so (one sentence, nothing
    // changed) and returns true; a change would fail anyway.
    bool refuseWhileUnreachable(const QString &title);
    void reloadAfterReconnect();
    void closeForProfileSwitch(const QString &databaseUrl);

    AppServices m_services;
    EnvironmentListModel *m_environmentModel;
    SecretTableModel *m_secretModel;
    QSortFilterProxyModel *m_secretProxy;
    QListView *m_environmentView;
    QTreeView *m_secretView;
    EmptyViewHint *m_secretHint = nullptr;
    QAction *m_renameEnvironmentAction = nullptr;
    QAction *m_deleteEnvironmentAction = nullptr;
    QLineEdit *m_secretFilter;
    QPushButton *m_addSecretButton;
    QLabel *m_secretTitle;
    GenerateButtonDelegate *m_generateDelegate;
    LeasePanel *m_leasePanel;
    QSplitter *m_sideSplitter;
    QSplitter *m_mainSplitter;
    SecretClipboard *m_clipboard;
    QLabel *m_clipboardStatus;
    QPointer<TokenDialog> m_tokenDialog;
    QPointer<AuditDialog> m_auditDialog;
    QPointer<KubeconfigDialog> m_kubeconfigDialog;
    QTimer m_countsTimer;
    bool m_quitConfirmed = false;
    bool m_quitting = false;
    LeaseWatch *m_leaseWatch;
    TrayIcon *m_tray;
    DatabaseBanner *m_databaseBanner = nullptr;

    QAction *m_addSecretAction;
    QAction *m_editSecretAction;
    QAction *m_deleteSecretAction;
    QAction *m_testConnectionAction;
    QAction *m_addToKubeconfigAction;
    QAction *m_generateAction;
    QAction *m_auditAction;
};

} // namespace kms::ui
