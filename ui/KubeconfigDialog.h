#pragma once

#include "AppServices.h"
#include "core/DynamicSecret.h"
#include "leases/KubectlContexts.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace kms::ui {

// Add to Kubeconfig: a kubectl context for the secret whose tokens come from
// hanzo-kmsctl as kubectl's exec credential plugin (KubectlContexts). The
// namespace (dynamic: one of the allowed ones), the context's name and the
// kubeconfig file; after Add, the kubectl line to copy. An error stays in the
// dialog as one sentence.
class KubeconfigDialog : public QDialog {
    Q_OBJECT
public:
    KubeconfigDialog(const AppServices &services, const DynamicSecret &secret, QWidget *parent = nullptr);

    QComboBox *namespaceBox() const { return m_namespace; }
    QLineEdit *contextEdit() const { return m_context; }
    QLineEdit *kubeconfigEdit() const { return m_kubeconfig; }
    QPushButton *addButton() const { return m_add; }
    QLineEdit *commandEdit() const { return m_command; } // "kubectl --context NAME get pods", read-only
    QPushButton *copyButton() const { return m_copy; }
    QString errorText() const;
    QString resultText() const;

    // Writes the context (the Add button); the result or the error shows in the dialog.
    bool add();

private:
    void chooseFile();
    void namespaceChanged();

    AppServices m_services;
    DynamicSecret m_secret;
    QComboBox *m_namespace;
    QLineEdit *m_context;
    QLineEdit *m_kubeconfig;
    QLabel *m_error;
    QWidget *m_done;
    QLabel *m_result;
    QLineEdit *m_command;
    QPushButton *m_copy;
    QPushButton *m_add;
    QString m_suggestedContext; // what the context field held before anyone typed in it
};

} // namespace kms::ui
