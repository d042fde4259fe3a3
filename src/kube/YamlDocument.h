#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace kms {

// One YAML (or JSON) document as a JSON value, with every scalar a string:
// for files whose fields are all strings (RBAC rules, label selectors), so
// that `resourceNames: [123]` means "123". Bounded in what it builds: YAML
// aliases may not inflate a small file into millions of nodes.
namespace YamlDocument {

inline constexpr int MaxNodes = 100000;

// nullopt and one clause in *error (the parser's message, or "more than N
// nodes") when the text is not one YAML document; an empty text is null.
std::optional<QJsonValue> parse(const QByteArray &yaml, QString *error);

} // namespace YamlDocument

} // namespace kms
