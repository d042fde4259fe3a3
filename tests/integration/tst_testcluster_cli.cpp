// kms-testcluster's command line: usage errors, the ready line and the files
// it writes, clean exits, and the fault and expiry flags.
#include "KmsTestPaths.h"
#include "TestCluster.h"

#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using kms::test::TestCluster;

class TestClusterCliTest : public QObject {
    Q_OBJECT

private slots:
    void badUsageExitsTwo_data();
    void badUsageExitsTwo();
    void helpAndVersion();
    void readyLineAndStateFiles();
    void sigtermExitsCleanly();
    void exitsWhenStdinCloses();
    void maxTokenExpirationFlagCaps();
    void seededFailuresRepeat();
    void clockOffsetFlag();
    void staticSeedSetupGrantsExactlyTheSeedRole();
    void staticTokenUserAndTheNotesEscalationMessage();
    void malformedTokenAuthFileIsUsageError();
};

namespace {

struct Outcome {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Outcome runServer(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(KMS_TESTCLUSTER_PATH), args);
    p.closeWriteChannel();
    if (!p.waitForFinished(20000)) {
        p.kill();
        p.waitForFinished();
    }
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
        p.readAllStandardError() };
}

} // namespace

void TestClusterCliTest::badUsageExitsTwo_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("no state dir") << QStringList {}
                                  << QByteArray("kms-testcluster: --state-dir DIR is required\n");
    QTest::newRow("fail rate above 1") << QStringList { "--state-dir", "x", "--fail-rate",
        "1.5" } << QByteArray("kms-testcluster: --fail-rate must be a number between 0 and 1\n");
    QTest::newRow("fail rate text") << QStringList { "--state-dir", "x", "--fail-rate",
        "often" } << QByteArray("kms-testcluster: --fail-rate must be a number between 0 and 1\n");
    QTest::newRow("negative latency") << QStringList { "--state-dir", "x", "--latency-ms",
        "-1" } << QByteArray("kms-testcluster: --latency-ms must be a whole number of milliseconds >= 0\n");
    QTest::newRow("max expiration below 1h")
        << QStringList { "--state-dir", "x", "--max-token-expiration", "600" }
        << QByteArray("kms-testcluster: --max-token-expiration must be 0 or between 3600 (1 hour) and 2^32 "
                      "seconds\n");
    QTest::newRow("max expiration above 2^32")
        << QStringList { "--state-dir", "x", "--max-token-expiration", "4294967297" }
        << QByteArray("kms-testcluster: --max-token-expiration must be 0 or between 3600 (1 hour) and 2^32 "
                      "seconds\n");
    QTest::newRow("listen without port") << QStringList {
        "--state-dir", "x", "--listen", "127.0.0.1"
    } << QByteArray("kms-testcluster: --listen must be HOST:PORT with a numeric address, e.g. 127.0.0.1:0\n");
    QTest::newRow("listen host name") << QStringList {
        "--state-dir", "x", "--listen", "localhost:0"
    } << QByteArray("kms-testcluster: --listen must be HOST:PORT with a numeric address, e.g. 127.0.0.1:0\n");
    QTest::newRow("unknown option") << QStringList { "--state-dir", "x", "--bogus" }
                                    << QByteArray("kms-testcluster: Unknown option 'bogus'.\n");
    QTest::newRow("state dir is a file") << QStringList { "--state-dir",
        "/dev/null/x" } << QByteArray("kms-testcluster: cannot create the state directory /dev/null/x\n");
    QTest::newRow("clock offset too far")
        << QStringList { "--state-dir", "x", "--clock-offset", "99999999999" }
        << QByteArray("kms-testcluster: --clock-offset must be a whole number of seconds within 100 years\n");
    QTest::newRow("token cache too long")
        << QStringList { "--state-dir", "x", "--token-cache-seconds", "7200" }
        << QByteArray("kms-testcluster: --token-cache-seconds must be a whole number between 0 and 3600\n");
    QTest::newRow("stray argument") << QStringList { "--state-dir", "x", "extra" }
                                    << QByteArray("kms-testcluster: unexpected argument extra; see --help\n");
}

