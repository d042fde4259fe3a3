#include "leases/DatabaseReconnector.h"

#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/LeaseNotifications.h"

#include <QCoro/QCoroAbstractSocket>
#include <QCoro/QCoroSignal>
#include <QPointer>
#include <QTcpSocket>

#include <openssl/crypto.h>

#include <algorithm>

namespace kms {

DatabaseReconnector::DatabaseReconnector(Database &db, CredentialVault *vault, const QString &passwordKey,
    LeaseNotifications *notifications, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_vault(vault)
    , m_passwordKey(passwordKey)
    , m_notifications(notifications)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, [this] {
        if (!m_attempting && m_reported)
            QCoro::connect(attempt(), this, [](bool) {});
    });
    // Found inside the statement that failed: act after it has returned.
    m_db.setConnectionLostHandler(
        [this] { QMetaObject::invokeMethod(this, &DatabaseReconnector::onLost, Qt::QueuedConnection); });
    if (m_notifications)
        connect(m_notifications, &LeaseNotifications::listeningLost, this, &DatabaseReconnector::onLost);
}

DatabaseReconnector::~DatabaseReconnector()
{
    m_db.setConnectionLostHandler({});
}

void DatabaseReconnector::setDelays(std::chrono::milliseconds first, std::chrono::milliseconds max)
{
    m_first = first;
    m_max = max;
    m_delay = first;
}

bool DatabaseReconnector::isConnected() const
{
    return !m_db.isConnectionLost();
}

QString DatabaseReconnector::problem() const
{
    return m_db.isConnectionLost() ? m_db.unreachableMessage() : QString();
}

void DatabaseReconnector::onLost()
{
    if (m_reported || !m_db.isConnectionLost())
        return;
    m_reported = true;
    m_delay = m_first;
    emit connectionLost(m_db.unreachableMessage());
    if (!m_attempting)
        m_retry.start(m_delay);
}

void DatabaseReconnector::reconnectNow()
{
    if (!m_reported || m_attempting)
        return;
    m_retry.stop();
    QCoro::connect(attempt(), this, [](bool) {});
}

QCoro::Task<QString> DatabaseReconnector::probe(QString host, int port, std::chrono::milliseconds timeout)
{
    if (host.startsWith(QLatin1Char('/')))
        co_return QString();
    QTcpSocket socket;
    socket.connectToHost(host, quint16(port));
    // Until connected, refused (the socket is unconnected again) or the time is up;
    // QCoro's waitForConnected() would wait out the whole timeout on a refusal.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (socket.state() != QAbstractSocket::ConnectedState
        && socket.state() != QAbstractSocket::UnconnectedState) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds::zero()
            || !co_await qCoro(&socket, &QAbstractSocket::stateChanged, left))
            break;
    }
    if (socket.state() == QAbstractSocket::ConnectedState) {
        socket.abort();
        co_return QString();
    }
    QString why = socket.errorString();
    if (socket.state() != QAbstractSocket::UnconnectedState
        || socket.error() == QAbstractSocket::UnknownSocketError || why.isEmpty())
        why = QStringLiteral("no answer within %1 s").arg(std::max<qint64>(1, timeout.count() / 1000));
    socket.abort();
    co_return why;
}

QCoro::Task<bool> DatabaseReconnector::serverAnswers()
{
    QPointer<DatabaseReconnector> alive(this);
    const QString why = co_await probe(m_db.serverHost(), m_db.serverPort());
    if (!alive)
        co_return false;
    if (why.isEmpty())
        co_return true;
    m_db.setUnreachableDetail(why);
    co_return false;
}

QCoro::Task<bool> DatabaseReconnector::attempt()
{
    m_attempting = true;
    QPointer<DatabaseReconnector> alive(this);
    // Connecting (libpq) blocks until the server answers or connect_timeout
    // passes: first ask, without blocking, whether anything answers at all.
    const bool answers = co_await serverAnswers();
    if (!alive)
        co_return false;
    if (!answers) {
        m_attempting = false;
        failed();
        co_return false;
    }
    QByteArray password;
    if (m_vault && !m_passwordKey.isEmpty()) {
        VaultResult stored = co_await m_vault->get(m_passwordKey);
        if (!alive) {
            if (!stored.value.isEmpty())
                OPENSSL_cleanse(stored.value.data(), std::size_t(stored.value.size()));
            co_return false;
        }
        password = std::move(stored.value);
    }
    bool ok = m_db.reconnect(password);
    if (!password.isEmpty())
        OPENSSL_cleanse(password.data(), std::size_t(password.size()));
    password.clear();
    // LISTEN again on the new connection; failing that, the connection is not back.
    if (ok && m_notifications && !m_notifications->start())
        ok = m_db.checkConnection() && m_notifications->start();
    m_attempting = false;
    if (ok) {
        m_reported = false;
        m_delay = m_first;
        emit reconnected();
        co_return true;
    }
    failed();
    co_return false;
}

void DatabaseReconnector::failed()
{
    m_reported = true;
    m_delay = std::min(m_delay * 2, m_max);
    m_retry.start(m_delay);
    const QString message = m_db.isConnectionLost() ? m_db.unreachableMessage() : m_db.lastError();
    emit attemptFailed(message, qint64(m_delay.count()));
}

} // namespace kms
