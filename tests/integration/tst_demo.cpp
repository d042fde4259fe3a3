// hanzo-kms --demo: a kms-testcluster child with the seed setup, a throw-away
// profile whose secrets lease tokens the cluster accepts, the child ending with
// the app even when the app is killed, and a clean quit leaving nothing behind.
#include "CliRunner.h"
#include "KmsTestPaths.h"
#include "core/DynamicSecret.h"
#include "kube/KubeClient.h"
#include "kube/KubeTransport.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/SecretRepository.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <csignal>
#include <memory>

namespace {

// The pid runs (a zombie does not count: it has exited, its parent just has not reaped it).
bool processRuns(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close < 0 || line.mid(close + 2, 1) != "Z";
}

// One `hanzo-kms --demo` process, offscreen.
struct DemoRun {
    std::unique_ptr<QProcess> process = std::make_unique<QProcess>();
    QJsonObject ready;
    QByteArray err;

    QString dataDir() const { return ready.value(QStringLiteral("dataDir")).toString(); }
    QString rootDir() const { return QFileInfo(dataDir()).absolutePath(); }
    QString service() const { return ready.value(QStringLiteral("keychainService")).toString(); }
    qint64 clusterPid() const { return qint64(ready.value(QStringLiteral("testclusterPid")).toDouble()); }

    QProcessEnvironment profileEnvironment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HANZO_KMS_DATA_DIR"), dataDir());
        env.insert(QStringLiteral("HANZO_KMS_KEYCHAIN_SERVICE"), service());
        return env;
    }

    // Starts the demo and waits for its ready line (or its end).
    bool start(const QProcessEnvironment &extra = {})
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        for (const QString &key : extra.keys())
            env.insert(key, extra.value(key));
        process->setProcessEnvironment(env);
        process->start(QStringLiteral(KMS_GUI_PATH), { QStringLiteral("--demo") });
        if (!process->waitForStarted(10000))
            return false;
        // waitForReadyRead returns early when output arrives or the process ends.
        QDeadlineTimer deadline(45000);
        while (!process->canReadLine() && process->state() == QProcess::Running && !deadline.hasExpired())
            process->waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
        err = process->readAllStandardError();
        if (!process->canReadLine())
            return false;
        ready = QJsonDocument::fromJson(process->readLine()).object();
        return ready.value(QStringLiteral("demo")).toString() == QLatin1String("ready");
    }

    // The vault keys of the profile's secrets (read while the app runs).
    QStringList vaultKeys() const
    {
        kms::Database db;
        if (!db.open(dataDir()))
            return {};
        QStringList keys;
        for (const kms::DynamicSecret &s : kms::SecretRepository(db).listAll())
            keys << s.vaultKey();
        return keys;
    }

    // After a crash: what a clean quit would have removed.
    void removeLeftovers()
    {
        if (dataDir().isEmpty() || !QFileInfo::exists(dataDir()))
            return;
        kms::CredentialVault vault(service());
        for (const QString &key : vaultKeys())
            QCoro::waitFor(vault.remove(key));
        QDir(rootDir()).removeRecursively();
    }

    ~DemoRun()
    {
        if (process->state() != QProcess::NotRunning) {
            process->terminate();
            if (!process->waitForFinished(15000)) {
                process->kill();
                process->waitForFinished(5000);
            }
        }
        if (processRuns(clusterPid()))
            ::kill(pid_t(clusterPid()), SIGKILL);
        removeLeftovers();
    }
};

// TokenReview as the demo cluster's admin (its CA and token are in the state dir).
QJsonObject tokenReview(const DemoRun &demo, const QByteArray &token)
{
    const QDir state(demo.ready.value(QStringLiteral("clusterStateDir")).toString());
    QFile ca(state.filePath(QStringLiteral("ca.crt")));
    QFile admin(state.filePath(QStringLiteral("admin.token")));
    if (!ca.open(QIODevice::ReadOnly) || !admin.open(QIODevice::ReadOnly))
        return {};
    QString error;
    auto transport = kms::TokenTransport::create(demo.ready.value(QStringLiteral("cluster")).toString(),
        ca.readAll(), true, admin.readAll().trimmed(), &error);
    if (!transport)
        return {};
    QNetworkAccessManager nam;
    kms::KubeClient client(&nam, std::move(transport));
    const kms::KubeResult r
        = QCoro::waitFor(client.post(QStringLiteral("/apis/authentication.k8s.io/v1/tokenreviews"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
                { QStringLiteral("kind"), QStringLiteral("TokenReview") },
                { QStringLiteral("spec"),
                    QJsonObject { { QStringLiteral("token"), QString::fromLatin1(token) } } } }));
    return r.ok() ? r.body.value(QStringLiteral("status")).toObject() : QJsonObject();
}

} // namespace

