#pragma once

#include <QDateTime>
#include <QString>

#include <optional>

namespace kms {

// Which audit events a listing returns. Empty fields do not filter.
struct AuditFilter {
    QString secretName;
    QString leaseId;
    QString kind; // exact, or a prefix ending in '.', e.g. "lease."
    QString person; // the actor (user@host)
    QDateTime since; // inclusive
    QDateTime until; // exclusive
    int limit = 0; // 0: no limit; with a limit, the newest events are kept
};

// The result of walking the audit chain (AuditChainVerifier).
struct AuditVerification {
    qint64 eventCount = 0; // events checked
    qint64 unsignedCount = 0; // of those, written before events were signed (hash-checked only)
    std::optional<qint64> firstBrokenSeq; // the first bad or missing event
    QString reason; // one sentence, when broken or unreadable
    bool intact() const { return !firstBrokenSeq && reason.isEmpty(); }
};

} // namespace kms
