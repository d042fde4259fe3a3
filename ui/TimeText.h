#pragma once

#include <QDateTime>
#include <QString>

namespace kms::ui {

// How times read on screen.
class TimeText {
public:
    // "in 4m 09s", "in 1h 05m", "in 2d 3h", "expired 3m ago".
    static QString relative(const QDateTime &when, const QDateTime &now);
    // Local time, "2026-11-28 14:05:09".
    static QString absolute(const QDateTime &when);
};

} // namespace kms::ui
