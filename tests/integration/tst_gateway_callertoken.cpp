// Token (API) auth through a gateway, end to end: hanzo-kmsctl with a secret
// whose cluster token the real hanzo-kms-gateway relays to kms-testcluster
// instead of its own account. Static, bound and dynamic leases and revokes;
// the API server sees the caller's identity and applies the caller's RBAC
// (a caller who may not create in a namespace fails there with the cluster's
// 403, where the gateway's own account succeeds); the gateway's policy still
// applies, even to an admin token; a malformed token is a 400; the token
// never appears in the gateway's output.
#include "CliRunner.h"
#include "GatewayPolicyFile.h"
#include "GatewayProcess.h"
#include "TestCluster.h"
#include "TestSupport.h"
#include "core/DynamicSecret.h"
#include "gateway/GatewayRegistry.h"
#include "gateway/GatewayTransport.h"
#include "kube/GatewayCertificates.h"
#include "provider/LeaseLabels.h"
#include "store/CredentialVault.h"

#include <QCoro/QCoroTask>
#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;
using kms::test::CliResult;
using kms::test::CliRunner;
using kms::test::GatewayProcess;
using kms::test::TestCluster;

namespace {

const QString KeychainService = QStringLiteral("hanzo-kms-test-callertoken");
const QString Rbac = QStringLiteral("/apis/rbac.authorization.k8s.io/v1");

// team-b: a namespace the policy allows and the gateway's account may write,
// where the weak caller may not.
const QByteArray Policy = R"(clients:
  - subject: "*"
    namespaces: [default, team-b]
    staticServiceAccounts: [default/kms-token-requester]
    roles:
      - {kind: ClusterRole, name: kms-dynamic-role}
    clusterWide: false
    maxTTL: 24h
    audiences: ["*"]
)";

QJsonObject named(const QString &name)
{
    return QJsonObject { { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } } };
}

QJsonObject roleBinding(const QString &name, const QString &roleKind, const QString &role, const QString &sa)
{
    return QJsonObject { { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } },
        { QStringLiteral("roleRef"),
            QJsonObject { { QStringLiteral("apiGroup"), QStringLiteral("rbac.authorization.k8s.io") },
                { QStringLiteral("kind"), roleKind }, { QStringLiteral("name"), role } } },
        { QStringLiteral("subjects"),
            QJsonArray { QJsonObject { { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
                { QStringLiteral("name"), sa },
                { QStringLiteral("namespace"), QStringLiteral("default") } } } } };
}

} // namespace

class TestGatewayCallerToken : public QObject {
    Q_OBJECT

    TestCluster m_cluster;
    QTemporaryDir m_dir;
    GatewayProcess m_gateway;
    std::shared_ptr<GatewayTransport> m_transport; // the CLI's certificate, for raw calls
    std::unique_ptr<test::TempProfile> m_profile;
    std::unique_ptr<CliRunner> m_cli;
    QByteArray m_requester; // default/kms-token-requester: the seed's RBAC, cluster-wide
    QByteArray m_weak; // default/team-a-requester: the same rules, in namespace default only
    QList<QByteArray> m_issued; // every token a lease gave, for the output check

    QString path(const QString &name) const { return m_dir.filePath(name); }

    QJsonObject review(const QByteArray &token) { return m_cluster.tokenReview(token); }
    bool authenticated(const QByteArray &token)
    {
        return review(token).value(QLatin1String("authenticated")).toBool();
    }

    CliResult createSecret(const QString &name, const QString &tokenFile, const QStringList &args)
    {
        return m_cli->run(QStringList { QStringLiteral("secret"), QStringLiteral("create"), name,
                              QStringLiteral("--env"), QStringLiteral("dev"), QStringLiteral("--auth"),
                              QStringLiteral("token"), QStringLiteral("--gateway"), QStringLiteral("private"),
                              QStringLiteral("--token-file"), tokenFile }
            + args);
    }

