#include "store/AuditKeychain.h"

#include <QCoreApplication>

#include "core/Ed25519.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <openssl/crypto.h>

namespace kms {

namespace {

void wipe(QByteArray &secret)
{
    if (!secret.isEmpty())
        OPENSSL_cleanse(secret.data(), std::size_t(secret.size()));
    secret.clear();
}

QByteArray anchorJson(const QString &logId, const AuditMark &mark)
{
    return QJsonDocument(QJsonObject { { QStringLiteral("log"), logId }, { QStringLiteral("seq"), mark.seq },
                             { QStringLiteral("hash"), QString::fromLatin1(mark.hash) } })
        .toJson(QJsonDocument::Compact);
}

} // namespace

AuditKeychain::AuditKeychain(Database &db, CredentialVault &vault)
    : m_db(db)
    , m_vault(vault)
{
}

QString AuditKeychain::anchorName() const
{
    // Per database: the SQLite file's path, or the team database's postgresql://user@host:port/db.
    return QStringLiteral("audit-anchor:") + m_db.location();
}

QCoro::Task<bool> AuditKeychain::loadSigningKey()
{
    VaultResult stored = co_await m_vault.get(signingKeyName());
    if (!stored.ok && stored.error == VaultResult::Error::NotFound) {
        std::optional<Ed25519PrivateKey> made = Ed25519PrivateKey::generate();
        if (!made) {
            m_lastError = QStringLiteral("Cannot make an audit signing key: OpenSSL has no Ed25519.");
            AuditLog::setSigningKey(nullptr, m_lastError);
            co_return false;
        }
        const VaultResult put = co_await m_vault.put(signingKeyName(), made->rawPrivateKey());
        if (!put.ok) {
            m_lastError = put.message;
            AuditLog::setSigningKey(nullptr, m_lastError);
            co_return false;
        }
        // Read back: if another process stored its key at the same time, both use the one kept.
        stored = co_await m_vault.get(signingKeyName());
    }
    if (!stored.ok) {
        m_lastError = stored.message;
        AuditLog::setSigningKey(nullptr, m_lastError);
        co_return false;
    }
    std::optional<Ed25519PrivateKey> key = Ed25519PrivateKey::fromRawPrivateKey(stored.value);
    wipe(stored.value);
    if (!key) {
        m_lastError
            = QStringLiteral("The keychain entry \"%1\" (service \"%2\") is not an Ed25519 key; remove it "
                             "and a new one is made.")
                  .arg(signingKeyName(), m_vault.serviceName());
        AuditLog::setSigningKey(nullptr, m_lastError);
        co_return false;
    }
    AuditLog::setSigningKey(std::make_shared<const Ed25519PrivateKey>(std::move(*key)));
    co_return true;
}

QCoro::Task<AuditKeychain::AnchorRead> AuditKeychain::readAnchor()
{
    AnchorRead result;
    const VaultResult stored = co_await m_vault.get(anchorName());
    if (!stored.ok && stored.error == VaultResult::Error::NotFound) {
        result.ok = true;
        co_return result;
    }
    if (!stored.ok) {
        result.error = stored.message;
        co_return result;
    }
    const QJsonObject o = QJsonDocument::fromJson(stored.value).object();
    const QString hash = o.value(QStringLiteral("hash")).toString();
    const double seq = o.value(QStringLiteral("seq")).toDouble(-1);
    if (seq < 1 || hash.isEmpty()) {
        result.error = QStringLiteral("The keychain entry \"%1\" (service \"%2\") is not an audit anchor.")
                           .arg(anchorName(), m_vault.serviceName());
        co_return result;
    }
    result.ok = true;
    result.anchor
        = Anchor { o.value(QStringLiteral("log")).toString(), AuditMark { qint64(seq), hash.toLatin1() } };
    co_return result;
}

QCoro::Task<bool> AuditKeychain::raiseAnchor()
{
    if (m_db.inTransaction()) {
        m_lastError = QStringLiteral("The audit anchor is raised only outside a transaction.");
        co_return false;
    }
    AuditLog log(m_db);
    std::optional<AuditMark> head;
    const QString logId = log.logId();
    if (logId.isEmpty() || !log.readHead(head)) {
        m_lastError = m_db.lastError();
        co_return false;
    }
    if (!head)
        co_return true;
    const AnchorRead current = co_await readAnchor();
    if (!current.ok) {
        m_lastError = current.error;
        co_return false;
    }
    if (current.anchor) {
        if (current.anchor->logId != logId || current.anchor->mark.seq >= head->seq)
            co_return true;
        // Only forward along the same chain: a log that lost the anchored event keeps the evidence.
        if (log.hashAt(current.anchor->mark.seq) != std::optional<QByteArray>(current.anchor->mark.hash))
            co_return true;
    }
    const VaultResult put = co_await m_vault.put(anchorName(), anchorJson(logId, *head));
    if (!put.ok) {
        m_lastError = put.message;
        co_return false;
    }
    co_return true;
}

QCoro::Task<AuditVerification> AuditKeychain::verify()
{
    AuditVerification result;
    const AnchorRead read = co_await readAnchor();
    if (!read.ok) {
        result.reason
            = QStringLiteral("this profile's anchor could not be read from the keychain: %1").arg(read.error);
        co_return result;
    }
    AuditLog log(m_db);
    std::optional<AuditMark> anchor;
    if (read.anchor) {
        const QString logId = log.logId();
        if (logId.isEmpty()) {
            result.reason = m_db.lastError();
            co_return result;
        }
        if (read.anchor->logId != logId) {
            result.firstBrokenSeq = 1;
            result.reason = QCoreApplication::translate("AuditKeychain",
                "Audit event 1 is missing: this profile has seen %n event(s) of another audit log (its "
                "keychain anchor), so this log replaced it. If you replaced the database on purpose, "
                "remove the keychain entry \"%1\" (service \"%2\").",
                nullptr, int(read.anchor->mark.seq))
                                .arg(anchorName(), m_vault.serviceName());
            co_return result;
        }
        anchor = read.anchor->mark;
    }
    result = log.verify(anchor);
    if (!result.intact())
        co_return result;
    const bool raised = co_await raiseAnchor();
    if (!raised) {
        result.reason
            = QStringLiteral("the log is intact, but this profile's anchor could not be stored in the "
                             "keychain: %1")
                  .arg(m_lastError);
    }
    co_return result;
}

} // namespace kms
