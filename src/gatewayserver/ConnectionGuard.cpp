#include "gatewayserver/ConnectionGuard.h"

#include "gatewayserver/ConnectionBudget.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSslSocket>
#include <QTcpSocket>

#include <algorithm>

namespace kms {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

// An HTTP token (a method, a field name), as QAbstractHttpServer's header parser checks it.
bool isToken(QByteArrayView text)
{
    static constexpr QByteArrayView extra = "!#$%&'*+-.^_`|~";
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || extra.contains(c)))
            return false;
    }
    return true;
}

QByteArrayView withoutLineEnd(QByteArrayView line)
{
    if (line.endsWith('\n'))
        line.chop(1);
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

// A Content-Length value: digits only, as QAbstractHttpServer reads it; -1 otherwise.
qint64 parseLength(QByteArrayView value)
{
    if (value.isEmpty() || value.size() > 18)
        return -1;
    qint64 n = 0;
    for (const char c : value) {
        if (c < '0' || c > '9')
            return -1;
        n = n * 10 + (c - '0');
    }
    return n;
}

// A chunk size: hexadecimal digits, then an optional ";extension"; -1 otherwise.
qint64 parseChunkSize(QByteArrayView line)
{
    const qsizetype semicolon = line.indexOf(';');
    if (semicolon >= 0)
        line = line.first(semicolon);
    if (line.isEmpty() || line.size() > 15)
        return -1;
    qint64 n = 0;
    for (const char c : line) {
        int digit = -1;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        if (digit < 0)
            return -1;
        n = n * 16 + digit;
    }
    return n;
}

QString seconds(std::chrono::milliseconds d)
{
    return QString::number(double(d.count()) / 1000.0);
}

} // namespace

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, std::shared_ptr<ConnectionBudget> budget, AccessLog *log)
    : QObject(socket)
    , m_socket(socket)
    , m_budget(std::move(budget))
    , m_log(log)
{
    m_budget->opened();
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ConnectionGuard::onTimeout);
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::onReadyRead);
    connect(m_socket, &QIODevice::bytesWritten, this, &ConnectionGuard::onBytesWritten);
    enter(Phase::Handshake);
}

ConnectionGuard::~ConnectionGuard()
{
    releaseBody();
    if (m_admitted)
        m_budget->leave(m_client);
    m_budget->closed();
}

bool ConnectionGuard::admit()
{
    m_client = clientOf(m_socket);
    if (!m_budget->admit(m_client)) {
        refuse(429, "Too Many Requests",
            QStringLiteral("the client has %1 connections open, the most allowed")
                .arg(m_budget->limits().maxConnectionsPerClient),
            QStringLiteral("hanzo-kms-gateway allows %1 connections at once per client; close some and "
                           "retry.")
                .arg(m_budget->limits().maxConnectionsPerClient),
            true);
        return false;
    }
    m_admitted = true;
    enter(Phase::Idle);
    return true;
}

QString ConnectionGuard::clientOf(const QTcpSocket *socket)
{
    const auto *ssl = qobject_cast<const QSslSocket *>(socket);
    const QSslCertificate peer = ssl ? ssl->peerCertificate() : QSslCertificate();
    if (peer.isNull())
        return socket->peerAddress().toString();
    QStringList parts;
    for (const QByteArray &attribute : peer.subjectInfoAttributes()) {
        for (const QString &value : peer.subjectInfo(attribute))
            parts << QString::fromLatin1(attribute) + QLatin1Char('=') + value;
    }
    // No quotes or line breaks from a certificate into a log line.
    return parts.join(QLatin1Char(',')).replace(QLatin1Char('"'), QLatin1Char('\'')).simplified();
}

QByteArray ConnectionGuard::statusBody(int code, const QString &reason, const QString &message)
{
    const QJsonObject status { { QStringLiteral("kind"), QStringLiteral("Status") },
        { QStringLiteral("apiVersion"), QStringLiteral("v1") }, { QStringLiteral("metadata"), QJsonObject() },
        { QStringLiteral("status"), QStringLiteral("Failure") }, { QStringLiteral("message"), message },
        { QStringLiteral("reason"), reason }, { QStringLiteral("details"), QJsonObject() },
        { QStringLiteral("code"), code } };
    return QJsonDocument(status).toJson(QJsonDocument::Compact);
}

