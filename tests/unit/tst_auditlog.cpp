#include "AuditTamper.h"
#include "TestSupport.h"
#include "core/Ed25519.h"
#include "store/AuditLog.h"
#include "store/Database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>

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
        QVERIFY2(
            tamper(m_profile->dataDir() + QStringLiteral("/kms.sqlite"),
                QStringList {
                    QStringLiteral("UPDATE audit_events SET %1 WHERE seq = %2").arg(assignment).arg(seq) },
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
        QVERIFY2(
            tamper(m_profile->dataDir() + QStringLiteral("/kms.sqlite"),
                QStringList { QStringLiteral("DELETE FROM audit_events WHERE seq = %1").arg(seq) }, &error),
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
            "INSERT INTO audit_events (seq, at, actor, kind, secret_name, lease_id, namespace, "
            "service_account, jti, expires_at, detail, prev_hash, hash) SELECT 6, at, actor, kind, "
            "secret_name, lease_id, namespace, service_account, jti, expires_at, detail, hash, hash FROM "
            "audit_events WHERE seq = 5") } << 6;
    }
    void detectsOtherTampering()
    {
        QFETCH(QStringList, statements);
        QFETCH(int, brokenSeq);
        QCOMPARE(appendFive().size(), 5);
        m_db->close();
        QString error;
        QVERIFY2(tamper(m_profile->dataDir() + QStringLiteral("/kms.sqlite"), statements, &error),
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
        QTest::newRow("edited") << QStringList {
            QStringLiteral("UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 2")
        } << 2;
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

    void eventsAreSignedByTheirWriter()
    {
        const QList<AuditEvent> events = appendFive();
        QCOMPARE(events.size(), 5);
        const std::optional<AuditExport> data = AuditLog(*m_db).exportLog();
        QVERIFY(data.has_value());
        QCOMPARE(data->keys.size(), 1);
        QCOMPARE(data->keys.constFirst().actor, AuditEvent::currentActor());
        QCOMPARE(data->keys.constFirst().publicKey.size(), Ed25519PrivateKey::PublicKeySize);
        for (const AuditEvent &e : data->events) {
            QCOMPARE(e.keyId, data->keys.constFirst().id);
            QVERIFY(ed25519Verify(
                data->keys.constFirst().publicKey, e.signedContent(), QByteArray::fromBase64(e.signature)));
        }
        QCOMPARE(data->unsignedUntil, qint64(0));
        QCOMPARE(data->head, std::optional<AuditMark>(AuditMark { 5, events.constLast().hash }));
    }

    void refusesToAppendWithoutASigningKey()
    {
        QCOMPARE(appendFive().size(), 5);
        AuditLog::setSigningKey(nullptr, QStringLiteral("the keychain is locked."));
        AuditEvent e;
        e.kind = AuditEvent::LeaseCreated;
        const bool appended = AuditLog(*m_db).append(e).has_value();
        const QString error = m_db->lastError();
        std::optional<Ed25519PrivateKey> key = Ed25519PrivateKey::generate();
        AuditLog::setSigningKey(std::make_shared<const Ed25519PrivateKey>(std::move(*key)));
        QVERIFY(!appended);
        QVERIFY2(error.contains(QStringLiteral("keychain is locked")), qPrintable(error));
        QCOMPARE(AuditLog(*m_db).list().size(), 5);
        // A new key (another user, or a new keychain) is registered beside the first.
        QVERIFY(AuditLog(*m_db).append(e).has_value());
        QCOMPARE(AuditLog(*m_db).exportLog()->keys.size(), 2);
        QVERIFY(AuditLog(*m_db).verify().intact());
    }

    // The profile's anchor (AuditKeychain keeps it) catches what no chain can: a cut or emptied log.
    void anchorCatchesACutOrEmptiedLog_data()
    {
        QTest::addColumn<QStringList>("statements");
        QTest::addColumn<int>("brokenSeq");
        QTest::newRow("nothing changed") << QStringList {} << 0;
        QTest::newRow("tail cut") << QStringList { QStringLiteral("DELETE FROM audit_events WHERE seq > 3") }
                                  << 4;
        QTest::newRow("emptied") << QStringList { QStringLiteral("DELETE FROM audit_events") } << 1;
    }
    void anchorCatchesACutOrEmptiedLog()
    {
        QFETCH(QStringList, statements);
        QFETCH(int, brokenSeq);
        const QList<AuditEvent> events = appendFive();
        QCOMPARE(events.size(), 5);
        const AuditMark anchor { 5, events.constLast().hash };
        m_db->close();
        QString error;
        QVERIFY2(test::tamperAuditLog(m_profile->dataDir() + QStringLiteral("/kms.sqlite"), statements,
                     test::AuditChain::Recompute, &error),
            qPrintable(error));
        QVERIFY(m_db->open(m_profile->dataDir()));
        const AuditVerification v = AuditLog(*m_db).verify(anchor);
        if (brokenSeq == 0) {
            QVERIFY2(v.intact(), qPrintable(v.reason));
            QCOMPARE(v.eventCount, qint64(5));
        } else {
            QVERIFY2(!v.intact(), "a cut or emptied log verified against its anchor");
            QVERIFY2(v.firstBrokenSeq == brokenSeq, qPrintable(v.reason));
            QVERIFY2(v.reason.contains(QStringLiteral("anchor")), qPrintable(v.reason));
        }
        // Without the anchor, the file alone cannot tell.
        QVERIFY(AuditLog(*m_db).verify().intact());
    }

    void anchorOfAnotherHashFails()
    {
        QCOMPARE(appendFive().size(), 5);
        const AuditVerification v = AuditLog(*m_db).verify(AuditMark { 3, QByteArray(64, 'a') });
        QVERIFY(!v.intact());
        QCOMPARE(v.firstBrokenSeq, std::optional<qint64>(3));
    }

    // An attacker who swaps in a public key of their own and re-signs every
    // event makes a log that is consistent on its own; the anchor still tells.
    void swappedPublicKey_data()
    {
        QTest::addColumn<bool>("resign");
        QTest::newRow("key swapped") << false;
        QTest::newRow("key swapped, edited and re-signed") << true;
    }
    void swappedPublicKey()
    {
        QFETCH(bool, resign);
        const QList<AuditEvent> events = appendFive();
        QCOMPARE(events.size(), 5);
        m_db->close();
        const std::optional<Ed25519PrivateKey> mallory = Ed25519PrivateKey::generate();
        QVERIFY(mallory.has_value());
        const QString file = m_profile->dataDir() + QStringLiteral("/kms.sqlite");
        QString error;
        QVERIFY2(test::tamperAuditLog(file,
                     { QStringLiteral("UPDATE audit_keys SET public_key = '%1'")
                             .arg(QString::fromLatin1(mallory->publicKey().toBase64())),
                         QStringLiteral("UPDATE audit_events SET detail = 'nothing' WHERE seq = %1")
                             .arg(resign ? 2 : 0) },
                     test::AuditChain::Recompute, &error),
            qPrintable(error));
        if (resign) {
            QVERIFY(m_db->open(m_profile->dataDir()));
            const QList<AuditEvent> stored = AuditLog(*m_db).list();
            m_db->close();
            const QString name = QUuid::createUuid().toString();
            {
                QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
                raw.setDatabaseName(file);
                QVERIFY(raw.open());
                for (const AuditEvent &e : stored) {
                    QSqlQuery q(raw);
                    q.prepare(QStringLiteral("UPDATE audit_events SET signature = ? WHERE seq = ?"));
                    q.addBindValue(QString::fromLatin1(mallory->sign(e.signedContent()).toBase64()));
                    q.addBindValue(e.seq);
                    QVERIFY(q.exec());
                }
                raw.close();
            }
            QSqlDatabase::removeDatabase(name);
        }
        QVERIFY(m_db->open(m_profile->dataDir()));
        const AuditVerification v = AuditLog(*m_db).verify(AuditMark { 5, events.constLast().hash });
        QVERIFY2(!v.intact(), "a log under a swapped public key verified");
        if (resign) {
            QVERIFY2(
                v.firstBrokenSeq == 5 && v.reason.contains(QStringLiteral("anchor")), qPrintable(v.reason));
        } else {
            QVERIFY2(v.firstBrokenSeq == 1 && v.reason.contains(QStringLiteral("signature")),
                qPrintable(v.reason));
        }
    }

    // Events written before schema version 6 have no signature: they verify
    // by hash only, and only up to where signing began.
    void unsignedEventsOnlyBeforeSigningBegan_data()
    {
        QTest::addColumn<int>("unsignedUntil");
        QTest::addColumn<int>("brokenSeq");
        QTest::newRow("all written before signing") << 5 << 0;
        QTest::newRow("signatures stripped") << 0 << 1;
        QTest::newRow("the newest stripped too") << 4 << 5;
    }
    void unsignedEventsOnlyBeforeSigningBegan()
    {
        QFETCH(int, unsignedUntil);
        QFETCH(int, brokenSeq);
        QCOMPARE(appendFive().size(), 5);
        m_db->close();
        QString error;
        QVERIFY2(tamper(m_profile->dataDir() + QStringLiteral("/kms.sqlite"),
                     { QStringLiteral("UPDATE audit_events SET key_id = NULL, signature = ''"),
                         QStringLiteral("UPDATE audit_log SET unsigned_until = %1").arg(unsignedUntil) },
                     &error),
            qPrintable(error));
        QVERIFY(m_db->open(m_profile->dataDir()));
        const AuditVerification v = AuditLog(*m_db).verify();
        if (brokenSeq == 0) {
            QVERIFY2(v.intact(), qPrintable(v.reason));
            QCOMPARE(v.unsignedCount, qint64(5));
        } else {
            QCOMPARE(v.firstBrokenSeq, std::optional<qint64>(brokenSeq));
            QVERIFY2(v.reason.contains(QStringLiteral("not signed")), qPrintable(v.reason));
        }
    }

    // A profile from before schema version 6: its events stay as they were,
    // verify by hash only, and the first signed event seals them (its
    // signature covers their chain through prevHash).
    void upgradeKeepsOlderEventsAndSealsThem()
    {
        QCOMPARE(appendFive().size(), 5);
        for (const char *sql : { "DROP TRIGGER audit_events_in_order", "DROP TRIGGER audit_head_first_only",
                 "DROP TRIGGER audit_head_no_update", "DROP TRIGGER audit_keys_no_update",
                 "DROP TRIGGER audit_keys_no_delete", "DROP TRIGGER audit_log_no_update",
                 "DROP TRIGGER audit_log_no_delete", "ALTER TABLE audit_events DROP COLUMN signature",
                 "ALTER TABLE audit_events DROP COLUMN key_id", "DROP TABLE audit_log",
                 "DROP TABLE audit_keys", "ALTER TABLE dynamic_secrets DROP COLUMN extra_roles",
                 "ALTER TABLE dynamic_secrets DROP COLUMN extra_labels",
                 "ALTER TABLE dynamic_secrets DROP COLUMN extra_annotations",
                 "ALTER TABLE dynamic_secrets DROP COLUMN max_leases",
                 "ALTER TABLE dynamic_secrets DROP COLUMN name_template",
                 "ALTER TABLE dynamic_secrets DROP COLUMN generated_rules",
                 "ALTER TABLE dynamic_secrets DROP COLUMN generated_role_type",
                 "ALTER TABLE dynamic_secrets DROP COLUMN namespace_selector",
                 "ALTER TABLE leases DROP COLUMN extra_objects", "ALTER TABLE leases DROP COLUMN audiences",
                 "DROP TABLE people", "PRAGMA user_version = 5" })
            QVERIFY2(
                m_db->exec(QString::fromLatin1(sql), QStringLiteral("test")), qPrintable(m_db->lastError()));
        reopen();
        QCOMPARE(m_db->schemaVersion(), Database::SchemaVersion);
        AuditVerification v = AuditLog(*m_db).verify();
        QVERIFY2(v.intact(), qPrintable(v.reason));
        QCOMPARE(v.unsignedCount, qint64(5));
        AuditEvent e;
        e.kind = AuditEvent::LeaseCreated;
        QCOMPARE(AuditLog(*m_db).append(e)->seq, qint64(6));
        v = AuditLog(*m_db).verify();
        QVERIFY2(v.intact(), qPrintable(v.reason));
        QCOMPARE(v.eventCount, qint64(6));
        QCOMPARE(v.unsignedCount, qint64(5));

        // An older event rewritten, chain recomputed: the first signed event no longer matches.
        m_db->close();
        QString error;
        QVERIFY2(test::tamperAuditLog(m_profile->dataDir() + QStringLiteral("/kms.sqlite"),
                     { QStringLiteral("UPDATE audit_events SET detail = 'nothing' WHERE seq = 3") },
                     test::AuditChain::Recompute, &error),
            qPrintable(error));
        QVERIFY(m_db->open(m_profile->dataDir()));
        v = AuditLog(*m_db).verify();
        QCOMPARE(v.firstBrokenSeq, std::optional<qint64>(6));
        QVERIFY2(v.reason.contains(QStringLiteral("signature")), qPrintable(v.reason));
    }

    void exportVerifiesOfflineAndCatchesEdits()
    {
        QCOMPARE(appendFive().size(), 5);
        const std::optional<AuditExport> data = AuditLog(*m_db).exportLog();
        QVERIFY(data.has_value());
        const QByteArray json = data->toJson();
        QString error;
        const std::optional<AuditExport> read = AuditExport::fromJson(json, &error);
        QVERIFY2(read.has_value(), qPrintable(error));
        QCOMPARE(read->logId, AuditLog(*m_db).logId());
        QCOMPARE(read->events.size(), 5);
        const AuditVerification v = read->verify();
        QVERIFY2(v.intact(), qPrintable(v.reason));
        QCOMPARE(v.eventCount, qint64(5));
        QVERIFY(read->verify(AuditMark { 5, read->events.constLast().hash }).intact());
        QCOMPARE(read->verify(AuditMark { 6, read->events.constLast().hash }).firstBrokenSeq,
            std::optional<qint64>(6));

        // Edited in the file: event 3's namespace.
        QJsonObject root = QJsonDocument::fromJson(json).object();
        QJsonArray events = root.value(QStringLiteral("events")).toArray();
        QJsonObject third = events.at(2).toObject();
        third.insert(QStringLiteral("namespace"), QStringLiteral("kube-system"));
        events.replace(2, third);
        root.insert(QStringLiteral("events"), events);
        std::optional<AuditExport> edited = AuditExport::fromJson(QJsonDocument(root).toJson(), &error);
        QVERIFY2(edited.has_value(), qPrintable(error));
        QCOMPARE(edited->verify().firstBrokenSeq, std::optional<qint64>(3));
        // Recomputing the file's chain does not help without the key.
        QByteArray previous;
        for (AuditEvent &e : edited->events) {
            e.prevHash = previous;
            e.hash = e.computeHash();
            previous = e.hash;
        }
        edited->head = AuditMark { 5, previous };
        QCOMPARE(edited->verify().firstBrokenSeq, std::optional<qint64>(3));

        // A swapped public key.
        std::optional<AuditExport> swapped = AuditExport::fromJson(json, &error);
        swapped->keys[0].publicKey = Ed25519PrivateKey::generate()->publicKey();
        const AuditVerification s = swapped->verify();
        QCOMPARE(s.firstBrokenSeq, std::optional<qint64>(1));
        QVERIFY2(s.reason.contains(QStringLiteral("signature")), qPrintable(s.reason));
    }

    void malformedExportsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{ nope") << "not a JSON object";
        QTest::newRow("array") << QByteArray("[]") << "not a JSON object";
        QTest::newRow("other format") << QByteArray(R"({"format":"csv"})") << "format";
        QTest::newRow("no events") << QByteArray(
            R"({"format":"hanzo-kms-audit-log","version":1,"logId":"x","unsignedUntil":0})")
                                   << "arrays";
        QTest::newRow("seq as text") << QByteArray(R"({"format":"hanzo-kms-audit-log","version":1,"logId":"x",
            "unsignedUntil":0,"keys":[],"events":[{"seq":"1"}]})")
                                     << "seq";
        QTest::newRow("duplicate key")
            << QByteArray(R"({"format":"hanzo-kms-audit-log","version":1,"logId":"x",
            "unsignedUntil":0,"events":[],"keys":[{"id":1,"actor":"a","publicKey":"","createdAt":""},
            {"id":1,"actor":"b","publicKey":"","createdAt":""}]})")
            << "twice";
    }
    void malformedExportsAreRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!AuditExport::fromJson(json, &error).has_value());
        QVERIFY2(error.contains(expected), qPrintable(error));
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
