#pragma once

#include <QString>

#include <compare>
#include <optional>

namespace kms {

// A whole number of seconds as people type it: "90s", "10m", "1h30m", "2d",
// or plain seconds ("600"). Units s, m, h, d, each at most once, largest first.
class Duration {
public:
    constexpr Duration() = default;

    static constexpr Duration fromSeconds(qint64 seconds) { return Duration(seconds); }
    static constexpr Duration fromMinutes(qint64 minutes) { return Duration(minutes * 60); }
    static constexpr Duration fromHours(qint64 hours) { return Duration(hours * 3600); }
    static constexpr Duration fromDays(qint64 days) { return Duration(days * 86400); }

    // Accepts a positive duration; surrounding whitespace is ignored. On failure
    // returns nullopt and, if error is given, one sentence naming the input.
    static std::optional<Duration> parse(const QString &text, QString *error = nullptr);

    constexpr qint64 seconds() const { return m_seconds; }
    constexpr bool isZero() const { return m_seconds == 0; }

    // Shortest form: 5400 -> "1h30m", 90 -> "1m30s", 172800 -> "2d", 0 -> "0s".
    QString toString() const;

    constexpr auto operator<=>(const Duration &) const = default;

private:
    constexpr explicit Duration(qint64 seconds)
        : m_seconds(seconds)
    {
    }

    qint64 m_seconds = 0;
};

// The API server refuses token requests below 10 minutes; so do we.
inline constexpr Duration MinimumTtl = Duration::fromMinutes(10);
// The API server's ceiling for expirationSeconds: 2^32 seconds.
inline constexpr Duration MaximumTtl = Duration::fromSeconds(qint64(1) << 32);

} // namespace kms
