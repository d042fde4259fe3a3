#pragma once

#include "AppServices.h"
#include "core/DynamicSecret.h"
#include "leases/LeaseService.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QStackedLayout;

namespace kms::ui {

// Provision Lease: TTL (the secret's default, checked live against 10 minutes
// and the max TTL), namespace (dynamic: one of the allowed ones), audiences
// override. Submit shows progress and cannot be pressed twice; an error stays
// in the dialog as one sentence.
//
// Cancel after Submit cannot call back what was sent to the cluster, and no
// token may be lost: the dialog hides, provisioning finishes, and the outcome
// goes to cancelledLeaseFinished (MainWindow revokes a revocable lease and
// delivers an unbound static token, which nothing can revoke). The dialog
// says so while it provisions.
class NewLeaseDialog : public QDialog {
    Q_OBJECT
public:
    NewLeaseDialog(const AppServices &services, const DynamicSecret &secret, QWidget *parent = nullptr);

    QLineEdit *ttlEdit() const { return m_ttl; }
    QComboBox *namespaceBox() const { return m_namespace; }
    QLineEdit *audiencesEdit() const { return m_audiences; }
    QPushButton *submitButton() const { return m_submit; }
    QString errorText() const;
    QString fieldMessage(const QString &field) const;
    bool isSubmitting() const { return m_submitting; }
    bool isCancelled() const { return m_cancelled; }
    // Whether the cluster's answer for an open secret's namespaces ("*", a selector) has come.
    bool hasNamespaceChoices() const { return m_namespacesListed; }

    void submit();

signals:
    // The token, once; the dialog has closed itself.
    void leaseCreated(const kms::Lease &lease, const kms::IssuedToken &issued);
    // Cancel was pressed while provisioning: the dialog is hidden and waits for the outcome.
    void cancelRequested();
    // The outcome of a provisioning cancelled on the way; the dialog then closes itself.
    void cancelledLeaseFinished(const kms::LeaseCreation &result);
    // The namespaces "*" or the secret's selector allow have been added to the choice.
    void namespacesListed();

protected:
    void done(int result) override;
    void closeEvent(QCloseEvent *event) override;

private:
    LeaseRequest request(FieldErrors *errors) const;
    void revalidate();
    void showNamespaceChoices(const NamespaceChoices &choices);
    void showError(const QString &message);

    AppServices m_services;
    DynamicSecret m_secret;
    bool m_submitting = false;
    bool m_cancelled = false;
    bool m_namespacesListed = false;
    QLineEdit *m_ttl;
    QLabel *m_ttlError;
    QComboBox *m_namespace = nullptr;
    QLabel *m_namespaceError = nullptr;
    QLineEdit *m_audiences;
    QLabel *m_audiencesError;
    QLabel *m_error;
    QStackedLayout *m_statusStack;
    QWidget *m_idle; // the status area's pages: nothing, progress, the error
    QWidget *m_busy;
    QProgressBar *m_progress;
    QLabel *m_cancelHint;
    QPushButton *m_submit;
    QDialogButtonBox *m_buttons;
};

} // namespace kms::ui
