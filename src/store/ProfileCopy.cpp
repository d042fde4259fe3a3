#include "store/ProfileCopy.h"

#include "store/Database.h"

#include <QSqlField>
#include <QSqlRecord>

namespace kms {

namespace {

// Tables in an order their foreign keys allow, each with the columns that
// order its rows (the audit log's triggers want its events in sequence).
struct Table {
    const char *name;
    const char *order;
    bool identity; // an id column PostgreSQL generates: its sequence moves past the copied ids
};
const Table Tables[] = {
    { "environments", "id", true },
    { "dynamic_secrets", "id", true },
    { "gateways", "id", true },
    { "id_sequences", "name", false },
    { "leases", "created_at, id", false },
    { "audit_keys", "id", true },
    { "audit_events", "seq", false },
    { "audit_head", "id", false },
    { "people", "actor", false },
};

// Rows per INSERT; the audit log's rows go one at a time (its order trigger
// reads the table as each row goes in).
constexpr int Batch = 200;

std::optional<qint64> count(Database &db, const QString &table)
{
    Query q = db.prepare(QStringLiteral("SELECT count(*) FROM %1").arg(table));
    if (!db.exec(q, QStringLiteral("count the rows of %1").arg(table)) || !q.next())
        return std::nullopt;
    return q.value(0).toLongLong();
}

} // namespace

ProfileCopy::Result ProfileCopy::copy(Database &source, Database &target)
{
    Result result;
    if (source.backend() != Database::Backend::SQLite || target.backend() != Database::Backend::PostgreSQL) {
        result.error = QStringLiteral("A profile is copied from SQLite into PostgreSQL only.");
        return result;
    }
    if (source.schemaVersion() != target.schemaVersion()) {
        result.error = QStringLiteral("The profile %1 has schema version %2 and the database %3 has %4; open "
                                      "both with the same Hanzo KMS first.")
                           .arg(source.location())
                           .arg(source.schemaVersion())
                           .arg(target.location())
                           .arg(target.schemaVersion());
        return result;
    }
    // Empty: what migrating an empty database leaves, nothing more.
    for (const char *table :
        { "dynamic_secrets", "gateways", "leases", "audit_keys", "audit_events", "people" }) {
        const std::optional<qint64> rows = count(target, QString::fromLatin1(table));
        if (!rows) {
            result.error = target.lastError();
            return result;
        }
        if (*rows > 0) {
            result.error = QStringLiteral("The database %1 already holds a profile (its table %2 has rows); "
                                          "copy into an empty database.")
                               .arg(target.location(), QString::fromLatin1(table));
            return result;
        }
    }
    {
        Query q = target.prepare(
            QStringLiteral("SELECT count(*) FROM environments WHERE slug NOT IN ('dev', 'staging', 'prod')"));
        if (!target.exec(q, QStringLiteral("check the environments")) || !q.next()) {
            result.error = target.lastError();
            return result;
        }
        if (q.value(0).toLongLong() > 0) {
            result.error = QStringLiteral("The database %1 already holds environments of its own; copy into "
                                          "an empty database.")
                               .arg(target.location());
            return result;
        }
    }

    QString failure;
    const auto copyTable = [&](const Table &table) -> bool {
        const QString name = QString::fromLatin1(table.name);
        const QSqlRecord record = source.connection().record(name);
        QStringList columns;
        for (int i = 0; i < record.count(); ++i)
            columns << record.fieldName(i);
        if (columns.isEmpty()) {
            failure = QStringLiteral("The profile %1 has no table %2.").arg(source.location(), name);
            return false;
        }
        Query read = source.prepare(
            QStringLiteral("SELECT %1 FROM %2 ORDER BY %3")
                .arg(columns.join(QStringLiteral(", ")), name, QString::fromLatin1(table.order)));
        if (!source.exec(read, QStringLiteral("read %1").arg(name))) {
            failure = source.lastError();
            return false;
        }
        const QString placeholders = QLatin1Char('(')
            + QStringList(columns.size(), QStringLiteral("?")).join(QStringLiteral(", ")) + QLatin1Char(')');
        const int perInsert = name == QLatin1String("audit_events") ? 1 : Batch;
        qint64 copied = 0;
        QVariantList values;
        int pending = 0;
        const auto flush = [&] {
            if (pending == 0)
                return true;
            Query insert
                = target.prepare(QStringLiteral("INSERT INTO %1 (%2) VALUES %3")
                                     .arg(name, columns.join(QStringLiteral(", ")),
                                         QStringList(pending, placeholders).join(QStringLiteral(", "))));
            for (const QVariant &v : std::as_const(values))
                insert.addBindValue(v);
            if (!target.exec(insert, QStringLiteral("copy %1").arg(name))) {
                failure = target.lastError();
                return false;
            }
            copied += pending;
            values.clear();
            pending = 0;
            return true;
        };
        while (read.next()) {
            // A NULL (an open lease's closed_at) stays NULL: a typed null, which the driver writes as NULL.
            for (int i = 0; i < columns.size(); ++i)
                values << (read.isNull(i) ? QVariant(QMetaType::fromType<qint64>()) : read.value(i));
            if (++pending == perInsert && !flush())
                return false;
        }
        if (!flush())
            return false;
        if (table.identity) {
            // The next generated id comes after the copied ones.
            Query next = target.prepare(
                QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), coalesce(max(id), 0) + 1, "
                               "false) FROM %1")
                    .arg(name));
            if (!target.exec(next, QStringLiteral("move the ids of %1 on").arg(name))) {
                failure = target.lastError();
                return false;
            }
        }
        result.rows.append({ name, copied });
        return true;
    };

    const bool ok = source.transaction(
        [&] {
            return target.transaction([&] {
                // The seeded environments and the id sequence give way to the profile's own.
                if (!target.exec(QStringLiteral("DELETE FROM environments"), QStringLiteral("make room"))
                    || !target.exec(
                        QStringLiteral("DELETE FROM id_sequences"), QStringLiteral("make room"))) {
                    failure = target.lastError();
                    return false;
                }
                for (const Table &table : Tables) {
                    if (!copyTable(table))
                        return false;
                }
                // The log's identity and where its signed events begin. Its row
                // is append-only: its trigger is off for this one update, in
                // this transaction (the tables are the profile owner's).
                Query meta = source.prepare(
                    QStringLiteral("SELECT log_id, unsigned_until FROM audit_log WHERE id = 1"));
                if (!source.exec(meta, QStringLiteral("read the audit log's identity")) || !meta.next()) {
                    failure = source.lastError().isEmpty()
                        ? QStringLiteral("The profile %1 has no audit log identity.").arg(source.location())
                        : source.lastError();
                    return false;
                }
                Query update = target.prepare(
                    QStringLiteral("UPDATE audit_log SET log_id = ?, unsigned_until = ? WHERE id = 1"));
                update.addBindValue(meta.value(0));
                update.addBindValue(meta.value(1));
                if (!target.exec(QStringLiteral("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"),
                        QStringLiteral("copy the audit log's identity"))
                    || !target.exec(update, QStringLiteral("copy the audit log's identity"))
                    || !target.exec(
                        QStringLiteral("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update"),
                        QStringLiteral("copy the audit log's identity"))) {
                    failure = target.lastError();
                    return false;
                }
                return true;
            });
        },
        Database::Lock::Snapshot);
    if (!ok) {
        result.rows.clear();
        result.error = QStringLiteral("Nothing was copied to %1: %2")
                           .arg(target.location(), failure.isEmpty() ? target.lastError() : failure);
        return result;
    }
    result.ok = true;
    return result;
}

} // namespace kms
