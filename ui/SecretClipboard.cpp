#include "SecretClipboard.h"

#include "core/Clock.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QMimeData>

namespace kms::ui {

const char *const SecretClipboard::KdeHint = "x-kde-passwordManagerHint";
const char *const SecretClipboard::WindowsExclude = "ExcludeClipboardContentFromMonitorProcessing";
const char *const SecretClipboard::MacConcealed = "application/x-nspasteboard-concealed-type";

SecretClipboard::SecretClipboard(Clock *clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock ? clock : Clock::system())
{
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &SecretClipboard::tick);
    connect(m_clock, &Clock::jumped, this, [this] {
        if (isCounting())
            tick();
    });
}

SecretClipboard::~SecretClipboard()
{
    // Leaving the app must not leave the token behind.
    if (isCounting() && QGuiApplication::clipboard()->text(QClipboard::Clipboard).toUtf8() == m_secret)
        QGuiApplication::clipboard()->clear(QClipboard::Clipboard);
    clearSelectionIfOurs();
    forget();
}

void SecretClipboard::copy(const QByteArray &secret, const QObject *owner)
{
    clearNow(); // an earlier token, if it is still there
    auto *mime = new QMimeData;
    mime->setText(QString::fromUtf8(secret));
    mime->setData(QString::fromLatin1(KdeHint), QByteArrayLiteral("secret"));
    mime->setData(QString::fromLatin1(WindowsExclude), QByteArrayLiteral("\0\0\0\0"));
    mime->setData(QString::fromLatin1(MacConcealed), secret);
    QGuiApplication::clipboard()->setMimeData(mime, QClipboard::Clipboard);
    m_secret = secret;
    // The selection is not marked as secret anywhere: a token selected in a revealed field goes.
    clearSelectionIfOurs();
    m_owner = owner;
    m_deadline = m_clock->now().addSecs(m_timeoutSeconds);
    m_timer.start();
    emit copied(owner);
    emit countdown(m_timeoutSeconds);
}

void SecretClipboard::clearSelectionIfOurs()
{
    QClipboard *clipboard = QGuiApplication::clipboard();
    if (clipboard->supportsSelection() && !m_secret.isEmpty()
        && clipboard->text(QClipboard::Selection).toUtf8() == m_secret)
        clipboard->clear(QClipboard::Selection);
}

int SecretClipboard::secondsLeft() const
{
    if (!isCounting())
        return 0;
    return int(std::max<qint64>(0, (m_clock->now().msecsTo(m_deadline) + 999) / 1000));
}

void SecretClipboard::tick()
{
    const int left = secondsLeft();
    if (left > 0) {
        emit countdown(left);
        return;
    }
    clearNow();
}

void SecretClipboard::clearNow()
{
    if (!isCounting())
        return;
    QClipboard *clipboard = QGuiApplication::clipboard();
    const bool stillOurs = clipboard->text(QClipboard::Clipboard).toUtf8() == m_secret;
    if (stillOurs)
        clipboard->clear(QClipboard::Clipboard);
    clearSelectionIfOurs();
    forget();
    emit countdown(0);
    emit finished(stillOurs);
}

void SecretClipboard::forget()
{
    m_timer.stop();
    m_secret.fill('\0');
    m_secret.clear();
    m_deadline = {};
}

} // namespace kms::ui
