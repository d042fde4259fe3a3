#include "store/SecretRepository.h"

#include "store/Database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace kms {

namespace {

// Every column but id, created_at and updated_at, in the order bindFields binds them.
const QStringList FieldColumns
    = { QStringLiteral("environment_id"), QStringLiteral("name"), QStringLiteral("default_ttl"),
          QStringLiteral("max_ttl"), QStringLiteral("auth_method"), QStringLiteral("gateway"),
          QStringLiteral("cluster_url"), QStringLiteral("ssl_verify"), QStringLiteral("ca_certificate"),
          QStringLiteral("credential_type"), QStringLiteral("service_account"), QStringLiteral("namespace"),
          QStringLiteral("allowed_namespaces"), QStringLiteral("role_type"), QStringLiteral("role_name"),
          QStringLiteral("audiences"), QStringLiteral("cluster_wide"), QStringLiteral("bound_tokens"),
          QStringLiteral("extra_roles"), QStringLiteral("extra_labels"), QStringLiteral("extra_annotations"),
          QStringLiteral("max_leases"), QStringLiteral("name_template"), QStringLiteral("generated_rules"),
          QStringLiteral("generated_role_type"), QStringLiteral("namespace_selector") };

// SELECT order: id, the field columns, created_at, updated_at.
const QString Columns = QStringLiteral("id, ") + FieldColumns.join(QStringLiteral(", "))
    + QStringLiteral(", created_at, updated_at");

QString toJson(const QStringList &list)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(list)).toJson(QJsonDocument::Compact));
}

