#pragma once

#include "gatewayserver/AccessLog.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <memory>

class QTcpSocket;

namespace kms {

class ConnectionBudget;

// Bounds one client connection before QAbstractHttpServer reads it (Qt 6.4
// reads a whole request, body included, into memory, and keeps a slow client
// forever). Made as soon as the connection is accepted, its readyRead slot
// runs before the HTTP server's and looks at each byte as it arrives without
// taking it: it finds the end of a request's header block, reads
// Content-Length and Transfer-Encoding, counts the body (chunk by chunk when
// chunked), and answers itself, then closes the connection, when a limit is
// passed: 431 for a header block over the limit, 413 for a body over it
// (announced or counted), 408 when headers or body take too long, 429 for a
// client with too many connections, 503 when all bodies under way would pass
// the memory budget, 400/501 for what the gateway does not accept (a request
// line or header QAbstractHttpServer would misread, both Content-Length and
// Transfer-Encoding, other codings). Idle connections are closed, and so is a
// connection whose answer does not come. Every refusal is one access log line.
//
// It relies on QAbstractHttpServer reading each request up to its last byte
// and no further, and on nothing else reading the socket; a client that sends
// the next request before the answer to the last one (pipelining, which
// neither QNetworkAccessManager nor kubectl does) is disconnected.
class ConnectionGuard : public QObject {
    Q_OBJECT

public:
    // Longest a refused connection is kept open to read and drop what the
    // client is still sending (so the client reads the answer instead of a
    // reset), and how much is dropped at most.
    static constexpr std::chrono::milliseconds DrainTimeout { 2000 };
    static constexpr qint64 MaxDrainBytes = 8 * 1024 * 1024;
    // A chunk-size line longer than this is not one.
    static constexpr qsizetype MaxChunkLineBytes = 256;
    // The socket buffers at most what the request under way can still need, plus this.
    static constexpr qint64 ReadBufferSlack = 64 * 1024;

    // Watches socket, which nothing may have read or connected to yet; becomes its child.
    // The connection counts as open from now until the guard ends with its socket.
    ConnectionGuard(QTcpSocket *socket, std::shared_ptr<ConnectionBudget> budget, AccessLog *log);
    ~ConnectionGuard() override;

    // When the TLS handshake is done (at once without TLS): counts the
    // connection against its client's share. False when the client has too
    // many connections; then the guard has answered 429 and is closing it.
    bool admit();

    // The client's certificate subject ("CN=desk-1,O=Hanzo KMS"); the peer address without a certificate.
    static QString clientOf(const QTcpSocket *socket);
    // A Kubernetes Status object (compact JSON) for an error the gateway answers itself.
    static QByteArray statusBody(int code, const QString &reason, const QString &message);

private:
    enum class Phase {
        Handshake, // TLS under way
        Idle, // no request under way
        Head, // request line and headers
        Body,
        Handling, // the request is complete; the gateway is answering
        Closing, // refused: the answer is written, what arrives is dropped
    };
    enum class Chunk { Size, Data, DataEnd, LastEnd };

    void onReadyRead();
    void onBytesWritten();
    void onTimeout();
    void drain();
    // From here on the HTTP server reads nothing more of this connection.
    void stopHttpServerReading();
    void enter(Phase phase);

    qsizetype takeHead(QByteArrayView bytes);
    bool takeRequestLine(QByteArrayView line);
    qsizetype takeChunked(QByteArrayView bytes);
    void headComplete();
    void requestComplete();
    bool countBody(qint64 bytes);
    void refuseBusy(); // 503: the body budget is spent

    // Answers status itself (a Status body), logs the refusal and closes the connection.
    void refuse(int status, const QByteArray &phrase, const QString &reason, const QString &message,
        bool retryLater = false);
    // Closes the connection with no answer (one may be under way), logging why.
    void abortConnection(int status, const QString &reason);
    void log(int status, const QString &reason);
    void releaseBody();

    QTcpSocket *m_socket;
    std::shared_ptr<ConnectionBudget> m_budget;
    QPointer<AccessLog> m_log;
    QTimer m_timer;
    Phase m_phase = Phase::Handshake;
    QString m_client;
    bool m_admitted = false;

    // The request under way.
    QByteArray m_head; // request line and headers, as far as they have come
    qsizetype m_lineStart = 0; // where the line being read starts in m_head
    int m_fields = 0;
    QByteArray m_verb;
    QString m_path;
    bool m_chunked = false;
    qint64 m_remaining = 0; // body bytes still to come (Content-Length), or of this chunk
    qint64 m_bodyBytes = 0; // body bytes seen, chunk framing included
    qint64 m_reserved = 0; // of the budget's body bytes
    Chunk m_chunk = Chunk::Size;
    QByteArray m_chunkLine;
    int m_crlfSeen = 0;

    qint64 m_drained = 0;
};

} // namespace kms
