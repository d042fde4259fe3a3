#include "store/LeaseRepository.h"

#include "core/DisplayText.h"
#include "store/AuditLog.h"
#include "store/Database.h"
#include "store/LeaseLock.h"
#include "store/LeaseNotifications.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace kms {

namespace {

// Every column but id, in the order bindFields binds them.
const QStringList FieldColumns = { QStringLiteral("secret_id"), QStringLiteral("kind"),
    QStringLiteral("namespace"), QStringLiteral("service_account"), QStringLiteral("created_at"),
    QStringLiteral("expires_at"), QStringLiteral("created_by"), QStringLiteral("state"),
    QStringLiteral("token_jti"), QStringLiteral("failure_reason"), QStringLiteral("requested_ttl"),
    QStringLiteral("binding_name"), QStringLiteral("binding_kind"), QStringLiteral("bound_secret_name"),
    QStringLiteral("created_service_account"), QStringLiteral("cleanup_attempts"),
    QStringLiteral("next_cleanup_at"), QStringLiteral("closed_by"), QStringLiteral("closed_at"),
    QStringLiteral("service_account_uid"), QStringLiteral("binding_uid"), QStringLiteral("bound_secret_uid"),
    QStringLiteral("extra_objects"), QStringLiteral("audiences") };

// SELECT order: id, then the field columns.
const QString Columns = QStringLiteral("id, ") + FieldColumns.join(QStringLiteral(", "));

Lease fromQuery(const QSqlQuery &q)
{
    Lease l;
    l.id = q.value(0).toString();
    l.secretId = q.value(1).toLongLong();
    l.kind = Lease::kindFromString(q.value(2).toString()).value_or(LeaseKind::Static);
    l.namespaceName = q.value(3).toString();
    l.serviceAccount = q.value(4).toString();
    l.createdAt = Database::timeFrom(q.value(5));
    l.expiresAt = Database::timeFrom(q.value(6));
    l.createdBy = q.value(7).toString();
    l.state = Lease::stateFromString(q.value(8).toString()).value_or(LeaseState::Failed);
    l.tokenJti = q.value(9).toString();
    l.failureReason = q.value(10).toString();
    l.requestedTtlSeconds = q.value(11).toLongLong();
    l.bindingName = q.value(12).toString();
    l.bindingKind = q.value(13).toString();
    l.boundSecretName = q.value(14).toString();
    l.createdServiceAccount = q.value(15).toBool();
    l.cleanupAttempts = q.value(16).toInt();
    l.nextCleanupAt = Database::timeFrom(q.value(17));
    l.closedBy = q.value(18).toString();
    l.closedAt = Database::timeFrom(q.value(19));
    l.serviceAccountUid = q.value(20).toString();
    l.bindingUid = q.value(21).toString();
    l.boundSecretUid = q.value(22).toString();
    l.extraObjects = LeaseObject::fromJson(QJsonDocument::fromJson(q.value(23).toString().toUtf8()).array());
    const QString audiences = q.value(24).toString();
    if (!audiences.isEmpty()) {
        QStringList list;
        for (const QJsonValue &a : QJsonDocument::fromJson(audiences.toUtf8()).array())
            list << a.toString();
        l.audiences = list;
    }
    return l;
}

// The FieldColumns' values, in their order.
QVariantList fieldValues(const Lease &l)
{
    return { l.secretId, Lease::toString(l.kind), l.namespaceName, l.serviceAccount,
        Database::timeValue(l.createdAt), Database::timeValue(l.expiresAt), l.createdBy,
        Lease::toString(l.state), l.tokenJti, l.failureReason, l.requestedTtlSeconds, l.bindingName,
        l.bindingKind, l.boundSecretName, l.createdServiceAccount, l.cleanupAttempts,
        Database::timeValue(l.nextCleanupAt), l.closedBy, Database::timeValue(l.closedAt),
        l.serviceAccountUid, l.bindingUid, l.boundSecretUid,
        QString::fromUtf8(QJsonDocument(LeaseObject::toJson(l.extraObjects)).toJson(QJsonDocument::Compact)),
        l.audiences ? QString::fromUtf8(
            QJsonDocument(QJsonArray::fromStringList(*l.audiences)).toJson(QJsonDocument::Compact))
                    : QString() };
}

// Binds the FieldColumns, in their order.
void bindFields(Query &q, const Lease &l)
{
    for (const QVariant &v : fieldValues(l))
        q.addBindValue(v);
}

// A JSON value as the column would store the variant: "" for a null string,
// 0/1 for a flag, null for a null time.
QJsonValue columnJson(const QVariant &v)
{
    if (v.isNull() && v.metaType() != QMetaType::fromType<QString>())
        return QJsonValue(QJsonValue::Null);
    switch (v.metaType().id()) {
    case QMetaType::Bool:
        return v.toBool() ? 1 : 0;
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return v.toLongLong();
    default:
        return v.toString();
    }
}

// The row as kms_lease_open and kms_lease_commit take it (column -> value).
QByteArray rowJson(const Lease &lease)
{
    QJsonObject row { { QStringLiteral("id"), lease.id } };
    const QVariantList values = fieldValues(lease);
    for (qsizetype i = 0; i < FieldColumns.size(); ++i)
        row.insert(FieldColumns.at(i), columnJson(values.at(i)));
    return QJsonDocument(row).toJson(QJsonDocument::Compact);
}

QByteArray eventJson(const AuditEvent &e)
{
    const QJsonObject row { { QStringLiteral("seq"), e.seq },
        { QStringLiteral("at"), columnJson(Database::timeValue(e.at)) }, { QStringLiteral("actor"), e.actor },
        { QStringLiteral("kind"), e.kind }, { QStringLiteral("secret_name"), e.secretName },
        { QStringLiteral("lease_id"), e.leaseId }, { QStringLiteral("namespace"), e.namespaceName },
        { QStringLiteral("service_account"), e.serviceAccount }, { QStringLiteral("jti"), e.jti },
        { QStringLiteral("expires_at"), columnJson(Database::timeValue(e.expiresAt)) },
        { QStringLiteral("detail"), e.detail },
        { QStringLiteral("prev_hash"), QString::fromLatin1(e.prevHash) },
        { QStringLiteral("hash"), QString::fromLatin1(e.hash) }, { QStringLiteral("key_id"), e.keyId },
        { QStringLiteral("signature"), QString::fromLatin1(e.signature) } };
    return QJsonDocument(row).toJson(QJsonDocument::Compact);
}

const QString OpenStates = QStringLiteral("('provisioning', 'active', 'revoking', 'cleanup_failed')");

} // namespace

