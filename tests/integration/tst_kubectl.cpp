// The seed document's setup steps, verbatim, with the real kubectl against
// kms-testcluster: what users run must work against the cluster our tests use.
#include "TestCluster.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using kms::test::TestCluster;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class KubectlTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void applySeedStaticSetup();
    void patchAndReadTokenAsTheSeedDoes();
    void canIAnswersWhatTheRoleGrants_data();
    void canIAnswersWhatTheRoleGrants();
    void createToken();
    void createTokenErrorsComeThrough();
    void applyIsIdempotentAndConfigures();
    void dynamicSetupAndEscalation();
    void getWithSelectorsAndOutputs();
    void deleteFromFile();

private:
    Run kubectl(const QStringList &args, const QByteArray &token = {}, const QByteArray &input = {});
    QString seed(const char *file) const
    {
        return QDir(TestCluster::seedDir()).filePath(QLatin1String(file));
    }

    QString m_kubectl;
    QTemporaryDir m_home;
    TestCluster m_cluster;
    QByteArray m_requester;
};

Run KubectlTest::kubectl(const QStringList &args, const QByteArray &token, const QByteArray &input)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), m_home.path());
    env.insert(QStringLiteral("KUBECONFIG"), m_cluster.kubeconfigPath());
    p.setProcessEnvironment(env);
    QStringList all { QStringLiteral("--cache-dir"), m_home.filePath(QStringLiteral("cache")),
        QStringLiteral("--request-timeout=20s") };
    if (!token.isEmpty()) {
        // A token on argv is fine for a throw-away test cluster's token.
        all << QStringLiteral("--token") << QString::fromLatin1(token);
    }
    all << args;
    p.start(m_kubectl, all);
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    Run run;
    if (!p.waitForFinished(60000)) {
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

void KubectlTest::initTestCase()
{
    m_kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
    if (m_kubectl.isEmpty())
        QSKIP("kubectl is not installed on this machine; the seed's kubectl steps cannot be run");
    QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
}

void KubectlTest::applySeedStaticSetup()
{
    // kubectl apply -f kms-service-account.yaml / rbac.yaml / service-account-token.yaml
    Run r = kubectl({ QStringLiteral("apply"), QStringLiteral("-f"), seed("kms-service-account.yaml") });
    QCOMPARE(r.err, QString());
    QCOMPARE(r.out, QStringLiteral("serviceaccount/kms-token-requester created\n"));
    r = kubectl({ QStringLiteral("apply"), QStringLiteral("-f"), seed("rbac-static.yaml") });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out,
        QStringLiteral("clusterrole.rbac.authorization.k8s.io/tokenrequest created\n"
                       "clusterrolebinding.rbac.authorization.k8s.io/tokenrequest created\n"));
    r = kubectl({ QStringLiteral("apply"), QStringLiteral("-f"), seed("service-account-token.yaml") });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, QStringLiteral("secret/kms-token-requester-token created\n"));
}

void KubectlTest::patchAndReadTokenAsTheSeedDoes()
{
    // kubectl patch serviceaccount kms-token-requester -p '{"secrets": [{"name":
    // "kms-token-requester-token"}]}' -n default
    Run r = kubectl({ QStringLiteral("patch"), QStringLiteral("serviceaccount"),
        QStringLiteral("kms-token-requester"), QStringLiteral("-p"),
        QStringLiteral("{\"secrets\": [{\"name\": \"kms-token-requester-token\"}]}"), QStringLiteral("-n"),
        QStringLiteral("default") });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, QStringLiteral("serviceaccount/kms-token-requester patched\n"));
    const auto sa = m_cluster.request(
        "GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester"));
    const QJsonArray expectedSecrets { QJsonObject {
        { QStringLiteral("name"), QStringLiteral("kms-token-requester-token") } } };
    QCOMPARE(sa.json.value(QStringLiteral("secrets")).toArray(), expectedSecrets);
    // The same patch again changes nothing.
    r = kubectl({ QStringLiteral("patch"), QStringLiteral("serviceaccount"),
        QStringLiteral("kms-token-requester"), QStringLiteral("-p"),
        QStringLiteral("{\"secrets\": [{\"name\": \"kms-token-requester-token\"}]}"), QStringLiteral("-n"),
        QStringLiteral("default") });
    QCOMPARE(r.out, QStringLiteral("serviceaccount/kms-token-requester patched (no change)\n"));

    // kubectl get secret kms-token-requester-token -n default -o=jsonpath='{.data.token}' | base64 --decode
    r = kubectl(
        { QStringLiteral("get"), QStringLiteral("secret"), QStringLiteral("kms-token-requester-token"),
            QStringLiteral("-n"), QStringLiteral("default"), QStringLiteral("-o=jsonpath={.data.token}") });
    QCOMPARE(r.exitCode, 0);
    m_requester = QByteArray::fromBase64(r.out.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    QVERIFY(m_requester.startsWith("eyJ"));
    // ...and that token authenticates.
    const auto self
        = m_cluster.request("POST", QStringLiteral("/apis/authentication.k8s.io/v1/selfsubjectreviews"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
                { QStringLiteral("kind"), QStringLiteral("SelfSubjectReview") } },
            m_requester);
    QCOMPARE(self.status, 201);
    QCOMPARE(self.json.value(QStringLiteral("status"))
                 .toObject()
                 .value(QStringLiteral("userInfo"))
                 .toObject()
                 .value(QStringLiteral("username"))
                 .toString(),
        QStringLiteral("system:serviceaccount:default:kms-token-requester"));
    r = kubectl({ QStringLiteral("auth"), QStringLiteral("whoami"), QStringLiteral("-o"),
                    QStringLiteral("jsonpath={.status.userInfo.username}") },
        m_requester);
    QCOMPARE(r.out, QStringLiteral("system:serviceaccount:default:kms-token-requester"));
}

