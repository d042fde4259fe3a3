#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <exception>

namespace kms::testcluster {

// One field error of an Invalid status, as k8s.io/apimachinery's field.Error
// prints it: "<field>: <body>", body e.g. `Invalid value: 599: may not ...`.
struct FieldError {
    QString reason; // FieldValueInvalid, FieldValueRequired, ...
    QString field;
    QString body;

    static FieldError invalid(const QString &field, const QString &goValue, const QString &detail);
    static FieldError required(const QString &field, const QString &detail = {});
    static FieldError forbidden(const QString &field, const QString &detail);
    static FieldError notSupported(
        const QString &field, const QString &goValue, const QStringList &supported);
    static FieldError duplicate(const QString &field, const QString &goValue);
    static FieldError tooLong(const QString &field, int maxLength);
    QString text() const { return field + QStringLiteral(": ") + body; }
};

// Go's %q of a string (enough for the ASCII this server quotes).
QString goQuote(const QString &s);
// Go's %q of a []string: ["a" "b"].
QString goQuoteList(const QStringList &list);

// A Kubernetes Status failure; thrown by handlers, written by the server.
class ApiError : public std::exception {
public:
    ApiError(int code, const QString &reason, const QString &message, const QJsonObject &details = {});

    int code() const { return m_code; }
    QString message() const { return m_message; }
    QString reason() const { return m_reason; }
    QJsonObject status() const;
    const char *what() const noexcept override { return "kubernetes status error"; }

    // resource: plural ("serviceaccounts"), group "" for the core group.
    static ApiError notFound(const QString &group, const QString &resource, const QString &name);
    static ApiError alreadyExists(const QString &group, const QString &resource, const QString &name);
    static ApiError conflict(
        const QString &group, const QString &resource, const QString &name, const QString &why);
    static ApiError forbidden(
        const QString &group, const QString &resource, const QString &name, const QString &why);
    static ApiError invalid(
        const QString &group, const QString &kind, const QString &name, const QList<FieldError> &errors);
    static ApiError badRequest(const QString &message);
    static ApiError unauthorized();
    static ApiError methodNotAllowed(const QString &method);
    static ApiError
    notFoundPlain(); // 404 for an unknown path ("the server could not find the requested resource")
    static ApiError unsupportedMediaType(const QString &message);
    static ApiError serviceUnavailable(const QString &message);

private:
    int m_code;
    QString m_reason;
    QString m_message;
    QJsonObject m_details;
};

// "serviceaccounts" or "rolebindings.rbac.authorization.k8s.io"
QString groupResource(const QString &group, const QString &resource);

} // namespace kms::testcluster
