// The kubectl credential's copy in the kernel keyring (store/kernelcache):
// its format against hostile payloads, its ExecCredential against the full
// CLI's, the keyring round trip (also from a process that does not possess
// the user keyring), and the profile check the front makes before answering.
#include "Fixtures.h"
#include "TestSupport.h"
#include "kube/ExecCredential.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"
#include "store/kernelcache/KubectlCache.h"

#include <QDateTime>
#include <QFile>
#include <QSqlQuery>
#include <QTest>

#include <keyutils.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace kms;
namespace cache = kms::kubectlcache;

namespace {

cache::Entry sampleEntry(qint64 nowMs)
{
    return { 7, 1700000000123, "0f8c2a6e-1d2b-4c3d-9e8f-0a1b2c3d4e5f", nowMs + 3600000, nowMs + 3600000,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln" };
}

std::string text(const QByteArray &b)
{
    return std::string(b.constData(), size_t(b.size()));
}

} // namespace

class TestKubectlCache : public QObject {
    Q_OBJECT

    QString m_service
        = QStringLiteral("hanzo-kms-test-kubectlcache-%1").arg(QCoreApplication::applicationPid());

private slots:
    void anEntryRoundTrips()
    {
        const cache::Entry e = sampleEntry(1800000000000);
        const std::optional<cache::Entry> back = cache::decode(cache::encode(e));
        QVERIFY(back.has_value());
        QCOMPARE(back->secretId, e.secretId);
        QCOMPARE(back->secretUpdatedMs, e.secretUpdatedMs);
        QCOMPARE(back->leaseId, e.leaseId);
        QCOMPARE(back->leaseExpiresMs, e.leaseExpiresMs);
        QCOMPARE(back->tokenExpiresMs, e.tokenExpiresMs);
        QCOMPARE(back->token, e.token);
    }

    void hostilePayloadsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("payload");
        const QByteArray good = QByteArray::fromStdString(cache::encode(sampleEntry(1800000000000)));
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("other version") << QByteArray(good).replace(0, 2, "v2");
        QTest::newRow("fields missing") << good.left(good.indexOf('\n', 10));
        QTest::newRow("negative id") << QByteArray(good).replace("\n7\n", "\n-7\n");
        QTest::newRow("id not a number") << QByteArray(good).replace("\n7\n", "\n7x\n");
        QTest::newRow("id too long") << QByteArray(good).replace("\n7\n", "\n99999999999999999999\n");
        QTest::newRow("lease id with a slash") << QByteArray(good).replace("0f8c2a6e-", "../../x-");
        QTest::newRow("empty token") << good.left(good.lastIndexOf('\n') + 1);
        QTest::newRow("token with a line break") << good + "\r\nImpersonate-User: admin";
        QTest::newRow("token with a space") << good + " x";
        QTest::newRow("token with a NUL") << good + QByteArray(1, '\0') + "x";
        QTest::newRow("token too long") << good + QByteArray(16 * 1024, 'a');
        QTest::newRow("too large") << good + QByteArray(64 * 1024, 'a');
    }
    void hostilePayloadsAreRefused()
    {
        QFETCH(QByteArray, payload);
        QVERIFY(!cache::decode(std::string_view(payload.constData(), size_t(payload.size()))).has_value());
    }

    void descriptionsDoNotCollide()
    {
        const cache::Key a { "s", "/p/kms.sqlite", "dev", "a;1:b", "ns", {} };
        const cache::Key b { "s", "/p/kms.sqlite", "dev", "a", "ns", {} };
        QVERIFY(cache::description(a) != cache::description(b));
        cache::Key withAudiences = b;
        withAudiences.audiences = std::string();
        QVERIFY(cache::description(withAudiences) != cache::description(b));
        cache::Key otherService = b;
        otherService.service = "t";
        QVERIFY(cache::description(otherService) != cache::description(b));
    }

    // The front's ExecCredential is the full CLI's, byte for byte, for every
    // character a token may hold (JSON's two escapes included).
    void theExecCredentialIsTheFullClis()
    {
        QByteArray every;
        for (char c = 0x21; c <= 0x7e; ++c)
            every += c;
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(1800000000999, Qt::UTC);
        for (const QByteArray &token : { QByteArray("eyJ.abc.def"), every, QByteArray("a\"b\\c") }) {
            QCOMPARE(
                QByteArray::fromStdString(cache::execCredentialJson(text(token), at.toMSecsSinceEpoch())),
                ExecCredential::json(token, at));
        }
    }

    void theKernelKeyringKeepsAnEntry()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const cache::Key key { m_service.toStdString(), "/tmp/kms.sqlite", "dev", "deploy", "team-a", {} };
        if (!cache::store(key, sampleEntry(now), now))
            QSKIP("the kernel keyring (keyctl) is not available to this process; the front then always "
                  "hands kubectl's commands to the full CLI");
        std::optional<cache::Entry> back = cache::load(key);
        QVERIFY(back.has_value());
        QCOMPARE(back->token, sampleEntry(now).token);

