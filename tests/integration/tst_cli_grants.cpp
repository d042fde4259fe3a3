// What a lease grants, through hanzo-kmsctl against kms-testcluster: several
// roles per lease, extra labels and annotations on every object, the lease
// limit (also against concurrent processes), and bad input for each flag.
#include "CliRunner.h"
#include "KmsTestPaths.h"
#include "TestCluster.h"
#include "TestSupport.h"

#include "core/NameTemplate.h"
#include "kube/ObjectKinds.h"
#include "provider/LeaseLabels.h"
#include "provider/LeaseProvider.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTest>
#include <QUrl>

#include <csignal>

using namespace kms::test;

namespace {

const QString Managed = QStringLiteral("app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms");

} // namespace

class TestCliGrants : public QObject {
    Q_OBJECT

    std::unique_ptr<TestCluster> m_cluster;
    std::unique_ptr<TempProfile> m_profile;
    std::unique_ptr<CliRunner> m_cli;
    QTemporaryDir m_files;
    QString m_tokenFile;
    QString m_caFile;

    CliResult kmsctl(const QStringList &args) { return m_cli->run(args); }
    QString write(const QString &name, const QByteArray &data)
    {
        QFile f(m_files.filePath(name));
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(name));
        f.write(data);
        return f.fileName();
    }
    // "secret create NAME --env Development --type dynamic" with this cluster and the seed's requester.
    QStringList createArgs(const QString &name)
    {
        return { "secret", "create", name, "--env", "Development", "--type", "dynamic", "--url",
            m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", m_tokenFile };
    }
    // Every object labelled as a lease's, of these kinds: "Kind ns/name" -> object.
    QMap<QString, QJsonObject> managedObjects(const QString &extraSelector = {})
    {
        QMap<QString, QJsonObject> found;
        const QString selector = Managed
            + (extraSelector.isEmpty()
                    ? QString()
                    : QStringLiteral("%2C") + QString::fromLatin1(QUrl::toPercentEncoding(extraSelector)));
        for (const auto &[kind, path] : { std::pair { "ServiceAccount", "/api/v1/serviceaccounts" },
                 std::pair { "RoleBinding", "/apis/rbac.authorization.k8s.io/v1/rolebindings" },
                 std::pair { "ClusterRoleBinding", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" },
                 std::pair { "Role", "/apis/rbac.authorization.k8s.io/v1/roles" },
                 std::pair { "ClusterRole", "/apis/rbac.authorization.k8s.io/v1/clusterroles" } }) {
            const auto r
                = m_cluster->request("GET", QString::fromLatin1(path) + "?labelSelector=" + selector);
            for (const QJsonValue &item : r.json.value("items").toArray()) {
                const QJsonObject meta = item["metadata"].toObject();
                found.insert(QString::fromLatin1(kind) + ' ' + meta["namespace"].toString() + '/'
                        + meta["name"].toString(),
                    item.toObject());
            }
        }
        return found;
    }
    // A row of secret check's table: RESULT, spaces, then the check's words.
    static bool hasCheck(const QString &out, const QString &result, const QString &check)
    {
        return QRegularExpression(QStringLiteral("^%1 +%2").arg(result, QRegularExpression::escape(check)),
            QRegularExpression::MultilineOption)
            .match(out)
            .hasMatch();
    }
    bool authenticates(const QByteArray &token)
    {
        return m_cluster->tokenReview(token).value("authenticated").toBool();
    }
    QJsonObject createLease(const QString &secret, const QString &ns)
    {
        const CliResult r = kmsctl({ "lease", "create", secret, "--namespace", ns, "-o", "json" });
        if (r.exitCode != 0)
            qWarning("%s", r.describe().constData());
        return QJsonDocument::fromJson(r.out).object();
    }

private slots:
    void initTestCase()
    {
        m_cluster = std::make_unique<TestCluster>();
        QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
        const QByteArray requester = m_cluster->applySeedSetup();
        QVERIFY2(!requester.isEmpty(), qPrintable(m_cluster->errorString()));
        for (const auto &[ns, team, env] :
            { std::tuple { "dev-a", "a", "dev" }, std::tuple { "dev-b", "b", "dev" },
                std::tuple { "prod-a", "a", "prod" }, std::tuple { "dev-c", "c", "dev" } })
            QCOMPARE(m_cluster
                         ->request("POST", "/api/v1/namespaces",
                             { { "apiVersion", "v1" }, { "kind", "Namespace" },
                                 { "metadata",
                                     QJsonObject { { "name", ns },
                                         { "labels", QJsonObject { { "team", team }, { "env", env } } } } } })
                         .status,
                201);
        for (const char *ns : { "team-a", "team-b" })
            QCOMPARE(m_cluster
                         ->request("POST", "/api/v1/namespaces",
                             { { "apiVersion", "v1" }, { "kind", "Namespace" },
                                 { "metadata", QJsonObject { { "name", ns } } } })
                         .status,
                201);
        // A second role, in team-a, that the requester holds (so it may grant it).
        const QString yaml = write("deployer.yaml", R"(apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: team-a}
rules:
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [create, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: requester-holds-deployer, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects: [{kind: ServiceAccount, name: kms-token-requester, namespace: default}]
)");
        QVERIFY2(m_cluster->applyYamlFile(yaml), qPrintable(m_cluster->errorString()));
        // Generated roles: the requester may create and delete roles (and, by
        // escalation prevention, only with rules it holds itself).
        const QString roles = write("roles.yaml", R"(apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kms-role-maker}
rules:
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [roles, clusterroles]
    verbs: [create, delete, get, list]
  - apiGroups: [""]
    resources: [namespaces]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kms-role-maker}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kms-role-maker}
subjects: [{kind: ServiceAccount, name: kms-token-requester, namespace: default}]
)");
        QVERIFY2(m_cluster->applyYamlFile(roles), qPrintable(m_cluster->errorString()));
        m_profile = std::make_unique<TempProfile>();
        m_cli = std::make_unique<CliRunner>(m_profile->environment());
        m_tokenFile = write("requester.token", requester);
        m_caFile = write("ca.crt", m_cluster->caPem());
    }

    void aLeaseBoundToTwoRolesHasBothUntilItIsRevoked()
    {
        const CliResult created
            = kmsctl(createArgs("two-roles") << "--namespaces"
                                             << "team-a"
                                             << "--roles"
                                             << "ClusterRole/kms-dynamic-role,Role/deployer"
                                             << "--extra-labels"
                                             << "team=a,tier=web"
                                             << "--extra-annotations"
                                             << "owner=ops\\, on call"
                                             << "--extra-annotations"
                                             << "ticket=OPS-1");
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult shown = kmsctl({ "secret", "show", "two-roles", "-o", "json" });
        const QJsonObject secret = QJsonDocument::fromJson(shown.out).object();
        QCOMPARE(secret["roles"].toArray(), (QJsonArray { "ClusterRole/kms-dynamic-role", "Role/deployer" }));
        QCOMPARE(secret["extraAnnotations"]["owner"].toString(), "ops, on call");

        const QJsonObject lease = createLease("two-roles", "team-a");
        const QByteArray token = lease["token"].toString().toUtf8();
        QVERIFY(!token.isEmpty());
        QVERIFY(m_cluster->canI(token, "list", "pods", "team-a")); // ClusterRole/kms-dynamic-role
        QVERIFY(m_cluster->canI(token, "create", "deployments", "team-a", "apps")); // Role/deployer
        QVERIFY(!m_cluster->canI(token, "delete", "deployments", "team-a", "apps"));

        // The account and both bindings, each with the extra labels and annotations.
        const QString id = lease["id"].toString();
        const QMap<QString, QJsonObject> objects = managedObjects("kms.hanzo.ai/lease-id=" + id);
        QCOMPARE(objects.size(), 3);
        const QString sa = lease["serviceAccount"].toString();
        QVERIFY2(objects.contains("ServiceAccount team-a/" + sa), qPrintable(objects.keys().join(' ')));
        QVERIFY(objects.contains("RoleBinding team-a/" + sa));
        QVERIFY(objects.contains("RoleBinding team-a/" + sa + "-2"));
        QCOMPARE(objects.value("RoleBinding team-a/" + sa + "-2")
                     .value("roleRef")
                     .toObject()
                     .value("name")
                     .toString(),
            "deployer");
        for (const QJsonObject &o : objects) {
            const QJsonObject meta = o["metadata"].toObject();
            QCOMPARE(meta["labels"]["team"].toString(), "a");
            QCOMPARE(meta["labels"]["tier"].toString(), "web");
            QCOMPARE(meta["labels"]["kms.hanzo.ai/lease-id"].toString(), id);
            QCOMPARE(meta["annotations"]["owner"].toString(), "ops, on call");
            QCOMPARE(meta["annotations"]["ticket"].toString(), "OPS-1");
            QVERIFY(meta["annotations"].toObject().contains("kms.hanzo.ai/expires-at"));
        }

        const CliResult revoked = kmsctl({ "lease", "revoke", id });
        QVERIFY2(revoked.exitCode == 0, revoked.describe());
        QVERIFY(!authenticates(token));
        QVERIFY(!m_cluster->canI(token, "create", "deployments", "team-a", "apps"));
        QVERIFY(managedObjects("kms.hanzo.ai/lease-id=" + id).isEmpty());
    }

    void theLeaseLimitRefusesTheNextLeaseInOneSentence()
    {
        const CliResult created = kmsctl(createArgs("capped") << "--namespaces"
                                                              << "team-b"
                                                              << "--role-type"
                                                              << "ClusterRole"
                                                              << "--role"
                                                              << "kms-dynamic-role"
                                                              << "--max-leases"
                                                              << "2");
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject first = createLease("capped", "team-b");
        QVERIFY(!first.isEmpty());
        QVERIFY(!createLease("capped", "team-b").isEmpty());
        const auto before = managedObjects("kms.hanzo.ai/secret=capped");

        const CliResult third = kmsctl({ "lease", "create", "capped", "--namespace", "team-b" });
        QCOMPARE(third.exitCode, 1);
        QVERIFY2(
            third.errText().contains(
                "Secret \"capped\" already has 2 of its at most 2 leases whose token may still work; revoke "
                "one or wait until one expires."),
            third.describe());
        QCOMPARE(third.errText().trimmed().count('\n'), 0);
        QVERIFY(third.out.isEmpty());
        QCOMPARE(managedObjects("kms.hanzo.ai/secret=capped"), before); // nothing made on the cluster

        QCOMPARE(kmsctl({ "lease", "revoke", first["id"].toString() }).exitCode, 0);
        QVERIFY(!createLease("capped", "team-b").isEmpty());
    }

    void concurrentLeasesDoNotOvershootTheLimit()
    {
        const CliResult created = kmsctl(createArgs("one-at-a-time") << "--namespaces"
                                                                     << "team-b"
                                                                     << "--role-type"
                                                                     << "ClusterRole"
                                                                     << "--role"
                                                                     << "kms-dynamic-role"
                                                                     << "--max-leases"
                                                                     << "1");
        QVERIFY2(created.exitCode == 0, created.describe());
        std::vector<std::unique_ptr<QProcess>> processes;
        for (int i = 0; i < 5; ++i) {
            auto p = std::make_unique<QProcess>();
            p->setProcessEnvironment(m_cli->environment());
            p->start(QStringLiteral(KMS_CTL_PATH), { "lease", "create", "one-at-a-time", "-o", "token" });
            processes.push_back(std::move(p));
        }
        int issued = 0;
        int refused = 0;
        for (auto &p : processes) {
            QVERIFY(p->waitForFinished(60000));
            const QString err = QString::fromUtf8(p->readAllStandardError());
            if (p->exitCode() == 0)
                ++issued;
            else if (p->exitCode() == 1 && err.contains("already has 1 of its at most 1 leases"))
                ++refused;
            else
                QFAIL(qPrintable(QStringLiteral("exit %1: %2").arg(p->exitCode()).arg(err)));
        }
        QCOMPARE(issued, 1);
        QCOMPARE(refused, 4);
        int accounts = 0;
        for (const QString &key : managedObjects("kms.hanzo.ai/secret=one-at-a-time").keys())
            accounts += key.startsWith("ServiceAccount ") ? 1 : 0;
        QCOMPARE(accounts, 1);
    }

    void aGeneratedRoleGrantsItsRulesUntilTheLeaseIsRevoked()
    {
        const QString rules = write("gen-rules.yaml", R"(rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list]
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [create]
)");
        const CliResult created
            = kmsctl(createArgs("generated") << "--namespaces"
                                             << "team-a"
                                             << "--role-type"
                                             << "Role"
                                             << "--generated-rules-file" << rules << "--extra-labels"
                                             << "team=a");
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult check = kmsctl({ "secret", "check", "generated" });
        QVERIFY2(check.exitCode == 0, check.describe());
        QVERIFY2(hasCheck(check.outText(), "OK",
                     "holds every permission of the generated role in namespace \"team-a\""),
            check.describe());

        const QJsonObject lease = createLease("generated", "team-a");
        const QByteArray token = lease["token"].toString().toUtf8();
        QVERIFY(!token.isEmpty());
        QVERIFY(m_cluster->canI(token, "list", "configmaps", "team-a"));
        QVERIFY(m_cluster->canI(token, "create", "deployments", "team-a", "apps"));
        QVERIFY(!m_cluster->canI(token, "list", "pods", "team-a")); // only what the rules grant
        QVERIFY(!m_cluster->canI(token, "list", "configmaps", "team-b")); // a Role: its namespace only
        const QString sa = lease["serviceAccount"].toString();
        const QMap<QString, QJsonObject> objects
            = managedObjects("kms.hanzo.ai/lease-id=" + lease["id"].toString());
        QVERIFY2(objects.contains("Role team-a/" + sa) && objects.contains("RoleBinding team-a/" + sa)
                && objects.contains("ServiceAccount team-a/" + sa) && objects.size() == 3,
            qPrintable(objects.keys().join(' ')));
        for (auto it = objects.begin(); it != objects.end(); ++it) // the extra label on every object
            QVERIFY2(it.value()["metadata"]["labels"]["team"].toString() == "a", qPrintable(it.key()));

        QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
        QVERIFY(!authenticates(token));
        QVERIFY(!m_cluster->canI(token, "list", "configmaps", "team-a"));
        QVERIFY(managedObjects("kms.hanzo.ai/lease-id=" + lease["id"].toString()).isEmpty());
    }

    // What the issue asks in so many words: kubectl auth can-i, with the lease's kubeconfig.
    void kubectlAuthCanISeesTheGeneratedRoleUntilTheLeaseIsRevoked()
    {
        const QString kubectl = QStandardPaths::findExecutable("kubectl");
        if (kubectl.isEmpty())
            QSKIP("kubectl is not installed; aGeneratedRoleGrantsItsRulesUntilTheLeaseIsRevoked asks the "
                  "cluster the same questions (SelfSubjectAccessReview)");
        const CliResult created = kmsctl(createArgs("generated-kubectl")
            << "--namespaces"
            << "team-b"
            << "--role-type"
            << "Role"
            << "--generated-rules-file"
            << write("kubectl-rules.yaml",
                   "- {apiGroups: [\"\"], resources: [configmaps], verbs: [get, list]}\n"));
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult lease = kmsctl({ "lease", "create", "generated-kubectl", "-o", "kubeconfig" });
        QVERIFY2(lease.exitCode == 0, lease.describe());
        const QString config = write("generated.kubeconfig", lease.out);
        const auto canI = [&](const QStringList &args) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("KUBECONFIG", config);
            env.insert("HOME", m_files.path());
            p.setProcessEnvironment(env);
            p.start(kubectl, QStringList { "--request-timeout=20s", "auth", "can-i" } + args);
            if (!p.waitForFinished(30000))
                return QByteArray("(timed out)");
            return p.readAllStandardOutput().trimmed();
        };
        QCOMPARE(canI({ "list", "configmaps" }), QByteArray("yes")); // in the lease's namespace, team-b
        QCOMPARE(canI({ "get", "configmaps", "-n", "team-b" }), QByteArray("yes"));
        QCOMPARE(canI({ "delete", "configmaps" }), QByteArray("no"));
        QCOMPARE(canI({ "list", "pods" }), QByteArray("no"));
        QCOMPARE(canI({ "list", "configmaps", "-n", "team-a" }), QByteArray("no")); // a Role: team-b only

        const QJsonArray leases
            = QJsonDocument::fromJson(kmsctl({ "lease", "list", "generated-kubectl", "-o", "json" }).out)
                  .array();
        QCOMPARE(leases.size(), 1);
        QCOMPARE(kmsctl({ "lease", "revoke", leases.first()["id"].toString() }).exitCode, 0);
        // Its account is gone: the token is refused (kubectl prints nothing on stdout then).
        QVERIFY(canI({ "list", "configmaps" }) != QByteArray("yes"));
        QVERIFY(managedObjects("kms.hanzo.ai/secret=generated-kubectl").isEmpty());
    }

    void aBoundStaticLeasesSecretCarriesTheExtraLabelsAndAnnotations()
    {
        // Bound tokens need Secrets of their own (secret check --rbac prints this).
        QVERIFY2(m_cluster->applyYamlFile(write("bound-rbac.yaml", R"(apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: kms-bound-secrets, namespace: default}
rules:
  - apiGroups: [""]
    resources: [secrets]
    verbs: [create, get, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: kms-bound-secrets, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: kms-bound-secrets}
subjects: [{kind: ServiceAccount, name: kms-token-requester, namespace: default}]
)")),
            qPrintable(m_cluster->errorString()));
        const CliResult created = kmsctl({ "secret", "create", "bound-labelled", "--env", "Development",
            "--type", "static", "--service-account", "kms-token-requester", "--namespace", "default",
            "--bound", "--url", m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file",
            m_tokenFile, "--extra-labels", "team=a,tier=ci", "--extra-annotations", "owner=ops" });
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease = createLease("bound-labelled", "default");
        QVERIFY(authenticates(lease["token"].toString().toUtf8()));
        const auto secrets = m_cluster->request("GET",
            "/api/v1/namespaces/default/secrets?labelSelector=" + Managed + "%2Ckms.hanzo.ai%2Flease-id%3D"
                + lease["id"].toString());
        const QJsonArray items = secrets.json["items"].toArray();
        QCOMPARE(items.size(), 1);
        const QJsonObject meta = items.first()["metadata"].toObject();
        QCOMPARE(meta["labels"]["team"].toString(), QStringLiteral("a"));
        QCOMPARE(meta["labels"]["tier"].toString(), QStringLiteral("ci"));
        QCOMPARE(meta["annotations"]["owner"].toString(), QStringLiteral("ops"));
        QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
        QVERIFY(!authenticates(lease["token"].toString().toUtf8()));
    }

    void aGeneratedClusterRoleBesideTwoRoles()
    {
        const QString rules = write("gen-cluster-rules.json",
            R"({"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]})");
        const CliResult created = kmsctl(createArgs("generated-cluster")
            << "--namespaces"
            << "team-a"
            << "--roles"
            << "ClusterRole/kms-dynamic-role,Role/deployer"
            << "--role-type"
            << "ClusterRole"
            << "--generated-rules-file" << rules << "--cluster-wide");
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease = createLease("generated-cluster", "team-a");
        const QByteArray token = lease["token"].toString().toUtf8();
        QVERIFY(m_cluster->canI(token, "get", "pods", "team-b")); // generated ClusterRole, cluster-wide
        QVERIFY(m_cluster->canI(token, "list", "configmaps", "team-b")); // kms-dynamic-role, cluster-wide
        QVERIFY(m_cluster->canI(token, "create", "deployments", "team-a", "apps")); // Role: in its namespace
        const QString sa = lease["serviceAccount"].toString();
        const QMap<QString, QJsonObject> objects
            = managedObjects("kms.hanzo.ai/lease-id=" + lease["id"].toString());
        QVERIFY2(objects.contains("ClusterRole /" + sa) && objects.contains("ClusterRoleBinding /" + sa)
                && objects.contains("RoleBinding team-a/" + sa + "-2")
                && objects.contains("ClusterRoleBinding /" + sa + "-3") && objects.size() == 5,
            qPrintable(objects.keys().join(' ')));
        QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
        QVERIFY(managedObjects("kms.hanzo.ai/lease-id=" + lease["id"].toString()).isEmpty());
        QVERIFY(!m_cluster->canI(token, "get", "pods", "team-b"));
    }

    void checkNamesTheRulesTheClusterTokenLacks()
    {
        const QString rules = write("gen-too-much.yaml",
            "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n- apiGroups: [\"\"]\n  resources: "
            "[configmaps]\n"
            "  verbs: [get]\n");
        const CliResult created = kmsctl(createArgs("greedy") << "--namespaces"
                                                              << "team-a"
                                                              << "--role-type"
                                                              << "Role"
                                                              << "--generated-rules-file" << rules);
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult check = kmsctl({ "secret", "check", "greedy" });
        QCOMPARE(check.exitCode, 1);
        QVERIFY2(hasCheck(check.outText(), "MISSING",
                     "holds every permission of the generated role in namespace \"team-a\"")
                && check.outText().contains(
                    "lacks {APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}")
                && !check.outText().contains("Resources:[\"configmaps\"], Verbs:[\"get\"]}, "),
            check.describe());
        // The RBAC it prints grants exactly that to the requester.
        QVERIFY2(check.outText().contains("kms-generated-rules-greedy"), check.describe());
        const CliResult lease = kmsctl({ "lease", "create", "greedy" });
        QCOMPARE(lease.exitCode, 1);
        QVERIFY2(lease.errText().contains("attempting to grant RBAC permissions not currently held"),
            lease.describe());
        QVERIFY(managedObjects("kms.hanzo.ai/secret=greedy").isEmpty()); // rolled back
    }

    void aSelectorAllowsTheNamespacesWhoseLabelsMatch()
    {
        const CliResult created = kmsctl(createArgs("selected") << "--namespaces"
                                                                << "team-b"
                                                                << "--namespace-selector"
                                                                << "team in (a,b), env=dev"
                                                                << "--role-type"
                                                                << "ClusterRole"
                                                                << "--role"
                                                                << "kms-dynamic-role");
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult check = kmsctl({ "secret", "check", "selected" });
        QVERIFY2(check.exitCode == 0, check.describe());
        QVERIFY2(hasCheck(check.outText(), "OK", "list namespaces at the cluster scope")
                && hasCheck(check.outText(), "OK", "get namespaces at the cluster scope")
                && hasCheck(check.outText(), "OK", "create serviceaccounts in every namespace"),
            check.describe());
        for (const char *ns : { "dev-a", "dev-b", "team-b" }) {
            const QJsonObject lease = createLease("selected", ns);
            QVERIFY2(m_cluster->canI(lease["token"].toString().toUtf8(), "list", "pods", ns), ns);
            QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
        }
        const auto before = managedObjects("kms.hanzo.ai/secret=selected");
        const CliResult prod = kmsctl({ "lease", "create", "selected", "--namespace", "prod-a" });
        QCOMPARE(prod.exitCode, 2);
        QVERIFY2(
            prod.errText().contains("--namespace: Namespace \"prod-a\" is not one of the secret's allowed "
                                    "namespaces (team-b) and has labels (env=prod, "
                                    "kubernetes.io/metadata.name=prod-a, team=a) that "
                                    "do not match "
                                    "the secret's namespace selector \"team in (a,b), env=dev\"."),
            prod.describe());
        const CliResult other = kmsctl({ "lease", "create", "selected", "--namespace", "dev-c" });
        QCOMPARE(other.exitCode, 2);
        const CliResult missing = kmsctl({ "lease", "create", "selected", "--namespace", "nowhere" });
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.errText().contains("--namespace: Namespace \"nowhere\" does not exist."),
            missing.describe());
        const CliResult none = kmsctl({ "lease", "create", "selected" });
        QCOMPARE(none.exitCode, 2);
        QVERIFY2(none.errText().contains("Choose a namespace: one of team-b, or one whose labels match"),
            none.describe());
        QCOMPARE(managedObjects("kms.hanzo.ai/secret=selected"), before);
    }

    void anyNamespaceWithStar()
    {
        const CliResult created = kmsctl(createArgs("anywhere") << "--namespaces"
                                                                << "*"
                                                                << "--role-type"
                                                                << "ClusterRole"
                                                                << "--role"
                                                                << "kms-dynamic-role");
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease = createLease("anywhere", "prod-a");
        QVERIFY(m_cluster->canI(lease["token"].toString().toUtf8(), "list", "pods", "prod-a"));
        QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
        const CliResult none = kmsctl({ "lease", "create", "anywhere" });
        QCOMPARE(none.exitCode, 2);
        QVERIFY2(none.errText().contains("Choose a namespace: any namespace."), none.describe());
    }

    void aVaultRoleImportsToASecretThatLeases()
    {
        // What `vault read -format=json` prints for a role and the mount's config.
        QFile ca(m_caFile);
        QVERIFY(ca.open(QIODevice::ReadOnly));
        const QString config = write("vault-config.json",
            QJsonDocument(QJsonObject { { "request_id", "1" },
                              { "data",
                                  QJsonObject { { "kubernetes_host", m_cluster->url().toString() },
                                      { "kubernetes_ca_cert", QString::fromUtf8(ca.readAll()) },
                                      { "disable_local_ca_jwt", false } } } })
                .toJson());
        const QString role = write("vault-role.json", R"({"request_id": "2", "data": {
            "allowed_kubernetes_namespace_selector": "{\u0022matchLabels\u0022: {\u0022env\u0022: \u0022dev\u0022}}",
            "allowed_kubernetes_namespaces": ["team-a"],
            "extra_annotations": {"owner": "platform"},
            "extra_labels": {"cost-center": "42"},
            "generated_role_rules": "rules:\n- apiGroups: [\u0022\u0022]\n  resources: [configmaps]\n  verbs: [list]\n",
            "kubernetes_role_name": "",
            "kubernetes_role_type": "Role",
            "name_template": "{{.RoleName}}-{{random 8}}",
            "service_account_name": "",
            "token_default_audiences": [],
            "token_default_ttl": 1800,
            "token_max_ttl": 7200,
            "unknown_to_us": "x"}})");
        const CliResult imported = kmsctl({ "secret", "import-vault", "from-vault", "--env", "Development",
            "--role", role, "--config", config, "--token-file", m_tokenFile });
        QVERIFY2(imported.exitCode == 0, imported.describe());
        QVERIFY2(imported.outText().contains(
                     "Created dynamic secret \"from-vault\" in Development from Vault role"),
            imported.describe());
        QVERIFY2(imported.errText().contains("not imported: unknown_to_us: no equivalent here."),
            imported.describe());
        const CliResult shown = kmsctl({ "secret", "show", "from-vault", "-o", "json" });
        const QJsonObject secret = QJsonDocument::fromJson(shown.out).object();
        QCOMPARE(secret["namespaceSelector"].toString(), QStringLiteral("env=dev"));
        QCOMPARE(secret["defaultTtlSeconds"].toInt(), 1800);
        QCOMPARE(secret["nameTemplate"].toString(), QStringLiteral("{{secret}}-{{random 8}}"));
        for (const char *ns : { "team-a", "dev-a" }) {
            const QJsonObject lease = createLease("from-vault", ns);
            const QByteArray token = lease["token"].toString().toUtf8();
            QVERIFY2(!token.isEmpty(), ns);
            QVERIFY(m_cluster->canI(token, "list", "configmaps", ns));
            QVERIFY(!m_cluster->canI(token, "delete", "configmaps", ns));
            const auto objects = managedObjects("kms.hanzo.ai/secret=from-vault");
            QVERIFY(!objects.isEmpty());
            for (auto it = objects.begin(); it != objects.end(); ++it) {
                const QJsonObject meta = it.value()["metadata"].toObject();
                QVERIFY2(meta["name"].toString().startsWith("from-vault-"), qPrintable(it.key()));
                QCOMPARE(meta["labels"].toObject()["cost-center"].toString(), QStringLiteral("42"));
                QCOMPARE(meta["annotations"].toObject()["owner"].toString(), QStringLiteral("platform"));
            }
            QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
            QVERIFY(!authenticates(token));
        }
        QVERIFY(managedObjects("kms.hanzo.ai/secret=from-vault").isEmpty());
    }

    void badVaultImportsExitTwoInOneSentenceNamingTheFlag_data()
    {
        QTest::addColumn<QByteArray>("role");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QByteArray ok
            = R"({"data": {"kubernetes_role_name": "view", "allowed_kubernetes_namespaces": ["a"]}})";
        QTest::newRow("not json") << QByteArray("kubernetes_role_name: view") << QStringList()
                                  << "--role: The role file is not a JSON object";
        QTest::newRow("too large") << QByteArray(1024 * 1024 + 1, ' ') << QStringList()
                                   << "is larger than 1 MiB; give the output of vault read -format=json.";
        QTest::newRow("two kinds")
            << QByteArray(R"({"service_account_name": "a", "kubernetes_role_name": "b"})") << QStringList()
            << "--role: The role file must set exactly one of service_account_name, kubernetes_role_name and "
               "generated_role_rules";
        QTest::newRow("reserved label")
            << QByteArray(R"({"kubernetes_role_name": "view", "allowed_kubernetes_namespaces": ["a"],
                "extra_labels": {"app.kubernetes.io/managed-by": "vault"}})")
            << QStringList()
            << "extra_labels: Label key \"app.kubernetes.io/managed-by\" is one of Hanzo KMS's own";
        QTest::newRow("bad namespace")
            << QByteArray(R"({"kubernetes_role_name": "view", "allowed_kubernetes_namespaces": ["Team A"]})")
            << QStringList() << "allowed_kubernetes_namespaces: Allowed namespace \"Team A\" is not a valid";
        QTest::newRow("control characters in a label")
            << QByteArray("{\"kubernetes_role_name\": \"view\", \"allowed_kubernetes_namespaces\": [\"a\"], "
                          "\"extra_labels\": {\"team\": \"a\\u001b[2J\"}}")
            << QStringList() << "extra_labels: Label \"team\" has an invalid value \"a\\x1b[2J\"";
        QTest::newRow("no role file")
            << QByteArray() << QStringList { "--no-role" } << "--role: the role's JSON file is required";
        QTest::newRow("namespace on dynamic")
            << ok << QStringList { "--namespace", "a" }
            << "--namespace: applies only to a role with service_account_name";
        QTest::newRow("config not json") << ok << QStringList { "--config", "@CONFIG@" }
                                         << "--config: The config file is not a JSON object";
    }
    void badVaultImportsExitTwoInOneSentenceNamingTheFlag()
    {
        QFETCH(QByteArray, role);
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QStringList all { "secret", "import-vault", "refused-vault", "--env", "Development", "--token-file",
            m_tokenFile, "--url", m_cluster->url().toString(), "--ca-file", m_caFile };
        if (!args.removeAll("--no-role"))
            all << "--role" << write("bad-vault-role.json", role);
        for (QString &a : args) {
            if (a == "@CONFIG@")
                a = write("bad-vault-config.json", "kubernetes_host: https://x");
        }
        const CliResult r = kmsctl(all + args);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(message), r.describe());
        QCOMPARE(r.errText().trimmed().count('\n'), 0); // one sentence
        QVERIFY2(!r.err.contains('\x1b'), r.describe());
        QCOMPARE(kmsctl({ "secret", "show", "refused-vault" }).exitCode, 1); // nothing was saved
    }

    // Every field of the role and the config is carried over, or named on
    // stderr as not imported, or on stdout as imported with a change.
    void everyVaultFieldIsCarriedOverOrReported()
    {
        const QString role = write("vault-role-all.json", R"({"request_id": "3", "data": {
            "name": "Deploy Role",
            "allowed_kubernetes_namespace_selector": "",
            "allowed_kubernetes_namespaces": ["team-a"],
            "extra_annotations": {},
            "extra_labels": null,
            "generated_role_rules": "",
            "kubernetes_role_name": "kms-dynamic-role",
            "kubernetes_role_type": "ClusterRole",
            "name_template": "{{ printf \u0022v-%s\u0022 (random 20) }}",
            "service_account_name": "",
            "token_default_audiences": [],
            "token_default_ttl": 0,
            "token_max_ttl": 86400,
            "some_future_field": true,
            "another_future_field": {"x": 1}}})");
        const QString config = write("vault-config-all.json", R"({"data": {
            "kubernetes_host": "https:\/\/example.invalid:6443",
            "kubernetes_ca_cert": "",
            "disable_local_ca_jwt": true,
            "future_config_field": "x"}})");
        const CliResult imported = kmsctl({ "secret", "import-vault", "vault-all", "--env", "Development",
            "--role", role, "--config", config, "--url", m_cluster->url().toString(), "--ca-file", m_caFile,
            "--token-file", m_tokenFile });
        QVERIFY2(imported.exitCode == 0, imported.describe());
        for (const char *line : { "not imported: name_template \"{{ printf \"v-%s\" (random 20) }}\": ",
                 "not imported: some_future_field: no equivalent here.",
                 "not imported: another_future_field: no equivalent here.",
                 "not imported: config disable_local_ca_jwt: ",
                 "not imported: config future_config_field: no equivalent here." })
            QVERIFY2(
                imported.errText().contains(QString::fromUtf8(line)), qPrintable(line + imported.describe()));
        for (const char *line :
            { "Imported with a change: token_default_ttl is 0 (the mount's default in Vault): 1h here.",
                "Imported with a change: name \"Deploy Role\" is \"vault-all\" here." })
            QVERIFY2(
                imported.outText().contains(QString::fromUtf8(line)), qPrintable(line + imported.describe()));
        const QJsonObject secret
            = QJsonDocument::fromJson(kmsctl({ "secret", "show", "vault-all", "-o", "json" }).out).object();
        QCOMPARE(secret["namespaces"].toArray(), QJsonArray { "team-a" });
        QCOMPARE(secret["roles"].toArray(), QJsonArray { "ClusterRole/kms-dynamic-role" });
        QVERIFY(secret["audiences"].toArray().isEmpty()); // the API server's own, so the token works there
        QCOMPARE(secret["maxTtlSeconds"].toInt(), 86400);
        QCOMPARE(secret["url"].toString(), m_cluster->url().toString()); // --url over the config's
        const QJsonObject lease = createLease("vault-all", "team-a");
        QVERIFY(m_cluster->canI(lease["token"].toString().toUtf8(), "list", "pods", "team-a"));
        QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
    }

    void aCliKilledWhileProvisioningSeveralObjectsLeavesNothingAfterReconcile()
    {
        const CliResult created
            = kmsctl(createArgs("killed") << "--namespaces"
                                          << "team-a"
                                          << "--roles"
                                          << "ClusterRole/kms-dynamic-role,Role/deployer");
        QVERIFY2(created.exitCode == 0, created.describe());
        // Slow answers keep the window between the first writes and the token wide.
        const int served = m_cluster->settings().value("requests").toInt();
        QVERIFY(m_cluster->setFaults(4000, 0));
        QProcess cli;
        cli.setProcessEnvironment(m_profile->environment());
        cli.start(QStringLiteral(KMS_CTL_PATH), { "lease", "create", "killed", "-o", "token" });
        QVERIFY(cli.waitForStarted());
        // The account and both bindings are answered: the token request is in flight. (Bindings of
        // existing roles: one of a generated role may be sent twice, see the next test.)
        QTRY_VERIFY_WITH_TIMEOUT(m_cluster->settings().value("requests").toInt() >= served + 3, 30000);
        QCOMPARE(cli.state(), QProcess::Running);
        const qint64 pid = cli.processId();
        QVERIFY(pid > 1);
        ::kill(pid_t(pid), SIGKILL);
        QVERIFY(cli.waitForFinished(10000));
        QVERIFY(cli.readAllStandardOutput().isEmpty());
        QVERIFY(m_cluster->setFaults(0, 0));
        QCOMPARE(managedObjects("kms.hanzo.ai/secret=killed").size(), 3);

        const CliResult reconciled = kmsctl({ "reconcile", "--no-sweep" });
        QVERIFY2(reconciled.exitCode == 0, reconciled.describe());
        QVERIFY2(reconciled.outText().contains("Rolled back 1 unfinished lease"), reconciled.describe());
        QVERIFY(managedObjects("kms.hanzo.ai/secret=killed").isEmpty());
    }

    void leaseObjectsAreNamedByTheTemplate()
    {
        const CliResult created = kmsctl(createArgs("named")
            << "--namespaces"
            << "team-a,team-b"
            << "--roles"
            << "ClusterRole/kms-dynamic-role,Role/deployer"
            << "--name-template"
            << "{{secret}}-{{namespace}}-{{user | lower | replace \".\" \"-\" | truncate 8}}-{{random 6}}");
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease = createLease("named", "team-a");
        const QString sa = lease["serviceAccount"].toString();
        const QString user = kms::NameTemplate::currentUser().toLower().replace('.', '-').left(8);
        QVERIFY2(QRegularExpression("^named-team-a-" + QRegularExpression::escape(user) + "-[b-z2-9]{6}$")
                     .match(sa)
                     .hasMatch(),
            qPrintable(sa));
        const QMap<QString, QJsonObject> objects
            = managedObjects("kms.hanzo.ai/lease-id=" + lease["id"].toString());
        QVERIFY2(objects.contains("ServiceAccount team-a/" + sa)
                && objects.contains("RoleBinding team-a/" + sa)
                && objects.contains("RoleBinding team-a/" + sa + "-2"),
            qPrintable(objects.keys().join(' ')));
        QVERIFY(
            m_cluster->canI(lease["token"].toString().toUtf8(), "create", "deployments", "team-a", "apps"));
        QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
    }

    void reconcileRemovesEveryObjectOfAnUnfinishedLeaseWithAGeneratedRole()
    {
        const CliResult created = kmsctl(createArgs("unfinished")
            << "--namespaces"
            << "team-a"
            << "--roles"
            << "ClusterRole/kms-dynamic-role,Role/deployer"
            << "--role-type"
            << "ClusterRole"
            << "--generated-rules-file"
            << write("unfinished.yaml", "[{apiGroups: [\"\"], resources: [pods], verbs: [get]}]"));
        QVERIFY2(created.exitCode == 0, created.describe());
        // What a process that died after its cluster writes leaves: the row, Provisioning, and every object.
        kms::Lease lease;
        {
            kms::Database db;
            QVERIFY(db.open(m_profile->dataDir()));
            const auto secret = kms::SecretRepository(db).byName(
                kms::EnvironmentRepository(db).byName("Development")->id, "unfinished");
            QVERIFY(secret);
            lease = kms::LeaseProvider::plan(*secret, kms::Lease::newId(), "team-a");
            lease.createdAt = QDateTime::currentDateTimeUtc();
            lease.expiresAt = lease.createdAt.addSecs(3600);
            lease.createdBy = "tester@host";
            lease.state = kms::LeaseState::Provisioning;
            QVERIFY2(kms::LeaseRepository(db).insert(lease), qPrintable(db.lastError()));
            const auto meta = [&](const QString &name, const QString &ns) {
                return kms::LeaseLabels::metadata(name, ns, lease.id, "unfinished", lease.expiresAt);
            };
            const QJsonArray subjects { QJsonObject {
                { "kind", "ServiceAccount" }, { "name", lease.serviceAccount }, { "namespace", "team-a" } } };
            QCOMPARE(m_cluster
                         ->request("POST", "/api/v1/namespaces/team-a/serviceaccounts",
                             { { "apiVersion", "v1" }, { "kind", "ServiceAccount" },
                                 { "metadata", meta(lease.serviceAccount, "team-a") } })
                         .status,
                201);
            const auto role = kms::LeaseProvider::generatedRoleOf(lease);
            QVERIFY(role);
            QCOMPARE(m_cluster
                         ->request("POST", kms::objectPath(role->kind, role->namespaceName),
                             { { "apiVersion", "rbac.authorization.k8s.io/v1" }, { "kind", role->kind },
                                 { "metadata", meta(role->name, role->namespaceName) },
                                 { "rules", kms::PolicyRule::toJson(secret->generatedRules) } })
                         .status,
                201);
            for (const kms::LeaseObject &o : kms::LeaseProvider::bindingsOf(lease, *secret)) {
                const QJsonObject body { { "apiVersion", "rbac.authorization.k8s.io/v1" }, { "kind", o.kind },
                    { "metadata", meta(o.name, o.namespaceName) },
                    { "roleRef",
                        QJsonObject { { "apiGroup", "rbac.authorization.k8s.io" }, { "kind", o.roleKind },
                            { "name", o.roleName } } },
                    { "subjects", subjects } };
                QCOMPARE(
                    m_cluster->request("POST", kms::objectPath(o.kind, o.namespaceName), body).status, 201);
            }
        }
        QCOMPARE(managedObjects("kms.hanzo.ai/lease-id=" + lease.id).size(), 5);
        const CliResult reconciled = kmsctl({ "reconcile", "--no-sweep" });
        QVERIFY2(reconciled.exitCode == 0, reconciled.describe());
        QVERIFY2(reconciled.outText().contains("Rolled back 1 unfinished lease"), reconciled.describe());
        QVERIFY(managedObjects("kms.hanzo.ai/lease-id=" + lease.id).isEmpty());
    }

    void anEditChangesWhatTheNextLeaseGrantsAndIsAudited()
    {
        const CliResult created = kmsctl(createArgs("edited") << "--namespaces"
                                                              << "team-a"
                                                              << "--role-type"
                                                              << "ClusterRole"
                                                              << "--role"
                                                              << "kms-dynamic-role");
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject before = createLease("edited", "team-a");
        QVERIFY(!before.isEmpty());
        const QByteArray beforeToken = before["token"].toString().toUtf8();
        QVERIFY(!m_cluster->canI(beforeToken, "create", "deployments", "team-a", "apps"));

        const CliResult edit = kmsctl({ "secret", "edit", "edited", "--roles",
            "ClusterRole/kms-dynamic-role,Role/deployer", "--extra-labels", "tier=web", "--max-leases", "2",
            "--name-template", "ed-{{random 6}}", "--default-ttl", "30m" });
        QVERIFY2(edit.exitCode == 0, edit.describe());
        QCOMPARE(edit.outText().trimmed(),
            QStringLiteral("Changed roles, name template, extra labels, lease limit, default TTL of dynamic "
                           "secret \"edited\" in Development; leases made from now on get them."));
        const QJsonObject shown
            = QJsonDocument::fromJson(kmsctl({ "secret", "show", "edited", "-o", "json" }).out).object();
        QCOMPARE(shown["roles"].toArray(), (QJsonArray { "ClusterRole/kms-dynamic-role", "Role/deployer" }));
        QCOMPARE(shown["maxLeases"].toInt(), 2);
        QCOMPARE(shown["defaultTtlSeconds"].toInt(), 1800);
        QCOMPARE(shown["namespaces"].toArray(), QJsonArray { "team-a" }); // not given: kept

        // The next lease gets both roles, the label and the template's name.
        const QJsonObject after = createLease("edited", "team-a");
        const QByteArray afterToken = after["token"].toString().toUtf8();
        QVERIFY(m_cluster->canI(afterToken, "create", "deployments", "team-a", "apps"));
        QVERIFY(m_cluster->canI(afterToken, "list", "pods", "team-a"));
        QVERIFY2(after["serviceAccount"].toString().startsWith("ed-"),
            qPrintable(after["serviceAccount"].toString()));
        const auto objects = managedObjects("kms.hanzo.ai/lease-id=" + after["id"].toString());
        QCOMPARE(objects.size(), 3); // the account and two bindings
        for (const QJsonObject &o : objects)
            QCOMPARE(o["metadata"]["labels"]["tier"].toString(), QStringLiteral("web"));
        // The lease made before keeps what it had, and its revoke still removes all of it.
        QVERIFY(!m_cluster->canI(beforeToken, "create", "deployments", "team-a", "apps"));
        for (const QJsonObject &lease : { before, after })
            QCOMPARE(kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
        QVERIFY(!authenticates(beforeToken));
        QVERIFY(!authenticates(afterToken));
        QVERIFY(managedObjects("kms.hanzo.ai/secret=edited").isEmpty());

        // Audited: who changed what.
        const CliResult audit
            = kmsctl({ "audit", "--secret", "edited", "--kind", "secret.updated", "-o", "json" });
        const QJsonArray events = QJsonDocument::fromJson(audit.out).array();
        QCOMPARE(events.size(), 1);
        QVERIFY2(events.first()["detail"].toString().startsWith(
                     "Changed: roles, name template, extra labels, lease limit, default TTL. "),
            qPrintable(events.first()["detail"].toString()));

        // Clearing with empty values; an edit that changes nothing writes nothing.
        const CliResult cleared = kmsctl(
            { "secret", "edit", "edited", "--extra-labels", "", "--name-template", "", "--max-leases", "0" });
        QVERIFY2(cleared.exitCode == 0, cleared.describe());
        const QJsonObject now
            = QJsonDocument::fromJson(kmsctl({ "secret", "show", "edited", "-o", "json" }).out).object();
        QVERIFY(now["extraLabels"].toObject().isEmpty());
        QVERIFY(now["nameTemplate"].toString().isEmpty());
        const CliResult same = kmsctl({ "secret", "edit", "edited", "--max-leases", "0" });
        QVERIFY2(same.exitCode == 0 && same.outText().contains("nothing was changed"), same.describe());
        const CliResult updates
            = kmsctl({ "audit", "--secret", "edited", "--kind", "secret.updated", "-o", "json" });
        QCOMPARE(QJsonDocument::fromJson(updates.out).array().size(), 2); // the edit and the clearing only
    }

    void anEditChangesHowTheClusterIsReachedAndItsToken()
    {
        QCOMPARE(kmsctl(createArgs("reconnected") << "--namespaces"
                                                  << "team-a"
                                                  << "--role-type"
                                                  << "ClusterRole"
                                                  << "--role"
                                                  << "kms-dynamic-role")
                     .exitCode,
            0);
        const auto shown = [&] {
            return QJsonDocument::fromJson(kmsctl({ "secret", "show", "reconnected", "-o", "json" }).out)
                .object();
        };
        const auto leaseWorks = [&] {
            const CliResult r
                = kmsctl({ "lease", "create", "reconnected", "--namespace", "team-a", "-o", "json" });
            if (r.exitCode != 0)
                return false;
            const QJsonObject lease = QJsonDocument::fromJson(r.out).object();
            const bool works = m_cluster->canI(lease["token"].toString().toUtf8(), "list", "pods", "team-a");
            return kmsctl({ "lease", "revoke", lease["id"].toString() }).exitCode == 0 && works;
        };
        QVERIFY(leaseWorks());

        // Another URL: the next lease goes there (and finds nothing listening).
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const QString nowhere = QStringLiteral("https://127.0.0.1:%1").arg(closed.serverPort());
        closed.close();
        const CliResult moved = kmsctl({ "secret", "edit", "reconnected", "--url", nowhere });
        QVERIFY2(moved.exitCode == 0, moved.describe());
        QCOMPARE(moved.outText().trimmed(),
            QStringLiteral("Changed cluster URL of dynamic secret \"reconnected\" in Development."));
        QCOMPARE(shown()["url"].toString(), nowhere);
        QVERIFY(!leaseWorks());
        QCOMPARE(
            kmsctl({ "secret", "edit", "reconnected", "--url", m_cluster->url().toString() }).exitCode, 0);
        QVERIFY(leaseWorks());

        // A token of an account that may do nothing: stored from stdin, used by the next lease.
        QCOMPARE(m_cluster
                     ->request("POST", "/api/v1/namespaces/default/serviceaccounts",
                         { { "apiVersion", "v1" }, { "kind", "ServiceAccount" },
                             { "metadata", QJsonObject { { "name", "powerless" } } } })
                     .status,
            201);
        const QByteArray powerless = m_cluster->createToken("default", "powerless");
        QVERIFY(!powerless.isEmpty());
        const CliResult weakened
            = m_cli->run({ "secret", "edit", "reconnected", "--token-stdin" }, powerless + "\n");
        QVERIFY2(weakened.exitCode == 0, weakened.describe());
        QCOMPARE(weakened.outText().trimmed(),
            QStringLiteral("Changed cluster token of dynamic secret \"reconnected\" in Development."));
        const CliResult refused = kmsctl({ "lease", "create", "reconnected", "--namespace", "team-a" });
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.errText().contains("system:serviceaccount:default:powerless"), refused.describe());
        // The token is in the keychain only: no profile file holds it.
        QDirIterator files(m_profile->dataDir(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        int searched = 0;
        while (files.hasNext()) {
            QFile f(files.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(powerless), qPrintable(f.fileName()));
            ++searched;
        }
        QVERIFY(searched > 0);
        const CliResult restored = kmsctl({ "secret", "edit", "reconnected", "--token-file", m_tokenFile });
        QVERIFY2(restored.exitCode == 0, restored.describe());
        QVERIFY(leaseWorks());

        // TLS: without the CA the system CAs do not know the test cluster; unverified it works again.
        const CliResult noCa = kmsctl({ "secret", "edit", "reconnected", "--ca-file", "" });
        QVERIFY2(noCa.exitCode == 0, noCa.describe());
        QVERIFY(shown()["caCertificate"].toString().isEmpty() || !shown().contains("caCertificate"));
        QVERIFY(!leaseWorks());
        const CliResult insecure = kmsctl({ "secret", "edit", "reconnected", "--insecure-skip-tls-verify" });
        QVERIFY2(insecure.exitCode == 0, insecure.describe());
        QVERIFY2(insecure.errText().contains("TLS verification is off for dynamic secret \"reconnected\""),
            insecure.describe());
        QVERIFY(leaseWorks());
        const CliResult verified = kmsctl(
            { "secret", "edit", "reconnected", "--no-insecure-skip-tls-verify", "--ca-file", m_caFile });
        QVERIFY2(verified.exitCode == 0, verified.describe());
        QCOMPARE(verified.outText().trimmed(),
            QStringLiteral("Changed TLS verification, CA certificate of dynamic secret \"reconnected\" in "
                           "Development."));
        QVERIFY(leaseWorks());

        // Audited, the token named but never shown.
        const QJsonArray events = QJsonDocument::fromJson(
            kmsctl({ "audit", "--secret", "reconnected", "--kind", "secret.updated", "-o", "json" }).out)
                                      .array();
        QStringList details;
        for (const QJsonValue &e : events)
            details << e["detail"].toString();
        QCOMPARE(events.size(), 7);
        QVERIFY2(details.filter(QRegularExpression("^Changed: cluster token\\. ")).size() == 2,
            qPrintable(details.join('\n')));
        QVERIFY2(details.filter(QRegularExpression("^Changed: cluster URL\\. ")).size() == 2,
            qPrintable(details.join('\n')));
        QVERIFY(!details.join(' ').contains(QString::fromLatin1(powerless)));
    }

    // A lease whose provisioning failed and whose rollback could not reach the cluster either is
    // retried once the cluster can be reached: it ends Failed (rolled back), not stuck in Revoking.
    void aRollbackThatFailedIsRetriedToTheEnd()
    {
        // Nothing listens there: the client cannot tell whether its first writes arrived.
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const QString nowhere = QStringLiteral("https://127.0.0.1:%1").arg(closed.serverPort());
        closed.close();
        QCOMPARE(
            kmsctl({ "secret", "create", "unverified", "--env", "Development", "--type", "dynamic", "--url",
                       nowhere, "--ca-file", m_caFile, "--token-file", m_tokenFile, "--namespaces", "team-a",
                       "--role-type", "ClusterRole", "--role", "kms-dynamic-role" })
                .exitCode,
            0);
        const CliResult failed = kmsctl({ "lease", "create", "unverified", "--namespace", "team-a" });
        QVERIFY2(failed.exitCode == 1, failed.describe());
        const QJsonArray leases
            = QJsonDocument::fromJson(kmsctl({ "lease", "list", "unverified", "--all", "-o", "json" }).out)
                  .array();
        QCOMPARE(leases.size(), 1);
        QCOMPARE(leases.first()["state"].toString(), QStringLiteral("cleanup_failed"));
        const QString id = leases.first()["id"].toString();

        QCOMPARE(
            kmsctl({ "secret", "edit", "unverified", "--url", m_cluster->url().toString() }).exitCode, 0);
        const CliResult retried = kmsctl({ "lease", "revoke", id });
        QVERIFY2(retried.exitCode == 0, retried.describe());
        const QJsonArray after
            = QJsonDocument::fromJson(kmsctl({ "lease", "list", "unverified", "--all", "-o", "json" }).out)
                  .array();
        QCOMPARE(after.first()["state"].toString(), QStringLiteral("failed"));
        QVERIFY(managedObjects("kms.hanzo.ai/lease-id=" + id).isEmpty());
        const CliResult reconciled = kmsctl({ "reconcile", "--no-sweep" });
        QVERIFY2(reconciled.exitCode == 0, reconciled.describe());
    }

    void badEditsExitTwoInOneSentenceNamingTheFlag_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("nothing to change")
            << "edit-dyn" << QStringList() << "Nothing to change: give at least one option";
        QTest::newRow("roles on static")
            << "edit-static" << QStringList { "--roles", "Role/a" }
            << "--roles: applies only to dynamic secrets; \"edit-static\" is static.";
        QTest::newRow("selector on static")
            << "edit-static" << QStringList { "--namespace-selector", "env=dev" }
            << "--namespace-selector: applies only to dynamic secrets";
        QTest::newRow("role type alone") << "edit-dyn" << QStringList { "--role-type", "Role" }
                                         << "--role-type: give it with --role or --generated-rules-file";
        QTest::newRow("role type unknown")
            << "edit-dyn" << QStringList { "--role-type", "Group", "--role", "x" }
            << "--role-type: unknown role type \"Group\"";
        QTest::newRow("role and roles") << "edit-dyn" << QStringList { "--role", "a", "--roles", "Role/b" }
                                        << "--role/--roles: give the roles one way";
        QTest::newRow("no role left") << "edit-dyn" << QStringList { "--roles", "" }
                                      << "--role: Role is required with Dynamic credentials";
        QTest::newRow("label of ours")
            << "edit-dyn" << QStringList { "--extra-labels", "app.kubernetes.io/managed-by=me" }
            << "--extra-labels: Label key \"app.kubernetes.io/managed-by\" is one of Hanzo KMS's own";
        QTest::newRow("label control character")
            << "edit-dyn" << QStringList { "--extra-labels", "team=a\x1b[2J" }
            << "--extra-labels: Label \"team\" has an invalid value \"a\\x1b[2J\"";
        QTest::newRow("template without random")
            << "edit-dyn" << QStringList { "--name-template", "kms-{{secret}}" }
            << "--name-template: The name template \"kms-{{secret}}\" must keep "
               "at least 5 random characters";
        QTest::newRow("max leases words") << "edit-dyn" << QStringList { "--max-leases", "many" }
                                          << "--max-leases: \"many\" is not a whole number of leases";
        QTest::newRow("star beside names")
            << "edit-dyn" << QStringList { "--namespaces", "a,*" }
            << "--namespaces: Allowed namespaces \"a,*\" lists \"*\" (any) beside names";
        QTest::newRow("selector not closed")
            << "edit-dyn" << QStringList { "--namespace-selector", "team in (a" }
            << "--namespace-selector: The namespace selector \"team in (a\" is not "
               "a label selector";
        QTest::newRow("default ttl too short") << "edit-dyn" << QStringList { "--default-ttl", "5m" }
                                               << "--default-ttl: Default TTL must be at least 10 minutes";
        QTest::newRow("default above max")
            << "edit-dyn" << QStringList { "--default-ttl", "48h" }
            << "--default-ttl: Default TTL (2d) must not be longer than the max TTL (1d).";
        QTest::newRow("rules file missing")
            << "edit-dyn" << QStringList { "--generated-rules-file", "/nonexistent/rules.yaml" }
            << "--generated-rules-file: ";
        QTest::newRow("auth unknown") << "edit-dyn" << QStringList { "--auth", "magic" }
                                      << "--auth: unknown authentication \"magic\"; use token or gateway.";
        QTest::newRow("gateway auth without a gateway")
            << "edit-dyn" << QStringList { "--auth", "gateway" }
            << "--gateway: Gateway is required with Gateway authentication; pick one.";
        QTest::newRow("gateway not registered") << "edit-dyn" << QStringList { "--gateway", "nowhere" }
                                                << "--gateway: Gateway \"nowhere\" is not registered";
        QTest::newRow("url not https") << "edit-dyn" << QStringList { "--url", "http://127.0.0.1:6443" }
                                       << "--url: Cluster URL must be an https:// URL with a host "
                                          "(got \"http://127.0.0.1:6443\").";
        QTest::newRow("url empty") << "edit-dyn" << QStringList { "--url", "" }
                                   << "--url: Cluster URL is required with Token (API) authentication";
        QTest::newRow("url control character")
            << "edit-dyn" << QStringList { "--url", "https://a\x1b[2J" } << "--url: Cluster URL must be";
        QTest::newRow("ca not pem") << "edit-dyn" << QStringList { "--ca-file", "@NOT_PEM@" }
                                    << "--ca-file: CA certificate is not a PEM certificate";
        QTest::newRow("ca missing") << "edit-dyn" << QStringList { "--ca-file", "/nonexistent/ca.crt" }
                                    << "--ca-file: ";
        QTest::newRow("tls both ways")
            << "edit-dyn" << QStringList { "--insecure-skip-tls-verify", "--no-insecure-skip-tls-verify" }
            << "--insecure-skip-tls-verify/--no-insecure-skip-tls-verify: give one of them.";
        QTest::newRow("token both ways")
            << "edit-dyn" << QStringList { "--token-file", "@TWO_WORDS@", "--token-stdin" }
            << "--token-file/--token-stdin: give the cluster token one way, not both.";
        QTest::newRow("token file missing")
            << "edit-dyn" << QStringList { "--token-file", "/nonexistent/t" } << "--token-file: ";
        QTest::newRow("token with a space")
            << "edit-dyn" << QStringList { "--token-file", "@TWO_WORDS@" }
            << "contains spaces, line breaks, control or non-ASCII characters";
        QTest::newRow("token file too large") << "edit-dyn" << QStringList { "--token-file", "@BIG@" }
                                              << "it should hold only the cluster token";
        QTest::newRow("token file empty")
            << "edit-dyn" << QStringList { "--token-file", "@EMPTY@" } << "holds no token";
        QTest::newRow("token with gateway auth")
            << "edit-dyn" << QStringList { "--auth", "gateway", "--token-file", "@TWO_WORDS@" }
            << "--token-file: applies only with --auth token, not with --auth gateway.";
        QTest::newRow("rules twice ways")
            << "edit-dyn" << QStringList { "--generated-rules-file", "/x", "--no-generated-rules" }
            << "--generated-rules-file/--no-generated-rules: give one of them.";
    }
    void badEditsExitTwoInOneSentenceNamingTheFlag()
    {
        QFETCH(QString, secret);
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        if (kmsctl({ "secret", "show", "edit-dyn" }).exitCode != 0) {
            QCOMPARE(kmsctl(createArgs("edit-dyn") << "--namespaces"
                                                   << "team-a"
                                                   << "--role-type"
                                                   << "ClusterRole"
                                                   << "--role"
                                                   << "kms-dynamic-role")
                         .exitCode,
                0);
            QCOMPARE(
                kmsctl({ "secret", "create", "edit-static", "--env", "Development", "--type", "static",
                           "--service-account", "app", "--namespace", "default", "--url",
                           m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", m_tokenFile })
                    .exitCode,
                0);
        }
        const QMap<QString, QByteArray> files { { "@NOT_PEM@", "not a certificate\n" },
            { "@TWO_WORDS@", "two words\n" }, { "@BIG@", QByteArray(64 * 1024 + 1, 'a') },
            { "@EMPTY@", "\n" } };
        for (QString &a : args) {
            if (files.contains(a))
                a = write(a.mid(1, a.size() - 2) + ".edit", files.value(a));
        }
        const QByteArray before = kmsctl({ "secret", "show", secret, "-o", "json" }).out;
        const CliResult r = kmsctl(QStringList { "secret", "edit", secret } + args);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(message), r.describe());
        QCOMPARE(r.errText().trimmed().count('\n'), 0); // one sentence
        QVERIFY2(!r.err.contains('\x1b'), r.describe());
        QCOMPARE(kmsctl({ "secret", "show", secret, "-o", "json" }).out, before); // nothing was saved
    }

    void anEditOfAMissingSecretFails()
    {
        const CliResult r = kmsctl({ "secret", "edit", "no-such-secret", "--max-leases", "1" });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains("There is no dynamic secret \"no-such-secret\" in any environment."),
            r.describe());
    }

    void badInputExitsTwoInOneSentenceNamingTheFlag_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QStringList dyn { "--namespaces", "team-a" };
        const QStringList role { "--role-type", "ClusterRole", "--role", "kms-dynamic-role" };
        QTest::newRow("roles without kind")
            << (dyn + QStringList { "--roles", "view" }) << "--roles: Roles entry \"view\" has no kind";
        QTest::newRow("roles unknown kind") << (dyn + QStringList { "--roles", "Group/view" })
                                            << "--roles: Roles entry \"Group/view\" has an unknown kind";
        QTest::newRow("roles empty entry")
            << (dyn + QStringList { "--roles", "Role/a,,Role/b" })
            << "--roles: Roles \"Role/a,,Role/b\" has an empty entry at position 2";
        QTest::newRow("roles twice") << (dyn + QStringList { "--roles", "Role/a,Role/a" })
                                     << "--roles: Roles lists \"Role/a\" more than once.";
        QTest::newRow("role and roles")
            << (dyn + QStringList { "--role", "kms-dynamic-role", "--roles", "Role/a" })
            << "--role/--roles: give the roles one way";
        QTest::newRow("role-type with roles")
            << (dyn + QStringList { "--role-type", "Role", "--roles", "Role/a" })
            << "--role-type: not with --roles";
        QTest::newRow("roles on static") << QStringList { "--type", "static", "--service-account", "app",
            "--namespace", "default", "--roles", "Role/a" }
                                         << "--roles: applies only with --type dynamic.";
        QTest::newRow("label managed-by")
            << (dyn + role + QStringList { "--extra-labels", "app.kubernetes.io/managed-by=me" })
            << "--extra-labels: Label key \"app.kubernetes.io/managed-by\" is one of Hanzo KMS's own";
        QTest::newRow("label lease id")
            << (dyn + role + QStringList { "--extra-labels", "kms.hanzo.ai/lease-id=x" })
            << "--extra-labels: Label key \"kms.hanzo.ai/lease-id\" is one of";
        QTest::newRow("annotation expiry")
            << (dyn + role + QStringList { "--extra-annotations", "kms.hanzo.ai/expires-at=never" })
            << "--extra-annotations: Annotation key \"kms.hanzo.ai/expires-at\" is one of Hanzo KMS's own";
        QTest::newRow("label without value") << (dyn + role + QStringList { "--extra-labels", "team" })
                                             << "--extra-labels: Extra label \"team\" has no value";
        QTest::newRow("label bad value") << (dyn + role + QStringList { "--extra-labels", "team=a b" })
                                         << "--extra-labels: Label \"team\" has an invalid value \"a b\"";
        QTest::newRow("label bad key") << (dyn + role + QStringList { "--extra-labels", "Team Name=a" })
                                       << "--extra-labels: Label key \"Team Name\" is not valid";
        QTest::newRow("label control character")
            << (dyn + role + QStringList { "--extra-labels", "team=a\x1b[2J" })
            << "--extra-labels: Label \"team\" has an invalid value \"a\\x1b[2J\"";
        QTest::newRow("label twice across flags")
            << (dyn + role + QStringList { "--extra-labels", "team=a", "--extra-labels", "team=b" })
            << "--extra-labels: Extra labels set \"team\" more than once.";
        QTest::newRow("labels on unbound static") << QStringList { "--type", "static", "--service-account",
            "app", "--namespace", "default", "--extra-labels",
            "team=a" } << "--extra-labels: Extra labels apply only to Dynamic or bound Static secrets";
        QTest::newRow("template without random")
            << (dyn + role + QStringList { "--name-template", "kms-{{secret}}" })
            << "--name-template: The name template \"kms-{{secret}}\" must keep at least 5 random characters";
        QTest::newRow("template not closed")
            << (dyn + role + QStringList { "--name-template", "{{secret-{{random 5}}" })
            << "--name-template: The name template \"{{secret-{{random 5}}\" is not valid:";
        QTest::newRow("template unknown value")
            << (dyn + role + QStringList { "--name-template", "{{ .DisplayName }}-{{random 5}}" })
            << "is not valid: \".\" at position 4 is not part of the template language.";
        QTest::newRow("template gives names too long") << (dyn + role
            + QStringList { "--name-template",
                QStringLiteral("{{namespace}}").repeated(11) + QStringLiteral("-{{random 5}}") })
                                                       << "for namespace \"team-a\" and user";
        QTest::newRow("template gives upper case")
            << (dyn + role + QStringList { "--name-template", "Kms-{{random 5}}" })
            << "which is not a valid name";
        QTest::newRow("template on unbound static")
            << QStringList { "--type", "static", "--service-account", "app", "--namespace", "default",
                   "--name-template", "x-{{random 5}}" }
            << "--name-template: A name template applies only to Dynamic or bound Static secrets";
        QTest::newRow("rules file missing")
            << (dyn + role + QStringList { "--generated-rules-file", "/nonexistent/rules.yaml" })
            << "--generated-rules-file: ";
        QTest::newRow("rules not yaml")
            << (dyn + role + QStringList { "--generated-rules-file", "@BAD_YAML@" }) << "is not YAML or JSON";
        QTest::newRow("rules unknown field")
            << (dyn + role + QStringList { "--generated-rules-file", "@TYPO@" })
            << "The generated role rules are not usable: rules[0] has an unknown field \"verb\"";
        QTest::newRow("rules empty") << (dyn + role + QStringList { "--generated-rules-file", "@EMPTY@" })
                                     << "The generated role rules are not usable: they hold no rule.";
        QTest::newRow("rules with URLs in a Role")
            << (dyn + QStringList { "--role-type", "Role", "--generated-rules-file", "@URLS@" })
            << "--generated-rules-file: Generated role rule {NonResourceURLs:[\"/healthz\"], "
               "Verbs:[\"get\"]} names URLs";
        QTest::newRow("rules on static") << QStringList { "--type", "static", "--service-account", "app",
            "--namespace", "default", "--generated-rules-file", "@TYPO@" }
                                         << "--generated-rules-file: applies only with --type dynamic.";
        QTest::newRow("selector not closed") << QStringList { "--namespace-selector", "team in (a",
            "--role-type", "ClusterRole", "--role", "r" }
                                             << "--namespace-selector: The namespace selector \"team in (a\" "
                                                "is not a label selector: the values of "
                                                "\"team\" are not closed with \")\".";
        QTest::newRow("selector bad value")
            << QStringList { "--namespace-selector", "team=a b", "--role-type", "ClusterRole", "--role", "r" }
            << "--namespace-selector: The namespace selector \"team=a b\" is not a label selector: position";
        QTest::newRow("selector with star") << QStringList { "--namespaces", "*", "--namespace-selector",
            "env=dev", "--role-type", "ClusterRole", "--role", "r" }
                                            << "--namespace-selector: A namespace selector narrows nothing "
                                               "when the allowed namespaces are \"*\"";
        QTest::newRow("star beside names")
            << (QStringList { "--namespaces", "a,*" } + role)
            << "--namespaces: Allowed namespaces \"a,*\" lists \"*\" (any) beside names";
        QTest::newRow("no namespaces at all")
            << role << "--namespaces: Allowed namespaces must list at least one";
        QTest::newRow("selector on static") << QStringList { "--type", "static", "--service-account", "app",
            "--namespace", "default", "--namespace-selector", "env=dev" }
                                            << "--namespace-selector: applies only with --type dynamic.";
        QTest::newRow("template too long for any namespace")
            << (QStringList { "--namespaces", "*", "--name-template", "{{namespace}}-{{random 6}}" } + role)
            << "gives \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn-";
        QTest::newRow("max leases negative") << (dyn + role + QStringList { "--max-leases", "-1" })
                                             << "--max-leases: \"-1\" is not a whole number of leases";
        QTest::newRow("max leases words") << (dyn + role + QStringList { "--max-leases", "many" })
                                          << "--max-leases: \"many\" is not a whole number of leases";
    }
    void badInputExitsTwoInOneSentenceNamingTheFlag()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        // Files the rows name by placeholder.
        const QMap<QString, QByteArray> files { { "@BAD_YAML@", "rules: [unclosed" },
            { "@TYPO@", "- {apiGroups: [\"\"], resources: [pods], verb: [get]}" }, { "@EMPTY@", "[]" },
            { "@URLS@", "- {nonResourceURLs: [/healthz], verbs: [get]}" } };
        for (QString &a : args) {
            if (files.contains(a))
                a = write(a.mid(1, a.size() - 2) + ".yaml", files.value(a));
        }
        QStringList all = { "secret", "create", "refused", "--env", "Development", "--url",
            m_cluster->url().toString(), "--ca-file", m_caFile, "--token-file", m_tokenFile };
        if (!args.contains("--type"))
            all << "--type"
                << "dynamic";
        const CliResult r = kmsctl(all + args);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(message), r.describe());
        QCOMPARE(r.errText().trimmed().count('\n'), 0); // one sentence
        QVERIFY2(!r.err.contains('\x1b'), r.describe());
        QCOMPARE(kmsctl({ "secret", "show", "refused" }).exitCode, 1); // nothing was saved
    }

    // Last: it lets the requester list and delete what the sweep looks for.
    void theSweepLooksWhereTheLeasesWentBeforeAnEdit()
    {
        const QString sweeper = write("sweeper.yaml", R"(apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kms-sweeper}
rules:
  - apiGroups: [""]
    resources: [serviceaccounts]
    verbs: [get, list, delete]
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [rolebindings, roles]
    verbs: [get, list, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kms-sweeper}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kms-sweeper}
subjects: [{kind: ServiceAccount, name: kms-token-requester, namespace: default}]
)");
        QVERIFY2(m_cluster->applyYamlFile(sweeper), qPrintable(m_cluster->errorString()));
        const CliResult created = kmsctl(createArgs("narrowed")
            << "--namespaces"
            << "team-a,team-b"
            << "--role-type"
            << "Role"
            << "--generated-rules-file"
            << write("narrowed.yaml", "[{apiGroups: [\"\"], resources: [configmaps], verbs: [get]}]"));
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease = createLease("narrowed", "team-b");
        const QString id = lease["id"].toString();
        const QString sa = lease["serviceAccount"].toString();
        const QMap<QString, QJsonObject> made = managedObjects("kms.hanzo.ai/lease-id=" + id);
        QVERIFY2(made.contains("ServiceAccount team-b/" + sa) && made.contains("Role team-b/" + sa)
                && made.contains("RoleBinding team-b/" + sa),
            qPrintable(made.keys().join(' ')));
        QCOMPARE(kmsctl({ "lease", "revoke", id }).exitCode, 0);
        QVERIFY(managedObjects("kms.hanzo.ai/lease-id=" + id).isEmpty());
        // Creates that reached the API server after the revoke's deletes (a client's retry of an
        // answer that was lost): the closed lease's objects are back, and only a sweep can find them.
        for (auto it = made.begin(); it != made.end(); ++it) {
            const QJsonObject meta = it.value()["metadata"].toObject();
            const QString kind = it.key().section(' ', 0, 0); // list items carry no kind
            QJsonObject object = it.value();
            object["kind"] = kind;
            object["apiVersion"] = kind == "ServiceAccount" ? "v1" : "rbac.authorization.k8s.io/v1";
            object["metadata"] = QJsonObject { { "name", meta["name"] }, { "namespace", meta["namespace"] },
                { "labels", meta["labels"] }, { "annotations", meta["annotations"] } };
            QCOMPARE(m_cluster->request("POST", kms::objectPath(kind, "team-b"), object).status, 201);
        }
        QCOMPARE(managedObjects("kms.hanzo.ai/lease-id=" + id).size(), 3);

        // The secret no longer allows team-b, nor generates roles.
        const CliResult edit = kmsctl({ "secret", "edit", "narrowed", "--namespaces", "team-a",
            "--no-generated-rules", "--role-type", "ClusterRole", "--role", "kms-dynamic-role" });
        QVERIFY2(edit.exitCode == 0, edit.describe());
        const CliResult reconciled = kmsctl({ "reconcile", "-o", "json" });
        QVERIFY2(reconciled.exitCode == 0, reconciled.describe());
        QCOMPARE(QJsonDocument::fromJson(reconciled.out).object()["orphansDeleted"].toInt(), 3);
        QVERIFY2(managedObjects("kms.hanzo.ai/lease-id=" + id).isEmpty(),
            qPrintable(managedObjects("kms.hanzo.ai/lease-id=" + id).keys().join(' ')));
    }
};

QTEST_GUILESS_MAIN(TestCliGrants)
#include "tst_cli_grants.moc"
