#include "CliRunner.h"
#include "Fixtures.h"
#include "TestSupport.h"
#include "kube/GatewayCertificates.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/LeaseRepository.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <QCoro/QCoroTask>

using namespace kms;
using kms::test::CliResult;
using kms::test::CliRunner;

class TestCliSecret : public QObject {
    Q_OBJECT
private:
    test::TempProfile *m_profile = nullptr;
    CliRunner *m_cli = nullptr;
    QString m_tokenFile;

    QStringList staticArgs(const QString &name, const QString &env = QStringLiteral("Production")) const
    {
        return { QStringLiteral("secret"), QStringLiteral("create"), name, QStringLiteral("--env"), env,
            QStringLiteral("--type"), QStringLiteral("static"), QStringLiteral("--url"),
            QStringLiteral("https://kubernetes.example.com:6443"), QStringLiteral("--token-file"),
            m_tokenFile, QStringLiteral("--service-account"), QStringLiteral("builder"),
            QStringLiteral("--namespace"), QStringLiteral("ci") };
    }
    QStringList dynamicArgs(const QString &name) const
    {
        return { QStringLiteral("secret"), QStringLiteral("create"), name, QStringLiteral("--env"),
            QStringLiteral("staging"), QStringLiteral("--type"), QStringLiteral("dynamic"),
            QStringLiteral("--url"), QStringLiteral("https://10.0.0.1:6443"), QStringLiteral("--token-file"),
            m_tokenFile, QStringLiteral("--namespaces"), QStringLiteral("default, monitoring,default"),
            QStringLiteral("--role-type"), QStringLiteral("ClusterRole"), QStringLiteral("--role"),
            QStringLiteral("view"), QStringLiteral("--audiences"), QStringLiteral("api,vault"),
            QStringLiteral("--default-ttl"), QStringLiteral("30m"), QStringLiteral("--max-ttl"),
            QStringLiteral("1h30m") };
    }

    QJsonArray listJson(const QStringList &extra = {})
    {
        const CliResult r = m_cli->run(QStringList { QStringLiteral("secret"), QStringLiteral("list"),
                                           QStringLiteral("-o"), QStringLiteral("json") }
            + extra);
        if (r.exitCode != 0)
            qWarning("%s", r.describe().constData());
        return QJsonDocument::fromJson(r.out).array();
    }

private slots:
    void initTestCase_data() { test::addBackendRows(); }
    void init()
    {
        KMS_INIT_BACKEND();
        m_profile = new test::TempProfile;
        m_cli = new CliRunner(m_profile->environment());
        m_tokenFile = m_profile->dataDir() + QStringLiteral("/../")
            + QFileInfo(m_profile->dataDir()).fileName() + QStringLiteral(".token");
        QFile token(m_tokenFile);
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("cluster-token-for-cli-tests\n");
    }
    void cleanup()
    {
        if (!m_tokenFile.isEmpty())
            QFile::remove(m_tokenFile);
        m_tokenFile.clear();
        delete m_cli;
        m_cli = nullptr;
        delete m_profile;
        m_profile = nullptr;
    }