void ConnectionGuard::enter(Phase phase)
{
    m_phase = phase;
    const ConnectionLimits &limits = m_budget->limits();
    // Qt stops reading from the network when this much is waiting: what the
    // phase can need. The HTTP server's read transaction keeps the whole
    // request in the buffer until the request is complete.
    switch (phase) {
    case Phase::Handshake:
    case Phase::Idle:
    case Phase::Head:
        m_socket->setReadBufferSize(limits.maxHeaderBytes + ReadBufferSlack);
        break;
    case Phase::Body:
        m_socket->setReadBufferSize(
            m_head.size() + (m_chunked ? limits.maxBodyBytes : m_remaining) + ReadBufferSlack);
        break;
    case Phase::Handling:
        break;
    case Phase::Closing:
        m_socket->setReadBufferSize(ReadBufferSlack);
        break;
    }
    switch (phase) {
    case Phase::Handshake:
    case Phase::Head:
        m_timer.start(limits.headerTimeout);
        break;
    case Phase::Body:
        m_timer.start(limits.bodyTimeout);
        break;
    case Phase::Idle:
        m_head.clear();
        m_lineStart = 0;
        m_fields = 0;
        m_verb.clear();
        m_path.clear();
        m_chunked = false;
        m_remaining = 0;
        m_bodyBytes = 0;
        m_chunk = Chunk::Size;
        m_chunkLine.clear();
        m_crlfSeen = 0;
        releaseBody();
        m_timer.start(limits.idleTimeout);
        break;
    case Phase::Handling:
        m_timer.start(limits.answerTimeout);
        break;
    case Phase::Closing:
        m_timer.start(DrainTimeout);
        break;
    }
}

void ConnectionGuard::onReadyRead()
{
    if (m_phase == Phase::Closing) {
        drain();
        return;
    }
    // Everything available is new: the HTTP server, whose slot runs after
    // this one, reads all of it up to the end of the request under way.
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return;
    if (m_phase == Phase::Body && !m_chunked) {
        // Only counted, never copied.
        const qint64 taken = std::min(available, m_remaining);
        m_remaining -= taken;
        if (!countBody(taken))
            return;
        if (m_remaining == 0)
            requestComplete();
        if (available > taken)
            abortConnection(
                400, QStringLiteral("the client sent a request before the answer to the last one"));
        return;
    }
    const QByteArray fresh = m_socket->peek(available);
    const QByteArrayView bytes(fresh);
    qsizetype at = 0;
    while (at < bytes.size()) {
        switch (m_phase) {
        case Phase::Handshake: // no application data before the handshake is done
        case Phase::Handling:
            abortConnection(
                400, QStringLiteral("the client sent a request before the answer to the last one"));
            return;
        case Phase::Closing:
            return;
        case Phase::Idle:
            // QAbstractHttpServer skips white space before a request line; so does this.
            while (at < bytes.size() && isSpace(bytes[at]))
                ++at;
            if (at < bytes.size())
                enter(Phase::Head);
            break;
        case Phase::Head:
            at += takeHead(bytes.sliced(at));
            break;
        case Phase::Body:
            if (m_chunked) {
                at += takeChunked(bytes.sliced(at));
            } else {
                const qint64 taken = std::min<qint64>(bytes.size() - at, m_remaining);
                m_remaining -= taken;
                at += taken;
                if (!countBody(taken))
                    return;
                if (m_remaining == 0)
                    requestComplete();
            }
            break;
        }
    }
}

