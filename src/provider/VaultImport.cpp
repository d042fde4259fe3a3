#include "provider/VaultImport.h"

#include "core/DisplayText.h"
#include "core/LabelSelector.h"
#include "core/NameTemplate.h"
#include "kube/YamlDocument.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace kms {

namespace {

// The role's fields: the "data" of a `vault read` answer, or the object itself.
std::optional<QJsonObject> dataOf(const QByteArray &json, const QString &what, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        *error
            = QStringLiteral("The %1 is not a JSON object (%2); give the output of vault read -format=json.")
                  .arg(what,
                      parseError.error != QJsonParseError::NoError ? QStringLiteral("%1 at byte %2")
                                                                         .arg(parseError.errorString())
                                                                         .arg(parseError.offset)
                                                                   : QStringLiteral("it is not an object"));
        return std::nullopt;
    }
    const QJsonObject top = doc.object();
    if (top.value(QLatin1String("data")).isObject())
        return top.value(QLatin1String("data")).toObject();
    return top;
}

// A Vault list field: a JSON array of strings, or one comma-separated string.
std::optional<QStringList> stringList(const QJsonObject &data, const QString &key, QString *error)
{
    const QJsonValue v = data.value(key);
    if (v.isUndefined() || v.isNull())
        return QStringList();
    if (v.isString()) {
        QStringList out;
        for (const QString &part : v.toString().split(QLatin1Char(','), Qt::SkipEmptyParts))
            out << part.trimmed();
        return out;
    }
    if (!v.isArray()) {
        *error = QStringLiteral("%1 is not a list of strings.").arg(key);
        return std::nullopt;
    }
    QStringList out;
    for (const QJsonValue &item : v.toArray()) {
        if (!item.isString()) {
            *error = QStringLiteral("%1 holds something that is not a string.").arg(key);
            return std::nullopt;
        }
        out << item.toString().trimmed();
    }
    return out;
}

std::optional<DynamicSecret::Metadata> stringMap(const QJsonObject &data, const QString &key, QString *error)
{
    DynamicSecret::Metadata out;
    const QJsonValue v = data.value(key);
    if (v.isUndefined() || v.isNull())
        return out;
    if (!v.isObject()) {
        *error = QStringLiteral("%1 is not an object of strings.").arg(key);
        return std::nullopt;
    }
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!it.value().isString()) {
            *error = QStringLiteral("%1 %2 is not a string.").arg(key, quoted(it.key()));
            return std::nullopt;
        }
        out.insert(it.key(), it.value().toString());
    }
    return out;
}

// Seconds: a number, or a string of digits (Vault answers numbers; its API takes both).
std::optional<qint64> seconds(const QJsonObject &data, const QString &key, QString *error)
{
    const QJsonValue v = data.value(key);
    if (v.isUndefined() || v.isNull())
        return 0;
    if (v.isDouble() && v.toDouble() >= 0 && v.toDouble() == double(qint64(v.toDouble())))
        return qint64(v.toDouble());
    if (v.isString()) {
        bool ok = false;
        const qint64 n = v.toString().toLongLong(&ok);
        if (ok && n >= 0)
            return n;
        if (const std::optional<Duration> d = Duration::parse(v.toString()))
            return d->seconds();
    }
    *error = QStringLiteral("%1 is not a number of seconds.").arg(key);
    return std::nullopt;
}

} // namespace

