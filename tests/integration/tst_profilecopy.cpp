// hanzo-kmsctl profile copy: a SQLite profile with a secret, leases and an
// audit log moves into an empty PostgreSQL database; the team profile then
// has the same rows, the person's cluster token under the team profile's
// keychain service, an audit log that verifies, and its leases still revoke.
#include "CliRunner.h"
#include "TestCluster.h"
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace kms;
using namespace kms::test;

class TestProfileCopy : public QObject {
    Q_OBJECT

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
    void copiesASqliteProfileIntoAnEmptyTeamDatabase()
    {
        KMS_REQUIRE_POSTGRES();
        TestCluster cluster;
        QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
        const QByteArray requester = cluster.applySeedSetup();
        QVERIFY2(!requester.isEmpty(), qPrintable(cluster.errorString()));
        cluster.request("POST", "/api/v1/namespaces",
            { { "apiVersion", "v1" }, { "kind", "Namespace" },
                { "metadata", QJsonObject { { "name", "team-a" } } } });
        QTemporaryDir files;
        const auto write = [&](const QString &name, const QByteArray &data) {
            QFile f(files.filePath(name));
            if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
                qFatal("cannot write %s", qPrintable(name));
            return f.fileName();
        };
        const QString tokenFile = write(QStringLiteral("requester.token"), requester);
        const QString caFile = write(QStringLiteral("ca.crt"), cluster.caPem());

        // The SQLite profile, and the keychain services as a person has them
        // (no override): the team profile's entries are apart from the local one's.
        TempProfile local(Backend::SQLite);
        QProcessEnvironment env = local.environment();
        env.remove(QStringLiteral("HANZO_KMS_KEYCHAIN_SERVICE"));
        env.remove(QStringLiteral("HANZO_KMS_DATABASE_URL"));
        const CliRunner sqlite(env);
        CliResult r = sqlite.run({ "secret", "create", "deploy", "--env", "Development", "--type", "dynamic",
            "--url", cluster.url().toString(), "--ca-file", caFile, "--token-file", tokenFile, "--namespaces",
            "team-a", "--role-type", "ClusterRole", "--role", "kms-dynamic-role" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QStringList ids;
        QByteArray openToken;
        for (int i = 0; i < 3; ++i) {
            r = sqlite.run({ "lease", "create", "deploy", "--namespace", "team-a", "-o", "json" });
            QVERIFY2(r.exitCode == 0, r.describe());
            const QJsonObject lease = QJsonDocument::fromJson(r.out).object();
            ids << lease["id"].toString();
            openToken = lease["token"].toString().toUtf8();
        }
        r = sqlite.run({ "lease", "revoke", ids.first() });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = sqlite.run({ "profile", "set-name", "Alice Doe" });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = sqlite.run({ "audit", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        const qsizetype events = jsonArray(r).size();
        QVERIFY(events >= 5);

        QString error;
        const QString url = TestPostgres::createDatabase(&error);
        QVERIFY2(!url.isEmpty(), qPrintable(error));
        r = sqlite.run({ "profile", "copy", "--to", url });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY2(
            r.outText().contains(QStringLiteral("The copied audit log verifies (%1 events)").arg(events)),
            r.describe());
        QVERIFY2(r.outText().contains(QStringLiteral("1 keychain entries")), r.describe());

        // The team profile: the same secret (its token copied), leases and log.
        QProcessEnvironment teamEnv = env;
        teamEnv.insert(QStringLiteral("HANZO_KMS_DATABASE_URL"), url);
        const CliRunner team(teamEnv);
        r = team.run({ "profile", "show", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(QJsonDocument::fromJson(r.out).object()["backend"].toString(), QStringLiteral("postgresql"));
        // Display names come along: the team sees who made the copied leases.
        QCOMPARE(
            QJsonDocument::fromJson(r.out).object()["displayName"].toString(), QStringLiteral("Alice Doe"));
        r = team.run({ "secret", "list", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(find(jsonArray(r), "name", "deploy")["clusterToken"].toString(), QStringLiteral("stored"));
        r = team.run({ "lease", "list", "--all", "-o", "json" });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(jsonArray(r).size(), ids.size());
        QCOMPARE(find(jsonArray(r), "id", ids.first())["state"].toString(), QStringLiteral("revoked"));
        QCOMPARE(find(jsonArray(r), "id", ids.last())["state"].toString(), QStringLiteral("active"));
        r = team.run({ "audit", "--verify" });
        QVERIFY2(r.exitCode == 0, r.describe());

        // Work goes on in the team profile: a lease copied over revokes, new ids follow the copied ones.
        r = team.run({ "lease", "revoke", ids.last() });
        QVERIFY2(r.exitCode == 0, r.describe());
        const auto review = cluster.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
            { { "apiVersion", "authentication.k8s.io/v1" }, { "kind", "TokenReview" },
                { "spec", QJsonObject { { "token", QString::fromUtf8(openToken) } } } });
        QVERIFY(!review.json["status"]["authenticated"].toBool());
        r = team.run({ "secret", "create", "deploy-two", "--env", "Development", "--type", "dynamic", "--url",
            cluster.url().toString(), "--ca-file", caFile, "--token-file", tokenFile, "--namespaces",
            "team-a", "--role-type", "ClusterRole", "--role", "kms-dynamic-role" });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = team.run({ "lease", "create", "deploy-two", "--namespace", "team-a" });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = team.run({ "secret", "list", "-o", "json" });
        QCOMPARE(jsonArray(r).size(), 2);
        r = team.run({ "audit", "--verify" });
        QVERIFY2(r.exitCode == 0, r.describe());

        // Into a database that holds a profile: refused, and nothing changes.
        r = sqlite.run({ "profile", "copy", "--to", url });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("already holds a profile")), r.describe());
        r = team.run({ "lease", "list", "--all", "-o", "json" });
        QCOMPARE(jsonArray(r).size(), ids.size() + 1); // the copied ones and deploy-two's

        // Bad input: exit 2, naming the flag.
        r = sqlite.run({ "profile", "copy", "--to", "mysql://x@y/z" });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.errText().contains(QStringLiteral("--to:")), r.describe());
        r = team.run({ "profile", "copy", "--to", url });
        QCOMPARE(r.exitCode, 2);

        TestPostgres::dropDatabase(url);
    }
};

QTEST_GUILESS_MAIN(TestProfileCopy)
#include "tst_profilecopy.moc"
