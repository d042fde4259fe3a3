#include "DemoBanner.h"
#include "DemoProfile.h"
#include "MainWindow.h"
#include "QuitOnTermination.h"
#include "core/BuildInfo.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QMessageBox>
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
    const QCommandLineOption demoOption(QStringLiteral("demo"),
        QStringLiteral(
            "Starts a local test cluster (kms-testcluster) and opens the app on a throw-away profile "
            "with a static and a dynamic secret for it; removed on quit."));
    parser.addOption(demoOption);
    parser.process(*app);
    if (parser.isSet(versionOption)) {
        QTextStream(stdout) << kms::BuildInfo::versionLine(QStringLiteral("hanzo-kms")) << Qt::endl;
        return 0;
    }

    // --demo: the profile is set up (HANZO_KMS_DATA_DIR, HANZO_KMS_KEYCHAIN_SERVICE)
    // before the window opens, and removed after it closes.
    std::unique_ptr<kms::DemoProfile> demo;
    if (parser.isSet(demoOption)) {
        kms::quitOnTerminationSignals();
        demo = std::make_unique<kms::DemoProfile>();
        if (!demo->create()) {
            QTextStream(stderr) << "hanzo-kms --demo: " << demo->errorString() << Qt::endl;
            if (!QGuiApplication::platformName().startsWith(QLatin1String("offscreen")))
                QMessageBox::critical(nullptr, QStringLiteral("Hanzo KMS demo"), demo->errorString());
            return 1;
        }
    }

    int exitCode = 0;
    {
        kms::ui::MainWindow window;
        if (demo) {
            window.addToolBar(Qt::TopToolBarArea, new kms::ui::DemoBanner(demo->cluster().url().toString()));
            window.setWindowTitle(window.windowTitle() + QStringLiteral(" (demo)"));
        }
        window.show();
        if (demo) {
            QTextStream(stdout) << QJsonDocument(demo->readyMessage()).toJson(QJsonDocument::Compact)
                                << Qt::endl;
        }
        exitCode = QApplication::exec();
    }
    if (demo)
        demo->remove();
    return exitCode;
}
