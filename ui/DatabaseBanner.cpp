#include "DatabaseBanner.h"

#include "leases/DatabaseReconnector.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace kms::ui {

DatabaseBanner::DatabaseBanner(DatabaseReconnector *reconnector, QWidget *parent)
    : QFrame(parent)
    , m_reconnector(reconnector)
    , m_label(new QLabel(this))
    , m_reconnect(new QPushButton(tr("Reconnect"), this))
{
    setObjectName(QStringLiteral("databaseBanner"));
    setAccessibleName(tr("Database unreachable"));
    m_label->setObjectName(QStringLiteral("databaseBannerText"));
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reconnect->setObjectName(QStringLiteral("reconnectButton"));
    m_reconnect->setToolTip(tr("Connect to the team profile's database now"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 6);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_reconnect, 0, Qt::AlignVCenter);
    // Red-brown on pale red, with dark text: an error, readable in light and dark themes alike.
    setStyleSheet(QStringLiteral("QFrame#databaseBanner { background: #f8d7da; border: none; "
                                 "border-bottom: 1px solid #c4515c; }"
                                 "QLabel#databaseBannerText { color: #3d0a0f; }"));
    hide();

    connect(m_reconnect, &QPushButton::clicked, this, [this] {
        m_reconnect->setEnabled(false);
        m_label->setText(tr("%1 Reconnecting...").arg(m_reconnector->problem()));
        m_reconnector->reconnectNow();
    });
    connect(reconnector, &DatabaseReconnector::connectionLost, this,
        [this](const QString &message) { showProblem(message, m_reconnector->nextDelay().count()); });
    connect(reconnector, &DatabaseReconnector::attemptFailed, this, &DatabaseBanner::showProblem);
    connect(reconnector, &DatabaseReconnector::reconnected, this, [this] {
        hide();
        m_label->clear();
    });
}

QString DatabaseBanner::text() const
{
    return m_label->text();
}

void DatabaseBanner::showProblem(const QString &message, qint64 nextMilliseconds)
{
    const int seconds = int((nextMilliseconds + 999) / 1000);
    m_label->setText(
        tr("%1 Changes are refused until it is back; the next attempt is in %n second(s).", nullptr, seconds)
            .arg(message));
    m_reconnect->setEnabled(true);
    show();
}

} // namespace kms::ui
