#include "store/AuditLog.h"

#include "store/Database.h"

#include <QSqlError>

namespace kms {

namespace {

const QString Columns
    = QStringLiteral("seq, at, actor, kind, secret_name, lease_id, namespace, service_account, "
                     "jti, expires_at, detail, prev_hash, hash");

AuditEvent fromQuery(const QSqlQuery &q)
{
    AuditEvent e;
    e.seq = q.value(0).toLongLong();
    e.at = Database::timeFrom(q.value(1));
    e.actor = q.value(2).toString();
    e.kind = q.value(3).toString();
    e.secretName = q.value(4).toString();
    e.leaseId = q.value(5).toString();
    e.namespaceName = q.value(6).toString();
    e.serviceAccount = q.value(7).toString();
    e.jti = q.value(8).toString();
    e.expiresAt = Database::timeFrom(q.value(9));
    e.detail = q.value(10).toString();
    e.prevHash = q.value(11).toString().toLatin1();
    e.hash = q.value(12).toString().toLatin1();
    return e;
}

// Stored times have millisecond precision; hash exactly what is stored.
QDateTime toStoredPrecision(const QDateTime &time)
{
    return time.isValid() ? QDateTime::fromMSecsSinceEpoch(time.toMSecsSinceEpoch(), Qt::UTC) : QDateTime();
}

} // namespace

std::optional<AuditEvent> AuditLog::append(AuditEvent event)
{
    if (event.kind.isEmpty()) {
        m_db.setLastError(QStringLiteral("An audit event needs a kind."));
        return std::nullopt;
    }
    event.at = toStoredPrecision(event.at.isValid() ? event.at : QDateTime::currentDateTimeUtc());
    event.expiresAt = toStoredPrecision(event.expiresAt);
    if (event.actor.isEmpty())
        event.actor = AuditEvent::currentActor();

    const bool ok = m_db.transaction([&] {
        QSqlQuery head = m_db.prepare(QStringLiteral("SELECT seq, hash FROM audit_head WHERE id = 1"));
        if (!m_db.exec(head, QStringLiteral("read the audit head")))
            return false;
        if (head.next()) {
            event.seq = head.value(0).toLongLong() + 1;
            event.prevHash = head.value(1).toString().toLatin1();
        } else {
            event.seq = 1;
            event.prevHash.clear();
        }
        event.hash = event.computeHash();

        QSqlQuery q
            = m_db.prepare(QStringLiteral("INSERT INTO audit_events (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                          "?, ?, ?, ?)")
                               .arg(Columns));
        q.addBindValue(event.seq);
        q.addBindValue(Database::timeValue(event.at));
        q.addBindValue(event.actor);
        q.addBindValue(event.kind);
        q.addBindValue(event.secretName);
        q.addBindValue(event.leaseId);
        q.addBindValue(event.namespaceName);
        q.addBindValue(event.serviceAccount);
        q.addBindValue(event.jti);
        q.addBindValue(Database::timeValue(event.expiresAt));
        q.addBindValue(event.detail);
        q.addBindValue(QString::fromLatin1(event.prevHash));
        q.addBindValue(QString::fromLatin1(event.hash));
        if (!m_db.exec(q, QStringLiteral("append an audit event")))
            return false;

        QSqlQuery moveHead = m_db.prepare(
            QStringLiteral("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                           "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"));
        moveHead.addBindValue(event.seq);
        moveHead.addBindValue(QString::fromLatin1(event.hash));
        return m_db.exec(moveHead, QStringLiteral("move the audit head"));
    });
    if (!ok)
        return std::nullopt;
    return event;
}

QList<AuditEvent> AuditLog::list(const AuditFilter &filter)
{
    QStringList where;
    QVariantList values;
    if (!filter.secretName.isEmpty()) {
        where << QStringLiteral("secret_name = ?");
        values << filter.secretName;
    }
    if (!filter.leaseId.isEmpty()) {
        where << QStringLiteral("lease_id = ?");
        values << filter.leaseId;
    }
    if (!filter.kind.isEmpty()) {
        if (filter.kind.endsWith(QLatin1Char('.'))) {
            where << QStringLiteral("substr(kind, 1, ?) = ?");
            values << filter.kind.size() << filter.kind;
        } else {
            where << QStringLiteral("kind = ?");
            values << filter.kind;
        }
    }
    if (filter.since.isValid()) {
        where << QStringLiteral("at >= ?");
        values << Database::timeValue(filter.since);
    }
    if (filter.until.isValid()) {
        where << QStringLiteral("at < ?");
        values << Database::timeValue(filter.until);
    }
    QString sql = QStringLiteral("SELECT %1 FROM audit_events").arg(Columns);
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    if (filter.limit > 0) {
        sql = QStringLiteral("SELECT * FROM (%1 ORDER BY seq DESC LIMIT %2) ORDER BY seq")
                  .arg(sql)
                  .arg(filter.limit);
    } else {
        sql += QStringLiteral(" ORDER BY seq");
    }

    QList<AuditEvent> result;
    QSqlQuery q = m_db.prepare(sql);
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!m_db.exec(q, QStringLiteral("list audit events")))
        return result;
    while (q.next())
        result.append(fromQuery(q));
    return result;
}

AuditVerification AuditLog::verify()
{
    AuditVerification result;
    // One read transaction: a consistent snapshot even while another process appends.
    m_db.transaction(
        [&] {
            QSqlQuery q
                = m_db.prepare(QStringLiteral("SELECT %1 FROM audit_events ORDER BY seq").arg(Columns));
            if (!m_db.exec(q, QStringLiteral("read the audit log"))) {
                result.reason = m_db.lastError();
                return false;
            }
            QByteArray previousHash;
            qint64 expectedSeq = 1;
            const auto broken = [&](qint64 seq, const QString &reason) {
                result.firstBrokenSeq = seq;
                result.reason = reason;
            };
            while (q.next()) {
                const AuditEvent e = fromQuery(q);
                if (e.seq != expectedSeq) {
                    broken(expectedSeq,
                        QStringLiteral("Audit event %1 is missing (the next stored event is %2).")
                            .arg(expectedSeq)
                            .arg(e.seq));
                    return false;
                }
                if (e.prevHash != previousHash) {
                    broken(e.seq,
                        QStringLiteral("Audit event %1 does not link to the event before it.").arg(e.seq));
                    return false;
                }
                if (e.computeHash() != e.hash) {
                    broken(
                        e.seq, QStringLiteral("Audit event %1 was changed after it was written.").arg(e.seq));
                    return false;
                }
                previousHash = e.hash;
                ++expectedSeq;
                ++result.eventCount;
            }

            QSqlQuery head = m_db.prepare(QStringLiteral("SELECT seq, hash FROM audit_head WHERE id = 1"));
            if (!m_db.exec(head, QStringLiteral("read the audit head"))) {
                result.reason = m_db.lastError();
                return false;
            }
            const qint64 lastSeq = expectedSeq - 1;
            if (!head.next()) {
                if (lastSeq > 0)
                    broken(1, QStringLiteral("The audit log's head record is missing."));
                return false;
            }
            const qint64 headSeq = head.value(0).toLongLong();
            if (headSeq > lastSeq) {
                broken(lastSeq + 1,
                    QStringLiteral("Audit event %1 is missing (the log ends at %2, its head says %3).")
                        .arg(lastSeq + 1)
                        .arg(lastSeq)
                        .arg(headSeq));
            } else if (headSeq < lastSeq) {
                broken(headSeq + 1,
                    QStringLiteral("Audit event %1 was added outside the audit log (its head says %2).")
                        .arg(headSeq + 1)
                        .arg(headSeq));
            } else if (head.value(1).toString().toLatin1() != previousHash) {
                broken(lastSeq,
                    QStringLiteral("Audit event %1 does not match the log's head record.").arg(lastSeq));
            }
            return false; // read only: nothing to commit
        },
        Database::Lock::Snapshot);
    return result;
}

} // namespace kms
