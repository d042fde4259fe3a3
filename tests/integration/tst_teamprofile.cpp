// Two administrators, each with a keychain of their own, on one team
// profile's PostgreSQL database, through hanzo-kmsctl as they would use it:
// definitions and leases are shared, cluster tokens are not; who did what is
// recorded; reconciling at once cleans each lease once; the audit log
// verifies from both sides.
#include "CliRunner.h"
#include "KmsTestPaths.h"
#include "TestCluster.h"
#include "TestSupport.h"
#include "leases/ClusterConnections.h"
#include "leases/LeaseService.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include <QCoro/QCoroTask>

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace kms;
using namespace kms::test;

class TestTeamProfile : public QObject {
    Q_OBJECT

    std::unique_ptr<TestCluster> m_cluster;
    std::unique_ptr<TempProfile> m_profile;
    std::unique_ptr<CliRunner> m_alice;
    std::unique_ptr<CliRunner> m_bob;
    QTemporaryDir m_files;
    QByteArray m_requester;
    QString m_tokenFile;
    QString m_caFile;

    QString write(const QString &name, const QByteArray &data)
    {
        QFile f(m_files.filePath(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
            qFatal("cannot write %s", qPrintable(name));
        return f.fileName();
    }
    // Each administrator: the same database, a keychain service of their own.
    static QProcessEnvironment person(const TempProfile &profile, const QString &who)
    {
        QProcessEnvironment env = profile.environment();
        env.insert(
            QStringLiteral("HANZO_KMS_KEYCHAIN_SERVICE"), profile.keychainService() + QLatin1Char('-') + who);
        return env;
    }
    bool authenticates(const QByteArray &token)
    {
        const auto r = m_cluster->request("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
            { { "apiVersion", "authentication.k8s.io/v1" }, { "kind", "TokenReview" },
                { "spec", QJsonObject { { "token", QString::fromUtf8(token) } } } });
        return r.json["status"]["authenticated"].toBool();
    }
    QStringList managedObjects(const QString &leaseId)
    {
        QStringList found;
        for (const QString &path : { QStringLiteral("/api/v1/serviceaccounts"),
                 QStringLiteral("/apis/rbac.authorization.k8s.io/v1/rolebindings") }) {
            const auto r
                = m_cluster->request("GET", path + "?labelSelector=kms.hanzo.ai%2Flease-id%3D" + leaseId);
            for (const QJsonValue &item : r.json.value("items").toArray())
                found << item["metadata"]["name"].toString();
        }
        return found;
    }
    static QJsonArray jsonArray(const CliResult &r) { return QJsonDocument::fromJson(r.out).array(); }
    static QJsonObject find(const QJsonArray &array, const QString &key, const QString &value)
    {
        for (const QJsonValue &v : array) {
            if (v[key].toString() == value)
                return v.toObject();
        }
        return {};
    }

private slots:
    void initTestCase()
    {
        KMS_REQUIRE_POSTGRES();
        m_cluster = std::make_unique<TestCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        m_requester = m_cluster->applySeedSetup();
        QVERIFY2(!m_requester.isEmpty(), qPrintable(m_cluster->errorString()));
        m_cluster->request("POST", "/api/v1/namespaces",
            { { "apiVersion", "v1" }, { "kind", "Namespace" },
                { "metadata", QJsonObject { { "name", "team-a" } } } });
        m_tokenFile = write(QStringLiteral("requester.token"), m_requester);
        m_caFile = write(QStringLiteral("ca.crt"), m_cluster->caPem());
        m_profile = std::make_unique<TempProfile>(Backend::PostgreSQL);
        QVERIFY2(m_profile->error().isEmpty(), qPrintable(m_profile->error()));
        m_alice = std::make_unique<CliRunner>(person(*m_profile, QStringLiteral("alice")));
        m_bob = std::make_unique<CliRunner>(person(*m_profile, QStringLiteral("bob")));
    }

    void aSecondAdministratorSeesTheSecretAndTheLeaseAndRevokesItWithTheirOwnToken()
    {
        CliResult r
            = m_alice->run({ "secret", "create", "deploy", "--env", "Development", "--type", "dynamic",
                "--url", m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", m_tokenFile,
                "--namespaces", "team-a", "--role-type", "ClusterRole", "--role", "kms-dynamic-role" });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = m_alice->run({ "lease", "create", "deploy", "--namespace", "team-a", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const QJsonObject created = QJsonDocument::fromJson(r.out).object();
        const QString leaseId = created["id"].toString();
        const QByteArray token = created["token"].toString().toUtf8();
        QVERIFY(authenticates(token));

        // Bob sees Alice's secret and lease, and that he has no token of his own yet.
        r = m_bob->run({ "secret", "list", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(find(jsonArray(r), "name", "deploy")["clusterToken"].toString(), QStringLiteral("missing"));
        r = m_alice->run({ "secret", "list", "-o", "json" });
        QCOMPARE(find(jsonArray(r), "name", "deploy")["clusterToken"].toString(), QStringLiteral("stored"));
        r = m_bob->run({ "lease", "list", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const QJsonObject seen = find(jsonArray(r), "id", leaseId);
        QCOMPARE(seen["state"].toString(), QStringLiteral("active"));
        const QString actor = seen["createdBy"].toString();
        QVERIFY2(actor.contains(QLatin1Char('@')), qPrintable(actor));

        // Without a token of his own he cannot lease, and is told how to get one.
        r = m_bob->run({ "lease", "create", "deploy", "--namespace", "team-a" });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("no cluster token on this computer"))
                && r.errText().contains(QStringLiteral("secret set-token deploy")),
            r.describe());
        r = m_bob->run({ "secret", "set-token", "deploy", "--token-stdin" }, m_requester + '\n');
        QVERIFY2(r.exitCode == 0, r.describe());
        r = m_bob->run({ "secret", "list", "-o", "json" });
        QCOMPARE(find(jsonArray(r), "name", "deploy")["clusterToken"].toString(), QStringLiteral("stored"));

        // Bob revokes Alice's lease: her token stops working.
        r = m_bob->run({ "lease", "revoke", leaseId });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY(!authenticates(token));
        QVERIFY(managedObjects(leaseId).isEmpty());
        r = m_alice->run({ "lease", "list", "--all", "-o", "json" });
        const QJsonObject closed = find(jsonArray(r), "id", leaseId);
        QCOMPARE(closed["state"].toString(), QStringLiteral("revoked"));
        QCOMPARE(closed["createdBy"].toString(), actor);
        QCOMPARE(closed["closedBy"].toString(), actor);

        // Who did what, in the shared audit log, and filtered by person.
        r = m_alice->run({ "audit", "--lease", leaseId, "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const QJsonArray events = jsonArray(r);
        QCOMPARE(find(events, "kind", "lease.created")["actor"].toString(), actor);
        QCOMPARE(find(events, "kind", "lease.revoked")["actor"].toString(), actor);
        r = m_alice->run({ "audit", "--person", actor, "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY(!find(jsonArray(r), "leaseId", leaseId).isEmpty());
        r = m_alice->run({ "audit", "--person", "nobody@nowhere", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY(jsonArray(r).isEmpty());
        r = m_bob->run({ "lease", "list", "--all", "--person", actor, "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY(!find(jsonArray(r), "id", leaseId).isEmpty());
    }

    void bothReconcilingAtOnceCleanEachExpiredLeaseOnce()
    {
        QStringList ids;
        for (int i = 0; i < 6; ++i) {
            const CliResult r
                = m_alice->run({ "lease", "create", "deploy", "--namespace", "team-a", "-o", "json" });
            QVERIFY2(r.exitCode == 0, r.describe());
            ids << QJsonDocument::fromJson(r.out).object()["id"].toString();
        }
        // Their expiry passed while both desktops were closed.
        {
            Database db;
            QVERIFY2(m_profile->open(db), qPrintable(db.lastError()));
            const qint64 past = QDateTime::currentMSecsSinceEpoch() - 60'000;
            QVERIFY2(
                db.exec(QStringLiteral("UPDATE leases SET expires_at = %1 WHERE state = 'active'").arg(past),
                    QStringLiteral("test")),
                qPrintable(db.lastError()));
        }
        QProcess alice;
        QProcess bob;
        alice.setProcessEnvironment(m_alice->environment());
        bob.setProcessEnvironment(m_bob->environment());
        alice.start(QStringLiteral(KMS_CTL_PATH), { QStringLiteral("reconcile") });
        bob.start(QStringLiteral(KMS_CTL_PATH), { QStringLiteral("reconcile") });
        QVERIFY(alice.waitForFinished(120000) && bob.waitForFinished(120000));
        QVERIFY2(alice.exitCode() == 0, alice.readAllStandardError().constData());
        QVERIFY2(bob.exitCode() == 0, bob.readAllStandardError().constData());

        const CliResult events = m_alice->run({ "audit", "--kind", "lease.", "-o", "json" });
        QVERIFY2(events.exitCode == 0, events.describe());
        for (const QString &id : std::as_const(ids)) {
            int expired = 0;
            int failed = 0;
            for (const QJsonValue &e : jsonArray(events)) {
                if (e["leaseId"].toString() != id)
                    continue;
                expired += e["kind"].toString() == QLatin1String("lease.expired");
                failed += e["kind"].toString() == QLatin1String("lease.cleanup_failed");
            }
            QCOMPARE(expired, 1);
            QCOMPARE(failed, 0);
            QVERIFY2(managedObjects(id).isEmpty(), qPrintable(id));
        }
        const CliResult leases = m_bob->run({ "lease", "list", "--all", "-o", "json" });
        for (const QString &id : std::as_const(ids))
            QCOMPARE(find(jsonArray(leases), "id", id)["state"].toString(), QStringLiteral("expired"));

        // The log both wrote to verifies from both keychains.
        for (CliRunner *cli : { m_alice.get(), m_bob.get() }) {
            const CliResult verified = cli->run({ "audit", "--verify" });
            QVERIFY2(verified.exitCode == 0, verified.describe());
        }
    }

    // The bound: a lease through PostgreSQL adds at most 2 round trips
    // to the cluster's (the row committed before the first cluster call, then
    // its state and its signed audit event in one), dynamic and static alike.
    // Counted where the program talks to the server (Database::exec), in a
    // program that has its secrets listed already, as the desktop has.
    void aLeaseTakesTwoRoundTripsToTheDatabase()
    {
        m_cluster->request("POST", "/api/v1/namespaces/default/serviceaccounts",
            { { "apiVersion", "v1" }, { "kind", "ServiceAccount" },
                { "metadata", QJsonObject { { "name", "rt-app" } } } });
        Database db;
        QVERIFY2(m_profile->open(db), qPrintable(db.lastError()));
        CredentialVault vault(m_profile->keychainService() + QStringLiteral("-roundtrips"));
        const qint64 envId = EnvironmentRepository(db).list().first().id;
        SecretRepository secrets(db);
        QList<DynamicSecret> made;
        for (const CredentialType type : { CredentialType::Dynamic, CredentialType::Static }) {
            DynamicSecret s;
            s.environmentId = envId;
            s.credentialType = type;
            s.clusterUrl = m_cluster->url().toString();
            s.caCertificate = QString::fromUtf8(m_cluster->caPem());
            if (type == CredentialType::Dynamic) {
                s.name = QStringLiteral("rt-dynamic");
                s.allowedNamespaces = { QStringLiteral("team-a") };
                s.roleType = RoleType::ClusterRole;
                s.roleName = QStringLiteral("kms-dynamic-role");
            } else {
                s.name = QStringLiteral("rt-static");
                s.serviceAccount = QStringLiteral("rt-app");
                s.namespaceName = QStringLiteral("default");
            }
            QVERIFY2(secrets.insert(s), qPrintable(db.lastError()));
            const VaultResult put = QCoro::waitFor(vault.put(s.vaultKey(), m_requester));
            QVERIFY2(put.ok, qPrintable(put.message));
            made << s;
        }
        ClusterConnections connections(vault);
        LeaseService service(db, connections);
        for (const DynamicSecret &s : std::as_const(made)) {
            LeaseRequest request;
            request.secretId = s.id;
            request.secret = s; // as the desktop's list has it
            // The first lease of a program also registers its audit key (in the
            // first statement); the second signs against the head it learnt.
            for (int i = 0; i < 2; ++i) {
                const qint64 before = db.statementsSent();
                const LeaseCreation created = QCoro::waitFor(service.createLease(request));
                const qint64 sent = db.statementsSent() - before;
                QVERIFY2(created.ok(), qPrintable(created.error));
                QVERIFY(authenticates(created.issued->token));
                const auto stored = LeaseRepository(db).byId(created.lease->id);
                QVERIFY(stored);
                QCOMPARE(stored->state, LeaseState::Active);
                QCOMPARE(stored->tokenJti, created.issued->jti);
                AuditFilter filter;
                filter.leaseId = created.lease->id;
                const QList<AuditEvent> events = AuditLog(db).list(filter);
                QCOMPARE(events.size(), 1);
                QCOMPARE(events.first().kind, AuditEvent::LeaseCreated);
                qInfo("%s lease: %lld statements to the server", qPrintable(s.name), sent);
                QVERIFY2(
                    sent <= 2, qPrintable(QStringLiteral("%1 lease: %2 statements").arg(s.name).arg(sent)));
            }
        }
        const AuditVerification verified = AuditLog(db).verify();
        QVERIFY2(verified.intact(), qPrintable(verified.reason));
    }

    // kubectl's exec credential plugin on a team profile: the context names
    // the team database (kubectl's environment names no profile), and the
    // plugin's lock is on this computer, not in whatever folder kubectl runs it from.
    void kubectlThroughATeamProfileLeasesFromTheTeamDatabase()
    {
        const QString kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
        if (kubectl.isEmpty())
            QSKIP(
                "kubectl is not installed on this machine; the exec credential plugin needs it to be tried");
        const QString kubeconfig = m_files.filePath(QStringLiteral("kubeconfig"));
        CliResult r = m_bob->run({ "kubeconfig", "add", "deploy", "--namespace", "team-a", "--kubeconfig",
            kubeconfig, "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QFile written(kubeconfig);
        QVERIFY(written.open(QIODevice::ReadOnly));
        const QByteArray text = written.readAll();
        QVERIFY2(text.contains(m_profile->databaseUrl().toUtf8()) && !text.contains("--data-dir"),
            text.constData());

        QTemporaryDir elsewhere;
        QProcessEnvironment env = m_bob->environment();
        env.remove(QStringLiteral("HANZO_KMS_DATABASE_URL"));
        env.insert(QStringLiteral("HOME"), elsewhere.path());
        env.insert(QStringLiteral("KUBECONFIG"), kubeconfig);
        QProcess p;
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(elsewhere.path());
        p.start(kubectl,
            { QStringLiteral("--cache-dir"), elsewhere.filePath(QStringLiteral("kube-cache")),
                QStringLiteral("--request-timeout=30s"), QStringLiteral("--context"),
                QStringLiteral("kms-deploy-team-a"), QStringLiteral("auth"), QStringLiteral("whoami"),
                QStringLiteral("-o"), QStringLiteral("jsonpath={.status.userInfo.username}") });
        QVERIFY(p.waitForFinished(90000));
        const QString user = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(p.exitCode() == 0 && user.startsWith(QStringLiteral("system:serviceaccount:team-a:")),
            p.readAllStandardError().constData());
        QVERIFY(!QFileInfo::exists(elsewhere.filePath(QStringLiteral("locks"))));
        // The lease is in the team database: Alice sees it.
        r = m_alice->run({ "lease", "list", "deploy", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        bool seen = false;
        for (const QJsonValue &v : jsonArray(r))
            seen = seen || user.endsWith(QLatin1Char(':') + v["serviceAccount"].toString());
        QVERIFY2(seen, r.out.constData());
    }

    // A desktop loses its connection to the team database while a lease is
    // being provisioned (its row committed, the cluster calls under way): its
    // lease cannot be recorded as active, so no token is handed out; what it
    // created in the cluster goes, and the next reconcile from another desktop
    // closes the row (Failed, once). The server really ends the connection.
    void aConnectionLostWhileProvisioningLeavesNoTokenAndAnotherDesktopClosesTheRow()
    {
        Database a;
        Database b;
        QVERIFY2(m_profile->open(a), qPrintable(a.lastError()));
        QVERIFY2(m_profile->open(b), qPrintable(b.lastError()));
        CredentialVault vault(m_profile->keychainService() + QStringLiteral("-lost"));
        DynamicSecret s;
        s.environmentId = EnvironmentRepository(a).list().first().id;
        s.name = QStringLiteral("lost-midway");
        s.credentialType = CredentialType::Dynamic;
        s.clusterUrl = m_cluster->url().toString();
        s.caCertificate = QString::fromUtf8(m_cluster->caPem());
        s.allowedNamespaces = { QStringLiteral("team-a") };
        s.roleType = RoleType::ClusterRole;
        s.roleName = QStringLiteral("kms-dynamic-role");
        QVERIFY2(SecretRepository(a).insert(s), qPrintable(a.lastError()));
        const VaultResult put = QCoro::waitFor(vault.put(s.vaultKey(), m_requester));
        QVERIFY2(put.ok, qPrintable(put.message));
        ClusterConnections connectionsA(vault);
        ClusterConnections connectionsB(vault);
        LeaseService serviceA(a, connectionsA);
        LeaseService serviceB(b, connectionsB);

        Query pid = a.prepare(QStringLiteral("SELECT pg_backend_pid()"));
        QVERIFY2(
            a.exec(pid, QStringLiteral("read the backend's pid")) && pid.next(), qPrintable(a.lastError()));
        const qint64 backend = pid.value(0).toLongLong();
        pid.finish();

        // Each cluster call takes a second: time to end A's connection in between.
        QVERIFY(m_cluster->setFaults(1000, 0));
        auto noFaults = qScopeGuard([this] { m_cluster->setFaults(0, 0); });
        LeaseRequest request;
        request.secretId = s.id;
        request.namespaceName = QStringLiteral("team-a");
        auto creating = serviceA.createLease(request);
        const auto provisioning = [&]() -> std::optional<Lease> {
            for (const Lease &l : LeaseRepository(b).listForSecret(s.id)) {
                if (l.state == LeaseState::Provisioning)
                    return l;
            }
            return std::nullopt;
        };
        QTRY_VERIFY_WITH_TIMEOUT(provisioning().has_value(), 10000);
        const Lease row = *provisioning();
        QString error;
        QVERIFY2(TestPostgres::adminExec(
                     QStringLiteral("SELECT pg_terminate_backend(%1, 5000)").arg(backend), &error),
            qPrintable(error));

        const LeaseCreation created = QCoro::waitFor(std::move(creating));
        QVERIFY2(!created.ok(), "a lease whose row could not be made active was handed out");
        QVERIFY(!created.issued.has_value());
        QVERIFY2(created.error.startsWith(QStringLiteral("The lease could not be recorded ("))
                && created.error.endsWith(QStringLiteral("), so its token was withdrawn and what it created "
                                                         "in the cluster deleted; create the lease "
                                                         "again.")),
            qPrintable(created.error));
        noFaults.dismiss();
        m_cluster->setFaults(0, 0);
        // Nothing of it is left in the cluster (A rolled back what it made, or B's reconcile does).
        const ReconcileReport report = QCoro::waitFor(serviceB.reconcile(false));
        QVERIFY2(report.ok(), qPrintable(report.errors.join(QLatin1Char(' '))));
        QCOMPARE(report.rolledBack, 1);
        QVERIFY2(managedObjects(row.id).isEmpty(), qPrintable(managedObjects(row.id).join(QLatin1Char(' '))));
        const std::optional<Lease> closed = LeaseRepository(b).byId(row.id);
        QVERIFY(closed);
        QCOMPARE(closed->state, LeaseState::Failed);
        AuditFilter filter;
        filter.leaseId = row.id;
        const QList<AuditEvent> events = AuditLog(b).list(filter);
        QCOMPARE(events.size(), 1);
        const AuditVerification verified = AuditLog(b).verify();
        QVERIFY2(verified.intact(), qPrintable(verified.reason));
        // A second reconcile finds nothing more to do.
        QCOMPARE(QCoro::waitFor(serviceB.reconcile(false)).rolledBack, 0);
    }

    // The server refuses connections (as when it is down or unreachable): a
    // command says so in one sentence that names the host, exits 1 (a failed
    // operation) and writes nothing, neither to the database nor the cluster.
    void anUnreachableDatabaseIsOneSentenceNamingItsHostAndWritesNothing()
    {
        CliResult r
            = m_alice->run({ "secret", "create", "offline", "--env", "Development", "--type", "dynamic",
                "--url", m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", m_tokenFile,
                "--namespaces", "team-a", "--role-type", "ClusterRole", "--role", "kms-dynamic-role" });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = m_alice->run({ "audit", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const qsizetype events = jsonArray(r).size();
        const auto managedAccounts = [this] {
            return m_cluster
                ->request("GET",
                    "/api/v1/namespaces/team-a/"
                    "serviceaccounts?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms")
                .json.value("items")
                .toArray()
                .size();
        };
        const qsizetype accounts = managedAccounts();

        const QString database = QUrl(m_profile->databaseUrl()).path().mid(1);
        QString error;
        QVERIFY2(TestPostgres::adminExec(
                     QStringLiteral("ALTER DATABASE %1 ALLOW_CONNECTIONS false").arg(database), &error),
            qPrintable(error));
        auto allow = qScopeGuard([&] {
            TestPostgres::adminExec(QStringLiteral("ALTER DATABASE %1 ALLOW_CONNECTIONS true").arg(database));
        });
        const QString host = QUrl(m_profile->databaseUrl()).host();
        for (const QStringList &command :
            { QStringList { "lease", "create", "offline", "--namespace", "team-a" },
                QStringList { "lease", "list" }, QStringList { "secret", "delete", "offline" } }) {
            r = m_alice->run(command);
            QVERIFY2(r.exitCode == 1, r.describe());
            const QString said = r.errText().trimmed();
            QVERIFY2(!said.contains(QLatin1Char('\n')), r.describe());
            QVERIFY2(said.contains(QStringLiteral("Cannot connect to the team profile's database"))
                    && said.contains(host),
                r.describe());
            QVERIFY2(r.out.isEmpty(), r.describe());
        }

        allow.dismiss();
        QVERIFY2(TestPostgres::adminExec(
                     QStringLiteral("ALTER DATABASE %1 ALLOW_CONNECTIONS true").arg(database), &error),
            qPrintable(error));
        r = m_alice->run({ "lease", "list", "offline", "--all", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY2(jsonArray(r).isEmpty(), r.out.constData());
        r = m_alice->run({ "secret", "list", "-o", "json" });
        QVERIFY(!find(jsonArray(r), "name", "offline").isEmpty());
        r = m_alice->run({ "audit", "-o", "json" });
        QCOMPARE(jsonArray(r).size(), events);
        QCOMPARE(managedAccounts(), accounts);
    }
};

QTEST_GUILESS_MAIN(TestTeamProfile)
#include "tst_teamprofile.moc"
