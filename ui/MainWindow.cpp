#include "MainWindow.h"

#include <QLabel>

namespace kms::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Hanzo KMS"));
    setCentralWidget(new QLabel(tr("Dynamic secrets"), this));
    resize(1100, 700);
}

} // namespace kms::ui
