#include "core/Names.h"

#include "core/DisplayText.h"

#include <QRegularExpression>

namespace kms {

namespace {

const QRegularExpression &labelPattern()
{
    static const QRegularExpression re(QStringLiteral("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"));
    return re;
}

const QRegularExpression &subdomainPattern()
{
    static const QRegularExpression re(
        QStringLiteral("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"));
    return re;
}

QString maxLengthError(int length)
{
    return QStringLiteral("must be no more than %1 characters").arg(length);
}

// One label's problem (no dots allowed in it), or empty.
QString partProblem(const QString &value, bool dotsAllowed)
{
    const QString allowed = dotsAllowed ? QStringLiteral("use lower case letters, digits, '-' and '.'")
                                        : QStringLiteral("use lower case letters, digits and '-'");
    for (const QChar c : value) {
        const bool ok = (c >= QLatin1Char('a') && c <= QLatin1Char('z'))
            || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-')
            || (dotsAllowed && c == QLatin1Char('.'));
        if (ok)
            continue;
        if (c.isUpper())
            return QStringLiteral("has upper case letters; %1").arg(allowed);
        return QStringLiteral("contains %1; %2").arg(quoted(QString(c)), allowed);
    }
    const QStringList parts = dotsAllowed ? value.split(QLatin1Char('.')) : QStringList { value };
    for (const QString &part : parts) {
        if (part.isEmpty())
            return QStringLiteral("has an empty part between dots");
        if (part.startsWith(QLatin1Char('-')) || part.endsWith(QLatin1Char('-')))
            return dotsAllowed
                ? QStringLiteral("must start and end with a letter or digit, around each '.' too")
                : QStringLiteral("must start and end with a letter or digit");
    }
    return {};
}

QString lengthProblem(const QString &value, int max)
{
    if (value.isEmpty())
        return QStringLiteral("is empty");
    if (value.size() > max)
        return QStringLiteral("is %1 characters long; at most %2 characters are allowed")
            .arg(value.size())
            .arg(max);
    return {};
}

} // namespace

QString Names::labelProblem(const QString &value)
{
    const QString length = lengthProblem(value, MaxLabelLength);
    return length.isEmpty() ? partProblem(value, false) : length;
}

QString Names::subdomainProblem(const QString &value)
{
    const QString length = lengthProblem(value, MaxSubdomainLength);
    return length.isEmpty() ? partProblem(value, true) : length;
}

bool Names::isDns1123Label(const QString &value)
{
    return dns1123LabelErrors(value).isEmpty();
}

bool Names::isDns1123Subdomain(const QString &value)
{
    return dns1123SubdomainErrors(value).isEmpty();
}

QStringList Names::dns1123LabelErrors(const QString &value)
{
    QStringList errors;
    if (value.size() > MaxLabelLength)
        errors << maxLengthError(MaxLabelLength);
    if (!labelPattern().match(value).hasMatch()) {
        errors << QStringLiteral("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                                 "characters or '-', and must start "
                                 "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
                                 "regex used for validation is "
                                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    }
    return errors;
}

QStringList Names::dns1123SubdomainErrors(const QString &value)
{
    QStringList errors;
    if (value.size() > MaxSubdomainLength)
        errors << maxLengthError(MaxSubdomainLength);
    if (!subdomainPattern().match(value).hasMatch()) {
        errors << QStringLiteral("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                                 "characters, '-' or '.', and "
                                 "must start and end with an alphanumeric character (e.g. 'example.com', "
                                 "regex used for validation is "
                                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    }
    return errors;
}

QStringList Names::pathSegmentErrors(const QString &value)
{
    QStringList errors;
    if (value == QLatin1String("."))
        errors << QStringLiteral("may not be '.'");
    else if (value == QLatin1String(".."))
        errors << QStringLiteral("may not be '..'");
    if (value.contains(QLatin1Char('/')))
        errors << QStringLiteral("may not contain '/'");
    if (value.contains(QLatin1Char('%')))
        errors << QStringLiteral("may not contain '%'");
    return errors;
}

QStringList Names::qualifiedNameErrors(const QString &value)
{
    static const QRegularExpression namePart(QStringLiteral("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"));
    const QString rule = QStringLiteral(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
    QStringList errors;
    const QStringList parts = value.split(QLatin1Char('/'));
    if (parts.size() > 2) {
        errors << QStringLiteral("a qualified name %1 with an optional DNS subdomain prefix and '/' (e.g. "
                                 "'example.com/MyName')")
                      .arg(rule);
        return errors;
    }
    QString name = value;
    if (parts.size() == 2) {
        const QString prefix = parts.at(0);
        name = parts.at(1);
        if (prefix.isEmpty()) {
            errors << QStringLiteral("prefix part must be non-empty");
        } else {
            for (const QString &e : dns1123SubdomainErrors(prefix))
                errors << QStringLiteral("prefix part ") + e;
        }
    }
    if (name.isEmpty())
        errors << QStringLiteral("name part must be non-empty");
    else if (name.size() > MaxLabelLength)
        errors << QStringLiteral("name part ") + maxLengthError(MaxLabelLength);
    if (!name.isEmpty() && !namePart.match(name).hasMatch())
        errors << QStringLiteral("name part ") + rule;
    return errors;
}

QStringList Names::labelValueErrors(const QString &value)
{
    static const QRegularExpression pattern(QStringLiteral("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"));
    QStringList errors;
    if (value.size() > MaxLabelLength)
        errors << maxLengthError(MaxLabelLength);
    if (!pattern.match(value).hasMatch())
        errors << QStringLiteral(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
            "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
    return errors;
}

QString Names::invalidValue(const QString &value, const QStringList &errors)
{
    return QStringLiteral("Invalid value: %1: %2").arg(quoted(value), errors.join(QStringLiteral("; ")));
}

} // namespace kms
