#include "Validation.h"

#include "ApiError.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace kms::testcluster {

namespace {

const QString kSubdomainMessage = QStringLiteral(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
const QString kLabelMessage = QStringLiteral(
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
const QString kLabelValueMessage = QStringLiteral("a valid label must be an empty string or consist of "
                                                  "alphanumeric characters, '-', '_' or '.', and must start "
                                                  "and end with an alphanumeric character (e.g. 'MyValue',  "
                                                  "or 'my_value',  or '12345', regex used for validation "
                                                  "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
const QString kQualifiedNameMessage = QStringLiteral(
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
const QString kConfigKeyMessage = QStringLiteral(
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");

QStringList dnsSubdomain(const QString &name)
{
    static const QRegularExpression re(
        QStringLiteral("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"));
    QStringList out;
    if (name.size() > 253)
        out << QStringLiteral("must be no more than 253 characters");
    if (!re.match(name).hasMatch())
        out << kSubdomainMessage;
    return out;
}

QStringList dnsLabel(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"));
    QStringList out;
    if (name.size() > 63)
        out << QStringLiteral("must be no more than 63 characters");
    if (!re.match(name).hasMatch())
        out << kLabelMessage;
    return out;
}

QStringList pathSegment(const QString &name)
{
    QStringList out;
    if (name == QStringLiteral(".") || name == QStringLiteral(".."))
        out << QStringLiteral("may not be '%1'").arg(name);
    if (name.contains(u'/'))
        out << QStringLiteral("may not contain '/'");
    if (name.contains(u'%'))
        out << QStringLiteral("may not contain '%'");
    return out;
}

QStringList nameErrors(const ResourceType &type, const QString &name, bool prefix)
{
    QString n = name;
    if (prefix && n.endsWith(u'-') && type.group != QStringLiteral("rbac.authorization.k8s.io"))
        n.chop(1);
    if (type.group == QStringLiteral("rbac.authorization.k8s.io"))
        return pathSegment(n);
    if (type.kind == QStringLiteral("Namespace"))
        return dnsLabel(n);
    return dnsSubdomain(n);
}

QStringList qualifiedName(const QString &key)
{
    static const QRegularExpression nameRe(QStringLiteral("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"));
    QStringList out;
    const qsizetype slash = key.indexOf(u'/');
    QString name = key;
    if (slash >= 0) {
        const QString prefix = key.left(slash);
        name = key.mid(slash + 1);
        if (prefix.isEmpty())
            out << QStringLiteral("prefix part must be non-empty");
        else
            for (const QString &m : dnsSubdomain(prefix))
                out << QStringLiteral("prefix part ") + m;
    }
    if (name.isEmpty())
        out << QStringLiteral("name part must be non-empty");
    else if (name.size() > 63)
        out << QStringLiteral("name part must be no more than 63 characters");
    if (!name.isEmpty() && !nameRe.match(name).hasMatch())
        out << kQualifiedNameMessage;
    return out;
}

QString goStringSlice(const QStringList &list)
{
    QStringList quoted;
    for (const QString &s : list)
        quoted << goQuote(s);
    return QStringLiteral("[]string{") + quoted.join(QStringLiteral(", ")) + u'}';
}

QStringList strings(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &e : v.toArray())
        out << e.toString();
    return out;
}

void validateMeta(const ResourceType &type, const QJsonObject &m, QList<FieldError> &errors)
{
    const QString name = m.value(QStringLiteral("name")).toString();
    const QString generateName = m.value(QStringLiteral("generateName")).toString();
    if (!generateName.isEmpty()) {
        for (const QString &msg : nameErrors(type, generateName, true))
            errors << FieldError::invalid(
                QStringLiteral("metadata.generateName"), goQuote(generateName), msg);
    }
    if (name.isEmpty()) {
        errors << FieldError::required(
            QStringLiteral("metadata.name"), QStringLiteral("name or generateName is required"));
    } else {
        for (const QString &msg : nameErrors(type, name, false))
            errors << FieldError::invalid(QStringLiteral("metadata.name"), goQuote(name), msg);
    }
    const QJsonObject labels = m.value(QStringLiteral("labels")).toObject();
    static const QRegularExpression valueRe(QStringLiteral("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"));
    for (auto it = labels.begin(); it != labels.end(); ++it) {
        for (const QString &msg : qualifiedName(it.key()))
            errors << FieldError::invalid(QStringLiteral("metadata.labels"), goQuote(it.key()), msg);
        const QString value = it.value().toString();
        if (value.size() > 63)
            errors << FieldError::invalid(QStringLiteral("metadata.labels"), goQuote(value),
                QStringLiteral("must be no more than 63 characters"));
        if (!valueRe.match(value).hasMatch())
            errors << FieldError::invalid(
                QStringLiteral("metadata.labels"), goQuote(value), kLabelValueMessage);
    }
    const QJsonObject annotations = m.value(QStringLiteral("annotations")).toObject();
    qsizetype total = 0;
    for (auto it = annotations.begin(); it != annotations.end(); ++it) {
        for (const QString &msg : qualifiedName(it.key()))
            errors << FieldError::invalid(QStringLiteral("metadata.annotations"), goQuote(it.key()), msg);
        total += it.key().size() + it.value().toString().size();
    }
    if (total > 256 * 1024)
        errors << FieldError::tooLong(QStringLiteral("metadata.annotations"), 256 * 1024);
    int controllers = 0;
    for (const QJsonValue &v : m.value(QStringLiteral("ownerReferences")).toArray()) {
        const QJsonObject ref = v.toObject();
        const QString apiVersion = ref.value(QStringLiteral("apiVersion")).toString();
        if (apiVersion.isEmpty())
            errors << FieldError::invalid(QStringLiteral("metadata.ownerReferences.apiVersion"),
                goQuote(apiVersion), QStringLiteral("version must not be empty"));
        if (ref.value(QStringLiteral("kind")).toString().isEmpty())
            errors << FieldError::invalid(QStringLiteral("metadata.ownerReferences.kind"),
                QStringLiteral("\"\""), QStringLiteral("kind must not be empty"));
        if (ref.value(QStringLiteral("name")).toString().isEmpty())
            errors << FieldError::invalid(QStringLiteral("metadata.ownerReferences.name"),
                QStringLiteral("\"\""), QStringLiteral("name must not be empty"));
        if (ref.value(QStringLiteral("uid")).toString().isEmpty())
            errors << FieldError::invalid(QStringLiteral("metadata.ownerReferences.uid"),
                QStringLiteral("\"\""), QStringLiteral("uid must not be empty"));
        if (ref.value(QStringLiteral("controller")).toBool())
            ++controllers;
    }
    if (controllers > 1)
        errors << FieldError::invalid(QStringLiteral("metadata.ownerReferences"),
            QStringLiteral("[]v1.OwnerReference{...}"),
            QStringLiteral("Only one reference can have Controller set to true"));
}

void validateRules(const QJsonObject &object, bool namespaced, QList<FieldError> &errors)
{
    const QJsonArray rules = object.value(QStringLiteral("rules")).toArray();
    for (int i = 0; i < rules.size(); ++i) {
        const QJsonObject rule = rules.at(i).toObject();
        const QString path = QStringLiteral("rules[%1]").arg(i);
        if (strings(rule.value(QStringLiteral("verbs"))).isEmpty())
            errors << FieldError::required(
                path + QStringLiteral(".verbs"), QStringLiteral("verbs must contain at least one value"));
        const QStringList urls = strings(rule.value(QStringLiteral("nonResourceURLs")));
        if (!urls.isEmpty()) {
            if (namespaced)
                errors << FieldError::invalid(path + QStringLiteral(".nonResourceURLs"), goStringSlice(urls),
                    QStringLiteral("namespaced rules cannot apply to non-resource URLs"));
            if (!strings(rule.value(QStringLiteral("apiGroups"))).isEmpty()
                || !strings(rule.value(QStringLiteral("resources"))).isEmpty()
                || !strings(rule.value(QStringLiteral("resourceNames"))).isEmpty())
                errors << FieldError::invalid(path + QStringLiteral(".nonResourceURLs"), goStringSlice(urls),
                    QStringLiteral("rules cannot apply to both regular resources and non-resource URLs"));
            continue;
        }
        if (strings(rule.value(QStringLiteral("apiGroups"))).isEmpty())
            errors << FieldError::required(path + QStringLiteral(".apiGroups"),
                QStringLiteral("resource rules must supply at least one api group"));
        if (strings(rule.value(QStringLiteral("resources"))).isEmpty())
            errors << FieldError::required(path + QStringLiteral(".resources"),
                QStringLiteral("resource rules must supply at least one resource"));
    }
}

QString goRoleRef(const QJsonObject &ref)
{
    return QStringLiteral("rbac.RoleRef{APIGroup:%1, Kind:%2, Name:%3}")
        .arg(goQuote(ref.value(QStringLiteral("apiGroup")).toString()),
            goQuote(ref.value(QStringLiteral("kind")).toString()),
            goQuote(ref.value(QStringLiteral("name")).toString()));
}

void validateBinding(const QJsonObject &object, bool namespaced, QList<FieldError> &errors)
{
    const QJsonObject ref = object.value(QStringLiteral("roleRef")).toObject();
    const QString apiGroup = ref.value(QStringLiteral("apiGroup")).toString();
    if (apiGroup != QStringLiteral("rbac.authorization.k8s.io"))
        errors << FieldError::notSupported(QStringLiteral("roleRef.apiGroup"), goQuote(apiGroup),
            { QStringLiteral("rbac.authorization.k8s.io") });
    const QString kind = ref.value(QStringLiteral("kind")).toString();
    if (namespaced) {
        if (kind != QStringLiteral("Role") && kind != QStringLiteral("ClusterRole"))
            errors << FieldError::notSupported(QStringLiteral("roleRef.kind"), goQuote(kind),
                { QStringLiteral("Role"), QStringLiteral("ClusterRole") });
    } else if (kind != QStringLiteral("ClusterRole")) {
        errors << FieldError::notSupported(
            QStringLiteral("roleRef.kind"), goQuote(kind), { QStringLiteral("ClusterRole") });
    }
    const QString name = ref.value(QStringLiteral("name")).toString();
    if (name.isEmpty()) {
        errors << FieldError::required(QStringLiteral("roleRef.name"));
    } else {
        for (const QString &msg : pathSegment(name))
            errors << FieldError::invalid(QStringLiteral("roleRef.name"), goQuote(name), msg);
    }
    const QJsonArray subjects = object.value(QStringLiteral("subjects")).toArray();
    for (int i = 0; i < subjects.size(); ++i) {
        const QJsonObject s = subjects.at(i).toObject();
        const QString path = QStringLiteral("subjects[%1]").arg(i);
        const QString sName = s.value(QStringLiteral("name")).toString();
        const QString sKind = s.value(QStringLiteral("kind")).toString();
        const QString sGroup = s.value(QStringLiteral("apiGroup")).toString();
        if (sName.isEmpty())
            errors << FieldError::required(path + QStringLiteral(".name"));
        if (sKind == QStringLiteral("ServiceAccount")) {
            if (!sGroup.isEmpty())
                errors << FieldError::notSupported(
                    path + QStringLiteral(".apiGroup"), goQuote(sGroup), { QString() });
            if (!sName.isEmpty()) {
                for (const QString &msg : dnsSubdomain(sName))
                    errors << FieldError::invalid(path + QStringLiteral(".name"), goQuote(sName), msg);
            }
            if (!namespaced && s.value(QStringLiteral("namespace")).toString().isEmpty())
                errors << FieldError::required(path + QStringLiteral(".namespace"));
        } else if (sKind == QStringLiteral("User") || sKind == QStringLiteral("Group")) {
            if (sGroup != QStringLiteral("rbac.authorization.k8s.io"))
                errors << FieldError::notSupported(path + QStringLiteral(".apiGroup"), goQuote(sGroup),
                    { QStringLiteral("rbac.authorization.k8s.io") });
        } else {
            errors << FieldError::notSupported(path + QStringLiteral(".kind"), goQuote(sKind),
                { QStringLiteral("ServiceAccount"), QStringLiteral("User"), QStringLiteral("Group") });
        }
    }
}

QStringList knownFields(const QString &kind)
{
    QStringList f { QStringLiteral("apiVersion"), QStringLiteral("kind"), QStringLiteral("metadata") };
    if (kind == QStringLiteral("ServiceAccount"))
        f << QStringLiteral("secrets") << QStringLiteral("imagePullSecrets")
          << QStringLiteral("automountServiceAccountToken");
    else if (kind == QStringLiteral("Secret"))
        f << QStringLiteral("data") << QStringLiteral("stringData") << QStringLiteral("type")
          << QStringLiteral("immutable");
    else if (kind == QStringLiteral("ConfigMap"))
        f << QStringLiteral("data") << QStringLiteral("binaryData") << QStringLiteral("immutable");
    else if (kind == QStringLiteral("Role"))
        f << QStringLiteral("rules");
    else if (kind == QStringLiteral("ClusterRole"))
        f << QStringLiteral("rules") << QStringLiteral("aggregationRule");
    else if (kind == QStringLiteral("RoleBinding") || kind == QStringLiteral("ClusterRoleBinding"))
        f << QStringLiteral("subjects") << QStringLiteral("roleRef");
    else
        f << QStringLiteral("spec") << QStringLiteral("status");
    return f;
}

} // namespace

void checkTypeMeta(const ResourceType &type, const QJsonObject &body)
{
    const QString apiVersion = body.value(QStringLiteral("apiVersion")).toString();
    if (!apiVersion.isEmpty() && apiVersion != type.apiVersion()) {
        throw ApiError::badRequest(
            QStringLiteral("the API version in the data (%1) does not match the expected API version (%2)")
                .arg(apiVersion, type.apiVersion()));
    }
    const QString kind = body.value(QStringLiteral("kind")).toString();
    if (!kind.isEmpty() && kind != type.kind) {
        throw ApiError::badRequest(
            QStringLiteral("%1 in version \"%2\" cannot be handled as a %1: the kind in the data "
                           "(%3) does not match the expected kind")
                .arg(type.kind, type.version, kind));
    }
}

void checkFieldValidation(const ResourceType &type, const QJsonObject &body, const QUrlQuery &query)
{
    if (query.queryItemValue(QStringLiteral("fieldValidation")) != QStringLiteral("Strict"))
        return;
    static const QStringList metaFields { QStringLiteral("name"), QStringLiteral("generateName"),
        QStringLiteral("namespace"), QStringLiteral("selfLink"), QStringLiteral("uid"),
        QStringLiteral("resourceVersion"), QStringLiteral("generation"), QStringLiteral("creationTimestamp"),
        QStringLiteral("deletionTimestamp"), QStringLiteral("deletionGracePeriodSeconds"),
        QStringLiteral("labels"), QStringLiteral("annotations"), QStringLiteral("ownerReferences"),
        QStringLiteral("finalizers"), QStringLiteral("managedFields") };
    QStringList unknown;
    const QStringList known = knownFields(type.kind);
    for (const QString &k : body.keys()) {
        if (!known.contains(k))
            unknown << QStringLiteral("unknown field %1").arg(goQuote(k));
    }
    for (const QString &k : body.value(QStringLiteral("metadata")).toObject().keys()) {
        if (!metaFields.contains(k))
            unknown << QStringLiteral("unknown field %1").arg(goQuote(QStringLiteral("metadata.") + k));
    }
    if (!unknown.isEmpty())
        throw ApiError::badRequest(
            QStringLiteral("strict decoding error: ") + unknown.join(QStringLiteral(", ")));
}

void validateObject(
    const ResourceType &type, const QJsonObject &object, const std::optional<QJsonObject> &old)
{
    QList<FieldError> errors;
    const QJsonObject m = object.value(QStringLiteral("metadata")).toObject();
    validateMeta(type, m, errors);
    if (type.kind == QStringLiteral("Secret")) {
        const QString secretType = object.value(QStringLiteral("type")).toString();
        if (secretType == QStringLiteral("kubernetes.io/service-account-token")
            && m.value(QStringLiteral("annotations"))
                   .toObject()
                   .value(QStringLiteral("kubernetes.io/service-account.name"))
                   .toString()
                   .isEmpty()) {
            errors << FieldError::required(
                QStringLiteral("metadata.annotations[kubernetes.io/service-account.name]"));
        }
        static const QRegularExpression keyRe(QStringLiteral("^[-._a-zA-Z0-9]+$"));
        const QJsonObject data = object.value(QStringLiteral("data")).toObject();
        for (auto it = data.begin(); it != data.end(); ++it) {
            if (!keyRe.match(it.key()).hasMatch())
                errors << FieldError::invalid(
                    QStringLiteral("data[%1]").arg(it.key()), goQuote(it.key()), kConfigKeyMessage);
        }
        if (old && old->value(QStringLiteral("type")).toString() != secretType)
            errors << FieldError::invalid(
                QStringLiteral("type"), goQuote(secretType), QStringLiteral("field is immutable"));
        if (old && old->value(QStringLiteral("immutable")).toBool()
            && old->value(QStringLiteral("data")) != object.value(QStringLiteral("data")))
            errors << FieldError::forbidden(
                QStringLiteral("data"), QStringLiteral("field is immutable when `immutable` is set"));
    }
    if (type.kind == QStringLiteral("ConfigMap")) {
        static const QRegularExpression keyRe(QStringLiteral("^[-._a-zA-Z0-9]+$"));
        const QJsonObject data = object.value(QStringLiteral("data")).toObject();
        for (auto it = data.begin(); it != data.end(); ++it) {
            if (!keyRe.match(it.key()).hasMatch())
                errors << FieldError::invalid(
                    QStringLiteral("data[%1]").arg(it.key()), goQuote(it.key()), kConfigKeyMessage);
        }
    }
    if (type.kind == QStringLiteral("Role") || type.kind == QStringLiteral("ClusterRole"))
        validateRules(object, type.namespaced, errors);
    if (type.kind == QStringLiteral("RoleBinding") || type.kind == QStringLiteral("ClusterRoleBinding")) {
        validateBinding(object, type.namespaced, errors);
        if (old && old->value(QStringLiteral("roleRef")) != object.value(QStringLiteral("roleRef"))) {
            errors << FieldError::invalid(QStringLiteral("roleRef"),
                goRoleRef(object.value(QStringLiteral("roleRef")).toObject()),
                QStringLiteral("cannot change roleRef"));
        }
    }
    if (!errors.isEmpty())
        throw ApiError::invalid(type.group, type.kind, m.value(QStringLiteral("name")).toString(), errors);
}

} // namespace kms::testcluster
