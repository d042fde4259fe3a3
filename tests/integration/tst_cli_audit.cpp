#include "AuditTamper.h"
#include "CliRunner.h"
#include "TestSupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <QUuid>

#include "core/AuditEvent.h"

using namespace kms;
using kms::test::CliResult;
using kms::test::CliRunner;

class TestCliAudit : public QObject {
    Q_OBJECT
private:
    test::TempProfile *m_profile = nullptr;
    CliRunner *m_cli = nullptr;

    void createSecret(const QString &name)
    {
        const CliResult r
            = m_cli->run({ QStringLiteral("secret"), QStringLiteral("create"), name, QStringLiteral("--env"),
                             QStringLiteral("dev"), QStringLiteral("--type"), QStringLiteral("dynamic"),
                             QStringLiteral("--url"), QStringLiteral("https://cluster.example:6443"),
                             QStringLiteral("--token-stdin"), QStringLiteral("--namespaces"),
                             QStringLiteral("default"), QStringLiteral("--role-type"), QStringLiteral("Role"),
                             QStringLiteral("--role"), QStringLiteral("reader") },
                "audit-test-cluster-token");
        QVERIFY2(r.exitCode == 0, r.describe());
    }

    QJsonArray auditJson(const QStringList &extra = {})
    {
        const CliResult r = m_cli->run(
            QStringList { QStringLiteral("audit"), QStringLiteral("-o"), QStringLiteral("json") } + extra);
        if (r.exitCode != 0)
            qWarning("%s", r.describe().constData());
        return QJsonDocument::fromJson(r.out).array();
    }

private slots:
    void init()
    {
        m_profile = new test::TempProfile;
        m_cli = new CliRunner(m_profile->environment());
    }
    void cleanup()
    {
        delete m_cli;
        delete m_profile;
    }

    void recordsCreateAndDeleteWithActor()
    {
        createSecret(QStringLiteral("one"));
        createSecret(QStringLiteral("two"));
        QVERIFY(
            m_cli->run({ QStringLiteral("secret"), QStringLiteral("delete"), QStringLiteral("one") }).exitCode
            == 0);

        const QJsonArray events = auditJson();
        QCOMPARE(events.size(), 3);
        const QStringList kinds
            = { AuditEvent::SecretCreated, AuditEvent::SecretCreated, AuditEvent::SecretDeleted };
        const QStringList secrets = { QStringLiteral("one"), QStringLiteral("two"), QStringLiteral("one") };
        for (int i = 0; i < 3; ++i) {
            const QJsonObject e = events.at(i).toObject();
            QCOMPARE(e.value(QStringLiteral("seq")).toInt(), i + 1);
            QCOMPARE(e.value(QStringLiteral("kind")).toString(), kinds.at(i));
            QCOMPARE(e.value(QStringLiteral("secret")).toString(), secrets.at(i));
            QCOMPARE(e.value(QStringLiteral("actor")).toString(), AuditEvent::currentActor());
            QCOMPARE(e.value(QStringLiteral("hash")).toString().size(), 64);
        }
        QCOMPARE(auditJson({ QStringLiteral("--secret"), QStringLiteral("one") }).size(), 2);
        QCOMPARE(auditJson({ QStringLiteral("--kind"), QStringLiteral("secret.deleted") }).size(), 1);
        QCOMPARE(auditJson({ QStringLiteral("--limit"), QStringLiteral("1") })
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("seq"))
                     .toInt(),
            3);

