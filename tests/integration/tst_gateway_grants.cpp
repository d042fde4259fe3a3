// What a lease grants, through hanzo-kms-gateway: generated roles, extra
// labels and namespaces its selector matches pass only as far as the policy
// entry allows (none by default), and what passes works on the cluster and is
// gone after revoke.
#include "CliRunner.h"
#include "GatewayPolicyFile.h"
#include "GatewayProcess.h"
#include "TestCluster.h"
#include "TestSupport.h"
#include "kube/GatewayCertificates.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace kms;
using kms::test::CliResult;
using kms::test::CliRunner;
using kms::test::TestCluster;

namespace {

// Generated Roles with at most get/list on ConfigMaps, the label "team", in
// default and the namespaces labelled env=dev.
const QByteArray Policy = R"(clients:
  - subject: "*"
    namespaces: [default]
    namespaceSelector: "env=dev"
    roles:
      - {kind: ClusterRole, name: kms-dynamic-role}
    maxTTL: 24h
    audiences: ["*"]
    extraLabels: [team]
    generatedRoles:
      kinds: [Role]
      rules:
        - apiGroups: [""]
          resources: [configmaps]
          verbs: [get, list]
)";

} // namespace

class TestGatewayGrants : public QObject {
    Q_OBJECT

    TestCluster m_cluster;
    QTemporaryDir m_dir;
    test::GatewayProcess m_gateway;
    std::unique_ptr<test::TempProfile> m_profile;
    std::unique_ptr<CliRunner> m_cli;

    QString path(const QString &name) const { return m_dir.filePath(name); }
    // For failure messages: whether the gateway still runs, and what it said.
    QByteArray gatewayState()
    {
        const bool alive = m_gateway.pid() > 0 && ::kill(pid_t(m_gateway.pid()), 0) == 0;
        return QByteArray("\ngateway ") + (alive ? "running" : "NOT running")
            + ", its log: " + m_gateway.log();
    }
    QString write(const QString &name, const QByteArray &data)
    {
        QFile f(path(name));
        if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
            qFatal("cannot write %s", qPrintable(name));
        return f.fileName();
    }
    QStringList createArgs(const QString &name)
    {
        return { "secret", "create", name, "--env", "Development", "--type", "dynamic", "--auth", "gateway",
            "--gateway", "private", "--namespaces", "default" };
    }
    int managedRoles(const QString &leaseId)
    {
        const auto r = m_cluster.request("GET",
            "/apis/rbac.authorization.k8s.io/v1/roles?labelSelector=kms.hanzo.ai%2Flease-id%3D" + leaseId);
        return int(r.json.value("items").toArray().size());
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
        QVERIFY2(!m_cluster.applySeedSetup().isEmpty(), qPrintable(m_cluster.errorString()));
        const QDir manifests(QStringLiteral(KMS_SOURCE_DIR "/packaging/gateway"));
        for (const char *file : { "namespace.yaml", "serviceaccount.yaml", "rbac.yaml" })
            QVERIFY2(m_cluster.applyYamlFile(manifests.filePath(QLatin1String(file))),
                qPrintable(m_cluster.errorString()));
        const QString token = write("token", m_cluster.createToken("kms", "kms-gateway"));
        QString error;
        const auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("cli"), 1, &error);
        QVERIFY(pki && GatewayCertificates::write(*pki, path("pki"), &error));
        QVERIFY2(m_gateway.start(QStringLiteral(KMS_GATEWAY_PATH),
                     test::gatewayServeArgs({ path("pki"), m_cluster.url().toString(), m_cluster.caPath(),
                         token, test::writeGatewayPolicy(m_dir.path(), Policy) }),
                     &error),
            qPrintable(error));

