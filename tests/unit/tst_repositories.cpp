#include "Fixtures.h"
#include "TestSupport.h"
#include "store/AuditLog.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/GatewayRepository.h"
#include "store/LeaseLock.h"
#include "store/LeaseRepository.h"
#include "store/PeopleRepository.h"
#include "store/SecretRepository.h"

#include <QElapsedTimer>
#include <QSqlQuery>
#include <QTest>

using namespace kms;

// The repositories on both backends (the global "backend" rows): SQLite and
// a team profile's PostgreSQL database.
class TestRepositories : public QObject {
    Q_OBJECT
private:
    static bool postgres() { return test::backend() == test::Backend::PostgreSQL; }
    static QString uniqueViolation()
    {
        return postgres() ? QStringLiteral("duplicate key") : QStringLiteral("UNIQUE");
    }

    test::TempProfile *m_profile = nullptr;
    Database *m_db = nullptr;
    qint64 m_dev = 0;
    qint64 m_prod = 0;

    QString queryPlan(const QString &sql)
    {
        QSqlQuery q(m_db->connection());
        if (!q.exec((postgres() ? QStringLiteral("EXPLAIN ") : QStringLiteral("EXPLAIN QUERY PLAN ")) + sql))
            return QStringLiteral("error");
        QStringList plan;
        while (q.next())
            plan << q.value(postgres() ? 0 : 3).toString();
        return plan.join(QLatin1Char('|'));
    }

private slots:
    void initTestCase_data() { test::addBackendRows(); }
    void init()
    {
        KMS_INIT_BACKEND();
        m_profile = new test::TempProfile;
        m_db = new Database;
        QVERIFY2(m_profile->open(*m_db), qPrintable(m_db->lastError()));
        m_dev = EnvironmentRepository(*m_db).byName(QStringLiteral("development"))->id;
        m_prod = EnvironmentRepository(*m_db).byName(QStringLiteral("PRODUCTION"))->id;
    }
    void cleanup()
    {
        delete m_db;
        m_db = nullptr;
        delete m_profile;
        m_profile = nullptr;
    }

    // SecretCatalog writes a new secret's keychain entry under a reserved id
    // before the row: no other secret may ever get that id, nor a deleted one's.
    void secretIdsAreReservedAndNeverReused()
    {
        SecretRepository secrets(*m_db);
        DynamicSecret a = test::staticSecret(m_dev, QStringLiteral("id-a"));
        QVERIFY2(secrets.insert(a), qPrintable(m_db->lastError()));
        const qint64 reserved = secrets.reserveId();
        QVERIFY(reserved > a.id);
        DynamicSecret b = test::staticSecret(m_dev, QStringLiteral("id-b"));
        QVERIFY(secrets.insert(b));
        QVERIFY(b.id > reserved);
        QVERIFY(secrets.remove(b.id));
        DynamicSecret c = test::staticSecret(m_dev, QStringLiteral("id-c"));
        QVERIFY(secrets.insert(c));
        QVERIFY(c.id > b.id);

        DynamicSecret late = test::staticSecret(m_dev, QStringLiteral("late"));
        late.id = reserved;
        QVERIFY2(secrets.insertReserved(late), qPrintable(m_db->lastError()));
        QCOMPARE(secrets.byId(reserved)->name, QStringLiteral("late"));
        // A failed insert hands out no id.
        DynamicSecret duplicate = test::staticSecret(m_dev, QStringLiteral("late"));
        QVERIFY(!secrets.insert(duplicate));
        QCOMPARE(duplicate.id, qint64(0));
    }