        const CliResult table = m_cli->run({ QStringLiteral("audit") });
        QVERIFY2(table.exitCode == 0 && table.outText().contains(QStringLiteral("secret.deleted")),
            table.describe());
    }

    void verifyPassesThenDetectsTampering()
    {
        createSecret(QStringLiteral("one"));
        createSecret(QStringLiteral("two"));
        createSecret(QStringLiteral("three"));
        CliResult r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify") });
        QVERIFY2(r.exitCode == 0 && r.outText().contains(QStringLiteral("intact: 3 event(s)")), r.describe());
        r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("-o"),
            QStringLiteral("json") });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("intact")).toBool(), true);

        // Someone with the file rewrites event 2's secret name.
        {
            const QString name = QUuid::createUuid().toString();
            {
                QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
                raw.setDatabaseName(m_profile->dataDir() + QStringLiteral("/kms.sqlite"));
                QVERIFY(raw.open());
                QSqlQuery q(raw);
                QVERIFY(q.exec(QStringLiteral("DROP TRIGGER audit_events_no_update")));
                QVERIFY(
                    q.exec(QStringLiteral("UPDATE audit_events SET secret_name = 'forged' WHERE seq = 2")));
                raw.close();
            }
            QSqlDatabase::removeDatabase(name);
        }
        r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify") });
        QVERIFY2(r.exitCode == 1, r.describe());
        QVERIFY2(r.errText().contains(QStringLiteral("broken at event 2")), r.describe());
        r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("-o"),
            QStringLiteral("json") });
        QVERIFY2(r.exitCode == 1, r.describe());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value(QStringLiteral("intact")).toBool(true), false);
        QCOMPARE(o.value(QStringLiteral("firstBrokenSeq")).toInt(), 2);
    }

    // What someone with write access to the profile's files can do to the log,
    // recomputing the SHA-256 chain and the head afterwards; verify names the
    // first bad or missing event and exits 1.
    void verifyNamesTheFirstBadOrMissingEvent_data()
    {
        QTest::addColumn<QStringList>("statements");
        QTest::addColumn<int>("brokenSeq");
        QTest::newRow("edited") << QStringList { QStringLiteral(
            "UPDATE audit_events SET secret_name = 'forged' WHERE seq = 2") } << 2;
        QTest::newRow("deleted") << QStringList { QStringLiteral("DELETE FROM audit_events WHERE seq = 3"),
            QStringLiteral("UPDATE audit_events SET seq = seq + 100 WHERE seq > 3"),
            QStringLiteral("UPDATE audit_events SET seq = seq - 101 WHERE seq > 100") } << 3;
        QTest::newRow("reordered")
            << QStringList { QStringLiteral("UPDATE audit_events SET seq = 100 WHERE seq = 2"),
                   QStringLiteral("UPDATE audit_events SET seq = 2 WHERE seq = 3"),
                   QStringLiteral("UPDATE audit_events SET seq = 3 WHERE seq = 100") }
            << 2;
        QTest::newRow("inserted")
            << QStringList { QStringLiteral("UPDATE audit_events SET seq = seq + 100 WHERE seq > 2"),
                   QStringLiteral("UPDATE audit_events SET seq = seq - 99 WHERE seq > 100"),
                   QStringLiteral("INSERT INTO audit_events (seq, at, actor, kind, secret_name, lease_id, "
                                  "namespace, service_account, jti, expires_at, detail, prev_hash, hash) "
                                  "SELECT 3, at, actor, kind, 'inserted', lease_id, namespace, "
                                  "service_account, jti, expires_at, detail, '', '' FROM audit_events "
                                  "WHERE seq = 2") }
            << 3;
        QTest::newRow("chain recomputed")
            << QStringList { QStringLiteral("UPDATE audit_events SET actor = 'mallory@elsewhere'") } << 1;
        QTest::newRow("tail cut") << QStringList { QStringLiteral("DELETE FROM audit_events WHERE seq > 3") }
                                  << 4;
        QTest::newRow("emptied") << QStringList { QStringLiteral("DELETE FROM audit_events") } << 1;
    }
    void verifyNamesTheFirstBadOrMissingEvent()
    {
        QFETCH(QStringList, statements);
        QFETCH(int, brokenSeq);
        for (int i = 1; i <= 5; ++i)
            createSecret(QStringLiteral("s%1").arg(i));
        CliResult r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify") });
        QVERIFY2(r.exitCode == 0 && r.outText().contains(QStringLiteral("intact: 5 event")), r.describe());

        QString error;
        QVERIFY2(test::tamperAuditLog(m_profile->dataDir() + QStringLiteral("/kms.sqlite"), statements,
                     test::AuditChain::Recompute, &error),
            qPrintable(error));

        r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify") });
        QVERIFY2(r.exitCode == 1, r.describe());
        QVERIFY2(r.errText().contains(QStringLiteral("event %1").arg(brokenSeq)), r.describe());
        r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("-o"),
            QStringLiteral("json") });
        QVERIFY2(r.exitCode == 1, r.describe());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value(QStringLiteral("intact")).toBool(true), false);
        QCOMPARE(o.value(QStringLiteral("firstBrokenSeq")).toInt(), brokenSeq);
    }

    void emptyLogVerifies()
    {
        const CliResult r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify") });
        QVERIFY2(r.exitCode == 0 && r.outText().contains(QStringLiteral("0 event(s)")), r.describe());
        QCOMPARE(auditJson().size(), 0);
    }

    void badUsageExitsTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("verify with filter")
            << QStringList { QStringLiteral("--verify"), QStringLiteral("--secret"), QStringLiteral("x") }
            << "--verify:";
        QTest::newRow("limit not a number")
            << QStringList { QStringLiteral("--limit"), QStringLiteral("ten") } << "--limit: \"ten\"";
        QTest::newRow("limit zero") << QStringList { QStringLiteral("--limit"), QStringLiteral("0") }
                                    << "--limit:";
        QTest::newRow("stray argument") << QStringList { QStringLiteral("everything") } << "argument";
        QTest::newRow("bad output") << QStringList { QStringLiteral("-o"), QStringLiteral("csv") }
                                    << "-o/--output";
        QTest::newRow("unknown option") << QStringList { QStringLiteral("--since") } << "since";
    }
    void badUsageExitsTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const CliResult r = m_cli->run(QStringList { QStringLiteral("audit") } + args);
        QVERIFY2(r.exitCode == 2, r.describe());
        QVERIFY2(r.errText().contains(expected), r.describe());
    }
};

QTEST_GUILESS_MAIN(TestCliAudit)
#include "tst_cli_audit.moc"
