#include "store/EnvironmentRepository.h"

#include "core/DisplayText.h"
#include "store/Database.h"

#include <QDateTime>

namespace kms {

namespace {
const QString Columns = QStringLiteral("id, name, slug, position");

Environment fromQuery(const QSqlQuery &q)
{
    Environment e;
    e.id = q.value(0).toLongLong();
    e.name = q.value(1).toString();
    e.slug = q.value(2).toString();
    e.position = q.value(3).toInt();
    return e;
}
} // namespace

QList<Environment> EnvironmentRepository::list()
{
    QList<Environment> result;
    Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM environments ORDER BY position, id").arg(Columns));
    if (!m_db.exec(q, QStringLiteral("list environments")))
        return result;
    while (q.next())
        result.append(fromQuery(q));
    return result;
}

std::optional<Environment> EnvironmentRepository::byId(qint64 id)
{
    Query q = m_db.prepare(QStringLiteral("SELECT %1 FROM environments WHERE id = ?").arg(Columns));
    q.addBindValue(id);
    if (!m_db.exec(q, QStringLiteral("read an environment")) || !q.next())
        return std::nullopt;
    return fromQuery(q);
}

std::optional<Environment> EnvironmentRepository::byName(const QString &name)
{
    // Names are unique regardless of case (COLLATE NOCASE in SQLite, a lower(name) index in PostgreSQL).
    const QString sameName = m_db.backend() == Database::Backend::PostgreSQL
        ? QStringLiteral("lower(name) = lower(?)")
        : QStringLiteral("name = ? COLLATE NOCASE");
    Query q = m_db.prepare(
        QStringLiteral("SELECT %1 FROM environments WHERE %2 OR slug = lower(?)").arg(Columns, sameName));
    q.addBindValue(name.trimmed());
    q.addBindValue(name.trimmed());
    if (!m_db.exec(q, QStringLiteral("find an environment")) || !q.next())
        return std::nullopt;
    return fromQuery(q);
}

bool EnvironmentRepository::insert(Environment &environment)
{
    if (environment.slug.isEmpty())
        environment.slug = environment.name.trimmed().toLower().replace(QLatin1Char(' '), QLatin1Char('-'));
    Query q = m_db.prepare(QStringLiteral("INSERT INTO environments (name, slug, position, created_at) "
                                          "VALUES (?, ?, (SELECT coalesce(max(position), -1) + 1 FROM "
                                          "environments), ?) RETURNING id, position"));
    q.addBindValue(environment.name.trimmed());
    q.addBindValue(environment.slug);
    q.addBindValue(QDateTime::currentMSecsSinceEpoch());
    if (!m_db.exec(q, QStringLiteral("add environment \"%1\"").arg(environment.name)) || !q.next())
        return false;
    environment.id = q.value(0).toLongLong();
    environment.position = q.value(1).toInt();
    return true;
}

bool EnvironmentRepository::rename(
    qint64 id, const QString &expectedName, const QString &name, const QString &slug)
{
    // The name as read, letter case included (SQLite's column compares without case; PostgreSQL's with it).
    Query q = m_db.prepare(
        QStringLiteral("UPDATE environments SET name = ?, slug = ? WHERE id = ? AND name = ?%1")
            .arg(m_db.backend() == Database::Backend::PostgreSQL ? QString()
                                                                 : QStringLiteral(" COLLATE BINARY")));
    q.addBindValue(name.trimmed());
    q.addBindValue(slug);
    q.addBindValue(id);
    q.addBindValue(expectedName);
    if (!m_db.exec(q, QStringLiteral("rename environment \"%1\"").arg(expectedName)))
        return false;
    if (q.numRowsAffected() != 1) {
        m_db.setLastError(QStringLiteral("Environment %1 was renamed or deleted meanwhile; nothing was "
                                         "changed. Look at the list again.")
                              .arg(quoted(expectedName)));
        return false;
    }
    return true;
}

bool EnvironmentRepository::remove(qint64 id)
{
    Query q = m_db.prepare(QStringLiteral("DELETE FROM environments WHERE id = ? AND NOT EXISTS "
                                          "(SELECT 1 FROM dynamic_secrets WHERE environment_id = ?)"));
    q.addBindValue(id);
    q.addBindValue(id);
    if (!m_db.exec(q, QStringLiteral("delete an environment")))
        return false;
    if (q.numRowsAffected() != 1) {
        const std::optional<Environment> env = byId(id);
        m_db.setLastError(env ? QStringLiteral("Environment %1 holds dynamic secrets; delete them first.")
                                    .arg(quoted(env->name))
                              : QStringLiteral("The environment was deleted meanwhile."));
        return false;
    }
    return true;
}

} // namespace kms
