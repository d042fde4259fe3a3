#include "AuditTamper.h"

#include "core/AuditEvent.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace kms::test {

namespace {

QDateTime timeFrom(const QVariant &value)
{
    return value.isNull() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

bool run(QSqlQuery &q, const QString &sql, QString *error)
{
    if (q.exec(sql))
        return true;
    *error = sql + QStringLiteral(": ") + q.lastError().text();
    return false;
}

bool recompute(QSqlDatabase &raw, QString *error)
{
    QSqlQuery read(raw);
    if (!run(read,
            QStringLiteral("SELECT seq, at, actor, kind, secret_name, lease_id, namespace, service_account, "
                           "jti, expires_at, detail FROM audit_events ORDER BY seq"),
            error))
        return false;
    QList<AuditEvent> events;
    while (read.next()) {
        AuditEvent e;
        e.seq = read.value(0).toLongLong();
        e.at = timeFrom(read.value(1));
        e.actor = read.value(2).toString();
        e.kind = read.value(3).toString();
        e.secretName = read.value(4).toString();
        e.leaseId = read.value(5).toString();
        e.namespaceName = read.value(6).toString();
        e.serviceAccount = read.value(7).toString();
        e.jti = read.value(8).toString();
        e.expiresAt = timeFrom(read.value(9));
        e.detail = read.value(10).toString();
        events << e;
    }
    read.finish();
    QByteArray previous;
    for (AuditEvent &e : events) {
        e.prevHash = previous;
        e.hash = e.computeHash();
        previous = e.hash;
        QSqlQuery write(raw);
        write.prepare(QStringLiteral("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?"));
        // "" for the first event: a null QString would be bound as NULL.
        write.addBindValue(e.prevHash.isEmpty() ? QStringLiteral("") : QString::fromLatin1(e.prevHash));
        write.addBindValue(QString::fromLatin1(e.hash));
        write.addBindValue(e.seq);
        if (!write.exec()) {
            *error = QStringLiteral("rewrite event %1: %2").arg(e.seq).arg(write.lastError().text());
            return false;
        }
    }
    QSqlQuery head(raw);
    if (events.isEmpty())
        return run(head, QStringLiteral("DELETE FROM audit_head"), error);
    head.prepare(QStringLiteral("INSERT OR REPLACE INTO audit_head (id, seq, hash) VALUES (1, ?, ?)"));
    head.addBindValue(events.constLast().seq);
    head.addBindValue(QString::fromLatin1(events.constLast().hash));
    if (!head.exec()) {
        *error = QStringLiteral("move the head: ") + head.lastError().text();
        return false;
    }
    return true;
}

} // namespace

bool tamperAuditLog(
    const QString &databaseFile, const QStringList &statements, AuditChain chain, QString *error)
{
    const QString name = QUuid::createUuid().toString();
    bool ok = true;
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        raw.setDatabaseName(databaseFile);
        ok = raw.open();
        if (!ok)
            *error = raw.lastError().text();
        QSqlQuery q(raw);
        QStringList triggers;
        if (ok && run(q, QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'trigger'"), error)) {
            while (q.next())
                triggers << q.value(0).toString();
        } else {
            ok = false;
        }
        for (const QString &trigger : std::as_const(triggers))
            ok = ok && run(q, QStringLiteral("DROP TRIGGER \"%1\"").arg(trigger), error);
        for (const QString &sql : statements)
            ok = ok && run(q, sql, error);
        if (ok && chain == AuditChain::Recompute)
            ok = recompute(raw, error);
        q.finish();
        raw.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

} // namespace kms::test
