#include "store/AuditLog.h"

#include "core/Ed25519.h"
#include "store/Database.h"

#include <QSqlError>

#include <mutex>

namespace kms {

namespace {

// The advisory lock (class, object) that serialises appends in a team
// profile's PostgreSQL database; the class is Database's ("KMS"), object 1 is
// its migration lock.
constexpr int AdvisoryLockClass = 0x4b4d53;
constexpr int AppendLock = 2;

const QString Columns
    = QStringLiteral("seq, at, actor, kind, secret_name, lease_id, namespace, service_account, "
                     "jti, expires_at, detail, prev_hash, hash, key_id, signature");

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
    e.keyId = q.value(13).toLongLong(); // NULL: 0, unsigned
    e.signature = q.value(14).toString().toLatin1();
    return e;
}

// This process's signer: one OS user per process.
struct Signing {
    std::mutex mutex;
    std::shared_ptr<const Ed25519PrivateKey> key;
    QString reason;
    std::function<void()> appended;
};

Signing &signing()
{
    static Signing s;
    return s;
}

// Stored times have millisecond precision; hash exactly what is stored.
QDateTime toStoredPrecision(const QDateTime &time)
{
    return time.isValid() ? QDateTime::fromMSecsSinceEpoch(time.toMSecsSinceEpoch(), Qt::UTC) : QDateTime();
}

} // namespace

void AuditLog::setSigningKey(std::shared_ptr<const Ed25519PrivateKey> key, const QString &reason)
{
    Signing &s = signing();
    const std::lock_guard lock(s.mutex);
    s.key = std::move(key);
    s.reason = reason;
}

bool AuditLog::hasSigningKey()
{
    Signing &s = signing();
    const std::lock_guard lock(s.mutex);
    return s.key != nullptr;
}

void AuditLog::setAppendedCallback(std::function<void()> callback)
{
    Signing &s = signing();
    const std::lock_guard lock(s.mutex);
    s.appended = std::move(callback);
}

std::optional<qint64> AuditLog::keyIdFor(const QString &actor, const QByteArray &publicKey)
{
    const QString encoded = QString::fromLatin1(publicKey.toBase64());
    Query find = m_db.prepare(QStringLiteral("SELECT id FROM audit_keys WHERE actor = ? AND public_key = ?"));
    find.addBindValue(actor);
    find.addBindValue(encoded);
    if (!m_db.exec(find, QStringLiteral("find the audit signing key")))
        return std::nullopt;
    if (find.next())
        return find.value(0).toLongLong();
    Query add = m_db.prepare(QStringLiteral(
        "INSERT INTO audit_keys (actor, public_key, created_at) VALUES (?, ?, ?) RETURNING id"));
    add.addBindValue(actor);
    add.addBindValue(encoded);
    add.addBindValue(QDateTime::currentMSecsSinceEpoch());
    if (!m_db.exec(add, QStringLiteral("register the audit signing key")) || !add.next())
        return std::nullopt;
    return add.value(0).toLongLong();
}

namespace {

// This process's signing key, or nullptr with the reason in lastError.
std::shared_ptr<const Ed25519PrivateKey> signingKey(Database &db)
{
    Signing &s = signing();
    const std::lock_guard lock(s.mutex);
    if (!s.key)
        db.setLastError(
            QStringLiteral("Cannot write to the audit log: %1")
                .arg(s.reason.isEmpty() ? QStringLiteral("no signing key was loaded from the keychain.")
                                        : s.reason));
    return s.key;
}

// The fields append() and seal() fill before the head is known.
bool prepare(Database &db, AuditEvent &event)
{
    if (event.kind.isEmpty()) {
        db.setLastError(QStringLiteral("An audit event needs a kind."));
        return false;
    }
    event.at = toStoredPrecision(event.at.isValid() ? event.at : QDateTime::currentDateTimeUtc());
    event.expiresAt = toStoredPrecision(event.expiresAt);
    if (event.actor.isEmpty())
        event.actor = AuditEvent::currentActor();
    return true;
}

// The event as the successor of (headSeq, headHash), hashed and signed.
bool sign(Database &db, AuditEvent &event, const Ed25519PrivateKey &key, qint64 headSeq,
    const QByteArray &headHash, qint64 keyId)
{
    event.seq = headSeq + 1;
    event.prevHash = headHash;
    event.keyId = keyId;
    event.hash = event.computeHash();
    const QByteArray signature = key.sign(event.signedContent());
    if (signature.isEmpty()) {
        db.setLastError(QStringLiteral("Cannot sign the audit event: OpenSSL could not make an Ed25519 "
                                       "signature."));
        return false;
    }
    event.signature = signature.toBase64();
    return true;
}

QString keyCacheKey(const QString &actor, const QByteArray &publicKey)
{
    return actor + QLatin1Char('\n') + QString::fromLatin1(publicKey.toBase64());
}

} // namespace

