#include "core/NameTemplate.h"

#include "core/AuditEvent.h"
#include "core/DisplayText.h"
#include "core/Names.h"

#include <QDateTime>
#include <QRandomGenerator>

namespace kms {

namespace {

// What {{random N}} draws from: DNS-safe and lower case, so that `lower` cannot change it.
const char RandomAlphabet[] = "bcdfghjklmnpqrstvwxz2456789"; // as generateName: no vowels, no look-alikes

QString systemRandom(int length)
{
    QString out;
    for (int i = 0; i < length; ++i)
        out += QLatin1Char(
            RandomAlphabet[QRandomGenerator::system()->bounded(int(sizeof(RandomAlphabet) - 1))]);
    return out;
}

struct Token {
    enum class Type { Word, Number, String, Pipe, End } type = Type::End;
    QString text;
    int number = 0;
    qsizetype at = 0; // position in the template, for messages
};

class Invalid {
public:
    QString why;
};

// The inside of one {{ }}: words, numbers, "strings" (\" and \\ escapes) and "|".
QList<Token> tokenize(const QString &action, qsizetype offset)
{
    QList<Token> tokens;
    qsizetype i = 0;
    while (i < action.size()) {
        const QChar c = action.at(i);
        if (c.isSpace()) {
            ++i;
            continue;
        }
        Token t;
        t.at = offset + i;
        if (c == QLatin1Char('|')) {
            t.type = Token::Type::Pipe;
            ++i;
        } else if (c == QLatin1Char('"')) {
            t.type = Token::Type::String;
            ++i;
            bool closed = false;
            while (i < action.size()) {
                const QChar d = action.at(i++);
                if (d == QLatin1Char('"')) {
                    closed = true;
                    break;
                }
                if (d == QLatin1Char('\\') && i < action.size()
                    && (action.at(i) == QLatin1Char('"') || action.at(i) == QLatin1Char('\\'))) {
                    t.text += action.at(i++);
                    continue;
                }
                t.text += d;
            }
            if (!closed)
                throw Invalid {
                    QStringLiteral("the string at position %1 is not closed with \"").arg(t.at + 1)
                };
        } else if (c.isDigit()) {
            t.type = Token::Type::Number;
            while (i < action.size() && action.at(i).isDigit())
                t.text += action.at(i++);
            bool ok = false;
            t.number = t.text.toInt(&ok);
            if (!ok || t.text.size() > 4)
                throw Invalid {
                    QStringLiteral("the number %1 at position %2 is too large").arg(t.text).arg(t.at + 1)
                };
        } else if (c.isLetter() || c == QLatin1Char('_')) {
            t.type = Token::Type::Word;
            while (i < action.size() && (action.at(i).isLetterOrNumber() || action.at(i) == QLatin1Char('_')))
                t.text += action.at(i++);
        } else {
            throw Invalid { QStringLiteral("%1 at position %2 is not part of the template language")
                                .arg(quoted(QString(c)))
                                .arg(offset + i + 1) };
        }
        tokens.append(t);
    }
    Token end;
    end.at = offset + action.size();
    tokens.append(end);
    return tokens;
}

} // namespace

std::optional<NameTemplate> NameTemplate::parse(const QString &text, QString *error)
{
    const auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return std::nullopt;
    };
    if (text.size() > MaxTemplateLength)
        return fail(QStringLiteral("The name template is longer than %1 characters.").arg(MaxTemplateLength));
    NameTemplate result;
    try {
        qsizetype i = 0;
        while (i < text.size()) {
            const qsizetype open = text.indexOf(QStringLiteral("{{"), i);
            const qsizetype stray = text.indexOf(QStringLiteral("}}"), i);
            if (stray >= 0 && (open < 0 || stray < open))
                throw Invalid { QStringLiteral("\"}}\" at position %1 closes nothing").arg(stray + 1) };
            if (open < 0) {
                result.m_parts.append(Part { text.mid(i), {} });
                break;
            }
            if (open > i)
                result.m_parts.append(Part { text.mid(i, open - i), {} });
            const qsizetype close = text.indexOf(QStringLiteral("}}"), open + 2);
            if (close < 0)
                throw Invalid {
                    QStringLiteral("\"{{\" at position %1 is not closed with \"}}\"").arg(open + 1)
                };
            const QList<Token> tokens = tokenize(text.mid(open + 2, close - open - 2), open + 2);
            Part part;
            qsizetype t = 0;
            const auto number = [&](const QString &name) {
                if (tokens.at(t).type != Token::Type::Number)
                    throw Invalid {
                        QStringLiteral("%1 at position %2 needs a number").arg(name).arg(tokens.at(t).at + 1)
                    };
                return tokens.at(t++).number;
            };
            const auto string = [&](const QString &name) {
                if (tokens.at(t).type != Token::Type::String)
                    throw Invalid { QStringLiteral("%1 at position %2 needs a \"string\"")
                                        .arg(name)
                                        .arg(tokens.at(t).at + 1) };
                return tokens.at(t++).text;
            };
            bool first = true;
            while (true) {
                const Token &tok = tokens.at(t);
                if (tok.type == Token::Type::End)
                    throw Invalid { first
                            ? QStringLiteral("{{ }} at position %1 is empty").arg(open + 1)
                            : QStringLiteral("\"|\" at position %1 is followed by nothing").arg(tok.at) };
                Step step;
                ++t;
                if (tok.type == Token::Type::String && first) {
                    step.op = Step::Op::Literal;
                    step.text = tok.text;
                } else if (tok.type != Token::Type::Word) {
                    throw Invalid { QStringLiteral("position %1: expected %2")
                                        .arg(tok.at + 1)
                                        .arg(first ? QStringLiteral(
                                                 "secret, namespace, user, unix, random N or a \"string\"")
                                                   : QStringLiteral(
                                                       "lower, truncate N or replace \"old\" \"new\"")) };
                } else if (first && tok.text == QLatin1String("secret")) {
                    step.op = Step::Op::Secret;
                } else if (first && tok.text == QLatin1String("namespace")) {
                    step.op = Step::Op::Namespace;
                } else if (first && tok.text == QLatin1String("user")) {
                    step.op = Step::Op::User;
                } else if (first && tok.text == QLatin1String("unix")) {
                    step.op = Step::Op::Unix;
                } else if (first && tok.text == QLatin1String("random")) {
                    step.op = Step::Op::Random;
                    step.number = number(QStringLiteral("random"));
                    if (step.number < 1 || step.number > MaxRandom)
                        throw Invalid { QStringLiteral("random %1 at position %2: give 1 to %3 characters")
                                            .arg(step.number)
                                            .arg(tok.at + 1)
                                            .arg(MaxRandom) };
                } else if (!first && tok.text == QLatin1String("lower")) {
                    step.op = Step::Op::Lower;
                } else if (!first && tok.text == QLatin1String("truncate")) {
                    step.op = Step::Op::Truncate;
                    step.number = number(QStringLiteral("truncate"));
                } else if (!first && tok.text == QLatin1String("replace")) {
                    step.op = Step::Op::Replace;
                    step.text = string(QStringLiteral("replace"));
                    step.with = string(QStringLiteral("replace"));
                    if (step.text.isEmpty())
                        throw Invalid {
                            QStringLiteral("replace at position %1 has nothing to replace").arg(tok.at + 1)
                        };
                } else {
                    throw Invalid {
                        QStringLiteral("%1 at position %2 is not %3")
                            .arg(quoted(tok.text))
                            .arg(tok.at + 1)
                            .arg(first ? QStringLiteral("a value (secret, namespace, user, unix, random N "
                                                        "or a \"string\")")
                                       : QStringLiteral("a helper (lower, truncate N, replace \"old\" "
                                                        "\"new\")"))
                    };
                }
                part.steps.append(step);
                first = false;
                if (tokens.at(t).type == Token::Type::End)
                    break;
                if (tokens.at(t).type != Token::Type::Pipe)
                    throw Invalid {
                        QStringLiteral("position %1: expected \"|\" or \"}}\"").arg(tokens.at(t).at + 1)
                    };
                ++t;
            }
            result.m_parts.append(part);
            i = close + 2;
        }
    } catch (const Invalid &invalid) {
        return fail(QStringLiteral("The name template %1 is not valid: %2.").arg(quoted(text), invalid.why));
    }
    if (error)
        error->clear();
    return result;
}

