// hanzo-kmsctl's lease commands as a pipeline uses them, against kms-testcluster:
// create (-o token|json|kubeconfig), list, revoke, check, import-kubeconfig,
// reconcile, and a CLI killed in the middle of provisioning.
#include "CliRunner.h"
#include "KmsTestPaths.h"
#include "TestCluster.h"
#include "TestSupport.h"

#include "core/AuditEvent.h"
#include "core/Lease.h"
#include "store/Database.h"
#include "store/LeaseRepository.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <csignal>
#include <map>

using namespace kms;
using namespace kms::test;

class TestCliLease : public QObject {
    Q_OBJECT

    TestCluster *m_cluster = nullptr;
    // One profile per backend (the global "backend" rows), each with the secret "deploy".
    // Each with a cluster of its own: the tests make cluster-wide objects with fixed names.
    struct Profile {
        std::unique_ptr<TestCluster> cluster;
        QString caFile;
        std::unique_ptr<TempProfile> profile;
        std::unique_ptr<CliRunner> cli;
    };
    std::map<Backend, Profile> m_profiles;
    TempProfile *m_profile = nullptr;
    CliRunner *m_cli = nullptr;
    QTemporaryDir m_files;
    QString m_tokenFile;
    QString m_caFile;

    CliResult kmsctl(const QStringList &args, const QByteArray &stdinData = {})
    {
        return m_cli->run(args, stdinData);
    }
    QString write(const QString &name, const QByteArray &data)
    {
        QFile f(m_files.filePath(name));
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(name));
        f.write(data);
        return f.fileName();
    }
    QStringList managedObjects()
    {
        QStringList found;
        for (const QString &path : { QStringLiteral("/api/v1/serviceaccounts"),
                 QStringLiteral("/apis/rbac.authorization.k8s.io/v1/rolebindings") }) {
            const auto r = m_cluster->request(
                "GET", path + "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms");
            for (const QJsonValue &item : r.json.value("items").toArray())
                found << item["metadata"]["namespace"].toString() + '/' + item["metadata"]["name"].toString();
        }
        return found;
    }
    bool authenticates(const QByteArray &token)
    {
        const auto r = m_cluster->request("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
            { { "apiVersion", "authentication.k8s.io/v1" }, { "kind", "TokenReview" },
                { "spec", QJsonObject { { "token", QString::fromUtf8(token) } } } });
        return r.json["status"]["authenticated"].toBool();
    }