        m_profile = std::make_unique<test::TempProfile>();
        m_cli = std::make_unique<CliRunner>(m_profile->environment());
        const CliResult added = m_cli->run({ "gateway", "add", "private", "--url",
            QStringLiteral("https://127.0.0.1:%1").arg(m_gateway.port()), "--ca-file", path("pki/ca.crt"),
            "--client-cert", path("pki/client.crt"), "--client-key", path("pki/client.key") });
        QVERIFY2(added.exitCode == 0, added.describe());
        QVERIFY2(added.outText().contains("generated roles: Role with at most {APIGroups:[\"\"], "
                                          "Resources:[\"configmaps\"], Verbs:[\"get\" \"list\"]}"),
            added.describe());
    }

    void aGeneratedRoleThePolicyAllowsWorksAndGoesWithTheLease()
    {
        const QString rules
            = write("rules.yaml", "- {apiGroups: [\"\"], resources: [configmaps], verbs: [get]}");
        const CliResult created
            = m_cli->run(createArgs("gw-generated") << "--role-type"
                                                    << "Role"
                                                    << "--generated-rules-file" << rules << "--extra-labels"
                                                    << "team=a");
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult leased = m_cli->run({ "lease", "create", "gw-generated", "-o", "json" });
        QVERIFY2(leased.exitCode == 0, leased.describe() + gatewayState());
        const QJsonObject lease = QJsonDocument::fromJson(leased.out).object();
        const QByteArray leaseToken = lease["token"].toString().toUtf8();
        QVERIFY(m_cluster.canI(leaseToken, "get", "configmaps", "default"));
        QVERIFY(!m_cluster.canI(
            leaseToken, "list", "configmaps", "default")); // the secret's rules, not the ceiling
        QVERIFY(!m_cluster.canI(leaseToken, "get", "pods", "default"));
        const QString id = lease["id"].toString();
        QCOMPARE(managedRoles(id), 1);
        const auto role = m_cluster.request("GET",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/"
                + lease["serviceAccount"].toString());
        QCOMPARE(role.json["metadata"]["labels"]["team"].toString(), "a");

        const CliResult revoked = m_cli->run({ "lease", "revoke", id });
        QVERIFY2(revoked.exitCode == 0, revoked.describe());
        QCOMPARE(managedRoles(id), 0);
        QVERIFY(!m_cluster.canI(leaseToken, "get", "configmaps", "default"));
    }

    // The policy's namespaceSelector: the gateway reads the namespace's labels
    // itself (with its own account) and allows only those that match, whatever
    // the desktop's secret says ("*" here); one it cannot read is refused.
    void aPolicySelectorAllowsOnlyNamespacesWhoseLabelsMatch()
    {
        for (const auto &[ns, env] : { std::pair { "dev-a", "dev" }, std::pair { "prod-a", "prod" } })
            QCOMPARE(m_cluster
                         .request("POST", "/api/v1/namespaces",
                             { { "apiVersion", "v1" }, { "kind", "Namespace" },
                                 { "metadata",
                                     QJsonObject {
                                         { "name", ns }, { "labels", QJsonObject { { "env", env } } } } } })
                         .status,
                201);
        const CliResult created = m_cli->run({ "secret", "create", "gw-anywhere", "--env", "Development",
            "--type", "dynamic", "--auth", "gateway", "--gateway", "private", "--namespaces", "*",
            "--role-type", "ClusterRole", "--role", "kms-dynamic-role" });
        QVERIFY2(created.exitCode == 0, created.describe() + gatewayState());
        const QString managed = "/api/v1/namespaces/%1/"
                                "serviceaccounts?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms";

        // packaging/gateway/rbac.yaml does not let the gateway read namespaces: nothing is allowed by labels.
        const CliResult unread = m_cli->run({ "lease", "create", "gw-anywhere", "--namespace", "dev-a" });
        QVERIFY2(unread.exitCode == 1, unread.describe() + gatewayState());
        QVERIFY2(unread.errText().contains(
                     "the policy does not allow namespace \"dev-a\" (namespaces: default; or "
                     "those whose labels match \"env=dev\")"),
            unread.describe());
        QVERIFY(m_cluster.request("GET", managed.arg("dev-a")).json["items"].toArray().isEmpty());

        // As policy.yaml says: with a selector, the gateway's account may get namespaces.
        QVERIFY2(
            m_cluster.applyYamlFile(write("read-namespaces.yaml", R"(apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kms-gateway-namespaces}
rules:
  - apiGroups: [""]
    resources: [namespaces]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kms-gateway-namespaces}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kms-gateway-namespaces}
subjects: [{kind: ServiceAccount, name: kms-gateway, namespace: kms}]
)")),
            qPrintable(m_cluster.errorString()));
        const CliResult leased
            = m_cli->run({ "lease", "create", "gw-anywhere", "--namespace", "dev-a", "-o", "json" });
        QVERIFY2(leased.exitCode == 0, leased.describe() + gatewayState());
        const QJsonObject lease = QJsonDocument::fromJson(leased.out).object();
        const QByteArray token = lease["token"].toString().toUtf8();
        QVERIFY(m_cluster.canI(token, "list", "pods", "dev-a"));
        QCOMPARE(m_cli->run({ "lease", "revoke", lease["id"].toString() }).exitCode, 0);
        QVERIFY(!m_cluster.canI(token, "list", "pods", "dev-a"));

        // The desktop lets "*" go anywhere; the gateway refuses what its selector does not match.
        const CliResult refused = m_cli->run({ "lease", "create", "gw-anywhere", "--namespace", "prod-a" });
        QVERIFY2(refused.exitCode == 1, refused.describe() + gatewayState());
        QVERIFY2(refused.errText().contains(
                     "hanzo-kms-gateway refuses POST /api/v1/namespaces/prod-a/serviceaccounts: "
                     "the policy does not allow namespace \"prod-a\""),
            refused.describe());
        QVERIFY(m_cluster.request("GET", managed.arg("prod-a")).json["items"].toArray().isEmpty());
        QVERIFY(m_cluster.request("GET", managed.arg("dev-a")).json["items"].toArray().isEmpty());
    }

    void whatThePolicyDoesNotAllowIsRefusedBeforeAnyLease_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("rules beyond the ceiling")
            << QStringList { "--role-type", "Role", "--generated-rules-file", "@PODS@" }
            << "the generated role would grant {APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}, "
               "beyond "
               "the policy's generatedRoles.rules";
        QTest::newRow("a kind it does not allow")
            << QStringList { "--role-type", "ClusterRole", "--generated-rules-file", "@CONFIGMAPS@" }
            << "generated ClusterRoles are not allowed (generatedRoles.kinds: \"Role\")";
        QTest::newRow("a label it does not allow") << QStringList {
            "--role-type", "ClusterRole", "--role", "kms-dynamic-role", "--extra-labels", "owner=x"
        } << "the extra label \"owner\" is not in its extraLabels (\"team\")";
        QTest::newRow("an annotation, none allowed") << QStringList {
            "--role-type", "ClusterRole", "--role", "kms-dynamic-role", "--extra-annotations", "owner=x"
        } << "the extra annotation \"owner\" is not in its extraAnnotations (none)";
    }
    void whatThePolicyDoesNotAllowIsRefusedBeforeAnyLease()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        for (QString &a : args) {
            if (a == "@PODS@")
                a = write("pods.yaml", "- {apiGroups: [\"\"], resources: [pods], verbs: [get]}");
            else if (a == "@CONFIGMAPS@")
                a = write("configmaps.yaml", "- {apiGroups: [\"\"], resources: [configmaps], verbs: [get]}");
        }
        const CliResult r = m_cli->run(createArgs("gw-refused") + args);
        QVERIFY2(r.exitCode == 1, r.describe() + gatewayState());
        QVERIFY2(r.errText().contains("The gateway's policy for this client refuses the secret: " + expected),
            r.describe() + gatewayState());
        QCOMPARE(m_cli->run({ "secret", "show", "gw-refused" }).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestGatewayGrants)
#include "tst_gateway_grants.moc"
