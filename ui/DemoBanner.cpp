#include "DemoBanner.h"

#include <QAction>
#include <QLabel>

namespace kms::ui {

DemoBanner::DemoBanner(const QString &clusterUrl, QWidget *parent)
    : QToolBar(tr("Demo"), parent)
    , m_label(new QLabel(this))
{
    setObjectName(QStringLiteral("demoBanner"));
    setMovable(false);
    setFloatable(false);
    toggleViewAction()->setVisible(false);
    setAllowedAreas(Qt::TopToolBarArea);

    m_label->setObjectName(QStringLiteral("demoBannerText"));
    // One line: a wrapping QLabel in a tool bar asks for several lines' height.
    m_label->setWordWrap(false);
    m_label->setToolTip(tr("Demo profile: its data directory and keychain entries are temporary; the test "
                           "cluster runs as a child of this app at %1.")
                            .arg(clusterUrl));
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_label->setText(
        tr("<b>Demo:</b> a local test cluster (kms-testcluster) on 127.0.0.1; nothing here touches "
           "a real cluster. The profile is removed when you quit.")
        + QStringLiteral(" <span style=\"color:#5c4400\">(%1)</span>").arg(clusterUrl.toHtmlEscaped()));
    m_label->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    // Amber, with dark text: readable in light and dark themes alike.
    setStyleSheet(QStringLiteral("QToolBar#demoBanner { background: #ffd966; border: none; "
                                 "border-bottom: 1px solid #c9a227; padding: 4px 8px; }"
                                 "QLabel#demoBannerText { color: #1f1a00; }"));
    addWidget(m_label);
}

QString DemoBanner::text() const
{
    return m_label->text();
}

} // namespace kms::ui