QString rolesToJson(const QList<RoleRef> &roles)
{
    QJsonArray array;
    for (const RoleRef &r : roles)
        array.append(QJsonObject { { QStringLiteral("kind"), DynamicSecret::toString(r.kind) },
            { QStringLiteral("name"), r.name } });
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

QList<RoleRef> rolesFromJson(const QString &text)
{
    QList<RoleRef> roles;
    for (const QJsonValue &v : QJsonDocument::fromJson(text.toUtf8()).array()) {
        const QJsonObject o = v.toObject();
        roles.append(RoleRef { DynamicSecret::roleTypeFromString(o.value(QLatin1String("kind")).toString())
                                   .value_or(RoleType::ClusterRole),
            o.value(QLatin1String("name")).toString() });
    }
    return roles;
}

QString metadataToJson(const DynamicSecret::Metadata &metadata)
{
    QJsonObject object;
    for (auto it = metadata.begin(); it != metadata.end(); ++it)
        object.insert(it.key(), it.value());
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

DynamicSecret::Metadata metadataFromJson(const QString &text)
{
    DynamicSecret::Metadata metadata;
    const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
    for (auto it = object.begin(); it != object.end(); ++it)
        metadata.insert(it.key(), it.value().toString());
    return metadata;
}

QStringList fromJson(const QString &text)
{
    QStringList result;
    const QJsonArray array = QJsonDocument::fromJson(text.toUtf8()).array();
    for (const QJsonValue &v : array)
        result.append(v.toString());
    return result;
}

DynamicSecret fromQuery(const QSqlQuery &q)
{
    DynamicSecret s;
    s.id = q.value(0).toLongLong();
    s.environmentId = q.value(1).toLongLong();
    s.name = q.value(2).toString();
    s.defaultTtl = Duration::fromSeconds(q.value(3).toLongLong());
    s.maxTtl = Duration::fromSeconds(q.value(4).toLongLong());
    s.authMethod = DynamicSecret::authMethodFromString(q.value(5).toString()).value_or(AuthMethod::Token);
    s.gateway = q.value(6).toString();
    s.clusterUrl = q.value(7).toString();
    s.sslVerify = q.value(8).toBool();
    s.caCertificate = q.value(9).toString();
    s.credentialType
        = DynamicSecret::credentialTypeFromString(q.value(10).toString()).value_or(CredentialType::Static);
    s.serviceAccount = q.value(11).toString();
    s.namespaceName = q.value(12).toString();
    s.allowedNamespaces = fromJson(q.value(13).toString());
    s.roleType = DynamicSecret::roleTypeFromString(q.value(14).toString()).value_or(RoleType::ClusterRole);
    s.roleName = q.value(15).toString();
    s.audiences = fromJson(q.value(16).toString());
    s.clusterWide = q.value(17).toBool();
    s.boundTokens = q.value(18).toBool();
    s.extraRoles = rolesFromJson(q.value(19).toString());
    s.extraLabels = metadataFromJson(q.value(20).toString());
    s.extraAnnotations = metadataFromJson(q.value(21).toString());
    s.maxLeases = q.value(22).toInt();
    s.nameTemplate = q.value(23).toString();
    // Stored only after validation; a row edited by hand to something unusable reads as no rules.
    s.generatedRules
        = PolicyRule::listFromJson(QJsonDocument::fromJson(q.value(24).toString().toUtf8()).array(), nullptr)
              .value_or(QList<PolicyRule>());
    s.generatedRoleType = DynamicSecret::roleTypeFromString(q.value(25).toString()).value_or(RoleType::Role);
    s.namespaceSelector = q.value(26).toString();
    s.createdAt = Database::timeFrom(q.value(27));
    s.updatedAt = Database::timeFrom(q.value(28));
    return s;
}

// Binds the FieldColumns, in their order.
void bindFields(Query &q, const DynamicSecret &s)
{
    q.addBindValue(s.environmentId);
    q.addBindValue(s.name);
    q.addBindValue(s.defaultTtl.seconds());
    q.addBindValue(s.maxTtl.seconds());
    q.addBindValue(DynamicSecret::toString(s.authMethod));
    q.addBindValue(s.gateway);
    q.addBindValue(s.clusterUrl);
    q.addBindValue(s.sslVerify);
    q.addBindValue(s.caCertificate);
    q.addBindValue(DynamicSecret::toString(s.credentialType));
    q.addBindValue(s.serviceAccount);
    q.addBindValue(s.namespaceName);
    q.addBindValue(toJson(s.allowedNamespaces));
    q.addBindValue(DynamicSecret::toString(s.roleType));
    q.addBindValue(s.roleName);
    q.addBindValue(toJson(s.audiences));
    q.addBindValue(s.clusterWide);
    q.addBindValue(s.boundTokens);
    q.addBindValue(rolesToJson(s.extraRoles));
    q.addBindValue(metadataToJson(s.extraLabels));
    q.addBindValue(metadataToJson(s.extraAnnotations));
    q.addBindValue(s.maxLeases);
    q.addBindValue(s.nameTemplate);
    q.addBindValue(QString::fromUtf8(
        QJsonDocument(PolicyRule::toJson(s.generatedRules)).toJson(QJsonDocument::Compact)));
    q.addBindValue(DynamicSecret::toString(s.generatedRoleType));
    q.addBindValue(s.namespaceSelector);
}

const QString OpenStates = QStringLiteral("('provisioning', 'active', 'revoking', 'cleanup_failed')");

} // namespace

bool SecretRepository::insert(DynamicSecret &secret)
{
    DynamicSecret stored = secret;
    const bool ok = m_db.transaction([&] {
        stored.id = reserveId();
        return stored.id > 0 && insertReserved(stored);
    });
    if (ok)
        secret = stored;
    return ok;
}

qint64 SecretRepository::reserveId()
{
    qint64 id = 0;
    const bool ok = m_db.transaction([&] {
        // Also above every id in the table, should a row ever get its id another way.
        Query q = m_db.prepare(
            QStringLiteral("UPDATE id_sequences SET next_id = %1 + 1 "
                           "WHERE name = 'dynamic_secrets' RETURNING next_id - 1")
                .arg(m_db.greatest(QStringLiteral("next_id"),
                    QStringLiteral("(SELECT coalesce(max(id), 0) + 1 FROM dynamic_secrets)"))));
        if (!m_db.exec(q, QStringLiteral("reserve a dynamic secret id")))
            return false;
        if (!q.next()) {
            m_db.setLastError(
                QStringLiteral("The database has no dynamic secret id sequence; it may be damaged."));
            return false;
        }
        id = q.value(0).toLongLong();
        q.finish();
        return true;
    });
    return ok ? id : 0;
}

bool SecretRepository::insertReserved(DynamicSecret &secret)
{
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(QDateTime::currentMSecsSinceEpoch(), Qt::UTC);
    const QString placeholders = QStringLiteral("?, ").repeated(FieldColumns.size() + 3).chopped(2);
    Query q = m_db.prepare(QStringLiteral("INSERT INTO dynamic_secrets (%1, created_at, updated_at, id) "
                                          "VALUES (%2)")
                               .arg(FieldColumns.join(QStringLiteral(", ")), placeholders));
    bindFields(q, secret);
    q.addBindValue(Database::timeValue(now));
    q.addBindValue(Database::timeValue(now));
    q.addBindValue(secret.id);
    if (!m_db.exec(q, QStringLiteral("add dynamic secret \"%1\"").arg(secret.name)))
        return false;
    secret.createdAt = now;
    secret.updatedAt = now;
    return true;
}

bool SecretRepository::update(DynamicSecret &secret, const QDateTime &expectedUpdatedAt)
{
    QDateTime now = QDateTime::fromMSecsSinceEpoch(QDateTime::currentMSecsSinceEpoch(), Qt::UTC);
    // Strictly later than the version replaced, so that a compare-and-set on
    // updatedAt never mistakes a newer row for the one it read.
    if (expectedUpdatedAt.isValid() && now <= expectedUpdatedAt)
        now = expectedUpdatedAt.addMSecs(1);
    const bool compareAndSet = expectedUpdatedAt.isValid();
    Query q = m_db.prepare(QStringLiteral("UPDATE dynamic_secrets SET %1 = ?, updated_at = ? WHERE id = ?%2")
                               .arg(FieldColumns.join(QStringLiteral(" = ?, ")),
                                   compareAndSet ? QStringLiteral(" AND updated_at = ?") : QString()));
    bindFields(q, secret);
    q.addBindValue(Database::timeValue(now));
    q.addBindValue(secret.id);
    if (compareAndSet)
        q.addBindValue(Database::timeValue(expectedUpdatedAt));
    if (!m_db.exec(q, QStringLiteral("update dynamic secret \"%1\"").arg(secret.name)))
        return false;
    if (q.numRowsAffected() != 1) {
        q.finish();
        if (compareAndSet && byId(secret.id))
            m_db.setLastError(QStringLiteral("Dynamic secret \"%1\" was changed by someone else since it was "
                                             "read; nothing was saved.")
                                  .arg(secret.name));
        else
            m_db.setLastError(QStringLiteral("Dynamic secret \"%1\" (id %2) does not exist any more.")
                                  .arg(secret.name)
                                  .arg(secret.id));
        return false;
    }
    secret.updatedAt = now;
    return true;
}

bool SecretRepository::remove(qint64 id)
{
    Query q = m_db.prepare(QStringLiteral("DELETE FROM dynamic_secrets WHERE id = ?"));
    q.addBindValue(id);
    if (!m_db.exec(q, QStringLiteral("delete a dynamic secret")))
        return false;
    if (q.numRowsAffected() != 1) {
        m_db.setLastError(QStringLiteral("Dynamic secret %1 does not exist.").arg(id));
        return false;
    }
    return true;
}

std::optional<DynamicSecret> SecretRepository::byId(qint64 id)
{
    Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM dynamic_secrets WHERE id = ?").arg(Columns));
    q.addBindValue(id);
    if (!m_db.exec(q, QStringLiteral("read a dynamic secret")) || !q.next())
        return std::nullopt;
    return fromQuery(q);
}

std::optional<DynamicSecret> SecretRepository::byName(qint64 environmentId, const QString &name)
{
    Query q = m_db.prepare(
        QStringLiteral("SELECT %1 FROM dynamic_secrets WHERE environment_id = ? AND name = ?").arg(Columns));
    q.addBindValue(environmentId);
    q.addBindValue(name);
    if (!m_db.exec(q, QStringLiteral("find a dynamic secret")) || !q.next())
        return std::nullopt;
    return fromQuery(q);
}

QList<DynamicSecret> SecretRepository::listByEnvironment(qint64 environmentId)
{
    QList<DynamicSecret> result;
    Query q = m_db.prepare(
        QStringLiteral("SELECT %1 FROM dynamic_secrets WHERE environment_id = ? ORDER BY name").arg(Columns));
    q.addBindValue(environmentId);
    if (!m_db.exec(q, QStringLiteral("list dynamic secrets")))
        return result;
    while (q.next())
        result.append(fromQuery(q));
    return result;
}

std::optional<QList<DynamicSecret>> SecretRepository::listNamed(const QString &name)
{
    Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM dynamic_secrets s WHERE name = ? ORDER BY (SELECT "
                                          "position FROM environments e WHERE e.id = s.environment_id)")
                               .arg(Columns));
    q.addBindValue(name);
    if (!m_db.exec(q, QStringLiteral("find a dynamic secret")))
        return std::nullopt;
    QList<DynamicSecret> result;
    while (q.next())
        result.append(fromQuery(q));
    return result;
}

