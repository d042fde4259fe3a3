// hanzo-kmsctl against input made to hurt it, and against kms-testcluster:
// tokens that would add headers, files and pipes without end, kubeconfig
// fields the product does not honour, control characters in names and in
// the server's messages, a missing keychain, an answer cut off mid-body.
// Every refusal is exit 2 (or 1 for a failed operation), one line on stderr,
// quick, and sends nothing to the cluster.
#include "CliRunner.h"
#include "TestCluster.h"
#include "TestSupport.h"

#include "core/DynamicSecret.h"
#include "store/CredentialVault.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <QCoro/QCoroTask>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

using namespace kms;
using namespace kms::test;

namespace {

// The ESC sequences a hostile name or message would carry: a window title, a bell, clear screen.
const QByteArray EvilUser = "evil\x1b]0;owned\x07\x1b[2J";
const QByteArray EvilUserToken = "evil-user-token-0123456789";

// One line on stderr that starts with the program's name, and no raw control character in it.
bool isOneCleanLine(const QByteArray &err)
{
    if (!err.startsWith("hanzo-kmsctl: ") || !err.endsWith('\n') || err.count('\n') != 1)
        return false;
    for (const char c : err.chopped(1)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f)
            return false;
    }
    return true;
}

} // namespace

class TestCliHostileInput : public QObject {
    Q_OBJECT

    QTemporaryDir m_files;
    std::unique_ptr<TestCluster> m_cluster;
    std::unique_ptr<TempProfile> m_profile;
    std::unique_ptr<CliRunner> m_cli;
    QByteArray m_requester;
    QString m_tokenFile;
    QString m_caFile;

    QString write(const QString &name, const QByteArray &data)
    {
        QFile f(m_files.filePath(name));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(name));
        f.write(data);
        return f.fileName();
    }
    QString fifo(const QString &name)
    {
        const QString path = m_files.filePath(name);
        QFile::remove(path);
#ifdef Q_OS_UNIX
        if (::mkfifo(QFile::encodeName(path).constData(), 0600) != 0)
            qFatal("cannot make the FIFO %s", qPrintable(path));
#endif
        return path;
    }
    // A kubeconfig for the test cluster; the cluster's and the user's fields are given as YAML lines.
    QString kubeconfig(const QString &name, const QByteArray &clusterFields, const QByteArray &userFields)
    {
        return write(name,
            "apiVersion: v1\nkind: Config\ncurrent-context: kc\nclusters:\n- name: kc\n  cluster:\n"
            "    server: "
                + m_cluster->url().toString().toUtf8() + "\n    certificate-authority-data: "
                + m_cluster->caPem().toBase64() + "\n" + clusterFields + "users:\n- name: kc\n  user:\n"
                + userFields + "contexts:\n- name: kc\n  context: {cluster: kc, user: kc}\n");
    }
    QStringList importArgs(const QString &name, const QString &kubeconfigPath)
    {
        return { "secret", "import-kubeconfig", name, "--kubeconfig", kubeconfigPath, "--env", "Production",
            "--type", "static", "--service-account", "kms-token-requester", "--namespace", "default" };
    }
    qint64 requestsServed()
    {
        return qint64(m_cluster->settings().value("requests").toDouble());
    }
    QStringList secretNames()
    {
        QStringList names;
        const CliResult r = m_cli->run({ "secret", "list", "-o", "json" });
        for (const QJsonValue &s : QJsonDocument::fromJson(r.out).array())
            names << s["name"].toString();
        return names;
    }
    QJsonArray leasesOf(const QString &secret)
    {
        const CliResult r = m_cli->run({ "lease", "list", secret, "--all", "-o", "json" });
        return QJsonDocument::fromJson(r.out).array();
    }
    qint64 secretId(const QString &name)
    {
        const CliResult r = m_cli->run({ "secret", "show", name, "-o", "json" });
        return QJsonDocument::fromJson(r.out).object().value("id").toInteger();
    }

