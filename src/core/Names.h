#pragma once

#include <QString>
#include <QStringList>

namespace kms {

// Kubernetes name rules (apimachinery validation), with the API server's own
// messages, so an error here reads like the one the cluster would give.
struct Names {
    static constexpr int MaxLabelLength = 63;
    static constexpr int MaxSubdomainLength = 253;

    // Namespaces: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
    static bool isDns1123Label(const QString &value);
    // Object names (service accounts, bindings, secrets): dot-separated labels, at most 253.
    static bool isDns1123Subdomain(const QString &value);

    // Every rule the value breaks, in Kubernetes' words; empty when valid.
    static QStringList dns1123LabelErrors(const QString &value);
    static QStringList dns1123SubdomainErrors(const QString &value);
    // The first rule the value breaks, in a few words for a form or a CLI
    // message: `contains "_"; use lower case letters, digits and '-'`. Empty
    // when valid. The value's characters are quoted with control characters
    // escaped.
    static QString labelProblem(const QString &value);
    static QString subdomainProblem(const QString &value);
    // Role and ClusterRole names are path segments: not "." or "..", no "/" or "%".
    static QStringList pathSegmentErrors(const QString &value);
    // Label and annotation keys: an optional DNS-1123 subdomain prefix and "/",
    // then a name of at most 63 characters, [A-Za-z0-9] at both ends and
    // '-', '_', '.' inside (IsQualifiedName).
    static QStringList qualifiedNameErrors(const QString &value);
    // Label values: empty, or at most 63 characters as a qualified name's name part.
    static QStringList labelValueErrors(const QString &value);

    // `Invalid value: "x": <errors joined by "; ">`, as `kubectl` shows it.
    static QString invalidValue(const QString &value, const QStringList &errors);
};

} // namespace kms