qsizetype ConnectionGuard::takeHead(QByteArrayView bytes)
{
    const ConnectionLimits &limits = m_budget->limits();
    qsizetype used = 0;
    while (used < bytes.size()) {
        const qsizetype newline = bytes.indexOf('\n', used);
        const qsizetype end = newline < 0 ? bytes.size() : newline + 1;
        if (m_head.size() + (end - used) > limits.maxHeaderBytes) {
            refuse(431, "Request Header Fields Too Large",
                QStringLiteral("request line and headers over %1 bytes").arg(limits.maxHeaderBytes),
                QStringLiteral("hanzo-kms-gateway accepts at most %1 bytes of request line and headers.")
                    .arg(limits.maxHeaderBytes));
            return bytes.size();
        }
        m_head.append(bytes.sliced(used, end - used));
        used = end;
        if (newline < 0)
            break;
        const QByteArrayView line = QByteArrayView(m_head).sliced(m_lineStart);
        const bool requestLine = m_lineStart == 0;
        m_lineStart = m_head.size();
        if (requestLine && !takeRequestLine(withoutLineEnd(line)))
            return bytes.size();
        if (!requestLine && withoutLineEnd(line).isEmpty()) {
            headComplete();
            return used;
        }
        if (!requestLine && ++m_fields > limits.maxHeaderFields) {
            refuse(431, "Request Header Fields Too Large",
                QStringLiteral("more than %1 header fields").arg(limits.maxHeaderFields),
                QStringLiteral("hanzo-kms-gateway accepts at most %1 header fields.")
                    .arg(limits.maxHeaderFields));
            return bytes.size();
        }
    }
    return used;
}

bool ConnectionGuard::takeRequestLine(QByteArrayView line)
{
    // METHOD SP /path SP HTTP/1.x: what QAbstractHttpServer reads, and only
    // that, so it never meets a request line it cannot parse.
    const QList<QByteArray> parts = line.toByteArray().split(' ');
    m_verb = parts.value(0).left(32);
    m_path = QString::fromLatin1(parts.value(1));
    if (parts.size() != 3 || !isToken(parts[0]) || !parts[1].startsWith('/')
        || (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0")) {
        refuse(400, "Bad Request", QStringLiteral("a request line that is not METHOD /path HTTP/1.1"),
            QStringLiteral("hanzo-kms-gateway reads request lines of the form METHOD /path HTTP/1.1 only."));
        return false;
    }
    return true;
}

void ConnectionGuard::headComplete()
{
    const QList<QByteArray> lines = m_head.split('\n');

    QList<QByteArray> lengths, encodings;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArrayView line = withoutLineEnd(lines[i]);
        if (line.isEmpty())
            continue;
        if (line.front() == ' ' || line.front() == '\t') {
            refuse(400, "Bad Request", QStringLiteral("a folded header line"),
                QStringLiteral("hanzo-kms-gateway does not accept header lines folded onto the next line."));
            return;
        }
        const qsizetype colon = line.indexOf(':');
        const QByteArray name = colon > 0 ? line.first(colon).toByteArray().toLower() : QByteArray();
        if (!isToken(name)) {
            // QAbstractHttpServer would drop every header of the request, Content-Length included.
            refuse(400, "Bad Request", QStringLiteral("a header line without a valid field name"),
                QStringLiteral("hanzo-kms-gateway got a header line that is not \"Name: value\"."));
            return;
        }
        const QByteArray value = line.sliced(colon + 1).toByteArray().trimmed();
        if (name == "content-length")
            lengths << value;
        else if (name == "transfer-encoding")
            encodings << value;
    }

    const ConnectionLimits &limits = m_budget->limits();
    if (!encodings.isEmpty()) {
        if (!lengths.isEmpty()) {
            refuse(400, "Bad Request", QStringLiteral("both Content-Length and Transfer-Encoding"),
                QStringLiteral("hanzo-kms-gateway does not accept a request with both Content-Length and "
                               "Transfer-Encoding."));
            return;
        }
        if (encodings.size() != 1 || encodings.first().toLower() != "chunked") {
            refuse(501, "Not Implemented", QStringLiteral("a transfer coding other than chunked"),
                QStringLiteral("hanzo-kms-gateway accepts request bodies with Content-Length or "
                               "Transfer-Encoding: chunked only."));
            return;
        }
        m_chunked = true;
        m_chunk = Chunk::Size;
        enter(Phase::Body);
        return;
    }
    qint64 length = 0;
    for (const QByteArray &value : std::as_const(lengths)) {
        const qint64 n = parseLength(value);
        if (n < 0 || (length > 0 && n != length)) {
            refuse(400, "Bad Request", QStringLiteral("an unreadable Content-Length"),
                QStringLiteral("hanzo-kms-gateway cannot read the request's Content-Length."));
            return;
        }
        length = n;
    }
    if (length > limits.maxBodyBytes) {
        refuse(413, "Request Entity Too Large",
            QStringLiteral("Content-Length %1 over the limit of %2 bytes")
                .arg(length)
                .arg(limits.maxBodyBytes),
            QStringLiteral("the request body is larger than the gateway's limit of %1 bytes")
                .arg(limits.maxBodyBytes));
        return;
    }
    if (length == 0) {
        requestComplete();
        return;
    }
    if (length > ConnectionLimits::UnbudgetedBodyBytes) {
        if (!m_budget->reserveBody(length)) {
            refuseBusy();
            return;
        }
        m_reserved = length;
    }
    m_remaining = length;
    enter(Phase::Body);
}

