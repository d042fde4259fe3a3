#include "kube/Kubeconfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;

namespace {
const QByteArray caPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

QByteArray sample()
{
    return R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-cluster
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )"
        + caPem.toBase64() + R"(
- name: lab
  cluster:
    server: https://lab.example:6443
    certificate-authority: ca/lab.crt
    insecure-skip-tls-verify: true
users:
- name: requester
  user:
    token: tok-123
- name: filer
  user:
    tokenFile: token.txt
- name: certuser
  user:
    client-certificate-data: AAAA
    client-key-data: AAAA
- name: execuser
  user:
    exec:
      command: aws
contexts:
- name: prod
  context: {cluster: prod-cluster, user: requester, namespace: team-a}
- name: lab
  context: {cluster: lab, user: filer}
- name: certs
  context: {cluster: prod-cluster, user: certuser}
- name: plugin
  context: {cluster: prod-cluster, user: execuser}
- name: dangling
  context: {cluster: nowhere, user: requester}
)";
}
} // namespace

class TestKubeconfig : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QDir(m_dir.path()).mkpath("ca");
        QFile ca(m_dir.filePath("ca/lab.crt"));
        QVERIFY(ca.open(QIODevice::WriteOnly));
        ca.write(caPem);
        QFile token(m_dir.filePath("token.txt"));
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("file-token\n");
    }

    void resolvesTheCurrentContext()
    {
        QString error;
        const auto config = Kubeconfig::parse(sample(), m_dir.path(), &error);
        QVERIFY2(config, qPrintable(error));
        QCOMPARE(config->contextNames(), (QStringList { "prod", "lab", "certs", "plugin", "dangling" }));
        const auto ctx = config->context({}, &error);
        QVERIFY2(ctx, qPrintable(error));
        QCOMPARE(ctx->contextName, "prod");
        QCOMPARE(ctx->server, "https://10.0.0.1:6443");
        QCOMPARE(ctx->caPem, caPem);
        QCOMPARE(ctx->token, QByteArray("tok-123"));
        QCOMPARE(ctx->namespaceName, "team-a");
        QVERIFY(!ctx->insecureSkipTlsVerify);
    }

    void readsCaAndTokenFilesRelativeToTheKubeconfig()
    {
        QString error;
        const auto ctx = Kubeconfig::parse(sample(), m_dir.path(), &error)->context("lab", &error);
        QVERIFY2(ctx, qPrintable(error));
        QCOMPARE(ctx->caPem, caPem);
        QCOMPARE(ctx->token, QByteArray("file-token"));
        QVERIFY(ctx->insecureSkipTlsVerify);
    }

    void explainsContextsItCannotUse_data()
    {
        QTest::addColumn<QString>("context");
        QTest::addColumn<QString>("expected");
        QTest::newRow("client certificate") << "certs"
                                            << "authenticates with a client certificate";
        QTest::newRow("exec plugin") << "plugin"
                                     << "from a plugin";
        QTest::newRow("missing cluster") << "dangling"
                                         << "names cluster \"nowhere\"";
        QTest::newRow("unknown context") << "staging"
                                         << "has no context \"staging\"; it has: prod, lab";
    }
    void explainsContextsItCannotUse()
    {
        QFETCH(QString, context);
        QFETCH(QString, expected);
        QString error;
        const auto config = Kubeconfig::parse(sample(), m_dir.path(), &error);
        QVERIFY(config);
        QVERIFY(!config->context(context, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    void rejectsFilesThatAreNotKubeconfigs_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("expected");
        QTest::newRow("broken yaml") << QByteArray("clusters: [") << "invalid YAML";
        QTest::newRow("scalar") << QByteArray("hello") << "not a YAML mapping";
        QTest::newRow("no contexts") << QByteArray("apiVersion: v1\nkind: Config\n") << "no contexts";
    }
    void rejectsFilesThatAreNotKubeconfigs()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!Kubeconfig::parse(yaml, m_dir.path(), &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    void namesTheFileThatCannotBeRead()
    {
        QString error;
        QVERIFY(!Kubeconfig::load(m_dir.filePath("missing.yaml"), &error));
        QVERIFY2(error.contains("missing.yaml"), qPrintable(error));
    }

    void writesAKubeconfigThatReadsBack()
    {
        const QByteArray yaml
            = Kubeconfig::write("kms-lease", "https://127.0.0.1:6443", caPem, false, "issued.jwt", "team-b");
        QString error;
        const auto config = Kubeconfig::parse(yaml, m_dir.path(), &error);
        QVERIFY2(config, qPrintable(error));
        const auto ctx = config->context({}, &error);
        QVERIFY2(ctx, qPrintable(error));
        QCOMPARE(ctx->server, "https://127.0.0.1:6443");
        QCOMPARE(ctx->caPem, caPem);
        QCOMPARE(ctx->token, QByteArray("issued.jwt"));
        QCOMPARE(ctx->namespaceName, "team-b");
    }
};

QTEST_GUILESS_MAIN(TestKubeconfig)
#include "tst_kubeconfig.moc"
