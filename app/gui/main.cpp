#include "MainWindow.h"
#include "core/BuildInfo.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#include <cstring>
#include <memory>

namespace {

// --help and --version answer on a QCoreApplication, so they work without a
// display (over ssh, in a package test). --help-all needs the GUI's options.
bool answersWithoutDisplay(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag : { "-h", "--help", "-?", "-v", "--version" }) {
            if (std::strcmp(argv[i], flag) == 0)
                return true;
        }
    }
    return false;
}

void nameApplication()
{
    QCoreApplication::setApplicationName(QStringLiteral("hanzo-kms"));
    QCoreApplication::setOrganizationName(QStringLiteral("Hanzo"));
    QCoreApplication::setApplicationVersion(kms::BuildInfo::version());
}

} // namespace

int main(int argc, char *argv[])
{
    std::unique_ptr<QCoreApplication> app;
    if (answersWithoutDisplay(argc, argv))
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    nameApplication();

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Hanzo KMS Desktop: dynamic secrets and short-lived Kubernetes tokens."));
    parser.addHelpOption();
    const QCommandLineOption versionOption(
        { QStringLiteral("v"), QStringLiteral("version") }, QStringLiteral("Displays version information."));
    parser.addOption(versionOption);
    parser.process(*app);
    if (parser.isSet(versionOption)) {
        QTextStream(stdout) << kms::BuildInfo::versionLine(QStringLiteral("hanzo-kms")) << Qt::endl;
        return 0;
    }

    if (qobject_cast<QApplication *>(app.get()) == nullptr) {
        // A flag was the value of another option (as in "--opt -v"): start the GUI after all.
        app.reset();
        app = std::make_unique<QApplication>(argc, argv);
        nameApplication();
    }

    kms::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
