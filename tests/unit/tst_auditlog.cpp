#include "AuditTamper.h"
#include "TestSupport.h"
#include "store/AuditLog.h"
#include "store/Database.h"

#include <QTest>

using namespace kms;

namespace {

// Changes the stored log behind the application's back, as someone with the file
// would: every trigger dropped first (test::tamperAuditLog).
bool tamper(const QString &file, const QStringList &statements, QString *error)
{
    return test::tamperAuditLog(file, statements, test::AuditChain::AsIs, error);
}

} // namespace

class TestAuditLog : public QObject {
    Q_OBJECT
private:
    test::TempProfile *m_profile = nullptr;
    Database *m_db = nullptr;

    // Five events; returns them as stored.
    QList<AuditEvent> appendFive()
    {
        AuditLog log(*m_db);
        QList<AuditEvent> stored;
        const char *kinds[]
            = { "secret.created", "lease.created", "lease.created", "lease.revoked", "secret.deleted" };
        for (int i = 0; i < 5; ++i) {
            AuditEvent e;
            e.kind = QString::fromLatin1(kinds[i]);
            e.secretName = i == 2 ? QStringLiteral("other") : QStringLiteral("ci");
            e.leaseId = i == 1 || i == 3 ? QStringLiteral("lease-1") : QString();
            e.namespaceName = QStringLiteral("default");
            e.serviceAccount = QStringLiteral("builder");
            e.jti = i == 1 ? QStringLiteral("jti-1") : QString();
            e.expiresAt = i == 1 ? QDateTime::currentDateTimeUtc().addSecs(3600) : QDateTime();
            e.detail = QStringLiteral("Event %1.").arg(i + 1);
            const std::optional<AuditEvent> s = log.append(e);
            if (!s)
                return {};
            stored << *s;
        }
        return stored;
    }

    void reopen()
    {
        m_db->close();
        QVERIFY2(m_db->open(m_profile->dataDir()), qPrintable(m_db->lastError()));
    }

private slots:
    void init()
    {
        m_profile = new test::TempProfile;
        m_db = new Database;
        QVERIFY2(m_db->open(m_profile->dataDir()), qPrintable(m_db->lastError()));
    }
    void cleanup()
    {
        delete m_db;
        delete m_profile;
    }

    void emptyLogVerifies()
    {
        const AuditVerification v = AuditLog(*m_db).verify();
        QVERIFY2(v.intact(), qPrintable(v.reason));
        QCOMPARE(v.eventCount, qint64(0));
    }

    void appendedEventsFormAChainThatVerifies()
    {
        const QList<AuditEvent> events = appendFive();
        QCOMPARE(events.size(), 5);
        for (int i = 0; i < events.size(); ++i) {
            QCOMPARE(events.at(i).seq, qint64(i + 1));
            QCOMPARE(events.at(i).hash.size(), 64);
            QCOMPARE(events.at(i).prevHash, i == 0 ? QByteArray() : events.at(i - 1).hash);
            QCOMPARE(events.at(i).actor, AuditEvent::currentActor());
            QVERIFY(events.at(i).at.isValid());
        }
        reopen();
        const QList<AuditEvent> listed = AuditLog(*m_db).list();
        QCOMPARE(listed.size(), 5);
        for (int i = 0; i < listed.size(); ++i) {
            QCOMPARE(listed.at(i).hash, events.at(i).hash);
            QCOMPARE(listed.at(i).at, events.at(i).at);
            QCOMPARE(listed.at(i).expiresAt, events.at(i).expiresAt);
            QCOMPARE(listed.at(i).computeHash(), listed.at(i).hash);
        }
        const AuditVerification v = AuditLog(*m_db).verify();
        QVERIFY2(v.intact(), qPrintable(v.reason));
        QCOMPARE(v.eventCount, qint64(5));
    }

    void refusesEventsWithoutKind()
    {
        QVERIFY(!AuditLog(*m_db).append(AuditEvent()).has_value());
        QVERIFY(m_db->lastError().contains(QStringLiteral("kind")));
        QVERIFY(AuditLog(*m_db).list().isEmpty());
    }

