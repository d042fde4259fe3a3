#include "gatewayserver/AccessLog.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace kms {

AccessLog::AccessLog(std::FILE *out, QObject *parent)
    : QObject(parent)
    , m_out(out)
{
}

QByteArray AccessLog::line(const Entry &entry)
{
    QString path = entry.path;
    if (path.size() > MaxPathLength)
        path = path.left(MaxPathLength) + QStringLiteral("...");
    QJsonObject object { { QStringLiteral("time"), entry.time.toUTC().toString(Qt::ISODateWithMs) },
        { QStringLiteral("client"), entry.client.isEmpty() ? QStringLiteral("-") : entry.client },
        { QStringLiteral("verb"), QString::fromLatin1(entry.verb.isEmpty() ? QByteArray("-") : entry.verb) },
        { QStringLiteral("path"), path.isEmpty() ? QStringLiteral("-") : path },
        { QStringLiteral("status"), entry.status },
        { QStringLiteral("decision"),
            entry.verdict.allowed ? QStringLiteral("allow") : QStringLiteral("deny") },
        { QStringLiteral("reason"), entry.verdict.reason } };
    if (entry.milliseconds >= 0)
        object.insert(QStringLiteral("ms"), entry.milliseconds);
    if (!entry.identity.isEmpty())
        object.insert(QStringLiteral("identity"), entry.identity);
    // Compact JSON escapes control characters: a line break sent in a path stays inside its line.
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

void AccessLog::record(const Entry &entry)
{
    const QByteArray text = line(entry);
    if (m_out) {
        std::fwrite(text.constData(), 1, size_t(text.size()), m_out);
        std::fputc('\n', m_out);
        std::fflush(m_out);
    }
    emit logged(QString::fromUtf8(text));
}

} // namespace kms
