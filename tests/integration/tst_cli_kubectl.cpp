// kubectl without copy and paste: a kubeconfig written by "hanzo-kmsctl
// kubeconfig add", the real kubectl running "hanzo-kmsctl credential" as its
// exec credential plugin against kms-testcluster, leases reused, renewed and
// replaced, the kubeconfig's other contexts untouched.
#include "CliRunner.h"
#include "KmsTestPaths.h"
#include "TestCluster.h"
#include "TestSupport.h"
#include "store/kernelcache/KubectlCache.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <sys/stat.h>

using namespace kms::test;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
    QByteArray describe() const
    {
        return ("exit " + QString::number(exitCode) + "\n" + out + "\n" + err).toUtf8();
    }
};

} // namespace

class TestCliKubectl : public QObject {
    Q_OBJECT

    std::unique_ptr<TestCluster> m_cluster;
    std::unique_ptr<TempProfile> m_profile;
    std::unique_ptr<CliRunner> m_cli;
    QTemporaryDir m_files;
    QString m_kubectl;
    QString m_kubeconfig;
    QByteArray m_originalKubeconfig;
    QString m_adminBefore; // kubectl's view of the context that was there before
    QList<QByteArray> m_tokens; // every token handed out, for the leak check

    CliResult kmsctl(const QStringList &args) { return m_cli->run(args); }
    QString write(const QString &name, const QByteArray &data)
    {
        QFile f(m_files.filePath(name));
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(name));
        f.write(data);
        return f.fileName();
    }
    QProcessEnvironment kubectlEnvironment() const
    {
        QProcessEnvironment env = m_profile->environment();
        env.remove(QStringLiteral("HANZO_KMS_DATA_DIR")); // the kubeconfig names the profile itself
        env.insert(QStringLiteral("HOME"), m_files.path());
        env.insert(QStringLiteral("KUBECONFIG"), m_kubeconfig);
        return env;
    }
    QStringList kubectlArgs(const QStringList &args) const
    {
        return QStringList { QStringLiteral("--cache-dir"), m_files.filePath(QStringLiteral("kube-cache")),
            QStringLiteral("--request-timeout=30s") }
        + args;
    }
    Run kubectl(const QStringList &args)
    {
        QProcess p;
        p.setProcessEnvironment(kubectlEnvironment());
        p.start(m_kubectl, kubectlArgs(args));
        Run run;
        if (!p.waitForFinished(90000)) {
            p.kill();
            p.waitForFinished();
            run.err = QStringLiteral("kubectl timed out");
            return run;
        }
        run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        run.out = QString::fromUtf8(p.readAllStandardOutput());
        run.err = QString::fromUtf8(p.readAllStandardError());
        return run;
    }
    QString whoami(const QString &context)
    {
        const Run r = kubectl(
            { QStringLiteral("--context"), context, QStringLiteral("auth"), QStringLiteral("whoami"),
                QStringLiteral("-o"), QStringLiteral("jsonpath={.status.userInfo.username}") });
        if (r.exitCode != 0)
            qWarning("%s", r.describe().constData());
        return r.out;
    }
    // The leases of secret deploy in a namespace, newest first.
    QJsonArray leases(const QString &ns)
    {
        const CliResult r = kmsctl({ "lease", "list", "deploy", "--all", "-o", "json" });
        QJsonArray found;
        for (const QJsonValue &v : QJsonDocument::fromJson(r.out).array()) {
            if (v["namespace"].toString() == ns)
                found.append(v);
        }
        return found;
    }
    int auditCount(const QString &kind, const QString &leaseId = {})
    {
        const CliResult audit = kmsctl({ "audit", "-o", "json" });
        int n = 0;
        for (const QJsonValue &e : QJsonDocument::fromJson(audit.out).array())
            n += e["kind"].toString() == kind && (leaseId.isEmpty() || e["leaseId"].toString() == leaseId);
        return n;
    }
    QJsonObject tokenReview(const QByteArray &token)
    {
        const auto r = m_cluster->request("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
            { { "apiVersion", "authentication.k8s.io/v1" }, { "kind", "TokenReview" },
                { "spec", QJsonObject { { "token", QString::fromUtf8(token) } } } });
        return r.json.value("status").toObject();
    }
    QByteArray credentialToken(const QString &ns)
    {
        const CliResult r = kmsctl({ "credential", "deploy", "--namespace", ns });
        const QByteArray token
            = QJsonDocument::fromJson(r.out).object()["status"].toObject()["token"].toString().toUtf8();
        m_tokens << token;
        return token;
    }
    QString adminContextView()
    {
        return kubectl({ QStringLiteral("config"), QStringLiteral("view"), QStringLiteral("--raw"),
                           QStringLiteral("--minify"), QStringLiteral("--context"),
                           QStringLiteral("admin-ctx"), QStringLiteral("-o"), QStringLiteral("json") })
            .out;
    }
    void grantPatch()
    {
        // Renewal moves the expiry annotations with "patch", more than the setup guide grants.
        const auto role = m_cluster->request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            { { "apiVersion", "rbac.authorization.k8s.io/v1" }, { "kind", "ClusterRole" },
                { "metadata", QJsonObject { { "name", "kms-renew" } } },
                { "rules",
                    QJsonArray { QJsonObject { { "apiGroups", QJsonArray { "" } },
                                     { "resources", QJsonArray { "serviceaccounts" } },
                                     { "verbs", QJsonArray { "patch" } } },
                        QJsonObject { { "apiGroups", QJsonArray { "rbac.authorization.k8s.io" } },
                            { "resources", QJsonArray { "rolebindings" } },
                            { "verbs", QJsonArray { "patch" } } } } } });
        QVERIFY2(role.status == 201, role.body.constData());
        const auto binding
            = m_cluster->request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                { { "apiVersion", "rbac.authorization.k8s.io/v1" }, { "kind", "ClusterRoleBinding" },
                    { "metadata", QJsonObject { { "name", "kms-renew" } } },
                    { "roleRef",
                        QJsonObject { { "apiGroup", "rbac.authorization.k8s.io" }, { "kind", "ClusterRole" },
                            { "name", "kms-renew" } } },
                    { "subjects",
                        QJsonArray { QJsonObject { { "kind", "ServiceAccount" },
                            { "name", "kms-token-requester" }, { "namespace", "default" } } } } });
        QVERIFY2(binding.status == 201, binding.body.constData());
    }

