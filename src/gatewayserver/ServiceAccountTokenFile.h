#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QElapsedTimer>
#include <QMutex>
#include <QString>

namespace kms {

// The gateway's own bearer token, read from a file (in a pod: the projected
// service account token, which the kubelet replaces before it expires by
// swapping a symlink). The file is looked at again whenever its target, size
// or modification time changes, and at least once a minute; a file that
// cannot be read keeps the last good token.
class ServiceAccountTokenFile {
public:
    explicit ServiceAccountTokenFile(QString path);

    QString path() const { return m_path; }
    // The current token; empty when the file has never been readable.
    QByteArray token() const;
    // Why the token is empty or stale, in one sentence; empty when all is well.
    QString problem() const;

private:
    void refresh() const;

    QString m_path;
    mutable QMutex m_mutex;
    mutable QByteArray m_token;
    mutable QString m_stamp; // canonical path, size and mtime of what m_token came from
    mutable QString m_problem;
    mutable QElapsedTimer m_sinceRead;
};

} // namespace kms
