#pragma once

#include <QToolBar>

class QLabel;

namespace kms::ui {

// The bar at the top of the main window in `hanzo-kms --demo`: says that the
// app talks to a local test cluster and that the profile is thrown away.
// A fixed tool bar (not movable, not floatable, no toggle in the context menu).
class DemoBanner : public QToolBar {
    Q_OBJECT
public:
    explicit DemoBanner(const QString &clusterUrl, QWidget *parent = nullptr);

    QString text() const;

private:
    QLabel *m_label = nullptr;
};

} // namespace kms::ui
