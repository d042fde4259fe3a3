#pragma once

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// A Kubernetes label selector in its string form, as `kubectl -l` and the
// API's labelSelector parameter take it (k8s.io/apimachinery/pkg/labels):
// requirements separated by commas, all of which must hold:
//   key=value  key==value  key!=value  key in (a,b)  key notin (a,b)
//   key (the label exists)  !key (it does not)  key>N  key<N
// Used for a dynamic secret's namespace selector: a lease may use a
// namespace whose labels match.
class LabelSelector {
public:
    static constexpr qsizetype MaxLength = 4096;

    // nullopt and one sentence in *error (naming the requirement) when the
    // text is not a selector, or its keys or values are not valid labels.
    static std::optional<LabelSelector> parse(const QString &text, QString *error);
    // A metav1.LabelSelector object ({matchLabels, matchExpressions}, as Vault's
    // allowed_kubernetes_namespace_selector holds it) in the string form.
    static std::optional<QString> fromObject(const QJsonObject &selector, QString *error);

    bool matches(const QMap<QString, QString> &labels) const;
    bool matches(const QJsonObject &labels) const; // metadata.labels
    bool isEmpty() const { return m_requirements.isEmpty(); }
    QString text() const { return m_text; }

private:
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist, GreaterThan, LessThan };
    struct Requirement {
        QString key;
        Op op;
        QStringList values;
    };
    QList<Requirement> m_requirements;
    QString m_text;
};

} // namespace kms
