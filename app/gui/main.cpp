#include "MainWindow.h"
#include "core/BuildInfo.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("hanzo-kms"));
    QApplication::setOrganizationName(QStringLiteral("Hanzo"));
    QApplication::setApplicationVersion(kms::BuildInfo::versionLine(QStringLiteral("hanzo-kms")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Hanzo KMS Desktop: dynamic secrets and short-lived Kubernetes tokens."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);

    kms::ui::MainWindow window;
    window.show();
    return app.exec();
}
