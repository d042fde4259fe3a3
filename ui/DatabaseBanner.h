#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace kms {
class DatabaseReconnector;
}

namespace kms::ui {

// The bar at the top of the main window while a team profile's database
// cannot be reached (KeePassXC's MessageWidget): one sentence that names the
// server, when the next attempt is, and a Reconnect button. Hidden while
// connected; follows the DatabaseReconnector.
class DatabaseBanner : public QFrame {
    Q_OBJECT
public:
    explicit DatabaseBanner(DatabaseReconnector *reconnector, QWidget *parent = nullptr);

    QString text() const;
    QPushButton *reconnectButton() const { return m_reconnect; }

private:
    void showProblem(const QString &message, qint64 nextMilliseconds);

    DatabaseReconnector *m_reconnector;
    QLabel *m_label;
    QPushButton *m_reconnect;
};

} // namespace kms::ui
