#include "gatewayserver/ServiceAccountTokenFile.h"

#include "core/BearerToken.h"
#include "core/BoundedRead.h"
#include "core/DisplayText.h"

#include <QFileInfo>
#include <QLoggingCategory>

namespace kms {

namespace {
Q_LOGGING_CATEGORY(lcToken, "kms.gateway")
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
    QString problem;
    const BoundedRead file = BoundedRead::fromFile(m_path, BearerToken::MaxFileBytes);
    const QByteArray token = file.data.trimmed();
    if (file.status == BoundedRead::Status::TooLarge)
        problem = QStringLiteral("The token file %1 is larger than %2; it is not a token.")
                      .arg(escapeControls(m_path), describeSize(file.limit));
    else if (!file.ok())
        problem = QStringLiteral("The token file %1 cannot be read: %2.")
                      .arg(escapeControls(m_path), escapeControls(file.error));
    else if (const QString why = BearerToken::problem(token); !why.isEmpty())
        problem = QStringLiteral("The token in %1 %2.").arg(escapeControls(m_path), why);
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
