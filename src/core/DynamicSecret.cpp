#include "core/DynamicSecret.h"

#include "core/BoundedRead.h"
#include "core/DisplayText.h"
#include "core/LabelSelector.h"
#include "core/NameTemplate.h"
#include "core/Names.h"

#include <QSet>
#include <QSslCertificate>
#include <QUrl>

namespace kms {

namespace {

void add(FieldErrors &errors, const char *field, const QString &message)
{
    errors.append(FieldError { QString::fromLatin1(field), message });
}

void checkTtls(const DynamicSecret &s, FieldErrors &errors)
{
    bool bothOk = true;
    const struct {
        const char *field;
        const char *label;
        Duration value;
    } ttls[] = { { "defaultTtl", "Default TTL", s.defaultTtl }, { "maxTtl", "Max TTL", s.maxTtl } };
    for (const auto &ttl : ttls) {
        if (ttl.value < MinimumTtl) {
            add(errors, ttl.field,
                QStringLiteral("%1 must be at least %2 (got %3).")
                    .arg(QLatin1String(ttl.label), QStringLiteral("10 minutes"), ttl.value.toString()));
            bothOk = false;
        } else if (ttl.value > MaximumTtl) {
            add(errors, ttl.field,
                QStringLiteral("%1 must be at most %2 (about 136 years), the API server's limit (got %3).")
                    .arg(QLatin1String(ttl.label), MaximumTtl.toString(), ttl.value.toString()));
            bothOk = false;
        }
    }
    if (bothOk && s.defaultTtl > s.maxTtl) {
        add(errors, "defaultTtl",
            QStringLiteral("Default TTL (%1) must not be longer than the max TTL (%2).")
                .arg(s.defaultTtl.toString(), s.maxTtl.toString()));
    }
}

void checkCaCertificate(const QString &pem, FieldErrors &errors)
{
    if (pem.trimmed().isEmpty())
        return;
    const QByteArray data = pem.toUtf8();
    if (data.size() > DynamicSecret::MaxCaCertificateBytes) {
        add(errors, "caCertificate",
            QStringLiteral("CA certificate is larger than %1; paste only the cluster's CA certificate.")
                .arg(describeSize(DynamicSecret::MaxCaCertificateBytes)));
        return;
    }
    const int blocks = data.count("-----BEGIN CERTIFICATE-----");
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(data, QSsl::Pem);
    bool allValid = blocks > 0 && certificates.size() == blocks;
    for (const QSslCertificate &c : certificates)
        allValid = allValid && !c.isNull();
    if (!allValid) {
        add(errors, "caCertificate",
            QStringLiteral("CA certificate is not a PEM certificate; paste the cluster's CA "
                           "(-----BEGIN CERTIFICATE----- ...) or leave it empty to use the system CAs."));
    }
}

void checkClusterUrl(const DynamicSecret &s, FieldErrors &errors)
{
    const QString url = s.clusterUrl.trimmed();
    if (url.isEmpty()) {
        add(errors, "clusterUrl",
            QStringLiteral("Cluster URL is required with Token (API) authentication without a gateway, "
                           "e.g. https://kubernetes.example.com:6443."));
    } else {
        const QUrl parsed(url, QUrl::StrictMode);
        if (!parsed.isValid() || parsed.scheme() != QLatin1String("https") || parsed.host().isEmpty()) {
            add(errors, "clusterUrl",
                QStringLiteral("Cluster URL must be an https:// URL with a host (got %1).")
                    .arg(quoted(s.clusterUrl)));
        } else if (parsed.hasQuery() || parsed.hasFragment() || !parsed.userInfo().isEmpty()) {
            add(errors, "clusterUrl",
                QStringLiteral("Cluster URL must not carry a query, fragment or user name (got %1).")
                    .arg(quoted(s.clusterUrl)));
        }
    }
}

void checkGateway(const DynamicSecret &s, const SecretValidationContext &ctx, FieldErrors &errors)
{
    const QString gateway = s.gateway.trimmed();
    if (gateway.isEmpty()) {
        if (s.authMethod == DynamicSecret::AuthMethod::Gateway)
            add(errors, "gateway",
                QStringLiteral("Gateway is required with Gateway authentication; pick one."));
    } else if ((ctx.gatewaysKnown || !ctx.gatewayNames.isEmpty()) && !ctx.gatewayNames.contains(gateway)) {
        add(errors, "gateway",
            QStringLiteral("Gateway %1 is not registered; add it first or pick a registered one.")
                .arg(quoted(gateway)));
    }
}

void checkAuth(const DynamicSecret &s, const SecretValidationContext &ctx, FieldErrors &errors)
{
    checkGateway(s, ctx, errors);
    if (s.authMethod == DynamicSecret::AuthMethod::Gateway)
        return;
    if (s.viaGateway()) {
        // The gateway reaches the API server at its own in-cluster URL, with its own CA.
        if (!s.clusterUrl.trimmed().isEmpty())
            add(errors, "clusterUrl",
                QStringLiteral("Cluster URL is not used through a gateway, which reaches the API server "
                               "itself; leave it empty or pick no gateway."));
        if (!s.caCertificate.trimmed().isEmpty())
            add(errors, "caCertificate",
                QStringLiteral("CA certificate is not used through a gateway, which reaches the API server "
                               "itself; leave it empty or pick no gateway."));
    } else {
        checkClusterUrl(s, errors);
        checkCaCertificate(s.caCertificate, errors);
    }
    if (!ctx.hasClusterToken) {
        add(errors, "clusterToken",
            QStringLiteral("Cluster token is required with Token (API) authentication."));
    }
}

void checkNamespace(const char *field, const QString &label, const QString &value, FieldErrors &errors)
{
    const QString problem = Names::labelProblem(value);
    if (!problem.isEmpty()) {
        add(errors, field,
            QStringLiteral("%1 %2 is not a valid namespace name: it %3.").arg(label, quoted(value), problem));
    }
}

void checkGeneratedRules(const DynamicSecret &s, FieldErrors &errors)
{
    if (s.generatedRules.isEmpty())
        return;
    if (s.credentialType == CredentialType::Static) {
        add(errors, "generatedRules",
            QStringLiteral(
                "Generated role rules apply only to Dynamic credentials: a Static secret issues tokens "
                "for its service account as it is."));
        return;
    }
    QString error;
    if (!PolicyRule::listFromJson(PolicyRule::toJson(s.generatedRules), &error)) {
        add(errors, "generatedRules", error);
        return;
    }
    if (s.generatedRoleType == RoleType::Role) {
        for (const PolicyRule &r : s.generatedRules) {
            if (!r.isResourceRule()) {
                add(errors, "generatedRules",
                    QStringLiteral(
                        "Generated role rule %1 names URLs, which only a ClusterRole can grant; make the "
                        "generated role a ClusterRole or drop the rule.")
                        .arg(r.describe()));
                return;
            }
        }
    }
}

void checkRoles(const DynamicSecret &s, FieldErrors &errors)
{
    checkGeneratedRules(s, errors);
    if (s.roleName.isEmpty() && s.generatesRole()) {
        if (!s.extraRoles.isEmpty())
            add(errors, "role",
                QStringLiteral("Role is empty while more roles are listed; name the first role there."));
    } else if (s.roleName.isEmpty()) {
        if (!s.extraRoles.isEmpty()) {
            add(errors, "role",
                QStringLiteral("Role is empty while more roles are listed; name the first role there."));
        } else {
            add(errors, "role",
                QStringLiteral("Role is required with Dynamic credentials: the %1 to bind each temporary "
                               "service account to (or generated role rules).")
                    .arg(DynamicSecret::toString(s.roleType)));
        }
    }
    QList<RoleRef> seen;
    for (const RoleRef &r : s.boundRoles()) {
        const char *field = seen.isEmpty() && !s.roleName.isEmpty() ? "role" : "roles";
        const QStringList problems = Names::pathSegmentErrors(r.name);
        if (r.name.isEmpty()) {
            add(errors, "roles", QStringLiteral("Roles has an entry without a name."));
        } else if (!problems.isEmpty()) {
            add(errors, field,
                QStringLiteral("Role %1 is not a valid role name: %2.")
                    .arg(quoted(r.name), problems.join(QStringLiteral("; "))));
        } else if (seen.contains(r)) {
            add(errors, "roles", QStringLiteral("Roles lists %1 more than once.").arg(quoted(r.toString())));
        }
        seen.append(r);
    }
}

void checkCredentials(const DynamicSecret &s, FieldErrors &errors)
{
    if (s.credentialType == DynamicSecret::CredentialType::Static) {
        if (s.serviceAccount.isEmpty()) {
            add(errors, "serviceAccount",
                QStringLiteral("Service account is required with Static credentials."));
        } else {
            const QString problem = Names::subdomainProblem(s.serviceAccount);
            if (!problem.isEmpty()) {
                add(errors, "serviceAccount",
                    QStringLiteral("Service account %1 is not a valid name: it %2.")
                        .arg(quoted(s.serviceAccount), problem));
            }
        }
        if (s.namespaceName.isEmpty())
            add(errors, "namespace", QStringLiteral("Namespace is required with Static credentials."));
        else
            checkNamespace("namespace", QStringLiteral("Namespace"), s.namespaceName, errors);
        if (s.clusterWide) {
            add(errors, "clusterWide",
                QStringLiteral(
                    "Cluster-wide binding applies only to Dynamic credentials with a ClusterRole."));
        }
        if (!s.extraRoles.isEmpty()) {
            add(errors, "roles",
                QStringLiteral("Roles apply only to Dynamic credentials; a Static secret issues tokens for "
                               "its service account as it is."));
        }
        if (!s.namespaceSelector.isEmpty()) {
            add(errors, "namespaceSelector",
                QStringLiteral("A namespace selector applies only to Dynamic credentials; a Static secret "
                               "issues tokens in its service account's namespace."));
        }
        checkGeneratedRules(s, errors);
        return;
    }

    if (!s.namespaceSelector.isEmpty()) {
        QString error;
        if (!LabelSelector::parse(s.namespaceSelector, &error))
            add(errors, "namespaceSelector", error);
        else if (s.anyNamespace())
            add(errors, "namespaceSelector",
                QStringLiteral(
                    "A namespace selector narrows nothing when the allowed namespaces are \"*\" (any); "
                    "drop one of them."));
    }
    if (s.allowedNamespaces.isEmpty() && s.namespaceSelector.isEmpty()) {
        add(errors, "allowedNamespaces",
            QStringLiteral(
                "Allowed namespaces must list at least one namespace, e.g. \"default,monitoring\", "
                "\"*\" for any, or give a namespace selector."));
    } else if (s.anyNamespace()) {
        // Any namespace: nothing more to check.
    } else {
        QSet<QString> seen;
        for (const QString &ns : s.allowedNamespaces) {
            if (ns.trimmed().isEmpty()) {
                add(errors, "allowedNamespaces", QStringLiteral("Allowed namespaces has an empty entry."));
                continue;
            }
            if (seen.contains(ns)) {
                add(errors, "allowedNamespaces",
                    QStringLiteral("Allowed namespaces lists %1 more than once.").arg(quoted(ns)));
                continue;
            }
            seen.insert(ns);
            if (ns == DynamicSecret::AnyNamespace) {
                add(errors, "allowedNamespaces",
                    QStringLiteral(
                        "Allowed namespaces lists \"*\" (any) beside names; give \"*\" alone or the "
                        "names."));
                continue;
            }
            checkNamespace("allowedNamespaces", QStringLiteral("Allowed namespace"), ns, errors);
        }
    }
    checkRoles(s, errors);
    if (s.clusterWide) {
        if (!s.anyClusterWideBinding()) {
            add(errors, "clusterWide",
                QStringLiteral(
                    "Cluster-wide binding needs role type ClusterRole; a Role only grants access in "
                    "its namespace."));
        }
    }
    if (s.boundTokens) {
        add(errors, "boundTokens",
            QStringLiteral("Bound tokens apply only to Static credentials; Dynamic leases are revoked by "
                           "deleting their service account."));
    }
}

// Extra labels and annotations: Kubernetes' key and value rules, and never
// one of the product's own keys, which find, sweep and expire a lease's objects.
void checkMetadata(const DynamicSecret &s, FieldErrors &errors)
{
    const bool createsObjects = s.credentialType == CredentialType::Dynamic || s.boundTokens;
    const struct {
        const char *field;
        const char *word;
        const char *capitalised;
        const DynamicSecret::Metadata &values;
        bool labels;
    } sets[] = { { "extraLabels", "label", "Label", s.extraLabels, true },
        { "extraAnnotations", "annotation", "Annotation", s.extraAnnotations, false } };
    for (const auto &set : sets) {
        if (set.values.isEmpty())
            continue;
        const QString Word = QLatin1String(set.capitalised);
        if (!createsObjects) {
            add(errors, set.field,
                QStringLiteral("Extra %1s apply only to Dynamic or bound Static secrets: an unbound Static "
                               "secret creates no objects to put them on.")
                    .arg(QLatin1String(set.word)));
            continue;
        }
        qsizetype bytes = 0;
        for (auto it = set.values.begin(); it != set.values.end(); ++it) {
            bytes += it.key().toUtf8().size() + it.value().toUtf8().size();
            if (DynamicSecret::isReservedMetadataKey(it.key())) {
                add(errors, set.field,
                    QStringLiteral("%1 key %2 is one of Hanzo KMS's own (app.kubernetes.io/managed-by, "
                                   "kms.hanzo.ai/*), which mark a lease's objects and cannot be overridden; "
                                   "choose another key.")
                        .arg(Word, quoted(it.key())));
                continue;
            }
            if (!Names::qualifiedNameErrors(it.key()).isEmpty()) {
                add(errors, set.field,
                    QStringLiteral(
                        "%1 key %2 is not valid: use letters, digits, '-', '_' and '.', starting and "
                        "ending with a letter or digit, after an optional DNS prefix and '/' (e.g. "
                        "example.com/team).")
                        .arg(Word, quoted(it.key())));
                continue;
            }
            if (set.labels) {
                if (!Names::labelValueErrors(it.value()).isEmpty())
                    add(errors, set.field,
                        QStringLiteral(
                            "Label %1 has an invalid value %2: use at most 63 letters, digits, '-', "
                            "'_' and '.', starting and ending with a letter or digit, or nothing.")
                            .arg(quoted(it.key()), quoted(it.value())));
            }
        }
        if (!set.labels && bytes > DynamicSecret::MaxAnnotationBytes) {
            add(errors, set.field,
                QStringLiteral("Extra annotations come to %1 bytes; the API server takes at most %2 bytes of "
                               "annotations per object.")
                    .arg(bytes)
                    .arg(DynamicSecret::MaxAnnotationBytes));
        }
    }
    if (s.maxLeases < 0) {
        add(errors, "maxLeases",
            QStringLiteral("Max leases must be 0 (no limit) or a positive number (got %1).")
                .arg(s.maxLeases));
    }
}

void checkNameTemplate(const DynamicSecret &s, const SecretValidationContext &ctx, FieldErrors &errors)
{
    if (s.nameTemplate.isEmpty())
        return;
    if (s.credentialType == CredentialType::Static && !s.boundTokens) {
        add(errors, "nameTemplate",
            QStringLiteral(
                "A name template applies only to Dynamic or bound Static secrets: an unbound Static "
                "secret creates no objects to name."));
        return;
    }
    const QStringList namespaces
        = s.credentialType == CredentialType::Static ? QStringList { s.namespaceName } : s.allowedNamespaces;
    const QString user = ctx.currentUser.isEmpty() ? NameTemplate::currentUser() : ctx.currentUser;
    const QString problem = NameTemplate::check(s.nameTemplate, s.name,
        s.credentialType == CredentialType::Static ? namespaces : s.listedNamespaces(), s.namespacesOpen(),
        user);
    if (!problem.isEmpty())
        add(errors, "nameTemplate", problem);
}

void checkAudiences(const QStringList &audiences, FieldErrors &errors)
{
    QSet<QString> seen;
    for (const QString &audience : audiences) {
        if (audience.trimmed().isEmpty()) {
            add(errors, "audiences", QStringLiteral("Audiences has an empty entry."));
        } else if (audience != audience.trimmed()) {
            add(errors, "audiences",
                QStringLiteral("Audience %1 has leading or trailing spaces.").arg(quoted(audience)));
        } else if (seen.contains(audience)) {
            add(errors, "audiences",
                QStringLiteral("Audiences lists %1 more than once.").arg(quoted(audience)));
        }
        seen.insert(audience);
    }
}

} // namespace

FieldErrors DynamicSecret::validate(const SecretValidationContext &ctx) const
{
    FieldErrors errors;
    if (name.isEmpty()) {
        add(errors, "name", QStringLiteral("Name is required."));
    } else {
        const QString problem = Names::labelProblem(name);
        if (!problem.isEmpty()) {
            add(errors, "name",
                QStringLiteral("Name %1 is not a valid name: it %2.").arg(quoted(name), problem));
        } else if (ctx.otherSecretNames.contains(name)) {
            add(errors, "name",
                QStringLiteral("Name %1 is already used by another dynamic secret in this environment.")
                    .arg(quoted(name)));
        }
    }
    checkTtls(*this, errors);
    checkAuth(*this, ctx, errors);
    checkCredentials(*this, errors);
    checkMetadata(*this, errors);
    checkNameTemplate(*this, ctx, errors);
    checkAudiences(audiences, errors);
    return errors;
}

QStringList DynamicSecret::parseNamespaceList(const QString &text, QString *error)
{
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return QStringList();
    };
    if (text.trimmed().isEmpty())
        return fail(QStringLiteral(
            "Allowed namespaces must list at least one namespace, e.g. \"default,monitoring\"."));
    if (text.trimmed() == AnyNamespace) {
        if (error)
            error->clear();
        return { AnyNamespace };
    }
    QStringList result;
    const QStringList parts = text.split(QLatin1Char(','));
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString ns = parts.at(i).trimmed();
        if (ns.isEmpty()) {
            return fail(QStringLiteral("Allowed namespaces %1 has an empty entry at position %2.")
                            .arg(quoted(text))
                            .arg(i + 1));
        }
        if (ns == AnyNamespace)
            return fail(
                QStringLiteral("Allowed namespaces %1 lists \"*\" (any) beside names; give \"*\" alone "
                               "or the names.")
                    .arg(quoted(text)));
        const QString problem = Names::labelProblem(ns);
        if (!problem.isEmpty()) {
            return fail(QStringLiteral("Allowed namespace %1 is not a valid namespace name: it %2.")
                            .arg(quoted(ns), problem));
        }
        if (!result.contains(ns))
            result.append(ns);
    }
    if (error)
        error->clear();
    return result;
}