std::optional<QString> VaultImport::translateNameTemplate(const QString &vaultTemplate, QString *why)
{
    // Text outside {{ }} is kept; each action is a pipeline of what our grammar has too.
    static const QRegularExpression action(
        QStringLiteral("\\{\\{-?(.*?)-?\\}\\}"), QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression number(QStringLiteral("^[0-9]+$"));
    static const QRegularExpression quotedPair(QStringLiteral("^replace\\s+(\"[^\"]*\")\\s+(\"[^\"]*\")$"));
    QString out;
    qsizetype at = 0;
    auto it = action.globalMatch(vaultTemplate);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        const QString literal = vaultTemplate.mid(at, m.capturedStart() - at);
        if (literal.contains(QLatin1String("{{")) || literal.contains(QLatin1String("}}"))) {
            *why = QStringLiteral("it has an unbalanced {{ or }}");
            return std::nullopt;
        }
        out += literal;
        at = m.capturedEnd();
        QStringList stages;
        const QStringList parts = m.captured(1).split(QLatin1Char('|'));
        for (qsizetype i = 0; i < parts.size(); ++i) {
            const QString stage = parts.at(i).simplified();
            const QStringList words = stage.split(QLatin1Char(' '));
            if (i == 0) {
                if (stage == QLatin1String(".RoleName"))
                    stages << QStringLiteral("secret");
                else if (stage == QLatin1String(".DisplayName"))
                    stages << QStringLiteral("user");
                else if (stage == QLatin1String("unix_time"))
                    stages << QStringLiteral("unix");
                else if (words.size() == 2 && words.at(0) == QLatin1String("random")
                    && number.match(words.at(1)).hasMatch())
                    stages << stage;
                else {
                    *why = QStringLiteral("%1 has no equivalent (the template grammar here has .RoleName, "
                                          ".DisplayName, unix_time and random N)")
                               .arg(quoted(stage));
                    return std::nullopt;
                }
                continue;
            }
            if (stage == QLatin1String("lowercase")) {
                stages << QStringLiteral("lower");
            } else if (words.size() == 2 && words.at(0) == QLatin1String("truncate")
                && number.match(words.at(1)).hasMatch()) {
                stages << stage;
            } else if (const QRegularExpressionMatch r = quotedPair.match(stage); r.hasMatch()) {
                stages << stage;
            } else {
                *why = QStringLiteral("%1 has no equivalent (the helpers here are lowercase, truncate N and "
                                      "replace)")
                           .arg(quoted(stage));
                return std::nullopt;
            }
        }
        out += QStringLiteral("{{") + stages.join(QStringLiteral(" | ")) + QStringLiteral("}}");
    }
    const QString rest = vaultTemplate.mid(at);
    if (rest.contains(QLatin1String("{{")) || rest.contains(QLatin1String("}}"))) {
        *why = QStringLiteral("it has an unbalanced {{ or }}");
        return std::nullopt;
    }
    out += rest;
    QString parseError;
    if (!NameTemplate::parse(out, &parseError)) {
        *why = QStringLiteral("its translation %1 is not a name template: %2").arg(quoted(out), parseError);
        return std::nullopt;
    }
    return out;
}

