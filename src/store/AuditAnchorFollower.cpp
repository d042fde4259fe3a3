#include "store/AuditAnchorFollower.h"

#include "store/AuditKeychain.h"
#include "store/AuditLog.h"
#include "store/Database.h"

#include <QCoro/QCoroTask>
#include <QTimer>

namespace kms {

AuditAnchorFollower::AuditAnchorFollower(AuditKeychain &keychain, Database &db, QObject *parent)
    : QObject(parent)
    , m_keychain(keychain)
    , m_db(db)
{
    AuditLog::setAppendedCallback([this] { schedule(); });
}

AuditAnchorFollower::~AuditAnchorFollower()
{
    AuditLog::setAppendedCallback({});
}

void AuditAnchorFollower::schedule()
{
    if (m_running) {
        m_again = true;
        return;
    }
    if (m_scheduled)
        return;
    m_scheduled = true;
    QTimer::singleShot(0, this, &AuditAnchorFollower::run);
}

void AuditAnchorFollower::run()
{
    m_scheduled = false;
    if (m_db.inTransaction()) {
        // The append's transaction is still open (a nested event loop): only committed events are anchored.
        m_scheduled = true;
        QTimer::singleShot(20, this, &AuditAnchorFollower::run);
        return;
    }
    m_running = true;
    m_again = false;
    QCoro::connect(m_keychain.raiseAnchor(), this, [this](bool ok) {
        m_running = false;
        if (ok)
            emit anchorRaised();
        else
            emit anchorFailed(m_keychain.lastError());
        if (m_again)
            schedule();
    });
}

} // namespace kms
