#include "TimeText.h"

#include <QCoreApplication>

namespace kms::ui {

namespace {

QString span(qint64 s)
{
    const qint64 d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
    if (d > 0)
        return QCoreApplication::translate("TimeText", "%1d %2h").arg(d).arg(h);
    if (h > 0)
        return QCoreApplication::translate("TimeText", "%1h %2m").arg(h).arg(m, 2, 10, QLatin1Char('0'));
    if (m > 0)
        return QCoreApplication::translate("TimeText", "%1m %2s").arg(m).arg(sec, 2, 10, QLatin1Char('0'));
    return QCoreApplication::translate("TimeText", "%1s").arg(sec); // "expired 26s ago", not "0m 26s"
}

} // namespace

QString TimeText::relative(const QDateTime &when, const QDateTime &now)
{
    if (!when.isValid())
        return QString();
    const qint64 s = now.secsTo(when);
    if (s > 0)
        return QCoreApplication::translate("TimeText", "in %1").arg(span(s));
    if (s == 0)
        return QCoreApplication::translate("TimeText", "expired just now");
    return QCoreApplication::translate("TimeText", "expired %1 ago").arg(span(-s));
}

QString TimeText::absolute(const QDateTime &when)
{
    if (!when.isValid())
        return QString();
    return when.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

} // namespace kms::ui
