// KubeconfigFile: what "hanzo-kmsctl kubeconfig add|remove" does to a
// kubeconfig, read back the way kubectl would read it (the YAML, the bytes on disk, the mode).
#include "kube/ExecCredential.h"
#include "kube/KubeconfigFile.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <yaml-cpp/yaml.h>

using namespace kms;

namespace {

// Another tool's kubeconfig: values that must stay strings although they look
// like a number and a boolean, a comment, and an exec user of its own.
const QByteArray kExisting = "# my clusters\n"
                             "apiVersion: v1\n"
                             "kind: Config\n"
                             "current-context: prod\n"
                             "clusters:\n"
                             "- name: prod\n"
                             "  cluster:\n"
                             "    server: https://prod.example:6443\n"
                             "contexts:\n"
                             "- name: prod\n"
                             "  context:\n"
                             "    cluster: prod\n"
                             "    user: admin\n"
                             "    namespace: \"0123\"\n"
                             "users:\n"
                             "- name: admin\n"
                             "  user:\n"
                             "    exec:\n"
                             "      apiVersion: client.authentication.k8s.io/v1\n"
                             "      command: aws\n"
                             "      args: [eks, get-token, --cluster-name, \"42\"]\n"
                             "      env:\n"
                             "      - name: AWS_STS_REGIONAL_ENDPOINTS\n"
                             "        value: 'true'\n"
                             "preferences: {}\n";

ExecContext execContext(const QString &name = QStringLiteral("kms-deploy-team-a"))
{
    ExecContext c;
    c.contextName = name;
    c.userName = name;
    c.clusterName = QStringLiteral("kms-deploy");
    c.server = QStringLiteral("https://127.0.0.1:6443");
    c.caPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    c.namespaceName = QStringLiteral("team-a");
    c.command = QStringLiteral("/opt/hanzo/bin/hanzo-kmsctl");
    c.args = QStringList { QStringLiteral("--data-dir"), QStringLiteral("/home/a/.local/share/hanzo-kms"),
        QStringLiteral("credential"), QStringLiteral("deploy"), QStringLiteral("--namespace"),
        QStringLiteral("team-a") };
    c.env = { { QStringLiteral("HANZO_KMS_KEYCHAIN_SERVICE"), QStringLiteral("true") } };
    c.secretName = QStringLiteral("deploy");
    c.environmentName = QStringLiteral("Development");
    return c;
}

YAML::Node named(const YAML::Node &list, const std::string &name)
{
    for (const YAML::Node &entry : list) {
        if (entry["name"].Scalar() == name)
            return entry;
    }
    return YAML::Node();
}

bool listed(const YAML::Node &list, const std::string &name)
{
    for (const YAML::Node &entry : list) {
        if (entry["name"].Scalar() == name)
            return true;
    }
    return false;
}

int mode(const QString &path)
{
    struct stat st { };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestKubeconfigFile : public QObject {
    Q_OBJECT

private slots:
    void resolvesThePathKubectlUses()
    {
        QCOMPARE(KubeconfigFile::resolvePath(
                     QStringLiteral("/tmp/x"), QStringLiteral("/a:/b"), QStringLiteral("/h")),
            QStringLiteral("/tmp/x"));
        QCOMPARE(KubeconfigFile::resolvePath({}, QStringLiteral(":/a:/b"), QStringLiteral("/h")),
            QStringLiteral("/a"));
        QCOMPARE(
            KubeconfigFile::resolvePath({}, {}, QStringLiteral("/h")), QStringLiteral("/h/.kube/config"));
    }

    void addsAnExecContextAndKeepsEverythingElse()
    {
        QString error;
        std::optional<KubeconfigFile> file
            = KubeconfigFile::parse(kExisting, QStringLiteral("/k/config"), &error);
        QVERIFY2(file, qPrintable(error));
        QCOMPARE(file->addExecContext(execContext(), &error), KubeconfigFile::Change::Added);
        const YAML::Node root = YAML::Load(file->toYaml().toStdString());

        // The other entries, their values and their types, as before.
        QCOMPARE(root["current-context"].Scalar(), std::string("prod"));
        const YAML::Node prod = named(root["contexts"], "prod")["context"];
        QCOMPARE(prod["namespace"].Scalar(), std::string("0123"));
        QCOMPARE(prod["namespace"].Tag(), std::string("!")); // still a string, not the number 123
        const YAML::Node aws = named(root["users"], "admin")["user"]["exec"];
        QCOMPARE(aws["args"][3].Tag(), std::string("!"));
        QCOMPARE(aws["env"][0]["value"].Tag(), std::string("!"));
        QCOMPARE(aws["env"][0]["value"].Scalar(), std::string("true"));
        QCOMPARE(named(root["clusters"], "prod")["cluster"]["server"].Scalar(),
            std::string("https://prod.example:6443"));
        QVERIFY(root["preferences"].IsMap());

        // The new context: cluster, exec user, namespace.
        const YAML::Node context = named(root["contexts"], "kms-deploy-team-a")["context"];
        QCOMPARE(context["cluster"].Scalar(), std::string("kms-deploy"));
        QCOMPARE(context["user"].Scalar(), std::string("kms-deploy-team-a"));
        QCOMPARE(context["namespace"].Scalar(), std::string("team-a"));
        const YAML::Node cluster = named(root["clusters"], "kms-deploy")["cluster"];
        QCOMPARE(cluster["server"].Scalar(), std::string("https://127.0.0.1:6443"));
        QCOMPARE(
            QByteArray::fromBase64(QByteArray::fromStdString(cluster["certificate-authority-data"].Scalar())),
            execContext().caPem);
        QVERIFY(!cluster["insecure-skip-tls-verify"]);
        const YAML::Node exec = named(root["users"], "kms-deploy-team-a")["user"]["exec"];
        QCOMPARE(exec["apiVersion"].Scalar(), std::string("client.authentication.k8s.io/v1"));
        QCOMPARE(exec["command"].Scalar(), std::string("/opt/hanzo/bin/hanzo-kmsctl"));
        QCOMPARE(exec["interactiveMode"].Scalar(), std::string("Never"));
        QCOMPARE(exec["args"].size(), std::size_t(6));
        QCOMPARE(exec["args"][3].Scalar(), std::string("deploy"));
        // A value made here that looks like a boolean is written as a string.
        QCOMPARE(exec["env"][0]["value"].Tag(), std::string("!"));
        QCOMPARE(exec["env"][0]["value"].Scalar(), std::string("true"));
        QCOMPARE(exec["provideClusterInfo"].as<bool>(), false);
        QCOMPARE(exec["provideClusterInfo"].Tag(), std::string("?")); // a boolean, not the string "false"
        // Not made current: kubectl without --context goes on using prod.
        QCOMPARE(file->currentContext(), QStringLiteral("prod"));
    }

    void replacesOnlyWhatItWrote()
    {
        QString error;
        std::optional<KubeconfigFile> file
            = KubeconfigFile::parse(kExisting, QStringLiteral("/k/config"), &error);
        QVERIFY(file);
        QCOMPARE(file->addExecContext(execContext(), &error), KubeconfigFile::Change::Added);
        ExecContext again = execContext();
        again.server = QStringLiteral("https://10.0.0.1:6443");
        QCOMPARE(file->addExecContext(again, &error), KubeconfigFile::Change::Replaced);
        const YAML::Node root = YAML::Load(file->toYaml().toStdString());
        QCOMPARE(root["contexts"].size(), std::size_t(2));
        QCOMPARE(root["clusters"].size(), std::size_t(2));
        QCOMPARE(named(root["clusters"], "kms-deploy")["cluster"]["server"].Scalar(),
            std::string("https://10.0.0.1:6443"));

        // A context, user or cluster of another tool is never replaced.
        const QByteArray before = file->toYaml();
        QVERIFY(!file->addExecContext(execContext(QStringLiteral("prod")), &error));
        QVERIFY2(
            error.contains(QStringLiteral("already has a context \"prod\" that hanzo-kmsctl did not write")),
            qPrintable(error));
        QVERIFY(!file->addExecContext(execContext(QStringLiteral("admin")), &error));
        QVERIFY2(error.contains(QStringLiteral("a user \"admin\"")), qPrintable(error));
        QCOMPARE(file->toYaml(), before);
    }

    void removesItsContextUserAndUnusedCluster()
    {
        QString error;
        std::optional<KubeconfigFile> file
            = KubeconfigFile::parse(kExisting, QStringLiteral("/k/config"), &error);
        QVERIFY(file);
        QVERIFY(file->addExecContext(execContext(QStringLiteral("kms-a")), &error));
        QVERIFY(file->addExecContext(execContext(QStringLiteral("kms-b")), &error));
        bool wasCurrent = true;
        QVERIFY2(file->removeContext(QStringLiteral("kms-a"), &error, &wasCurrent), qPrintable(error));
        QVERIFY(!wasCurrent);
        YAML::Node root = YAML::Load(file->toYaml().toStdString());
        QVERIFY(!listed(root["contexts"], "kms-a"));
        QVERIFY(!listed(root["users"], "kms-a"));
        QVERIFY(listed(root["clusters"], "kms-deploy")); // kms-b still uses it
        QVERIFY(file->removeContext(QStringLiteral("kms-b"), &error, &wasCurrent));
        root = YAML::Load(file->toYaml().toStdString());
        QVERIFY(!listed(root["clusters"], "kms-deploy"));
        QCOMPARE(file->contextNames(), QStringList { QStringLiteral("prod") });
        QCOMPARE(root["users"].size(), std::size_t(1));

        QVERIFY(!file->removeContext(QStringLiteral("prod"), &error, &wasCurrent));
        QVERIFY2(error.contains(QStringLiteral("was not written by hanzo-kmsctl")), qPrintable(error));
        QVERIFY(!file->removeContext(QStringLiteral("nope"), &error, &wasCurrent));
        QVERIFY2(error.contains(QStringLiteral("has no context \"nope\"")), qPrintable(error));
    }

    void refusesADamagedKubeconfig_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("problem");
        QTest::newRow("syntax") << QByteArray("clusters: [\n") << QStringLiteral("line ");
        QTest::newRow("not a mapping") << QByteArray("- a\n- b\n") << QStringLiteral("not a YAML mapping");
        QTest::newRow("clusters not a list")
            << QByteArray("clusters: {a: b}\n") << QStringLiteral("clusters is not a list");
        QTest::newRow("entry without name")
            << QByteArray("users:\n- user: {token: x}\n") << QStringLiteral("entry 1 of users has no name");
        QTest::newRow("twice") << QByteArray("contexts:\n- name: a\n- name: a\n")
                               << QStringLiteral("lists \"a\" twice");
        QTest::newRow("two documents")
            << QByteArray("kind: Config\n---\nkind: Config\n") << QStringLiteral("2 YAML documents");
        QTest::newRow("kind") << QByteArray("kind: Pod\n") << QStringLiteral("kind is not Config");
        QTest::newRow("NUL") << QByteArray("kind: Config\n\0", 14) << QStringLiteral("NUL");
        QTest::newRow("not UTF-8") << QByteArray("kind: \xff\n") << QStringLiteral("not UTF-8");
    }

    void refusesADamagedKubeconfig()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, problem);
        QString error;
        bool damaged = false;
        QVERIFY(!KubeconfigFile::parse(yaml, QStringLiteral("/k/config"), &error, &damaged));
        QVERIFY(damaged);
        QVERIFY2(error.contains(problem), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("left as it is")), qPrintable(error));
    }

    void savesWithABackupPrivately()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(kExisting);
            QVERIFY(
                f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
        }
        QString error;
        std::optional<KubeconfigFile> file = KubeconfigFile::load(path, &error);
        QVERIFY2(file, qPrintable(error));
        QVERIFY(file->existed());
        QVERIFY(file->addExecContext(execContext(), &error));
        QVERIFY2(file->save(&error), qPrintable(error));
        QCOMPARE(mode(path), 0600);
        QCOMPARE(readAll(file->backupPath()), kExisting); // the comment too
        QCOMPARE(mode(file->backupPath()), 0600);
        QCOMPARE(readAll(path), file->toYaml());
        // Read back, it is the same document.
        std::optional<KubeconfigFile> again = KubeconfigFile::load(path, &error);
        QVERIFY(again);
        QCOMPARE(again->contextNames(),
            (QStringList { QStringLiteral("prod"), QStringLiteral("kms-deploy-team-a") }));
    }

    void makesANewKubeconfigInAPrivateDirectory()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("new/.kube/config"));
        QString error;
        std::optional<KubeconfigFile> file = KubeconfigFile::load(path, &error);
        QVERIFY2(file, qPrintable(error));
        QVERIFY(!file->existed());
        QVERIFY(file->addExecContext(execContext(), &error));
        QVERIFY2(file->save(&error), qPrintable(error));
        QCOMPARE(mode(path), 0600);
        QCOMPARE(mode(QFileInfo(path).absolutePath()), 0700);
        QVERIFY(!QFile::exists(file->backupPath()));
        const YAML::Node root = YAML::Load(readAll(path).toStdString());
        QCOMPARE(root["kind"].Scalar(), std::string("Config"));
        QCOMPARE(root["apiVersion"].Scalar(), std::string("v1"));
    }

    void aDamagedFileOnDiskIsNeverOverwritten()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("clusters: [\n");
        }
        QString error;
        bool damaged = false;
        QVERIFY(!KubeconfigFile::load(path, &error, &damaged));
        QVERIFY(damaged);
        QCOMPARE(readAll(path), QByteArray("clusters: [\n"));
    }

    void readsAtMostItsBound()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.resize(KubeconfigFile::MaxFileBytes + 1));
        }
        QString error;
        bool damaged = false;
        QVERIFY(!KubeconfigFile::load(path, &error, &damaged));
        QVERIFY(damaged);
        QVERIFY2(error.contains(QStringLiteral("larger than 4 MiB")), qPrintable(error));
        QVERIFY(!KubeconfigFile::load(dir.path(), &error));
        QVERIFY2(error.contains(QStringLiteral("not a regular file")), qPrintable(error));
    }

    void lockIsExclusiveLikeKubectls()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config"));
        KubeconfigLock first(path);
        QVERIFY2(first.held(), qPrintable(first.error()));
        QVERIFY(QFile::exists(path + QStringLiteral(".lock")));
        KubeconfigLock second(path, 100);
        QVERIFY(!second.held());
        QVERIFY2(
            second.error().contains(QStringLiteral("locked by another program")), qPrintable(second.error()));
        QString error;
        QVERIFY(first.release(&error));
        QVERIFY(!QFile::exists(path + QStringLiteral(".lock")));
        KubeconfigLock third(path, 100);
        QVERIFY(third.held());
    }

    void execCredentialIsWhatKubectlReads()
    {
        const QByteArray json = ExecCredential::json(
            "header.payload.signature", QDateTime(QDate(2030, 1, 2), QTime(3, 4, 5, 600), Qt::UTC));
        QVERIFY(json.endsWith('\n'));
        const QJsonObject o = QJsonDocument::fromJson(json).object();
        QCOMPARE(o.value("apiVersion").toString(), QStringLiteral("client.authentication.k8s.io/v1"));
        QCOMPARE(o.value("kind").toString(), QStringLiteral("ExecCredential"));
        QCOMPARE(o.value("status").toObject().value("token").toString(),
            QStringLiteral("header.payload.signature"));
        QCOMPARE(o.value("status").toObject().value("expirationTimestamp").toString(),
            QStringLiteral("2030-01-02T03:04:05Z"));
        QCOMPARE(ExecCredential::execInfoProblem({}), QString());
        QCOMPARE(
            ExecCredential::execInfoProblem(
                R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}})"),
            QString());
        QVERIFY(ExecCredential::execInfoProblem(R"({"apiVersion":"client.authentication.k8s.io/v1beta1"})")
                    .contains(QStringLiteral("v1beta1")));
        QVERIFY(!ExecCredential::execInfoProblem("{").isEmpty());
        QVERIFY(!ExecCredential::execInfoProblem(QByteArray(65 * 1024, ' ')).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestKubeconfigFile)
#include "tst_kubeconfigfile.moc"
