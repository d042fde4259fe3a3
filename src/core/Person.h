#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

namespace kms {

// Someone who acts in a profile: the OS user@host that leases and audit events
// record (AuditEvent::currentActor()), and the display name that person set
// for themselves in the profile (hanzo-kmsctl profile set-name, the GUI's Set
// Your Display Name...). A team profile shares the names like everything else.
struct Person {
    QString actor; // user@host
    QString displayName; // empty: none set

    static constexpr int MaxDisplayNameLength = 64; // characters (code points)

    // The display name as it is kept: trimmed.
    static QString normalizedDisplayName(const QString &name);
    // Why `name` (trimmed) cannot be a display name, as the end of a sentence
    // ("is empty; ..."), or empty when it can: 1 to 64 characters, no control
    // or format characters, no '@' (a display name is not a user@host, and
    // must never pass for someone else's).
    static QString displayNameProblem(const QString &name);
    // How a person is shown: "Alice Doe (alice@laptop)", or the actor alone
    // when no name is known; empty for an empty actor.
    static QString describe(const QString &actor, const QString &displayName);
};

// The display names of a profile's people by actor, read once (the table is
// tiny) and looked up per row without a query.
class PersonNames {
public:
    PersonNames() = default;
    explicit PersonNames(QHash<QString, QString> names)
        : m_names(std::move(names))
    {
    }

    bool isEmpty() const { return m_names.isEmpty(); }
    const QHash<QString, QString> &byActor() const { return m_names; }
    QString nameOf(const QString &actor) const { return m_names.value(actor); }
    QString describe(const QString &actor) const { return Person::describe(actor, nameOf(actor)); }
    // The actors whose display name is `name`, compared trimmed and case-insensitively; sorted.
    QStringList actorsNamed(const QString &name) const;
    bool operator==(const PersonNames &) const = default;

private:
    QHash<QString, QString> m_names;
};

} // namespace kms
