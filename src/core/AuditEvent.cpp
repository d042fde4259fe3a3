#include "core/AuditEvent.h"

#include <QCryptographicHash>
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

} // namespace kms
