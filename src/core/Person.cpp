#include "core/Person.h"

#include <algorithm>

namespace kms {

QString Person::normalizedDisplayName(const QString &name)
{
    return name.trimmed();
}

QString Person::displayNameProblem(const QString &name)
{
    const QString trimmed = normalizedDisplayName(name);
    if (trimmed.isEmpty())
        return QStringLiteral("is empty; give the name people know you by, e.g. \"Alice Doe\"");
    const qsizetype characters = trimmed.toUcs4().size();
    if (characters > MaxDisplayNameLength)
        return QStringLiteral("has %1 characters; use at most %2").arg(characters).arg(MaxDisplayNameLength);
    for (const QChar c : trimmed) {
        const QChar::Category category = c.category();
        if (category == QChar::Other_Control || category == QChar::Other_Format
            || category == QChar::Separator_Line || category == QChar::Separator_Paragraph
            || category == QChar::Other_NotAssigned)
            return QStringLiteral(
                "contains a control character; use letters, digits, spaces and punctuation");
    }
    if (trimmed.contains(QLatin1Char('@')))
        return QStringLiteral("contains '@'; a display name is a name, not a user@host");
    return {};
}

QString Person::describe(const QString &actor, const QString &displayName)
{
    if (displayName.isEmpty() || actor.isEmpty())
        return actor;
    return QStringLiteral("%1 (%2)").arg(displayName, actor);
}

QStringList PersonNames::actorsNamed(const QString &name) const
{
    const QString wanted = name.trimmed();
    QStringList actors;
    if (wanted.isEmpty())
        return actors;
    for (auto it = m_names.cbegin(); it != m_names.cend(); ++it) {
        if (it.value().compare(wanted, Qt::CaseInsensitive) == 0)
            actors << it.key();
    }
    std::sort(actors.begin(), actors.end());
    return actors;
}

} // namespace kms