private slots:
    void initTestCase()
    {
        const QString users = write("users.csv", EvilUserToken + "," + EvilUser + ",evil-uid\n");
        TestCluster::Options options;
        options.extraArguments = { "--token-auth-file", users };
        m_cluster = std::make_unique<TestCluster>(options);
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        m_requester = m_cluster->applySeedSetup();
        QVERIFY2(!m_requester.isEmpty(), qPrintable(m_cluster->errorString()));
        m_cluster->request("POST", "/api/v1/namespaces",
            { { "apiVersion", "v1" }, { "kind", "Namespace" },
                { "metadata", QJsonObject { { "name", "team-a" } } } });
        m_profile = std::make_unique<TempProfile>();
        m_cli = std::make_unique<CliRunner>(m_profile->environment());
        m_tokenFile = write("requester.token", m_requester + "\n");
        m_caFile = write("ca.crt", m_cluster->caPem());
        // An unbound static secret: one TokenRequest per lease.
        const CliResult created = m_cli->run({ "secret", "create", "deploy", "--env", "Development", "--type",
            "static", "--url", m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file",
            m_tokenFile, "--service-account", "kms-token-requester", "--namespace", "default" });
        QVERIFY2(created.exitCode == 0, created.describe());
    }

    void cleanup()
    {
        // A row that was wrongly accepted must not fail the next one for its name.
        for (const char *name : { "from-kc", "bounded" }) {
            if (secretNames().contains(name))
                m_cli->run({ "secret", "delete", name, "--force" });
        }
    }

    // --- 1. Tokens from every source: visible ASCII, no spaces, bounded. ---

    void kubeconfigTokensAreCheckedLikeTokenFiles_data()
    {
        QTest::addColumn<QByteArray>("user");
        QTest::addColumn<QString>("expected");
        const QByteArray requester = m_requester;
        QTest::newRow("CR/LF adds a header")
            << "    token: \"" + requester + "\\r\\nImpersonate-User: system:admin\"\n"
            << "--kubeconfig: The token of user \"kc\" contains spaces, line breaks";
        QTest::newRow("line feed") << QByteArray("    token: \"abc\\ndef\"\n")
                                   << "contains spaces, line breaks";
        QTest::newRow("space") << QByteArray("    token: \"abc def\"\n") << "contains spaces, line breaks";
        QTest::newRow("escape") << QByteArray("    token: \"abc\\e[2J\"\n") << "contains spaces, line breaks";
        QTest::newRow("longer than 16 KiB") << "    token: " + QByteArray(16 * 1024 + 1, 'a') + "\n"
                                            << "is longer than 16 KiB";
        QTest::newRow("multi-line tokenFile") << "    tokenFile: "
                + write("shadow",
                    "root:$6$salt$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
                    "kms:$6$other$hash:19000:0:99999:7:::\n")
                      .toUtf8()
                + "\n"
                                              << "--kubeconfig: The token in the tokenFile of user \"kc\", "
                + m_files.filePath("shadow") + ", contains spaces, line breaks";
        QTest::newRow("tokenFile /dev/zero")
            << QByteArray("    tokenFile: /dev/zero\n")
            << "The tokenFile of user \"kc\" cannot be used: /dev/zero is larger than 64 KiB";
        QTest::newRow("tokenFile FIFO without writer")
            << "    tokenFile: " + fifo("token.fifo").toUtf8() + "\n"
            << "is empty";
        QTest::newRow("token and tokenFile")
            << "    token: abc\n    tokenFile: " + m_tokenFile.toUtf8() + "\n"
            << "The user \"kc\" sets both token and tokenFile";
    }
    void kubeconfigTokensAreCheckedLikeTokenFiles()
    {
        QFETCH(QByteArray, user);
        QFETCH(QString, expected);
        const QString path = kubeconfig("bad-token.kubeconfig", {}, user);
        const qint64 before = requestsServed();
        QElapsedTimer t;
        t.start();
        const CliResult r = m_cli->run(importArgs("from-kc", path), {}, 10000);
        const qint64 elapsed = t.elapsed();
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
        QVERIFY2(isOneCleanLine(r.err), r.describe());
        QVERIFY2(!r.err.contains("abc") && !r.err.contains("root:") && !r.err.contains(m_requester),
            r.describe()); // never the token
        QVERIFY2(elapsed < 1000 * test::SanitizerFactor, qPrintable(QString::number(elapsed)));
        QVERIFY(!secretNames().contains("from-kc"));
        QCOMPARE(requestsServed(), before);
    }

    void aBadTokenInTheKeychainIsNeverSent()
    {
        // As if the keychain entry had been written by something else: the
        // token check happens again before any request is built.
        const QString key = DynamicSecret::vaultKeyFor(secretId("deploy"));
        CredentialVault vault;
        const VaultResult put
            = QCoro::waitFor(vault.put(key, m_requester + "\r\nImpersonate-User: system:admin"));
        QVERIFY2(put.ok, qPrintable(put.message));
        const qint64 before = requestsServed();
        const CliResult r = m_cli->run({ "lease", "create", "deploy", "-o", "token" });
        QVERIFY(QCoro::waitFor(vault.put(key, m_requester)).ok);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains("cluster token of secret \"deploy\"")
                && r.errText().contains("contains spaces, line breaks"),
            r.describe());
        QVERIFY2(isOneCleanLine(r.err) && r.out.isEmpty(), r.describe());
        QCOMPARE(requestsServed(), before);
        QCOMPARE(leasesOf("deploy").size(), 0); // no failed row either
    }

    // --- 2. Every file and stdin read is bounded. ---

    void everyReadIsBounded_data()
    {
        QTest::addColumn<QStringList>("args"); // after "secret create NAME"
        QTest::addColumn<QString>("stdinFile");
        QTest::addColumn<QByteArray>("stdinData");
        QTest::addColumn<QString>("expected");
        const QStringList base { "--env", "Development", "--type", "static", "--url", "https://127.0.0.1:1",
            "--service-account", "sa", "--namespace", "default" };
        QTest::newRow("--token-file /dev/zero")
            << base + QStringList { "--token-file", "/dev/zero" } << QString() << QByteArray()
            << "--token-file: /dev/zero is larger than 64 KiB";
        QTest::newRow("--token-file FIFO") << base + QStringList { "--token-file", fifo("create.fifo") }
                                           << QString() << QByteArray() << "holds no token";
        QTest::newRow("--token-stdin < /dev/zero")
            << base + QStringList { "--token-stdin" } << "/dev/zero" << QByteArray()
            << "--token-stdin: stdin is larger than 64 KiB";
        QTest::newRow("100 MB on --token-stdin")
            << base + QStringList { "--token-stdin" } << QString() << QByteArray(100 * 1024 * 1024, 'a')
            << "--token-stdin: stdin is larger than 64 KiB";
        QTest::newRow("--ca-file /dev/zero")
            << base + QStringList { "--token-file", m_tokenFile, "--ca-file", "/dev/zero" } << QString()
            << QByteArray() << "--ca-file: /dev/zero is larger than 1 MiB";
        QTest::newRow("--ca-file FIFO")
            << base + QStringList { "--token-file", m_tokenFile, "--ca-file", fifo("ca.fifo") } << QString()
            << QByteArray() << "--ca-file: " + m_files.filePath("ca.fifo") + " is empty";
    }
    void everyReadIsBounded()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, stdinFile);
        QFETCH(QByteArray, stdinData);
        QFETCH(QString, expected);
        const QStringList full = QStringList { "secret", "create", "bounded" } + args;
        QElapsedTimer t;
        t.start();
        const CliResult r = stdinFile.isEmpty() ? m_cli->run(full, stdinData, 10000)
                                                : m_cli->runWithStdinFile(full, stdinFile, 10000);
        const qint64 elapsed = t.elapsed();
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
        QVERIFY2(isOneCleanLine(r.err), r.describe());
        QVERIFY2(elapsed < 1000 * test::SanitizerFactor, qPrintable(QString::number(elapsed)));
        QVERIFY(!secretNames().contains("bounded"));
    }

    void kubeconfigReadsAreBounded_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("expected");
        QTest::newRow("/dev/zero") << "/dev/zero"
                                   << "--kubeconfig: The kubeconfig /dev/zero is larger than 4 MiB";
        QTest::newRow("FIFO") << fifo("kubeconfig.fifo") << "is empty";
        QTest::newRow("50 MB token") << kubeconfig(
            "huge.kubeconfig", {}, "    token: " + QByteArray(50 * 1024 * 1024, 'a') + "\n")
                                     << "huge.kubeconfig is larger than 4 MiB";
        QTest::newRow("certificate-authority /dev/zero") << write("ca-zero.kubeconfig",
            "apiVersion: v1\nkind: Config\ncurrent-context: kc\nclusters:\n- name: kc\n  cluster:\n"
            "    server: https://127.0.0.1:1\n    certificate-authority: /dev/zero\nusers:\n- name: kc\n"
            "  user:\n    token: abc\ncontexts:\n- name: kc\n  context: {cluster: kc, user: kc}\n")
                                                         << "The certificate-authority of cluster \"kc\" "
                                                            "cannot be used: /dev/zero is larger than 1 MiB";
    }
    void kubeconfigReadsAreBounded()
    {
        QFETCH(QString, path);
        QFETCH(QString, expected);
        QElapsedTimer t;
        t.start();
        const CliResult r = m_cli->run(importArgs("from-kc", path), {}, 10000);
        const qint64 elapsed = t.elapsed();
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
        QVERIFY2(isOneCleanLine(r.err), r.describe());
        QVERIFY2(elapsed < 1000 * test::SanitizerFactor, qPrintable(QString::number(elapsed)));
    }

    // --- 4. Kubeconfig fields the product does not honour: refused, never dropped. ---

    void kubeconfigFieldsThatAreNotHonouredAreRefused_data()
    {
        QTest::addColumn<QByteArray>("cluster");
        QTest::addColumn<QByteArray>("user");
        QTest::addColumn<QString>("expected");
        const QByteArray token = "    token: " + m_requester + "\n";
        QTest::newRow("proxy-url") << QByteArray("    proxy-url: http://proxy.example:3128\n") << token
                                   << "cluster \"kc\" sets proxy-url";
        QTest::newRow("tls-server-name") << QByteArray("    tls-server-name: kubernetes.default\n") << token
                                         << "cluster \"kc\" sets tls-server-name";
        QTest::newRow("insecure-skip-tls-verify")
            << QByteArray("    insecure-skip-tls-verify: true\n") << token
            << "cluster \"kc\" sets insecure-skip-tls-verify: true; pass --insecure-skip-tls-verify";
        QTest::newRow("exec") << QByteArray()
                              << token
                + "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                  "      command: aws\n"
                              << "user \"kc\" sets exec";
        QTest::newRow("auth-provider") << QByteArray() << token + "    auth-provider:\n      name: oidc\n"
                                       << "user \"kc\" sets auth-provider";
        QTest::newRow("client certificate")
            << QByteArray() << token + "    client-certificate-data: AAAA\n    client-key-data: AAAA\n"
            << "user \"kc\" sets client-certificate-data";
        QTest::newRow("impersonation") << QByteArray() << token + "    as: system:admin\n"
                                       << "user \"kc\" sets as";
        QTest::newRow("basic auth") << QByteArray() << token + "    username: admin\n    password: secret\n"
                                    << "user \"kc\" sets username";
    }
    void kubeconfigFieldsThatAreNotHonouredAreRefused()
    {
        QFETCH(QByteArray, cluster);
        QFETCH(QByteArray, user);
        QFETCH(QString, expected);
        const qint64 before = requestsServed();
        const CliResult r = m_cli->run(importArgs("from-kc", kubeconfig("fields.kubeconfig", cluster, user)));
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
        QVERIFY2(isOneCleanLine(r.err), r.describe());
        QVERIFY(!secretNames().contains("from-kc"));
        QCOMPARE(requestsServed(), before);
    }

    void insecureSkipTlsVerifyNeedsTheFlagAndStaysVisible()
    {
        const QString path = kubeconfig("insecure.kubeconfig", "    insecure-skip-tls-verify: true\n",
            "    token: " + m_requester + "\n");
        const CliResult r = m_cli->run(importArgs("insecure", path) << "--insecure-skip-tls-verify");
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY2(r.errText().contains("warning: TLS verification is off for dynamic secret \"insecure\""),
            r.describe());
        const CliResult shown = m_cli->run({ "secret", "show", "insecure" });
        QVERIFY2(shown.outText().contains("TLS verification:") && shown.outText().contains("off (insecure)"),
            shown.describe());
        QVERIFY(m_cli->run({ "secret", "delete", "insecure" }).exitCode == 0);

        // With a cluster that verifies TLS, the flag has nothing to confirm.
        const QString verified = kubeconfig("verified.kubeconfig", {}, "    token: " + m_requester + "\n");
        const CliResult extra = m_cli->run(importArgs("insecure", verified) << "--insecure-skip-tls-verify");
        QVERIFY2(extra.exitCode == 2
                && extra.errText().contains("--insecure-skip-tls-verify: the cluster \"kc\" does not set"),
            extra.describe());
        QVERIFY(!secretNames().contains("insecure"));
    }

    // --- 5. Control characters in names and in the server's messages are escaped. ---

    void controlCharactersInNamesAreEscaped_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("expected");
        const QString name = QString::fromUtf8("bad\x1b[31mname\n");
        QTest::newRow("secret show") << QStringList { "secret", "show", name } << 1
                                     << "no dynamic secret \"bad\\x1b[31mname\\n\"";
        QTest::newRow("secret create") << QStringList { "secret", "create", name, "--env", "Development",
            "--type", "static", "--url", "https://127.0.0.1:1", "--token-file", m_tokenFile,
            "--service-account", "sa", "--namespace", "default" }
                                       << 2 << "NAME: Name \"bad\\x1b[31mname\\n\"";
        QTest::newRow("environment") << QStringList { "secret", "list", "--env", "qa\r\x1b[2K" } << 2
                                     << "no environment \"qa\\r\\x1b[2K\"";
        QTest::newRow("lease revoke")
            << QStringList { "lease", "revoke", "x\x1b]0;t\x07" } << 1 << "no lease \"x\\x1b]0;t\\x07\"";
        QTest::newRow("unknown command")
            << QStringList { "secret", "rm\x1b[2J" } << 2 << "unknown command \"secret rm\\x1b[2J\"";
        QTest::newRow("ttl") << QStringList { "lease", "create", "deploy", "--ttl", "1h\n2h" } << 2
                             << "--ttl: Duration \"1h\\n2h\"";
    }
    void controlCharactersInNamesAreEscaped()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, expected);
        const CliResult r = m_cli->run(args);
        QVERIFY2(r.exitCode == exitCode, r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
        QVERIFY2(isOneCleanLine(r.err), r.describe());
    }

    void controlCharactersInServerMessagesAreEscaped()
    {
        // The server names the user in its Forbidden message, ESC sequences and all.
        const QString evilToken = write("evil.token", EvilUserToken);
        CliResult r = m_cli->run({ "secret", "create", "evil", "--env", "Development", "--type", "static",
            "--url", m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", evilToken,
            "--service-account", "kms-token-requester", "--namespace", "default" });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = m_cli->run({ "lease", "create", "evil" });
        QVERIFY2(r.exitCode == 1, r.describe());
        QVERIFY2(r.errText().contains("User \"evil\\x1b]0;owned\\x07\\x1b[2J\" cannot create resource"),
            r.describe());
        QVERIFY2(isOneCleanLine(r.err), r.describe());

        // RBAC escalation prevention answers with a message of several lines.
        r = m_cli->run({ "secret", "create", "grant-admin", "--env", "Development", "--type", "dynamic",
            "--url", m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", m_tokenFile,
            "--namespaces", "team-a", "--role-type", "ClusterRole", "--role", "cluster-admin" });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = m_cli->run({ "lease", "create", "grant-admin" });
        QVERIFY2(r.exitCode == 1, r.describe());
        QVERIFY2(r.errText().contains("not currently held:\\n{APIGroups:"), r.describe());
        QVERIFY2(isOneCleanLine(r.err), r.describe());
    }

    // --- 6. lease create without a keychain leaves no row. ---

    void leaseCreateWithoutAKeychainLeavesNoRow()
    {
        QProcessEnvironment env = m_profile->environment();
        env.insert("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/kms-test-bus");
        const CliRunner noKeychain(env);
        const qint64 before = requestsServed();
        const CliResult r = noKeychain.run({ "lease", "create", "deploy" });
        QVERIFY2(r.exitCode == 1, r.describe());
        QVERIFY2(r.errText().contains("no keychain is available"), r.describe());
        QVERIFY2(isOneCleanLine(r.err), r.describe());
        QCOMPARE(leasesOf("deploy").size(), 0);
        QCOMPARE(requestsServed(), before);
    }

    // --- 7. A 2xx whose body is cut off is a network error naming the call. ---

    void aSuccessCutOffMidBodyIsANetworkError()
    {
        QVERIFY2(m_cluster->setCutBodyRate(1), qPrintable(m_cluster->errorString()));
        const CliResult r = m_cli->run({ "lease", "create", "deploy", "-o", "token" });
        QVERIFY2(m_cluster->setCutBodyRate(0), qPrintable(m_cluster->errorString()));
        QVERIFY2(r.exitCode == 1, r.describe());
        // The step and the HTTP call are named; the advice is the one for the network.
        QVERIFY2(r.errText().contains("Requesting a token for service account \"kms-token-requester\" in "
                                      "namespace \"default\" failed: the answer to POST "
                                      "/api/v1/namespaces/default/serviceaccounts/kms-token-requester/token "
                                      "from "
                     + m_cluster->url().toString() + " was cut off")
                && r.errText().contains("Check the cluster URL and that the cluster is reachable"),
            r.describe());
        QVERIFY2(!r.errText().contains("not a JSON object"), r.describe());
        QVERIFY2(isOneCleanLine(r.err) && r.out.isEmpty(), r.describe());
    }
};

QTEST_GUILESS_MAIN(TestCliHostileInput)
#include "tst_cli_hostileinput.moc"