void TestClusterCliTest::badUsageExitsTwo()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    const Outcome o = runServer(args);
    QCOMPARE(o.exitCode, 2);
    QCOMPARE(o.err, message);
    QVERIFY(o.out.isEmpty());
}

void TestClusterCliTest::helpAndVersion()
{
    const Outcome help = runServer({ QStringLiteral("--help") });
    QCOMPARE(help.exitCode, 0);
    for (const char *flag :
        { "--state-dir", "--listen", "--latency-ms", "--fail-rate", "--max-token-expiration", "--seed",
            "--clock-offset", "--token-cache-seconds", "--exit-with-stdin" })
        QVERIFY2(help.out.contains(flag), flag);
    const Outcome version = runServer({ QStringLiteral("--version") });
    QCOMPARE(version.exitCode, 0);
    QVERIFY(version.out.startsWith("kms-testcluster "));
    QVERIFY(version.out.contains("OpenSSL"));
}

void TestClusterCliTest::readyLineAndStateFiles()
{
    TestCluster cluster;
    QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
    QCOMPARE(cluster.url().scheme(), QStringLiteral("https"));
    QCOMPARE(cluster.url().host(), QStringLiteral("127.0.0.1"));
    QVERIFY(cluster.url().port() > 0);
    for (const QString &file :
        { QStringLiteral("ca.crt"), QStringLiteral("admin.token"), QStringLiteral("kubeconfig") }) {
        QFile f(cluster.stateDir() + u'/' + file);
        QVERIFY2(f.exists(), qPrintable(file));
        QCOMPARE(
            f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteOther),
            QFileDevice::Permissions());
    }
    QCOMPARE(cluster.kubeconfigPath(), cluster.stateDir() + QStringLiteral("/kubeconfig"));
    QFile kubeconfig(cluster.kubeconfigPath());
    QVERIFY(kubeconfig.open(QIODevice::ReadOnly));
    const QByteArray config = kubeconfig.readAll();
    QVERIFY(config.contains("server: " + cluster.url().toString().toUtf8()));
    QVERIFY(config.contains("certificate-authority-data: " + cluster.caPem().toBase64()));
    QVERIFY(config.contains("token: " + cluster.adminToken()));
    QVERIFY(cluster.caPem().startsWith("-----BEGIN CERTIFICATE-----"));
    // The admin token is in system:masters.
    const auto self
        = cluster.request("POST", QStringLiteral("/apis/authentication.k8s.io/v1/selfsubjectreviews"),
            QJsonObject { { QStringLiteral("kind"), QStringLiteral("SelfSubjectReview") } });
    QCOMPARE(self.status, 201);
    QVERIFY(self.json.value(QStringLiteral("status"))
                .toObject()
                .value(QStringLiteral("userInfo"))
                .toObject()
                .value(QStringLiteral("groups"))
                .toArray()
                .contains(QStringLiteral("system:masters")));
}

void TestClusterCliTest::sigtermExitsCleanly()
{
    QTemporaryDir dir;
    QProcess p;
    p.start(QStringLiteral(KMS_TESTCLUSTER_PATH), { QStringLiteral("--state-dir"), dir.path() });
    QSignalSpy ready(&p, &QProcess::readyReadStandardOutput);
    QVERIFY(ready.wait(20000));
    QVERIFY(QJsonDocument::fromJson(p.readLine()).object().contains(QStringLiteral("url")));
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
}

void TestClusterCliTest::exitsWhenStdinCloses()
{
    QTemporaryDir dir;
    QProcess p;
    p.start(QStringLiteral(KMS_TESTCLUSTER_PATH),
        { QStringLiteral("--state-dir"), dir.path(), QStringLiteral("--exit-with-stdin") });
    QSignalSpy ready(&p, &QProcess::readyReadStandardOutput);
    QVERIFY(ready.wait(20000));
    QCOMPARE(p.state(), QProcess::Running);
    p.closeWriteChannel(); // as if the parent had died
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
}

