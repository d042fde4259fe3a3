#include "MainWindow.h"
#include "core/BuildInfo.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#include <cstring>
#include <memory>

namespace {

// "hanzo-kms --version" and "hanzo-kms --help" answer on a QCoreApplication, so
// they work without a display (over ssh, in a package test). Anything else,
// --help-all with Qt's GUI options included, goes through QApplication.
bool answersWithoutDisplay(int argc, char *argv[])
{
    if (argc < 2)
        return false;
    for (int i = 1; i < argc; ++i) {
        bool flag = false;
        for (const char *known : { "-h", "--help", "-?", "-v", "--version" })
            flag = flag || std::strcmp(argv[i], known) == 0;
        if (!flag)
            return false;
    }
    return true;
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

    kms::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
