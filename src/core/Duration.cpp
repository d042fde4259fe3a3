#include "core/Duration.h"

#include "core/DisplayText.h"

#include <limits>

namespace kms {

namespace {

qint64 unitSeconds(QChar unit)
{
    switch (unit.unicode()) {
    case 's':
        return 1;
    case 'm':
        return 60;
    case 'h':
        return 3600;
    case 'd':
        return 86400;
    default:
        return 0;
    }
}

std::optional<Duration> fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return std::nullopt;
}

} // namespace

std::optional<Duration> Duration::parse(const QString &text, QString *error)
{
    const QString input = text.trimmed();
    const auto quotedText = [&text] { return quoted(text); };
    if (input.isEmpty())
        return fail(error, QStringLiteral("Duration is empty; give a value such as 90s, 10m, 1h30m or 2d."));
    if (input.startsWith(QLatin1Char('-')))
        return fail(error,
            QStringLiteral("Duration %1 is negative; give a positive value such as 10m.").arg(quotedText()));

    constexpr qint64 max = std::numeric_limits<qint64>::max();
    qint64 total = 0;
    qint64 lastUnit = std::numeric_limits<qint64>::max();
    qsizetype i = 0;
    while (i < input.size()) {
        const qsizetype digitsStart = i;
        qint64 number = 0;
        while (i < input.size() && input.at(i) >= QLatin1Char('0') && input.at(i) <= QLatin1Char('9')) {
            const int digit = input.at(i).unicode() - '0';
            if (number > (max - digit) / 10)
                return fail(error, QStringLiteral("Duration %1 is too large.").arg(quotedText()));
            number = number * 10 + digit;
            ++i;
        }
        if (i == digitsStart) {
            if (i == 0) {
                return fail(error,
                    QStringLiteral("Duration %1 is not a duration; use e.g. 90s, 10m, 1h30m or 2d.")
                        .arg(quotedText()));
            }
            return fail(error,
                QStringLiteral("Duration %1 has unexpected text %2 after %3; use e.g. 90s, 10m, "
                               "1h30m or 2d.")
                    .arg(quotedText(), quoted(input.mid(i)), quoted(input.left(i))));
        }
        qint64 unit = 1;
        if (i < input.size()) {
            unit = unitSeconds(input.at(i));
            if (unit == 0) {
                return fail(error,
                    QStringLiteral("Duration %1 has an unknown unit %2; use s, m, h or d.")
                        .arg(quotedText(), quoted(input.mid(i))));
            }
            ++i;
        } else if (digitsStart != 0) {
            return fail(error,
                QStringLiteral("Duration %1 ends in a number without a unit; use s, m, h or d.")
                    .arg(quotedText()));
        }
        if (unit >= lastUnit) {
            return fail(error,
                QStringLiteral("Duration %1 repeats a unit or lists them out of order; write the largest "
                               "unit first, e.g. 1h30m.")
                    .arg(quotedText()));
        }
        lastUnit = unit;
        if (number > max / unit || total > max - number * unit)
            return fail(error, QStringLiteral("Duration %1 is too large.").arg(quotedText()));
        total += number * unit;
    }
    if (total == 0)
        return fail(error,
            QStringLiteral("Duration %1 is zero; give a positive value such as 10m.").arg(quotedText()));
    return Duration(total);
}

QString Duration::toString() const
{
    if (m_seconds == 0)
        return QStringLiteral("0s");
    QString out;
    qint64 rest = m_seconds;
    if (rest < 0) {
        out += QLatin1Char('-');
        rest = -rest;
    }
    const struct {
        qint64 size;
        char unit;
    } units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
    for (const auto &u : units) {
        if (rest >= u.size) {
            out += QString::number(rest / u.size) + QLatin1Char(u.unit);
            rest %= u.size;
        }
    }
    return out;
}

} // namespace kms