QStringList DynamicSecret::parseAudiences(const QString &text, QString *error)
{
    if (error)
        error->clear();
    if (text.trimmed().isEmpty())
        return {};
    QStringList result;
    const QStringList parts = text.split(QLatin1Char(','));
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString audience = parts.at(i).trimmed();
        if (audience.isEmpty()) {
            if (error) {
                *error = QStringLiteral("Audiences %1 has an empty entry at position %2.")
                             .arg(quoted(text))
                             .arg(i + 1);
            }
            return {};
        }
        if (!result.contains(audience))
            result.append(audience);
    }
    return result;
}

QStringList DynamicSecret::listedNamespaces() const
{
    QStringList out = allowedNamespaces;
    out.removeAll(AnyNamespace);
    return out;
}

QList<RoleRef> DynamicSecret::boundRoles() const
{
    QList<RoleRef> roles;
    if (!roleName.isEmpty())
        roles.append(RoleRef { roleType, roleName });
    roles += extraRoles;
    return roles;
}

bool DynamicSecret::anyClusterWideBinding() const
{
    if (!clusterWide)
        return false;
    if (generatesRole() && generatedRoleType == RoleType::ClusterRole)
        return true;
    for (const RoleRef &r : boundRoles()) {
        if (r.kind == RoleType::ClusterRole)
            return true;
    }
    return false;
}