    QJsonObject lease(const QString &secret)
    {
        const CliResult r = m_cli->run({ QStringLiteral("lease"), QStringLiteral("create"), secret,
            QStringLiteral("--ttl"), QStringLiteral("15m"), QStringLiteral("-o"), QStringLiteral("json") });
        if (r.exitCode != 0)
            qWarning("%s", r.describe().constData());
        const QJsonObject json = QJsonDocument::fromJson(r.out).object();
        m_issued << json.value(QLatin1String("token")).toString().toUtf8();
        return json;
    }

    bool revoke(const QJsonObject &lease)
    {
        const CliResult r = m_cli->run({ QStringLiteral("lease"), QStringLiteral("revoke"),
            lease.value(QLatin1String("id")).toString() });
        if (r.exitCode != 0)
            qWarning("%s", r.describe().constData());
        return r.exitCode == 0;
    }

    // The objects of a lease left in a namespace, by its lease-id label.
    int leftOf(const QString &collection, const QString &leaseId)
    {
        const auto r = m_cluster.request("GET",
            collection + QStringLiteral("?labelSelector=")
                + QString::fromLatin1(
                    QUrl::toPercentEncoding(LeaseLabels::LeaseId + QLatin1Char('=') + leaseId)));
        return r.status == 200 ? int(r.json.value(QLatin1String("items")).toArray().size()) : -1;
    }

    // The access log lines of calls made with the caller's own token.
    QList<QJsonObject> callerLines(const QByteArray &verb, const QString &pathPart)
    {
        QList<QJsonObject> found;
        for (const QJsonObject &line : m_gateway.accessLog()) {
            if (line.value(QLatin1String("identity")).toString() == QLatin1String("caller")
                && line.value(QLatin1String("verb")).toString() == QString::fromLatin1(verb)
                && line.value(QLatin1String("path")).toString().contains(pathPart))
                found << line;
        }
        return found;
    }

    // A raw call through the gateway with the CLI's client certificate.
    std::pair<int, QByteArray> call(const QByteArray &method, const QString &path, const QByteArray &body,
        const QByteArray &authorization)
    {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1").arg(m_gateway.port()) + path));
        request.setSslConfiguration(m_transport->sslConfiguration());
        if (!body.isEmpty())
            request.setRawHeader("Content-Type", "application/json");
        request.setRawHeader("Authorization", authorization);
        QNetworkReply *reply = nam.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!finished.wait(20000))
            return { 0, {} };
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray data = reply->readAll();
        reply->deleteLater();
        return { status, data };
    }

    bool writeFile(const QString &name, const QByteArray &data)
    {
        QFile file(path(name));
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(data) == data.size();
    }