std::optional<VaultImport> VaultImport::fromRole(
    const QByteArray &role, const QString &staticNamespace, QString *error)
{
    QString problem;
    const std::optional<QJsonObject> found = dataOf(role, QStringLiteral("role file"), error);
    if (!found)
        return std::nullopt;
    const QJsonObject data = *found;
    VaultImport result;
    result.roleName = data.value(QLatin1String("name")).toString();
    DynamicSecret &s = result.secret;
    const auto fail = [error](const QString &message) {
        *error = message;
        return std::nullopt;
    };

    // Which kind of role: exactly one of the three, as Vault requires.
    const QString serviceAccount = data.value(QLatin1String("service_account_name")).toString().trimmed();
    const QString roleName = data.value(QLatin1String("kubernetes_role_name")).toString().trimmed();
    const QJsonValue rulesValue = data.value(QLatin1String("generated_role_rules"));
    const bool hasRules = (rulesValue.isString() && !rulesValue.toString().trimmed().isEmpty())
        || rulesValue.isArray() || rulesValue.isObject();
    if (int(!serviceAccount.isEmpty()) + int(!roleName.isEmpty()) + int(hasRules) != 1)
        return fail(QStringLiteral(
            "The role file must set exactly one of service_account_name, kubernetes_role_name and "
            "generated_role_rules, as Vault requires."));
    const QString kindText
        = data.value(QLatin1String("kubernetes_role_type")).toString(QStringLiteral("Role"));
    std::optional<RoleType> kind = RoleType::Role;
    if (!kindText.isEmpty()) {
        kind = kindText.compare(QLatin1String("clusterrole"), Qt::CaseInsensitive) == 0
            ? std::optional(RoleType::ClusterRole)
            : kindText.compare(QLatin1String("role"), Qt::CaseInsensitive) == 0
            ? std::optional(RoleType::Role)
            : std::nullopt;
    }
    if (!kind)
        return fail(
            QStringLiteral("kubernetes_role_type %1 is neither Role nor ClusterRole.").arg(quoted(kindText)));

    const std::optional<QStringList> namespaces
        = stringList(data, QStringLiteral("allowed_kubernetes_namespaces"), &problem);
    if (!namespaces)
        return fail(problem);
    QString selectorText;
    const QJsonValue selectorValue = data.value(QLatin1String("allowed_kubernetes_namespace_selector"));
    if ((selectorValue.isString() && !selectorValue.toString().trimmed().isEmpty())
        || selectorValue.isObject()) {
        std::optional<QJsonValue> parsed = selectorValue;
        if (selectorValue.isString())
            parsed = YamlDocument::parse(selectorValue.toString().toUtf8(), &problem);
        if (!parsed || !parsed->isObject())
            return fail(QStringLiteral("allowed_kubernetes_namespace_selector is not a label selector object "
                                       "(matchLabels, matchExpressions)%1.")
                            .arg(problem.isEmpty() ? QString() : QStringLiteral(": ") + problem));
        const std::optional<QString> text = LabelSelector::fromObject(parsed->toObject(), &problem);
        if (!text)
            return fail(QStringLiteral("allowed_kubernetes_namespace_selector: %1.").arg(problem));
        selectorText = *text;
    }

    if (!serviceAccount.isEmpty()) {
        s.credentialType = CredentialType::Static;
        s.serviceAccount = serviceAccount;
        QStringList listed = *namespaces;
        listed.removeAll(DynamicSecret::AnyNamespace);
        if (!staticNamespace.isEmpty()) {
            s.namespaceName = staticNamespace;
        } else if (listed.size() == 1 && !namespaces->contains(DynamicSecret::AnyNamespace)
            && selectorText.isEmpty()) {
            s.namespaceName = listed.first();
        } else {
            return fail(QStringLiteral(
                "The role issues tokens for service account %1 in several namespaces (allowed_kubernetes_"
                "namespaces, allowed_kubernetes_namespace_selector); a static secret has one: give it with "
                "--namespace.")
                            .arg(quoted(serviceAccount)));
        }
        if (namespaces->size() > 1 || namespaces->contains(DynamicSecret::AnyNamespace)
            || !selectorText.isEmpty())
            result.notImported << QStringLiteral(
                "allowed_kubernetes_namespaces/allowed_kubernetes_namespace_selector: a static secret issues "
                "tokens in namespace %1 only.")
                                      .arg(quoted(s.namespaceName));
        if (!data.value(QLatin1String("kubernetes_role_type")).toString().isEmpty()
            && data.value(QLatin1String("kubernetes_role_type")).toString() != QLatin1String("Role"))
            result.notImported << QStringLiteral("kubernetes_role_type: no role is bound with "
                                                 "service_account_name.");
    } else {
        s.credentialType = CredentialType::Dynamic;
        s.allowedNamespaces = *namespaces;
        s.namespaceSelector = selectorText;
        if (!roleName.isEmpty()) {
            s.roleType = *kind;
            s.roleName = roleName;
        } else {
            std::optional<QJsonValue> rules = rulesValue;
            if (rulesValue.isString())
                rules = YamlDocument::parse(rulesValue.toString().toUtf8(), &problem);
            if (!rules)
                return fail(QStringLiteral("generated_role_rules is not YAML or JSON: %1.").arg(problem));
            const std::optional<QList<PolicyRule>> list = PolicyRule::listFromJson(*rules, &problem);
            if (!list)
                return fail(QStringLiteral("generated_role_rules: %1").arg(problem));
            s.generatedRules = *list;
            s.generatedRoleType = *kind;
            s.roleType = *kind;
        }
    }

    for (const auto &[key, target] :
        { std::pair { "token_default_ttl", &s.defaultTtl }, std::pair { "token_max_ttl", &s.maxTtl } }) {
        const std::optional<qint64> n = seconds(data, QString::fromLatin1(key), &problem);
        if (!n)
            return fail(problem);
        if (*n == 0)
            result.changed << QStringLiteral("%1 is 0 (the mount's default in Vault): %2 here.")
                                  .arg(QLatin1String(key), target->toString());
        else
            *target = Duration::fromSeconds(*n);
    }
    const std::optional<QStringList> audiences
        = stringList(data, QStringLiteral("token_default_audiences"), &problem);
    if (!audiences)
        return fail(problem);
    s.audiences = *audiences;
    s.audiences.removeAll(QString());
    for (const auto &[key, target] : { std::pair { "extra_labels", &s.extraLabels },
             std::pair { "extra_annotations", &s.extraAnnotations } }) {
        const std::optional<DynamicSecret::Metadata> map
            = stringMap(data, QString::fromLatin1(key), &problem);
        if (!map)
            return fail(problem);
        *target = *map;
    }
    const QString vaultTemplate = data.value(QLatin1String("name_template")).toString().trimmed();
    // Vault puts these on the objects it creates; with service_account_name it
    // creates none, and neither does an unbound static secret here.
    if (s.credentialType == CredentialType::Static) {
        const QString none = QStringLiteral(
            "%1: not used, as in Vault: a role with service_account_name creates no objects to put it on.");
        if (!s.extraLabels.isEmpty())
            result.notImported << none.arg(QLatin1String("extra_labels"));
        if (!s.extraAnnotations.isEmpty())
            result.notImported << none.arg(QLatin1String("extra_annotations"));
        if (!vaultTemplate.isEmpty())
            result.notImported << none.arg(QLatin1String("name_template"));
        s.extraLabels.clear();
        s.extraAnnotations.clear();
    } else if (!vaultTemplate.isEmpty()) {
        QString why;
        if (const std::optional<QString> ours = translateNameTemplate(vaultTemplate, &why)) {
            s.nameTemplate = *ours;
            result.changed
                << QStringLiteral("name_template %1 is %2 here.").arg(quoted(vaultTemplate), quoted(*ours));
        } else {
            result.notImported << QStringLiteral(
                "name_template %1: %2; leases get the default names (kms-<secret>-<5 random>).")
                                      .arg(quoted(vaultTemplate), why);
        }
    }

    // Every other field is reported: nothing is dropped silently.
    static const QStringList known = { QStringLiteral("service_account_name"),
        QStringLiteral("kubernetes_role_name"), QStringLiteral("kubernetes_role_type"),
        QStringLiteral("generated_role_rules"), QStringLiteral("allowed_kubernetes_namespaces"),
        QStringLiteral("allowed_kubernetes_namespace_selector"), QStringLiteral("token_default_ttl"),
        QStringLiteral("token_max_ttl"), QStringLiteral("token_default_audiences"),
        QStringLiteral("extra_labels"), QStringLiteral("extra_annotations"), QStringLiteral("name_template"),
        QStringLiteral("name") };
    for (auto it = data.begin(); it != data.end(); ++it) {
        if (known.contains(it.key()))
            continue;
        const QJsonValue v = it.value();
        const bool empty = v.isNull() || (v.isString() && v.toString().isEmpty())
            || (v.isArray() && v.toArray().isEmpty()) || (v.isObject() && v.toObject().isEmpty());
        if (!empty)
            result.notImported << QStringLiteral("%1: no equivalent here.").arg(escapeControls(it.key()));
    }

    return result;
}

