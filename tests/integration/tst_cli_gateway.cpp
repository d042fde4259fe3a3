#include "CliRunner.h"
#include "TestSupport.h"
#include "gateway/GatewayRegistry.h"
#include "kube/GatewayCertificates.h"
#include "store/CredentialVault.h"

#include <QCoro/QCoroTask>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace kms;
using kms::test::CliResult;
using kms::test::CliRunner;

class TestCliGateway : public QObject {
    Q_OBJECT

    std::unique_ptr<test::TempProfile> m_profile;
    std::unique_ptr<CliRunner> m_cli;
    QTemporaryDir m_certs;
    GatewayCertificates::Bundle m_pki;

    QString file(const QString &name) const { return m_certs.filePath(QStringLiteral("c/") + name); }
    QStringList addArgs(const QString &name) const
    {
        return { QStringLiteral("gateway"), QStringLiteral("add"), name, QStringLiteral("--url"),
            QStringLiteral("https://localhost:8443"), QStringLiteral("--ca-file"),
            file(QStringLiteral("ca.crt")), QStringLiteral("--client-cert"),
            file(QStringLiteral("client.crt")), QStringLiteral("--client-key"),
            file(QStringLiteral("client.key")) };
    }
    QJsonArray listJson()
    {
        const CliResult r = m_cli->run({ QStringLiteral("gateway"), QStringLiteral("list"),
            QStringLiteral("-o"), QStringLiteral("json") });
        if (r.exitCode != 0)
            qWarning("%s", r.describe().constData());
        return QJsonDocument::fromJson(r.out).array();
    }

private slots:
    void initTestCase()
    {
        QString error;
        auto pki = GatewayCertificates::generate(
            { QStringLiteral("localhost") }, QStringLiteral("laptop-1"), 30, &error);
        QVERIFY(pki);
        m_pki = *pki;
        QVERIFY(GatewayCertificates::write(m_pki, m_certs.filePath(QStringLiteral("c")), &error));
    }

    void init()
    {
        m_profile = std::make_unique<test::TempProfile>();
        m_cli = std::make_unique<CliRunner>(m_profile->environment());
    }

    void cleanup()
    {
        QCoro::waitFor(CredentialVault().remove(GatewayRegistry::vaultKeyFor(QStringLiteral("prod"))));
        m_cli.reset();
        m_profile.reset();
    }

    void addListRemove()
    {
        const CliResult added = m_cli->run(addArgs(QStringLiteral("prod")));
        QVERIFY2(added.exitCode == 0, added.describe());
        QVERIFY(added.outText().contains(QLatin1String("Registered gateway \"prod\"")));
        QVERIFY(!added.out.contains("PRIVATE KEY") && !added.err.contains("PRIVATE KEY"));
        QCOMPARE(
            QCoro::waitFor(CredentialVault().get(GatewayRegistry::vaultKeyFor(QStringLiteral("prod")))).value,
            m_pki.clientKey);

        const QJsonArray list = listJson();
        QCOMPARE(list.size(), 1);
        const QJsonObject g = list.at(0).toObject();
        QCOMPARE(g.value(QLatin1String("name")).toString(), QStringLiteral("prod"));
        QCOMPARE(g.value(QLatin1String("url")).toString(), QStringLiteral("https://localhost:8443"));
        QCOMPARE(g.value(QLatin1String("clientCertificateSubject")).toString(), QStringLiteral("laptop-1"));
        const CliResult table = m_cli->run({ QStringLiteral("gateway"), QStringLiteral("list") });
        QCOMPARE(table.exitCode, 0);
        QVERIFY(table.outText().startsWith(QLatin1String("NAME")));
        QVERIFY(table.outText().contains(QLatin1String("prod")));

        // A secret may now name it; an unknown gateway is refused once any is registered.
        const QStringList secret { QStringLiteral("secret"), QStringLiteral("create"),
            QStringLiteral("private"), QStringLiteral("--env"), QStringLiteral("dev"),
            QStringLiteral("--type"), QStringLiteral("static"), QStringLiteral("--auth"),
            QStringLiteral("gateway"), QStringLiteral("--gateway"), QStringLiteral("prod"),
            QStringLiteral("--service-account"), QStringLiteral("sa"), QStringLiteral("--namespace"),
            QStringLiteral("apps") };
        const CliResult created = m_cli->run(secret);
        QVERIFY2(created.exitCode == 0, created.describe());
        QStringList wrong = secret;
        wrong[2] = QStringLiteral("other");
        wrong[10] = QStringLiteral("nope");
        const CliResult refused = m_cli->run(wrong);
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.errText().contains(QLatin1String("--gateway: Gateway \"nope\" is not registered")),
            refused.describe());

