#pragma once

#include "core/AuditEvent.h"
#include "core/Person.h"

#include <QString>

#include <optional>

namespace kms {

class Database;

// The people of a profile (the people table, schema version 9): the display
// name each OS user@host set for themselves. The audit chain's events keep
// their actor alone (their canonical content is unchanged); each change of a
// name is itself an audit event ("person.named"), so who was called what, and
// since when, is signed in the log.
class PeopleRepository {
public:
    explicit PeopleRepository(Database &db)
        : m_db(db)
    {
    }

    // Every display name, by actor; nullopt on a database error (Database::lastError()).
    std::optional<PersonNames> names();
    // The actor's display name: empty when none is set; nullopt on a database error.
    std::optional<QString> nameOf(const QString &actor);

    struct Naming {
        enum class Outcome {
            Named, // the name is set and the audit event written
            Unchanged, // the actor already had this name: nothing written
            Conflict, // the name changed meanwhile (another program): nothing written
            Failed, // a database or audit error: nothing written (error says why)
        };
        Outcome outcome = Outcome::Failed;
        QString previous; // the name before (empty: none)
        std::optional<AuditEvent> event; // Named: the audit event written
        QString error; // Conflict, Failed: one sentence
    };
    // Sets the actor's display name (Person::normalizedDisplayName; the caller
    // checked Person::displayNameProblem) and appends its audit event, in one
    // transaction: the name is stored only if the event is, and only if it is
    // still `expected` (compare-and-set; nullopt: read it now).
    Naming setName(const QString &actor, const QString &displayName,
        const std::optional<QString> &expected = std::nullopt);

private:
    Database &m_db;
};

} // namespace kms
