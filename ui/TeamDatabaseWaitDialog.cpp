#include "TeamDatabaseWaitDialog.h"

#include "leases/DatabaseReconnector.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>

namespace kms::ui {

const std::chrono::milliseconds TeamDatabaseWaitDialog::FirstDelay = DatabaseReconnector::FirstDelay;
const std::chrono::milliseconds TeamDatabaseWaitDialog::MaxDelay = DatabaseReconnector::MaxDelay;

TeamDatabaseWaitDialog::TeamDatabaseWaitDialog(
    const QString &problem, AttemptFunction attempt, bool offerLocal, QWidget *parent)
    : QDialog(parent)
    , m_attempt(std::move(attempt))
    , m_problem(problem)
    , m_label(new QLabel(this))
    , m_tryNow(new QPushButton(tr("Try Now"), this))
    , m_quit(new QPushButton(tr("Quit"), this))
{
    setWindowTitle(tr("Team Database Unreachable"));
    setObjectName(QStringLiteral("teamDatabaseWaitDialog"));
    m_label->setObjectName(QStringLiteral("teamDatabaseWaitText"));
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_label->setMinimumWidth(460);

    auto *icon = new QLabel(this);
    const int size = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning, nullptr, this).pixmap(size, size));
    icon->setAlignment(Qt::AlignTop);

    auto *buttons = new QDialogButtonBox(this);
    m_tryNow->setObjectName(QStringLiteral("tryNowButton"));
    m_tryNow->setToolTip(tr("Connect to the team profile's database now"));
    buttons->addButton(m_tryNow, QDialogButtonBox::AcceptRole);
    if (offerLocal) {
        m_local = new QPushButton(tr("Open Local Profile"), this);
        m_local->setObjectName(QStringLiteral("openLocalButton"));
        m_local->setToolTip(
            tr("Open the profile on this computer; File > Open Team Profile... opens the team "
               "profile again"));
        buttons->addButton(m_local, QDialogButtonBox::ActionRole);
        connect(m_local, &QPushButton::clicked, this, [this] { done(OpenLocal); });
    }
    buttons->addButton(m_quit, QDialogButtonBox::RejectRole);
    m_tryNow->setDefault(true);
    // Try Now must not close the dialog (AcceptRole would): it only attempts.
    connect(m_tryNow, &QPushButton::clicked, this, &TeamDatabaseWaitDialog::tryNow);
    connect(m_quit, &QPushButton::clicked, this, &QDialog::reject);

    auto *row = new QHBoxLayout;
    row->addWidget(icon, 0, Qt::AlignTop);
    row->addWidget(m_label, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(buttons);
    // The wrapped sentence's height for the dialog's width, whatever its length.
    layout->setSizeConstraint(QLayout::SetMinimumSize);

    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &TeamDatabaseWaitDialog::tryNow);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &TeamDatabaseWaitDialog::showProblem);
    m_retry.start(m_delay);
    m_tick.start();
    showProblem();
}

void TeamDatabaseWaitDialog::setDelays(std::chrono::milliseconds first, std::chrono::milliseconds max)
{
    m_first = first;
    m_max = max;
    m_delay = first;
    if (m_retry.isActive())
        m_retry.start(m_delay);
    showProblem();
}

QString TeamDatabaseWaitDialog::text() const
{
    return m_label->text();
}

void TeamDatabaseWaitDialog::showProblem()
{
    if (m_attempting) {
        m_label->setText(tr("%1 Connecting...").arg(m_problem));
        return;
    }
    // Whole seconds, at least 1 (a coarse timer's remaining time may run a little over the wait).
    const int seconds = std::max(1, int((m_retry.remainingTime() + 500) / 1000));
    m_label->setText(tr(
        "%1 The profile opens as soon as it answers; the next attempt is in %n second(s).", nullptr, seconds)
                         .arg(m_problem));
}

void TeamDatabaseWaitDialog::tryNow()
{
    if (m_attempting)
        return;
    m_retry.stop();
    QCoro::connect(runAttempt(), this, [] {});
}

QCoro::Task<void> TeamDatabaseWaitDialog::runAttempt()
{
    m_attempting = true;
    m_tryNow->setEnabled(false);
    showProblem();
    QPointer<TeamDatabaseWaitDialog> alive(this);
    const Attempt result = co_await m_attempt();
    if (!alive)
        co_return;
    m_attempting = false;
    m_tryNow->setEnabled(true);
    switch (result.outcome) {
    case Attempt::Outcome::Opened:
        m_tick.stop();
        accept();
        co_return;
    case Attempt::Outcome::Failed:
        m_tick.stop();
        m_failure = result.message;
        emit attemptFailed();
        done(Failed);
        co_return;
    case Attempt::Outcome::Unreachable:
        break;
    }
    m_problem = result.message;
    m_delay = std::min(m_delay * 2, m_max);
    m_retry.start(m_delay);
    showProblem();
    emit attemptFailed();
}

} // namespace kms::ui