    void guardsAgainstUpdatesAndDeletes()
    {
        appendFive();
        QVERIFY(!m_db->exec(
            QStringLiteral("UPDATE audit_events SET detail = 'x' WHERE seq = 2"), QStringLiteral("t")));
        QVERIFY2(m_db->lastError().contains(QStringLiteral("append-only")), qPrintable(m_db->lastError()));
        QVERIFY(!m_db->exec(QStringLiteral("DELETE FROM audit_events WHERE seq = 5"), QStringLiteral("t")));
        QVERIFY(!m_db->exec(QStringLiteral("DELETE FROM audit_head"), QStringLiteral("t")));
        QVERIFY(AuditLog(*m_db).verify().intact());
    }

    void detectsAnEditedField_data()
    {
        QTest::addColumn<int>("seq");
        QTest::addColumn<QString>("assignment");
        const char *assignments[] = { "at = at + 1", "actor = 'mallory@elsewhere'", "kind = 'lease.revoked'",
            "secret_name = 'renamed'", "lease_id = 'lease-2'", "namespace = 'kube-system'",
            "service_account = 'admin'", "jti = 'forged'", "expires_at = 1", "detail = ''",
            "prev_hash = '"
            "0000000000000000000000000000000000000000000000000000000000000000'",
            "hash = '"
            "1111111111111111111111111111111111111111111111111111111111111111'" };
        for (int seq : { 1, 3, 5 }) {
            for (const char *a : assignments) {
                const QByteArray tag = QByteArray::number(seq) + ": " + a;
                QTest::newRow(tag.left(60).constData()) << seq << QString::fromLatin1(a);
            }
        }
    }
    void detectsAnEditedField()
    {
        QFETCH(int, seq);
        QFETCH(QString, assignment);
        QCOMPARE(appendFive().size(), 5);
        m_db->close();
        QString error;
        QVERIFY2(tamper(m_profile->dataDir() + QStringLiteral("/kms.sqlite"),
                     QStringList { QStringLiteral("UPDATE audit_events SET %1 WHERE seq = %2")
                                             .arg(assignment)
                                             .arg(seq) },
                     &error),
            qPrintable(error));
        QVERIFY(m_db->open(m_profile->dataDir()));
        const AuditVerification v = AuditLog(*m_db).verify();
        QVERIFY(!v.intact());
        QVERIFY2(v.firstBrokenSeq == seq, qPrintable(v.reason));
        QVERIFY2(v.reason.contains(QString::number(seq)), qPrintable(v.reason));
    }

    void detectsADeletedEvent_data()
    {
        QTest::addColumn<int>("seq");
        for (int seq = 1; seq <= 5; ++seq)
            QTest::newRow(QByteArray::number(seq).constData()) << seq;
    }
    void detectsADeletedEvent()
    {
        QFETCH(int, seq);
        QCOMPARE(appendFive().size(), 5);
        m_db->close();
        QString error;
        QVERIFY2(tamper(m_profile->dataDir() + QStringLiteral("/kms.sqlite"),
                     QStringList { QStringLiteral("DELETE FROM audit_events WHERE seq = %1").arg(seq) },
                     &error),
            qPrintable(error));
        QVERIFY(m_db->open(m_profile->dataDir()));
        const AuditVerification v = AuditLog(*m_db).verify();
        QVERIFY(!v.intact());
        QVERIFY2(v.firstBrokenSeq == seq, qPrintable(v.reason));
        QVERIFY2(v.reason.contains(QStringLiteral("missing")), qPrintable(v.reason));
    }

