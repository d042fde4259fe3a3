#include "core/AuditEvent.h"

#include <QTest>

#include <functional>

using kms::AuditEvent;

using EventMutation = std::function<void(AuditEvent &)>;
Q_DECLARE_METATYPE(EventMutation)

namespace {
AuditEvent sample()
{
    AuditEvent e;
    e.seq = 3;
    e.at = QDateTime::fromMSecsSinceEpoch(1700000000123, Qt::UTC);
    e.actor = QStringLiteral("alice@ws");
    e.kind = AuditEvent::LeaseCreated;
    e.secretName = QStringLiteral("ci");
    e.leaseId = QStringLiteral("0f8e4c1e-1b7a-4a3f-9d2b-8e1f2a3b4c5d");
    e.namespaceName = QStringLiteral("default");
    e.serviceAccount = QStringLiteral("builder");
    e.jti = QStringLiteral("jti-1");
    e.expiresAt = QDateTime::fromMSecsSinceEpoch(1700003600000, Qt::UTC);
    e.detail = QStringLiteral("Token for 1h.");
    e.prevHash = QByteArray(64, 'a');
    return e;
}
} // namespace

class TestAuditEvent : public QObject {
    Q_OBJECT
private slots:
    void hashIsSha256Hex()
    {
        const QByteArray hash = sample().computeHash();
        QCOMPARE(hash.size(), 64);
        QCOMPARE(hash, hash.toLower());
        QCOMPARE(QByteArray::fromHex(hash).toHex(), hash);
        QCOMPARE(sample().computeHash(), hash); // deterministic
    }

    void everyFieldChangesTheHash_data()
    {
        QTest::addColumn<EventMutation>("mutate");
        QTest::newRow("seq") << EventMutation([](AuditEvent &e) { e.seq = 4; });
        QTest::newRow("at") << EventMutation([](AuditEvent &e) { e.at = e.at.addMSecs(1); });
        QTest::newRow("actor") << EventMutation(
            [](AuditEvent &e) { e.actor = QStringLiteral("mallory@ws"); });
        QTest::newRow("kind") << EventMutation([](AuditEvent &e) { e.kind = AuditEvent::LeaseRevoked; });
        QTest::newRow("secret") << EventMutation([](AuditEvent &e) { e.secretName = QStringLiteral("cj"); });
        QTest::newRow("lease") << EventMutation([](AuditEvent &e) { e.leaseId.clear(); });
        QTest::newRow("namespace") << EventMutation(
            [](AuditEvent &e) { e.namespaceName = QStringLiteral("prod"); });
        QTest::newRow("service account")
            << EventMutation([](AuditEvent &e) { e.serviceAccount += QLatin1Char('x'); });
        QTest::newRow("jti") << EventMutation([](AuditEvent &e) { e.jti = QStringLiteral("jti-2"); });
        QTest::newRow("expiry") << EventMutation(
            [](AuditEvent &e) { e.expiresAt = e.expiresAt.addSecs(3600); });
        QTest::newRow("expiry cleared") << EventMutation([](AuditEvent &e) { e.expiresAt = QDateTime(); });
        QTest::newRow("detail") << EventMutation(
            [](AuditEvent &e) { e.detail = QStringLiteral("Token for 2h."); });
        QTest::newRow("previous hash")
            << EventMutation([](AuditEvent &e) { e.prevHash = QByteArray(64, 'b'); });
        // Moving text between adjacent fields must not keep the hash.
        QTest::newRow("field boundary") << EventMutation([](AuditEvent &e) {
            e.namespaceName = QStringLiteral("defaultb");
            e.serviceAccount = QStringLiteral("uilder");
        });
    }
    void everyFieldChangesTheHash()
    {
        QFETCH(EventMutation, mutate);
        AuditEvent changed = sample();
        mutate(changed);
        QVERIFY(changed.computeHash() != sample().computeHash());
    }

    void hashIgnoresTheStoredHash()
    {
        AuditEvent e = sample();
        const QByteArray before = e.computeHash();
        e.hash = QByteArray(64, 'f');
        QCOMPARE(e.computeHash(), before);
    }

    void currentActorIsUserAtHost()
    {
        const QString actor = AuditEvent::currentActor();
        const qsizetype at = actor.indexOf(QLatin1Char('@'));
        QVERIFY2(at > 0 && at < actor.size() - 1, qPrintable(actor));
    }
};

QTEST_GUILESS_MAIN(TestAuditEvent)
#include "tst_auditevent.moc"