QByteArray AuditLog::signingPublicKey()
{
    Signing &s = signing();
    const std::lock_guard lock(s.mutex);
    return s.key ? s.key->publicKey().toBase64() : QByteArray();
}

void AuditLog::notifyAppended()
{
    std::function<void()> appended;
    {
        Signing &s = signing();
        const std::lock_guard lock(s.mutex);
        appended = s.appended;
    }
    if (appended)
        appended();
}

std::optional<qint64> AuditLog::keyId()
{
    const std::shared_ptr<const Ed25519PrivateKey> key = signingKey(m_db);
    if (!key)
        return std::nullopt;
    const QString actor = AuditEvent::currentActor();
    const QString cacheKey = keyCacheKey(actor, key->publicKey());
    if (const auto found = m_db.auditHint().keyIds.constFind(cacheKey);
        found != m_db.auditHint().keyIds.cend())
        return *found;
    const std::optional<qint64> id = keyIdFor(actor, key->publicKey());
    if (id)
        m_db.auditHint().keyIds.insert(cacheKey, *id);
    return id;
}

bool AuditLog::seal(AuditEvent &event, qint64 headSeq, const QByteArray &headHash, qint64 keyId)
{
    const std::shared_ptr<const Ed25519PrivateKey> key = signingKey(m_db);
    return key && prepare(m_db, event) && sign(m_db, event, *key, headSeq, headHash, keyId);
}

