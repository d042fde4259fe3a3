#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QObject>
#include <QString>

#include <cstdio>

namespace kms {

// hanzo-kms-gateway's access log: one JSON line per request, on stdout by
// default, with the time, the client certificate's subject, the verb, the
// path, the status, whether the gateway let the call through (decision) and
// why (reason), and whose identity its API server calls used (identity:
// "gateway" for its own account, "caller" for the caller's own cluster
// token). Never a header or a body, so never a token.
class AccessLog : public QObject {
    Q_OBJECT

public:
    // What the gateway decided about a request, and why in a few words.
    // Whoever decides (the policy, the connection limits) names the reason.
    struct Verdict {
        bool allowed = true;
        QString reason;

        static Verdict allow(const QString &reason) { return { true, reason }; }
        static Verdict deny(const QString &reason) { return { false, reason }; }
    };

    struct Entry {
        QDateTime time; // UTC
        QString client; // certificate subject, or the peer address without one
        QByteArray verb;
        QString path; // as sent, percent-encoded, with the query
        int status = 0;
        Verdict verdict;
        qint64 milliseconds = -1; // from the complete request to the answer; -1: not measured
        QString identity; // "gateway" or "caller"; empty: not written (no usable credential)
    };

    // Longest path written; a longer one is cut and marked with "...".
    static constexpr qsizetype MaxPathLength = 2048;

    // out: where lines go (stdout for the gateway); nullptr writes nowhere but still emits logged().
    explicit AccessLog(std::FILE *out = nullptr, QObject *parent = nullptr);

    void record(const Entry &entry);

    // The JSON line for an entry, without the line break.
    static QByteArray line(const Entry &entry);

signals:
    void logged(const QString &line);

private:
    std::FILE *m_out;
};

} // namespace kms
