#include "store/PostgresUrl.h"

#include "core/DisplayText.h"

#include <QUrl>
#include <QUrlQuery>

namespace kms {

namespace {

const QStringList SslModes = { QStringLiteral("disable"), QStringLiteral("allow"), QStringLiteral("prefer"),
    QStringLiteral("require"), QStringLiteral("verify-ca"), QStringLiteral("verify-full") };

// The query parameters a profile URL may carry; libpq reads them.
const QStringList Parameters = { QStringLiteral("sslmode"), QStringLiteral("sslrootcert"),
    QStringLiteral("sslcert"), QStringLiteral("sslkey"), QStringLiteral("sslcrl"),
    QStringLiteral("connect_timeout"), QStringLiteral("application_name") };

bool hasControlOrSpace(QStringView text)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u <= 0x20 || u == 0x7f || (u >= 0x80 && u <= 0x9f) || c.category() == QChar::Other_Format
            || c.category() == QChar::Separator_Line || c.category() == QChar::Separator_Paragraph)
            return true;
    }
    return false;
}

bool hasControl(QStringView text)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u == 0x7f || (u >= 0x80 && u <= 0x9f) || c.category() == QChar::Other_Format
            || c.category() == QChar::Separator_Line || c.category() == QChar::Separator_Paragraph)
            return true;
    }
    return false;
}

// A value in libpq's key='value' syntax.
QString conninfoQuoted(const QString &value)
{
    QString out = value;
    out.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    out.replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

const QString Example = QStringLiteral("postgresql://USER@HOST:5432/DATABASE?sslmode=verify-full");

} // namespace

bool PostgresUrl::looksLikeUrl(const QString &text)
{
    return text.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive)
        || text.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
}

std::optional<PostgresUrl> PostgresUrl::parse(const QString &text, QString *error)
{
    const auto refuse = [&](const QString &why) -> std::optional<PostgresUrl> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    if (text.isEmpty())
        return refuse(QStringLiteral("give a PostgreSQL URL, e.g. %1.").arg(Example));
    if (text.size() > MaxLength)
        return refuse(QStringLiteral("the URL is longer than %1 characters.").arg(MaxLength));
    // The text is never echoed: a mistyped URL may still hold a password.
    if (hasControlOrSpace(text))
        return refuse(QStringLiteral("the URL contains spaces or control characters; percent-encode them "
                                     "(%20 for a space)."));
    if (!looksLikeUrl(text))
        return refuse(QStringLiteral("this is not a PostgreSQL URL; it starts with postgresql://, e.g. %1.")
                          .arg(Example));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return refuse(QStringLiteral("this is not a valid URL (check the port and any %-escapes); e.g. %1.")
                          .arg(Example));
    if (!url.password().isEmpty()
        || url.authority().section(QLatin1Char('@'), 0, -2).contains(QLatin1Char(':')))
        return refuse(
            QStringLiteral("the URL must not carry a password: remove it from the URL and store it "
                           "in the keychain with \"hanzo-kmsctl profile set-password --password-stdin\"."));
    if (!url.fragment().isNull())
        return refuse(QStringLiteral("the URL must not have a #fragment; e.g. %1.").arg(Example));

    PostgresUrl result;
    result.m_host = url.host(QUrl::FullyDecoded);
    if (result.m_host.isEmpty())
        return refuse(QStringLiteral("the URL names no host; e.g. %1.").arg(Example));
    result.m_port = url.port(DefaultPort);
    if (result.m_port < 1 || result.m_port > 65535)
        return refuse(QStringLiteral("the URL's port must be between 1 and 65535."));
    result.m_user = url.userName(QUrl::FullyDecoded);
    const QString path = url.path(QUrl::FullyDecoded);
    result.m_database = path.mid(1);
    if (!path.startsWith(QLatin1Char('/')) || result.m_database.isEmpty())
        return refuse(QStringLiteral("the URL names no database; add it as the path, e.g. %1.").arg(Example));
    if (result.m_database.contains(QLatin1Char('/')))
        return refuse(QStringLiteral("the URL's path must be one database name, not %1.")
                          .arg(quoted(result.m_database)));
    if (hasControl(result.m_user) || hasControl(result.m_database) || hasControl(result.m_host))
        return refuse(QStringLiteral("the URL's user, host or database contains control characters."));

    const QList<QPair<QString, QString>> items = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
    for (const auto &[key, value] : items) {
        if (key == QLatin1String("password"))
            return refuse(
                QStringLiteral("the URL must not carry a password: remove it from the URL and store "
                               "it in the keychain with \"hanzo-kmsctl profile set-password "
                               "--password-stdin\"."));
        if (!Parameters.contains(key))
            return refuse(QStringLiteral("the URL's parameter %1 is not supported; use %2.")
                              .arg(quoted(key), Parameters.join(QStringLiteral(", "))));
        for (const auto &[seen, unused] : std::as_const(result.m_parameters)) {
            Q_UNUSED(unused)
            if (seen == key)
                return refuse(QStringLiteral("the URL gives %1 twice.").arg(key));
        }
        // Qt's QPSQL driver turns every ';' of its options into a space.
        if (hasControl(value) || value.contains(QLatin1Char(';')) || value.isEmpty())
            return refuse(QStringLiteral("the URL's %1 must be a non-empty value without control characters "
                                         "or ';'.")
                              .arg(key));
        if (key == QLatin1String("sslmode") && !SslModes.contains(value))
            return refuse(QStringLiteral("the URL's sslmode %1 is not one of %2.")
                              .arg(quoted(value), SslModes.join(QStringLiteral(", "))));
        if (key == QLatin1String("connect_timeout")) {
            bool ok = false;
            const int seconds = value.toInt(&ok);
            if (!ok || seconds < 1 || seconds > 600)
                return refuse(
                    QStringLiteral("the URL's connect_timeout must be a number of seconds from 1 to "
                                   "600, not %1.")
                        .arg(quoted(value)));
        }
        result.m_parameters.append({ key, value });
    }
    return result;
}

QString PostgresUrl::identity() const
{
    const QString host
        = m_host.contains(QLatin1Char(':')) ? QLatin1Char('[') + m_host + QLatin1Char(']') : m_host;
    const QString user = m_user.isEmpty() ? QString() : m_user + QLatin1Char('@');
    return QStringLiteral("%1%2:%3/%4").arg(user, host).arg(m_port).arg(m_database);
}

QString PostgresUrl::toString() const
{
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setHost(m_host);
    url.setPort(m_port);
    if (!m_user.isEmpty())
        url.setUserName(m_user);
    url.setPath(QLatin1Char('/') + m_database);
    if (!m_parameters.isEmpty()) {
        QUrlQuery query;
        query.setQueryItems(m_parameters);
        url.setQuery(query);
    }
    return url.toString(QUrl::FullyEncoded);
}

QString PostgresUrl::passwordKey() const
{
    return QStringLiteral("postgresql-password/") + identity();
}

QString PostgresUrl::connectOptions() const
{
    QStringList options;
    bool timeout = false;
    for (const auto &[key, value] : m_parameters) {
        options << key + QLatin1Char('=') + conninfoQuoted(value);
        timeout = timeout || key == QLatin1String("connect_timeout");
    }
    if (!timeout)
        options << QStringLiteral("connect_timeout=%1").arg(DefaultConnectTimeout);
    return options.join(QLatin1Char(';'));
}

} // namespace kms