private slots:
    void initTestCase()
    {
        qputenv("HANZO_KMS_KEYCHAIN_SERVICE", KeychainService.toUtf8());
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
        m_requester = m_cluster.applySeedSetup();
        QVERIFY2(!m_requester.isEmpty(), qPrintable(m_cluster.errorString()));
        const QDir manifests(QStringLiteral(KMS_SOURCE_DIR "/packaging/gateway"));
        for (const char *file : { "namespace.yaml", "serviceaccount.yaml", "rbac.yaml" })
            QVERIFY2(m_cluster.applyYamlFile(manifests.filePath(QLatin1String(file))),
                qPrintable(m_cluster.errorString()));
        QCOMPARE(
            m_cluster.request("POST", QStringLiteral("/api/v1/namespaces"), named(QStringLiteral("team-b")))
                .status,
            201);
        // Bound static leases: the requester's Secrets in default (secret check --rbac adds the same).
        QCOMPARE(
            m_cluster
                .request("POST", Rbac + QStringLiteral("/namespaces/default/roles"),
                    QJsonObject {
                        { QStringLiteral("metadata"),
                            QJsonObject { { QStringLiteral("name"), QStringLiteral("lease-secrets") } } },
                        { QStringLiteral("rules"),
                            QJsonArray {
                                QJsonObject { { QStringLiteral("apiGroups"), QJsonArray { QString() } },
                                    { QStringLiteral("resources"), QJsonArray { QStringLiteral("secrets") } },
                                    { QStringLiteral("verbs"),
                                        QJsonArray { QStringLiteral("create"), QStringLiteral("get"),
                                            QStringLiteral("delete"), QStringLiteral("list") } } } } } })
                .status,
            201);
        QCOMPARE(m_cluster
                     .request("POST", Rbac + QStringLiteral("/namespaces/default/rolebindings"),
                         roleBinding(QStringLiteral("lease-secrets"), QStringLiteral("Role"),
                             QStringLiteral("lease-secrets"), QStringLiteral("kms-token-requester")))
                     .status,
            201);
        // The weak caller: the seed's rules, granted in namespace default only.
        QCOMPARE(m_cluster
                     .request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
                         named(QStringLiteral("team-a-requester")))
                     .status,
            201);
        for (const QString &role : { QStringLiteral("tokenrequest"), QStringLiteral("kms-dynamic-role") })
            QCOMPARE(m_cluster
                         .request("POST", Rbac + QStringLiteral("/namespaces/default/rolebindings"),
                             roleBinding(QStringLiteral("team-a-") + role, QStringLiteral("ClusterRole"),
                                 role, QStringLiteral("team-a-requester")))
                         .status,
                201);
        m_weak = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("team-a-requester"), 7200);
        QVERIFY(!m_weak.isEmpty());
        QVERIFY(writeFile(QStringLiteral("requester.token"), m_requester + '\n'));
        QVERIFY(writeFile(QStringLiteral("weak.token"), m_weak));

        const QByteArray gatewayToken
            = m_cluster.createToken(QStringLiteral("kms"), QStringLiteral("kms-gateway"));
        QVERIFY(!gatewayToken.isEmpty());
        QVERIFY(writeFile(QStringLiteral("gateway.token"), gatewayToken));
        QString error;
        const auto pki = GatewayCertificates::generate(
            { QStringLiteral("127.0.0.1") }, QStringLiteral("cli"), 1, &error);
        QVERIFY(pki && GatewayCertificates::write(*pki, path(QStringLiteral("pki")), &error));
        const test::GatewayFiles files { path(QStringLiteral("pki")), m_cluster.url().toString(),
            m_cluster.caPath(), path(QStringLiteral("gateway.token")),
            test::writeGatewayPolicy(m_dir.path(), Policy) };
        QVERIFY2(m_gateway.start(QStringLiteral(KMS_GATEWAY_PATH), test::gatewayServeArgs(files), &error),
            qPrintable(error));
        m_transport = GatewayTransport::create(QStringLiteral("private"),
            QStringLiteral("https://127.0.0.1:%1").arg(m_gateway.port()), pki->caCertificate,
            pki->clientCertificate, pki->clientKey, &error);
        QVERIFY2(m_transport, qPrintable(error));

        m_profile = std::make_unique<test::TempProfile>();
        QProcessEnvironment env = m_profile->environment();
        env.insert(QStringLiteral("HANZO_KMS_KEYCHAIN_SERVICE"), KeychainService);
        m_cli = std::make_unique<CliRunner>(env);
        const CliResult added
            = m_cli->run({ QStringLiteral("gateway"), QStringLiteral("add"), QStringLiteral("private"),
                QStringLiteral("--url"), QStringLiteral("https://127.0.0.1:%1").arg(m_gateway.port()),
                QStringLiteral("--ca-file"), path(QStringLiteral("pki/ca.crt")),
                QStringLiteral("--client-cert"), path(QStringLiteral("pki/client.crt")),
                QStringLiteral("--client-key"), path(QStringLiteral("pki/client.key")) });
        QVERIFY2(added.exitCode == 0, added.describe());
    }

    void theCliTakesTheCombinationAndKeepsTheTokenInTheKeychain()
    {
        // The cluster URL is the gateway's: no --url, --ca-file or TLS flags with it.
        const CliResult withUrl
            = createSecret(QStringLiteral("tok-url"), path(QStringLiteral("requester.token")),
                { QStringLiteral("--type"), QStringLiteral("static"), QStringLiteral("--service-account"),
                    QStringLiteral("kms-token-requester"), QStringLiteral("--namespace"),
                    QStringLiteral("default"), QStringLiteral("--url"), m_cluster.url().toString() });
        QVERIFY2(
            withUrl.exitCode == 2 && withUrl.errText().contains(QLatin1String("--url: not with --gateway")),
            withUrl.describe());
        // The token is required, as with any Token (API) secret.
        const CliResult noToken = m_cli->run({ QStringLiteral("secret"), QStringLiteral("create"),
            QStringLiteral("tok-none"), QStringLiteral("--env"), QStringLiteral("dev"),
            QStringLiteral("--auth"), QStringLiteral("token"), QStringLiteral("--gateway"),
            QStringLiteral("private"), QStringLiteral("--type"), QStringLiteral("static"),
            QStringLiteral("--service-account"), QStringLiteral("kms-token-requester"),
            QStringLiteral("--namespace"), QStringLiteral("default") });
        QVERIFY2(
            noToken.exitCode == 2 && noToken.errText().contains(QLatin1String("Cluster token is required")),
            noToken.describe());

        const CliResult created
            = createSecret(QStringLiteral("tok-static"), path(QStringLiteral("requester.token")),
                { QStringLiteral("--type"), QStringLiteral("static"), QStringLiteral("--service-account"),
                    QStringLiteral("kms-token-requester"), QStringLiteral("--namespace"),
                    QStringLiteral("default") });
        QVERIFY2(created.exitCode == 0, created.describe());
        const CliResult shown = m_cli->run({ QStringLiteral("secret"), QStringLiteral("show"),
            QStringLiteral("tok-static"), QStringLiteral("-o"), QStringLiteral("json") });
        QVERIFY2(shown.exitCode == 0, shown.describe());
        const QJsonObject secret = QJsonDocument::fromJson(shown.out).object();
        QCOMPARE(secret.value(QLatin1String("auth")).toString(), QStringLiteral("token"));
        QCOMPARE(secret.value(QLatin1String("gateway")).toString(), QStringLiteral("private"));
        QVERIFY(!secret.contains(QLatin1String("url")));
        // The token: in the keychain, and in no file of the profile.
        const VaultResult stored = QCoro::waitFor(
            CredentialVault().get(DynamicSecret::vaultKeyFor(secret.value(QLatin1String("id")).toInteger())));
        QVERIFY2(stored.ok, qPrintable(stored.message));
        QCOMPARE(stored.value, m_requester);
        QDirIterator files(m_profile->dataDir(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        int searched = 0;
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray content = file.readAll();
            QVERIFY2(!content.contains(m_requester.left(40)), qPrintable(file.fileName()));
            searched += content.contains("tok-static") ? 1 : 0;
        }
        QVERIFY(searched > 0); // the search looked where the secret is
    }

    void staticLeaseGoesThroughTheGatewayWithTheCallersToken()
    {
        const QJsonObject lease = this->lease(QStringLiteral("tok-static"));
        const QByteArray token = lease.value(QLatin1String("token")).toString().toUtf8();
        QVERIFY(!token.isEmpty());
        const QJsonObject status = review(token);
        QVERIFY(status.value(QLatin1String("authenticated")).toBool());
        QCOMPARE(status.value(QLatin1String("user")).toObject().value(QLatin1String("username")).toString(),
            QStringLiteral("system:serviceaccount:default:kms-token-requester"));
        // The gateway relayed the token request as the caller.
        QTRY_VERIFY(
            !callerLines("POST", QStringLiteral("/serviceaccounts/kms-token-requester/token")).isEmpty());
    }

    void boundStaticLeaseAndRevoke()
    {
        const CliResult created
            = createSecret(QStringLiteral("tok-bound"), path(QStringLiteral("requester.token")),
                { QStringLiteral("--type"), QStringLiteral("static"), QStringLiteral("--service-account"),
                    QStringLiteral("kms-token-requester"), QStringLiteral("--namespace"),
                    QStringLiteral("default"), QStringLiteral("--bound") });
        QVERIFY2(created.exitCode == 0, created.describe());
        const QJsonObject lease = this->lease(QStringLiteral("tok-bound"));
        const QByteArray token = lease.value(QLatin1String("token")).toString().toUtf8();
        QVERIFY(authenticated(token));
        const QString id = lease.value(QLatin1String("id")).toString();
        QCOMPARE(leftOf(QStringLiteral("/api/v1/namespaces/default/secrets"), id), 1);
        QVERIFY(revoke(lease));
        QVERIFY(!authenticated(token));
        QCOMPARE(leftOf(QStringLiteral("/api/v1/namespaces/default/secrets"), id), 0);
        // Read before deleted, and deleted, with the caller's token.
        QTRY_VERIFY(!callerLines("DELETE", QStringLiteral("/api/v1/namespaces/default/secrets/")).isEmpty());
    }

    void dynamicLeaseAndRevoke()
    {
        const CliResult created
            = createSecret(QStringLiteral("tok-dynamic"), path(QStringLiteral("requester.token")),
                { QStringLiteral("--type"), QStringLiteral("dynamic"), QStringLiteral("--namespaces"),
                    QStringLiteral("default"), QStringLiteral("--role-type"), QStringLiteral("ClusterRole"),
                    QStringLiteral("--role"), QStringLiteral("kms-dynamic-role") });
        QVERIFY2(created.exitCode == 0, created.describe());
        // Test Connection through the gateway: its policy, then the caller's permissions.
        const CliResult check = m_cli->run({ QStringLiteral("secret"), QStringLiteral("check"),
            QStringLiteral("tok-dynamic"), QStringLiteral("-o"), QStringLiteral("json") });
        QVERIFY2(check.exitCode == 0, check.describe());
        const QJsonObject checked = QJsonDocument::fromJson(check.out).object();
        QVERIFY(checked.value(QLatin1String("passed")).toBool());
        QVERIFY2(check.out.contains("the gateway's policy allows this secret"), check.describe());
        // No API server URL to write a kubeconfig with.
        const CliResult kubeconfig = m_cli->run({ QStringLiteral("lease"), QStringLiteral("create"),
            QStringLiteral("tok-dynamic"), QStringLiteral("-o"), QStringLiteral("kubeconfig") });
        QVERIFY2(kubeconfig.exitCode == 2, kubeconfig.describe());

        const QJsonObject lease = this->lease(QStringLiteral("tok-dynamic"));
        const QByteArray token = lease.value(QLatin1String("token")).toString().toUtf8();
        QVERIFY(authenticated(token));
        const QString id = lease.value(QLatin1String("id")).toString();
        QCOMPARE(leftOf(QStringLiteral("/api/v1/namespaces/default/serviceaccounts"), id), 1);
        QCOMPARE(leftOf(Rbac + QStringLiteral("/namespaces/default/rolebindings"), id), 1);
        QVERIFY(revoke(lease));
        QVERIFY(!authenticated(token));
        QCOMPARE(leftOf(QStringLiteral("/api/v1/namespaces/default/serviceaccounts"), id), 0);
        QCOMPARE(leftOf(Rbac + QStringLiteral("/namespaces/default/rolebindings"), id), 0);
        // The seed's RBAC has no "get" on bindings: the caller's delete went with the recorded uid.
        QTRY_VERIFY(!callerLines("DELETE", QStringLiteral("/rolebindings/")).isEmpty());
        QTRY_VERIFY(!callerLines("POST", QStringLiteral("/selfsubjectaccessreviews")).isEmpty());
    }

    // The API server applies the caller's RBAC: the weak caller may not create
    // in team-b, where the gateway's own account may.
    void theCallersRbacAppliesNotTheGateways()
    {
        const QStringList dynamic { QStringLiteral("--type"), QStringLiteral("dynamic"),
            QStringLiteral("--namespaces"), QStringLiteral("team-b"), QStringLiteral("--role-type"),
            QStringLiteral("ClusterRole"), QStringLiteral("--role"), QStringLiteral("kms-dynamic-role") };
        QVERIFY(createSecret(QStringLiteral("tok-weak"), path(QStringLiteral("weak.token")), dynamic).exitCode
            == 0);
        // Test Connection reviews the caller's permissions.
        const CliResult check = m_cli->run({ QStringLiteral("secret"), QStringLiteral("check"),
            QStringLiteral("tok-weak"), QStringLiteral("-o"), QStringLiteral("json") });
        QVERIFY2(check.exitCode == 1, check.describe());
        QVERIFY(!QJsonDocument::fromJson(check.out).object().value(QLatin1String("passed")).toBool());

        const CliResult refused = m_cli->run({ QStringLiteral("lease"), QStringLiteral("create"),
            QStringLiteral("tok-weak"), QStringLiteral("--ttl"), QStringLiteral("15m") });
        QCOMPARE(refused.exitCode, 1);
        // The cluster's own 403, naming the caller.
        QVERIFY2(refused.errText().contains(QLatin1String(
                     "User \"system:serviceaccount:default:team-a-requester\" cannot create resource "
                     "\"serviceaccounts\" in API group \"\" in the namespace \"team-b\"")),
            refused.describe());
        QVERIFY2(refused.errText().contains(QLatin1String("(403 Forbidden)")), refused.describe());
        QVERIFY2(!refused.errText().contains(QLatin1String("hanzo-kms-gateway refuses")), refused.describe());
        const auto accounts = m_cluster.request("GET",
            QStringLiteral("/api/v1/namespaces/team-b/serviceaccounts?")
                + LeaseLabels::managedSelectorQuery());
        QCOMPARE(accounts.json.value(QLatin1String("items")).toArray().size(), 0);

        // The same lease with the gateway's own account (Gateway auth) is made.
        const CliResult own = m_cli->run(
            QStringList { QStringLiteral("secret"), QStringLiteral("create"), QStringLiteral("gw-own"),
                QStringLiteral("--env"), QStringLiteral("dev"), QStringLiteral("--auth"),
                QStringLiteral("gateway"), QStringLiteral("--gateway"), QStringLiteral("private") }
            + dynamic);
        QVERIFY2(own.exitCode == 0, own.describe());
        const QJsonObject lease = this->lease(QStringLiteral("gw-own"));
        const QByteArray token = lease.value(QLatin1String("token")).toString().toUtf8();
        QVERIFY(authenticated(token));
        QVERIFY(revoke(lease));
        QVERIFY(!authenticated(token));
    }

    void thePolicyStillApplies()
    {
        // The desktop asks the gateway's policy before it saves.
        const CliResult refused
            = createSecret(QStringLiteral("tok-admin-role"), path(QStringLiteral("requester.token")),
                { QStringLiteral("--type"), QStringLiteral("dynamic"), QStringLiteral("--namespaces"),
                    QStringLiteral("default"), QStringLiteral("--role-type"), QStringLiteral("ClusterRole"),
                    QStringLiteral("--role"), QStringLiteral("cluster-admin") });
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.errText().contains(
                     QLatin1String("The gateway's policy for this client refuses the secret: ")),
            refused.describe());
        // The gateway refuses what the policy does not allow whoever the token
        // is: the cluster's admin token (system:masters) gets no further.
        QCOMPARE(m_cluster
                     .request("POST", QStringLiteral("/api/v1/namespaces/kube-system/serviceaccounts"),
                         named(QStringLiteral("power-sa")))
                     .status,
            201);
        const QByteArray admin = "Bearer " + m_cluster.adminToken();
        const auto token = call("POST",
            QStringLiteral("/api/v1/namespaces/kube-system/serviceaccounts/power-sa/token"),
            R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":3600}})",
            admin);
        QCOMPARE(token.first, 403);
        QVERIFY2(token.second.contains("hanzo-kms-gateway refuses"), token.second.constData());
        QVERIFY(!token.second.contains("\"token\""));
        const auto list = call("GET", QStringLiteral("/api/v1/namespaces/kube-system/secrets"), {}, admin);
        QCOMPARE(list.first, 403);
        const auto role = call("POST", Rbac + QStringLiteral("/clusterrolebindings"),
            QJsonDocument(roleBinding(QStringLiteral("kms-x"), QStringLiteral("ClusterRole"),
                              QStringLiteral("cluster-admin"), QStringLiteral("kms-token-requester")))
                .toJson(QJsonDocument::Compact),
            admin);
        QCOMPARE(role.first, 403);
        // And a wrong token is the API server's 401, passed on.
        const auto wrong = call("GET", QStringLiteral("/version"), {}, "Bearer not-a-valid-token");
        QCOMPARE(wrong.first, 401);
    }

    void anUnusableTokenIsABadRequest_data()
    {
        QTest::addColumn<QByteArray>("authorization");
        QTest::addColumn<QString>("expected");
        QTest::newRow("two words") << QByteArray("Bearer secret-one secret-two") << "contains spaces";
        QTest::newRow("other scheme") << QByteArray("Basic c2VjcmV0LW9uZTp4") << "no other scheme";
        QTest::newRow("too long") << "Bearer secret-" + QByteArray(20000, 'a') << "longer than 16 KiB";
    }
    void anUnusableTokenIsABadRequest()
    {
        QFETCH(QByteArray, authorization);
        QFETCH(QString, expected);
        const auto [status, body] = call("GET", QStringLiteral("/version"), {}, authorization);
        QCOMPARE(status, 400);
        const QJsonObject answer = QJsonDocument::fromJson(body).object();
        QCOMPARE(answer.value(QLatin1String("kind")).toString(), QStringLiteral("Status"));
        QVERIFY2(answer.value(QLatin1String("message")).toString().contains(expected), body.constData());
        QVERIFY2(!body.contains("secret-"), body.constData());
        const auto refusedLogged = [this] {
            const QList<QJsonObject> lines = m_gateway.accessLog();
            return std::any_of(lines.cbegin(), lines.cend(), [](const QJsonObject &line) {
                return line.value(QLatin1String("status")).toInt() == 400
                    && line.value(QLatin1String("decision")).toString() == QLatin1String("deny");
            });
        };
        QTRY_VERIFY(refusedLogged());
        QVERIFY(!m_gateway.output().contains("secret-"));
    }

    // Not one token the gateway carried or issued is in its output: the
    // access log on stdout, its messages on stderr.
    void noTokenInTheGatewaysOutput()
    {
        const QByteArray everything = m_gateway.output() + m_gateway.log();
        QVERIFY(everything.contains("\"identity\":\"caller\"")); // the search is not vacuous
        QList<QByteArray> tokens { m_requester, m_weak, m_cluster.adminToken() };
        tokens += m_issued;
        for (const QByteArray &token : std::as_const(tokens)) {
            if (token.isEmpty())
                continue;
            // The whole token, its signature, and its start (a JWT's header is common to many).
            QVERIFY(!everything.contains(token));
            QVERIFY(!everything.contains(token.mid(token.lastIndexOf('.') + 1)));
            QVERIFY(!everything.contains(token.toBase64()));
        }
    }

    void cleanupTestCase()
    {
        if (m_cli) {
            const CliResult list = m_cli->run({ QStringLiteral("secret"), QStringLiteral("list"),
                QStringLiteral("-o"), QStringLiteral("json") });
            for (const QJsonValue &s : QJsonDocument::fromJson(list.out).array())
                QCoro::waitFor(CredentialVault().remove(
                    DynamicSecret::vaultKeyFor(s.toObject().value(QLatin1String("id")).toInteger())));
        }
        QCoro::waitFor(CredentialVault().remove(GatewayRegistry::vaultKeyFor(QStringLiteral("private"))));
        m_gateway.stop();
        QCOMPARE(m_gateway.exitCode(), 0);
        m_cli.reset();
        m_profile.reset();
    }
};

QTEST_GUILESS_MAIN(TestGatewayCallerToken)
#include "tst_gateway_callertoken.moc"
