#pragma once

#include <QByteArray>
#include <QString>

class QIODevice;

namespace kms {

// The one way this program reads a file or stdin that someone else may have
// written: at most limit + 1 bytes are read, so more than limit is refused
// whatever the file claims to be (QFile::size() is 0 for /dev/zero, a pipe or
// a FIFO, and a growing file changes size while it is read). A FIFO with no
// writer reads as empty instead of blocking the open.
struct BoundedRead {
    enum class Status {
        Ok,
        CannotOpen, // error says why
        TooLarge, // more than limit bytes
        Failed, // a read error; error says why
    };

    Status status = Status::Ok;
    QByteArray data; // Ok: everything the source held
    QString error; // the system's reason, for CannotOpen and Failed
    qint64 limit = 0;

    bool ok() const { return status == Status::Ok; }

    // Reads the file (or device, FIFO) at path.
    static BoundedRead fromFile(const QString &path, qint64 limit);
    // Reads this process's standard input to its end.
    static BoundedRead fromStdin(qint64 limit);
    // Reads an open, blocking device (a file, stdin) to its end.
    static BoundedRead fromDevice(QIODevice &device, qint64 limit);

    // What went wrong, for a sentence about `what` (a file name, "stdin"),
    // e.g. "cannot read F: Permission denied" or "F is larger than 1 MiB";
    // empty when ok(). Control characters in what are escaped.
    QString problem(const QString &what) const;
};

// 1024 -> "1 KiB", 16384 -> "16 KiB", 1048576 -> "1 MiB"; other sizes in bytes.
QString describeSize(qint64 bytes);

} // namespace kms