void DynamicSecret::setBoundRoles(const QList<RoleRef> &roles)
{
    roleName.clear();
    extraRoles.clear();
    if (roles.isEmpty())
        return;
    roleType = roles.first().kind;
    roleName = roles.first().name;
    extraRoles = roles.mid(1);
}

QString DynamicSecret::RoleRef::toString() const
{
    return DynamicSecret::toString(kind) + QLatin1Char('/') + name;
}

QList<RoleRef> DynamicSecret::parseRoleList(const QString &text, QString *error)
{
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return QList<RoleRef>();
    };
    if (error)
        error->clear();
    QList<RoleRef> result;
    const QStringList parts = text.split(QLatin1Char(','));
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString entry = parts.at(i).trimmed();
        if (entry.isEmpty())
            return fail(QStringLiteral("Roles %1 has an empty entry at position %2; list Kind/name pairs "
                                       "such as ClusterRole/view,Role/deployer.")
                            .arg(quoted(text))
                            .arg(i + 1));
        const qsizetype slash = entry.indexOf(QLatin1Char('/'));
        if (slash < 0)
            return fail(QStringLiteral("Roles entry %1 has no kind; write it as Role/%2 or ClusterRole/%2.")
                            .arg(quoted(entry), escapeControls(entry)));
        const auto kind = roleTypeFromString(entry.left(slash).trimmed());
        if (!kind)
            return fail(QStringLiteral("Roles entry %1 has an unknown kind %2; use Role or ClusterRole.")
                            .arg(quoted(entry), quoted(entry.left(slash).trimmed())));
        const RoleRef role { *kind, entry.mid(slash + 1).trimmed() };
        QStringList problems = Names::pathSegmentErrors(role.name);
        if (role.name.isEmpty())
            problems << QStringLiteral("may not be empty");
        if (!problems.isEmpty())
            return fail(QStringLiteral("Roles entry %1 is not a valid role name: %2.")
                            .arg(quoted(entry), problems.join(QStringLiteral("; "))));
        if (result.contains(role))
            return fail(QStringLiteral("Roles lists %1 more than once.").arg(quoted(role.toString())));
        result.append(role);
    }
    return result;
}

