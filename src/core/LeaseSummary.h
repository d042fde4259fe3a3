#pragma once

#include "core/Lease.h"

#include <QString>
#include <QTypeInfo>

namespace kms {

// A lease as a list shows it (the lease table): the columns a row displays,
// sorts and filters on, without the objects, uids and audiences a whole Lease
// carries (and LeaseRepository parses from JSON). Read for a secret's 100,000
// leases by LeaseRepository::summariesForSecret; the whole Lease is read by id
// when one is opened or acted on.
struct LeaseSummary {
    QString id;
    QString namespaceName;
    QString serviceAccount;
    QString createdBy; // user@host
    QString closedBy; // user@host; empty while open
    QString failureReason;
    qint64 createdMs = 0; // UTC milliseconds since the epoch; 0: unknown
    qint64 expiresMs = 0; // 0: not known yet
    LeaseState state = LeaseState::Provisioning;
    LeaseKind kind = LeaseKind::Static;

    static LeaseSummary of(const Lease &lease);
    bool operator==(const LeaseSummary &) const = default;
};

} // namespace kms

// Strings, numbers and enums: a list of 100,000 grows by moving memory, not row by row.
Q_DECLARE_TYPEINFO(kms::LeaseSummary, Q_RELOCATABLE_TYPE);