qsizetype ConnectionGuard::takeChunked(QByteArrayView bytes)
{
    qsizetype used = 0;
    while (used < bytes.size() && m_phase == Phase::Body) {
        const qsizetype start = used;
        switch (m_chunk) {
        case Chunk::Size: {
            const qsizetype newline = bytes.indexOf('\n', used);
            const qsizetype end = newline < 0 ? bytes.size() : newline + 1;
            if (m_chunkLine.size() + (end - used) > MaxChunkLineBytes) {
                refuse(400, "Bad Request", QStringLiteral("a chunk-size line that does not end"),
                    QStringLiteral("hanzo-kms-gateway cannot read the size of a chunk of the request body."));
                return bytes.size();
            }
            m_chunkLine.append(bytes.sliced(used, end - used));
            used = end;
            if (newline < 0)
                break;
            const qint64 size
                = m_chunkLine.endsWith("\r\n") ? parseChunkSize(withoutLineEnd(m_chunkLine)) : -1;
            m_chunkLine.clear();
            if (size < 0) {
                refuse(400, "Bad Request", QStringLiteral("an unreadable chunk size"),
                    QStringLiteral("hanzo-kms-gateway cannot read the size of a chunk of the request body."));
                return bytes.size();
            }
            m_remaining = size;
            m_crlfSeen = 0;
            m_chunk = size == 0 ? Chunk::LastEnd : Chunk::Data;
            break;
        }
        case Chunk::Data: {
            const qint64 taken = std::min<qint64>(bytes.size() - used, m_remaining);
            m_remaining -= taken;
            used += taken;
            if (m_remaining == 0) {
                m_crlfSeen = 0;
                m_chunk = Chunk::DataEnd;
            }
            break;
        }
        case Chunk::DataEnd:
        case Chunk::LastEnd: {
            const char expected = m_crlfSeen == 0 ? '\r' : '\n';
            if (bytes[used] != expected) {
                const bool trailer = m_chunk == Chunk::LastEnd;
                refuse(400, "Bad Request",
                    trailer ? QStringLiteral("trailer fields after a chunked body")
                            : QStringLiteral("a chunk not followed by CRLF"),
                    trailer ? QStringLiteral("hanzo-kms-gateway does not accept trailer fields.")
                            : QStringLiteral("hanzo-kms-gateway got a chunk of the request body that does "
                                             "not end with CRLF."));
                return bytes.size();
            }
            ++used;
            if (++m_crlfSeen == 2) {
                if (m_chunk == Chunk::LastEnd) {
                    if (!countBody(used - start))
                        return bytes.size();
                    requestComplete();
                    return used;
                }
                m_chunk = Chunk::Size;
            }
            break;
        }
        }
        if (!countBody(used - start))
            return bytes.size();
    }
    return used;
}

bool ConnectionGuard::countBody(qint64 bytes)
{
    const ConnectionLimits &limits = m_budget->limits();
    m_bodyBytes += bytes;
    if (!m_chunked)
        return true; // announced, checked and reserved with the headers
    if (m_bodyBytes > limits.maxBodyBytes) {
        refuse(413, "Request Entity Too Large",
            QStringLiteral("chunked body over the limit of %1 bytes").arg(limits.maxBodyBytes),
            QStringLiteral("the request body is larger than the gateway's limit of %1 bytes")
                .arg(limits.maxBodyBytes));
        return false;
    }
    if (!m_budget->reserveBody(bytes)) {
        refuseBusy();
        return false;
    }
    m_reserved += bytes;
    return true;
}