DynamicSecret::Metadata DynamicSecret::parseMetadata(const QString &text, const QString &what, QString *error)
{
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return Metadata();
    };
    if (error)
        error->clear();
    Metadata result;
    if (text.trimmed().isEmpty())
        return result;
    // Split at commas; "\," is a comma inside a value and "\\" a backslash.
    QStringList parts(1);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\\') && i + 1 < text.size()
            && (text.at(i + 1) == QLatin1Char(',') || text.at(i + 1) == QLatin1Char('\\'))) {
            parts.last() += text.at(++i);
        } else if (c == QLatin1Char(',')) {
            parts.append(QString());
        } else {
            parts.last() += c;
        }
    }
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString entry = parts.at(i).trimmed();
        if (entry.isEmpty())
            return fail(
                QStringLiteral("Extra %1s %2 has an empty entry at position %3; list key=value pairs.")
                    .arg(what, quoted(text))
                    .arg(i + 1));
        const qsizetype eq = entry.indexOf(QLatin1Char('='));
        if (eq < 0)
            return fail(
                QStringLiteral("Extra %1 %2 has no value; write it as key=value.").arg(what, quoted(entry)));
        const QString key = entry.left(eq).trimmed();
        if (key.isEmpty())
            return fail(QStringLiteral("Extra %1 %2 has an empty key.").arg(what, quoted(entry)));
        if (result.contains(key))
            return fail(QStringLiteral("Extra %1s set %2 more than once.").arg(what, quoted(key)));
        result.insert(key, entry.mid(eq + 1).trimmed());
    }
    return result;
}

