#include "core/BoundedRead.h"

#include "core/DisplayText.h"

#include <QFile>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace kms {

namespace {

BoundedRead failure(BoundedRead::Status status, const QString &error, qint64 limit)
{
    BoundedRead r;
    r.status = status;
    r.error = error;
    r.limit = limit;
    return r;
}

} // namespace

BoundedRead BoundedRead::fromDevice(QIODevice &device, qint64 limit)
{
    BoundedRead r;
    r.limit = limit;
    const qint64 wanted = limit + 1;
    char buffer[64 * 1024];
    while (r.data.size() < wanted) {
        const qint64 n = device.read(buffer, std::min<qint64>(sizeof buffer, wanted - r.data.size()));
        if (n < 0)
            return failure(Status::Failed, device.errorString(), limit);
        if (n == 0)
            break; // the end
        r.data.append(buffer, n);
    }
    if (r.data.size() > limit) {
        r.data.fill('\0'); // it may hold secret material; this array is not shared
        r.data.clear();
        r.status = Status::TooLarge;
    }
    return r;
}

BoundedRead BoundedRead::fromFile(const QString &path, qint64 limit)
{
    QFile file;
#ifdef Q_OS_UNIX
    // O_NONBLOCK only for the open: opening a FIFO for reading otherwise
    // waits for a writer, possibly forever. Reads below block as usual, and a
    // FIFO without a writer reads as empty.
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return failure(Status::CannotOpen, qt_error_string(errno), limit);
    struct stat info { };
    if (::fstat(fd, &info) != 0 || S_ISDIR(info.st_mode)) {
        const int error = S_ISDIR(info.st_mode) ? EISDIR : errno;
        ::close(fd);
        return failure(Status::CannotOpen, qt_error_string(error), limit);
    }
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        const int error = errno;
        ::close(fd);
        return failure(Status::CannotOpen, qt_error_string(error), limit);
    }
    if (!file.open(fd, QIODevice::ReadOnly | QIODevice::Unbuffered, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return failure(Status::CannotOpen, file.errorString(), limit);
    }
#else
    file.setFileName(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return failure(Status::CannotOpen, file.errorString(), limit);
#endif
    return fromDevice(file, limit);
}

BoundedRead BoundedRead::fromStdin(qint64 limit)
{
    QFile in;
    if (!in.open(0, QIODevice::ReadOnly | QIODevice::Unbuffered))
        return failure(Status::CannotOpen, in.errorString(), limit);
    return fromDevice(in, limit);
}

QString BoundedRead::problem(const QString &what) const
{
    const QString name = escapeControls(what);
    switch (status) {
    case Status::Ok:
        return {};
    case Status::CannotOpen:
    case Status::Failed:
        return QStringLiteral("cannot read %1: %2").arg(name, escapeControls(error));
    case Status::TooLarge:
        return QStringLiteral("%1 is larger than %2").arg(name, describeSize(limit));
    }
    return {};
}

QString describeSize(qint64 bytes)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        return QStringLiteral("%1 MiB").arg(bytes / (1024 * 1024));
    if (bytes >= 1024 && bytes % 1024 == 0)
        return QStringLiteral("%1 KiB").arg(bytes / 1024);
    return QStringLiteral("%1 bytes").arg(bytes);
}

} // namespace kms