QList<DynamicSecret> SecretRepository::listAll()
{
    QList<DynamicSecret> result;
    Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM dynamic_secrets s ORDER BY (SELECT position FROM "
                                          "environments e WHERE e.id = s.environment_id), name")
                               .arg(Columns));
    if (!m_db.exec(q, QStringLiteral("list dynamic secrets")))
        return result;
    while (q.next())
        result.append(fromQuery(q));
    return result;
}

QStringList SecretRepository::namesInEnvironment(qint64 environmentId, qint64 excludeId)
{
    QStringList result;
    Query q = m_db.prepare(QStringLiteral(
        "SELECT name FROM dynamic_secrets WHERE environment_id = ? AND id != ? ORDER BY name"));
    q.addBindValue(environmentId);
    q.addBindValue(excludeId);
    if (!m_db.exec(q, QStringLiteral("list dynamic secret names")))
        return result;
    while (q.next())
        result.append(q.value(0).toString());
    return result;
}

QHash<qint64, int> SecretRepository::activeLeaseCounts(qint64 environmentId)
{
    QHash<qint64, int> result;
    Query q = m_db.prepare(QStringLiteral(
        "SELECT l.secret_id, count(*) FROM leases l JOIN dynamic_secrets s ON s.id = l.secret_id "
        "WHERE l.state = 'active' AND (? = 0 OR s.environment_id = ?) GROUP BY l.secret_id"));
    q.addBindValue(environmentId);
    q.addBindValue(environmentId);
    if (!m_db.exec(q, QStringLiteral("count active leases")))
        return result;
    while (q.next())
        result.insert(q.value(0).toLongLong(), q.value(1).toInt());
    return result;
}

int SecretRepository::openLeaseCount(qint64 secretId)
{
    Query q = m_db.prepare(
        QStringLiteral("SELECT count(*) FROM leases WHERE secret_id = ? AND state IN %1").arg(OpenStates));
    q.addBindValue(secretId);
    if (!m_db.exec(q, QStringLiteral("count open leases")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

} // namespace kms