QString DynamicSecret::formatMetadata(const Metadata &metadata)
{
    QStringList parts;
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
        QString value = it.value();
        value.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
            .replace(QLatin1Char(','), QStringLiteral("\\,"));
        parts << it.key() + QLatin1Char('=') + value;
    }
    return parts.join(QLatin1Char(','));
}

bool DynamicSecret::isReservedMetadataKey(const QString &key)
{
    return key == QLatin1String("app.kubernetes.io/managed-by")
        || key.startsWith(QLatin1String("kms.hanzo.ai/"));
}

QString DynamicSecret::vaultKey() const
{
    return vaultKeyFor(id);
}

QString DynamicSecret::vaultKeyFor(qint64 secretId)
{
    return QStringLiteral("dynamic-secret/%1/cluster-token").arg(secretId);
}

QString DynamicSecret::toString(AuthMethod method)
{
    return method == AuthMethod::Token ? QStringLiteral("token") : QStringLiteral("gateway");
}

QString DynamicSecret::toString(CredentialType type)
{
    return type == CredentialType::Static ? QStringLiteral("static") : QStringLiteral("dynamic");
}

QString DynamicSecret::toString(RoleType type)
{
    return type == RoleType::Role ? QStringLiteral("Role") : QStringLiteral("ClusterRole");
}

