#include "ApiError.h"

#include <QJsonArray>

namespace kms::testcluster {

QString goQuote(const QString &s)
{
    QString out = QStringLiteral("\"");
    for (const QChar c : s) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        if (c == u'\n') {
            out += QStringLiteral("\\n");
            continue;
        }
        out += c;
    }
    out += u'"';
    return out;
}

QString goQuoteList(const QStringList &list)
{
    QStringList quoted;
    for (const QString &s : list)
        quoted << goQuote(s);
    return u'[' + quoted.join(u' ') + u']';
}

FieldError FieldError::invalid(const QString &field, const QString &goValue, const QString &detail)
{
    QString body = QStringLiteral("Invalid value: ") + goValue;
    if (!detail.isEmpty())
        body += QStringLiteral(": ") + detail;
    return { QStringLiteral("FieldValueInvalid"), field, body };
}

FieldError FieldError::required(const QString &field, const QString &detail)
{
    QString body = QStringLiteral("Required value");
    if (!detail.isEmpty())
        body += QStringLiteral(": ") + detail;
    return { QStringLiteral("FieldValueRequired"), field, body };
}

FieldError FieldError::forbidden(const QString &field, const QString &detail)
{
    return { QStringLiteral("FieldValueForbidden"), field, QStringLiteral("Forbidden: ") + detail };
}

FieldError FieldError::notSupported(
    const QString &field, const QString &goValue, const QStringList &supported)
{
    QStringList quoted;
    for (const QString &s : supported)
        quoted << goQuote(s);
    return { QStringLiteral("FieldValueNotSupported"), field,
        QStringLiteral("Unsupported value: %1: supported values: %2")
            .arg(goValue, quoted.join(QStringLiteral(", "))) };
}

FieldError FieldError::duplicate(const QString &field, const QString &goValue)
{
    return { QStringLiteral("FieldValueDuplicate"), field, QStringLiteral("Duplicate value: ") + goValue };
}

FieldError FieldError::tooLong(const QString &field, int maxLength)
{
    return { QStringLiteral("FieldValueTooLong"), field,
        QStringLiteral("Too long: may not be more than %1 bytes").arg(maxLength) };
}

QString groupResource(const QString &group, const QString &resource)
{
    return group.isEmpty() ? resource : resource + u'.' + group;
}

ApiError::ApiError(int code, const QString &reason, const QString &message, const QJsonObject &details)
    : m_code(code)
    , m_reason(reason)
    , m_message(message)
    , m_details(details)
{
}

QJsonObject ApiError::status() const
{
    QJsonObject status { { QStringLiteral("kind"), QStringLiteral("Status") },
        { QStringLiteral("apiVersion"), QStringLiteral("v1") }, { QStringLiteral("metadata"), QJsonObject() },
        { QStringLiteral("status"), QStringLiteral("Failure") }, { QStringLiteral("message"), m_message },
        { QStringLiteral("code"), m_code } };
    if (!m_reason.isEmpty())
        status.insert(QStringLiteral("reason"), m_reason);
    if (!m_details.isEmpty())
        status.insert(QStringLiteral("details"), m_details);
    return status;
}

static QJsonObject details(const QString &group, const QString &kind, const QString &name)
{
    QJsonObject d;
    if (!name.isEmpty())
        d.insert(QStringLiteral("name"), name);
    if (!group.isEmpty())
        d.insert(QStringLiteral("group"), group);
    if (!kind.isEmpty())
        d.insert(QStringLiteral("kind"), kind);
    return d;
}

ApiError ApiError::notFound(const QString &group, const QString &resource, const QString &name)
{
    return ApiError(404, QStringLiteral("NotFound"),
        QStringLiteral("%1 %2 not found").arg(groupResource(group, resource), goQuote(name)),
        details(group, resource, name));
}

ApiError ApiError::alreadyExists(const QString &group, const QString &resource, const QString &name)
{
    return ApiError(409, QStringLiteral("AlreadyExists"),
        QStringLiteral("%1 %2 already exists").arg(groupResource(group, resource), goQuote(name)),
        details(group, resource, name));
}

ApiError ApiError::conflict(
    const QString &group, const QString &resource, const QString &name, const QString &why)
{
    return ApiError(409, QStringLiteral("Conflict"),
        QStringLiteral("Operation cannot be fulfilled on %1 %2: %3")
            .arg(groupResource(group, resource), goQuote(name), why),
        details(group, resource, name));
}

ApiError ApiError::forbidden(
    const QString &group, const QString &resource, const QString &name, const QString &why)
{
    QString message;
    if (resource.isEmpty() && name.isEmpty())
        message = QStringLiteral("forbidden: ") + why;
    else if (name.isEmpty())
        message = QStringLiteral("%1 is forbidden: %2").arg(groupResource(group, resource), why);
    else
        message = QStringLiteral("%1 %2 is forbidden: %3")
                      .arg(groupResource(group, resource), goQuote(name), why);
    return ApiError(403, QStringLiteral("Forbidden"), message, details(group, resource, name));
}

ApiError ApiError::invalid(
    const QString &group, const QString &kind, const QString &name, const QList<FieldError> &errors)
{
    QStringList texts;
    QJsonArray causes;
    for (const FieldError &e : errors) {
        texts << e.text();
        causes.append(QJsonObject { { QStringLiteral("reason"), e.reason },
            { QStringLiteral("message"), e.body }, { QStringLiteral("field"), e.field } });
    }
    const QString aggregate
        = texts.size() == 1 ? texts.first() : u'[' + texts.join(QStringLiteral(", ")) + u']';
    QJsonObject d = details(group, kind, name);
    d.insert(QStringLiteral("causes"), causes);
    const QString qualifiedKind = group.isEmpty() ? kind : kind + u'.' + group;
    return ApiError(422, QStringLiteral("Invalid"),
        QStringLiteral("%1 %2 is invalid: %3").arg(qualifiedKind, goQuote(name), aggregate), d);
}

ApiError ApiError::badRequest(const QString &message)
{
    return ApiError(400, QStringLiteral("BadRequest"), message);
}

ApiError ApiError::unauthorized()
{
    return ApiError(401, QStringLiteral("Unauthorized"), QStringLiteral("Unauthorized"));
}

ApiError ApiError::methodNotAllowed(const QString &method)
{
    Q_UNUSED(method)
    return ApiError(405, QStringLiteral("MethodNotAllowed"),
        QStringLiteral("the server does not allow this method on the requested resource"));
}

ApiError ApiError::notFoundPlain()
{
    return ApiError(
        404, QStringLiteral("NotFound"), QStringLiteral("the server could not find the requested resource"));
}

ApiError ApiError::unsupportedMediaType(const QString &message)
{
    return ApiError(415, QStringLiteral("UnsupportedMediaType"), message);
}

ApiError ApiError::serviceUnavailable(const QString &message)
{
    return ApiError(503, QStringLiteral("ServiceUnavailable"), message);
}

} // namespace kms::testcluster
