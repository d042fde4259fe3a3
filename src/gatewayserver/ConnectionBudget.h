#pragma once

#include "gatewayserver/ConnectionLimits.h"

#include <QHash>
#include <QString>

namespace kms {

// What the connections of one listening server hold together: how many are
// open, per client and in all, and how many body bytes are being received.
// Shared by the server and its ConnectionGuards, which give back what they
// took when they end.
class ConnectionBudget {
public:
    explicit ConnectionBudget(const ConnectionLimits &limits);

    const ConnectionLimits &limits() const { return m_limits; }

    bool canOpen() const { return m_open < m_limits.maxConnections; }
    void opened() { ++m_open; }
    void closed() { --m_open; }
    int open() const { return m_open; }

    // False when the client already has its share of connections.
    bool admit(const QString &client);
    void leave(const QString &client);
    int connectionsOf(const QString &client) const { return m_perClient.value(client); }

    // False when the bytes would take the bodies under way past the budget.
    bool reserveBody(qint64 bytes);
    void releaseBody(qint64 bytes);
    qint64 bodyBytesInFlight() const { return m_bodyBytes; }

private:
    ConnectionLimits m_limits;
    int m_open = 0;
    QHash<QString, int> m_perClient;
    qint64 m_bodyBytes = 0;
};

} // namespace kms
