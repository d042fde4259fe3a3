#pragma once

#include "core/AuditEvent.h"

#include <QList>

#include <optional>

namespace kms {

class Database;

// Which events list() returns. Empty fields do not filter.
struct AuditFilter {
    QString secretName;
    QString leaseId;
    QString kind; // exact, or a prefix ending in '.', e.g. "lease."
    QDateTime since; // inclusive
    QDateTime until; // exclusive
    int limit = 0; // 0: no limit; with a limit, the newest events are kept
};

// The result of walking the chain.
struct AuditVerification {
    qint64 eventCount = 0; // events checked
    std::optional<qint64> firstBrokenSeq; // the first event whose link does not hold
    QString reason; // one sentence, when broken or unreadable
    bool intact() const { return !firstBrokenSeq && reason.isEmpty(); }
};

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