bool VaultImport::applyConfig(const QByteArray &config, QString *error)
{
    const std::optional<QJsonObject> conf = dataOf(config, QStringLiteral("config file"), error);
    if (!conf)
        return false;
    for (const char *key : { "kubernetes_host", "kubernetes_ca_cert" }) {
        const QJsonValue v = conf->value(QLatin1String(key));
        if (!v.isUndefined() && !v.isNull() && !v.isString()) {
            *error = QStringLiteral("%1 is not a string.").arg(QLatin1String(key));
            return false;
        }
    }
    secret.clusterUrl = conf->value(QLatin1String("kubernetes_host")).toString().trimmed();
    secret.caCertificate = conf->value(QLatin1String("kubernetes_ca_cert")).toString();
    for (auto it = conf->begin(); it != conf->end(); ++it) {
        if (it.key() == QLatin1String("kubernetes_host") || it.key() == QLatin1String("kubernetes_ca_cert"))
            continue;
        if (it.key() == QLatin1String("disable_local_ca_jwt")) {
            if (it.value().toBool())
                notImported << QStringLiteral(
                    "config disable_local_ca_jwt: there is no local service account here; the cluster token "
                    "comes from --token-file or --token-stdin.");
            continue;
        }
        const QJsonValue v = it.value();
        const bool empty = v.isNull() || (v.isString() && v.toString().isEmpty())
            || (v.isArray() && v.toArray().isEmpty()) || (v.isObject() && v.toObject().isEmpty());
        if (!empty)
            notImported << QStringLiteral("config %1: no equivalent here.").arg(escapeControls(it.key()));
    }
    return true;
}

} // namespace kms