QString NameTemplate::render(const Inputs &inputs, const std::function<QString(int)> &random) const
{
    QString out;
    for (const Part &part : m_parts) {
        if (part.steps.isEmpty()) {
            out += part.literal;
            continue;
        }
        QString value;
        for (const Step &step : part.steps) {
            switch (step.op) {
            case Step::Op::Secret:
                value = inputs.secret;
                break;
            case Step::Op::Namespace:
                value = inputs.namespaceName;
                break;
            case Step::Op::User:
                value = inputs.user;
                break;
            case Step::Op::Unix:
                value = QString::number(inputs.unixSeconds);
                break;
            case Step::Op::Random:
                value = random ? random(step.number) : systemRandom(step.number);
                break;
            case Step::Op::Literal:
                value = step.text;
                break;
            case Step::Op::Lower:
                value = value.toLower();
                break;
            case Step::Op::Truncate:
                value.truncate(step.number);
                break;
            case Step::Op::Replace:
                value.replace(step.text, step.with);
                break;
            }
        }
        out += value;
    }
    return out;
}

int NameTemplate::guaranteedRandom() const
{
    int total = 0;
    for (const Part &part : m_parts) {
        int random = 0;
        for (const Step &step : part.steps) {
            switch (step.op) {
            case Step::Op::Random:
                random = step.number;
                break;
            case Step::Op::Truncate:
                random = std::min(random, step.number);
                break;
            case Step::Op::Replace:
                random = 0; // it may take random characters out
                break;
            case Step::Op::Lower:
                break; // random characters are lower case already
            default:
                random = 0;
                break;
            }
        }
        total += random;
    }
    return total;
}