void TestClusterCliTest::maxTokenExpirationFlagCaps()
{
    TestCluster cluster(TestCluster::Options { 0, 0, 3600, 1, {} });
    QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
    QCOMPARE(cluster.settings().value(QStringLiteral("maxTokenExpirationSeconds")).toInt(), 3600);
    const auto r
        = cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/default/token"),
            QJsonObject {
                { QStringLiteral("spec"), QJsonObject { { QStringLiteral("expirationSeconds"), 7200 } } } });
    QCOMPARE(r.status, 201);
    QCOMPARE(r.header("Warning"),
        QByteArray("299 - \"requested expiration of 7200 seconds shortened to 3600 seconds\""));
    QCOMPARE(
        r.json.value(QStringLiteral("spec")).toObject().value(QStringLiteral("expirationSeconds")).toInt(),
        3600);
}

void TestClusterCliTest::seededFailuresRepeat()
{
    QList<int> runs[2];
    for (QList<int> &statuses : runs) {
        TestCluster cluster(TestCluster::Options { 0, 0.5, 0, 42, {} });
        QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
        for (int i = 0; i < 24; ++i)
            statuses.append(cluster.request("GET", QStringLiteral("/version")).status);
    }
    QCOMPARE(runs[0], runs[1]);
    QVERIFY(runs[0].contains(200));
    QVERIFY(runs[0].contains(503) || runs[0].contains(0));
}

void TestClusterCliTest::clockOffsetFlag()
{
    TestCluster cluster(
        TestCluster::Options { 0, 0, 0, 1, { QStringLiteral("--clock-offset"), QStringLiteral("-7200") } });
    QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
    const auto r
        = cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/default/token"),
            QJsonObject { { QStringLiteral("spec"), QJsonObject() } });
    const QDateTime expiry = QDateTime::fromString(r.json.value(QStringLiteral("status"))
                                                       .toObject()
                                                       .value(QStringLiteral("expirationTimestamp"))
                                                       .toString(),
        Qt::ISODate);
    // An hour's token, issued two hours "ago": already past.
    QVERIFY(expiry < QDateTime::currentDateTimeUtc());
}

