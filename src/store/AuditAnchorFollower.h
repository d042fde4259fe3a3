#pragma once

#include <QObject>

namespace kms {

class AuditKeychain;
class Database;

// For a long-running process (the GUI): after every audit append, once the
// event loop is back and no transaction is open, moves the profile's anchor
// to the committed head (AuditKeychain::raiseAnchor). One at a time; appends
// during a raise cause one more. Installs itself as AuditLog's appended
// callback for its lifetime.
class AuditAnchorFollower : public QObject {
    Q_OBJECT
public:
    AuditAnchorFollower(AuditKeychain &keychain, Database &db, QObject *parent = nullptr);
    ~AuditAnchorFollower() override;

signals:
    void anchorRaised();
    void anchorFailed(const QString &error);

private:
    void schedule();
    void run();

    AuditKeychain &m_keychain;
    Database &m_db;
    bool m_scheduled = false;
    bool m_running = false;
    bool m_again = false;
};

} // namespace kms