std::optional<DynamicSecret::AuthMethod> DynamicSecret::authMethodFromString(const QString &text)
{
    if (text.compare(QLatin1String("token"), Qt::CaseInsensitive) == 0)
        return AuthMethod::Token;
    if (text.compare(QLatin1String("gateway"), Qt::CaseInsensitive) == 0)
        return AuthMethod::Gateway;
    return std::nullopt;
}

std::optional<DynamicSecret::CredentialType> DynamicSecret::credentialTypeFromString(const QString &text)
{
    if (text.compare(QLatin1String("static"), Qt::CaseInsensitive) == 0)
        return CredentialType::Static;
    if (text.compare(QLatin1String("dynamic"), Qt::CaseInsensitive) == 0)
        return CredentialType::Dynamic;
    return std::nullopt;
}

std::optional<DynamicSecret::RoleType> DynamicSecret::roleTypeFromString(const QString &text)
{
    if (text.compare(QLatin1String("role"), Qt::CaseInsensitive) == 0)
        return RoleType::Role;
    if (text.compare(QLatin1String("clusterrole"), Qt::CaseInsensitive) == 0)
        return RoleType::ClusterRole;
    return std::nullopt;
}

QString DynamicSecret::displayName(AuthMethod method)
{
    return method == AuthMethod::Token ? QStringLiteral("Token (API)") : QStringLiteral("Gateway");
}

QString DynamicSecret::displayName(CredentialType type)
{
    return type == CredentialType::Static ? QStringLiteral("Static") : QStringLiteral("Dynamic");
}

} // namespace kms