bool LeaseRepository::insert(const Lease &lease)
{
    if (lease.id.isEmpty()) {
        m_db.setLastError(QStringLiteral("A lease needs an id before it is stored."));
        return false;
    }
    Query q = m_db.prepare(
        notifying(QStringLiteral("INSERT INTO leases (%1, id) VALUES (%2)")
                      .arg(FieldColumns.join(QStringLiteral(", ")),
                          QStringLiteral("?, ").repeated(FieldColumns.size() + 1).chopped(2))));
    bindFields(q, lease);
    q.addBindValue(lease.id);
    return m_db.exec(q, QStringLiteral("add lease %1").arg(lease.id));
}

LeaseRepository::Insert LeaseRepository::insertWithinLimit(const Lease &lease, int limit, int *live)
{
    LeaseLock lock(m_db, lease.id);
    return open(lease, std::nullopt, limit, lock, live);
}

LeaseRepository::Insert LeaseRepository::open(const Lease &lease,
    const std::optional<QDateTime> &secretUpdatedAt, int limit, LeaseLock &lock, int *live)
{
    if (lease.id.isEmpty()) {
        m_db.setLastError(QStringLiteral("A lease needs an id before it is stored."));
        return Insert::Failed;
    }
    if (m_db.backend() == Database::Backend::PostgreSQL && !m_db.inTransaction()) {
        Query q = m_db.prepare(QStringLiteral("SELECT outcome, live, head_seq, head_hash, key_id FROM "
                                              "kms_lease_open(?::jsonb, ?, ?, ?, ?, ?)"));
        q.addBindValue(QString::fromUtf8(rowJson(lease)));
        q.addBindValue(secretUpdatedAt ? Database::timeValue(*secretUpdatedAt) : Database::timeValue({}));
        q.addBindValue(limit);
        q.addBindValue(Database::timeValue(lease.createdAt));
        q.addBindValue(AuditEvent::currentActor());
        q.addBindValue(QString::fromLatin1(AuditLog::signingPublicKey()));
        if (!m_db.exec(q, QStringLiteral("add lease %1").arg(lease.id)) || !q.next()) {
            // Whether the server took the lease's lock before the error is unknown: release it to be sure.
            lock.setHeldByServer(true);
            return Insert::Failed;
        }
        const QString outcome = q.value(0).toString();
        if (live)
            *live = q.value(1).toInt();
        if (outcome == QLatin1String("locked")) {
            m_db.setLastError(QStringLiteral("held by another process"));
            return Insert::Locked;
        }
        if (outcome == QLatin1String("secret_changed"))
            return Insert::SecretChanged;
        if (outcome == QLatin1String("limit"))
            return Insert::LimitReached;
        lock.setHeldByServer(true);
        if (outcome != QLatin1String("inserted")) {
            m_db.setLastError(QStringLiteral("The database answered \"%1\" to adding lease %2.")
                                  .arg(escapeControls(outcome.left(64)), lease.id));
            return Insert::Failed;
        }
        Database::AuditHint &hint = m_db.auditHint();
        hint.headSeq = q.value(2).toLongLong(); // NULL: an empty log
        hint.headHash = q.value(3).toString().toLatin1();
        if (!q.value(4).isNull())
            hint.keyIds.insert(AuditEvent::currentActor() + QLatin1Char('\n')
                    + QString::fromLatin1(AuditLog::signingPublicKey()),
                q.value(4).toLongLong());
        return Insert::Inserted;
    }

    if (!lock.tryLock()) {
        m_db.setLastError(lock.errorString());
        return Insert::Locked;
    }
    Insert outcome = Insert::Failed;
    const bool ok = m_db.transaction([&] {
        // Checked, counted and inserted under a lock, so two processes cannot
        // both see room for the last lease: SQLite's write lock (BEGIN
        // IMMEDIATE); in PostgreSQL, which locks nothing at BEGIN, the
        // secret's row, so the counts for one secret take turns.
        Query secret = m_db.prepare(m_db.backend() == Database::Backend::PostgreSQL
                ? QStringLiteral("SELECT updated_at FROM dynamic_secrets WHERE id = ? FOR UPDATE")
                : QStringLiteral("SELECT updated_at FROM dynamic_secrets WHERE id = ?"));
        secret.addBindValue(lease.secretId);
        if (!m_db.exec(secret, QStringLiteral("check the lease's secret")))
            return false;
        if (!secret.next() || (secretUpdatedAt && Database::timeFrom(secret.value(0)) != *secretUpdatedAt)) {
            outcome = Insert::SecretChanged;
            return false;
        }
        secret.finish();
        if (limit > 0) {
            const int counted = liveCount(lease.secretId, lease.createdAt);
            if (counted < 0)
                return false;
            if (live)
                *live = counted;
            if (counted >= limit) {
                outcome = Insert::LimitReached;
                return false;
            }
        }
        if (!insert(lease))
            return false;
        outcome = Insert::Inserted;
        return true;
    });
    if (ok)
        return Insert::Inserted;
    return outcome == Insert::Inserted ? Insert::Failed : outcome; // Inserted: the commit failed
}

