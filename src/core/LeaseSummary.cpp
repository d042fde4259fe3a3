#include "core/LeaseSummary.h"

namespace kms {

LeaseSummary LeaseSummary::of(const Lease &lease)
{
    LeaseSummary s;
    s.id = lease.id;
    s.namespaceName = lease.namespaceName;
    s.serviceAccount = lease.serviceAccount;
    s.createdBy = lease.createdBy;
    s.closedBy = lease.closedBy;
    s.failureReason = lease.failureReason;
    s.createdMs = lease.createdAt.isValid() ? lease.createdAt.toMSecsSinceEpoch() : 0;
    s.expiresMs = lease.expiresAt.isValid() ? lease.expiresAt.toMSecsSinceEpoch() : 0;
    s.state = lease.state;
    s.kind = lease.kind;
    return s;
}

} // namespace kms
