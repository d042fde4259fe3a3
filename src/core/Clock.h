#pragma once

#include <QDateTime>
#include <QObject>

namespace kms {

// "Now", for everything that decides by time (expiry, cleanup retries). Tests
// use ManualClock to move time forward instead of waiting for it.
class Clock : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    virtual QDateTime now() const { return QDateTime::currentDateTimeUtc(); }
    static Clock *system();

signals:
    // The clock was set; anything that waits for a time must look again.
    void jumped();
};

class ManualClock : public Clock {
    Q_OBJECT
public:
    explicit ManualClock(QDateTime start = QDateTime::currentDateTimeUtc(), QObject *parent = nullptr)
        : Clock(parent)
        , m_now(start)
    {
    }
    QDateTime now() const override { return m_now; }
    void advance(qint64 seconds)
    {
        m_now = m_now.addSecs(seconds);
        emit jumped();
    }

private:
    QDateTime m_now;
};

} // namespace kms
