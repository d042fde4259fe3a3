#include "core/AuditEvent.h"

#include <QCryptographicHash>
#include <QJsonValue>
#include <QSysInfo>

#ifdef Q_OS_UNIX
#include <pwd.h>
#include <unistd.h>
#endif

namespace kms {

namespace {

void appendField(QByteArray &out, const QByteArray &value)
{
    const quint32 size = quint32(value.size());
    const char prefix[4] = { char((size >> 24) & 0xff), char((size >> 16) & 0xff), char((size >> 8) & 0xff),
        char(size & 0xff) };
    out.append(prefix, 4);
    out.append(value);
}

QByteArray timeField(const QDateTime &time)
{
    return time.isValid() ? QByteArray::number(time.toMSecsSinceEpoch()) : QByteArray();
}

QString jsonTime(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

bool isHashHex(const QByteArray &value)
{
    if (value.isEmpty())
        return true;
    if (value.size() != 64)
        return false;
    for (const char c : value) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

// Reads the fields of AuditEvent::fromJson; the first problem is kept.
class JsonReader {
public:
    explicit JsonReader(const QJsonObject &object)
        : m_object(object)
    {
    }

    QString text(const QString &key)
    {
        const QJsonValue v = m_object.value(key);
        if (!v.isString()) {
            fail(key, QStringLiteral("expected a string"));
            return {};
        }
        return v.toString();
    }

    QDateTime time(const QString &key)
    {
        const QString value = text(key);
        if (value.isEmpty())
            return {};
        const QDateTime t = QDateTime::fromString(value, Qt::ISODateWithMs);
        if (!t.isValid()) {
            fail(key, QStringLiteral("expected an ISO 8601 time or \"\""));
            return {};
        }
        return t.toUTC();
    }

    qint64 sequence(const QString &key)
    {
        const QJsonValue v = m_object.value(key);
        const qint64 n = v.toInteger(-1);
        if (!v.isDouble() || n < 0 || double(n) != v.toDouble()) {
            fail(key, QStringLiteral("expected a whole number of 0 or more"));
            return 0;
        }
        return n;
    }

    QByteArray hash(const QString &key)
    {
        const QByteArray value = text(key).toLatin1();
        if (!isHashHex(value)) {
            fail(key, QStringLiteral("expected 64 lower-case hex digits or \"\""));
            return {};
        }
        return value;
    }

    bool ok() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }

private:
    void fail(const QString &key, const QString &what)
    {
        if (m_error.isEmpty())
            m_error = QStringLiteral("%1: %2.").arg(key, what);
    }

    const QJsonObject &m_object;
    QString m_error;
};

} // namespace

QString AuditEvent::currentActor()
{
    QString user;
#ifdef Q_OS_UNIX
    if (const passwd *pw = getpwuid(getuid()); pw && pw->pw_name)
        user = QString::fromLocal8Bit(pw->pw_name);
#endif
    if (user.isEmpty())
        user = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
    if (user.isEmpty())
        user = QStringLiteral("unknown");
    QString host = QSysInfo::machineHostName();
    if (host.isEmpty())
        host = QStringLiteral("unknown");
    return user + QLatin1Char('@') + host;
}

QByteArray AuditEvent::canonicalContent() const
{
    QByteArray out("kms-audit-v1");
    appendField(out, QByteArray::number(seq));
    appendField(out, timeField(at));
    appendField(out, actor.toUtf8());
    appendField(out, kind.toUtf8());
    appendField(out, secretName.toUtf8());
    appendField(out, leaseId.toUtf8());
    appendField(out, namespaceName.toUtf8());
    appendField(out, serviceAccount.toUtf8());
    appendField(out, jti.toUtf8());
    appendField(out, timeField(expiresAt));
    appendField(out, detail.toUtf8());
    appendField(out, prevHash);
    return out;
}

QByteArray AuditEvent::computeHash() const
{
    return QCryptographicHash::hash(canonicalContent(), QCryptographicHash::Sha256).toHex();
}

QJsonObject AuditEvent::toJson() const
{
    return QJsonObject {
        { QStringLiteral("seq"), seq },
        { QStringLiteral("at"), jsonTime(at) },
        { QStringLiteral("actor"), actor },
        { QStringLiteral("kind"), kind },
        { QStringLiteral("secret"), secretName },
        { QStringLiteral("leaseId"), leaseId },
        { QStringLiteral("namespace"), namespaceName },
        { QStringLiteral("serviceAccount"), serviceAccount },
        { QStringLiteral("jti"), jti },
        { QStringLiteral("expiresAt"), jsonTime(expiresAt) },
        { QStringLiteral("detail"), detail },
        { QStringLiteral("prevHash"), QString::fromLatin1(prevHash) },
        { QStringLiteral("hash"), QString::fromLatin1(hash) },
    };
}

std::optional<AuditEvent> AuditEvent::fromJson(const QJsonObject &object, QString *error)
{
    JsonReader r(object);
    AuditEvent e;
    e.seq = r.sequence(QStringLiteral("seq"));
    e.at = r.time(QStringLiteral("at"));
    e.actor = r.text(QStringLiteral("actor"));
    e.kind = r.text(QStringLiteral("kind"));
    e.secretName = r.text(QStringLiteral("secret"));
    e.leaseId = r.text(QStringLiteral("leaseId"));
    e.namespaceName = r.text(QStringLiteral("namespace"));
    e.serviceAccount = r.text(QStringLiteral("serviceAccount"));
    e.jti = r.text(QStringLiteral("jti"));
    e.expiresAt = r.time(QStringLiteral("expiresAt"));
    e.detail = r.text(QStringLiteral("detail"));
    e.prevHash = r.hash(QStringLiteral("prevHash"));
    e.hash = r.hash(QStringLiteral("hash"));
    if (!r.ok()) {
        if (error)
            *error = r.error();
        return std::nullopt;
    }
    return e;
}

QByteArray AuditEvent::signedContent() const
{
    return QByteArrayLiteral("kms-audit-signature-v1\n") + canonicalContent();
}

} // namespace kms