private slots:
    void initTestCase()
    {
        m_kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
        if (m_kubectl.isEmpty())
            QSKIP(
                "kubectl is not installed on this machine; the exec credential plugin needs it to be tried");
        m_cluster = std::make_unique<TestCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        const QByteArray requester = m_cluster->applySeedSetup();
        QVERIFY2(!requester.isEmpty(), qPrintable(m_cluster->errorString()));
        for (const char *ns : { "team-a", "team-b" })
            m_cluster->request("POST", "/api/v1/namespaces",
                { { "apiVersion", "v1" }, { "kind", "Namespace" },
                    { "metadata", QJsonObject { { "name", ns } } } });
        m_profile = std::make_unique<TempProfile>();
        m_cli = std::make_unique<CliRunner>(m_profile->environment());
        const CliResult created
            = kmsctl({ "secret", "create", "deploy", "--env", "Development", "--type", "dynamic", "--url",
                m_cluster->url().toString(), "--ca-file", write("ca.crt", m_cluster->caPem()), "--token-file",
                write("requester.token", requester), "--namespaces", "team-a,team-b", "--role-type",
                "ClusterRole", "--role", "kms-dynamic-role", "--default-ttl", "15m", "--max-ttl", "1h" });
        QVERIFY2(created.exitCode == 0, created.describe());

        // Someone's kubeconfig with a context of their own, and a comment.
        QFile admin(m_cluster->kubeconfigPath());
        QVERIFY(admin.open(QIODevice::ReadOnly));
        m_originalKubeconfig = "# mine\n"
            + admin.readAll()
                  .replace("- name: kms-testcluster\n  context:", "- name: admin-ctx\n  context:")
                  .replace("current-context: kms-testcluster", "current-context: admin-ctx");
        QVERIFY(QDir().mkpath(m_files.filePath(QStringLiteral("kube"))));
        m_kubeconfig = write(QStringLiteral("kube/config"), m_originalKubeconfig);
        m_adminBefore = adminContextView();
        QVERIFY2(m_adminBefore.contains(QStringLiteral("admin-ctx")), qPrintable(m_adminBefore));
    }

    void addWritesAPrivateContextKubectlUses()
    {
        const CliResult added = kmsctl(
            { "kubeconfig", "add", "deploy", "--namespace", "team-a", "--kubeconfig", m_kubeconfig });
        QVERIFY2(added.exitCode == 0, added.describe());
        QVERIFY2(added.outText().contains("kubectl --context kms-deploy-team-a get pods"), added.describe());
        struct stat st { };
        QCOMPARE(::stat(QFile::encodeName(m_kubeconfig).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        QFile backup(m_kubeconfig + QStringLiteral(".bak"));
        QVERIFY(backup.open(QIODevice::ReadOnly));
        QCOMPARE(backup.readAll(), m_originalKubeconfig);

        const QString user = whoami(QStringLiteral("kms-deploy-team-a"));
        QVERIFY2(
            user.startsWith(QStringLiteral("system:serviceaccount:team-a:kms-deploy-")), qPrintable(user));
        const QJsonArray issued = leases(QStringLiteral("team-a"));
        QCOMPARE(issued.size(), 1);
        QCOMPARE(issued[0]["state"].toString(), QStringLiteral("active"));
        QCOMPARE(
            user, QStringLiteral("system:serviceaccount:team-a:") + issued[0]["serviceAccount"].toString());
        QCOMPARE(auditCount(QStringLiteral("lease.created"), issued[0]["id"].toString()), 1);
    }

    void aSecondCommandReusesTheLease()
    {
        QCOMPARE(leases(QStringLiteral("team-a")).size(), 1);
        const QString id = leases(QStringLiteral("team-a"))[0].toObject()["id"].toString();
        m_cluster->request("POST", "/api/v1/namespaces/team-a/pods",
            { { "apiVersion", "v1" }, { "kind", "Pod" }, { "metadata", QJsonObject { { "name", "web" } } },
                { "spec",
                    QJsonObject { { "containers",
                        QJsonArray { QJsonObject { { "name", "web" }, { "image", "nginx" } } } } } } });
        const Run r = kubectl({ "--context", "kms-deploy-team-a", "get", "pods", "-o", "name" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(r.out, QStringLiteral("pod/web\n"));
        QCOMPARE(leases(QStringLiteral("team-a")).size(), 1);
        QCOMPARE(leases(QStringLiteral("team-a"))[0].toObject()["id"].toString(), id);
        // The plugin's answer, as kubectl reads it: the lease's token and expiry.
        const CliResult plugin = kmsctl({ "credential", "deploy", "--namespace", "team-a" });
        QVERIFY2(plugin.exitCode == 0, plugin.describe());
        const QJsonObject credential = QJsonDocument::fromJson(plugin.out).object();
        QCOMPARE(credential["apiVersion"].toString(), QStringLiteral("client.authentication.k8s.io/v1"));
        QCOMPARE(credential["kind"].toString(), QStringLiteral("ExecCredential"));
        QCOMPARE(credential["status"]["expirationTimestamp"].toString(),
            leases(QStringLiteral("team-a"))[0].toObject()["expiresAt"].toString());
        m_tokens << credential["status"]["token"].toString().toUtf8();
        QVERIFY(tokenReview(m_tokens.last())["authenticated"].toBool());
        QCOMPARE(leases(QStringLiteral("team-a")).size(), 1);
    }

    void aRevokedLeaseIsNeverReused()
    {
        const QJsonArray before = leases(QStringLiteral("team-a"));
        QCOMPARE(before.size(), 1);
        const CliResult revoked = kmsctl({ "lease", "revoke", before[0]["id"].toString() });
        QVERIFY2(revoked.exitCode == 0, revoked.describe());
        const QString user = whoami(QStringLiteral("kms-deploy-team-a"));
        QVERIFY2(
            user.startsWith(QStringLiteral("system:serviceaccount:team-a:kms-deploy-")), qPrintable(user));
        const QJsonArray after = leases(QStringLiteral("team-a"));
        QCOMPARE(after.size(), 2);
        QCOMPARE(after[0]["state"].toString(), QStringLiteral("active"));
        QCOMPARE(after[1]["state"].toString(), QStringLiteral("revoked"));
        QCOMPARE(
            user, QStringLiteral("system:serviceaccount:team-a:") + after[0]["serviceAccount"].toString());
    }

    void fiveCommandsAtOnceMakeOneLease()
    {
        const CliResult added = kmsctl(
            { "kubeconfig", "add", "deploy", "--namespace", "team-b", "--kubeconfig", m_kubeconfig });
        QVERIFY2(added.exitCode == 0, added.describe());
        std::vector<std::unique_ptr<QProcess>> processes;
        for (int i = 0; i < 5; ++i) {
            auto p = std::make_unique<QProcess>();
            p->setProcessEnvironment(kubectlEnvironment());
            p->start(m_kubectl,
                kubectlArgs({ "--context", "kms-deploy-team-b", "auth", "whoami", "-o",
                    "jsonpath={.status.userInfo.username}" }));
            processes.push_back(std::move(p));
        }
        QSet<QString> users;
        for (auto &p : processes) {
            QVERIFY(p->waitForFinished(120000));
            QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
            users.insert(QString::fromUtf8(p->readAllStandardOutput()));
        }
        QCOMPARE(users.size(), 1);
        const QJsonArray issued = leases(QStringLiteral("team-b"));
        QCOMPARE(issued.size(), 1);
        QVERIFY(!users.isEmpty());
        QCOMPARE(*users.begin(),
            QStringLiteral("system:serviceaccount:team-b:") + issued[0]["serviceAccount"].toString());
    }

    void renewMovesTheExpiryAndKubectlKeepsTheLease()
    {
        QVERIFY(!leases(QStringLiteral("team-a")).isEmpty());
        const QJsonObject lease = leases(QStringLiteral("team-a"))[0].toObject();
        const QString id = lease["id"].toString();
        const QByteArray before = credentialToken(QStringLiteral("team-a"));

        // With the setup guide's RBAC the annotations cannot move: renewed, with a warning.
        CliResult renewed = kmsctl({ "lease", "renew", id, "--ttl", "30m", "-o", "json" });
        QVERIFY2(renewed.exitCode == 0, renewed.describe());
        QVERIFY2(renewed.errText().contains("keep their old expiry annotation"), renewed.describe());
        grantPatch();
        renewed = kmsctl({ "lease", "renew", id, "--ttl", "40m", "-o", "json" });
        QVERIFY2(renewed.exitCode == 0, renewed.describe());
        QVERIFY2(renewed.err.isEmpty(), renewed.describe());
        const QJsonObject answer = QJsonDocument::fromJson(renewed.out).object();
        QCOMPARE(answer["id"].toString(), id);
        QCOMPARE(answer["newLease"].toBool(), false);
        QVERIFY2(answer["message"].toString().contains("The previous token stays valid until its own expiry"),
            renewed.describe());
        const QDateTime expires = QDateTime::fromString(answer["expiresAt"].toString(), Qt::ISODate);
        QVERIFY(expires > QDateTime::fromString(lease["expiresAt"].toString(), Qt::ISODate));
        QVERIFY(qAbs(QDateTime::currentDateTimeUtc().secsTo(expires) - 40 * 60) < 60);
        const QByteArray token = answer["token"].toString().toUtf8();
        m_tokens << token;
        // The cluster accepts the new token, and the old one until its own expiry.
        QCOMPARE(tokenReview(token)["user"].toObject()["username"].toString(),
            QStringLiteral("system:serviceaccount:team-a:") + lease["serviceAccount"].toString());
        QVERIFY(tokenReview(before)["authenticated"].toBool());
        // The objects' expiry moved with it.
        const auto sa = m_cluster->request("GET",
            QStringLiteral("/api/v1/namespaces/team-a/serviceaccounts/")
                + lease["serviceAccount"].toString());
        const qint64 annotated = QDateTime::fromString(
            sa.json["metadata"]["annotations"]["kms.hanzo.ai/expires-at"].toString(), Qt::ISODate)
                                     .secsTo(expires);
        QVERIFY2(annotated >= -4 && annotated <= 0, qPrintable(QString::number(annotated))); // a little later
        QCOMPARE(auditCount(QStringLiteral("lease.renewed"), id), 2);
        QCOMPARE(leases(QStringLiteral("team-a"))[0].toObject()["expiresAt"].toString(),
            answer["expiresAt"].toString());
        // kubectl's cache got the new token: still this lease, no new one.
        QVERIFY(answer["kubectlCacheUpdated"].toBool());
        QCOMPARE(credentialToken(QStringLiteral("team-a")), token);
        QCOMPARE(whoami(QStringLiteral("kms-deploy-team-a")),
            QStringLiteral("system:serviceaccount:team-a:") + lease["serviceAccount"].toString());
        QCOMPARE(leases(QStringLiteral("team-a")).size(), 2);

        // Capped at creation + max TTL (1h): a TTL above it is refused, and so
        // is a renewal once the cap is reached.
        const CliResult tooLong = kmsctl({ "lease", "renew", id, "--ttl", "2h" });
        QVERIFY2(tooLong.exitCode == 2 && tooLong.errText().contains("--ttl: TTL must be at most"),
            tooLong.describe());
        const CliResult toCap = kmsctl({ "lease", "renew", id, "--ttl", "1h", "-o", "json" });
        QVERIFY2(toCap.exitCode == 0, toCap.describe());
        m_tokens << QJsonDocument::fromJson(toCap.out).object()["token"].toString().toUtf8();
        const QDateTime capped
            = QDateTime::fromString(QDateTime::fromString(lease["createdAt"].toString(), Qt::ISODate)
                                        .addSecs(3600)
                                        .toString(Qt::ISODate),
                Qt::ISODate);
        QVERIFY(qAbs(QDateTime::fromString(
                    QJsonDocument::fromJson(toCap.out).object()["expiresAt"].toString(), Qt::ISODate)
                         .secsTo(capped))
            < 5);
        const CliResult atCap = kmsctl({ "lease", "renew", id });
        QVERIFY2(atCap.exitCode == 1 && atCap.errText().contains("max TTL of 1h"), atCap.describe());
        QCOMPARE(atCap.errText().count('\n'), 1);
    }

    void theOtherContextsAreUntouched()
    {
        QCOMPARE(adminContextView(), m_adminBefore);
        QCOMPARE(whoami(QStringLiteral("admin-ctx")), QStringLiteral("kubernetes-admin"));
        const Run contexts = kubectl({ "config", "get-contexts", "-o", "name" });
        QCOMPARE(contexts.out, QStringLiteral("admin-ctx\nkms-deploy-team-a\nkms-deploy-team-b\n"));
        const Run current = kubectl({ "config", "current-context" });
        QCOMPARE(current.out, QStringLiteral("admin-ctx\n"));
    }

    void removeTakesOnlyItsContext()
    {
        const CliResult removed
            = kmsctl({ "kubeconfig", "remove", "kms-deploy-team-a", "--kubeconfig", m_kubeconfig });
        QVERIFY2(removed.exitCode == 0, removed.describe());
        Run contexts = kubectl({ "config", "get-contexts", "-o", "name" });
        QCOMPARE(contexts.out, QStringLiteral("admin-ctx\nkms-deploy-team-b\n"));
        QCOMPARE(adminContextView(), m_adminBefore);
        // What it did not write, it does not remove.
        const CliResult refused
            = kmsctl({ "kubeconfig", "remove", "admin-ctx", "--kubeconfig", m_kubeconfig });
        QVERIFY2(refused.exitCode == 2 && refused.errText().contains("was not written by hanzo-kmsctl"),
            refused.describe());
        contexts = kubectl({ "config", "get-contexts", "-o", "name" });
        QCOMPARE(contexts.out, QStringLiteral("admin-ctx\nkms-deploy-team-b\n"));
    }

    void aDamagedKubeconfigIsRefusedAndKept()
    {
        const QString damaged = write(QStringLiteral("damaged.config"), "clusters: [\n  - name: a\n");
        const CliResult r
            = kmsctl({ "kubeconfig", "add", "deploy", "--namespace", "team-a", "--kubeconfig", damaged });
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains("is damaged") && r.errText().contains("left as it is"), r.describe());
        QCOMPARE(r.errText().count('\n'), 1);
        QFile f(damaged);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("clusters: [\n  - name: a\n"));
        QVERIFY(!QFile::exists(damaged + QStringLiteral(".bak")));
        QVERIFY(!QFile::exists(damaged + QStringLiteral(".lock")));
    }

    void pluginErrorsAreOneSentence_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("execInfo");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown secret") << QStringList { "credential", "nope" } << QByteArray() << 1
                                        << "There is no dynamic secret \"nope\"";
        QTest::newRow("namespace not allowed")
            << QStringList { "credential", "deploy", "--namespace", "kube-system" } << QByteArray() << 2
            << "--namespace: Namespace \"kube-system\"";
        QTest::newRow("no namespace") << QStringList { "credential", "deploy" } << QByteArray() << 2
                                      << "--namespace: Choose a namespace";
        QTest::newRow("old protocol")
            << QStringList { "credential", "deploy", "--namespace", "team-a" }
            << QByteArray(R"({"apiVersion":"client.authentication.k8s.io/v1beta1"})") << 2
            << "set apiVersion: client.authentication.k8s.io/v1";
        QTest::newRow("min remaining")
            << QStringList { "credential", "deploy", "--namespace", "team-a", "--min-remaining", "1h" }
            << QByteArray() << 2 << "--min-remaining must be shorter than the secret's default TTL";
    }

    void pluginErrorsAreOneSentence()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, execInfo);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QProcessEnvironment env = m_profile->environment();
        if (!execInfo.isEmpty())
            env.insert(QStringLiteral("KUBERNETES_EXEC_INFO"), QString::fromUtf8(execInfo));
        const CliResult r = CliRunner(env).run(args);
        QVERIFY2(r.exitCode == exitCode, r.describe());
        QVERIFY2(r.out.isEmpty(), r.describe());
        QVERIFY2(r.errText().contains(message), r.describe());
        QCOMPARE(r.errText().count('\n'), 1);
    }

    // kubectl runs bin/hanzo-kmsctl, the small front (app/front): a cache hit
    // is answered from the kernel keyring without the full CLI, and a lease
    // revoked since is not. A copy of the front without the full CLI beside it
    // shows which answered: alone, it can only answer from the keyring.
    void theFrontAnswersAHitAloneButNeverARevokedLease()
    {
        if (!kms::kubectlcache::store({ "probe", "/nonexistent", "e", "s", "n", {} },
                { 1, 1, "probe", QDateTime::currentMSecsSinceEpoch() + 60000,
                    QDateTime::currentMSecsSinceEpoch() + 60000, "probe-token" },
                QDateTime::currentMSecsSinceEpoch()))
            QSKIP("the kernel keyring (keyctl) is not available to this process, so every kubectl command "
                  "takes the full CLI; nothing to try");
        QVERIFY(kms::kubectlcache::remove({ "probe", "/nonexistent", "e", "s", "n", {} }));

        // What "kubeconfig add" wrote is what the front recognises.
        const QString config = m_files.filePath(QStringLiteral("front.kubeconfig"));
        const CliResult added = kmsctl({ "kubeconfig", "add", "deploy", "--namespace", "team-a", "--context",
            "front", "--kubeconfig", config });
        QVERIFY2(added.exitCode == 0, added.describe());
        const Run view = kubectl({ "--kubeconfig", config, "config", "view", "--raw", "-o", "json" });
        QVERIFY2(view.exitCode == 0, view.describe());
        QJsonObject exec;
        for (const QJsonValue &u : QJsonDocument::fromJson(view.out.toUtf8())["users"].toArray()) {
            if (u["name"].toString() == QStringLiteral("front"))
                exec = u["user"]["exec"].toObject();
        }
        QCOMPARE(exec["command"].toString(), QFileInfo(QStringLiteral(KMS_CTL_PATH)).absoluteFilePath());
        QStringList args;
        for (const QJsonValue &a : exec["args"].toArray())
            args << a.toString();
        QProcessEnvironment env = kubectlEnvironment();
        for (const QJsonValue &e : exec["env"].toArray())
            env.insert(e["name"].toString(), e["value"].toString());
        // As kubectl 1.32 sets it (Go's JSON encoder ends it with a line break).
        env.insert(QStringLiteral("KUBERNETES_EXEC_INFO"),
            QStringLiteral(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",)"
                           R"("spec":{"interactive":false}})"
                           "\n"));
        const auto plugin = [&](const QString &program) {
            QProcess p;
            p.setProcessEnvironment(env);
            p.start(program, args);
            Run run;
            if (p.waitForFinished(60000))
                run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
            run.out = QString::fromUtf8(p.readAllStandardOutput());
            run.err = QString::fromUtf8(p.readAllStandardError());
            return run;
        };

        const Run first = plugin(exec["command"].toString()); // issues, or reuses the keychain's copy
        QVERIFY2(first.exitCode == 0, first.describe());
        const QByteArray token
            = QJsonDocument::fromJson(first.out.toUtf8())["status"]["token"].toString().toUtf8();
        m_tokens << token;
        QVERIFY(tokenReview(token)["authenticated"].toBool());

        const QString alone = m_files.filePath(QStringLiteral("alone/hanzo-kmsctl"));
        QVERIFY(QDir().mkpath(QFileInfo(alone).path()));
        QFile::remove(alone);
        QVERIFY(QFile::copy(exec["command"].toString(), alone));
        const Run hit = plugin(alone);
        QVERIFY2(hit.exitCode == 0, hit.describe());
        QCOMPARE(hit.out, first.out); // byte for byte what the full CLI printed
        QVERIFY2(hit.err.isEmpty(), hit.describe());
        // And so it does for kubectl itself (its KUBERNETES_EXEC_INFO, its environment).
        QFile written(config);
        QVERIFY(written.open(QIODevice::ReadOnly));
        const QByteArray commandLine = "command: " + QFile::encodeName(exec["command"].toString()) + '\n';
        QByteArray pointed = written.readAll();
        QCOMPARE(pointed.count(commandLine), 1);
        pointed.replace(commandLine, "command: " + QFile::encodeName(alone) + '\n');
        const QString aloneConfig = write(QStringLiteral("alone.kubeconfig"), pointed);
        const Run viaKubectl = kubectl({ "--kubeconfig", aloneConfig, "--context", "front", "auth", "whoami",
            "-o", "jsonpath={.status.userInfo.username}" });
        QVERIFY2(viaKubectl.exitCode == 0
                && viaKubectl.out.startsWith(QStringLiteral("system:serviceaccount:team-a:")),
            viaKubectl.describe());

        // Revoked: the front alone has nothing to say, and the front with the full CLI issues anew.
        const QJsonArray active = leases(QStringLiteral("team-a"));
        QVERIFY(!active.isEmpty());
        QCOMPARE(active[0]["state"].toString(), QStringLiteral("active"));
        const CliResult revoked = kmsctl({ "lease", "revoke", active[0]["id"].toString() });
        QVERIFY2(revoked.exitCode == 0, revoked.describe());
        QVERIFY(!tokenReview(token)["authenticated"].toBool());
        const Run refused = plugin(alone);
        QVERIFY2(refused.exitCode == 1 && refused.out.isEmpty()
                && refused.err.contains(QStringLiteral("libexec/hanzo-kms/hanzo-kmsctl")),
            refused.describe());
        const Run renewed = plugin(exec["command"].toString());
        QVERIFY2(renewed.exitCode == 0, renewed.describe());
        const QByteArray next
            = QJsonDocument::fromJson(renewed.out.toUtf8())["status"]["token"].toString().toUtf8();
        m_tokens << next;
        QVERIFY(next != token);
        QVERIFY(tokenReview(next)["authenticated"].toBool());
        QCOMPARE(plugin(alone).out, renewed.out); // and that one is the keyring's now
        QCOMPARE(
            leases(QStringLiteral("team-a"))[0].toObject()["state"].toString(), QStringLiteral("active"));
    }

    void noTokenIsWrittenToAFile()
    {
        QVERIFY(m_tokens.size() >= 4);
        QStringList searched;
        for (const QString &root : { m_profile->dataDir(), m_files.path() }) {
            QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                QFile f(path);
                QVERIFY(f.open(QIODevice::ReadOnly));
                const QByteArray bytes = f.readAll();
                searched << path;
                for (const QByteArray &token : std::as_const(m_tokens)) {
                    QVERIFY(!token.isEmpty());
                    QVERIFY2(!bytes.contains(token) && !bytes.contains(token.toBase64()), qPrintable(path));
                }
            }
        }
        QVERIFY(searched.contains(m_kubeconfig));
        QVERIFY(searched.size() > 3); // the database, its WAL, the kubeconfig and its backup at least
    }
};

QTEST_GUILESS_MAIN(TestCliKubectl)
#include "tst_cli_kubectl.moc"
