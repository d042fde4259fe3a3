#include "gatewayserver/GatewayOptions.h"

#include "core/Duration.h"
#include "core/Names.h"
#include "gatewayserver/UpstreamTransport.h"

#include <QHostAddress>

namespace kms {

namespace {

std::optional<std::chrono::seconds> readDuration(
    const QString &name, const QString &text, bool offAllowed, QString *error)
{
    if (offAllowed && (text == QLatin1String("0") || text == QLatin1String("off")))
        return std::chrono::seconds(0);
    const std::optional<Duration> d = Duration::parse(text);
    if (!d || d->seconds() <= 0) {
        *error = QStringLiteral("%1: \"%2\" is not a duration (e.g. 30s, 5m, 1h)%3.")
                     .arg(name, text, offAllowed ? QStringLiteral(" or 0 for off") : QString());
        return std::nullopt;
    }
    return std::chrono::seconds(d->seconds());
}

bool setTimeout(std::chrono::milliseconds &timeout, const QString &name, const QString &text, QString *error)
{
    const auto seconds = readDuration(name, text, false, error);
    if (!seconds)
        return false;
    timeout = *seconds;
    return true;
}

bool setCount(int &count, const QString &name, const QString &text, QString *error)
{
    bool ok = false;
    const int n = text.toInt(&ok);
    if (!ok || n < 1 || n > GatewayOptions::MaxConnectionCount) {
        *error = QStringLiteral("%1 must be a number between 1 and %2.")
                     .arg(name)
                     .arg(GatewayOptions::MaxConnectionCount);
        return false;
    }
    count = n;
    return true;
}

} // namespace

std::optional<ListenAddress> ListenAddress::parse(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return std::nullopt;
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (QHostAddress(host).isNull())
        return std::nullopt;
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535)
        return std::nullopt;
    return ListenAddress { host, quint16(port) };
}

QString ListenAddress::toString() const
{
    if (host.contains(QLatin1Char(':')))
        return QStringLiteral("[%1]:%2").arg(host).arg(port);
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

GatewayOptions GatewayOptions::inPod(const QProcessEnvironment &env)
{
    GatewayOptions options;
    const QString dir = QString::fromLatin1(UpstreamTransport::ServiceAccountDir);
    options.kubeUrl = UpstreamTransport::inClusterUrl(env);
    options.kubeCaFile = dir + QStringLiteral("/ca.crt");
    options.kubeTokenFile = dir + QStringLiteral("/token");
    return options;
}

bool GatewayOptions::setListen(const QString &name, const QString &text, QString *error)
{
    const std::optional<ListenAddress> address = ListenAddress::parse(text);
    if (!address) {
        *error = QStringLiteral("%1 \"%2\" is not ADDRESS:PORT.").arg(name, text);
        return false;
    }
    listen = *address;
    return true;
}

bool GatewayOptions::setHealthListen(const QString &name, const QString &text, QString *error)
{
    if (text == QLatin1String("off")) {
        healthListen.reset();
        return true;
    }
    const std::optional<ListenAddress> address = ListenAddress::parse(text);
    if (!address) {
        *error = QStringLiteral("%1 \"%2\" is not ADDRESS:PORT or off.").arg(name, text);
        return false;
    }
    healthListen = *address;
    return true;
}

bool GatewayOptions::setMaxRequestBytes(const QString &name, const QString &text, QString *error)
{
    bool ok = false;
    const qint64 bytes = text.toLongLong(&ok);
    if (!ok || bytes < MinRequestBytes || bytes > MaxRequestBytes) {
        *error = QStringLiteral("%1 must be a number between %2 and %3.")
                     .arg(name)
                     .arg(MinRequestBytes)
                     .arg(MaxRequestBytes);
        return false;
    }
    connection.maxBodyBytes = bytes;
    return true;
}

bool GatewayOptions::setHeaderTimeout(const QString &name, const QString &text, QString *error)
{
    return setTimeout(connection.headerTimeout, name, text, error);
}

bool GatewayOptions::setBodyTimeout(const QString &name, const QString &text, QString *error)
{
    return setTimeout(connection.bodyTimeout, name, text, error);
}

bool GatewayOptions::setIdleTimeout(const QString &name, const QString &text, QString *error)
{
    return setTimeout(connection.idleTimeout, name, text, error);
}

bool GatewayOptions::setMaxConnections(const QString &name, const QString &text, QString *error)
{
    return setCount(connection.maxConnections, name, text, error);
}

bool GatewayOptions::setMaxClientConnections(const QString &name, const QString &text, QString *error)
{
    return setCount(connection.maxConnectionsPerClient, name, text, error);
}

bool GatewayOptions::setUpstreamTimeout(const QString &name, const QString &text, QString *error)
{
    const auto seconds = readDuration(name, text, false, error);
    if (!seconds)
        return false;
    upstreamTimeout = *seconds;
    return true;
}

bool GatewayOptions::setReapInterval(const QString &name, const QString &text, QString *error)
{
    const auto seconds = readDuration(name, text, true, error);
    if (!seconds)
        return false;
    reapInterval = *seconds;
    return true;
}

bool GatewayOptions::addReapNamespaces(const QString &name, const QString &text, QString *error)
{
    QStringList names;
    for (const QString &part : text.split(QLatin1Char(','))) {
        const QString ns = part.trimmed();
        if (!Names::isDns1123Label(ns)) {
            *error = QStringLiteral("%1: \"%2\" is not a namespace name; give a comma-separated list such "
                                    "as team-a,team-b.")
                         .arg(name, ns);
            return false;
        }
        names << ns;
    }
    reapNamespaces << names;
    return true;
}

} // namespace kms
