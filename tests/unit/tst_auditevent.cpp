#include "core/AuditEvent.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <QTimeZone>

#include <functional>

using kms::AuditEvent;

using EventMutation = std::function<void(AuditEvent &)>;
Q_DECLARE_METATYPE(EventMutation)
using JsonMutation = std::function<void(QJsonObject &)>;
Q_DECLARE_METATYPE(JsonMutation)

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

    void toJsonHasTheKeysHanzoKmsctlPrints()
    {
        AuditEvent e = sample();
        e.hash = e.computeHash();
        const QJsonObject o = e.toJson();
        QStringList keys = o.keys();
        keys.sort();
        QStringList expected { QStringLiteral("seq"), QStringLiteral("at"), QStringLiteral("actor"),
            QStringLiteral("kind"), QStringLiteral("secret"), QStringLiteral("leaseId"),
            QStringLiteral("namespace"), QStringLiteral("serviceAccount"), QStringLiteral("jti"),
            QStringLiteral("expiresAt"), QStringLiteral("detail"), QStringLiteral("prevHash"),
            QStringLiteral("hash") };
        expected.sort();
        QCOMPARE(keys, expected);
        QCOMPARE(o.value(QStringLiteral("seq")).toInteger(), 3);
        QCOMPARE(o.value(QStringLiteral("at")).toString(), QStringLiteral("2023-11-14T22:13:20.123Z"));
        QCOMPARE(o.value(QStringLiteral("actor")).toString(), QStringLiteral("alice@ws"));
        QCOMPARE(o.value(QStringLiteral("kind")).toString(), QStringLiteral("lease.created"));
        QCOMPARE(o.value(QStringLiteral("secret")).toString(), QStringLiteral("ci"));
        QCOMPARE(o.value(QStringLiteral("leaseId")).toString(), e.leaseId);
        QCOMPARE(o.value(QStringLiteral("namespace")).toString(), QStringLiteral("default"));
        QCOMPARE(o.value(QStringLiteral("serviceAccount")).toString(), QStringLiteral("builder"));
        QCOMPARE(o.value(QStringLiteral("jti")).toString(), QStringLiteral("jti-1"));
        QCOMPARE(o.value(QStringLiteral("expiresAt")).toString(), QStringLiteral("2023-11-14T23:13:20.000Z"));
        QCOMPARE(o.value(QStringLiteral("detail")).toString(), QStringLiteral("Token for 1h."));
        QCOMPARE(o.value(QStringLiteral("prevHash")).toString(), QString(64, QLatin1Char('a')));
        QCOMPARE(o.value(QStringLiteral("hash")).toString(), QString::fromLatin1(e.hash));
    }

    void toJsonWritesNullTimesAsEmptyStrings()
    {
        const QJsonObject o = AuditEvent().toJson();
        QCOMPARE(o.value(QStringLiteral("at")), QJsonValue(QString()));
        QCOMPARE(o.value(QStringLiteral("expiresAt")), QJsonValue(QString()));
        QCOMPARE(o.value(QStringLiteral("hash")), QJsonValue(QString()));
    }

    void fromJsonReadsBackAnEventThatStillVerifies()
    {
        AuditEvent e = sample();
        e.at = e.at.toTimeZone(QTimeZone(3600)); // written as UTC all the same
        e.hash = e.computeHash();
        QString error;
        const std::optional<AuditEvent> r = AuditEvent::fromJson(e.toJson(), &error);
        QVERIFY2(r, qPrintable(error));
        QCOMPARE(r->seq, e.seq);
        QCOMPARE(r->at, e.at);
        QCOMPARE(r->at.timeSpec(), Qt::UTC);
        QCOMPARE(r->actor, e.actor);
        QCOMPARE(r->kind, e.kind);
        QCOMPARE(r->secretName, e.secretName);
        QCOMPARE(r->leaseId, e.leaseId);
        QCOMPARE(r->namespaceName, e.namespaceName);
        QCOMPARE(r->serviceAccount, e.serviceAccount);
        QCOMPARE(r->jti, e.jti);
        QCOMPARE(r->expiresAt, e.expiresAt);
        QCOMPARE(r->detail, e.detail);
        QCOMPARE(r->prevHash, e.prevHash);
        QCOMPARE(r->hash, e.hash);
        // Millisecond times survive, so the hash recomputed from an export matches.
        QCOMPARE(r->computeHash(), e.hash);

        const std::optional<AuditEvent> empty = AuditEvent::fromJson(AuditEvent().toJson(), &error);
        QVERIFY2(empty, qPrintable(error));
        QVERIFY(!empty->at.isValid());
        QVERIFY(!empty->expiresAt.isValid());
        QVERIFY(empty->prevHash.isEmpty());
    }

    void fromJsonNamesTheKeyThatIsWrong_data()
    {
        QTest::addColumn<JsonMutation>("mutate");
        QTest::addColumn<QString>("key");
        auto set = [](const char *key, const QJsonValue &value) {
            return JsonMutation(
                [k = QString::fromLatin1(key), value](QJsonObject &o) { o.insert(k, value); });
        };
        auto drop = [](const char *key) {
            return JsonMutation([k = QString::fromLatin1(key)](QJsonObject &o) { o.remove(k); });
        };
        QTest::newRow("seq missing") << drop("seq") << "seq";
        QTest::newRow("seq negative") << set("seq", -1) << "seq";
        QTest::newRow("seq fraction") << set("seq", 1.5) << "seq";
        QTest::newRow("seq as text") << set("seq", QStringLiteral("3")) << "seq";
        QTest::newRow("at not a time") << set("at", QStringLiteral("yesterday")) << "at";
        QTest::newRow("at a number") << set("at", 1700000000) << "at";
        QTest::newRow("actor missing") << drop("actor") << "actor";
        QTest::newRow("kind null") << set("kind", QJsonValue()) << "kind";
        QTest::newRow("secret a list") << set("secret", QJsonArray {}) << "secret";
        QTest::newRow("detail missing") << drop("detail") << "detail";
        QTest::newRow("expiresAt not a time")
            << set("expiresAt", QStringLiteral("2023-13-40")) << "expiresAt";
        QTest::newRow("prevHash short") << set("prevHash", QStringLiteral("abc")) << "prevHash";
        QTest::newRow("hash upper case") << set("hash", QString(64, QLatin1Char('A'))) << "hash";
        QTest::newRow("hash not hex") << set("hash", QString(64, QLatin1Char('g'))) << "hash";
    }
    void fromJsonNamesTheKeyThatIsWrong()
    {
        QFETCH(JsonMutation, mutate);
        QFETCH(QString, key);
        QJsonObject o = sample().toJson();
        mutate(o);
        QString error;
        QVERIFY(!AuditEvent::fromJson(o, &error).has_value());
        QVERIFY2(error.startsWith(key + QStringLiteral(": ")), qPrintable(error));
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
