#pragma once

#include "core/AuditEvent.h"
#include "core/AuditQuery.h"

#include <QList>

#include <optional>

namespace kms {

class Database;

// The append-only, hash-chained audit log (see AuditEvent).
class AuditLog {
public:
    explicit AuditLog(Database &db)
        : m_db(db)
    {
    }

    // Stores the event as the newest link: assigns seq, prevHash and hash, and
    // fills `at` (now) and `actor` (AuditEvent::currentActor()) when empty.
    // One transaction (nested inside the caller's, if any). Returns the stored event.
    std::optional<AuditEvent> append(AuditEvent event);

    QList<AuditEvent> list(const AuditFilter &filter = {}); // oldest first
    // Recomputes every hash and link from the first event to the recorded head.
    AuditVerification verify();

private:
    Database &m_db;
};

} // namespace kms
