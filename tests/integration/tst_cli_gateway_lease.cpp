// hanzo-kmsctl end to end through hanzo-kms-gateway: register the gateway,
// create Gateway-auth secrets, lease and revoke, against kms-testcluster.
#include "CliRunner.h"
#include "GatewayPolicyFile.h"
#include "GatewayProcess.h"
#include "TestCluster.h"
#include "TestSupport.h"
#include "gateway/GatewayRegistry.h"
#include "kube/GatewayCertificates.h"
#include "provider/LeaseLabels.h"
#include "store/CredentialVault.h"

#include <QCoro/QCoroTask>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;
using kms::test::CliResult;
using kms::test::CliRunner;
using kms::test::TestCluster;

class TestCliGatewayLease : public QObject {
    Q_OBJECT

    TestCluster m_cluster;
    QTemporaryDir m_dir;
    QProcess m_gateway;
    std::unique_ptr<test::TempProfile> m_profile;
    std::unique_ptr<CliRunner> m_cli;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    bool authenticated(const QByteArray &token)
    {
        return m_cluster.tokenReview(token).value(QLatin1String("authenticated")).toBool();
    }

    QJsonObject leaseJson(const QStringList &args)
    {
        const CliResult r = m_cli->run(QStringList { QStringLiteral("lease"), QStringLiteral("create") }
            + args + QStringList { QStringLiteral("-o"), QStringLiteral("json") });
        if (r.exitCode != 0)
            qWarning("%s", r.describe().constData());
        return QJsonDocument::fromJson(r.out).object();
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
        const QByteArray token = m_cluster.createToken(QStringLiteral("kms"), QStringLiteral("kms-gateway"));
        QVERIFY(!token.isEmpty());
        QFile tokenFile(path(QStringLiteral("token")));
        QVERIFY(tokenFile.open(QIODevice::WriteOnly) && tokenFile.write(token) == token.size());
        tokenFile.close();

        QString error;
        const auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("cli"), 1, &error);
        QVERIFY(pki && GatewayCertificates::write(*pki, path(QStringLiteral("pki")), &error));
        m_gateway.start(QStringLiteral(KMS_GATEWAY_PATH),
            test::gatewayServeArgs({ path(QStringLiteral("pki")), m_cluster.url().toString(),
                m_cluster.caPath(), tokenFile.fileName(),
                test::writeGatewayPolicy(m_dir.path(), test::packagedGatewayPolicy()) }));
        QVERIFY(m_gateway.waitForReadyRead(10000));
        const QString listen = QJsonDocument::fromJson(m_gateway.readLine())
                                   .object()
                                   .value(QLatin1String("listen"))
                                   .toString();

