#pragma once

#include <QString>
#include <QStringList>

namespace kms::test {

// Changes a profile's audit log behind the application's back, as someone with
// write access to the SQLite file would: drops every trigger, runs the
// statements, and with RecomputeChain rewrites every event's prev_hash and
// hash (plain SHA-256, AuditEvent::computeHash) and the head record so the
// hash chain links again. Signatures are left as they are: an attacker
// without the writer's keychain cannot make new ones.
enum class AuditChain { AsIs, Recompute };
bool tamperAuditLog(
    const QString &databaseFile, const QStringList &statements, AuditChain chain, QString *error);

} // namespace kms::test
