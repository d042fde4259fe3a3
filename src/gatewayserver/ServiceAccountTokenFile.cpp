#include "gatewayserver/ServiceAccountTokenFile.h"

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

namespace kms {

namespace {
Q_LOGGING_CATEGORY(lcToken, "kms.gateway")
constexpr qint64 MaxTokenBytes = 64 * 1024;
constexpr qint64 ForcedRereadMs = 60 * 1000;
} // namespace

ServiceAccountTokenFile::ServiceAccountTokenFile(QString path)
    : m_path(std::move(path))
{
}

QByteArray ServiceAccountTokenFile::token() const
{
    QMutexLocker lock(&m_mutex);
    refresh();
    return m_token;
}

QString ServiceAccountTokenFile::problem() const
{
    QMutexLocker lock(&m_mutex);
    refresh();
    return m_problem;
}

void ServiceAccountTokenFile::refresh() const
{
    const QFileInfo info(m_path);
    const QString stamp = info.canonicalFilePath() + QLatin1Char('|') + QString::number(info.size())
        + QLatin1Char('|') + QString::number(info.lastModified().toMSecsSinceEpoch());
    if (stamp == m_stamp && m_sinceRead.isValid() && m_sinceRead.elapsed() < ForcedRereadMs)
        return;
    QFile file(m_path);
    QString problem;
    QByteArray token;
    if (!file.open(QIODevice::ReadOnly)) {
        problem = QStringLiteral("The token file %1 cannot be read: %2.").arg(m_path, file.errorString());
    } else {
        token = file.read(MaxTokenBytes + 1).trimmed();
        if (token.size() > MaxTokenBytes)
            problem
                = QStringLiteral("The token file %1 is larger than 64 KiB; it is not a token.").arg(m_path);
        else if (token.isEmpty())
            problem = QStringLiteral("The token file %1 is empty.").arg(m_path);
        else if (token.contains('\n') || token.contains(' '))
            problem
                = QStringLiteral("The token file %1 holds more than one line; it must hold only the token.")
                      .arg(m_path);
    }
    m_sinceRead.start();
    if (!problem.isEmpty()) {
        // Keep the last good token: a file being replaced may be briefly missing.
        if (problem != m_problem)
            qCWarning(lcToken).noquote()
                << problem << (m_token.isEmpty() ? QString() : QStringLiteral("Keeping the last token."));
        m_problem = problem;
        m_stamp.clear();
        return;
    }
    if (!m_token.isEmpty() && token != m_token)
        qCInfo(lcToken).noquote() << "The service account token in" << m_path
                                  << "changed; using the new one.";
    m_token = token;
    m_stamp = stamp;
    m_problem.clear();
}

} // namespace kms
