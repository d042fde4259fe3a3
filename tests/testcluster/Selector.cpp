#include "Selector.h"

#include "ApiError.h"

#include <QRegularExpression>

namespace kms::testcluster {

namespace {

[[noreturn]] void fail(const QString &why)
{
    throw ApiError::badRequest(QStringLiteral("unable to parse requirement: ") + why);
}

bool validKey(const QString &key)
{
    static const QRegularExpression name(QStringLiteral("^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$"));
    static const QRegularExpression prefix(
        QStringLiteral("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"));
    const qsizetype slash = key.indexOf(u'/');
    const QString namePart = slash < 0 ? key : key.mid(slash + 1);
    if (slash >= 0
        && (key.left(slash).isEmpty() || key.left(slash).size() > 253
            || !prefix.match(key.left(slash)).hasMatch()))
        return false;
    return !namePart.isEmpty() && namePart.size() <= 63 && name.match(namePart).hasMatch();
}

bool validValue(const QString &value)
{
    static const QRegularExpression re(QStringLiteral("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"));
    return value.size() <= 63 && re.match(value).hasMatch();
}

// Splits on commas that are not inside parentheses.
QStringList splitTerms(const QString &text)
{
    QStringList out;
    QString cur;
    int depth = 0;
    for (const QChar c : text) {
        if (c == u'(')
            ++depth;
        if (c == u')')
            --depth;
        if (c == u',' && depth == 0) {
            out << cur;
            cur.clear();
            continue;
        }
        cur += c;
    }
    out << cur;
    return out;
}

} // namespace

LabelSelector LabelSelector::parse(const QString &text)
{
    LabelSelector s;
    if (text.trimmed().isEmpty())
        return s;
    static const QRegularExpression setRe(QStringLiteral("^\\s*(\\S+)\\s+(in|notin)\\s*\\(([^)]*)\\)\\s*$"));
    static const QRegularExpression opRe(
        QStringLiteral("^\\s*([^=!<>\\s]+)\\s*(==|=|!=|<|>)\\s*(\\S*)\\s*$"));
    for (const QString &term : splitTerms(text)) {
        const QString t = term.trimmed();
        if (t.isEmpty())
            fail(QStringLiteral("found '', expected: !, identifier, or 'end of string'"));
        Requirement r;
        if (const auto m = setRe.match(t); m.hasMatch()) {
            r.key = m.captured(1);
            r.op = m.captured(2) == QStringLiteral("in") ? Op::In : Op::NotIn;
            for (const QString &v : m.captured(3).split(u','))
                r.values << v.trimmed();
            if (r.values.size() == 1 && r.values.first().isEmpty() && r.op == Op::In)
                fail(QStringLiteral("for 'in', 'notin' operators, values set can't be empty"));
        } else if (const auto m2 = opRe.match(t); m2.hasMatch()) {
            r.key = m2.captured(1);
            const QString op = m2.captured(2);
            r.op = op == QStringLiteral("!=") ? Op::NotEquals
                : op == QStringLiteral(">")   ? Op::GreaterThan
                : op == QStringLiteral("<")   ? Op::LessThan
                                              : Op::Equals;
            r.values << m2.captured(3);
            if ((r.op == Op::GreaterThan || r.op == Op::LessThan)) {
                bool ok = false;
                r.values.first().toLongLong(&ok);
                if (!ok)
                    fail(QStringLiteral("for 'Gt', 'Lt' operators, the value must be an integer"));
            }
        } else if (t.startsWith(u'!')) {
            r.key = t.mid(1).trimmed();
            r.op = Op::DoesNotExist;
        } else if (!t.contains(u' ')) {
            r.key = t;
            r.op = Op::Exists;
        } else {
            fail(QStringLiteral("found '%1', expected: ',' or 'end of string'").arg(t.section(u' ', 1, 1)));
        }
        if (!validKey(r.key))
            fail(QStringLiteral("key: Invalid value: %1: name part must consist of alphanumeric characters, "
                                "'-', '_' or '.', and must start and end with an alphanumeric character")
                     .arg(goQuote(r.key)));
        for (const QString &v : r.values) {
            if (r.op != Op::GreaterThan && r.op != Op::LessThan && !validValue(v))
                fail(QStringLiteral("values[0][%1]: Invalid value: %2: a valid label must be an empty string "
                                    "or consist of alphanumeric characters, '-', '_' or '.', and must start "
                                    "and end with an alphanumeric character")
                         .arg(r.key, goQuote(v)));
        }
        s.m_requirements.append(r);
    }
    return s;
}

bool LabelSelector::matches(const QJsonObject &labels) const
{
    for (const Requirement &r : m_requirements) {
        const bool has = labels.contains(r.key);
        const QString value = labels.value(r.key).toString();
        switch (r.op) {
        case Op::Equals:
            if (!has || value != r.values.first())
                return false;
            break;
        case Op::NotEquals:
            if (has && value == r.values.first())
                return false;
            break;
        case Op::In:
            if (!has || !r.values.contains(value))
                return false;
            break;
        case Op::NotIn:
            if (has && r.values.contains(value))
                return false;
            break;
        case Op::Exists:
            if (!has)
                return false;
            break;
        case Op::DoesNotExist:
            if (has)
                return false;
            break;
        case Op::GreaterThan:
        case Op::LessThan: {
            bool ok = false;
            const qint64 v = value.toLongLong(&ok);
            if (!has || !ok)
                return false;
            const qint64 bound = r.values.first().toLongLong();
            if ((r.op == Op::GreaterThan && !(v > bound)) || (r.op == Op::LessThan && !(v < bound)))
                return false;
            break;
        }
        }
    }
    return true;
}

FieldSelector FieldSelector::parse(const QString &text, const QString &kind)
{
    FieldSelector s;
    if (text.trimmed().isEmpty())
        return s;
    QStringList known { QStringLiteral("metadata.name"), QStringLiteral("metadata.namespace") };
    if (kind == QStringLiteral("Secret"))
        known << QStringLiteral("type");
    for (const QString &term : text.split(u',')) {
        Term t;
        qsizetype at = term.indexOf(QStringLiteral("!="));
        int opLen = 2;
        t.negate = at >= 0;
        if (at < 0) {
            at = term.indexOf(QStringLiteral("=="));
            if (at < 0) {
                at = term.indexOf(u'=');
                opLen = 1;
            }
        }
        if (at < 0)
            throw ApiError::badRequest(
                QStringLiteral("invalid selector: '%1'; can't understand '%2'").arg(text, term));
        t.field = term.left(at).trimmed();
        t.value = term.mid(at + opLen).trimmed();
        if (!known.contains(t.field)) {
            throw ApiError::badRequest(QStringLiteral(
                "\"%1\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
                                           .arg(t.field));
        }
        s.m_terms.append(t);
    }
    return s;
}

bool FieldSelector::matches(const QJsonObject &object) const
{
    const QJsonObject meta = object.value(QStringLiteral("metadata")).toObject();
    for (const Term &t : m_terms) {
        QString actual;
        if (t.field == QStringLiteral("metadata.name"))
            actual = meta.value(QStringLiteral("name")).toString();
        else if (t.field == QStringLiteral("metadata.namespace"))
            actual = meta.value(QStringLiteral("namespace")).toString();
        else
            actual = object.value(t.field).toString();
        if ((actual == t.value) == t.negate)
            return false;
    }
    return true;
}

} // namespace kms::testcluster
