#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace kms {

// How a lease's objects are named (a dynamic secret's "name template"), in a
// small grammar of its own:
//
//   kms-{{secret}}-{{user | lower | replace "." "-" | truncate 12}}-{{random 6}}
//
// Text outside {{ }} is kept as it is. Inside, a pipeline: a value, then
// helpers separated by "|", each given the value so far.
//   values:  secret, namespace, user (the OS user name), unix (seconds since
//            1970), random N (N lower-case consonants and digits, as
//            metadata.generateName uses; 1 <= N <= 32),
//            "a string"
//   helpers: lower, truncate N (keep the first N characters),
//            replace "old" "new" (every occurrence)
//
// Every name it gives must be a DNS-1123 label of at most 63 characters, and
// it must hold at least MinRandom random characters that no helper cuts or
// replaces, so that two leases cannot get the same name.
class NameTemplate {
public:
    static constexpr int MinRandom = 5; // as metadata.generateName
    static constexpr int MaxRandom = 32;
    static constexpr qsizetype MaxTemplateLength = 1024;

    struct Inputs {
        QString secret;
        QString namespaceName;
        QString user;
        qint64 unixSeconds = 0;
    };

    // nullopt and one sentence in *error (naming the position) when the text
    // is not a template of this grammar.
    static std::optional<NameTemplate> parse(const QString &text, QString *error);

    // The name for these inputs; `random` gives the random characters
    // (default: the system's CSPRNG).
    QString render(const Inputs &inputs, const std::function<QString(int)> &random = {}) const;
    // The random characters that reach the result for certain.
    int guaranteedRandom() const;

    // Checks a template for a secret at save time: it parses, keeps at least
    // MinRandom random characters, and gives a valid name for every sample of
    // inputs (each namespace, the longest possible one when any may come, the
    // current user and a 32-character one). Empty when it is fine, else one
    // sentence naming the sample and what is wrong.
    static QString check(const QString &text, const QString &secretName, const QStringList &namespaces,
        bool anyNamespace, const QString &currentUser);
    // The name a template gives for real inputs, or an empty string and one
    // sentence in *error when that name is not valid (a user name the samples
    // did not foresee).
    static QString nameFor(const QString &text, const Inputs &inputs, QString *error);

    // The OS user name ({{user}}): the part of AuditEvent's actor before "@".
    static QString currentUser();

private:
    struct Step {
        enum class Op { Secret, Namespace, User, Unix, Random, Literal, Lower, Truncate, Replace } op;
        int number = 0;
        QString text;
        QString with;
    };
    struct Part {
        QString literal; // when steps is empty
        QList<Step> steps; // a pipeline: a value, then helpers
    };
    QList<Part> m_parts;
};

} // namespace kms