void KubectlTest::canIAnswersWhatTheRoleGrants_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("create serviceaccounts/token")
        << QStringList { "create", "serviceaccounts/token" } << true;
    QTest::newRow("create token subresource")
        << QStringList { "create", "serviceaccounts", "--subresource=token", "-n", "kube-system" } << true;
    QTest::newRow("get serviceaccounts") << QStringList { "get", "serviceaccounts" } << true;
    QTest::newRow("get sa by name") << QStringList { "get", "serviceaccount/kms-token-requester" } << true;
    QTest::newRow("list serviceaccounts") << QStringList { "list", "serviceaccounts" } << false;
    QTest::newRow("delete serviceaccounts") << QStringList { "delete", "serviceaccounts" } << false;
    QTest::newRow("get secrets") << QStringList { "get", "secrets" } << false;
    QTest::newRow("create clusterrolebindings") << QStringList { "create", "clusterrolebindings" } << false;
    QTest::newRow("get pods") << QStringList { "get", "pods" } << false;
}

void KubectlTest::canIAnswersWhatTheRoleGrants()
{
    QFETCH(QStringList, args);
    QFETCH(bool, allowed);
    QVERIFY(!m_requester.isEmpty());
    const Run r
        = kubectl(QStringList { QStringLiteral("auth"), QStringLiteral("can-i") } + args, m_requester);
    QCOMPARE(r.out.trimmed(), allowed ? QStringLiteral("yes") : QStringLiteral("no"));
    QCOMPARE(r.exitCode, allowed ? 0 : 1);
}

void KubectlTest::createToken()
{
    // As admin, and as the requester with its seed role.
    for (const QByteArray &token : { QByteArray(), m_requester }) {
        const Run r = kubectl(
            { QStringLiteral("create"), QStringLiteral("token"), QStringLiteral("kms-token-requester"),
                QStringLiteral("--duration=20m"), QStringLiteral("--audience=vault") },
            token);
        QCOMPARE(r.exitCode, 0);
        const QByteArray jwt = r.out.trimmed().toLatin1();
        const auto review
            = m_cluster.request("POST", QStringLiteral("/apis/authentication.k8s.io/v1/tokenreviews"),
                QJsonObject { { QStringLiteral("spec"),
                    QJsonObject { { QStringLiteral("token"), QString::fromLatin1(jwt) },
                        { QStringLiteral("audiences"), QJsonArray { QStringLiteral("vault") } } } } });
        const QJsonObject status = review.json.value(QStringLiteral("status")).toObject();
        QVERIFY(status.value(QStringLiteral("authenticated")).toBool());
        const QJsonObject claims = QJsonDocument::fromJson(
            QByteArray::fromBase64(jwt.split('.').value(1), QByteArray::Base64UrlEncoding))
                                       .object();
        QCOMPARE(
            claims.value(QStringLiteral("exp")).toDouble() - claims.value(QStringLiteral("iat")).toDouble(),
            1200.0);
        QCOMPARE(claims.value(QStringLiteral("aud")).toArray(), QJsonArray { QStringLiteral("vault") });
    }
    // Bound to a Secret.
    Run r = kubectl({ QStringLiteral("create"), QStringLiteral("token"),
        QStringLiteral("kms-token-requester"), QStringLiteral("--bound-object-kind=Secret"),
        QStringLiteral("--bound-object-name=kms-token-requester-token") });
    QCOMPARE(r.exitCode, 0);
    const QJsonObject claims = QJsonDocument::fromJson(
        QByteArray::fromBase64(r.out.trimmed().toLatin1().split('.').value(1), QByteArray::Base64UrlEncoding))
                                   .object();
    QCOMPARE(claims.value(QStringLiteral("kubernetes.io"))
                 .toObject()
                 .value(QStringLiteral("secret"))
                 .toObject()
                 .value(QStringLiteral("name"))
                 .toString(),
        QStringLiteral("kms-token-requester-token"));
}

