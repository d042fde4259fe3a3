#pragma once

#include "core/AuditChain.h"

#include <QList>

namespace kms {

// An audit log as a file (JSON) that a third party can verify offline: every
// event with its signature, the writers' public keys with their actors, and
// the log's head record. `hanzo-kmsctl audit export` writes it;
// `hanzo-kmsctl audit --verify --file F` checks it.
struct AuditExport {
    static constexpr const char *Format = "hanzo-kms-audit-log";
    static constexpr int Version = 1;
    // The largest file fromJson() is given (read at most this + 1 bytes).
    static constexpr qint64 MaxFileSize = 64 * 1024 * 1024;

    QString logId; // the log's identity (AuditLog::logId())
    qint64 unsignedUntil = 0; // events up to here were written before signing began
    QList<AuditPublicKey> keys;
    QList<AuditEvent> events; // oldest first
    std::optional<AuditMark> head;

    QByteArray toJson() const;
    // Nullopt with one sentence in *error for anything that is not such a file.
    static std::optional<AuditExport> fromJson(const QByteArray &json, QString *error);

    // Checks the file on its own; with the anchor of a profile that kept this
    // log (same logId), also that it is not cut or rewritten before it.
    AuditVerification verify(const std::optional<AuditMark> &anchor = std::nullopt) const;
};

} // namespace kms