std::optional<AuditEvent> AuditLog::append(AuditEvent event)
{
    if (!prepare(m_db, event))
        return std::nullopt;
    const std::shared_ptr<const Ed25519PrivateKey> key = signingKey(m_db);
    if (!key)
        return std::nullopt;

    const bool ok = m_db.transaction([&] {
        // PostgreSQL: one append at a time across every program on the database
        // (each statement then reads the head the previous append committed);
        // two that read the same head would both write its successor, and the
        // second would fail. SQLite's BEGIN IMMEDIATE already serialises writers.
        if (m_db.backend() == Database::Backend::PostgreSQL
            && !m_db.exec(
                QStringLiteral("SELECT pg_advisory_xact_lock(%1, %2)").arg(AdvisoryLockClass).arg(AppendLock),
                QStringLiteral("wait for other programs appending to the audit log")))
            return false;
        Query head = m_db.prepare(QStringLiteral("SELECT seq, hash FROM audit_head WHERE id = 1"));
        if (!m_db.exec(head, QStringLiteral("read the audit head")))
            return false;
        const bool hasHead = head.next();
        qint64 headSeq = 0;
        QByteArray headHash;
        if (hasHead) {
            headSeq = head.value(0).toLongLong();
            headHash = head.value(1).toString().toLatin1();
        }
        head.finish();
        const std::optional<qint64> keyId = keyIdFor(event.actor, key->publicKey());
        if (!keyId || !sign(m_db, event, *key, headSeq, headHash, *keyId))
            return false;

        Query q
            = m_db.prepare(QStringLiteral("INSERT INTO audit_events (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                          "?, ?, ?, ?, ?, ?)")
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
        q.addBindValue(event.keyId);
        q.addBindValue(QString::fromLatin1(event.signature));
        if (!m_db.exec(q, QStringLiteral("append an audit event")))
            return false;

        // Insert the head once, then only move it forward (its triggers refuse anything else).
        Query moveHead = m_db.prepare(hasHead
                ? QStringLiteral("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
                : QStringLiteral("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)"));
        moveHead.addBindValue(event.seq);
        moveHead.addBindValue(QString::fromLatin1(event.hash));
        return m_db.exec(moveHead, QStringLiteral("move the audit head"));
    });
    if (!ok)
        return std::nullopt;
    m_db.auditHint().headSeq = event.seq;
    m_db.auditHint().headHash = event.hash;
    notifyAppended();
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
    if (!filter.person.trimmed().isEmpty()) {
        where << QStringLiteral("actor = ?");
        values << filter.person.trimmed();
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
        sql = QStringLiteral("SELECT * FROM (%1 ORDER BY seq DESC LIMIT %2) AS newest ORDER BY seq")
                  .arg(sql)
                  .arg(filter.limit);
    } else {
        sql += QStringLiteral(" ORDER BY seq");
    }

    QList<AuditEvent> result;
    Query q = m_db.prepare(sql);
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!m_db.exec(q, QStringLiteral("list audit events")))
        return result;
    while (q.next())
        result.append(fromQuery(q));
    return result;
}

bool AuditLog::readMeta(QString &logId, qint64 &unsignedUntil)
{
    Query q = m_db.prepare(QStringLiteral("SELECT log_id, unsigned_until FROM audit_log WHERE id = 1"));
    if (!m_db.exec(q, QStringLiteral("read the audit log's identity")))
        return false;
    if (!q.next()) {
        m_db.setLastError(QStringLiteral("The audit log's identity record is missing."));
        return false;
    }
    logId = q.value(0).toString();
    unsignedUntil = q.value(1).toLongLong();
    return true;
}

bool AuditLog::readKeys(QList<AuditPublicKey> &keys)
{
    Query q = m_db.prepare(
        QStringLiteral("SELECT id, actor, public_key, created_at FROM audit_keys ORDER BY id"));
    if (!m_db.exec(q, QStringLiteral("read the audit signing keys")))
        return false;
    while (q.next()) {
        AuditPublicKey k;
        k.id = q.value(0).toLongLong();
        k.actor = q.value(1).toString();
        k.publicKey = QByteArray::fromBase64(q.value(2).toString().toLatin1());
        k.createdAt = Database::timeFrom(q.value(3));
        keys << k;
    }
    return true;
}

bool AuditLog::readHead(std::optional<AuditMark> &head)
{
    head.reset();
    Query q = m_db.prepare(QStringLiteral("SELECT seq, hash FROM audit_head WHERE id = 1"));
    if (!m_db.exec(q, QStringLiteral("read the audit head")))
        return false;
    if (q.next())
        head = AuditMark { q.value(0).toLongLong(), q.value(1).toString().toLatin1() };
    return true;
}

std::optional<QByteArray> AuditLog::hashAt(qint64 seq)
{
    Query q = m_db.prepare(QStringLiteral("SELECT hash FROM audit_events WHERE seq = ?"));
    q.addBindValue(seq);
    if (!m_db.exec(q, QStringLiteral("read an audit event")) || !q.next())
        return std::nullopt;
    return q.value(0).toString().toLatin1();
}

QString AuditLog::logId()
{
    QString id;
    qint64 unsignedUntil = 0;
    return readMeta(id, unsignedUntil) ? id : QString();
}

AuditVerification AuditLog::verify(const std::optional<AuditMark> &anchor)
{
    AuditVerification result;
    // One read transaction: a consistent snapshot even while another process appends.
    m_db.transaction(
        [&] {
            QString logId;
            qint64 unsignedUntil = 0;
            QList<AuditPublicKey> keys;
            if (!readMeta(logId, unsignedUntil) || !readKeys(keys)) {
                result.reason = m_db.lastError();
                return false;
            }
            QHash<qint64, AuditPublicKey> byId;
            for (const AuditPublicKey &k : std::as_const(keys))
                byId.insert(k.id, k);
            AuditChainVerifier verifier(byId, unsignedUntil, anchor);
            Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM audit_events ORDER BY seq").arg(Columns));
            if (!m_db.exec(q, QStringLiteral("read the audit log"))) {
                result.reason = m_db.lastError();
                return false;
            }
            while (q.next()) {
                if (!verifier.add(fromQuery(q)))
                    break;
            }
            q.finish();
            std::optional<AuditMark> head;
            if (!readHead(head)) {
                result.reason = m_db.lastError();
                return false;
            }
            result = verifier.finish(head);
            return false; // read only: nothing to commit
        },
        Database::Lock::Snapshot);
    return result;
}

std::optional<AuditExport> AuditLog::exportLog()
{
    AuditExport out;
    bool ok = false;
    m_db.transaction(
        [&] {
            if (!readMeta(out.logId, out.unsignedUntil) || !readKeys(out.keys) || !readHead(out.head))
                return false;
            Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM audit_events ORDER BY seq").arg(Columns));
            if (!m_db.exec(q, QStringLiteral("read the audit log")))
                return false;
            while (q.next())
                out.events << fromQuery(q);
            ok = true;
            return false; // read only
        },
        Database::Lock::Snapshot);
    if (!ok)
        return std::nullopt;
    return out;
}

} // namespace kms