int LeaseRepository::liveCount(qint64 secretId, const QDateTime &now)
{
    // Provisioning leases are about to hold a token; the others hold one
    // until it expires unless their objects are gone (revoked, expired, failed).
    Query q = m_db.prepare(QStringLiteral(
        "SELECT count(*) FROM leases WHERE secret_id = ? AND (state = 'provisioning' OR (token_jti != '' "
        "AND expires_at > ? AND state IN ('active', 'revoking', 'cleanup_failed', 'released')))"));
    q.addBindValue(secretId);
    q.addBindValue(Database::timeValue(now));
    if (!m_db.exec(q, QStringLiteral("count live leases")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

QString LeaseRepository::notifying(const QString &write) const
{
    // A team profile's other programs hear of the row when it commits
    // (LeaseNotifications), in the same statement: no extra round trip.
    if (m_db.backend() != Database::Backend::PostgreSQL)
        return write;
    return QStringLiteral("WITH written AS (%1 RETURNING id) SELECT pg_notify('%2', id) FROM written")
        .arg(write, QLatin1String(LeaseNotifications::Channel));
}

LeaseRepository::Update LeaseRepository::update(const Lease &lease, LeaseState expected)
{
    return update(lease, expected, {});
}

LeaseRepository::Update LeaseRepository::update(
    const Lease &lease, LeaseState expected, const QString &expectedJti)
{
    if (lease.state != expected && !Lease::canTransition(expected, lease.state)) {
        m_db.setLastError(QStringLiteral("Lease %1 cannot go from %2 to %3.")
                              .arg(lease.id, Lease::displayName(expected), Lease::displayName(lease.state)));
        return Update::Failed;
    }
    // Compare-and-set: the row changes only while it is still in the state the
    // caller read. Of two writers that race, the second matches no row.
    Query q = m_db.prepare(
        notifying(QStringLiteral("UPDATE leases SET %1 = ? WHERE id = ? AND state = ?%2")
                      .arg(FieldColumns.join(QStringLiteral(" = ?, ")),
                          expectedJti.isEmpty() ? QString() : QStringLiteral(" AND token_jti = ?"))));
    bindFields(q, lease);
    q.addBindValue(lease.id);
    q.addBindValue(Lease::toString(expected));
    if (!expectedJti.isEmpty())
        q.addBindValue(expectedJti);
    if (!m_db.exec(q, QStringLiteral("update lease %1").arg(lease.id)))
        return Update::Failed;
    int changed = 0;
    if (m_db.backend() == Database::Backend::PostgreSQL) {
        // One row per lease written (the notification's).
        while (q.next())
            ++changed;
    } else {
        changed = q.numRowsAffected();
    }
    q.finish();
    if (changed == 1)
        return Update::Updated;
    if (changed < 0) {
        m_db.setLastError(QStringLiteral("Cannot tell whether lease %1 was updated.").arg(lease.id));
        return Update::Failed;
    }
    return conflict(lease.id, expected);
}

LeaseRepository::Update LeaseRepository::conflict(const QString &id, LeaseState expected)
{
    const std::optional<Lease> stored = byId(id);
    if (!stored) {
        m_db.setLastError(QStringLiteral("Lease %1 does not exist.").arg(id));
        return Update::Failed;
    }
    if (stored->state == expected) {
        m_db.setLastError(
            QStringLiteral("Lease %1 got another token first: another process renewed it.").arg(id));
        return Update::Conflict;
    }
    m_db.setLastError(
        QStringLiteral("Lease %1 is %2, no longer %3: another process changed it first.")
            .arg(id, Lease::displayName(stored->state).toLower(), Lease::displayName(expected).toLower()));
    return Update::Conflict;
}

LeaseRepository::Update LeaseRepository::commit(const Lease &lease, LeaseState expected,
    const QString &expectedJti, std::optional<AuditEvent> event, LeaseLock *release)
{
    if (m_db.backend() != Database::Backend::PostgreSQL || m_db.inTransaction()) {
        m_db.setLastError(
            QStringLiteral("LeaseRepository::commit is a team profile's, outside a transaction."));
        return Update::Failed;
    }
    if (lease.state != expected && !Lease::canTransition(expected, lease.state)) {
        m_db.setLastError(QStringLiteral("Lease %1 cannot go from %2 to %3.")
                              .arg(lease.id, Lease::displayName(expected), Lease::displayName(lease.state)));
        return Update::Failed;
    }
    AuditLog audit(m_db);
    std::optional<qint64> keyId;
    if (event) {
        keyId = audit.keyId();
        if (!keyId)
            return Update::Failed;
    }
    const QString row = QString::fromUtf8(rowJson(lease));
    const bool unlock = release && release->isLocked();
    // Another program's append between this connection's last sight of the
    // head and the statement: the server answers the head, the event is
    // signed again. Each round is one append by someone else, so this ends
    // unless others append without pause; then it gives up, having written nothing.
    constexpr int MaxRounds = 64;
    for (int round = 0; round < MaxRounds; ++round) {
        Database::AuditHint &hint = m_db.auditHint();
        if (event && !audit.seal(*event, hint.headSeq, hint.headHash, *keyId))
            return Update::Failed;
        Query q = m_db.prepare(QStringLiteral("SELECT outcome, head_seq, head_hash FROM kms_lease_commit(?, "
                                              "?, ?, ?::jsonb, ?::jsonb, ?::boolean)"));
        q.addBindValue(lease.id);
        q.addBindValue(Lease::toString(expected));
        q.addBindValue(expectedJti);
        q.addBindValue(row);
        q.addBindValue(
            event ? QVariant(QString::fromUtf8(eventJson(*event))) : QVariant(QMetaType::fromType<qint64>()));
        q.addBindValue(unlock);
        if (!m_db.exec(q, QStringLiteral("update lease %1").arg(lease.id)) || !q.next())
            return Update::Failed;
        const QString outcome = q.value(0).toString();
        const qint64 headSeq = q.value(1).toLongLong();
        const QByteArray headHash = q.value(2).toString().toLatin1();
        q.finish();
        if (outcome == QLatin1String("moved")) {
            hint.headSeq = headSeq;
            hint.headHash = headHash;
            continue;
        }
        if (outcome == QLatin1String("conflict"))
            return conflict(lease.id, expected);
        if (outcome != QLatin1String("done")) {
            m_db.setLastError(QStringLiteral("The database answered \"%1\" to updating lease %2.")
                                  .arg(escapeControls(outcome.left(64)), lease.id));
            return Update::Failed;
        }
        if (event) {
            hint.headSeq = event->seq;
            hint.headHash = event->hash;
            AuditLog::notifyAppended();
        }
        if (unlock)
            release->setHeldByServer(false);
        return Update::Updated;
    }
    m_db.setLastError(
        QStringLiteral("Lease %1 was not updated: other programs kept appending to the audit log "
                       "(%2 tries); try again.")
            .arg(lease.id)
            .arg(MaxRounds));
    return Update::Failed;
}

QList<Lease> LeaseRepository::select(const QString &whereAndOrder, const QVariantList &values)
{
    QList<Lease> result;
    Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM leases %2").arg(Columns, whereAndOrder));
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!m_db.exec(q, QStringLiteral("list leases")))
        return result;
    while (q.next())
        result.append(fromQuery(q));
    return result;
}

std::optional<Lease> LeaseRepository::byId(const QString &id)
{
    const QList<Lease> found = select(QStringLiteral("WHERE id = ?"), { id.toLower() });
    if (found.isEmpty())
        return std::nullopt;
    return found.constFirst();
}

QList<Lease> LeaseRepository::listForSecret(qint64 secretId, bool includeClosed)
{
    return select(QStringLiteral("WHERE secret_id = ? %1 ORDER BY created_at DESC, id")
                      .arg(includeClosed ? QString() : QStringLiteral("AND state IN ") + OpenStates),
        { secretId });
}

QList<Lease> LeaseRepository::listAll(bool includeClosed)
{
    return select(QStringLiteral("%1 ORDER BY created_at DESC, id")
                      .arg(includeClosed ? QString() : QStringLiteral("WHERE state IN ") + OpenStates),
        {});
}

QList<Lease> LeaseRepository::listByPerson(const QString &person, bool includeClosed)
{
    const QString who = person.trimmed();
    return select(QStringLiteral("WHERE (created_by = ? OR closed_by = ?) %1 ORDER BY created_at DESC, id")
                      .arg(includeClosed ? QString() : QStringLiteral("AND state IN ") + OpenStates),
        { who, who });
}

QList<Lease> LeaseRepository::listByState(LeaseState state)
{
    return select(QStringLiteral("WHERE state = ? ORDER BY expires_at, id"), { Lease::toString(state) });
}

QList<LeaseSummary> LeaseRepository::summariesForSecret(qint64 secretId)
{
    QList<LeaseSummary> result;
    Query q = m_db.prepare(QStringLiteral(
        "SELECT id, namespace, service_account, created_by, failure_reason, created_at, "
        "expires_at, state, kind, closed_by FROM leases WHERE secret_id = ? ORDER BY created_at DESC, id"));
    q.addBindValue(secretId);
    if (!m_db.exec(q, QStringLiteral("list leases")))
        return result;
    // Namespaces, people and failure reasons repeat across 100,000 rows:
    // one string each, shared.
    QHash<QString, QString> shared;
    const auto share = [&shared](QString text) {
        if (text.isEmpty())
            return QString();
        const auto found = shared.constFind(text);
        if (found != shared.constEnd())
            return *found;
        shared.insert(text, text);
        return text;
    };
    // The states and kinds as the rows spell them, parsed once each.
    QHash<QString, LeaseState> states;
    QHash<QString, LeaseKind> kinds;
    while (q.next()) {
        LeaseSummary &row = result.emplace_back();
        row.id = q.value(0).toString();
        row.namespaceName = share(q.value(1).toString());
        row.serviceAccount = q.value(2).toString();
        row.createdBy = share(q.value(3).toString());
        row.failureReason = share(q.value(4).toString());
        const QVariant created = q.value(5);
        row.createdMs = created.isNull() ? 0 : created.toLongLong();
        const QVariant expires = q.value(6);
        row.expiresMs = expires.isNull() ? 0 : expires.toLongLong();
        const QString state = q.value(7).toString();
        auto s = states.constFind(state);
        if (s == states.constEnd())
            s = states.insert(state, Lease::stateFromString(state).value_or(LeaseState::Failed));
        row.state = *s;
        const QString kind = q.value(8).toString();
        auto k = kinds.constFind(kind);
        if (k == kinds.constEnd())
            k = kinds.insert(kind, Lease::kindFromString(kind).value_or(LeaseKind::Static));
        row.kind = *k;
        row.closedBy = share(q.value(9).toString());
    }
    return result;
}

int LeaseRepository::countActiveExpiringAfter(const QDateTime &after)
{
    Query q = m_db.prepare(
        QStringLiteral("SELECT count(*) FROM leases WHERE state = 'active' AND expires_at > ?"));
    q.addBindValue(Database::timeValue(after));
    if (!m_db.exec(q, QStringLiteral("count active leases")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

std::optional<Lease> LeaseRepository::firstActiveExpiringAfter(const QDateTime &after)
{
    const QList<Lease> found
        = select(QStringLiteral("WHERE state = 'active' AND expires_at > ? ORDER BY expires_at, id LIMIT 1"),
            { Database::timeValue(after) });
    if (found.isEmpty())
        return std::nullopt;
    return found.constFirst();
}

QList<Lease> LeaseRepository::listActiveExpiringBetween(const QDateTime &after, const QDateTime &until)
{
    return select(QStringLiteral("WHERE state = 'active' AND expires_at > ? AND expires_at <= ? "
                                 "ORDER BY expires_at, id"),
        { Database::timeValue(after), Database::timeValue(until) });
}

namespace {

const QString DueWhere = QStringLiteral("(state = 'active' AND expires_at <= ?) OR "
                                        "(state = 'cleanup_failed' AND coalesce(next_cleanup_at, 0) <= ?)");
const QString UnfinishedWhere = QStringLiteral("state IN ('provisioning', 'revoking')");

} // namespace

QList<Lease> LeaseRepository::dueForCleanup(const QDateTime &now)
{
    const QVariant at = Database::timeValue(now);
    return select(QStringLiteral("WHERE %1 ORDER BY expires_at, id").arg(DueWhere), { at, at });
}

QList<Lease> LeaseRepository::unfinished()
{
    return select(QStringLiteral("WHERE %1 ORDER BY created_at, id").arg(UnfinishedWhere), {});
}

QList<LeaseClaim> LeaseRepository::claimDueForCleanup(const QDateTime &now, int limit)
{
    const QVariant at = Database::timeValue(now);
    return claim(DueWhere, QStringLiteral("expires_at, id"), { at, at }, limit);
}

QList<LeaseClaim> LeaseRepository::claimUnfinished(int limit)
{
    return claim(UnfinishedWhere, QStringLiteral("created_at, id"), {}, limit);
}

QList<LeaseClaim> LeaseRepository::claim(
    const QString &where, const QString &order, const QVariantList &values, int limit)
{
    QList<LeaseClaim> claimed;
    const auto take = [&](const QList<Lease> &rows) {
        for (const Lease &lease : rows) {
            auto lock = std::make_shared<LeaseLock>(m_db, lease.id);
            if (lock->tryLock())
                claimed.append({ lease, std::move(lock) });
        }
    };
    if (m_db.backend() != Database::Backend::PostgreSQL) {
        take(select(QStringLiteral("WHERE %1 ORDER BY %2 LIMIT %3").arg(where, order).arg(limit), values));
        return claimed;
    }
    // The row locks last for this short transaction, the advisory locks until released.
    const bool ok = m_db.transaction([&] {
        take(select(QStringLiteral("WHERE %1 ORDER BY %2 LIMIT %3 FOR UPDATE SKIP LOCKED")
                        .arg(where, order)
                        .arg(limit),
            values));
        return true;
    });
    if (!ok)
        claimed.clear();
    return claimed;
}

std::optional<QDateTime> LeaseRepository::nextExpiry()
{
    Query q = m_db.prepare(QStringLiteral(
        "SELECT min(t) FROM (SELECT min(expires_at) AS t FROM leases WHERE state = 'active' "
        "UNION ALL SELECT min(next_cleanup_at) FROM leases WHERE state = 'cleanup_failed') AS due"));
    if (!m_db.exec(q, QStringLiteral("find the next expiry")) || !q.next() || q.value(0).isNull())
        return std::nullopt;
    return Database::timeFrom(q.value(0));
}

int LeaseRepository::count()
{
    Query q = m_db.prepare(QStringLiteral("SELECT count(*) FROM leases"));
    if (!m_db.exec(q, QStringLiteral("count leases")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

} // namespace kms
