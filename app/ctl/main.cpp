#include "core/BuildInfo.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList args = app.arguments();
    if (args.size() > 1 && args.at(1) == QLatin1String("--version")) {
        out << kms::BuildInfo::versionLine(QStringLiteral("hanzo-kmsctl")) << Qt::endl;
        return 0;
    }
    QTextStream(stderr) << "usage: hanzo-kmsctl <secret|lease|gateway|audit|reconcile> ..." << Qt::endl;
    return 2;
}
