#pragma once

#include "AppServices.h"
#include "core/DynamicSecret.h"
#include "core/Lease.h"
#include "provider/LeaseProvider.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;
class QToolButton;

namespace kms::ui {

class SecretClipboard;

// The issued token, shown once: masked with a reveal toggle, its real expiry,
// Copy (through SecretClipboard, with its countdown), Save as Kubeconfig...,
// and the warning that it will not be shown again. The token is wiped from
// memory when the dialog closes.
class TokenDialog : public QDialog {
    Q_OBJECT
public:
    TokenDialog(const AppServices &services, const DynamicSecret &secret, const Lease &lease,
        const IssuedToken &issued, SecretClipboard *clipboard, QWidget *parent = nullptr);
    ~TokenDialog() override;

    QLineEdit *tokenEdit() const { return m_token; }
    QToolButton *revealButton() const { return m_reveal; }
    QPushButton *copyButton() const { return m_copy; }
    QLabel *countdownLabel() const { return m_countdown; }
    QLabel *expiryLabel() const { return m_expiry; }

    // A line under the warning about how this token came to be shown (empty: none).
    void setNote(const QString &note);

    void copy();
    // Writes a kubeconfig with the token to path (mode 0600); false and a message on failure.
    bool saveKubeconfig(const QString &path, QString *error = nullptr);

protected:
    void done(int result) override;

private:
    void chooseKubeconfigFile();
    void showExpiry();
    void wipe();

    AppServices m_services;
    DynamicSecret m_secret;
    Lease m_lease;
    QByteArray m_value;
    QDateTime m_expires;
    QTimer *m_tick;
    SecretClipboard *m_clipboard;
    QLineEdit *m_token;
    QToolButton *m_reveal;
    QPushButton *m_copy;
    QPushButton *m_saveKubeconfig;
    QLabel *m_expiry;
    QLabel *m_countdown;
    QLabel *m_status;
    QLabel *m_note;
};

} // namespace kms::ui