void TestClusterCliTest::staticSeedSetupGrantsExactlyTheSeedRole()
{
    TestCluster cluster;
    QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
    const QByteArray requester = cluster.applySeedSetup(TestCluster::SeedMode::Static);
    QVERIFY2(!requester.isEmpty(), qPrintable(cluster.errorString()));
    QVERIFY(cluster.tokenReview(requester).value(QStringLiteral("authenticated")).toBool());
    QVERIFY(cluster.canI(requester, QStringLiteral("create"), QStringLiteral("serviceaccounts"),
        QStringLiteral("default"), {}, QStringLiteral("token")));
    QVERIFY(cluster.canI(
        requester, QStringLiteral("get"), QStringLiteral("serviceaccounts"), QStringLiteral("team-a")));
    // The static role has no delete and no RBAC: the dynamic mode's rights are missing.
    QVERIFY(!cluster.canI(
        requester, QStringLiteral("delete"), QStringLiteral("serviceaccounts"), QStringLiteral("default")));
    QVERIFY(!cluster.canI(requester, QStringLiteral("create"), QStringLiteral("rolebindings"),
        QStringLiteral("default"), QStringLiteral("rbac.authorization.k8s.io")));
    QVERIFY(
        !cluster.canI(requester, QStringLiteral("list"), QStringLiteral("pods"), QStringLiteral("default")));
    QCOMPARE(cluster
                 .request("GET",
                     QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles/kms-dynamic-role"))
                 .status,
        404);
}

void TestClusterCliTest::staticTokenUserAndTheNotesEscalationMessage()
{
    QTemporaryDir dir;
    QFile tokens(dir.filePath(QStringLiteral("tokens.csv")));
    QVERIFY(tokens.open(QIODevice::WriteOnly));
    tokens.write("# token,user,uid,groups\nbob-token,bob,1001\nalice-token,alice,1002,\"devs,ops\"\n");
    tokens.close();
    TestCluster cluster(
        TestCluster::Options { 0, 0, 0, 1, { QStringLiteral("--token-auth-file"), tokens.fileName() } });
    QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));

    const QJsonObject alice = cluster.tokenReview("alice-token");
    QVERIFY(alice.value(QStringLiteral("authenticated")).toBool());
    QCOMPARE(alice.value(QStringLiteral("user")).toObject().value(QStringLiteral("groups")).toArray(),
        (QJsonArray {
            QStringLiteral("devs"), QStringLiteral("ops"), QStringLiteral("system:authenticated") }));
    QCOMPARE(cluster.request("GET", QStringLiteral("/api/v1/namespaces"), {}, "nobody-token").status, 401);

    // bob may create RoleBindings in default, and holds nothing else.
    const QString rbac = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/");
    auto rule = [](const QString &group, const QString &resource, const QStringList &verbs) {
        return QJsonObject { { QStringLiteral("apiGroups"), QJsonArray { group } },
            { QStringLiteral("resources"), QJsonArray { resource } },
            { QStringLiteral("verbs"), QJsonArray::fromStringList(verbs) } };
    };
    auto binding = [](const QString &name, const QString &role, const QJsonObject &subject) {
        return QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
            { QStringLiteral("kind"), QStringLiteral("RoleBinding") },
            { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } },
            { QStringLiteral("roleRef"),
                QJsonObject { { QStringLiteral("apiGroup"), QStringLiteral("rbac.authorization.k8s.io") },
                    { QStringLiteral("kind"), QStringLiteral("Role") }, { QStringLiteral("name"), role } } },
            { QStringLiteral("subjects"), QJsonArray { subject } } };
    };
    const QJsonObject bob { { QStringLiteral("apiGroup"), QStringLiteral("rbac.authorization.k8s.io") },
        { QStringLiteral("kind"), QStringLiteral("User") },
        { QStringLiteral("name"), QStringLiteral("bob") } };
    for (const auto &[name, rules] :
        { std::pair { QStringLiteral("binder"),
              QJsonArray { rule(QStringLiteral("rbac.authorization.k8s.io"), QStringLiteral("rolebindings"),
                  { QStringLiteral("create") }) } },
            std::pair { QStringLiteral("secret-reader"),
                QJsonArray { rule(QString(), QStringLiteral("secrets"),
                    { QStringLiteral("get"), QStringLiteral("list") }) } } }) {
        QCOMPARE(cluster
                     .request("POST", rbac + QStringLiteral("roles"),
                         QJsonObject {
                             { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } },
                             { QStringLiteral("rules"), rules } })
                     .status,
            201);
    }
    QCOMPARE(cluster
                 .request("POST", rbac + QStringLiteral("rolebindings"),
                     binding(QStringLiteral("bob-binder"), QStringLiteral("binder"), bob))
                 .status,
        201);
    const auto r = cluster.request("POST", rbac + QStringLiteral("rolebindings"),
        binding(QStringLiteral("rb"), QStringLiteral("secret-reader"), bob), "bob-token");
    QCOMPARE(r.status, 403);
    // The example of kubernetes-api.md, byte for byte.
    QCOMPARE(r.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("rolebindings.rbac.authorization.k8s.io \"rb\" is forbidden: user \"bob\" "
                       "(groups=[\"system:authenticated\"]) "
                       "is attempting to grant RBAC permissions not currently held:\n"
                       "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}"));
    QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("Forbidden"));
    QCOMPARE(r.json.value(QStringLiteral("code")).toInt(), 403);
}

void TestClusterCliTest::malformedTokenAuthFileIsUsageError()
{
    QTemporaryDir dir;
    QFile tokens(dir.filePath(QStringLiteral("tokens.csv")));
    QVERIFY(tokens.open(QIODevice::WriteOnly));
    tokens.write("good,user,1\n,nameless,2\n");
    tokens.close();
    const Outcome o = runServer({ QStringLiteral("--state-dir"), dir.path(),
        QStringLiteral("--token-auth-file"), tokens.fileName() });
    QCOMPARE(o.exitCode, 2);
    QCOMPARE(o.err,
        QStringLiteral(
            "kms-testcluster: --token-auth-file %1: line 2: expected token,user,uid[,\"group1,group2\"]\n")
            .arg(tokens.fileName())
            .toUtf8());
    const Outcome missing = runServer({ QStringLiteral("--state-dir"), dir.path(),
        QStringLiteral("--token-auth-file"), dir.filePath(QStringLiteral("none.csv")) });
    QCOMPARE(missing.exitCode, 2);
    QVERIFY(missing.err.startsWith("kms-testcluster: --token-auth-file: cannot read "));
}

QTEST_GUILESS_MAIN(TestClusterCliTest)
#include "tst_testcluster_cli.moc"
