#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace kms {
class Clock;
}

namespace kms::ui {

// Puts a token on the clipboard the way password managers do (KeePassXC):
// marked as secret so clipboard managers skip it, and cleared after a timeout
// with a visible countdown, but only while the clipboard still holds it. It
// clears only what it put there: the clipboard, or the X11 selection, when
// it still holds the token. Each copy has an owner (the token dialog that
// made it), so a window tells its own copy from another's.
class SecretClipboard : public QObject {
    Q_OBJECT
public:
    static constexpr int DefaultTimeoutSeconds = 30;

    explicit SecretClipboard(Clock *clock = nullptr, QObject *parent = nullptr);
    ~SecretClipboard() override;

    void setTimeoutSeconds(int seconds) { m_timeoutSeconds = seconds; }
    int timeoutSeconds() const { return m_timeoutSeconds; }

    void copy(const QByteArray &secret, const QObject *owner = nullptr);
    // Who made the last copy (it stays after the clearing, until the next copy).
    const QObject *owner() const { return m_owner; }
    // Clears now, if the clipboard still holds what copy() put there.
    void clearNow();
    bool isCounting() const { return !m_secret.isEmpty(); }
    int secondsLeft() const;

    // The MIME types that tell clipboard managers to leave the content alone.
    static const char *const KdeHint; // x-kde-passwordManagerHint: "secret"
    static const char *const WindowsExclude; // ExcludeClipboardContentFromMonitorProcessing
    static const char *const MacConcealed; // application/x-nspasteboard-concealed-type

signals:
    void countdown(int secondsLeft);
    // A copy was made, replacing whatever an earlier one put there.
    void copied(const QObject *owner);
    // cleared: the clipboard held the secret and was emptied; false: it held something else by then.
    void finished(bool cleared);

private:
    void tick();
    void forget();
    void clearSelectionIfOurs();

    Clock *m_clock;
    QTimer m_timer;
    QByteArray m_secret;
    QPointer<const QObject> m_owner;
    QDateTime m_deadline;
    int m_timeoutSeconds = DefaultTimeoutSeconds;
};

} // namespace kms::ui