        m_profile = std::make_unique<test::TempProfile>();
        m_cli = std::make_unique<CliRunner>(m_profile->environment());
        const CliResult added = m_cli->run({ QStringLiteral("gateway"), QStringLiteral("add"),
            QStringLiteral("private"), QStringLiteral("--url"), QStringLiteral("https://") + listen,
            QStringLiteral("--ca-file"), path(QStringLiteral("pki/ca.crt")), QStringLiteral("--client-cert"),
            path(QStringLiteral("pki/client.crt")), QStringLiteral("--client-key"),
            path(QStringLiteral("pki/client.key")) });
        QVERIFY2(added.exitCode == 0, added.describe());
        // It says what the gateway's policy (packaging/gateway/policy.yaml) allows this desktop.
        QVERIFY2(added.outText().contains(QLatin1String(
                     "Its policy for this desktop: namespaces: default; static service accounts: "
                     "default/kms-token-requester; roles: ClusterRole/kms-dynamic-role; cluster-wide: no; "
                     "max TTL: 1d; audiences: any.")),
            added.describe());
    }

    void aSecretThePolicyRefusesIsNotCreated_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        const QStringList dynamic { QStringLiteral("--type"), QStringLiteral("dynamic"),
            QStringLiteral("--role-type"), QStringLiteral("ClusterRole") };
        QTest::newRow("namespace") << dynamic
                + QStringList { QStringLiteral("--namespaces"), QStringLiteral("default,kube-system"),
                      QStringLiteral("--role"), QStringLiteral("kms-dynamic-role") }
                                   << "namespace \"kube-system\" is not in its namespaces";
        QTest::newRow("role") << dynamic
                + QStringList { QStringLiteral("--namespaces"), QStringLiteral("default"),
                      QStringLiteral("--role"), QStringLiteral("cluster-admin") }
                              << "role ClusterRole \"cluster-admin\" is not in its roles";
        QTest::newRow("cluster-wide") << dynamic
                + QStringList { QStringLiteral("--namespaces"), QStringLiteral("default"),
                      QStringLiteral("--role"), QStringLiteral("kms-dynamic-role"),
                      QStringLiteral("--cluster-wide") }
                                      << "cluster-wide bindings are not allowed";
        QTest::newRow("static account") << QStringList {
            QStringLiteral("--type"), QStringLiteral("static"), QStringLiteral("--service-account"),
            QStringLiteral("power-sa"), QStringLiteral("--namespace"), QStringLiteral("kube-system")
        } << "service account \"kube-system/power-sa\" is not in its staticServiceAccounts";
        QTest::newRow("max ttl") << dynamic
                + QStringList { QStringLiteral("--namespaces"), QStringLiteral("default"),
                      QStringLiteral("--role"), QStringLiteral("kms-dynamic-role"),
                      QStringLiteral("--max-ttl"), QStringLiteral("48h") }
                                 << "the max TTL 2d is longer than its maxTTL of 1d";
    }

    void aSecretThePolicyRefusesIsNotCreated()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const CliResult r = m_cli->run(
            QStringList { QStringLiteral("secret"), QStringLiteral("create"), QStringLiteral("gw-refused"),
                QStringLiteral("--env"), QStringLiteral("dev"), QStringLiteral("--auth"),
                QStringLiteral("gateway"), QStringLiteral("--gateway"), QStringLiteral("private") }
            + args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(
            r.errText().contains(QLatin1String("The gateway's policy for this client refuses the secret: ")),
            r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
        QCOMPARE(r.errText().trimmed().count(QLatin1Char('\n')), 0);
        const CliResult list = m_cli->run({ QStringLiteral("secret"), QStringLiteral("list"),
            QStringLiteral("-o"), QStringLiteral("json") });
        QVERIFY2(!list.out.contains("gw-refused"), list.describe());
    }

    void dynamicLeaseThroughTheGatewayFromTheCli()
    {
        const CliResult created = m_cli->run({ QStringLiteral("secret"), QStringLiteral("create"),
            QStringLiteral("gw-dynamic"), QStringLiteral("--env"), QStringLiteral("dev"),
            QStringLiteral("--type"), QStringLiteral("dynamic"), QStringLiteral("--auth"),
            QStringLiteral("gateway"), QStringLiteral("--gateway"), QStringLiteral("private"),
            QStringLiteral("--namespaces"), QStringLiteral("default"), QStringLiteral("--role-type"),
            QStringLiteral("ClusterRole"), QStringLiteral("--role"), QStringLiteral("kms-dynamic-role") });
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult check = m_cli->run({ QStringLiteral("secret"), QStringLiteral("check"),
            QStringLiteral("gw-dynamic"), QStringLiteral("-o"), QStringLiteral("json") });
        QVERIFY2(check.out.contains("the gateway's policy allows this secret"), check.describe());
        // No API server URL to put in a kubeconfig for a private cluster.
        const CliResult kubeconfig = m_cli->run({ QStringLiteral("lease"), QStringLiteral("create"),
            QStringLiteral("gw-dynamic"), QStringLiteral("-o"), QStringLiteral("kubeconfig") });
        QVERIFY2(kubeconfig.exitCode == 2
                && kubeconfig.errText().contains(QStringLiteral(
                    "-o kubeconfig: secret \"gw-dynamic\" reaches its cluster through gateway")),
            kubeconfig.describe());
        const QJsonObject lease
            = leaseJson({ QStringLiteral("gw-dynamic"), QStringLiteral("--ttl"), QStringLiteral("15m") });
        const QByteArray token = lease.value(QLatin1String("token")).toString().toUtf8();
        QVERIFY(!token.isEmpty());
        QVERIFY(authenticated(token));
        const QString id = lease.value(QLatin1String("id")).toString();
        const CliResult revoked = m_cli->run({ QStringLiteral("lease"), QStringLiteral("revoke"), id });
        QVERIFY2(revoked.exitCode == 0, revoked.describe());
        QVERIFY(!authenticated(token));
        const auto left = m_cluster.request("GET",
            QStringLiteral("/api/v1/namespaces/default/serviceaccounts?labelSelector=")
                + QString::fromLatin1(QUrl::toPercentEncoding(LeaseLabels::LeaseId + QLatin1Char('=') + id)));
        QCOMPARE(left.json.value(QLatin1String("items")).toArray().size(), 0);
        // The gateway made the calls, with the CLI's client certificate (its access log, on stdout).
        QByteArray log;
        const auto deleteLogged = [&] {
            log += m_gateway.readAllStandardOutput();
            for (const QByteArray &line : log.split('\n')) {
                const QJsonObject entry = QJsonDocument::fromJson(line).object();
                if (entry.value(QLatin1String("client")).toString() == QLatin1String("CN=cli,O=Hanzo KMS")
                    && entry.value(QLatin1String("verb")).toString() == QLatin1String("DELETE")
                    && entry.value(QLatin1String("path"))
                           .toString()
                           .startsWith(QLatin1String("/api/v1/namespaces/default/serviceaccounts/")))
                    return true;
            }
            return false;
        };
        QTRY_VERIFY(deleteLogged());
    }

    void boundStaticLeaseThroughTheGatewayFromTheCli()
    {
        const CliResult created = m_cli->run({ QStringLiteral("secret"), QStringLiteral("create"),
            QStringLiteral("gw-static"), QStringLiteral("--env"), QStringLiteral("dev"),
            QStringLiteral("--type"), QStringLiteral("static"), QStringLiteral("--auth"),
            QStringLiteral("gateway"), QStringLiteral("--gateway"), QStringLiteral("private"),
            QStringLiteral("--service-account"), QStringLiteral("kms-token-requester"),
            QStringLiteral("--namespace"), QStringLiteral("default"), QStringLiteral("--bound") });
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease
            = leaseJson({ QStringLiteral("gw-static"), QStringLiteral("--ttl"), QStringLiteral("15m") });
        const QByteArray token = lease.value(QLatin1String("token")).toString().toUtf8();
        QVERIFY(authenticated(token));
        QVERIFY(m_cli
                    ->run({ QStringLiteral("lease"), QStringLiteral("revoke"),
                        lease.value(QLatin1String("id")).toString() })
                    .exitCode
            == 0);
        QVERIFY(!authenticated(token));
    }

    void aStoppedGatewayIsOneClearSentence()
    {
        m_gateway.terminate();
        QVERIFY(m_gateway.waitForFinished(5000));
        const CliResult r = m_cli->run({ QStringLiteral("lease"), QStringLiteral("create"),
            QStringLiteral("gw-dynamic"), QStringLiteral("--ttl"), QStringLiteral("15m") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QLatin1String("gateway \"private\"")), r.describe());
        QCOMPARE(r.errText().trimmed().count(QLatin1Char('\n')), 0);
    }

    void cleanupTestCase()
    {
        QCoro::waitFor(CredentialVault().remove(GatewayRegistry::vaultKeyFor(QStringLiteral("private"))));
        m_cli.reset();
        m_profile.reset();
    }
};

QTEST_GUILESS_MAIN(TestCliGatewayLease)
#include "tst_cli_gateway_lease.moc"
