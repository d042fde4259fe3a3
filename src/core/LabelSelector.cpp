#include "core/LabelSelector.h"

#include "core/DisplayText.h"
#include "core/Names.h"

#include <QJsonArray>

namespace kms {

namespace {

class Invalid {
public:
    QString why;
};

bool isSpecial(QChar c)
{
    return c.isSpace() || c == QLatin1Char(',') || c == QLatin1Char('=') || c == QLatin1Char('!')
        || c == QLatin1Char('(') || c == QLatin1Char(')') || c == QLatin1Char('<') || c == QLatin1Char('>');
}

// A cursor over the selector text, as apimachinery's lexer reads it.
class Reader {
public:
    explicit Reader(const QString &text)
        : m_text(text)
    {
    }
    void skipSpace()
    {
        while (m_at < m_text.size() && m_text.at(m_at).isSpace())
            ++m_at;
    }
    bool atEnd()
    {
        skipSpace();
        return m_at >= m_text.size();
    }
    QChar peek()
    {
        skipSpace();
        return m_at < m_text.size() ? m_text.at(m_at) : QChar();
    }
    bool take(QLatin1String what)
    {
        skipSpace();
        if (m_text.mid(m_at).startsWith(what)) {
            m_at += what.size();
            return true;
        }
        return false;
    }
    QString word()
    {
        skipSpace();
        const qsizetype start = m_at;
        while (m_at < m_text.size() && !isSpecial(m_text.at(m_at)))
            ++m_at;
        return m_text.mid(start, m_at - start);
    }
    qsizetype position() const { return m_at + 1; }

private:
    const QString &m_text;
    qsizetype m_at = 0;
};

void checkKey(const QString &key)
{
    if (key.isEmpty())
        throw Invalid { QStringLiteral("a requirement has no label key") };
    const QStringList problems = Names::qualifiedNameErrors(key);
    if (!problems.isEmpty())
        throw Invalid { QStringLiteral("the key %1 is not a label key: %2")
                            .arg(quoted(key), problems.join(QStringLiteral("; "))) };
}

void checkValue(const QString &key, const QString &value)
{
    const QStringList problems = Names::labelValueErrors(value);
    if (!problems.isEmpty())
        throw Invalid { QStringLiteral("the value %1 of %2 is not a label value: %3")
                            .arg(quoted(value), quoted(key), problems.join(QStringLiteral("; "))) };
}

} // namespace

std::optional<LabelSelector> LabelSelector::parse(const QString &text, QString *error)
{
    LabelSelector selector;
    selector.m_text = text.trimmed();
    try {
        if (text.size() > MaxLength)
            throw Invalid { QStringLiteral("it is longer than %1 characters").arg(MaxLength) };
        Reader in(text);
        if (in.atEnd())
            throw Invalid { QStringLiteral("it is empty") };
        while (true) {
            Requirement r;
            if (in.take(QLatin1String("!"))) {
                r.op = Op::DoesNotExist;
                r.key = in.word();
                checkKey(r.key);
            } else {
                r.key = in.word();
                checkKey(r.key);
                const QString next = in.atEnd() ? QString() : QString(in.peek());
                if (in.atEnd() || next == QLatin1String(",")) {
                    r.op = Op::Exists;
                } else if (in.take(QLatin1String("==")) || in.take(QLatin1String("="))) {
                    r.op = Op::Equals;
                } else if (in.take(QLatin1String("!="))) {
                    r.op = Op::NotEquals;
                } else if (in.take(QLatin1String(">"))) {
                    r.op = Op::GreaterThan;
                } else if (in.take(QLatin1String("<"))) {
                    r.op = Op::LessThan;
                } else {
                    const qsizetype at = in.position();
                    const QString op = in.word();
                    if (op == QLatin1String("in"))
                        r.op = Op::In;
                    else if (op == QLatin1String("notin"))
                        r.op = Op::NotIn;
                    else
                        throw Invalid { QStringLiteral(
                            "after %1, position %2 holds %3 where =, ==, !=, in, notin, "
                            "> or < belongs")
                                            .arg(quoted(r.key))
                                            .arg(at)
                                            .arg(quoted(op.isEmpty() ? QString(in.peek()) : op)) };
                }
                if (r.op == Op::Equals || r.op == Op::NotEquals) {
                    r.values << in.word();
                    checkValue(r.key, r.values.first());
                } else if (r.op == Op::GreaterThan || r.op == Op::LessThan) {
                    const QString n = in.word();
                    bool ok = false;
                    n.toLongLong(&ok);
                    if (!ok)
                        throw Invalid { QStringLiteral("%1 compares with %2, which is not a whole number")
                                            .arg(quoted(r.key), quoted(n)) };
                    r.values << n;
                } else if (r.op == Op::In || r.op == Op::NotIn) {
                    if (!in.take(QLatin1String("(")))
                        throw Invalid { QStringLiteral("%1 needs its values in parentheses, e.g. %1 in (a,b)")
                                            .arg(quoted(r.key)) };
                    while (true) {
                        if (in.peek() == QLatin1Char(')') && r.values.isEmpty())
                            break;
                        const QString v = in.word();
                        checkValue(r.key, v);
                        r.values << v;
                        if (in.take(QLatin1String(",")))
                            continue;
                        break;
                    }
                    if (!in.take(QLatin1String(")")))
                        throw Invalid {
                            QStringLiteral("the values of %1 are not closed with \")\"").arg(quoted(r.key))
                        };
                    if (r.values.isEmpty())
                        throw Invalid { QStringLiteral("%1 in/notin () lists no value").arg(quoted(r.key)) };
                }
            }
            selector.m_requirements.append(r);
            if (in.atEnd())
                break;
            const qsizetype at = in.position();
            if (!in.take(QLatin1String(",")))
                throw Invalid { QStringLiteral("position %1 holds %2 where \",\" or the end belongs")
                                    .arg(at)
                                    .arg(quoted(QString(in.peek()))) };
            if (in.atEnd())
                throw Invalid { QStringLiteral("it ends with \",\"") };
        }
    } catch (const Invalid &invalid) {
        if (error)
            *error = QStringLiteral("The namespace selector %1 is not a label selector: %2.")
                         .arg(quoted(text), invalid.why);
        return std::nullopt;
    }
    if (error)
        error->clear();
    return selector;
}

std::optional<QString> LabelSelector::fromObject(const QJsonObject &selector, QString *error)
{
    QStringList parts;
    const QJsonObject matchLabels = selector.value(QLatin1String("matchLabels")).toObject();
    for (auto it = matchLabels.begin(); it != matchLabels.end(); ++it)
        parts << it.key() + QLatin1Char('=') + it.value().toString();
    for (const QJsonValue &v : selector.value(QLatin1String("matchExpressions")).toArray()) {
        const QJsonObject e = v.toObject();
        const QString key = e.value(QLatin1String("key")).toString();
        const QString op = e.value(QLatin1String("operator")).toString();
        QStringList values;
        for (const QJsonValue &x : e.value(QLatin1String("values")).toArray())
            values << x.toString();
        if (op == QLatin1String("In") || op == QLatin1String("NotIn"))
            parts << QStringLiteral("%1 %2 (%3)").arg(key, op.toLower(), values.join(QLatin1Char(',')));
        else if (op == QLatin1String("Exists"))
            parts << key;
        else if (op == QLatin1String("DoesNotExist"))
            parts << QLatin1Char('!') + key;
        else {
            if (error)
                *error
                    = QStringLiteral("matchExpressions operator %1 is not In, NotIn, Exists or DoesNotExist")
                          .arg(quoted(op));
            return std::nullopt;
        }
    }
    for (auto it = selector.begin(); it != selector.end(); ++it) {
        if (it.key() != QLatin1String("matchLabels") && it.key() != QLatin1String("matchExpressions")) {
            if (error)
                *error
                    = QStringLiteral("the selector has a field %1 besides matchLabels and matchExpressions")
                          .arg(quoted(it.key()));
            return std::nullopt;
        }
    }
    const QString text = parts.join(QLatin1Char(','));
    QString why;
    if (text.isEmpty() || !parse(text, &why)) {
        if (error)
            *error = text.isEmpty()
                ? QStringLiteral("the selector selects nothing (no matchLabels or matchExpressions)")
                : why;
        return std::nullopt;
    }
    return text;
}

bool LabelSelector::matches(const QMap<QString, QString> &labels) const
{
    for (const Requirement &r : m_requirements) {
        const bool has = labels.contains(r.key);
        const QString value = labels.value(r.key);
        switch (r.op) {
        case Op::Equals:
        case Op::In:
            if (!has || !r.values.contains(value))
                return false;
            break;
        case Op::NotEquals:
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
            const qint64 n = value.toLongLong(&ok);
            const qint64 limit = r.values.value(0).toLongLong();
            if (!has || !ok || (r.op == Op::GreaterThan ? n <= limit : n >= limit))
                return false;
            break;
        }
        }
    }
    return true;
}

bool LabelSelector::matches(const QJsonObject &labels) const
{
    QMap<QString, QString> map;
    for (auto it = labels.begin(); it != labels.end(); ++it)
        map.insert(it.key(), it.value().toString());
    return matches(map);
}

} // namespace kms