private slots:
    void initTestCase_data() { addBackendRows(); }
    void init()
    {
        KMS_INIT_BACKEND();
        Profile &p = m_profiles[backend()];
        m_cluster = p.cluster.get();
        m_profile = p.profile.get();
        m_cli = p.cli.get();
        m_caFile = p.caFile;
        m_tokenFile = m_files.filePath(QStringLiteral("requester-%1.token").arg(int(backend())));
        if (m_profile)
            return;
        p.cluster = std::make_unique<TestCluster>();
        m_cluster = p.cluster.get();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        const QByteArray requester = m_cluster->applySeedSetup();
        QVERIFY2(!requester.isEmpty(), qPrintable(m_cluster->errorString()));
        for (const char *ns : { "team-a", "team-b" })
            m_cluster->request("POST", "/api/v1/namespaces",
                { { "apiVersion", "v1" }, { "kind", "Namespace" },
                    { "metadata", QJsonObject { { "name", ns } } } });
        m_tokenFile = write(QStringLiteral("requester-%1.token").arg(int(backend())), requester);
        p.caFile = write(QStringLiteral("ca-%1.crt").arg(int(backend())), m_cluster->caPem());
        m_caFile = p.caFile;
        p.profile = std::make_unique<TempProfile>();
        p.cli = std::make_unique<CliRunner>(p.profile->environment());
        m_profile = p.profile.get();
        m_cli = p.cli.get();
        const CliResult created = kmsctl({ "secret", "create", "deploy", "--env", "Development", "--type",
            "dynamic", "--url", m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file",
            m_tokenFile, "--namespaces", "team-a,team-b", "--role-type", "ClusterRole", "--role",
            "kms-dynamic-role", "--default-ttl", "15m" });
        QVERIFY2(created.exitCode == 0, created.describe());
    }

    void createPrintsABareTokenForPipelines()
    {
        const CliResult r = kmsctl({ "lease", "create", "deploy", "--namespace", "team-a", "-o", "token" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const QByteArray token = r.out.trimmed();
        QCOMPARE(token.count('.'), 2);
        QVERIFY(!token.contains('\n'));
        QVERIFY(authenticates(token));
    }

    void createWritesAKubeconfigKubectlUses()
    {
        const CliResult r = kmsctl(
            { "lease", "create", "deploy", "--namespace", "team-b", "--ttl", "20m", "-o", "kubeconfig" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const QString kubectl = QStandardPaths::findExecutable("kubectl");
        if (kubectl.isEmpty())
            QSKIP("kubectl is not installed; the kubeconfig is checked by the lease engine tests only");
        const QString path = write("lease.kubeconfig", r.out);
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("KUBECONFIG", path);
        p.setProcessEnvironment(env);
        p.start(kubectl, { "auth", "can-i", "list", "pods" });
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.readAllStandardOutput().trimmed(), QByteArray("yes")); // in the lease namespace, team-b
        p.start(kubectl, { "auth", "can-i", "list", "pods", "-n", "team-a" });
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.readAllStandardOutput().trimmed(), QByteArray("no"));
    }

    void listAndRevokeAsJson()
    {
        const CliResult created
            = kmsctl({ "lease", "create", "deploy", "--namespace", "team-a", "-o", "json" });
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease = QJsonDocument::fromJson(created.out).object();
        const QString id = lease["id"].toString();
        QCOMPARE(lease["state"].toString(), "active");
        QVERIFY(authenticates(lease["token"].toString().toUtf8()));

        const CliResult listed = kmsctl({ "lease", "list", "deploy", "-o", "json" });
        QVERIFY2(listed.exitCode == 0, listed.describe());
        bool found = false;
        for (const QJsonValue &v : QJsonDocument::fromJson(listed.out).array())
            found = found || v["id"].toString() == id;
        QVERIFY(found);
        QVERIFY(!listed.out.contains(lease["token"].toString().toUtf8())); // never listed again

        const CliResult revoked = kmsctl({ "lease", "revoke", id });
        QVERIFY2(revoked.exitCode == 0, revoked.describe());
        QVERIFY(revoked.outText().contains("stops working within seconds"));
        QVERIFY(!authenticates(lease["token"].toString().toUtf8()));
        const CliResult again = kmsctl({ "lease", "revoke", id });
        QCOMPARE(again.exitCode, 0); // what was asked for holds; says who did it and when
        QVERIFY2(again.outText().contains("was already revoked by "), again.describe());
    }

    // profile set-name: the name is kept (trimmed) with its audit event,
    // shown by profile show and people, with the leases one creates and closes,
    // and lease list --person takes it as well as user@host.
    void aDisplayNameIsSetAndListsLeasesByPerson()
    {
        const QString me = AuditEvent::currentActor();
        CliResult r = kmsctl({ "profile", "set-name", "  Alice Doe " });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(
            r.outText().trimmed(), QStringLiteral("%1 is now called \"Alice Doe\" in this profile.").arg(me));
        r = kmsctl({ "profile", "set-name", "Alice Doe" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY2(r.outText().contains(QStringLiteral("is already called \"Alice Doe\"")), r.describe());
        r = kmsctl({ "profile", "show", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(
            QJsonDocument::fromJson(r.out).object()["displayName"].toString(), QStringLiteral("Alice Doe"));
        QCOMPARE(QJsonDocument::fromJson(r.out).object()["schemaVersion"].toInt(), Database::SchemaVersion);
        r = kmsctl({ "profile", "show" });
        QVERIFY2(r.outText().contains(QStringLiteral("Alice Doe (%1)").arg(me)), r.describe());
        r = kmsctl({ "profile", "people", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(QJsonDocument::fromJson(r.out).array(),
            QJsonArray({ QJsonObject { { "person", me }, { "displayName", "Alice Doe" } } }));
        // Once in the signed log, however often it was asked for.
        r = kmsctl({ "audit", "--kind", "person.named", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const QJsonArray named = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(named.size(), 1);
        QCOMPARE(named[0]["actor"].toString(), me);
        QCOMPARE(named[0]["detail"].toString(), QStringLiteral("%1 is now called \"Alice Doe\".").arg(me));
        r = kmsctl({ "audit", "--verify" });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = kmsctl({ "audit", "--person", "ALICE DOE", "--kind", "person.named", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(QJsonDocument::fromJson(r.out).array(), named);
        r = kmsctl({ "audit", "--person", "Nobody Here" });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(
            r.errText().contains(QStringLiteral("--person: nobody in this profile is called")), r.describe());

        r = kmsctl({ "lease", "create", "deploy", "--namespace", "team-a", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const QString id = QJsonDocument::fromJson(r.out).object()["id"].toString();
        r = kmsctl({ "lease", "revoke", id });
        QVERIFY2(r.exitCode == 0, r.describe());
        for (const char *who : { "alice doe", "Alice Doe", "" }) {
            const QString person = *who ? QString::fromLatin1(who) : me;
            r = kmsctl({ "lease", "list", "--all", "--person", person, "-o", "json" });
            QVERIFY2(r.exitCode == 0, r.describe());
            QJsonObject listed;
            for (const QJsonValue &v : QJsonDocument::fromJson(r.out).array()) {
                if (v["id"].toString() == id)
                    listed = v.toObject();
            }
            QVERIFY2(!listed.isEmpty(), qPrintable(person));
            QCOMPARE(listed["createdBy"].toString(), me);
            QCOMPARE(listed["createdByName"].toString(), QStringLiteral("Alice Doe"));
            QCOMPARE(listed["closedBy"].toString(), me);
            QCOMPARE(listed["closedByName"].toString(), QStringLiteral("Alice Doe"));
        }
        r = kmsctl({ "lease", "list", "deploy", "--all" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY2(r.outText().contains(QStringLiteral("CLOSED BY")), r.describe());
        QVERIFY2(r.outText().contains(QStringLiteral("Alice Doe (%1)").arg(me)), r.describe());
        r = kmsctl({ "lease", "list", "--all", "--person", "nobody@nowhere", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY(QJsonDocument::fromJson(r.out).array().isEmpty());
    }

    // A lease whose expiry has passed but which no cleanup has closed yet is
    // not listed as "active": its token no longer works.
    void aLeasePastItsExpiryIsNotListedAsActive()
    {
        const CliResult created
            = kmsctl({ "lease", "create", "deploy", "--namespace", "team-a", "-o", "json" });
        QVERIFY2(created.exitCode == 0, created.describe());
        const QString id = QJsonDocument::fromJson(created.out).object()["id"].toString();
        {
            // As if the app had been closed past its expiry: the row is still active.
            Database db;
            QVERIFY2(m_profile->open(db), qPrintable(db.lastError())); // either backend's
            LeaseRepository leases(db);
            const std::optional<Lease> stored = leases.byId(id);
            QVERIFY2(stored, qPrintable(id));
            Lease lease = *stored;
            lease.expiresAt = QDateTime::currentDateTimeUtc().addSecs(-60);
            QCOMPARE(leases.update(lease, LeaseState::Active), LeaseRepository::Update::Updated);
        }
        const CliResult table = kmsctl({ "lease", "list", "deploy" });
        QVERIFY2(table.exitCode == 0, table.describe());
        QString row;
        for (const QString &line : table.outText().split(QLatin1Char('\n')))
            if (line.startsWith(id))
                row = line;
        QVERIFY2(row.contains(QStringLiteral("expired, cleanup pending"))
                && !row.contains(QStringLiteral(" active ")),
            qPrintable(row));
        const CliResult json = kmsctl({ "lease", "list", "deploy", "-o", "json" });
        for (const QJsonValue &v : QJsonDocument::fromJson(json.out).array()) {
            if (v["id"].toString() == id) {
                QCOMPARE(v["state"].toString(), QStringLiteral("active")); // the stored state
                QCOMPARE(v["expired"].toBool(), true);
            }
        }
        const CliResult revoked = kmsctl({ "lease", "revoke", id });
        QVERIFY2(revoked.exitCode == 0, revoked.describe());
    }

    void concurrentRevokesWriteOneEvent()
    {
        const CliResult created
            = kmsctl({ "lease", "create", "deploy", "--namespace", "team-a", "-o", "json" });
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease = QJsonDocument::fromJson(created.out).object();
        const QString id = lease["id"].toString();
        QVERIFY(!id.isEmpty());

        // Five processes revoke the same lease at once.
        std::vector<std::unique_ptr<QProcess>> processes;
        for (int i = 0; i < 5; ++i) {
            auto p = std::make_unique<QProcess>();
            p->setProcessEnvironment(m_cli->environment());
            p->start(QStringLiteral(KMS_CTL_PATH), { "lease", "revoke", id });
            processes.push_back(std::move(p));
        }
        int revokedHere = 0;
        int alreadyClosed = 0;
        for (auto &p : processes) {
            QVERIFY(p->waitForFinished(60000));
            const QString out = QString::fromUtf8(p->readAllStandardOutput());
            const QString err = QString::fromUtf8(p->readAllStandardError());
            QVERIFY2(p->exitCode() == 0, qPrintable(out + err));
            if (out.contains("stops working within seconds"))
                ++revokedHere;
            else if (out.contains("already revoked by ") || out.contains("is being revoked by "))
                ++alreadyClosed;
            else
                QFAIL(qPrintable("unexpected answer: " + out + err));
        }
        QCOMPARE(revokedHere, 1);
        QCOMPARE(alreadyClosed, 4);
        QVERIFY(!authenticates(lease["token"].toString().toUtf8()));

        const CliResult audit = kmsctl({ "audit", "-o", "json" });
        QVERIFY2(audit.exitCode == 0, audit.describe());
        int revokedEvents = 0;
        for (const QJsonValue &e : QJsonDocument::fromJson(audit.out).array())
            if (e["leaseId"].toString() == id && e["kind"].toString() == "lease.revoked")
                ++revokedEvents;
        QCOMPARE(revokedEvents, 1);
    }

    void deletingASecretRevokesItsLeasesFirst()
    {
        const CliResult created
            = kmsctl({ "secret", "create", "doomed", "--env", "Development", "--type", "dynamic", "--url",
                m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", m_tokenFile,
                "--namespaces", "team-a", "--role-type", "ClusterRole", "--role", "kms-dynamic-role" });
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult leased = kmsctl({ "lease", "create", "doomed", "-o", "json" });
        QVERIFY2(leased.exitCode == 0, leased.describe());
        const QJsonObject lease = QJsonDocument::fromJson(leased.out).object();
        const QByteArray token = lease["token"].toString().toUtf8();
        QVERIFY(authenticates(token));

        const CliResult deleted = kmsctl({ "secret", "delete", "doomed" });
        QVERIFY2(deleted.exitCode == 0, deleted.describe());
        QVERIFY2(deleted.outText().contains(QStringLiteral("Lease %1 is revoked").arg(lease["id"].toString()))
                && deleted.outText().contains("Deleted dynamic secret \"doomed\" from Development."),
            deleted.describe());
        QVERIFY(!authenticates(token));
        const CliResult shown = kmsctl({ "secret", "show", "doomed" });
        QCOMPARE(shown.exitCode, 1);
    }

    void badInputExitsTwoNamingTheFlag_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("ttl too short") << QStringList { "lease", "create", "deploy", "--namespace", "team-a",
            "--ttl", "9m" } << "--ttl: TTL must be at least 10 minutes";
        QTest::newRow("ttl above max") << QStringList { "lease", "create", "deploy", "--namespace", "team-a",
            "--ttl", "2d" } << "--ttl: TTL must be at most";
        QTest::newRow("ttl garbage") << QStringList { "lease", "create", "deploy", "--namespace", "team-a",
            "--ttl", "soon" } << "--ttl:";
        QTest::newRow("namespace not allowed") << QStringList { "lease", "create", "deploy", "--namespace",
            "kube-system" } << "--namespace: Namespace \"kube-system\" is not one of";
        QTest::newRow("unknown output") << QStringList { "lease", "create", "deploy", "--namespace", "team-a",
            "-o", "yaml" } << "-o/--output: unknown output format \"yaml\"";
        QTest::newRow("empty audience") << QStringList { "lease", "create", "deploy", "--namespace", "team-a",
            "--audiences", "a,,b" } << "--audiences:";
        QTest::newRow("no secret") << QStringList { "lease", "create" } << "takes 1 argument";
        QTest::newRow("display name empty")
            << QStringList { "profile", "set-name", "  " } << "NAME: the display name \"  \" is empty";
        QTest::newRow("display name too long") << QStringList { "profile", "set-name",
            QString(65, QLatin1Char('a')) } << "has 65 characters; use at most 64";
        QTest::newRow("display name with a control character") << QStringList { "profile", "set-name",
            "Alice\x1b[2J" } << "NAME: the display name \"Alice\\x1b[2J\" contains a control character";
        QTest::newRow("display name that is a user@host") << QStringList { "profile", "set-name",
            "bob@desktop" } << "NAME: the display name \"bob@desktop\" contains '@'";
        QTest::newRow("no display name") << QStringList { "profile", "set-name" } << "takes 1 argument";
        QTest::newRow("person nobody is called") << QStringList { "lease", "list", "--person",
            "Nobody Here" } << "--person: nobody in this profile is called \"Nobody Here\"";
    }
    void badInputExitsTwoNamingTheFlag()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const QStringList before = managedObjects();
        const CliResult r = kmsctl(args);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(message), r.describe());
        QCOMPARE(managedObjects(), before);
    }

    void checkReportsWhatIsMissingWithTheRbacToAdd()
    {
        const CliResult ok = kmsctl({ "secret", "check", "deploy", "-o", "json" });
        QVERIFY2(ok.exitCode == 0, ok.describe());
        QVERIFY(QJsonDocument::fromJson(ok.out).object()["passed"].toBool());

        // A cluster token with no RBAC at all.
        const auto sa = m_cluster->request("POST", "/api/v1/namespaces/default/serviceaccounts",
            { { "apiVersion", "v1" }, { "kind", "ServiceAccount" },
                { "metadata", QJsonObject { { "name", "powerless" } } } });
        QCOMPARE(sa.status, 201);
        const QString weakToken = write("weak.token", m_cluster->createToken("default", "powerless"));
        const CliResult created = kmsctl({ "secret", "create", "weak", "--env", "Staging", "--type", "static",
            "--url", m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", weakToken,
            "--service-account", "app", "--namespace", "default" });
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult missing = kmsctl({ "secret", "check", "weak" });
        QVERIFY2(missing.exitCode == 1, missing.describe());
        QVERIFY2(missing.outText().contains(
                     "MISSING  create serviceaccounts/token \"app\" in namespace \"default\""),
            missing.describe());
        QVERIFY2(missing.outText().contains("kind: ClusterRole"), missing.describe());
        QVERIFY2(missing.outText().contains("serviceaccounts/token"), missing.describe());
        const CliResult lease = kmsctl({ "lease", "create", "weak" });
        QCOMPARE(lease.exitCode, 1);
        QVERIFY2(lease.errText().contains("is forbidden") && lease.errText().contains("secret check weak"),
            lease.describe());
    }

    void importsUrlCaAndTokenFromAKubeconfig()
    {
        const CliResult bad = kmsctl({ "secret", "import-kubeconfig", "from-kc", "--kubeconfig",
            m_cluster->kubeconfigPath(), "--context", "nope", "--env", "Production", "--type", "static",
            "--service-account", "kms-token-requester", "--namespace", "default" });
        QVERIFY2(bad.exitCode == 2, bad.describe());
        QVERIFY2(bad.errText().contains("--context: The kubeconfig has no context \"nope\""), bad.describe());
        const CliResult both = kmsctl({ "secret", "import-kubeconfig", "from-kc", "--kubeconfig",
            m_cluster->kubeconfigPath(), "--url", "https://x", "--env", "Production", "--type", "static",
            "--service-account", "kms-token-requester", "--namespace", "default" });
        QVERIFY2(both.exitCode == 2 && both.errText().contains("--url: not with import-kubeconfig"),
            both.describe());

        const CliResult r = kmsctl({ "secret", "import-kubeconfig", "from-kc", "--kubeconfig",
            m_cluster->kubeconfigPath(), "--env", "Production", "--type", "static", "--service-account",
            "kms-token-requester", "--namespace", "default" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const CliResult shown = kmsctl({ "secret", "show", "from-kc", "-o", "json" });
        const QJsonObject secret = QJsonDocument::fromJson(shown.out).object();
        QCOMPARE(secret["url"].toString(), m_cluster->url().toString());
        QCOMPARE(secret["caCertificate"].toString().toUtf8(), m_cluster->caPem());
        QVERIFY(!shown.out.contains(m_cluster->adminToken()));
        const CliResult lease = kmsctl({ "lease", "create", "from-kc", "-o", "token" });
        QVERIFY2(lease.exitCode == 0, lease.describe());
        QVERIFY(authenticates(lease.out.trimmed()));
    }

    void aCliKilledWhileProvisioningLeavesNothingAfterReconcile()
    {
        // Slow answers keep the window between the first write and the token wide.
        const QStringList before = managedObjects();
        const int served = m_cluster->settings().value("requests").toInt();
        QVERIFY(m_cluster->setFaults(4000, 0));
        QProcess cli;
        cli.setProcessEnvironment(m_profile->environment());
        cli.start(QStringLiteral(KMS_CTL_PATH),
            { "lease", "create", "deploy", "--namespace", "team-a", "-o", "token" });
        QVERIFY(cli.waitForStarted());
        // The settings endpoint is never delayed: wait until the service account
        // and binding POSTs are answered (the token request is then in flight).
        QTRY_VERIFY_WITH_TIMEOUT(m_cluster->settings().value("requests").toInt() >= served + 2, 30000);
        QCOMPARE(cli.state(), QProcess::Running);
        const qint64 pid = cli.processId();
        QVERIFY(pid > 1); // kill(0) would hit this test's own process group
        ::kill(pid_t(pid), SIGKILL);
        QVERIFY(cli.waitForFinished(10000));
        QVERIFY(cli.readAllStandardOutput().isEmpty()); // no token was handed out
        QVERIFY(m_cluster->setFaults(0, 0));

        QString leaseId;
        {
            Database db;
            QVERIFY2(m_profile->open(db), qPrintable(db.lastError()));
            const QList<Lease> stuck = LeaseRepository(db).listByState(LeaseState::Provisioning);
            QCOMPARE(stuck.size(), 1);
            leaseId = stuck.first().id;
        }
        QVERIFY(managedObjects().size() > before.size());

        const CliResult reconciled = kmsctl({ "reconcile", "--no-sweep" });
        QVERIFY2(reconciled.exitCode == 0, reconciled.describe());
        QVERIFY2(reconciled.outText().contains("Rolled back 1 unfinished lease, cleaned up"),
            reconciled.describe());
        QCOMPARE(managedObjects(), before);
        const CliResult list = kmsctl({ "lease", "list", "--all", "-o", "json" });
        bool failed = false;
        for (const QJsonValue &v : QJsonDocument::fromJson(list.out).array())
            failed = failed || (v["id"].toString() == leaseId && v["state"].toString() == "failed");
        QVERIFY2(failed, list.describe());
        const CliResult verify = kmsctl({ "audit", "--verify" });
        QVERIFY2(verify.exitCode == 0, verify.describe());
    }

    void reconcileWarnsOnceWhenTheSweepMayNotList()
    {
        const CliResult r = kmsctl({ "reconcile" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(r.errText().count("orphan sweep for secret \"deploy\" was skipped"), 1);
        QVERIFY(r.errText().contains("--rbac"));
    }
};

QTEST_GUILESS_MAIN(TestCliLease)
#include "tst_cli_lease.moc"
