#include "AuditTamper.h"
#include "CliRunner.h"
#include "TestSupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
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
        QVERIFY2(r.exitCode == 0 && r.outText().contains(QStringLiteral("intact: 3 events verified")),
            r.describe());
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
        QTest::newRow("edited") << QStringList {
            QStringLiteral("UPDATE audit_events SET secret_name = 'forged' WHERE seq = 2")
        } << 2;
        QTest::newRow("deleted") << QStringList { QStringLiteral("DELETE FROM audit_events WHERE seq = 3"),
            QStringLiteral("UPDATE audit_events SET seq = seq + 100 WHERE seq > 3"),
            QStringLiteral("UPDATE audit_events SET seq = seq - 101 WHERE seq > 100") }
                                 << 3;
        QTest::newRow("reordered") << QStringList {
            QStringLiteral("UPDATE audit_events SET seq = 100 WHERE seq = 2"),
            QStringLiteral("UPDATE audit_events SET seq = 2 WHERE seq = 3"),
            QStringLiteral("UPDATE audit_events SET seq = 3 WHERE seq = 100")
        } << 2;
        QTest::newRow("inserted") << QStringList {
            QStringLiteral("UPDATE audit_events SET seq = seq + 100 WHERE seq > 2"),
            QStringLiteral("UPDATE audit_events SET seq = seq - 99 WHERE seq > 100"),
            QStringLiteral("INSERT INTO audit_events (seq, at, actor, kind, secret_name, lease_id, "
                           "namespace, service_account, jti, expires_at, detail, prev_hash, hash) "
                           "SELECT 3, at, actor, kind, 'inserted', lease_id, namespace, "
                           "service_account, jti, expires_at, detail, '', '' FROM audit_events "
                           "WHERE seq = 2")
        } << 3;
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

    void verifyFailsWhenThePublicKeyIsSwapped()
    {
        for (int i = 1; i <= 3; ++i)
            createSecret(QStringLiteral("s%1").arg(i));
        // Another valid Ed25519 public key (RFC 8032 test 1's) in place of the writer's.
        QString error;
        QVERIFY2(test::tamperAuditLog(m_profile->dataDir() + QStringLiteral("/kms.sqlite"),
                     { QStringLiteral("UPDATE audit_keys SET public_key = '%1'")
                             .arg(QString::fromLatin1(QByteArray::fromHex(
                                 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
                                                          .toBase64())) },
                     test::AuditChain::AsIs, &error),
            qPrintable(error));
        const CliResult r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify") });
        QVERIFY2(r.exitCode == 1 && r.errText().contains(QStringLiteral("event 1"))
                && r.errText().contains(QStringLiteral("signature")),
            r.describe());
    }

    void exportVerifiesOffline()
    {
        for (int i = 1; i <= 3; ++i)
            createSecret(QStringLiteral("s%1").arg(i));
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("audit.json"));
        CliResult r = m_cli->run(
            { QStringLiteral("audit"), QStringLiteral("export"), QStringLiteral("--file"), file });
        QVERIFY2(r.exitCode == 0, r.describe());
        QFile exported(file);
        QVERIFY(exported.open(QIODevice::ReadOnly));
        const QByteArray json = exported.readAll();
        exported.close();
        const QJsonObject root = QJsonDocument::fromJson(json).object();
        QCOMPARE(root.value(QStringLiteral("events")).toArray().size(), 3);
        QCOMPARE(root.value(QStringLiteral("keys")).toArray().size(), 1);
        QCOMPARE(root.value(QStringLiteral("keys"))
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("actor"))
                     .toString(),
            AuditEvent::currentActor());
        QVERIFY(!root.value(QStringLiteral("events"))
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("signature"))
                     .toString()
                     .isEmpty());
        // To stdout, the same log.
        r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("export") });
        QVERIFY2(r.exitCode == 0, r.describe());
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("events")),
            root.value(QStringLiteral("events")));

        // A third party: another profile (or none) checks the file alone.
        test::TempProfile elsewhere;
        const CliRunner thirdParty(elsewhere.environment());
        r = thirdParty.run(
            { QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("--file"), file });
        QVERIFY2(r.exitCode == 0 && r.outText().contains(QStringLiteral("intact: 3 event")), r.describe());
        QVERIFY(!QFile::exists(
            elsewhere.dataDir() + QStringLiteral("/kms.sqlite"))); // offline: no profile opened

        const auto writeVariant = [&](const std::function<void(QJsonObject &)> &change) {
            QJsonObject changed = root;
            change(changed);
            QFile out(dir.filePath(QStringLiteral("changed.json")));
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                return QString();
            out.write(QJsonDocument(changed).toJson());
            return out.fileName();
        };
        // An edited event.
        QString changed = writeVariant([](QJsonObject &o) {
            QJsonArray events = o.value(QStringLiteral("events")).toArray();
            QJsonObject second = events.at(1).toObject();
            second.insert(QStringLiteral("secret"), QStringLiteral("forged"));
            events.replace(1, second);
            o.insert(QStringLiteral("events"), events);
        });
        r = thirdParty.run(
            { QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("--file"), changed });
        QVERIFY2(r.exitCode == 1 && r.errText().contains(QStringLiteral("event 2")), r.describe());
        // A swapped public key.
        changed = writeVariant([](QJsonObject &o) {
            QJsonArray keys = o.value(QStringLiteral("keys")).toArray();
            QJsonObject key = keys.at(0).toObject();
            key.insert(QStringLiteral("publicKey"),
                QString::fromLatin1(
                    QByteArray::fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
                        .toBase64()));
            keys.replace(0, key);
            o.insert(QStringLiteral("keys"), keys);
        });
        r = thirdParty.run({ QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("--file"),
            changed, QStringLiteral("-o"), QStringLiteral("json") });
        QVERIFY2(r.exitCode == 1, r.describe());
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("firstBrokenSeq")).toInt(), 1);
        // The newest event removed from the file, head left as it was.
        changed = writeVariant([](QJsonObject &o) {
            QJsonArray events = o.value(QStringLiteral("events")).toArray();
            events.removeLast();
            o.insert(QStringLiteral("events"), events);
        });
        r = thirdParty.run(
            { QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("--file"), changed });
        QVERIFY2(r.exitCode == 1 && r.errText().contains(QStringLiteral("event 3")), r.describe());
    }

    void verifyFileRefusesBadInput_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("content"); // written to path when not empty
        QTest::addColumn<QString>("expected");
        QTest::newRow("endless device") << QStringLiteral("/dev/zero") << QByteArray() << "larger than";
        QTest::newRow("missing") << QStringLiteral("missing.json") << QByteArray() << "cannot read";
        QTest::newRow("not json") << QStringLiteral("bad.json") << QByteArray("{ nope")
                                  << "not an audit export";
        QTest::newRow("other json") << QStringLiteral("other.json") << QByteArray("{\"events\":[]}")
                                    << "not an audit export";
    }
    void verifyFileRefusesBadInput()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        if (!path.startsWith(QLatin1Char('/')))
            path = dir.filePath(path);
        if (!content.isEmpty()) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(content);
        }
        QElapsedTimer timer;
        timer.start();
        const CliResult r = m_cli->run(
            { QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("--file"), path });
        QVERIFY2(r.exitCode == 2 && r.errText().contains(expected), r.describe());
        QCOMPARE(r.errText().count(QLatin1Char('\n')), 1); // one sentence
        QVERIFY2(timer.elapsed() < 5000 * test::SanitizerFactor, QByteArray::number(timer.elapsed()));
    }

    void emptyLogVerifies()
    {
        const CliResult r = m_cli->run({ QStringLiteral("audit"), QStringLiteral("--verify") });
        QVERIFY2(r.exitCode == 0 && r.outText().contains(QStringLiteral("0 events")), r.describe());
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
        QTest::newRow("export with filter")
            << QStringList { QStringLiteral("export"), QStringLiteral("--kind"), QStringLiteral("lease.") }
            << "audit export:";
        QTest::newRow("file without verify or export")
            << QStringList { QStringLiteral("--file"), QStringLiteral("x.json") } << "--file:";
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