void KubectlTest::createTokenErrorsComeThrough()
{
    Run r = kubectl({ QStringLiteral("create"), QStringLiteral("token"),
        QStringLiteral("kms-token-requester"), QStringLiteral("--duration=9m") });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err,
        QStringLiteral(
            "error: failed to create token: TokenRequest.authentication.k8s.io \"\" is invalid: "
            "spec.expirationSeconds: Invalid value: 540: may not specify a duration less than 10 minutes\n"));
    r = kubectl({ QStringLiteral("create"), QStringLiteral("token"), QStringLiteral("nobody") });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err, QStringLiteral("error: failed to create token: serviceaccounts \"nobody\" not found\n"));
    QVERIFY(m_cluster.setMaxTokenExpiration(3600));
    r = kubectl({ QStringLiteral("create"), QStringLiteral("token"), QStringLiteral("kms-token-requester"),
        QStringLiteral("--duration=2h") });
    QVERIFY(m_cluster.setMaxTokenExpiration(0));
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(
        r.err, QStringLiteral("Warning: requested expiration of 7200 seconds shortened to 3600 seconds\n"));
}

void KubectlTest::applyIsIdempotentAndConfigures()
{
    Run r = kubectl({ QStringLiteral("apply"), QStringLiteral("-f"), seed("rbac-static.yaml") });
    QCOMPARE(r.out,
        QStringLiteral("clusterrole.rbac.authorization.k8s.io/tokenrequest unchanged\n"
                       "clusterrolebinding.rbac.authorization.k8s.io/tokenrequest unchanged\n"));
    // The dynamic mode's ClusterRole replaces the static one: a three-way patch.
    r = kubectl({ QStringLiteral("apply"), QStringLiteral("-f"), seed("rbac-dynamic.yaml") });
    QCOMPARE(r.err, QString());
    QCOMPARE(r.out,
        QStringLiteral("clusterrole.rbac.authorization.k8s.io/tokenrequest configured\n"
                       "clusterrolebinding.rbac.authorization.k8s.io/tokenrequest unchanged\n"
                       "clusterrolebinding.rbac.authorization.k8s.io/kms-dynamic-role-binding-sa created\n"));
    const auto role = m_cluster.request(
        "GET", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles/tokenrequest"));
    QCOMPARE(role.json.value(QStringLiteral("rules")).toArray().size(), 2);
    // The seed's dynamic service-account.yaml: the account exists, the Secret too.
    r = kubectl({ QStringLiteral("apply"), QStringLiteral("-f"), seed("service-account.yaml") });
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("secret/kms-token-requester-token")), qPrintable(r.out));
    // A field kubectl does not know is refused (fieldValidation=Strict).
    r = kubectl({ QStringLiteral("apply"), QStringLiteral("-f"), QStringLiteral("-") }, {},
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: strict\nbogus: 1\n");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("unknown field \"bogus\"")), qPrintable(r.err));
}