void ConnectionGuard::refuseBusy()
{
    refuse(503, "Service Unavailable",
        QStringLiteral("%1 bytes of request bodies under way, the most allowed")
            .arg(m_budget->limits().maxBodyBytesInFlight),
        QStringLiteral(
            "hanzo-kms-gateway is receiving as many request bodies as it can hold; retry shortly."),
        true);
}

void ConnectionGuard::requestComplete()
{
    enter(Phase::Handling);
}

void ConnectionGuard::onBytesWritten()
{
    // The gateway writes only answers: once one is going out, the request is done with.
    if (m_phase == Phase::Handling)
        enter(Phase::Idle);
}

void ConnectionGuard::onTimeout()
{
    const ConnectionLimits &limits = m_budget->limits();
    switch (m_phase) {
    case Phase::Handshake:
        m_socket->abort();
        break;
    case Phase::Idle:
        m_socket->disconnectFromHost();
        break;
    case Phase::Head:
        refuse(408, "Request Timeout",
            QStringLiteral("headers not complete within %1 s").arg(seconds(limits.headerTimeout)),
            QStringLiteral("hanzo-kms-gateway waits at most %1 s for a request's headers.")
                .arg(seconds(limits.headerTimeout)));
        break;
    case Phase::Body:
        refuse(408, "Request Timeout",
            QStringLiteral("body not complete within %1 s").arg(seconds(limits.bodyTimeout)),
            QStringLiteral("hanzo-kms-gateway waits at most %1 s for a request's body.")
                .arg(seconds(limits.bodyTimeout)));
        break;
    case Phase::Handling:
        // The gateway bounds its own calls; this is the net under them.
        abortConnection(500,
            QStringLiteral("no answer within %1 s; connection closed").arg(seconds(limits.answerTimeout)));
        break;
    case Phase::Closing:
        m_socket->abort();
        break;
    }
}

void ConnectionGuard::refuse(
    int status, const QByteArray &phrase, const QString &reason, const QString &message, bool retryLater)
{
    log(status, reason);
    stopHttpServerReading();
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::drain);
    const QByteArray body = statusBody(status, QString::fromLatin1(phrase).remove(QLatin1Char(' ')), message);
    QByteArray answer = "HTTP/1.1 " + QByteArray::number(status) + ' ' + phrase
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n";
    if (retryLater)
        answer += "Retry-After: 1\r\n";
    answer += "\r\n" + body;
    m_socket->write(answer);
    // The body bytes stay reserved until the connection is gone: the HTTP
    // server holds what it read of the body as long as its socket lives.
    enter(Phase::Closing);
    drain();
}

void ConnectionGuard::stopHttpServerReading()
{
    disconnect(m_socket, &QIODevice::readyRead, nullptr, nullptr);
    // The HTTP server's read transaction would keep every byte read from now on.
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
}

void ConnectionGuard::drain()
{
    const qint64 available = m_socket->bytesAvailable();
    if (available > 0)
        m_drained += m_socket->skip(available);
    if (m_drained > MaxDrainBytes)
        m_socket->abort();
}

void ConnectionGuard::abortConnection(int status, const QString &reason)
{
    log(status, reason);
    stopHttpServerReading();
    m_phase = Phase::Closing;
    m_timer.stop();
    m_socket->abort();
}

void ConnectionGuard::log(int status, const QString &reason)
{
    if (!m_log)
        return;
    AccessLog::Entry entry;
    entry.time = QDateTime::currentDateTimeUtc();
    entry.client = m_client.isEmpty() ? clientOf(m_socket) : m_client;
    entry.verb = m_verb;
    entry.path = m_path;
    entry.status = status;
    entry.verdict = AccessLog::Verdict::deny(reason);
    m_log->record(entry);
}

void ConnectionGuard::releaseBody()
{
    if (m_reserved > 0)
        m_budget->releaseBody(m_reserved);
    m_reserved = 0;
}

} // namespace kms