    void createListShowDelete()
    {
        CliResult r = m_cli->run(staticArgs(QStringLiteral("ci-deployer")));
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY2(r.outText().contains(QStringLiteral("Created dynamic secret \"ci-deployer\" in Production")),
            r.describe());
        r = m_cli->run(dynamicArgs(QStringLiteral("dev-access")));
        QVERIFY2(r.exitCode == 0, r.describe());

        const QJsonArray all = listJson();
        QCOMPARE(all.size(), 2);
        // Listed by environment order: Staging before Production.
        const QJsonObject dyn = all.at(0).toObject();
        QCOMPARE(dyn.value(QStringLiteral("name")).toString(), QStringLiteral("dev-access"));
        QCOMPARE(dyn.value(QStringLiteral("environment")).toString(), QStringLiteral("Staging"));
        QCOMPARE(dyn.value(QStringLiteral("type")).toString(), QStringLiteral("dynamic"));
        QCOMPARE(dyn.value(QStringLiteral("namespaces")).toArray(),
            QJsonArray({ QStringLiteral("default"), QStringLiteral("monitoring") }));
        QCOMPARE(dyn.value(QStringLiteral("audiences")).toArray(),
            QJsonArray({ QStringLiteral("api"), QStringLiteral("vault") }));
        QCOMPARE(dyn.value(QStringLiteral("roleType")).toString(), QStringLiteral("ClusterRole"));
        QCOMPARE(dyn.value(QStringLiteral("defaultTtlSeconds")).toInt(), 1800);
        QCOMPARE(dyn.value(QStringLiteral("maxTtl")).toString(), QStringLiteral("1h30m"));
        const QJsonObject stat = all.at(1).toObject();
        QCOMPARE(stat.value(QStringLiteral("name")).toString(), QStringLiteral("ci-deployer"));
        QCOMPARE(stat.value(QStringLiteral("serviceAccount")).toString(), QStringLiteral("builder"));
        QCOMPARE(stat.value(QStringLiteral("namespace")).toString(), QStringLiteral("ci"));
        QCOMPARE(stat.value(QStringLiteral("tlsVerify")).toBool(), true);
        QCOMPARE(stat.value(QStringLiteral("maxTtl")).toString(), QStringLiteral("1d"));

        QCOMPARE(listJson({ QStringLiteral("--env"), QStringLiteral("PRODUCTION") }).size(), 1);
        QCOMPARE(listJson({ QStringLiteral("--env"), QStringLiteral("Development") }).size(), 0);

        // The token is in the keychain under the secret's key.
        const qint64 id = stat.value(QStringLiteral("id")).toInteger();
        const VaultResult stored = QCoro::waitFor(
            CredentialVault(m_profile->keychainService()).get(DynamicSecret::vaultKeyFor(id)));
        QVERIFY2(stored.ok, qPrintable(stored.message));
        QCOMPARE(stored.value, QByteArray("cluster-token-for-cli-tests"));

        r = m_cli->run({ QStringLiteral("secret"), QStringLiteral("list") });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY(r.outText().contains(QStringLiteral("ci-deployer")));
        QVERIFY(r.outText().contains(QStringLiteral("https://10.0.0.1:6443")));

        r = m_cli->run({ QStringLiteral("secret"), QStringLiteral("show"), QStringLiteral("ci-deployer") });
        QVERIFY2(r.exitCode == 0, r.describe());
        for (const char *part : { "Name:", "ci-deployer", "Production", "Static", "Token (API)",
                 "https://kubernetes.example.com:6443", "builder", "never shown" })
            QVERIFY2(r.out.contains(part), r.describe());
        r = m_cli->run({ QStringLiteral("secret"), QStringLiteral("show"), QStringLiteral("dev-access"),
            QStringLiteral("--env"), QStringLiteral("staging"), QStringLiteral("-o"),
            QStringLiteral("json") });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("role")).toString(),
            QStringLiteral("view"));

        r = m_cli->run({ QStringLiteral("secret"), QStringLiteral("delete"), QStringLiteral("ci-deployer") });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(listJson().size(), 1);
        QCOMPARE(
            QCoro::waitFor(CredentialVault(m_profile->keychainService()).get(DynamicSecret::vaultKeyFor(id)))
                .error,
            VaultResult::Error::NotFound);
        r = m_cli->run({ QStringLiteral("secret"), QStringLiteral("delete"), QStringLiteral("ci-deployer") });
        QVERIFY2(r.exitCode == 1 && r.errText().contains(QStringLiteral("no dynamic secret \"ci-deployer\"")),
            r.describe());
        r = m_cli->run({ QStringLiteral("secret"), QStringLiteral("show"), QStringLiteral("ci-deployer") });
        QVERIFY2(r.exitCode == 1, r.describe());
    }

    void readsTheTokenFromStdin()
    {
        QStringList args = staticArgs(QStringLiteral("from-stdin"));
        const qsizetype i = args.indexOf(QStringLiteral("--token-file"));
        args.remove(i, 2);
        args << QStringLiteral("--token-stdin");
        const CliResult r = m_cli->run(args, "  token-from-stdin-1234 \n");
        QVERIFY2(r.exitCode == 0, r.describe());
        const qint64 id = listJson().at(0).toObject().value(QStringLiteral("id")).toInteger();
        QCOMPARE(
            QCoro::waitFor(CredentialVault(m_profile->keychainService()).get(DynamicSecret::vaultKeyFor(id)))
                .value,
            QByteArray("token-from-stdin-1234"));
    }

    void gatewaySecretsNeedNoToken()
    {
        const QStringList create { QStringLiteral("secret"), QStringLiteral("create"),
            QStringLiteral("private"), QStringLiteral("--env"), QStringLiteral("dev"),
            QStringLiteral("--type"), QStringLiteral("static"), QStringLiteral("--auth"),
            QStringLiteral("gateway"), QStringLiteral("--gateway"), QStringLiteral("gw-1"),
            QStringLiteral("--service-account"), QStringLiteral("sa"), QStringLiteral("--namespace"),
            QStringLiteral("apps"), QStringLiteral("--bound") };
        // No gateway registered yet: the name is unknown.
        const CliResult unknown = m_cli->run(create);
        QVERIFY2(unknown.exitCode == 2, unknown.describe());
        QVERIFY2(unknown.errText().contains(QStringLiteral("--gateway: Gateway \"gw-1\" is not registered")),
            unknown.describe());

        QString error;
        const auto certs = GatewayCertificates::generate(
            { QStringLiteral("gw.example") }, QStringLiteral("desk"), 30, &error);
        QVERIFY2(certs, qPrintable(error));
        QTemporaryDir dir;
        QVERIFY2(GatewayCertificates::write(*certs, dir.filePath(QStringLiteral("certs")), &error),
            qPrintable(error));
        const CliResult added = m_cli->run({ QStringLiteral("gateway"), QStringLiteral("add"),
            QStringLiteral("gw-1"), QStringLiteral("--url"), QStringLiteral("https://gw.example:8443"),
            QStringLiteral("--ca-file"), dir.filePath(QStringLiteral("certs/ca.crt")),
            QStringLiteral("--client-cert"), dir.filePath(QStringLiteral("certs/client.crt")),
            QStringLiteral("--client-key"), dir.filePath(QStringLiteral("certs/client.key")) });
        QVERIFY2(added.exitCode == 0, added.describe());

        const CliResult r = m_cli->run(create);
        QVERIFY2(r.exitCode == 0, r.describe());
        const QJsonObject s = listJson().at(0).toObject();
        QCOMPARE(s.value(QStringLiteral("auth")).toString(), QStringLiteral("gateway"));
        QCOMPARE(s.value(QStringLiteral("gateway")).toString(), QStringLiteral("gw-1"));
        QCOMPARE(s.value(QStringLiteral("boundTokens")).toBool(), true);
        QVERIFY(!s.contains(QStringLiteral("url")));
    }

    void badInputExitsTwoNamingTheField_data()
    {
        QTest::addColumn<QStringList>(
            "replace"); // flag, value pairs to set ("" value: flag only; "-" : remove)
        QTest::addColumn<QString>("field");
        const auto row = [](const char *tag, QStringList replace, const char *field) {
            QTest::newRow(tag) << replace << QString::fromLatin1(field);
        };
        row("name upper case", { QStringLiteral("NAME"), QStringLiteral("Bad_Name") },
            "NAME: Name \"Bad_Name\"");
        row("unknown environment", { QStringLiteral("--env"), QStringLiteral("qa") },
            "--env: there is no environment");
        row("missing environment", { QStringLiteral("--env"), QStringLiteral("-") }, "--env:");
        row("missing type", { QStringLiteral("--type"), QStringLiteral("-") }, "--type:");
        row("unknown type", { QStringLiteral("--type"), QStringLiteral("magic") },
            "--type: unknown credential type");
        row("unknown auth", { QStringLiteral("--auth"), QStringLiteral("kerberos") },
            "--auth: unknown authentication");
        row("http url", { QStringLiteral("--url"), QStringLiteral("http://k8s") },
            "--url: Cluster URL must be");
        row("missing url", { QStringLiteral("--url"), QStringLiteral("-") },
            "--url: Cluster URL is required");
        row("max ttl too short", { QStringLiteral("--max-ttl"), QStringLiteral("5m") },
            "--max-ttl: Max TTL must be at least 10 minutes (got 5m).");
        row("default ttl too short", { QStringLiteral("--default-ttl"), QStringLiteral("9m59s") },
            "--default-ttl: Default TTL must be at least 10 minutes");
        row("default above max", { QStringLiteral("--default-ttl"), QStringLiteral("2d") },
            "--default-ttl: Default TTL (2d) must not be longer than the max TTL (1d).");
        row("ttl garbage", { QStringLiteral("--max-ttl"), QStringLiteral("1 hour") },
            "--max-ttl: Duration \"1 hour\"");
        row("ttl negative", { QStringLiteral("--default-ttl"), QStringLiteral("-1h") },
            "--default-ttl: Duration");
        row("ttl zero", { QStringLiteral("--max-ttl"), QStringLiteral("0") },
            "--max-ttl: Duration \"0\" is zero");
        row("ttl overflow", { QStringLiteral("--max-ttl"), QStringLiteral("99999999999999999999d") },
            "--max-ttl: Duration");
        row("missing token", { QStringLiteral("--token-file"), QStringLiteral("-") },
            "--token-file/--token-stdin:");
        row("token file missing", { QStringLiteral("--token-file"), QStringLiteral("/nonexistent/token") },
            "--token-file: cannot read /nonexistent/token");
        row("both token sources", { QStringLiteral("--token-stdin"), QString() },
            "--token-file/--token-stdin:");
        row("ca file missing", { QStringLiteral("--ca-file"), QStringLiteral("/nonexistent/ca.pem") },
            "--ca-file: cannot read");
        row("ca file not pem", { QStringLiteral("--ca-file"), QStringLiteral("@tokenfile") },
            "--ca-file: CA certificate is not a PEM certificate");
        row("service account invalid", { QStringLiteral("--service-account"), QStringLiteral("Builder!") },
            "--service-account: Service account \"Builder!\"");
        row("service account missing", { QStringLiteral("--service-account"), QStringLiteral("-") },
            "--service-account: Service account is required");
        row("namespace invalid", { QStringLiteral("--namespace"), QStringLiteral("my.ns") },
            "--namespace: Namespace \"my.ns\"");
        row("dynamic flag on static", { QStringLiteral("--role"), QStringLiteral("view") },
            "--role: applies only with --type dynamic");
        row("cluster-wide on static", { QStringLiteral("--cluster-wide"), QString() },
            "--cluster-wide: applies only with --type dynamic");
        // Token auth through a gateway: the gateway reaches the API server, so no URL of its own.
        row("gateway flag with a cluster url", { QStringLiteral("--gateway"), QStringLiteral("gw") },
            "--url: not with --gateway, which reaches the API server itself");
        row("audiences empty entry", { QStringLiteral("--audiences"), QStringLiteral("a,,b") },
            "--audiences: Audiences \"a,,b\" has an empty entry");
        row("unknown option", { QStringLiteral("--frobnicate"), QString() }, "frobnicate");
        row("extra argument", { QStringLiteral("EXTRA"), QStringLiteral("second-name") },
            "takes 1 argument,");
    }
    void badInputExitsTwoNamingTheField()
    {
        QFETCH(QStringList, replace);
        QFETCH(QString, field);
        QStringList args = staticArgs(QStringLiteral("good-name"));
        for (qsizetype i = 0; i + 1 < replace.size(); i += 2) {
            const QString flag = replace.at(i);
            QString value = replace.at(i + 1);
            if (value == QLatin1String("@tokenfile"))
                value = m_tokenFile;
            if (flag == QLatin1String("NAME")) {
                args[2] = value;
                continue;
            }
            if (flag == QLatin1String("EXTRA")) {
                args.insert(3, value);
                continue;
            }
            const qsizetype at = args.indexOf(flag);
            if (value == QLatin1String("-")) {
                QVERIFY(at >= 0);
                args.remove(at, 2);
            } else if (at >= 0) {
                args[at + 1] = value;
            } else {
                args << flag;
                if (!value.isEmpty())
                    args << value;
            }
        }
        const CliResult r = m_cli->run(args);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(field), r.describe());
        QVERIFY2(r.errText().startsWith(QStringLiteral("hanzo-kmsctl: ")), r.describe());
        QVERIFY2(r.out.isEmpty(), r.describe());
        QCOMPARE(listJson().size(), 0); // nothing created
    }

    void dynamicBadInputExitsTwo_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("namespaces empty entry") << "--namespaces"
                                                << "default,,x"
                                                << "--namespaces: Allowed namespaces";
        QTest::newRow("namespaces invalid") << "--namespaces"
                                            << "default,Kube_System"
                                            << "--namespaces: Allowed namespace \"Kube_System\"";
        QTest::newRow("namespaces blank") << "--namespaces"
                                          << " "
                                          << "--namespaces: Allowed namespaces must list";
        QTest::newRow("role type unknown") << "--role-type"
                                           << "Group"
                                           << "--role-type: unknown role type \"Group\"";
        QTest::newRow("role invalid") << "--role"
                                      << "a/b"
                                      << "--role: Role \"a/b\"";
        QTest::newRow("role missing") << "--role"
                                      << "-"
                                      << "--role: Role is required";
        QTest::newRow("cluster-wide with Role")
            << "--cluster-wide"
            << "Role"
            << "--cluster-wide: Cluster-wide binding needs role type ClusterRole";
        QTest::newRow("bound on dynamic") << "--bound"
                                          << ""
                                          << "--bound: applies only with --type static";
        QTest::newRow("static flag on dynamic") << "--service-account"
                                                << "sa"
                                                << "--service-account: applies only with --type static";
    }
    void dynamicBadInputExitsTwo()
    {
        QFETCH(QString, flag);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        QStringList args = dynamicArgs(QStringLiteral("dyn"));
        if (flag == QLatin1String("--cluster-wide")) {
            args[args.indexOf(QStringLiteral("--role-type")) + 1] = value;
            args << flag;
        } else if (value == QLatin1String("-")) {
            args.remove(args.indexOf(flag), 2);
        } else if (args.contains(flag)) {
            args[args.indexOf(flag) + 1] = value;
        } else {
            args << flag;
            if (!value.isEmpty())
                args << value;
        }
        const CliResult r = m_cli->run(args);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
        QCOMPARE(listJson().size(), 0);
    }

    void tokenFileProblemsExitTwoWithoutShowingTheToken_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << QByteArray() << "holds no token";
        QTest::newRow("blank lines") << QByteArray("\n\n  \n") << "holds no token";
        QTest::newRow("two words") << QByteArray("secret-part-one secret-part-two\n") << "contains spaces";
        QTest::newRow("two lines") << QByteArray("secret-part-one\nsecret-part-two\n") << "contains spaces";
        QTest::newRow("non-ascii") << QByteArray("secret-part-\xc3\xa9\n") << "non-ASCII";
        QTest::newRow("too long for a header")
            << "secret-part-" + QByteArray(16 * 1024, 'a') << "longer than 16 KiB";
        QTest::newRow("over 64 KiB") << "secret-part-" + QByteArray(70 * 1024, 'a') << "64 KiB";
    }
    void tokenFileProblemsExitTwoWithoutShowingTheToken()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        {
            QFile token(m_tokenFile);
            QVERIFY(token.open(QIODevice::WriteOnly | QIODevice::Truncate));
            token.write(content);
        }
        const CliResult r = m_cli->run(staticArgs(QStringLiteral("ci")));
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(QStringLiteral("--token-file: ")) && r.errText().contains(expected),
            r.describe());
        QVERIFY(!r.err.contains("secret-part"));
        // The same through stdin.
        QStringList args = staticArgs(QStringLiteral("ci"));
        args.remove(args.indexOf(QStringLiteral("--token-file")), 2);
        args << QStringLiteral("--token-stdin");
        const CliResult s = m_cli->run(args, content);
        QVERIFY2(s.exitCode == 2 && s.errText().contains(QStringLiteral("--token-stdin: ")), s.describe());
        QVERIFY(!s.err.contains("secret-part"));
    }

    void duplicateNameExitsTwo()
    {
        QVERIFY(m_cli->run(staticArgs(QStringLiteral("ci"))).exitCode == 0);
        const CliResult r = m_cli->run(staticArgs(QStringLiteral("ci")));
        QVERIFY2(r.exitCode == 2 && r.errText().contains(QStringLiteral("NAME: Name \"ci\" is already used")),
            r.describe());
        // Another environment is fine.
        QVERIFY(m_cli->run(staticArgs(QStringLiteral("ci"), QStringLiteral("Staging"))).exitCode == 0);
        const CliResult ambiguous
            = m_cli->run({ QStringLiteral("secret"), QStringLiteral("show"), QStringLiteral("ci") });
        QVERIFY2(ambiguous.exitCode == 2
                && ambiguous.errText().contains(QStringLiteral(
                    "Dynamic secret \"ci\" exists in Staging, Production; choose one with --env.")),
            ambiguous.describe());
        const CliResult chosen = m_cli->run({ QStringLiteral("secret"), QStringLiteral("show"),
            QStringLiteral("ci"), QStringLiteral("--env"), QStringLiteral("staging") });
        QVERIFY2(
            chosen.exitCode == 0 && chosen.outText().contains(QStringLiteral("Staging")), chosen.describe());
    }

    void deleteRevokesOpenLeasesFirstAndKeepsTheSecretWhenThatFails()
    {
        // Nothing listens on this cluster's port: its lease cannot be revoked.
        QStringList args = staticArgs(QStringLiteral("ci"));
        args[args.indexOf(QStringLiteral("--url")) + 1] = QStringLiteral("https://127.0.0.1:1");
        QVERIFY(m_cli->run(args).exitCode == 0);
        const qint64 id = listJson().at(0).toObject().value(QStringLiteral("id")).toInteger();
        const Lease lease = test::activeLease(id, QDateTime::currentDateTimeUtc());
        {
            Database db;
            QVERIFY2(m_profile->open(db), qPrintable(db.lastError()));
            QVERIFY(LeaseRepository(db).insert(lease));
        }
        CliResult r
            = m_cli->run({ QStringLiteral("secret"), QStringLiteral("delete"), QStringLiteral("ci") });
        QVERIFY2(r.exitCode == 1
                && r.errText().contains(
                    QStringLiteral("was kept because lease %1 could not be revoked").arg(lease.id))
                && r.errText().contains(QStringLiteral("--force")),
            r.describe());
        QCOMPARE(listJson().size(), 1);
        QVERIFY(
            QCoro::waitFor(CredentialVault(m_profile->keychainService()).get(DynamicSecret::vaultKeyFor(id)))
                .ok);
        r = m_cli->run({ QStringLiteral("secret"), QStringLiteral("delete"), QStringLiteral("ci"),
            QStringLiteral("--force") });
        QVERIFY2(r.exitCode == 0
                && r.outText().contains(
                    QStringLiteral("Lease %1 was not revoked: its token stays valid until it expires at ")
                        .arg(lease.id))
                && r.outText().contains(QStringLiteral("Deleted dynamic secret \"ci\" from Production.")),
            r.describe());
        QCOMPARE(listJson().size(), 0);
        QCOMPARE(
            QCoro::waitFor(CredentialVault(m_profile->keychainService()).get(DynamicSecret::vaultKeyFor(id)))
                .error,
            VaultResult::Error::NotFound);
    }

    void withoutAKeychainNothingIsCreated()
    {
        QProcessEnvironment env = m_profile->environment();
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
            QStringLiteral("unix:path=/nonexistent/kms-test-bus"));
        const CliRunner noKeychain(env);
        const CliResult r = noKeychain.run(staticArgs(QStringLiteral("ci")));
        QVERIFY2(r.exitCode == 1, r.describe());
        QVERIFY2(r.errText().contains(QStringLiteral("no keychain is available"))
                && r.errText().contains(QStringLiteral("gnome-keyring"))
                && r.errText().contains(QStringLiteral("Nothing was created")),
            r.describe());
        QCOMPARE(listJson().size(), 0);
        const CliResult audit
            = m_cli->run({ QStringLiteral("audit"), QStringLiteral("-o"), QStringLiteral("json") });
        QCOMPARE(QJsonDocument::fromJson(audit.out).array().size(), 0);
    }

    void globalDataDirWins()
    {
        QTemporaryDir other;
        QVERIFY(m_cli
                    ->run(QStringList { QStringLiteral("--data-dir"), other.path() }
                        + staticArgs(QStringLiteral("ci")))
                    .exitCode
            == 0);
        QVERIFY(QFile::exists(other.path() + QStringLiteral("/kms.sqlite")));
        QCOMPARE(listJson().size(), 0);
        const CliResult r = m_cli->run({ QStringLiteral("secret"), QStringLiteral("list"),
            QStringLiteral("-o"), QStringLiteral("json"), QStringLiteral("--data-dir=") + other.path() });
        QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 1);
        const CliResult missing
            = m_cli->run({ QStringLiteral("secret"), QStringLiteral("list"), QStringLiteral("--data-dir") });
        QVERIFY2(missing.exitCode == 2 && missing.errText().contains(QStringLiteral("--data-dir")),
            missing.describe());
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("nothing") << QStringList() << "Usage:";
        QTest::newRow("unknown group")
            << QStringList { QStringLiteral("secrets") } << "unknown command \"secrets\"";
        QTest::newRow("unknown command") << QStringList { QStringLiteral("secret"), QStringLiteral("rotate") }
                                         << "unknown command \"secret rotate\"";
        QTest::newRow("group alone") << QStringList { QStringLiteral("secret") }
                                     << "Usage: hanzo-kmsctl secret";
        QTest::newRow("bad output format") << QStringList { QStringLiteral("secret"), QStringLiteral("list"),
            QStringLiteral("-o"), QStringLiteral("yaml") }
                                           << "-o/--output: unknown output format \"yaml\"";
        QTest::newRow("show without name")
            << QStringList { QStringLiteral("secret"), QStringLiteral("show") } << "takes 1 argument, got 0";
        QTest::newRow("list unknown env") << QStringList { QStringLiteral("secret"), QStringLiteral("list"),
            QStringLiteral("--env"), QStringLiteral("qa") }
                                          << "--env: there is no environment \"qa\"";
        QTest::newRow("show unknown env") << QStringList { QStringLiteral("secret"), QStringLiteral("show"),
            QStringLiteral("x"), QStringLiteral("--env"), QStringLiteral("qa") }
                                          << "--env: there is no environment \"qa\"";
    }
    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const CliResult r = m_cli->run(args);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
    }

    void everyCommandHasCompleteHelp_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("overview") << QStringList { QStringLiteral("--help") }
                                  << QStringList { QStringLiteral("secret create"),
                                         QStringLiteral("secret list"), QStringLiteral("secret show"),
                                         QStringLiteral("secret delete"), QStringLiteral("audit"),
                                         QStringLiteral("--data-dir"), QStringLiteral("--version"),
                                         QStringLiteral("Exit status") };
        QTest::newRow("secret") << QStringList { QStringLiteral("secret"), QStringLiteral("--help") }
                                << QStringList { QStringLiteral("create"), QStringLiteral("delete") };
        QTest::newRow("create")
            << QStringList { QStringLiteral("secret"), QStringLiteral("create"), QStringLiteral("--help") }
            << QStringList { QStringLiteral("Usage: hanzo-kmsctl secret create NAME"),
                   QStringLiteral("--env"), QStringLiteral("--type"), QStringLiteral("--auth"),
                   QStringLiteral("--url"), QStringLiteral("--ca-file"),
                   QStringLiteral("--insecure-skip-tls-verify"), QStringLiteral("--token-file"),
                   QStringLiteral("--token-stdin"), QStringLiteral("--gateway"),
                   QStringLiteral("--service-account"), QStringLiteral("--namespace "),
                   QStringLiteral("--namespaces"), QStringLiteral("--role-type"), QStringLiteral("--role "),
                   QStringLiteral("--cluster-wide"), QStringLiteral("--audiences"),
                   QStringLiteral("--default-ttl"), QStringLiteral("--max-ttl"), QStringLiteral("--bound") };
        QTest::newRow("list") << QStringList { QStringLiteral("secret"), QStringLiteral("list"),
            QStringLiteral("-h") }
                              << QStringList { QStringLiteral("--env"), QStringLiteral("--output") };
        QTest::newRow("show") << QStringList { QStringLiteral("secret"), QStringLiteral("show"),
            QStringLiteral("--help") }
                              << QStringList { QStringLiteral("NAME"), QStringLiteral("--env"),
                                     QStringLiteral("--output"), QStringLiteral("never shown") };
        QTest::newRow("delete") << QStringList {
            QStringLiteral("secret"), QStringLiteral("delete"), QStringLiteral("--help")
        } << QStringList { QStringLiteral("NAME"), QStringLiteral("--env"), QStringLiteral("--force") };
        QTest::newRow("audit") << QStringList { QStringLiteral("audit"), QStringLiteral("--help") }
                               << QStringList { QStringLiteral("--verify"), QStringLiteral("--secret"),
                                      QStringLiteral("--lease"), QStringLiteral("--kind"),
                                      QStringLiteral("--limit"), QStringLiteral("--output") };
    }
    void everyCommandHasCompleteHelp()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, mentions);
        const CliResult r = m_cli->run(args);
        QVERIFY2(r.exitCode == 0, r.describe());
        for (const QString &m : mentions)
            QVERIFY2(r.outText().contains(m), qPrintable(m + QStringLiteral(" missing in:\n") + r.outText()));
    }

    void printsTheVersion()
    {
        const CliResult r = m_cli->run({ QStringLiteral("--version") });
        QVERIFY2(r.exitCode == 0, r.describe());
        QVERIFY2(r.outText().startsWith(QStringLiteral("hanzo-kmsctl "))
                && r.outText().contains(QStringLiteral("QtKeychain")),
            r.describe());
    }
};

QTEST_GUILESS_MAIN(TestCliSecret)
#include "tst_cli_secret.moc"