void KubectlTest::dynamicSetupAndEscalation()
{
    Run r = kubectl({ QStringLiteral("apply"), QStringLiteral("-f"), seed("kms-dynamic-role.yaml") });
    QCOMPARE(r.out, QStringLiteral("clusterrole.rbac.authorization.k8s.io/kms-dynamic-role created\n"));
    for (const auto &[args, expected] : { std::pair { QStringList { "list", "pods" }, QStringLiteral("yes") },
             std::pair { QStringList { "delete", "serviceaccounts" }, QStringLiteral("yes") },
             std::pair { QStringList { "create", "clusterrolebindings" }, QStringLiteral("yes") },
             std::pair { QStringList { "delete", "pods" }, QStringLiteral("no") } }) {
        r = kubectl(QStringList { QStringLiteral("auth"), QStringLiteral("can-i") } + args, m_requester);
        QCOMPARE(r.out.trimmed(), expected);
    }
    // The requester may bind the dynamic role...
    r = kubectl({ QStringLiteral("create"), QStringLiteral("rolebinding"), QStringLiteral("lease-1"),
                    QStringLiteral("--clusterrole=kms-dynamic-role"),
                    QStringLiteral("--serviceaccount=default:kms-token-requester") },
        m_requester);
    QCOMPARE(r.err, QString());
    QCOMPARE(r.out, QStringLiteral("rolebinding.rbac.authorization.k8s.io/lease-1 created\n"));
    // ...but not cluster-admin.
    r = kubectl({ QStringLiteral("create"), QStringLiteral("clusterrolebinding"), QStringLiteral("pwn"),
                    QStringLiteral("--clusterrole=cluster-admin"),
                    QStringLiteral("--serviceaccount=default:kms-token-requester") },
        m_requester);
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err,
        QStringLiteral(
            "error: failed to create clusterrolebinding: clusterrolebindings.rbac.authorization.k8s.io "
            "\"pwn\" is forbidden: user \"system:serviceaccount:default:kms-token-requester\" "
            "(groups=[\"system:serviceaccounts\" \"system:serviceaccounts:default\" "
            "\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
            "{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}\n"
            "{NonResourceURLs:[\"*\"], Verbs:[\"*\"]}\n"));
}

void KubectlTest::getWithSelectorsAndOutputs()
{
    Run r
        = kubectl({ QStringLiteral("create"), QStringLiteral("serviceaccount"), QStringLiteral("labelled") });
    QCOMPARE(r.out, QStringLiteral("serviceaccount/labelled created\n"));
    r = kubectl({ QStringLiteral("label"), QStringLiteral("serviceaccount"), QStringLiteral("labelled"),
        QStringLiteral("app.kubernetes.io/managed-by=hanzo-kms") });
    QCOMPARE(r.out, QStringLiteral("serviceaccount/labelled labeled\n"));
    r = kubectl({ QStringLiteral("get"), QStringLiteral("serviceaccounts"), QStringLiteral("-l"),
        QStringLiteral("app.kubernetes.io/managed-by=hanzo-kms"), QStringLiteral("-o"),
        QStringLiteral("name") });
    QCOMPARE(r.out, QStringLiteral("serviceaccount/labelled\n"));
    r = kubectl({ QStringLiteral("get"), QStringLiteral("sa"), QStringLiteral("-A"), QStringLiteral("-l"),
        QStringLiteral("!app.kubernetes.io/managed-by"), QStringLiteral("-o"),
        QStringLiteral("jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}") });
    QVERIFY2(r.out.contains(QStringLiteral("default/kms-token-requester ")), qPrintable(r.out));
    QVERIFY(!r.out.contains(QStringLiteral("labelled")));
    r = kubectl({ QStringLiteral("get"), QStringLiteral("serviceaccount"), QStringLiteral("labelled") });
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith(QStringLiteral("NAME")), qPrintable(r.out));
    r = kubectl({ QStringLiteral("get"), QStringLiteral("serviceaccount"), QStringLiteral("missing") });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err, QStringLiteral("Error from server (NotFound): serviceaccounts \"missing\" not found\n"));
}

void KubectlTest::deleteFromFile()
{
    Run r = kubectl({ QStringLiteral("delete"), QStringLiteral("-f"), seed("kms-dynamic-role.yaml") });
    QCOMPARE(r.out, QStringLiteral("clusterrole.rbac.authorization.k8s.io \"kms-dynamic-role\" deleted\n"));
    r = kubectl({ QStringLiteral("delete"), QStringLiteral("serviceaccount"), QStringLiteral("labelled") });
    QCOMPARE(r.out, QStringLiteral("serviceaccount \"labelled\" deleted\n"));
    r = kubectl({ QStringLiteral("delete"), QStringLiteral("serviceaccount"), QStringLiteral("labelled") });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err, QStringLiteral("Error from server (NotFound): serviceaccounts \"labelled\" not found\n"));
}

QTEST_GUILESS_MAIN(KubectlTest)
#include "tst_kubectl.moc"
