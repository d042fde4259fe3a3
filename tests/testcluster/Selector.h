#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace kms::testcluster {

// A label selector as k8s.io/apimachinery/pkg/labels parses it:
// a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a, comma-separated (AND).
class LabelSelector {
public:
    // Throws ApiError 400 on a malformed selector.
    static LabelSelector parse(const QString &text);
    bool matches(const QJsonObject &labels) const;

private:
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist, GreaterThan, LessThan };
    struct Requirement {
        QString key;
        Op op;
        QStringList values;
    };
    QList<Requirement> m_requirements;
};

// metadata.name / metadata.namespace (and type for secrets) field selectors.
class FieldSelector {
public:
    static FieldSelector parse(const QString &text, const QString &kind);
    bool matches(const QJsonObject &object) const;

private:
    struct Term {
        QString field;
        bool negate;
        QString value;
    };
    QList<Term> m_terms;
};

} // namespace kms::testcluster
