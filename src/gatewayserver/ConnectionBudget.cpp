#include "gatewayserver/ConnectionBudget.h"

#include <algorithm>

namespace kms {

ConnectionBudget::ConnectionBudget(const ConnectionLimits &limits)
    : m_limits(limits)
{
    // One request of the largest size always fits.
    m_limits.maxBodyBytesInFlight = std::max(m_limits.maxBodyBytesInFlight, m_limits.maxBodyBytes);
}

bool ConnectionBudget::admit(const QString &client)
{
    int &count = m_perClient[client];
    if (count >= m_limits.maxConnectionsPerClient) {
        if (count == 0)
            m_perClient.remove(client);
        return false;
    }
    ++count;
    return true;
}

void ConnectionBudget::leave(const QString &client)
{
    const auto it = m_perClient.find(client);
    if (it == m_perClient.end())
        return;
    if (--it.value() <= 0)
        m_perClient.erase(it);
}

bool ConnectionBudget::reserveBody(qint64 bytes)
{
    if (bytes > m_limits.maxBodyBytesInFlight - m_bodyBytes)
        return false;
    m_bodyBytes += bytes;
    return true;
}

void ConnectionBudget::releaseBody(qint64 bytes)
{
    m_bodyBytes = std::max<qint64>(0, m_bodyBytes - bytes);
}

} // namespace kms
