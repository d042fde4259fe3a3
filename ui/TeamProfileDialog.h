#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace kms::ui {

// File > Open Team Profile...: the PostgreSQL URL of a team profile
// (postgresql://user@host:port/database?sslmode=verify-full&sslrootcert=...)
// and, if the server asks for one, its password. Open checks the URL as
// --database does (a field error is one sentence that names the field; a
// password typed into the URL is moved to the Password field), then connects
// as the next start will. Only when that works is anything kept: the
// password in the keychain, the URL (never a password) in the local
// profile's settings, so that the next start opens the team profile too;
// then accepted() and chosenUrl() tell MainWindow to switch. A failure stays
// in the dialog as one sentence and keeps nothing.
class TeamProfileDialog : public QDialog {
    Q_OBJECT
public:
    // dataDir: the local profile's, where the choice is remembered; currentUrl: the team profile open now, if
    // any.
    TeamProfileDialog(const QString &dataDir, const QString &currentUrl, QWidget *parent = nullptr);

    QLineEdit *urlEdit() const { return m_url; }
    QLineEdit *passwordEdit() const { return m_password; }
    QPushButton *openButton() const { return m_open; }
    QString errorText() const;
    bool isConnecting() const { return m_connecting; }
    // After accepted(): the URL opened, canonical, without a password.
    QString chosenUrl() const { return m_chosenUrl; }

    void submit();

signals:
    // A check finished without success (the error is shown); for tests.
    void checkFailed();

private:
    void showError(const QString &message, QLineEdit *field);
    void setConnecting(bool on);
    void fitToContents();

    QString m_dataDir;
    QLineEdit *m_url;
    QLineEdit *m_password;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
    QPushButton *m_open;
    bool m_connecting = false;
    QString m_chosenUrl;
};

} // namespace kms::ui
