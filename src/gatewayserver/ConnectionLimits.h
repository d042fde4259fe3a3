#pragma once

#include <QtGlobal>

#include <chrono>

namespace kms {

// What one client connection of hanzo-kms-gateway may take: bytes, time, and
// how many connections there may be. QAbstractHttpServer reads whole requests
// into memory before the gateway sees them; ConnectionGuard enforces these
// first. The defaults suit the desktop's calls (a few KiB each).
struct ConnectionLimits {
    static constexpr qint64 DefaultMaxBodyBytes = 1024 * 1024;
    static constexpr qint64 DefaultMaxHeaderBytes = 32 * 1024;

    // A request's body; larger ones get 413 before they are read.
    qint64 maxBodyBytes = DefaultMaxBodyBytes;
    // The request line and headers together; more get 431.
    qint64 maxHeaderBytes = DefaultMaxHeaderBytes;
    // Header fields in one request (QAbstractHttpServer's own parser stops at 100).
    int maxHeaderFields = 100;
    // The TLS handshake, and a request's first byte to the end of its headers.
    std::chrono::milliseconds headerTimeout { std::chrono::seconds(10) };
    // The end of a request's headers to the end of its body.
    std::chrono::milliseconds bodyTimeout { std::chrono::seconds(30) };
    // A connection with no request under way (before the first, between two).
    std::chrono::milliseconds idleTimeout { std::chrono::seconds(60) };
    // A complete request to the start of its answer: the server's own work,
    // bounded elsewhere; past this the connection is closed.
    std::chrono::milliseconds answerTimeout { std::chrono::seconds(70) };
    // Open connections, all clients together; more are closed when accepted.
    int maxConnections = 128;
    // Open connections of one client (certificate subject, or peer address without one).
    int maxConnectionsPerClient = 32;
    // The bodies of all requests being received at once (QAbstractHttpServer
    // holds each about three times over); a request that would go over gets
    // 503 with Retry-After. Bodies announced no larger than UnbudgetedBodyBytes
    // do not count: the desktop's own calls (a few KiB) never wait for a flood
    // of large ones. Chunked bodies always count, as they arrive.
    qint64 maxBodyBytesInFlight = 4 * DefaultMaxBodyBytes;
    static constexpr qint64 UnbudgetedBodyBytes = 64 * 1024;
};

} // namespace kms