    void detectsOtherTampering_data()
    {
        QTest::addColumn<QStringList>("statements");
        QTest::addColumn<int>("brokenSeq");
        QTest::newRow("head deleted") << QStringList { QStringLiteral("DELETE FROM audit_head") } << 1;
        QTest::newRow("newest event and head rolled back")
            << QStringList { QStringLiteral("DELETE FROM audit_events WHERE seq = 5"),
                   QStringLiteral("UPDATE audit_head SET seq = 4") }
            << 4;
        QTest::newRow("event renumbered")
            << QStringList { QStringLiteral("UPDATE audit_events SET seq = 6 WHERE seq = 5") } << 5;
        QTest::newRow("two events swapped")
            << QStringList { QStringLiteral("UPDATE audit_events SET seq = 100 WHERE seq = 2"),
                   QStringLiteral("UPDATE audit_events SET seq = 2 WHERE seq = 3"),
                   QStringLiteral("UPDATE audit_events SET seq = 3 WHERE seq = 100") }
            << 2;
        QTest::newRow("forged event appended without the log") << QStringList { QStringLiteral(
            "INSERT INTO audit_events SELECT 6, at, actor, kind, secret_name, lease_id, "
            "namespace, service_account, jti, expires_at, detail, hash, hash FROM "
            "audit_events WHERE seq = 5") } << 6;
    }
    void detectsOtherTampering()
    {
        QFETCH(QStringList, statements);
        QFETCH(int, brokenSeq);
        QCOMPARE(appendFive().size(), 5);
        m_db->close();
        QString error;
        QVERIFY2(
            tamper(m_profile->dataDir() + QStringLiteral("/kms.sqlite"), statements, &error),
            qPrintable(error));
        QVERIFY(m_db->open(m_profile->dataDir()));
        const AuditVerification v = AuditLog(*m_db).verify();
        QVERIFY(!v.intact());
        QVERIFY2(v.firstBrokenSeq == brokenSeq, qPrintable(v.reason));
    }

    void auditHeadRefusesUpdatesThatDoNotAppend()
    {
        QCOMPARE(appendFive().size(), 5);
        QVERIFY(!m_db->exec(QStringLiteral("UPDATE audit_head SET seq = 4"), QStringLiteral("t")));
        QVERIFY2(m_db->lastError().contains(QStringLiteral("append-only")), qPrintable(m_db->lastError()));
        QVERIFY(!m_db->exec(QStringLiteral("UPDATE audit_head SET hash = 'x'"), QStringLiteral("t")));
        QVERIFY(AuditLog(*m_db).verify().intact());
    }

    // The attacker edits, deletes, moves or adds events and then recomputes
    // every SHA-256 link and the head, so the chain itself links again; only
    // the signatures (made with a key the attacker does not have) tell.
    void detectsARecomputedChain_data()
    {
        QTest::addColumn<QStringList>("statements");
        QTest::addColumn<int>("brokenSeq");
        QTest::newRow("edited") << QStringList { QStringLiteral(
            "UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 2") } << 2;
        QTest::newRow("every event re-attributed")
            << QStringList { QStringLiteral("UPDATE audit_events SET actor = 'mallory@elsewhere'") } << 1;
        QTest::newRow("deleted, later ones renumbered")
            << QStringList { QStringLiteral("DELETE FROM audit_events WHERE seq = 3"),
                   QStringLiteral("UPDATE audit_events SET seq = seq + 100 WHERE seq > 3"),
                   QStringLiteral("UPDATE audit_events SET seq = seq - 101 WHERE seq > 100") }
            << 3;
        QTest::newRow("two events swapped")
            << QStringList { QStringLiteral("UPDATE audit_events SET seq = 100 WHERE seq = 2"),
                   QStringLiteral("UPDATE audit_events SET seq = 2 WHERE seq = 3"),
                   QStringLiteral("UPDATE audit_events SET seq = 3 WHERE seq = 100") }
            << 2;
        QTest::newRow("forged event inserted")
            << QStringList { QStringLiteral("UPDATE audit_events SET seq = seq + 100 WHERE seq > 2"),
                   QStringLiteral("UPDATE audit_events SET seq = seq - 99 WHERE seq > 100"),
                   QStringLiteral("INSERT INTO audit_events (seq, at, actor, kind, secret_name, lease_id, "
                                  "namespace, service_account, jti, expires_at, detail, prev_hash, hash) "
                                  "SELECT 3, at, actor, 'lease.revoked', secret_name, lease_id, namespace, "
                                  "service_account, jti, expires_at, 'Revoked.', '', '' FROM audit_events "
                                  "WHERE seq = 2") }
            << 3;
    }
    void detectsARecomputedChain()
    {
        QFETCH(QStringList, statements);
        QFETCH(int, brokenSeq);
        QCOMPARE(appendFive().size(), 5);
        m_db->close();
        QString error;
        QVERIFY2(test::tamperAuditLog(m_profile->dataDir() + QStringLiteral("/kms.sqlite"), statements,
                     test::AuditChain::Recompute, &error),
            qPrintable(error));
        QVERIFY(m_db->open(m_profile->dataDir()));
        const AuditVerification v = AuditLog(*m_db).verify();
        QVERIFY2(!v.intact(), "a rewritten chain verified as intact");
        QVERIFY2(v.firstBrokenSeq == brokenSeq, qPrintable(v.reason));
        QVERIFY2(v.reason.contains(QString::number(brokenSeq)), qPrintable(v.reason));
    }

