#include "store/GatewayRepository.h"

#include "store/Database.h"

namespace kms {

namespace {

const QString Columns = QStringLiteral("id, name, url, ca_pem, client_cert_pem, created_at");

GatewayRecord fromQuery(const QSqlQuery &q)
{
    GatewayRecord r;
    r.id = q.value(0).toLongLong();
    r.name = q.value(1).toString();
    r.url = q.value(2).toString();
    r.caCertificate = q.value(3).toString().toUtf8();
    r.clientCertificate = q.value(4).toString().toUtf8();
    r.createdAt = Database::timeFrom(q.value(5));
    return r;
}

} // namespace

bool GatewayRepository::insert(GatewayRecord &record)
{
    Query q = m_db.prepare(QStringLiteral("INSERT INTO gateways (name, url, ca_pem, client_cert_pem, "
                                          "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id"));
    q.addBindValue(record.name);
    q.addBindValue(record.url.trimmed());
    q.addBindValue(QString::fromUtf8(record.caCertificate));
    q.addBindValue(QString::fromUtf8(record.clientCertificate));
    q.addBindValue(Database::timeValue(record.createdAt));
    if (!m_db.exec(q, QStringLiteral("register the gateway")) || !q.next())
        return false;
    record.id = q.value(0).toLongLong();
    return true;
}

bool GatewayRepository::remove(const QString &name)
{
    Query q = m_db.prepare(QStringLiteral("DELETE FROM gateways WHERE name = ?"));
    q.addBindValue(name);
    return m_db.exec(q, QStringLiteral("remove the gateway"));
}

std::optional<GatewayRecord> GatewayRepository::byName(const QString &name, bool *failed)
{
    if (failed)
        *failed = false;
    Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM gateways WHERE name = ?").arg(Columns));
    q.addBindValue(name);
    if (!m_db.exec(q, QStringLiteral("read the gateway"))) {
        if (failed)
            *failed = true;
        return std::nullopt;
    }
    if (!q.next())
        return std::nullopt;
    return fromQuery(q);
}

std::optional<QList<GatewayRecord>> GatewayRepository::list()
{
    Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM gateways ORDER BY name").arg(Columns));
    if (!m_db.exec(q, QStringLiteral("list the gateways")))
        return std::nullopt;
    QList<GatewayRecord> out;
    while (q.next())
        out << fromQuery(q);
    return out;
}

std::optional<QStringList> GatewayRepository::secretNamesUsing(const QString &name)
{
    Query q
        = m_db.prepare(QStringLiteral("SELECT name FROM dynamic_secrets WHERE gateway = ? ORDER BY name"));
    q.addBindValue(name);
    if (!m_db.exec(q, QStringLiteral("find the secrets that use the gateway")))
        return std::nullopt;
    QStringList names;
    while (q.next())
        names << q.value(0).toString();
    return names;
}

} // namespace kms
