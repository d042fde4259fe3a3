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
    QDateTime since; // inclusive
    QDateTime until; // exclusive
    int limit = 0; // 0: no limit; with a limit, the newest events are kept
};

// The result of walking the audit chain.
struct AuditVerification {
    qint64 eventCount = 0; // events checked
    std::optional<qint64> firstBrokenSeq; // the first event whose link does not hold
    QString reason; // one sentence, when broken or unreadable
    bool intact() const { return !firstBrokenSeq && reason.isEmpty(); }
};

} // namespace kms