QString NameTemplate::check(const QString &text, const QString &secretName, const QStringList &namespaces,
    bool anyNamespace, const QString &currentUser)
{
    QString error;
    const std::optional<NameTemplate> parsed = parse(text, &error);
    if (!parsed)
        return error;
    if (parsed->guaranteedRandom() < MinRandom)
        return QStringLiteral(
            "The name template %1 must keep at least %2 random characters (e.g. {{random %2}}) "
            "that no truncate or replace cuts, so that two leases never get the same name.")
            .arg(quoted(text))
            .arg(MinRandom);
    QStringList sampleNamespaces = namespaces;
    if (anyNamespace || sampleNamespaces.isEmpty())
        sampleNamespaces << QString(Names::MaxLabelLength, QLatin1Char('n'));
    const QStringList users = { currentUser, QString(32, QLatin1Char('u')) };
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    for (const QString &ns : sampleNamespaces) {
        for (const QString &user : users) {
            const QString name = parsed->render({ secretName, ns, user, now });
            const QString problem = Names::labelProblem(name);
            if (problem.isEmpty())
                continue;
            const QString ofNamespace = ns.size() == Names::MaxLabelLength && !namespaces.contains(ns)
                ? QStringLiteral("a namespace of 63 characters")
                : QStringLiteral("namespace %1").arg(quoted(ns));
            return QStringLiteral(
                "The name template %1 gives %2 for %3 and user %4, which is not a valid name: it %5.")
                .arg(quoted(text), quoted(name), ofNamespace, quoted(user), problem);
        }
    }
    return {};
}

QString NameTemplate::nameFor(const QString &text, const Inputs &inputs, QString *error)
{
    const std::optional<NameTemplate> parsed = parse(text, error);
    if (!parsed)
        return {};
    const QString name = parsed->render(inputs);
    const QString problem = Names::labelProblem(name);
    if (!problem.isEmpty()) {
        if (error)
            *error = QStringLiteral(
                "The secret's name template %1 gives %2 for user %3 in namespace %4, which is "
                "not a valid name (it %5); change the template (e.g. {{user | lower | replace "
                "\".\" \"-\"}}) in the secret.")
                         .arg(quoted(text), quoted(name), quoted(inputs.user), quoted(inputs.namespaceName),
                             problem);
        return {};
    }
    return name;
}

QString NameTemplate::currentUser()
{
    const QString actor = AuditEvent::currentActor();
    const qsizetype at = actor.lastIndexOf(QLatin1Char('@'));
    return at < 0 ? actor : actor.left(at);
}

} // namespace kms
