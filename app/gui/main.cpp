#include "AppServices.h"
#include "DemoBanner.h"
#include "DemoProfile.h"
#include "MainWindow.h"
#include "QuitOnTermination.h"
#include "TeamDatabaseWaitDialog.h"
#include "core/BuildInfo.h"
#include "core/DisplayText.h"
#include "core/Translations.h"
#include "leases/DatabaseReconnector.h"
#include "leases/Engine.h"
#include "leases/ExpiryScheduler.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"
#include "store/AuditAnchorFollower.h"
#include "store/AuditKeychain.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/LeaseNotifications.h"
#include "store/LeaseRepository.h"
#include "store/ProfileLocation.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
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

// The arguments this program started with, for a restart into another
// profile: any --database dropped (the new one is added by the caller).
QStringList argumentsWithoutDatabase()
{
    QStringList out;
    const QStringList args = QCoreApplication::arguments().mid(1);
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (arg == QLatin1String("--database") || arg == QLatin1String("-database")) {
            ++i; // and its value
            continue;
        }
        if (arg.startsWith(QLatin1String("--database=")) || arg.startsWith(QLatin1String("-database=")))
            continue;
        out << arg;
    }
    return out;
}

// File > Open Team Profile... / Open Local Profile: this program again, on the
// chosen profile (the URL carries no password; the keychain has it).
bool restartInto(const QString &databaseUrl)
{
    QStringList args = argumentsWithoutDatabase();
    if (!databaseUrl.isEmpty())
        args << QStringLiteral("--database") << databaseUrl;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("HANZO_KMS_DATABASE_URL"));
    QProcess process;
    process.setProgram(QCoreApplication::applicationFilePath());
    process.setArguments(args);
    process.setProcessEnvironment(env);
    return process.startDetached();
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
    const QCommandLineOption dataDirOption(QStringLiteral("data-dir"),
        QStringLiteral("Keeps the profile (database, settings) in <dir> instead of the default location."),
        QStringLiteral("dir"));
    parser.addOption(dataDirOption);
    const QCommandLineOption databaseOption(QStringLiteral("database"),
        QStringLiteral(
            "Opens a team profile kept in PostgreSQL: postgresql://USER@HOST:PORT/DATABASE"
            "[?sslmode=verify-full&sslrootcert=CA] (default: $HANZO_KMS_DATABASE_URL). Its password, "
            "if any, is in the keychain (hanzo-kmsctl profile set-password)."),
        QStringLiteral("url"));
    parser.addOption(databaseOption);
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

    kms::installTranslations();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/ai.hanzo.KmsDesktop.png")));
    QApplication::setDesktopFileName(QStringLiteral("ai.hanzo.KmsDesktop"));

    const auto refuse = [&](const QString &message) {
        QTextStream(stderr) << "hanzo-kms: " << message << Qt::endl;
        if (!QGuiApplication::platformName().startsWith(QLatin1String("offscreen")))
            QMessageBox::critical(nullptr, QObject::tr("Profile Not Opened"), message);
        if (demo)
            demo->remove();
    };
    // The demo's throw-away profile is SQLite, whatever team profile the environment names.
    if (demo)
        qunsetenv("HANZO_KMS_DATABASE_URL");
    // No --database and no HANZO_KMS_DATABASE_URL: the team profile File > Open
    // Team Profile... remembered in this profile's settings, if any.
    QString databaseUrl = demo ? QString() : parser.value(databaseOption);
    bool remembered = false;
    // (--data-dir beats the environment's URL, so its remembered choice does too.)
    if (!demo && databaseUrl.isEmpty()
        && (parser.isSet(dataDirOption) || qEnvironmentVariable("HANZO_KMS_DATABASE_URL").isEmpty())) {
        databaseUrl = kms::ProfileLocation::rememberedTeamUrl(
            kms::Database::resolveDataDir(parser.value(dataDirOption)));
        remembered = !databaseUrl.isEmpty();
    }
    QString locationError;
    std::optional<kms::ProfileLocation> location
        = kms::ProfileLocation::resolve(parser.value(dataDirOption), databaseUrl, &locationError);
    if (!location) {
        refuse(kms::escapeControls(locationError));
        return 2;
    }
    kms::Database db;
    auto vault = std::make_unique<kms::CredentialVault>(location->keychainService());
    const bool offscreen = QGuiApplication::platformName().startsWith(QLatin1String("offscreen"));
    bool opened = QCoro::waitFor(kms::openProfileDatabase(db, *vault, *location));
    bool local = false;
    QString message = db.lastError();
    // A team profile whose server does not answer (yet): wait for it, with a
    // way out, rather than refuse to start.
    if (!opened && location->isTeamProfile() && !offscreen) {
        const QString why = QCoro::waitFor(
            kms::DatabaseReconnector::probe(location->database->host(), location->database->port()));
        if (!why.isEmpty()) {
            using Attempt = kms::ui::TeamDatabaseWaitDialog::Attempt;
            kms::ui::TeamDatabaseWaitDialog wait(
                db.unreachableMessage(why),
                [&]() -> QCoro::Task<Attempt> {
                    const QString now = co_await kms::DatabaseReconnector::probe(
                        location->database->host(), location->database->port());
                    if (!now.isEmpty())
                        co_return Attempt { Attempt::Outcome::Unreachable, db.unreachableMessage(now) };
                    if (co_await kms::openProfileDatabase(db, *vault, *location))
                        co_return Attempt { Attempt::Outcome::Opened, QString() };
                    co_return Attempt { Attempt::Outcome::Failed, db.lastError() };
                },
                remembered);
            switch (wait.exec()) {
            case QDialog::Accepted:
                opened = true;
                break;
            case kms::ui::TeamDatabaseWaitDialog::OpenLocal:
                local = true;
                break;
            case kms::ui::TeamDatabaseWaitDialog::Failed:
                message = wait.failure();
                break;
            default: // Quit
                QTextStream(stderr) << "hanzo-kms: " << wait.problem() << Qt::endl;
                if (demo)
                    demo->remove();
                return 1;
            }
        }
    }
    if (!opened) {
        if (!location->isTeamProfile())
            message
                = QObject::tr("%1 Check that the folder is writable, or start with --data-dir.").arg(message);
        // A remembered team profile that cannot be opened must not lock the user out: offer the local one.
        if (!local && remembered && !offscreen) {
            QMessageBox box(QMessageBox::Critical, QObject::tr("Team Profile Not Opened"),
                QObject::tr("%1 Quit, or open the profile on this computer instead (the team profile is then "
                            "forgotten; File > Open Team Profile... opens it again).")
                    .arg(message));
            QPushButton *openLocal
                = box.addButton(QObject::tr("Open Local Profile"), QMessageBox::AcceptRole);
            box.addButton(QObject::tr("Quit"), QMessageBox::RejectRole);
            box.exec();
            local = box.clickedButton() == openLocal;
        }
        if (!local) {
            refuse(message);
            return 1;
        }
        QString forgetError;
        if (!kms::ProfileLocation::rememberTeamUrl(location->dataDir, QString(), &forgetError))
            QTextStream(stderr) << "hanzo-kms: " << forgetError << Qt::endl;
        location = kms::ProfileLocation::resolve(parser.value(dataDirOption), QString(), &locationError);
        if (location)
            vault = std::make_unique<kms::CredentialVault>(location->keychainService());
        if (!location || !QCoro::waitFor(kms::openProfileDatabase(db, *vault, *location))) {
            refuse(QObject::tr("%1 Check that the folder is writable, or start with --data-dir.")
                       .arg(db.lastError()));
            return 1;
        }
    }
    kms::Engine engine(db, *vault);
    // This user's audit signing key, and the anchor raised after every write.
    if (!QCoro::waitFor(engine.audit().loadSigningKey()))
        QTextStream(stderr) << "hanzo-kms: audit events cannot be signed, so changes will fail: "
                            << engine.audit().lastError() << Qt::endl;
    kms::AuditAnchorFollower anchorFollower(engine.audit(), db);
    QObject::connect(&anchorFollower, &kms::AuditAnchorFollower::anchorFailed, [](const QString &error) {
        QTextStream(stderr) << "hanzo-kms: the audit anchor was not moved: " << error << Qt::endl;
    });
    kms::SecretCatalog catalog(db, *vault, &engine.connections(), &engine.leases());
    kms::LeaseRepository leaseRows(db);
    kms::ExpiryScheduler scheduler(engine.leases(), leaseRows);
    // A team profile: leases other desktops create, revoke or clean up show
    // here when they commit (LISTEN/NOTIFY), as this app's own do.
    kms::LeaseNotifications notifications(db);
    if (db.backend() == kms::Database::Backend::PostgreSQL) {
        if (notifications.start()) {
            QObject::connect(&notifications, &kms::LeaseNotifications::leaseChanged, &engine.leases(),
                [&engine](const QString &leaseId) {
                    emit engine.leases().leaseChanged(leaseId);
                    emit engine.leases().scheduleChanged();
                });
        } else {
            QTextStream(stderr) << "hanzo-kms: " << db.lastError() << Qt::endl;
        }
    }
    // A team profile: when its server cannot be reached, the window shows a
    // banner and this connects again (with backoff, or on Reconnect), then
    // LISTEN resumes and the window reloads.
    std::unique_ptr<kms::DatabaseReconnector> reconnector;
    if (db.backend() == kms::Database::Backend::PostgreSQL)
        reconnector = std::make_unique<kms::DatabaseReconnector>(
            db, vault.get(), location->database->passwordKey(), &notifications);

    kms::ui::AppServices services;
    services.engine = &engine;
    services.leases = &engine.leases();
    services.catalog = &catalog;
    services.clock = engine.leases().clock();
    services.reconnector = reconnector.get();
    // The demo's profile is thrown away: nothing to remember a team profile in.
    if (!demo)
        services.dataDir = location->dataDir;
    if (location->database)
        services.teamDatabaseUrl = location->database->toString();

    int exitCode = 0;
    std::optional<QString> switchTo; // File > Open Team Profile... / Open Local Profile
    {
        kms::ui::MainWindow window(services);
        QObject::connect(&window, &kms::ui::MainWindow::profileSwitchRequested,
            [&switchTo](const QString &databaseUrl) { switchTo = databaseUrl; });
        if (location->database)
            window.setWindowTitle(QObject::tr("%1 (team profile %2)")
                                      .arg(window.windowTitle(), location->database->identity()));
        if (demo) {
            window.addToolBar(Qt::TopToolBarArea, new kms::ui::DemoBanner(demo->cluster().url().toString()));
            window.setWindowTitle(window.windowTitle() + QStringLiteral(" (demo)"));
        }
        window.show();
        if (demo) {
            QTextStream(stdout) << QJsonDocument(demo->readyMessage()).toJson(QJsonDocument::Compact)
                                << Qt::endl;
        }
        // Leases whose expiry passed while the app was closed are cleaned up now.
        window.runReconcile();
        scheduler.start();
        exitCode = QApplication::exec();
        // Cluster calls under way (a reconcile's sweep, a lease being made or
        // revoked) finish before the window and the engine go, up to a limit.
        scheduler.stop();
        if (!QCoro::waitFor(services.leases->waitUntilIdle(std::chrono::seconds(10))))
            qWarning("hanzo-kms: quit with cluster calls still under way; the next start reconciles them.");
    }
    if (demo)
        demo->remove();
    if (switchTo && !demo && !restartInto(*switchTo)) {
        QTextStream(stderr)
            << "hanzo-kms: could not start again on the chosen profile; start hanzo-kms again." << Qt::endl;
        return 1;
    }
    return exitCode;
}
