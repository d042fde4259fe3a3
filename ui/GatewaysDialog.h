#pragma once

#include <QCoro/QCoroTask>
#include <QDialog>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;

namespace kms {
class GatewayRegistry;
} // namespace kms

namespace kms::ui {

// Registered hanzo-kms-gateways: the list, registering one (URL, the CA that
// signs the gateway's certificate, this desktop's client certificate and key
// files; the key goes to the keychain) and removing one. The GUI's
// `hanzo-kmsctl gateway add|list|remove`.
class GatewaysDialog : public QDialog {
    Q_OBJECT

public:
    explicit GatewaysDialog(GatewayRegistry &gateways, QWidget *parent = nullptr);

    // For tests: the widgets a person would use.
    QTreeWidget *list() const { return m_list; }
    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *urlEdit() const { return m_url; }
    QLineEdit *caEdit() const { return m_ca; }
    QLineEdit *certificateEdit() const { return m_certificate; }
    QLineEdit *keyEdit() const { return m_key; }
    QPushButton *registerButton() const { return m_register; }
    QPushButton *removeButton() const { return m_remove; }
    QLabel *message() const { return m_message; }

signals:
    // After a gateway was registered or removed (e.g. to refresh a gateway select).
    void gatewaysChanged();

private:
    void reload();
    void updateButtons();
    QCoro::Task<> registerGateway();
    QCoro::Task<> removeSelected();
    void showMessage(const QString &text, bool error);
    QLineEdit *fileRow(QFormLayout *form, const QString &label, const QString &tip);

    GatewayRegistry &m_gateways;
    QTreeWidget *m_list;
    QLineEdit *m_name;
    QLineEdit *m_url;
    QLineEdit *m_ca;
    QLineEdit *m_certificate;
    QLineEdit *m_key;
    QPushButton *m_register;
    QPushButton *m_remove;
    QLabel *m_message;
    bool m_busy = false;
};

} // namespace kms::ui