class TestDemo : public QObject {
    Q_OBJECT

private slots:
    void readyLineDescribesTheProfile()
    {
        DemoRun demo;
        QVERIFY2(demo.start(), demo.err.constData());
        QVERIFY(QFileInfo(demo.dataDir()).isDir());
        QVERIFY(QFileInfo::exists(QDir(demo.dataDir()).filePath(QStringLiteral("kms.sqlite"))));
        QVERIFY(demo.service().startsWith(QLatin1String("hanzo-kms-demo-")));
        QVERIFY(demo.ready.value(QStringLiteral("cluster"))
                    .toString()
                    .startsWith(QLatin1String("https://127.0.0.1:")));
        QVERIFY(processRuns(demo.clusterPid()));
        QCOMPARE(demo.ready.value(QStringLiteral("secrets")).toArray(),
            (QJsonArray { QStringLiteral("demo-static"), QStringLiteral("demo-dynamic") }));
        // Not the test's own profile: the demo never touches the user's data or keychain.
        QVERIFY(demo.dataDir()
            != QProcessEnvironment::systemEnvironment().value(QStringLiteral("HANZO_KMS_DATA_DIR")));
        QVERIFY(demo.service() != kms::CredentialVault::defaultServiceName());
    }

    // The CLI on the demo's profile leases tokens that the demo cluster accepts.
    void leasesFromTheDemoProfileWork_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("userPrefix");
        QTest::newRow("dynamic, demo-staging") << QStringList { QStringLiteral("demo-dynamic"),
            QStringLiteral("--namespace"), QStringLiteral("demo-staging") }
                                               << QStringLiteral("system:serviceaccount:demo-staging:");
        QTest::newRow("dynamic, default namespace") << QStringList { QStringLiteral("demo-dynamic"),
            QStringLiteral("--namespace"), QStringLiteral("default") }
                                                    << QStringLiteral("system:serviceaccount:default:");
        QTest::newRow("static") << QStringList { QStringLiteral("demo-static") }
                                << QStringLiteral("system:serviceaccount:demo-apps:demo-reader");
    }

    void leasesFromTheDemoProfileWork()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, userPrefix);
        DemoRun demo;
        QVERIFY2(demo.start(), demo.err.constData());
        const kms::test::CliRunner cli(demo.profileEnvironment());
        const kms::test::CliResult lease
            = cli.run(QStringList { QStringLiteral("lease"), QStringLiteral("create") } + args
                + QStringList { QStringLiteral("--ttl"), QStringLiteral("15m"), QStringLiteral("-o"),
                    QStringLiteral("token") });
        QVERIFY2(lease.exitCode == 0, lease.describe().constData());
        const QByteArray token = lease.out.trimmed();
        QVERIFY(token.count('.') == 2);
        const QJsonObject review = tokenReview(demo, token);
        QVERIFY2(review.value(QStringLiteral("authenticated")).toBool(),
            QJsonDocument(review).toJson(QJsonDocument::Compact).constData());
        QVERIFY(review.value(QStringLiteral("user"))
                    .toObject()
                    .value(QStringLiteral("username"))
                    .toString()
                    .startsWith(userPrefix));
    }

    void aNamespaceOutsideTheAllowedListIsRefused()
    {
        DemoRun demo;
        QVERIFY2(demo.start(), demo.err.constData());
        const kms::test::CliRunner cli(demo.profileEnvironment());
        const kms::test::CliResult lease = cli.run({ QStringLiteral("lease"), QStringLiteral("create"),
            QStringLiteral("demo-dynamic"), QStringLiteral("--namespace"), QStringLiteral("kube-system"),
            QStringLiteral("-o"), QStringLiteral("token") });
        QVERIFY2(lease.exitCode != 0, lease.describe().constData());
        QVERIFY(lease.out.isEmpty());
        QVERIFY2(lease.errText().contains(QLatin1String("kube-system")), lease.describe().constData());
    }

    // A crash (SIGKILL: nothing of ours runs) still takes kms-testcluster down.
    void killedAppTakesTheClusterDown()
    {
        DemoRun demo;
        QVERIFY2(demo.start(), demo.err.constData());
        const qint64 clusterPid = demo.clusterPid();
        QVERIFY(processRuns(clusterPid));
        ::kill(pid_t(demo.process->processId()), SIGKILL);
        QVERIFY(demo.process->waitForFinished(10000));
        QTRY_VERIFY_WITH_TIMEOUT(!processRuns(clusterPid), 10000);
    }

    // What a killed demo leaves (its folder, its keychain entries) goes when the next demo starts.
    void nextDemoRemovesAKilledDemosProfile()
    {
        DemoRun killed;
        QVERIFY2(killed.start(), killed.err.constData());
        const QStringList keys = killed.vaultKeys();
        QCOMPARE(keys.size(), 2);
        const QString root = killed.rootDir();
        ::kill(pid_t(killed.process->processId()), SIGKILL);
        QVERIFY(killed.process->waitForFinished(10000));
        kms::CredentialVault vault(killed.service());
        QVERIFY(QFileInfo(root).isDir());
        QVERIFY(QCoro::waitFor(vault.get(keys.constFirst())).ok);

        DemoRun next;
        QVERIFY2(next.start(), next.err.constData());
        QVERIFY2(!QFileInfo::exists(root), qPrintable(root));
        for (const QString &key : keys) {
            const kms::VaultResult entry = QCoro::waitFor(vault.get(key));
            QVERIFY2(
                !entry.ok && entry.error == kms::VaultResult::Error::NotFound, qPrintable(entry.message));
        }
        // A running demo's profile is not touched by another one.
        DemoRun third;
        QVERIFY2(third.start(), third.err.constData());
        QVERIFY(QFileInfo(next.rootDir()).isDir());
        QVERIFY(QCoro::waitFor(kms::CredentialVault(next.service()).get(next.vaultKeys().constFirst())).ok);
    }

    // SIGTERM quits as closing the window does: the child, the keychain entries and the files go.
    void cleanQuitRemovesTheProfile()
    {
        DemoRun demo;
        QVERIFY2(demo.start(), demo.err.constData());
        const QStringList keys = demo.vaultKeys();
        QCOMPARE(keys.size(), 2);
        kms::CredentialVault vault(demo.service());
        for (const QString &key : keys) {
            const kms::VaultResult entry = QCoro::waitFor(vault.get(key));
            QVERIFY2(entry.ok && !entry.value.isEmpty(), qPrintable(entry.message));
        }
        const QString root = demo.rootDir();
        QVERIFY(QFileInfo(root).isDir());

        demo.process->terminate();
        QVERIFY(demo.process->waitForFinished(20000));
        QCOMPARE(demo.process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(demo.process->exitCode(), 0);
        QVERIFY(!processRuns(demo.clusterPid()));
        QVERIFY2(!QFileInfo::exists(root), qPrintable(root));
        for (const QString &key : keys) {
            const kms::VaultResult entry = QCoro::waitFor(vault.get(key));
            QVERIFY2(
                !entry.ok && entry.error == kms::VaultResult::Error::NotFound, qPrintable(entry.message));
        }
    }

    // Without a keychain the demo cannot hold its cluster token: it says so and leaves nothing behind.
    void noKeychainIsAClearError()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/bus"));
        DemoRun demo;
        QVERIFY(!demo.start(env));
        QVERIFY(demo.process->state() == QProcess::NotRunning || demo.process->waitForFinished(30000));
        QCOMPARE(demo.process->exitCode(), 1);
        demo.err += demo.process->readAllStandardError();
        QVERIFY2(demo.err.contains("The demo needs a keychain"), demo.err.constData());
        // Its folder is named after its keychain service, which the message names.
        const QRegularExpressionMatch service
            = QRegularExpression(QStringLiteral("hanzo-kms-demo-\\w+")).match(QString::fromUtf8(demo.err));
        QVERIFY2(service.hasMatch(), demo.err.constData());
        QVERIFY(!QFileInfo::exists(QDir(QDir::tempPath()).filePath(service.captured())));
        QVERIFY(!demo.err.contains("eyJ")); // no token in the message
    }

    void missingTestClusterIsAClearError_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("no such file") << QStringLiteral("/nonexistent/kms-testcluster");
        QTest::newRow("not executable") << QStringLiteral(KMS_SOURCE_DIR "/README.md");
    }

    void missingTestClusterIsAClearError()
    {
        QFETCH(QString, path);
        QProcessEnvironment env;
        env.insert(QStringLiteral("HANZO_KMS_TESTCLUSTER"), path);
        DemoRun demo;
        QVERIFY(!demo.start(env));
        QVERIFY(demo.process->state() == QProcess::NotRunning || demo.process->waitForFinished(10000));
        QCOMPARE(demo.process->exitCode(), 1);
        demo.err += demo.process->readAllStandardError();
        QVERIFY2(demo.err.contains("HANZO_KMS_TESTCLUSTER=" + path.toUtf8()), demo.err.constData());
        QVERIFY2(demo.err.contains("not an executable file"), demo.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestDemo)
#include "tst_demo.moc"