    void listFilters_data()
    {
        QTest::addColumn<QString>("secretName");
        QTest::addColumn<QString>("leaseId");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("limit");
        QTest::addColumn<QList<qint64>>("seqs");
        QTest::newRow("all") << ""
                             << ""
                             << "" << 0 << QList<qint64> { 1, 2, 3, 4, 5 };
        QTest::newRow("secret") << "ci"
                                << ""
                                << "" << 0 << QList<qint64> { 1, 2, 4, 5 };
        QTest::newRow("lease") << ""
                               << "lease-1"
                               << "" << 0 << QList<qint64> { 2, 4 };
        QTest::newRow("kind") << ""
                              << ""
                              << "lease.created" << 0 << QList<qint64> { 2, 3 };
        QTest::newRow("kind prefix") << ""
                                     << ""
                                     << "lease." << 0 << QList<qint64> { 2, 3, 4 };
        QTest::newRow("combined") << "ci"
                                  << ""
                                  << "lease." << 0 << QList<qint64> { 2, 4 };
        QTest::newRow("newest two") << ""
                                    << ""
                                    << "" << 2 << QList<qint64> { 4, 5 };
        QTest::newRow("nothing") << "nope"
                                 << ""
                                 << "" << 0 << QList<qint64> {};
    }
    void listFilters()
    {
        QFETCH(QString, secretName);
        QFETCH(QString, leaseId);
        QFETCH(QString, kind);
        QFETCH(int, limit);
        QFETCH(QList<qint64>, seqs);
        QCOMPARE(appendFive().size(), 5);
        AuditFilter f;
        f.secretName = secretName;
        f.leaseId = leaseId;
        f.kind = kind;
        f.limit = limit;
        QList<qint64> got;
        for (const AuditEvent &e : AuditLog(*m_db).list(f))
            got << e.seq;
        QCOMPARE(got, seqs);
    }

    void twoConnectionsKeepOneChain()
    {
        // Like the GUI and hanzo-kmsctl writing to one profile at the same time.
        Database other;
        QVERIFY2(other.open(m_profile->dataDir()), qPrintable(other.lastError()));
        AuditLog a(*m_db);
        AuditLog b(other);
        for (int i = 0; i < 20; ++i) {
            AuditEvent e;
            e.kind = AuditEvent::LeaseCreated;
            e.detail = QString::number(i);
            QCOMPARE((i % 2 ? b : a).append(e)->seq, qint64(i + 1));
        }
        const AuditVerification v = a.verify();
        QVERIFY2(v.intact(), qPrintable(v.reason));
        QCOMPARE(v.eventCount, qint64(20));
        QCOMPARE(b.verify().eventCount, qint64(20));
    }

    void appendInsideAFailedTransactionLeavesNoTrace()
    {
        QCOMPARE(appendFive().size(), 5);
        AuditLog log(*m_db);
        const bool ok = m_db->transaction([&] {
            AuditEvent e;
            e.kind = AuditEvent::LeaseCreated;
            return log.append(e).has_value() && false;
        });
        QVERIFY(!ok);
        AuditEvent e;
        e.kind = AuditEvent::LeaseRevoked;
        QCOMPARE(log.append(e)->seq, qint64(6));
        QVERIFY(log.verify().intact());
    }
};

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_auditlog.moc"