        const CliResult inUse
            = m_cli->run({ QStringLiteral("gateway"), QStringLiteral("remove"), QStringLiteral("prod") });
        QCOMPARE(inUse.exitCode, 2);
        QVERIFY2(
            inUse.errText().contains(QLatin1String("used by the dynamic secrets private")), inUse.describe());
        QCOMPARE(m_cli->run({ QStringLiteral("secret"), QStringLiteral("delete"), QStringLiteral("private") })
                     .exitCode,
            0);

        const CliResult removed
            = m_cli->run({ QStringLiteral("gateway"), QStringLiteral("remove"), QStringLiteral("prod") });
        QVERIFY2(removed.exitCode == 0, removed.describe());
        QVERIFY(listJson().isEmpty());
        QCOMPARE(
            QCoro::waitFor(CredentialVault().get(GatewayRegistry::vaultKeyFor(QStringLiteral("prod")))).error,
            VaultResult::Error::NotFound);
    }

    void badUsageExitsTwoNamingTheFlag_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no name") << QStringList { QStringLiteral("gateway"), QStringLiteral("add") }
                                 << "NAME";
        QTest::newRow("no url") << QStringList { QStringLiteral("gateway"), QStringLiteral("add"),
            QStringLiteral("g") }
                                << "--url: required.";
        QTest::newRow("missing ca file") << QStringList { QStringLiteral("gateway"), QStringLiteral("add"),
            QStringLiteral("g"), QStringLiteral("--url"), QStringLiteral("https://x:1"),
            QStringLiteral("--ca-file"), QStringLiteral("/nonexistent/ca.crt"),
            QStringLiteral("--client-cert"), QStringLiteral("/x"), QStringLiteral("--client-key"),
            QStringLiteral("/y") } << "--ca-file: cannot read /nonexistent/ca.crt";
        QTest::newRow("remove unknown") << QStringList { QStringLiteral("gateway"), QStringLiteral("remove"),
            QStringLiteral("zz") } << "there is no gateway \"zz\"";
        QTest::newRow("unknown subcommand") << QStringList { QStringLiteral("gateway"),
            QStringLiteral("frobnicate") } << "unknown command \"gateway frobnicate\"";
        QTest::newRow("bad output") << QStringList { QStringLiteral("gateway"), QStringLiteral("list"),
            QStringLiteral("-o"), QStringLiteral("xml") }
                                    << "-o";
    }

    void badUsageExitsTwoNamingTheFlag()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const CliResult r = m_cli->run(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.errText().contains(expected), r.describe());
    }

    void badMaterialIsRefusedAndNothingStored()
    {
        QStringList args = addArgs(QStringLiteral("prod"));
        args[args.indexOf(QStringLiteral("--client-key")) + 1] = file(QStringLiteral("server.key"));
        const CliResult r = m_cli->run(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(
            r.errText().contains(QLatin1String("does not belong to the client certificate")), r.describe());
        QVERIFY(!r.err.contains(m_pki.serverKey.split('\n').value(1)));
        QVERIFY(listJson().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliGateway)
#include "tst_cli_gateway.moc"