    void findsEnvironmentsByNameOrSlug_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("expected"); // empty: not found
        QTest::newRow("exact") << "Staging"
                               << "Staging";
        QTest::newRow("lower case") << "staging"
                                    << "Staging";
        QTest::newRow("upper case") << "PRODUCTION"
                                    << "Production";
        QTest::newRow("slug") << "prod"
                              << "Production";
        QTest::newRow("slug upper") << "DEV"
                                    << "Development";
        QTest::newRow("padded") << " staging "
                                << "Staging";
        QTest::newRow("unknown") << "qa"
                                 << "";
        QTest::newRow("empty") << ""
                               << "";
    }
    void findsEnvironmentsByNameOrSlug()
    {
        QFETCH(QString, query);
        QFETCH(QString, expected);
        const std::optional<Environment> env = EnvironmentRepository(*m_db).byName(query);
        QCOMPARE(env.has_value(), !expected.isEmpty());
        if (env)
            QCOMPARE(env->name, expected);
    }

    void addsUserEnvironmentsAndRejectsDuplicates()
    {
        EnvironmentRepository envs(*m_db);
        Environment qa;
        qa.name = QStringLiteral("QA");
        QVERIFY2(envs.insert(qa), qPrintable(m_db->lastError()));
        QCOMPARE(qa.position, 3);
        QCOMPARE(envs.list().constLast().name, QStringLiteral("QA"));
        Environment again;
        again.name = QStringLiteral("qa");
        QVERIFY(!envs.insert(again));
        QVERIFY2(m_db->lastError().contains(uniqueViolation()), qPrintable(m_db->lastError()));
    }

    void secretRoundTripsEveryField()
    {
        SecretRepository secrets(*m_db);
        DynamicSecret s = test::dynamicSecret(m_dev);
        s.authMethod = AuthMethod::Gateway;
        s.gateway = QStringLiteral("gw-1");
        s.roleType = RoleType::Role;
        s.defaultTtl = Duration::fromMinutes(15);
        s.maxTtl = Duration::fromDays(2);
        s.boundTokens = true;
        s.extraRoles
            = { { RoleType::ClusterRole, QStringLiteral("view") }, { RoleType::Role, QStringLiteral("b") } };
        s.extraLabels
            = { { QStringLiteral("team"), QStringLiteral("a") }, { QStringLiteral("x/y"), QString() } };
        s.extraAnnotations = { { QStringLiteral("note"), QStringLiteral("a, \"b\" = c") } };
        s.maxLeases = 7;
        s.nameTemplate = QStringLiteral("{{secret}}-{{random 6}}");
        s.generatedRules = { PolicyRule { { QStringLiteral("get") }, { QStringLiteral("apps") },
            { QStringLiteral("deployments") }, { QStringLiteral("web") }, {} } };
        s.generatedRoleType = RoleType::ClusterRole;
        s.namespaceSelector = QStringLiteral("team in (a,b)");
        QVERIFY2(secrets.insert(s), qPrintable(m_db->lastError()));
        QVERIFY(s.id > 0);
        QVERIFY(s.createdAt.isValid());

        const DynamicSecret r = *secrets.byName(m_dev, s.name);
        QCOMPARE(r.id, s.id);
        QCOMPARE(r.authMethod, AuthMethod::Gateway);
        QCOMPARE(r.gateway, s.gateway);
        QCOMPARE(r.clusterUrl, s.clusterUrl);
        QCOMPARE(r.credentialType, CredentialType::Dynamic);
        QCOMPARE(r.roleType, RoleType::Role);
        QCOMPARE(r.defaultTtl, Duration::fromMinutes(15));
        QCOMPARE(r.maxTtl, Duration::fromDays(2));
        QCOMPARE(r.boundTokens, true);
        QCOMPARE(r.allowedNamespaces, s.allowedNamespaces);
        QCOMPARE(r.audiences, s.audiences);
        QCOMPARE(r.updatedAt, s.updatedAt);
        QCOMPARE(r.extraRoles, s.extraRoles);
        QCOMPARE(r.extraLabels, s.extraLabels);
        QCOMPARE(r.extraAnnotations, s.extraAnnotations);
        QCOMPARE(r.maxLeases, 7);
        QCOMPARE(r.nameTemplate, s.nameTemplate);
        QCOMPARE(r.generatedRules, s.generatedRules);
        QCOMPARE(r.generatedRoleType, RoleType::ClusterRole);
        QCOMPARE(r.namespaceSelector, s.namespaceSelector);
        QVERIFY(!secrets.byName(m_prod, s.name).has_value());
        QVERIFY(!secrets.byId(s.id + 1).has_value());
    }

    void namesAreUniquePerEnvironment()
    {
        SecretRepository secrets(*m_db);
        DynamicSecret a = test::staticSecret(m_dev, QStringLiteral("shared"));
        DynamicSecret b = test::staticSecret(m_prod, QStringLiteral("shared"));
        DynamicSecret c = test::staticSecret(m_dev, QStringLiteral("shared"));
        QVERIFY(secrets.insert(a));
        QVERIFY(secrets.insert(b));
        QVERIFY(!secrets.insert(c));
        QVERIFY2(m_db->lastError().contains(QStringLiteral("\"shared\"")), qPrintable(m_db->lastError()));
        QCOMPARE(secrets.namesInEnvironment(m_dev), QStringList { QStringLiteral("shared") });
        QCOMPARE(secrets.namesInEnvironment(m_dev, a.id), QStringList());
    }

    void findsASecretByNameInEveryEnvironmentInOneStatement()
    {
        SecretRepository secrets(*m_db);
        DynamicSecret prod = test::staticSecret(m_prod, QStringLiteral("everywhere"));
        DynamicSecret dev = test::staticSecret(m_dev, QStringLiteral("everywhere"));
        DynamicSecret other = test::staticSecret(m_dev, QStringLiteral("elsewhere"));
        QVERIFY(secrets.insert(prod));
        QVERIFY(secrets.insert(dev));
        QVERIFY(secrets.insert(other));

        const qint64 before = m_db->statementsSent();
        const std::optional<QList<DynamicSecret>> found = secrets.listNamed(QStringLiteral("everywhere"));
        QCOMPARE(m_db->statementsSent() - before, 1);
        QVERIFY2(found.has_value(), qPrintable(m_db->lastError()));
        QCOMPARE(found->size(), 2);
        QCOMPARE(found->at(0).id, dev.id); // Development comes before Production
        QCOMPARE(found->at(1).id, prod.id);
        QCOMPARE(found->at(1).environmentId, m_prod);
        const std::optional<QList<DynamicSecret>> none = secrets.listNamed(QStringLiteral("nowhere"));
        QVERIFY(none.has_value() && none->isEmpty());

        // A failed read is not "there is none".
        m_db->close();
        QVERIFY(!secrets.listNamed(QStringLiteral("everywhere")).has_value());
        QVERIFY(!m_db->lastError().isEmpty());
    }

    void updatesAndRemovesSecrets()
    {
        SecretRepository secrets(*m_db);
        LeaseRepository leases(*m_db);
        DynamicSecret s = test::staticSecret(m_dev);
        QVERIFY(secrets.insert(s));
        s.serviceAccount = QStringLiteral("deployer");
        s.maxTtl = Duration::fromHours(8);
        QVERIFY2(secrets.update(s), qPrintable(m_db->lastError()));
        QCOMPARE(secrets.byId(s.id)->serviceAccount, QStringLiteral("deployer"));
        QCOMPARE(secrets.byId(s.id)->maxTtl, Duration::fromHours(8));

        QVERIFY(leases.insert(test::activeLease(s.id, QDateTime::currentDateTimeUtc())));
        QCOMPARE(secrets.openLeaseCount(s.id), 1);
        QCOMPARE(secrets.activeLeaseCounts(m_dev).value(s.id), 1);
        QCOMPARE(secrets.activeLeaseCounts(m_prod).value(s.id), 0);

        QVERIFY(secrets.remove(s.id));
        QVERIFY(!secrets.byId(s.id).has_value());
        QCOMPARE(leases.count(), 0); // cascaded
        QVERIFY(!secrets.remove(s.id));
        DynamicSecret gone = s;
        QVERIFY(!secrets.update(gone));
        QVERIFY2(m_db->lastError().contains(QStringLiteral("does not exist")), qPrintable(m_db->lastError()));
    }

    void anEditSavesOnlyOverTheVersionItRead()
    {
        SecretRepository secrets(*m_db);
        DynamicSecret s = test::staticSecret(m_dev, QStringLiteral("compared"));
        QVERIFY(secrets.insert(s));
        const QDateTime read = s.updatedAt;
        DynamicSecret mine = s;
        DynamicSecret theirs = s;
        theirs.maxTtl = Duration::fromHours(2);
        QVERIFY2(secrets.update(theirs, read), qPrintable(m_db->lastError()));
        QVERIFY(theirs.updatedAt > read); // even within the same millisecond
        mine.maxTtl = Duration::fromHours(3);
        QVERIFY(!secrets.update(mine, read));
        QCOMPARE(m_db->lastError(),
            QStringLiteral(
                "Dynamic secret \"compared\" was changed by someone else since it was read; nothing "
                "was saved."));
        QCOMPARE(secrets.byId(s.id)->maxTtl, Duration::fromHours(2));
        QVERIFY2(secrets.update(mine, theirs.updatedAt), qPrintable(m_db->lastError()));
        QCOMPARE(secrets.byId(s.id)->maxTtl, Duration::fromHours(3));
        QCOMPARE(secrets.byId(s.id)->updatedAt, mine.updatedAt);
    }

    void listsSecretsByEnvironmentSortedByName()
    {
        SecretRepository secrets(*m_db);
        for (const char *name : { "zeta", "alpha", "mid" }) {
            DynamicSecret s = test::staticSecret(m_dev, QString::fromLatin1(name));
            QVERIFY(secrets.insert(s));
        }
        DynamicSecret other = test::staticSecret(m_prod, QStringLiteral("prod-one"));
        QVERIFY(secrets.insert(other));
        QStringList names;
        for (const DynamicSecret &s : secrets.listByEnvironment(m_dev))
            names << s.name;
        QCOMPARE(
            names, (QStringList { QStringLiteral("alpha"), QStringLiteral("mid"), QStringLiteral("zeta") }));
        QCOMPARE(secrets.listAll().size(), 4);
        QCOMPARE(secrets.listAll().constLast().name, QStringLiteral("prod-one"));
    }

    void gatewayRoundTripsEveryFieldAndRejectsDuplicates()
    {
        GatewayRepository gateways(*m_db);
        GatewayRecord g;
        g.name = QStringLiteral("prod-eu");
        g.url = QStringLiteral("  https://gw.example:8443 ");
        g.caCertificate = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
        g.clientCertificate = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
        g.createdAt = QDateTime::fromMSecsSinceEpoch(1700000000123, Qt::UTC);
        QVERIFY2(gateways.insert(g), qPrintable(m_db->lastError()));
        QVERIFY(g.id > 0);

        bool failed = true;
        const std::optional<GatewayRecord> r = gateways.byName(QStringLiteral("prod-eu"), &failed);
        QVERIFY(!failed);
        QVERIFY(r);
        QCOMPARE(r->id, g.id);
        QCOMPARE(r->name, QStringLiteral("prod-eu"));
        QCOMPARE(r->url, QStringLiteral("https://gw.example:8443")); // stored trimmed
        QCOMPARE(r->caCertificate, g.caCertificate);
        QCOMPARE(r->clientCertificate, g.clientCertificate);
        QCOMPARE(r->createdAt, g.createdAt);

        GatewayRecord again = g;
        QVERIFY(!gateways.insert(again));
        QVERIFY2(m_db->lastError().contains(uniqueViolation()), qPrintable(m_db->lastError()));
        QCOMPARE(gateways.list()->size(), 1);

        failed = true;
        QVERIFY(!gateways.byName(QStringLiteral("nope"), &failed).has_value());
        QVERIFY(!failed); // none, not an error
    }

    void listsGatewaysByNameAndRemovesOne()
    {
        GatewayRepository gateways(*m_db);
        const std::optional<QList<GatewayRecord>> none = gateways.list();
        QVERIFY2(none && none->isEmpty(), qPrintable(m_db->lastError()));
        for (const char *name : { "zeta", "alpha", "mid" }) {
            GatewayRecord g;
            g.name = QString::fromLatin1(name);
            g.url = QStringLiteral("https://localhost:8443");
            g.createdAt = QDateTime::currentDateTimeUtc();
            QVERIFY2(gateways.insert(g), qPrintable(m_db->lastError()));
        }
        auto names = [&] {
            QStringList out;
            const std::optional<QList<GatewayRecord>> all = gateways.list();
            for (const GatewayRecord &g : all.value_or(QList<GatewayRecord> {}))
                out << g.name;
            return out;
        };
        QCOMPARE(names(),
            (QStringList { QStringLiteral("alpha"), QStringLiteral("mid"), QStringLiteral("zeta") }));
        QVERIFY(gateways.remove(QStringLiteral("mid")));
        QCOMPARE(names(), (QStringList { QStringLiteral("alpha"), QStringLiteral("zeta") }));
        QVERIFY(!gateways.byName(QStringLiteral("mid")).has_value());
        QVERIFY(gateways.remove(QStringLiteral("mid"))); // already gone: nothing to do
        QCOMPARE(names().size(), 2);
    }

    void namesTheSecretsThatUseAGateway()
    {
        SecretRepository secrets(*m_db);
        auto add = [&](qint64 env, const QString &name, AuthMethod auth, const QString &gateway) {
            DynamicSecret s = test::staticSecret(env, name);
            s.authMethod = auth;
            s.gateway = gateway;
            return secrets.insert(s);
        };
        QVERIFY(add(m_dev, QStringLiteral("zeta"), AuthMethod::Gateway, QStringLiteral("gw-1")));
        QVERIFY(add(m_prod, QStringLiteral("alpha"), AuthMethod::Gateway, QStringLiteral("gw-1")));
        QVERIFY(add(m_dev, QStringLiteral("other-gateway"), AuthMethod::Gateway, QStringLiteral("gw-2")));
        // Token (API) auth through the gateway uses it too; without one, it uses none.
        QVERIFY(add(m_dev, QStringLiteral("token-auth"), AuthMethod::Token, QStringLiteral("gw-1")));
        QVERIFY(add(m_dev, QStringLiteral("direct"), AuthMethod::Token, QString()));

        GatewayRepository gateways(*m_db);
        const std::optional<QStringList> gw1 = gateways.secretNamesUsing(QStringLiteral("gw-1"));
        const std::optional<QStringList> gw2 = gateways.secretNamesUsing(QStringLiteral("gw-2"));
        const std::optional<QStringList> unused = gateways.secretNamesUsing(QStringLiteral("unused"));
        QVERIFY2(gw1 && gw2 && unused, qPrintable(m_db->lastError()));
        QCOMPARE(*gw1,
            (QStringList { QStringLiteral("alpha"), QStringLiteral("token-auth"), QStringLiteral("zeta") }));
        QCOMPARE(*gw2, QStringList { QStringLiteral("other-gateway") });
        QVERIFY(unused->isEmpty());
    }

    void gatewayReadFailuresAreNotMistakenForNone()
    {
        QSqlQuery drop(m_db->connection());
        QVERIFY(drop.exec(QStringLiteral("DROP TABLE gateways")));
        GatewayRepository gateways(*m_db);
        bool failed = false;
        QVERIFY(!gateways.byName(QStringLiteral("prod"), &failed).has_value());
        QVERIFY(failed);
        QVERIFY2(
            m_db->lastError().contains(QStringLiteral("read the gateway")), qPrintable(m_db->lastError()));
        QVERIFY(!gateways.list().has_value());
        QVERIFY2(
            m_db->lastError().contains(QStringLiteral("list the gateways")), qPrintable(m_db->lastError()));
        GatewayRecord g;
        g.name = QStringLiteral("prod");
        QVERIFY(!gateways.insert(g));
        QVERIFY(!gateways.remove(QStringLiteral("prod")));
    }

    void leaseRoundTripsAndFollowsTransitions()
    {
        DynamicSecret s = test::dynamicSecret(m_dev);
        QVERIFY(SecretRepository(*m_db).insert(s));
        LeaseRepository leases(*m_db);
        Lease l = test::activeLease(s.id, QDateTime::currentDateTimeUtc());
        l.state = LeaseState::Provisioning;
        l.boundSecretName = QStringLiteral("bound-x");
        l.nextCleanupAt = l.expiresAt.addSecs(60);
        l.serviceAccountUid = QStringLiteral("uid-sa");
        l.bindingUid = QStringLiteral("uid-rb");
        l.extraObjects = {
            LeaseObject { QStringLiteral("ClusterRoleBinding"), QString(), QStringLiteral("x-2"),
                QStringLiteral("uid-crb"), QStringLiteral("ClusterRole"), QStringLiteral("view") },
            LeaseObject { QStringLiteral("Role"), QStringLiteral("team-a"), QStringLiteral("x"), {}, {}, {} }
        };
        QVERIFY2(leases.insert(l), qPrintable(m_db->lastError()));
        QVERIFY(!leases.insert(l)); // same id

        Lease r = *leases.byId(l.id.toUpper());
        QCOMPARE(r.kind, LeaseKind::Dynamic);
        QCOMPARE(r.createdAt, l.createdAt);
        QCOMPARE(r.bindingKind, QStringLiteral("RoleBinding"));
        QCOMPARE(r.boundSecretName, QStringLiteral("bound-x"));
        QCOMPARE(r.createdServiceAccount, true);
        QCOMPARE(r.nextCleanupAt, l.nextCleanupAt);
        QCOMPARE(r.tokenJti, l.tokenJti);
        QCOMPARE(r.serviceAccountUid, QStringLiteral("uid-sa"));
        QCOMPARE(r.bindingUid, QStringLiteral("uid-rb"));
        QVERIFY(r.boundSecretUid.isEmpty());
        QCOMPARE(r.extraObjects, l.extraObjects);

        using U = LeaseRepository::Update;
        r.state = LeaseState::Active;
        r.boundSecretUid = QStringLiteral("uid-secret");
        QCOMPARE(leases.update(r, LeaseState::Provisioning), U::Updated);
        QCOMPARE(leases.byId(l.id)->boundSecretUid, QStringLiteral("uid-secret"));
        r.state = LeaseState::Provisioning; // not allowed back
        QCOMPARE(leases.update(r, LeaseState::Active), U::Failed);
        QVERIFY2(m_db->lastError().contains(QStringLiteral("cannot go from Active to Provisioning")),
            qPrintable(m_db->lastError()));
        QCOMPARE(leases.byId(l.id)->state, LeaseState::Active);
        r.state = LeaseState::Active;
        r.cleanupAttempts = 2; // same state: a plain update
        QCOMPARE(leases.update(r, LeaseState::Active), U::Updated);
        QCOMPARE(leases.byId(l.id)->cleanupAttempts, 2);
        Lease unknown = r;
        unknown.id = Lease::newId();
        QCOMPARE(leases.update(unknown, LeaseState::Active), U::Failed);

        // Compare-and-set: two writers read Active; the first moves it, the second changes nothing.
        Lease first = r;
        first.state = LeaseState::Revoking;
        first.closedBy = QStringLiteral("alice@a");
        first.closedAt = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
        Lease second = r;
        second.state = LeaseState::Revoking;
        second.closedBy = QStringLiteral("bob@b");
        QCOMPARE(leases.update(first, LeaseState::Active), U::Updated);
        QCOMPARE(leases.update(second, LeaseState::Active), U::Conflict);
        QVERIFY2(m_db->lastError().contains(QStringLiteral("another process changed it first")),
            qPrintable(m_db->lastError()));
        const Lease stored = *leases.byId(l.id);
        QCOMPARE(stored.state, LeaseState::Revoking);
        QCOMPARE(stored.closedBy, QStringLiteral("alice@a"));
        QCOMPARE(stored.closedAt, first.closedAt);
    }

    void theLeaseLimitCountsOnlyLeasesWhoseTokenMayStillWork()
    {
        DynamicSecret s = test::dynamicSecret(m_dev);
        QVERIFY(SecretRepository(*m_db).insert(s));
        LeaseRepository leases(*m_db);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(QDateTime::currentMSecsSinceEpoch(), Qt::UTC);
        const auto add = [&](LeaseState state, qint64 ttl, bool token) {
            Lease l = test::activeLease(s.id, now.addSecs(-60), ttl);
            l.state = state;
            if (!token)
                l.tokenJti.clear();
            QVERIFY2(leases.insert(l), qPrintable(m_db->lastError()));
        };
        add(LeaseState::Active, 3600, true); // counts
        add(LeaseState::Released, 3600, true); // counts: its token works until it expires
        add(LeaseState::Provisioning, 3600, false); // counts: about to hold a token
        add(LeaseState::CleanupFailed, 3600, true); // counts: its objects are still there
        add(LeaseState::Active, 30, true); // expired
        add(LeaseState::Revoked, 3600, true);
        add(LeaseState::Failed, 3600, false);
        add(LeaseState::CleanupFailed, 3600, false); // a rollback pending: never had a token
        QCOMPARE(leases.liveCount(s.id, now), 4);

        Lease next = test::activeLease(s.id, now);
        next.state = LeaseState::Provisioning;
        int live = -1;
        QCOMPARE(leases.insertWithinLimit(next, 4, &live), LeaseRepository::Insert::LimitReached);
        QCOMPARE(live, 4);
        QVERIFY(!leases.byId(next.id).has_value());
        QCOMPARE(leases.insertWithinLimit(next, 5, &live), LeaseRepository::Insert::Inserted);
        QVERIFY(leases.byId(next.id).has_value());
        Lease unlimited = test::activeLease(s.id, now);
        QCOMPARE(leases.insertWithinLimit(unlimited, 0), LeaseRepository::Insert::Inserted);
        QCOMPARE(leases.insertWithinLimit(unlimited, 0), LeaseRepository::Insert::Failed); // same id
    }

    // A new lease is recorded only from the definition it was planned from;
    // in a team profile its commit signs its event against the head this
    // connection last saw, and signs again when another program appended
    // meanwhile (issue 14's 2 round trips, each checked by the server).
    void aLeaseIsRecordedFromItsDefinitionAndCommittedWithItsEventInTurn()
    {
        DynamicSecret s = test::dynamicSecret(m_dev);
        QVERIFY(SecretRepository(*m_db).insert(s));
        s = *SecretRepository(*m_db).byId(s.id);
        LeaseRepository leases(*m_db);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(QDateTime::currentMSecsSinceEpoch(), Qt::UTC);
        Lease lease = test::activeLease(s.id, now);
        lease.state = LeaseState::Provisioning;
        lease.tokenJti.clear();
        LeaseLock lock(*m_db, lease.id);
        QCOMPARE(leases.open(lease, s.updatedAt, 0, lock), LeaseRepository::Insert::Inserted);
        QVERIFY(lock.isLocked());

        // Planned from a definition edited since: nothing written.
        Lease stale = test::activeLease(s.id, now);
        stale.state = LeaseState::Provisioning;
        LeaseLock staleLock(*m_db, stale.id);
        QCOMPARE(leases.open(stale, s.updatedAt.addMSecs(-1), 0, staleLock),
            LeaseRepository::Insert::SecretChanged);
        QVERIFY(!leases.byId(stale.id).has_value());

        Lease active = lease;
        active.state = LeaseState::Active;
        active.tokenJti = QStringLiteral("jti-1");
        AuditEvent created;
        created.kind = AuditEvent::LeaseCreated;
        created.leaseId = lease.id;
        if (!postgres()) {
            // SQLite's lease path is a transaction of its own (LeaseService::commit).
            QCOMPARE(leases.commit(active, LeaseState::Provisioning, {}, created, &lock),
                LeaseRepository::Update::Failed);
            QCOMPARE(leases.byId(lease.id)->state, LeaseState::Provisioning);
            return;
        }
        {
            // Another program appends: the head this connection learnt is stale.
            Database other;
            QVERIFY2(m_profile->open(other), qPrintable(other.lastError()));
            AuditEvent edit;
            edit.kind = AuditEvent::SecretUpdated;
            edit.secretName = s.name;
            QVERIFY2(AuditLog(other).append(edit), qPrintable(other.lastError()));
        }
        const qint64 before = m_db->statementsSent();
        QCOMPARE(leases.commit(active, LeaseState::Provisioning, {}, created, &lock),
            LeaseRepository::Update::Updated);
        QCOMPARE(m_db->statementsSent() - before, 2); // "moved", then stored
        QVERIFY(!lock.isLocked()); // released by the server with the commit
        QCOMPARE(leases.byId(lease.id)->state, LeaseState::Active);
        AuditFilter filter;
        filter.leaseId = lease.id;
        const QList<AuditEvent> events = AuditLog(*m_db).list(filter);
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().kind, AuditEvent::LeaseCreated);
        const AuditVerification verified = AuditLog(*m_db).verify();
        QVERIFY2(verified.intact(), qPrintable(verified.reason));

        // From a state it is no longer in: a conflict, nothing written.
        QCOMPARE(
            leases.commit(active, LeaseState::Provisioning, {}, created), LeaseRepository::Update::Conflict);
        QCOMPARE(AuditLog(*m_db).list(filter).size(), 1);
    }

    void findsLeasesDueForCleanup()
    {
        DynamicSecret s = test::dynamicSecret(m_dev);
        QVERIFY(SecretRepository(*m_db).insert(s));
        LeaseRepository leases(*m_db);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(1'800'000'000'000, Qt::UTC);
        Lease expired = test::activeLease(s.id, now.addSecs(-7200), 3600);
        Lease live = test::activeLease(s.id, now.addSecs(-60), 3600);
        Lease retryDue = test::activeLease(s.id, now.addSecs(-7200), 3600);
        retryDue.state = LeaseState::CleanupFailed;
        retryDue.nextCleanupAt = now.addSecs(-1);
        Lease retryLater = test::activeLease(s.id, now.addSecs(-7200), 3600);
        retryLater.state = LeaseState::CleanupFailed;
        retryLater.nextCleanupAt = now.addSecs(30);
        Lease revoked = test::activeLease(s.id, now.addSecs(-7200), 600);
        revoked.state = LeaseState::Revoked;
        Lease provisioning = test::activeLease(s.id, now, 600);
        provisioning.state = LeaseState::Provisioning;
        for (const Lease &l : { expired, live, retryDue, retryLater, revoked, provisioning })
            QVERIFY(leases.insert(l));

        QStringList due;
        for (const Lease &l : leases.dueForCleanup(now))
            due << l.id;
        QCOMPARE(due.size(), 2);
        QVERIFY(due.contains(expired.id));
        QVERIFY(due.contains(retryDue.id));
        QCOMPARE(leases.unfinished().size(), 1);
        QCOMPARE(leases.unfinished().constFirst().id, provisioning.id);
        QCOMPARE(leases.nextExpiry(), expired.expiresAt);
        QCOMPARE(leases.listByState(LeaseState::CleanupFailed).size(), 2);
        QCOMPARE(leases.listForSecret(s.id).size(), 6);
        QCOMPARE(leases.listForSecret(s.id, false).size(), 5);
        QCOMPARE(leases.listAll(false).size(), 5);
        QCOMPARE(leases.listAll().constFirst().id, provisioning.id); // newest first
        QCOMPARE(SecretRepository(*m_db).openLeaseCount(s.id), 5);
        QCOMPARE(SecretRepository(*m_db).activeLeaseCounts().value(s.id), 2);
    }

    // Display names: one per actor, each change an audit event in the signed
    // chain, unchanged names write nothing, and a name changed meanwhile is not overwritten.
    void peopleAreNamedOnceEachWithAnAuditEvent()
    {
        using Outcome = PeopleRepository::Naming::Outcome;
        PeopleRepository people(*m_db);
        QVERIFY(people.names().has_value());
        QVERIFY(people.names()->isEmpty());
        QCOMPARE(people.nameOf(QStringLiteral("alice@laptop")), QString());

        PeopleRepository::Naming named
            = people.setName(QStringLiteral("alice@laptop"), QStringLiteral("  Alice Doe "));
        QVERIFY2(named.outcome == Outcome::Named, qPrintable(named.error));
        QVERIFY(named.event.has_value());
        QCOMPARE(named.event->kind, AuditEvent::PersonNamed);
        QCOMPARE(named.event->actor, QStringLiteral("alice@laptop"));
        QCOMPARE(named.event->detail, QStringLiteral("alice@laptop is now called \"Alice Doe\"."));
        QCOMPARE(people.nameOf(QStringLiteral("alice@laptop")), QStringLiteral("Alice Doe"));

        // The same name again: nothing written.
        const qsizetype events = AuditLog(*m_db).list().size();
        QCOMPARE(people.setName(QStringLiteral("alice@laptop"), QStringLiteral("Alice Doe")).outcome,
            Outcome::Unchanged);
        QCOMPARE(AuditLog(*m_db).list().size(), events);

        // Someone renamed her since the caller looked: not overwritten.
        const PeopleRepository::Naming stale = people.setName(
            QStringLiteral("alice@laptop"), QStringLiteral("Alice D."), QStringLiteral("Alice"));
        QCOMPARE(stale.outcome, Outcome::Conflict);
        QVERIFY2(
            stale.error.contains(QStringLiteral("changed while it was being set")), qPrintable(stale.error));
        QCOMPARE(people.nameOf(QStringLiteral("alice@laptop")), QStringLiteral("Alice Doe"));
        QCOMPARE(AuditLog(*m_db).list().size(), events);

        named = people.setName(
            QStringLiteral("alice@laptop"), QStringLiteral("Alice D."), QStringLiteral("Alice Doe"));
        QVERIFY2(named.outcome == Outcome::Named, qPrintable(named.error));
        QCOMPARE(named.previous, QStringLiteral("Alice Doe"));
        QCOMPARE(named.event->detail,
            QStringLiteral("alice@laptop is now called \"Alice D.\" (was \"Alice Doe\")."));
        named = people.setName(QStringLiteral("alice@desktop"), QStringLiteral("alice d."));
        QVERIFY2(named.outcome == Outcome::Named, qPrintable(named.error));
        named = people.setName(QStringLiteral("bob@desktop"), QStringLiteral("Bob"));
        QVERIFY2(named.outcome == Outcome::Named, qPrintable(named.error));

        const PersonNames names = *people.names();
        QCOMPARE(names.byActor().size(), 3);
        QCOMPARE(names.describe(QStringLiteral("bob@desktop")), QStringLiteral("Bob (bob@desktop)"));
        QCOMPARE(names.describe(QStringLiteral("carol@x")), QStringLiteral("carol@x"));
        QCOMPARE(names.actorsNamed(QStringLiteral(" ALICE D. ")),
            QStringList({ QStringLiteral("alice@desktop"), QStringLiteral("alice@laptop") }));
        QVERIFY(names.actorsNamed(QStringLiteral("Alice")).isEmpty());

        AuditFilter filter;
        filter.kind = AuditEvent::PersonNamed;
        QCOMPARE(AuditLog(*m_db).list(filter).size(), 4);
        const AuditVerification verified = AuditLog(*m_db).verify();
        QVERIFY2(verified.intact(), qPrintable(verified.reason));
    }

    // The lease table's rows: the columns it shows, as the whole Lease has them, newest first.
    void summariesHoldWhatTheLeaseTableShowsNewestFirst()
    {
        DynamicSecret s = test::dynamicSecret(m_dev, QStringLiteral("listed"));
        DynamicSecret other = test::dynamicSecret(m_dev, QStringLiteral("other"));
        QVERIFY(SecretRepository(*m_db).insert(s));
        QVERIFY(SecretRepository(*m_db).insert(other));
        LeaseRepository leases(*m_db);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(1'800'000'000'123, Qt::UTC);
        Lease older = test::activeLease(s.id, now.addSecs(-600), 3600);
        older.namespaceName = QStringLiteral("payments");
        older.createdBy = QStringLiteral("alice@laptop");
        older.closedBy = QStringLiteral("bob@desktop");
        older.closedAt = now.addSecs(-300);
        older.state = LeaseState::CleanupFailed;
        older.failureReason = QStringLiteral("The API server did not answer.");
        older.extraObjects = { LeaseObject {
            QStringLiteral("Role"), QStringLiteral("payments"), QStringLiteral("r"), {}, {}, {} } };
        older.audiences = QStringList { QStringLiteral("vault") };
        Lease newer = test::activeLease(s.id, now, 600);
        newer.kind = LeaseKind::BoundStatic;
        Lease provisioning = test::activeLease(s.id, now.addSecs(-60), 600);
        provisioning.state = LeaseState::Provisioning;
        provisioning.expiresAt = QDateTime(); // not known yet
        Lease elsewhere = test::activeLease(other.id, now, 600);
        for (const Lease &l : { older, newer, provisioning, elsewhere })
            QVERIFY2(leases.insert(l), qPrintable(m_db->lastError()));

        const QList<LeaseSummary> rows = leases.summariesForSecret(s.id);
        QCOMPARE(rows.size(), 3);
        // Exactly what LeaseSummary::of makes of the whole lease the store returns.
        QCOMPARE(rows[0], LeaseSummary::of(*leases.byId(newer.id)));
        QCOMPARE(rows[1], LeaseSummary::of(*leases.byId(provisioning.id)));
        QCOMPARE(rows[2], LeaseSummary::of(*leases.byId(older.id)));
        QCOMPARE(rows[0].kind, LeaseKind::BoundStatic);
        QCOMPARE(rows[0].createdMs, now.toMSecsSinceEpoch());
        QCOMPARE(rows[0].expiresMs, now.addSecs(600).toMSecsSinceEpoch());
        QCOMPARE(rows[1].state, LeaseState::Provisioning);
        QCOMPARE(rows[1].expiresMs, 0);
        QCOMPARE(rows[2].namespaceName, QStringLiteral("payments"));
        QCOMPARE(rows[2].createdBy, QStringLiteral("alice@laptop"));
        QCOMPARE(rows[2].closedBy, QStringLiteral("bob@desktop"));
        QCOMPARE(rows[0].closedBy, QString());
        QCOMPARE(rows[2].state, LeaseState::CleanupFailed);
        QCOMPARE(rows[2].failureReason, older.failureReason);
        QCOMPARE(rows[2].serviceAccount, older.serviceAccount);
        QVERIFY(leases.summariesForSecret(12345).isEmpty());
    }

    // What the tray needs of the Active leases, from counts and lookups rather than every row.
    void theTrayOutlookCountsActiveLeasesAndFindsTheNextOnes()
    {
        DynamicSecret s = test::dynamicSecret(m_dev);
        QVERIFY(SecretRepository(*m_db).insert(s));
        LeaseRepository leases(*m_db);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(1'800'000'000'000, Qt::UTC);
        Lease pastExpiry = test::activeLease(s.id, now.addSecs(-7200), 3600); // waits for its cleanup
        Lease inTwoMinutes = test::activeLease(s.id, now.addSecs(-480), 600);
        Lease inFourMinutes = test::activeLease(s.id, now.addSecs(-360), 600);
        Lease inAnHour = test::activeLease(s.id, now, 3600);
        Lease revoked = test::activeLease(s.id, now, 60);
        revoked.state = LeaseState::Revoked;
        for (const Lease &l : { pastExpiry, inTwoMinutes, inFourMinutes, inAnHour, revoked })
            QVERIFY(leases.insert(l));

        QCOMPARE(leases.countActiveExpiringAfter(now), 3);
        QCOMPARE(leases.countActiveExpiringAfter(now.addSecs(-7200)), 4);
        QCOMPARE(leases.firstActiveExpiringAfter(now)->id, inTwoMinutes.id);
        QCOMPARE(leases.firstActiveExpiringAfter(now.addSecs(300))->id, inAnHour.id);
        QVERIFY(!leases.firstActiveExpiringAfter(now.addSecs(3600)));
        const QList<Lease> soon = leases.listActiveExpiringBetween(now, now.addSecs(300));
        QCOMPARE(soon.size(), 2);
        QCOMPARE(soon[0].id, inTwoMinutes.id);
        QCOMPARE(soon[1].id, inFourMinutes.id);
        QCOMPARE(leases.listActiveExpiringBetween(now, now.addSecs(240)).size(), 2); // "until" included
        QCOMPARE(leases.listActiveExpiringBetween(now, now.addSecs(60)).size(), 0);
    }

    void nextExpiryIsEmptyWithoutLiveLeases() { QVERIFY(!LeaseRepository(*m_db).nextExpiry().has_value()); }

    void scalesToOneHundredThousandLeases()
    {
        DynamicSecret a = test::dynamicSecret(m_dev, QStringLiteral("a"));
        DynamicSecret b = test::dynamicSecret(m_dev, QStringLiteral("b"));
        QVERIFY(SecretRepository(*m_db).insert(a));
        QVERIFY(SecretRepository(*m_db).insert(b));
        LeaseRepository leases(*m_db);
        const QDateTime base = QDateTime::fromMSecsSinceEpoch(1'800'000'000'000, Qt::UTC);
        QElapsedTimer timer;
        timer.start();
        const bool ok = m_db->transaction([&] {
            for (int i = 0; i < 100'000; ++i) {
                Lease l = test::activeLease(i % 100 == 0 ? b.id : a.id, base.addSecs(i), 3600);
                if (i % 3)
                    l.state = LeaseState::Expired;
                if (!leases.insert(l))
                    return false;
            }
            return true;
        });
        QVERIFY2(ok, qPrintable(m_db->lastError()));
        const qint64 insertMs = timer.elapsed();
        if (postgres())
            QVERIFY(m_db->exec(QStringLiteral("ANALYZE leases"),
                QStringLiteral("test"))); // fresh statistics, as autovacuum would
        QCOMPARE(leases.count(), 100'000);

        timer.restart();
        QCOMPARE(leases.listForSecret(b.id).size(), 1000);
        const qint64 listMs = timer.elapsed();
        timer.restart();
        QCOMPARE(leases.nextExpiry(), base.addSecs(3600));
        const QList<Lease> due = leases.dueForCleanup(base.addSecs(3600 + 99));
        QCOMPARE(due.size(), 34); // i = 0, 3, ..., 99
        const qint64 dueMs = timer.elapsed();
        qInfo("100k leases: insert %lld ms (one transaction), listForSecret(1000) %lld ms, nextExpiry+due "
              "%lld ms",
            insertMs, listMs, dueMs);

        // The queries the lease engine runs use the indexes, not a table scan.
        // PostgreSQL's planner may take another of the indexes (by expiry,
        // filtering on state): any index will do, a sequential scan will not.
        const auto usesIndex = [&](const QString &sql, const QString &index) {
            const QString plan = queryPlan(sql);
            if (postgres())
                return plan.contains(QStringLiteral("Index")) && !plan.contains(QStringLiteral("Seq Scan"));
            return plan.contains(index);
        };
        QVERIFY2(
            usesIndex(QStringLiteral("SELECT * FROM leases WHERE secret_id = 1 ORDER BY created_at DESC"),
                QStringLiteral("leases_by_secret")),
            "listForSecret scans");
        QVERIFY2(usesIndex(QStringLiteral("SELECT min(expires_at) FROM leases WHERE state = 'active'"),
                     QStringLiteral("leases_by_state")),
            "nextExpiry scans");
        QVERIFY2(usesIndex(QStringLiteral("SELECT * FROM leases WHERE state = 'active' AND expires_at <= 5"),
                     QStringLiteral("leases_by_state")),
            "dueForCleanup scans");
    }
};

QTEST_GUILESS_MAIN(TestRepositories)
#include "tst_repositories.moc"
