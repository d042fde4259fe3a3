#include "store/PeopleRepository.h"

#include "store/AuditLog.h"
#include "store/Database.h"

#include <QDateTime>

namespace kms {

std::optional<PersonNames> PeopleRepository::names()
{
    Query q = m_db.prepare(QStringLiteral("SELECT actor, display_name FROM people"));
    if (!m_db.exec(q, QStringLiteral("read the people of the profile")))
        return std::nullopt;
    QHash<QString, QString> names;
    while (q.next())
        names.insert(q.value(0).toString(), q.value(1).toString());
    return PersonNames(std::move(names));
}

std::optional<QString> PeopleRepository::nameOf(const QString &actor)
{
    Query q = m_db.prepare(QStringLiteral("SELECT display_name FROM people WHERE actor = ?"));
    q.addBindValue(actor);
    if (!m_db.exec(q, QStringLiteral("read a display name")))
        return std::nullopt;
    return q.next() ? q.value(0).toString() : QString();
}

PeopleRepository::Naming PeopleRepository::setName(
    const QString &actor, const QString &displayName, const std::optional<QString> &expected)
{
    Naming result;
    const QString name = Person::normalizedDisplayName(displayName);
    const bool committed = m_db.transaction([&] {
        const std::optional<QString> current = nameOf(actor);
        if (!current) {
            result.error = m_db.lastError();
            return false;
        }
        result.previous = *current;
        if (expected && *expected != *current) {
            result.outcome = Naming::Outcome::Conflict;
            return false;
        }
        if (*current == name) {
            result.outcome = Naming::Outcome::Unchanged;
            return true;
        }
        // Compare-and-set on the name read above: another program that named
        // this actor since then wins, and this one says so instead of
        // overwriting it (PostgreSQL re-reads the row after waiting for its lock).
        Query q = m_db.prepare(current->isEmpty()
                ? QStringLiteral("INSERT INTO people (display_name, updated_at, actor) VALUES (?, ?, ?) "
                                 "ON CONFLICT (actor) DO NOTHING")
                : QStringLiteral("UPDATE people SET display_name = ?, updated_at = ? WHERE actor = ? AND "
                                 "display_name = ?"));
        q.addBindValue(name);
        q.addBindValue(QDateTime::currentMSecsSinceEpoch());
        q.addBindValue(actor);
        if (!current->isEmpty())
            q.addBindValue(*current);
        if (!m_db.exec(q, QStringLiteral("set a display name"))) {
            result.error = m_db.lastError();
            return false;
        }
        if (q.numRowsAffected() != 1) {
            result.outcome = Naming::Outcome::Conflict;
            return false;
        }
        AuditEvent event;
        event.actor = actor;
        event.kind = AuditEvent::PersonNamed;
        event.detail = current->isEmpty()
            ? QStringLiteral("%1 is now called \"%2\".").arg(actor, name)
            : QStringLiteral("%1 is now called \"%2\" (was \"%3\").").arg(actor, name, *current);
        result.event = AuditLog(m_db).append(event);
        if (!result.event) {
            result.error = m_db.lastError();
            return false;
        }
        result.outcome = Naming::Outcome::Named;
        return true;
    });
    if (result.outcome == Naming::Outcome::Conflict) {
        result.event.reset();
        result.error = QStringLiteral("The display name of %1 changed while it was being set; look at it "
                                      "again and set it once more if you still want to.")
                           .arg(actor);
        return result;
    }
    if (!committed) {
        result.outcome = Naming::Outcome::Failed;
        result.event.reset();
        if (result.error.isEmpty())
            result.error = m_db.lastError();
        result.error = QStringLiteral("The display name was not set: %1").arg(result.error);
    }
    return result;
}

} // namespace kms
