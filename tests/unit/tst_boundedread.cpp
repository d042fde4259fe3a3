// Reading files someone else wrote: never more than limit + 1 bytes, whatever
// the file is (a device without end, a FIFO, a file that grows).
#include "core/BoundedRead.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <thread>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace kms;

class TestBoundedRead : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &data)
    {
        QFile f(m_dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(name));
        f.write(data);
        return f.fileName();
    }

private slots:
    void readsAFileUpToTheLimit()
    {
        const BoundedRead r = BoundedRead::fromFile(write("exact", QByteArray(1024, 'a')), 1024);
        QVERIFY(r.ok());
        QCOMPARE(r.data, QByteArray(1024, 'a'));
        QVERIFY(r.problem("exact").isEmpty());
        const BoundedRead empty = BoundedRead::fromFile(write("empty", {}), 1024);
        QVERIFY(empty.ok());
        QVERIFY(empty.data.isEmpty());
    }

    void refusesOneByteMore()
    {
        const QString path = write("big", QByteArray(1025, 'a'));
        const BoundedRead r = BoundedRead::fromFile(path, 1024);
        QCOMPARE(r.status, BoundedRead::Status::TooLarge);
        QVERIFY(r.data.isEmpty());
        QCOMPARE(r.problem("big.txt"), QStringLiteral("big.txt is larger than 1 KiB"));
    }

    void namesWhatCannotBeOpened()
    {
        const BoundedRead missing = BoundedRead::fromFile(m_dir.filePath("missing"), 10);
        QCOMPARE(missing.status, BoundedRead::Status::CannotOpen);
        QVERIFY2(missing.problem("missing").startsWith("cannot read missing: "),
            qPrintable(missing.problem("missing")));
        const BoundedRead dir = BoundedRead::fromFile(m_dir.path(), 10);
        QCOMPARE(dir.status, BoundedRead::Status::CannotOpen);
        // A control character in the name is shown as an escape.
        QVERIFY(missing.problem("a\nb").startsWith("cannot read a\\nb: "));
    }

#ifdef Q_OS_UNIX
    void stopsReadingADeviceWithoutEnd()
    {
        QElapsedTimer t;
        t.start();
        const BoundedRead r = BoundedRead::fromFile("/dev/zero", 16 * 1024);
        QCOMPARE(r.status, BoundedRead::Status::TooLarge);
        QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    }

    void aFifoWithoutWriterReadsAsEmptyAtOnce()
    {
        const QByteArray fifo = QFile::encodeName(m_dir.filePath("fifo"));
        QCOMPARE(::mkfifo(fifo.constData(), 0600), 0);
        QElapsedTimer t;
        t.start();
        const BoundedRead r = BoundedRead::fromFile(QString::fromLocal8Bit(fifo), 1024);
        QVERIFY(r.ok());
        QVERIFY(r.data.isEmpty());
        QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    }

    void aFifoThatNeverEndsIsCutAtTheLimit()
    {
        const QByteArray fifo = QFile::encodeName(m_dir.filePath("endless"));
        QCOMPARE(::mkfifo(fifo.constData(), 0600), 0);
        // A writer that keeps the FIFO full until told to stop (O_RDWR: its
        // open does not wait for a reader, and no write fails for want of one).
        std::atomic<bool> opened = false;
        std::atomic<bool> stop = false;
        std::thread writer([&] {
            const int fd = ::open(fifo.constData(), O_RDWR | O_NONBLOCK);
            opened = true;
            if (fd < 0)
                return;
            const QByteArray block(4096, 'x');
            while (!stop) {
                if (::write(fd, block.constData(), size_t(block.size())) < 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            ::close(fd);
        });
        while (!opened)
            std::this_thread::yield();
        QElapsedTimer t;
        t.start();
        const BoundedRead r = BoundedRead::fromFile(QString::fromLocal8Bit(fifo), 64 * 1024);
        stop = true;
        writer.join();
        QCOMPARE(r.status, BoundedRead::Status::TooLarge);
        QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    }
#endif

    void describesSizes()
    {
        QCOMPARE(describeSize(1024), QStringLiteral("1 KiB"));
        QCOMPARE(describeSize(16 * 1024), QStringLiteral("16 KiB"));
        QCOMPARE(describeSize(4 * 1024 * 1024), QStringLiteral("4 MiB"));
        QCOMPARE(describeSize(1000), QStringLiteral("1000 bytes"));
    }
};

QTEST_GUILESS_MAIN(TestBoundedRead)
#include "tst_boundedread.moc"