        // Replaced in one step, with the new timeout.
        cache::Entry newer = sampleEntry(now);
        newer.token = "second-token";
        QVERIFY(cache::store(key, newer, now));
        QCOMPARE(cache::load(key)->token, std::string("second-token"));
        const key_serial_t id
            = key_serial_t(keyctl_search(KEY_SPEC_USER_KEYRING, "user", cache::description(key).c_str(), 0));
        QVERIFY(id > 0);
        char *described = nullptr;
        QVERIFY(keyctl_describe_alloc(id, &described) > 0);
        const QByteArray description(described);
        free(described);
        // "user;uid;gid;perm;description": this user may read it, nobody else.
        QVERIFY2(description.startsWith(QByteArray("user;") + QByteArray::number(getuid()) + ';'),
            description.constData());
        QVERIFY2(description.split(';').value(3).toUInt(nullptr, 16)
                == (KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH),
            description.constData());

        // A process in a session keyring of its own (a new login, another
        // terminal) finds and reads it too.
        const pid_t child = fork();
        if (child == 0) {
            if (keyctl_join_session_keyring(nullptr) < 0)
                _exit(3);
            const std::optional<cache::Entry> seen = cache::load(key);
            _exit(seen && seen->token == "second-token" ? 0 : 4);
        }
        int status = 0;
        QCOMPARE(waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 0);

        QVERIFY(cache::remove(key));
        QVERIFY(!cache::load(key).has_value());
        // Nothing about to expire is kept.
        cache::Entry dying = sampleEntry(now);
        dying.tokenExpiresMs = now + 500;
        QVERIFY(!cache::store(key, dying, now));
        QVERIFY(!cache::load(key).has_value());
    }

    // What the front reads in the profile before it answers: only an active,
    // unrenewed lease of the same unchanged secret and namespace, with time left.
    void theProfileDecides()
    {
        test::TempProfile profile;
        Database db;
        QVERIFY2(profile.open(db), qPrintable(db.lastError()));
        const qint64 dev = EnvironmentRepository(db).byName(QStringLiteral("Development"))->id;
        DynamicSecret secret = test::staticSecret(dev, QStringLiteral("deploy"));
        QVERIFY(SecretRepository(db).insert(secret));
        secret = *SecretRepository(db).byId(secret.id);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        Lease lease = test::activeLease(secret.id, now, 3600);
        QVERIFY(LeaseRepository(db).insert(lease));
        lease = *LeaseRepository(db).byId(lease.id);

        const cache::Key key { "svc", db.filePath().toStdString(), "Development", "deploy",
            lease.namespaceName.toStdString(), {} };
        const cache::Entry entry { secret.id, secret.updatedAt.toMSecsSinceEpoch(), lease.id.toStdString(),
            lease.expiresAt.toMSecsSinceEpoch(), lease.expiresAt.toMSecsSinceEpoch(), "tok" };
        const qint64 nowMs = now.toMSecsSinceEpoch();
        QCOMPARE(cache::checkProfile(key, entry, nowMs), cache::Check::Usable);
        // The environment's name as the profile compares it (case does not matter there).
        cache::Key lower = key;
        lower.environment = "development";
        QCOMPARE(cache::checkProfile(lower, entry, nowMs), cache::Check::Usable);

        cache::Key otherNs = key;
        otherNs.namespaceName = "elsewhere";
        QCOMPARE(cache::checkProfile(otherNs, entry, nowMs), cache::Check::Stale);
        cache::Key otherSecret = key;
        otherSecret.secret = "other";
        QCOMPARE(cache::checkProfile(otherSecret, entry, nowMs), cache::Check::Stale);
        cache::Entry edited = entry;
        edited.secretUpdatedMs -= 1;
        QCOMPARE(cache::checkProfile(key, edited, nowMs), cache::Check::Stale);
        cache::Entry renewed = entry;
        renewed.leaseExpiresMs -= 1000;
        QCOMPARE(cache::checkProfile(key, renewed, nowMs), cache::Check::Stale);
        // Less than two minutes left.
        QCOMPARE(cache::checkProfile(key, entry, lease.expiresAt.toMSecsSinceEpoch() - 119000),
            cache::Check::Stale);
        cache::Entry otherLease = entry;
        otherLease.leaseId = "no-such-lease";
        QCOMPARE(cache::checkProfile(key, otherLease, nowMs), cache::Check::Stale);

        // Revoked (or released, expired): never.
        Lease revoking = lease;
        revoking.state = LeaseState::Revoking;
        QCOMPARE(LeaseRepository(db).update(revoking, LeaseState::Active), LeaseRepository::Update::Updated);
        QCOMPARE(cache::checkProfile(key, entry, nowMs), cache::Check::Stale);

        // Another schema, a profile that is not there: not answered from, and not created.
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 99")));
        QCOMPARE(cache::checkProfile(key, entry, nowMs), cache::Check::ProfileUnreadable);
        cache::Key missing = key;
        missing.databaseFile = (profile.dataDir() + QStringLiteral("/none/kms.sqlite")).toStdString();
        QCOMPARE(cache::checkProfile(missing, entry, nowMs), cache::Check::ProfileUnreadable);
        QVERIFY(!QFile::exists(QString::fromStdString(missing.databaseFile)));
    }
};

QTEST_GUILESS_MAIN(TestKubectlCache)
#include "tst_kubectlcache.moc"
