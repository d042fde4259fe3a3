// The lease engine end to end against kms-testcluster: every mode's token
// works and does exactly what the role grants, revoke really revokes, and
// failures, faults, crashes and expiry leave nothing behind.
#include "core/AuditEvent.h"
#include "leases/ClusterConnections.h"
#include "leases/ExpiryScheduler.h"
#include "leases/LeaseService.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include "TestCluster.h"
#include "TestSupport.h"

#include <QCoro/QCoroTask>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

#include <map>

using namespace kms;
using kms::test::TestCluster;

namespace {

const QString ManagedSelector = QStringLiteral("?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms");

} // namespace

class TestLeaseService : public QObject {
    Q_OBJECT

    TestCluster *m_cluster = nullptr;
    QByteArray m_requesterToken;
    // One profile per backend (the global "backend" rows), kept for the whole run.
    // Each with a cluster of its own: the tests make cluster-wide objects with fixed names.
    struct Profile {
        std::unique_ptr<TestCluster> cluster;
        QByteArray requesterToken;
        std::unique_ptr<kms::test::TempProfile> profile;
        std::unique_ptr<CredentialVault> vault; // the profile's keychain service
        std::unique_ptr<Database> db;
        qint64 envId = 0;
    };
    std::map<kms::test::Backend, Profile> m_profiles;
    Database *m_db = nullptr;
    CredentialVault *m_vault = nullptr;
    std::unique_ptr<ClusterConnections> m_connections;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<LeaseService> m_service;
    qint64 m_envId = 0;
    int m_counter = 0;

    // --- cluster side, as admin ---
    QJsonObject tokenReview(const QByteArray &token, const QStringList &audiences = {})
    {
        QJsonObject spec { { "token", QString::fromUtf8(token) } };
        if (!audiences.isEmpty())
            spec.insert("audiences", QJsonArray::fromStringList(audiences));
        const auto r = m_cluster->request("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
            { { "apiVersion", "authentication.k8s.io/v1" }, { "kind", "TokenReview" }, { "spec", spec } });
        return r.json.value("status").toObject();
    }
    bool authenticates(const QByteArray &token) { return tokenReview(token).value("authenticated").toBool(); }
    // What the token itself may do (a SelfSubjectAccessReview sent with it).
    bool can(const QByteArray &token, const QString &verb, const QString &resource, const QString &ns)
    {
        const QJsonObject body { { "apiVersion", "authorization.k8s.io/v1" },
            { "kind", "SelfSubjectAccessReview" },
            { "spec",
                QJsonObject { { "resourceAttributes",
                    QJsonObject { { "verb", verb }, { "resource", resource }, { "namespace", ns } } } } } };
        const auto r = m_cluster->request(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body, token);
        return r.status == 201 && r.json.value("status").toObject().value("allowed").toBool();
    }
    QStringList labelledObjects(const QStringList &namespaces)
    {
        QStringList found;
        auto collect = [&](const QString &path, const QString &what) {
            const auto r = m_cluster->request("GET", path + ManagedSelector);
            for (const QJsonValue &item : r.json.value("items").toArray())
                found << what + '/' + item["metadata"]["name"].toString();
        };
        for (const QString &ns : namespaces) {
            collect(QStringLiteral("/api/v1/namespaces/%1/serviceaccounts").arg(ns), "sa:" + ns);
            collect(QStringLiteral("/api/v1/namespaces/%1/secrets").arg(ns), "secret:" + ns);
            collect(QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/%1/rolebindings").arg(ns),
                "rb:" + ns);
        }
        collect("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "crb");
        return found;
    }
    void createNamespace(const QString &name)
    {
        m_cluster->request("POST", "/api/v1/namespaces",
            { { "apiVersion", "v1" }, { "kind", "Namespace" },
                { "metadata", QJsonObject { { "name", name } } } });
    }
    void createServiceAccount(const QString &ns, const QString &name, const QJsonObject &labels = {},
        const QJsonObject &annotations = {})
    {
        QJsonObject meta { { "name", name } };
        if (!labels.isEmpty())
            meta.insert("labels", labels);
        if (!annotations.isEmpty())
            meta.insert("annotations", annotations);
        const auto r
            = m_cluster->request("POST", QStringLiteral("/api/v1/namespaces/%1/serviceaccounts").arg(ns),
                { { "apiVersion", "v1" }, { "kind", "ServiceAccount" }, { "metadata", meta } });
        QVERIFY2(r.status == 201, r.body.constData());
    }

    // Gives the requester a ClusterRole with these rules.
    void grant(const QString &name, const QJsonArray &rules)
    {
        const auto role = m_cluster->request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            { { "apiVersion", "rbac.authorization.k8s.io/v1" }, { "kind", "ClusterRole" },
                { "metadata", QJsonObject { { "name", name } } }, { "rules", rules } });
        QVERIFY2(role.status == 201, role.body.constData());
        const auto binding
            = m_cluster->request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                { { "apiVersion", "rbac.authorization.k8s.io/v1" }, { "kind", "ClusterRoleBinding" },
                    { "metadata", QJsonObject { { "name", name } } },
                    { "roleRef",
                        QJsonObject { { "apiGroup", "rbac.authorization.k8s.io" }, { "kind", "ClusterRole" },
                            { "name", name } } },
                    { "subjects",
                        QJsonArray { QJsonObject { { "kind", "ServiceAccount" },
                            { "name", "kms-token-requester" }, { "namespace", "default" } } } } });
        QVERIFY2(binding.status == 201, binding.body.constData());
    }

    // --- our side ---
    DynamicSecret addSecret(DynamicSecret s)
    {
        s.environmentId = m_envId;
        s.name = QStringLiteral("%1-%2").arg(s.name).arg(++m_counter);
        s.clusterUrl = m_cluster->url().toString();
        s.caCertificate = QString::fromUtf8(m_cluster->caPem());
        SecretRepository secrets(*m_db);
        if (!secrets.insert(s))
            qFatal("insert secret: %s", qPrintable(m_db->lastError()));
        const VaultResult put = QCoro::waitFor(m_vault->put(s.vaultKey(), m_requesterToken));
        if (!put.ok)
            qFatal("vault: %s", qPrintable(put.message));
        return s;
    }
    DynamicSecret staticSecret(bool bound)
    {
        DynamicSecret s;
        s.name = bound ? "bound" : "static";
        s.credentialType = CredentialType::Static;
        s.serviceAccount = "app";
        s.namespaceName = "default";
        s.boundTokens = bound;
        return addSecret(s);
    }
    DynamicSecret dynamicSecret(const QString &role = "kms-dynamic-role", bool clusterWide = false)
    {
        DynamicSecret s;
        s.name = "dyn";
        s.credentialType = CredentialType::Dynamic;
        s.allowedNamespaces = { "team-a", "team-b" };
        s.roleType = RoleType::ClusterRole;
        s.roleName = role;
        s.clusterWide = clusterWide;
        return addSecret(s);
    }
    LeaseCreation lease(
        const DynamicSecret &s, const QString &ns = {}, std::optional<Duration> ttl = std::nullopt)
    {
        LeaseRequest request;
        request.secretId = s.id;
        request.namespaceName = ns;
        request.ttl = ttl;
        return QCoro::waitFor(m_service->createLease(request));
    }
    void newService(QDateTime now = QDateTime::currentDateTimeUtc())
    {
        m_service.reset();
        m_connections = std::make_unique<ClusterConnections>(*m_vault);
        m_clock = std::make_unique<ManualClock>(now);
        m_service = std::make_unique<LeaseService>(*m_db, *m_connections, m_clock.get());
    }

    QList<AuditEvent> leaseEvents(const QString &leaseId)
    {
        AuditFilter filter;
        filter.leaseId = leaseId;
        return AuditLog(*m_db).list(filter);
    }

private slots:

    void initTestCase_data() { kms::test::addBackendRows(); }
    void init()
    {
        KMS_INIT_BACKEND();
        Profile &p = m_profiles[kms::test::backend()];
        if (!p.db) {
            p.cluster = std::make_unique<TestCluster>();
            m_cluster = p.cluster.get();
            QVERIFY2(m_cluster->start(), qPrintable(m_cluster->errorString()));
            p.requesterToken = m_cluster->applySeedSetup();
            QVERIFY2(!p.requesterToken.isEmpty(), qPrintable(m_cluster->errorString()));
            createNamespace("team-a");
            createNamespace("team-b");
            createServiceAccount("default", "app");
            p.profile = std::make_unique<kms::test::TempProfile>();
            p.vault = std::make_unique<CredentialVault>(p.profile->keychainService());
            p.db = std::make_unique<Database>();
            QVERIFY2(p.profile->open(*p.db), qPrintable(p.db->lastError()));
            p.envId = EnvironmentRepository(*p.db).list().first().id;
        }
        if (m_db != p.db.get()) {
            m_cluster = p.cluster.get();
            m_requesterToken = p.requesterToken;
            m_db = p.db.get();
            m_vault = p.vault.get();
            m_envId = p.envId;
            newService();
        }
    }

    void staticLeaseWorksAndRevokeSaysTheTokenStaysValid()
    {
        const DynamicSecret s = staticSecret(false);
        const LeaseCreation created = lease(s);
        QVERIFY2(created.ok(), qPrintable(created.error));
        QCOMPARE(created.lease->state, LeaseState::Active);
        QCOMPARE(created.lease->serviceAccount, "app");
        const QJsonObject review = tokenReview(created.issued->token);
        QVERIFY(review.value("authenticated").toBool());
        QCOMPARE(review["user"]["username"].toString(), "system:serviceaccount:default:app");
        QCOMPARE(created.lease->tokenJti, created.issued->jti);
        QVERIFY(!created.lease->tokenJti.isEmpty());
        // The expiry stored is the server's answer (1h default TTL).
        QVERIFY(qAbs(QDateTime::currentDateTimeUtc().secsTo(created.lease->expiresAt) - 3600) < 30);

        const RevokeOutcome revoked = QCoro::waitFor(m_service->revoke(created.lease->id));
        QVERIFY(revoked.ok);
        // Released, never "revoked": the token still passes a TokenReview, and every word says so.
        QCOMPARE(revoked.lease->state, LeaseState::Released);
        QVERIFY2(revoked.message.contains("released"), qPrintable(revoked.message));
        QVERIFY2(revoked.message.contains("stays valid until it expires"), qPrintable(revoked.message));
        QVERIFY(authenticates(created.issued->token)); // Kubernetes cannot revoke it; we said so
        QCOMPARE(revoked.lease->closedBy, AuditEvent::currentActor());
        QVERIFY(revoked.lease->closedAt.isValid());
        const QList<AuditEvent> events = leaseEvents(created.lease->id);
        QCOMPARE(events.last().kind, AuditEvent::LeaseReleased);
        for (const AuditEvent &e : events)
            QVERIFY2(e.kind != AuditEvent::LeaseRevoked, qPrintable(e.kind));

        // A second close is not a second event: it says who released it and when.
        const RevokeOutcome again = QCoro::waitFor(m_service->revoke(created.lease->id));
        QVERIFY(again.ok);
        QVERIFY(again.alreadyClosed);
        QVERIFY2(again.message.contains("already released by " + AuditEvent::currentActor()),
            qPrintable(again.message));
        QCOMPARE(leaseEvents(created.lease->id).size(), events.size());
    }

    // The desktop's copy of a secret that another administrator edited since:
    // the lease is planned again from the stored definition, never from the stale one.
    void aLeaseFromAStaleCopyOfItsSecretUsesTheStoredDefinition()
    {
        const DynamicSecret shown = staticSecret(false);
        DynamicSecret edited = *SecretRepository(*m_db).byId(shown.id);
        edited.defaultTtl = Duration::fromMinutes(20);
        QVERIFY2(SecretRepository(*m_db).update(edited, shown.updatedAt), qPrintable(m_db->lastError()));
        LeaseRequest request;
        request.secretId = shown.id;
        request.secret = shown; // 1h default TTL, as the window still shows it
        const LeaseCreation created = QCoro::waitFor(m_service->createLease(request));
        QVERIFY2(created.ok(), qPrintable(created.error));
        QVERIFY(authenticates(created.issued->token));
        // The stored definition's 20 minutes, not the stale copy's hour.
        QVERIFY(qAbs(QDateTime::currentDateTimeUtc().secsTo(created.lease->expiresAt) - 20 * 60) < 30);
        QCOMPARE(LeaseRepository(*m_db).byId(created.lease->id)->requestedTtlSeconds, 20 * 60);
    }

    void boundStaticLeaseIsRevokedByDeletingItsSecret()
    {
        // Bound tokens need Secrets: more than the setup guide grants (RbacManifests adds it).
        grant("kms-bound-secrets",
            { QJsonObject { { "apiGroups", QJsonArray { "" } }, { "resources", QJsonArray { "secrets" } },
                { "verbs", QJsonArray { "create", "get", "delete", "list" } } } });
        const DynamicSecret s = staticSecret(true);
        const LeaseCreation created = lease(s);
        QVERIFY2(created.ok(), qPrintable(created.error));
        QCOMPARE(created.lease->kind, LeaseKind::BoundStatic);
        QVERIFY(authenticates(created.issued->token));
        const auto boundSecret = m_cluster->request(
            "GET", "/api/v1/namespaces/default/secrets/" + created.lease->boundSecretName);
        QCOMPARE(boundSecret.status, 200);
        QCOMPARE(
            boundSecret.json["metadata"]["labels"]["kms.hanzo.ai/lease-id"].toString(), created.lease->id);
        QVERIFY(!boundSecret.json["metadata"]["annotations"]["kms.hanzo.ai/expires-at"].toString().isEmpty());

        const RevokeOutcome revoked = QCoro::waitFor(m_service->revoke(created.lease->id));
        QVERIFY2(revoked.ok, qPrintable(revoked.message));
        QCOMPARE(revoked.lease->state, LeaseState::Revoked);
        QCOMPARE(
            m_cluster->request("GET", "/api/v1/namespaces/default/secrets/" + created.lease->boundSecretName)
                .status,
            404);
        QVERIFY(!authenticates(created.issued->token));
        QVERIFY(labelledObjects({ "default" }).isEmpty());
    }

    void dynamicLeaseGrantsExactlyTheRoleInItsNamespace()
    {
        const DynamicSecret s = dynamicSecret();
        const LeaseCreation created = lease(s, "team-a");
        QVERIFY2(created.ok(), qPrintable(created.error));
        const Lease &l = *created.lease;
        QCOMPARE(l.kind, LeaseKind::Dynamic);
        QCOMPARE(l.namespaceName, "team-a");
        QVERIFY(l.serviceAccount.startsWith("kms-" + s.name + "-"));
        const QJsonObject review = tokenReview(created.issued->token);
        QCOMPARE(review["user"]["username"].toString(), "system:serviceaccount:team-a:" + l.serviceAccount);

        const QByteArray token = created.issued->token;
        QVERIFY(can(token, "get", "pods", "team-a"));
        QVERIFY(can(token, "list", "configmaps", "team-a"));
        QVERIFY(!can(token, "delete", "pods", "team-a"));
        QVERIFY(!can(token, "get", "secrets", "team-a"));
        QVERIFY(!can(token, "get", "pods", "team-b")); // a RoleBinding, not cluster-wide
        QCOMPARE(labelledObjects({ "team-a", "team-b" }).size(), 2);

        const RevokeOutcome revoked = QCoro::waitFor(m_service->revoke(l.id));
        QVERIFY2(revoked.ok, qPrintable(revoked.message));
        QCOMPARE(revoked.lease->state, LeaseState::Revoked);
        QVERIFY(revoked.message.contains("stops working within seconds"));
        QVERIFY(!authenticates(token));
        QVERIFY(labelledObjects({ "team-a", "team-b" }).isEmpty());
    }

    void clusterWideDynamicLeaseUsesAClusterRoleBinding()
    {
        const DynamicSecret s = dynamicSecret("kms-dynamic-role", true);
        const LeaseCreation created = lease(s, "team-b");
        QVERIFY2(created.ok(), qPrintable(created.error));
        QCOMPARE(created.lease->bindingKind, "ClusterRoleBinding");
        QVERIFY(can(created.issued->token, "get", "pods", "team-a"));
        QVERIFY(can(created.issued->token, "get", "pods", "kube-system"));
        QVERIFY(QCoro::waitFor(m_service->revoke(created.lease->id)).ok);
        QVERIFY(labelledObjects({ "team-a", "team-b" }).isEmpty());
    }

    void rejectsBadRequestsBeforeAnyClusterCall_data()
    {
        QTest::addColumn<QString>("ns");
        QTest::addColumn<qint64>("ttlSeconds");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::newRow("ttl below 10 minutes") << "team-a" << qint64(599) << "ttl"
                                              << "at least 10 minutes";
        QTest::newRow("ttl above max") << "team-a" << qint64(25 * 3600) << "ttl"
                                       << "at most the secret's max TTL of 1d";
        QTest::newRow("namespace not allowed")
            << "kube-system" << qint64(3600) << "namespace"
            << "not one of the secret's allowed namespaces (team-a, team-b)";
        QTest::newRow("namespace missing") << "" << qint64(3600) << "namespace"
                                           << "Choose a namespace";
    }
    void rejectsBadRequestsBeforeAnyClusterCall()
    {
        QFETCH(QString, ns);
        QFETCH(qint64, ttlSeconds);
        QFETCH(QString, field);
        QFETCH(QString, message);
        const DynamicSecret s = dynamicSecret();
        const int rowsBefore = LeaseRepository(*m_db).count();
        const LeaseCreation created = lease(s, ns, Duration::fromSeconds(ttlSeconds));
        QVERIFY(!created.ok());
        QCOMPARE(created.fieldErrors.value(0).field, field);
        QVERIFY2(created.fieldErrors.value(0).message.contains(message),
            qPrintable(created.fieldErrors.value(0).message));
        QCOMPARE(LeaseRepository(*m_db).count(), rowsBefore);
        QVERIFY(labelledObjects({ "team-a", "team-b", "kube-system" }).isEmpty());
    }

    void aRoleTheRequesterCannotGrantFailsInOneSentenceAndLeavesNothing()
    {
        const DynamicSecret s = dynamicSecret("cluster-admin");
        const LeaseCreation created = lease(s, "team-a");
        QVERIFY(!created.ok());
        QVERIFY2(created.error.contains("attempting to grant RBAC permissions not currently held"),
            qPrintable(created.error));
        QVERIFY2(created.error.contains("must itself hold every permission of ClusterRole \"cluster-admin\""),
            qPrintable(created.error));
        QCOMPARE(created.lease->state, LeaseState::Failed);
        QCOMPARE(LeaseRepository(*m_db).byId(created.lease->id)->state, LeaseState::Failed);
        QVERIFY(labelledObjects({ "team-a", "team-b" }).isEmpty());
    }

    void anUnknownCertificateAuthorityIsReportedInWords()
    {
        DynamicSecret s;
        s.name = "no-ca";
        s.credentialType = CredentialType::Static;
        s.serviceAccount = "app";
        s.namespaceName = "default";
        s = addSecret(s);
        s.caCertificate.clear(); // the system CAs do not know the test cluster's CA
        QVERIFY(SecretRepository(*m_db).update(s));
        m_connections->invalidate(s.id);
        const LeaseCreation created = lease(s);
        QVERIFY(!created.ok());
        QVERIFY2(created.error.contains("signed by an unknown authority; set the cluster's CA certificate"),
            qPrintable(created.error));
        QCOMPARE(created.lease->state, LeaseState::Failed);
    }

    // Renewal by re-issue. The leases are issued ten minutes "ago" on the
    // cluster's clock, so that renewing for their TTL moves the expiry.
    LeaseCreation olderLease(const DynamicSecret &s, const QString &ns = {})
    {
        if (!m_cluster->setClockOffset(-600))
            qFatal("clock offset");
        LeaseCreation created = lease(s, ns, Duration::fromMinutes(20));
        if (!m_cluster->setClockOffset(0))
            qFatal("clock offset");
        return created;
    }
    static QJsonObject claimsOf(const QByteArray &token)
    {
        return QJsonDocument::fromJson(
            QByteArray::fromBase64(token.split('.').value(1), QByteArray::Base64UrlEncoding))
            .object();
    }

    void renewingABoundLeaseBindsTheNewTokenToTheSameSecret()
    {
        grant("kms-renew-bound",
            { QJsonObject { { "apiGroups", QJsonArray { "" } }, { "resources", QJsonArray { "secrets" } },
                { "verbs", QJsonArray { "create", "get", "delete", "list", "patch" } } } });
        const DynamicSecret s = staticSecret(true);
        const LeaseCreation created = olderLease(s);
        QVERIFY2(created.ok(), qPrintable(created.error));
        const Lease before = *created.lease;

        const RenewOutcome renewed = QCoro::waitFor(m_service->renew(before.id));
        QVERIFY2(renewed.ok, qPrintable(renewed.message));
        QVERIFY(!renewed.newLease);
        QVERIFY2(renewed.warnings.isEmpty(), qPrintable(renewed.warnings.join(' ')));
        QCOMPARE(renewed.lease->id, before.id);
        QCOMPARE(renewed.previousJti, before.tokenJti);
        QVERIFY(renewed.lease->tokenJti != before.tokenJti);
        QCOMPARE(renewed.lease->tokenJti, renewed.issued->jti);
        QVERIFY(before.expiresAt.secsTo(renewed.lease->expiresAt) > 500);
        QCOMPARE(renewed.lease->expiresAt, renewed.issued->expiresAt);
        QVERIFY2(renewed.message.contains("The previous token stays valid until its own expiry"),
            qPrintable(renewed.message));
        // The same Secret, by name and uid; the old token works as well as the new.
        const QJsonObject bound
            = claimsOf(renewed.issued->token)["kubernetes.io"].toObject()["secret"].toObject();
        QCOMPARE(bound["name"].toString(), before.boundSecretName);
        QCOMPARE(bound["uid"].toString(), before.boundSecretUid);
        QVERIFY(authenticates(renewed.issued->token));
        QVERIFY(authenticates(created.issued->token));
        // Stored, annotated and audited.
        QCOMPARE(LeaseRepository(*m_db).byId(before.id)->expiresAt, renewed.lease->expiresAt);
        const auto secret
            = m_cluster->request("GET", "/api/v1/namespaces/default/secrets/" + before.boundSecretName);
        const QDateTime annotated = QDateTime::fromString(
            secret.json["metadata"]["annotations"]["kms.hanzo.ai/expires-at"].toString(), Qt::ISODate);
        QVERIFY(qAbs(annotated.secsTo(renewed.lease->expiresAt)) <= 5);
        const QList<AuditEvent> events = leaseEvents(before.id);
        QCOMPARE(events.last().kind, AuditEvent::LeaseRenewed);
        QCOMPARE(events.last().jti, renewed.issued->jti);
        QVERIFY(events.last().detail.contains(before.tokenJti));
        // Revoking the lease ends both tokens.
        QVERIFY(QCoro::waitFor(m_service->revoke(before.id)).ok);
        QVERIFY(!authenticates(renewed.issued->token));
        QVERIFY(!authenticates(created.issued->token));
    }

    void renewingAnUnboundStaticLeaseIssuesANewOne()
    {
        const DynamicSecret s = staticSecret(false);
        const LeaseCreation created = lease(s);
        QVERIFY2(created.ok(), qPrintable(created.error));
        const RenewOutcome renewed = QCoro::waitFor(m_service->renew(created.lease->id));
        QVERIFY2(renewed.ok, qPrintable(renewed.message));
        QVERIFY(renewed.newLease);
        QVERIFY(renewed.lease->id != created.lease->id);
        QVERIFY2(renewed.message.contains("cannot be extended, so renewing issued a new lease"),
            qPrintable(renewed.message));
        QVERIFY2(renewed.message.contains("stays valid until"), qPrintable(renewed.message));
        QVERIFY(authenticates(renewed.issued->token));
        QVERIFY(authenticates(created.issued->token));
        QCOMPARE(LeaseRepository(*m_db).byId(created.lease->id)->state, LeaseState::Active);
        const QList<AuditEvent> events = leaseEvents(renewed.lease->id);
        QCOMPARE(events.last().kind, AuditEvent::LeaseCreated);
        QVERIFY2(events.last().detail.contains("Renewal of lease " + created.lease->id),
            qPrintable(events.last().detail));
    }

    void twoRenewalsAtOnceRenewOnce()
    {
        const DynamicSecret s = dynamicSecret();
        const LeaseCreation created = olderLease(s, "team-a");
        QVERIFY2(created.ok(), qPrintable(created.error));
        // Both start at once (QCoro tasks run eagerly): one holds the lease's lock.
        QCoro::Task<RenewOutcome> first = m_service->renew(created.lease->id);
        QCoro::Task<RenewOutcome> second = m_service->renew(created.lease->id);
        const RenewOutcome a = QCoro::waitFor(std::move(first));
        const RenewOutcome b = QCoro::waitFor(std::move(second));
        QCOMPARE(int(a.ok) + int(b.ok), 1);
        const RenewOutcome &refused = a.ok ? b : a;
        QVERIFY2(refused.message.contains("another process"), qPrintable(refused.message));
        int renewals = 0;
        for (const AuditEvent &e : leaseEvents(created.lease->id))
            renewals += e.kind == AuditEvent::LeaseRenewed;
        QCOMPARE(renewals, 1);
        // Without "patch" (the setup guide's RBAC) the annotations stay, and it says so.
        const RenewOutcome &done = a.ok ? a : b;
        QVERIFY2(
            !done.warnings.isEmpty() && done.warnings.first().contains("keep their old expiry annotation"),
            qPrintable(done.warnings.join(' ')));
        QVERIFY(authenticates(done.issued->token));
    }

    void renewRefusesWhatItCannotDo()
    {
        const DynamicSecret s = dynamicSecret();
        const LeaseCreation created = lease(s, "team-a", Duration::fromMinutes(30));
        QVERIFY2(created.ok(), qPrintable(created.error));
        // A TTL that ends before the lease does; below the floor; above the max.
        RenewOutcome r = QCoro::waitFor(m_service->renew(created.lease->id, Duration::fromMinutes(15)));
        QVERIFY(!r.ok && r.badRequest);
        QVERIFY2(r.message.startsWith("--ttl: Lease") && r.message.contains("would not extend it"),
            qPrintable(r.message));
        r = QCoro::waitFor(m_service->renew(created.lease->id, Duration::fromMinutes(5)));
        QVERIFY(!r.ok && r.badRequest);
        QVERIFY2(r.message.contains("at least 10 minutes"), qPrintable(r.message));
        r = QCoro::waitFor(m_service->renew(created.lease->id, Duration::fromHours(25)));
        QVERIFY(!r.ok && r.badRequest);
        // Past its expiry (the reaper has not come yet): refused. (The cap at creation
        // + max TTL: tst_cli_kubectl, with a short max TTL.)
        m_clock->advance(31 * 60);
        r = QCoro::waitFor(m_service->renew(created.lease->id, Duration::fromHours(1)));
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("expired at") && r.message.contains("issue a new lease"),
            qPrintable(r.message));
        newService(); // back to the present
        // A revoked lease is not renewed.
        QVERIFY(QCoro::waitFor(m_service->revoke(created.lease->id)).ok);
        r = QCoro::waitFor(m_service->renew(created.lease->id));
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("Only an active lease can be renewed"), qPrintable(r.message));
        QCOMPARE(LeaseRepository(*m_db).byId(created.lease->id)->state, LeaseState::Revoked);
    }

    void storesTheExpiryTheServerCappedTo()
    {
        QVERIFY(m_cluster->setMaxTokenExpiration(3600));
        const DynamicSecret s = dynamicSecret();
        const LeaseCreation created = lease(s, "team-a", Duration::fromHours(5));
        QVERIFY(m_cluster->setMaxTokenExpiration(0));
        QVERIFY2(created.ok(), qPrintable(created.error));
        QVERIFY(qAbs(QDateTime::currentDateTimeUtc().secsTo(created.lease->expiresAt) - 3600) < 30);
        QCOMPARE(LeaseRepository(*m_db).byId(created.lease->id)->expiresAt, created.lease->expiresAt);
        QVERIFY2(created.issued->warnings.join(' ').contains("shortened to 3600 seconds"),
            qPrintable(created.issued->warnings.join(' ')));
        QVERIFY(QCoro::waitFor(m_service->revoke(created.lease->id)).ok);
    }

    void auditsEveryStepInAChainThatVerifies()
    {
        AuditLog audit(*m_db);
        const QList<AuditEvent> events = audit.list();
        QStringList kinds;
        for (const AuditEvent &e : events)
            kinds << e.kind;
        QVERIFY(kinds.contains(AuditEvent::LeaseCreated));
        QVERIFY(kinds.contains(AuditEvent::LeaseRevoked));
        QVERIFY(kinds.contains(AuditEvent::LeaseFailed));
        for (const AuditEvent &e : events) {
            if (e.kind == AuditEvent::LeaseCreated) {
                QVERIFY(!e.jti.isEmpty());
                QVERIFY(e.expiresAt.isValid());
                QVERIFY(!e.serviceAccount.isEmpty());
                QVERIFY(e.actor.contains('@'));
            }
        }
        QVERIFY(audit.verify().intact());
    }

    void expiredLeasesAreCleanedUpOnTimeByTheScheduler()
    {
        const DynamicSecret s = dynamicSecret();
        const LeaseCreation created = lease(s, "team-a", Duration::fromMinutes(10));
        QVERIFY2(created.ok(), qPrintable(created.error));
        LeaseRepository leases(*m_db);
        ExpiryScheduler scheduler(*m_service, leases);
        QSignalSpy passes(&scheduler, &ExpiryScheduler::passFinished);
        scheduler.start();
        QVERIFY(scheduler.nextWakeInMs() >= 0);
        QCOMPARE(passes.count(), 0);
        m_clock->advance(10 * 60 + 5);
        QTRY_COMPARE_WITH_TIMEOUT(leases.byId(created.lease->id)->state, LeaseState::Expired, 10000);
        // This lease's objects are gone (other tests' leases may still be live in team-a).
        const QStringList left = labelledObjects({ "team-a" }).filter(created.lease->serviceAccount);
        QVERIFY2(left.isEmpty(), qPrintable(left.join(QLatin1Char(' '))));
        QVERIFY(!authenticates(created.issued->token));
    }

    void aLeaseThatExpiredWhileTheAppWasClosedIsCleanedUpAtStart()
    {
        const DynamicSecret s = dynamicSecret();
        const LeaseCreation created = lease(s, "team-b", Duration::fromMinutes(10));
        QVERIFY2(created.ok(), qPrintable(created.error));
        // "Close" the app and start it again 20 minutes later.
        newService(QDateTime::currentDateTimeUtc().addSecs(20 * 60));
        const ReconcileReport report = QCoro::waitFor(m_service->reconcile(false));
        QVERIFY2(report.ok(), qPrintable(report.errors.join(' ')));
        QCOMPARE(LeaseRepository(*m_db).byId(created.lease->id)->state, LeaseState::Expired);
        QVERIFY2(report.cleanedUp >= 1, qPrintable(QString::number(report.cleanedUp)));
        QVERIFY(labelledObjects({ "team-b" }).isEmpty());
        newService();
    }

    // A quitting app lets the operations under way finish: waitUntilIdle
    // returns when the last one ends (here a lease being made and a reconcile
    // with its sweep), and the lease is whole, not half made.
    void waitUntilIdleLetsOperationsUnderWayFinish()
    {
        const DynamicSecret s = dynamicSecret();
        QVERIFY(QCoro::waitFor(m_service->waitUntilIdle(std::chrono::milliseconds(0))));
        LeaseRequest request;
        request.secretId = s.id;
        request.namespaceName = QStringLiteral("team-a");
        auto creating = m_service->createLease(request);
        auto reconciling = m_service->reconcile(true);
        QCOMPARE(m_service->busyCount(), 2);
        QSignalSpy idle(m_service.get(), &LeaseService::idle);
        QVERIFY(QCoro::waitFor(m_service->waitUntilIdle(std::chrono::seconds(30))));
        QCOMPARE(m_service->busyCount(), 0);
        QCOMPARE(idle.count(), 1);
        QVERIFY(creating.isReady() && reconciling.isReady());
        const LeaseCreation created = QCoro::waitFor(std::move(creating));
        QVERIFY2(created.ok(), qPrintable(created.error));
        QCOMPARE(LeaseRepository(*m_db).byId(created.lease->id)->state, LeaseState::Active);
        QVERIFY(authenticates(created.issued->token));
        const RevokeOutcome revoked = QCoro::waitFor(m_service->revoke(created.lease->id));
        QVERIFY2(revoked.ok, qPrintable(revoked.message));
        QVERIFY(labelledObjects({ "team-a" }).isEmpty());
    }

    void reconcileRollsBackProvisioningLeftByACrash()
    {
        const DynamicSecret s = dynamicSecret();
        // What a crash after the first write leaves: the row and its account.
        Lease row = LeaseProvider::plan(s, Lease::newId(), "team-a");
        row.createdAt = QDateTime::currentDateTimeUtc();
        row.expiresAt = row.createdAt.addSecs(3600);
        row.createdBy = "test@host";
        row.requestedTtlSeconds = 3600;
        QVERIFY(LeaseRepository(*m_db).insert(row));
        createServiceAccount("team-a", row.serviceAccount,
            { { "app.kubernetes.io/managed-by", "hanzo-kms" }, { "kms.hanzo.ai/lease-id", row.id } });
        const ReconcileReport report = QCoro::waitFor(m_service->reconcile(false));
        QVERIFY2(report.ok(), qPrintable(report.errors.join(' ')));
        QCOMPARE(report.rolledBack, 1);
        QCOMPARE(LeaseRepository(*m_db).byId(row.id)->state, LeaseState::Failed);
        QVERIFY(labelledObjects({ "team-a" }).isEmpty());
        QVERIFY(AuditLog(*m_db).verify().intact());
    }

    void theSchedulerAlsoFinishesWhatAnotherProcessLeftWhileTheAppRuns()
    {
        const DynamicSecret s = dynamicSecret();
        Lease row = LeaseProvider::plan(s, Lease::newId(), "team-b");
        row.createdAt = QDateTime::currentDateTimeUtc();
        row.expiresAt = row.createdAt.addSecs(3600);
        row.createdBy = "killed-cli@host";
        row.requestedTtlSeconds = 3600;
        QVERIFY(LeaseRepository(*m_db).insert(row));
        createServiceAccount("team-b", row.serviceAccount,
            { { "app.kubernetes.io/managed-by", "hanzo-kms" }, { "kms.hanzo.ai/lease-id", row.id } });
        LeaseRepository leases(*m_db);
        ExpiryScheduler scheduler(*m_service, leases);
        scheduler.setReconcileInterval(50);
        QSignalSpy reconciled(&scheduler, &ExpiryScheduler::reconcileFinished);
        scheduler.start();
        QVERIFY(reconciled.wait(10000));
        QCOMPARE(leases.byId(row.id)->state, LeaseState::Failed);
        QVERIFY(labelledObjects({ "team-b" }).isEmpty());
    }

    void orphanSweepDeletesExpiredAndClosedObjectsOnly()
    {
        // The seed's RBAC has no "list"; the sweep needs it (RbacManifests adds it).
        grant("kms-sweep",
            { QJsonObject { { "apiGroups", QJsonArray { "" } },
                  { "resources", QJsonArray { "serviceaccounts", "secrets" } },
                  { "verbs", QJsonArray { "list", "get", "delete" } } },
                QJsonObject { { "apiGroups", QJsonArray { "rbac.authorization.k8s.io" } },
                    { "resources", QJsonArray { "rolebindings", "clusterrolebindings" } },
                    { "verbs", QJsonArray { "list", "get", "delete" } } } });
        dynamicSecret(); // a secret whose namespaces the sweep looks at
        const QString past = QDateTime::currentDateTimeUtc().addSecs(-60).toString(Qt::ISODate);
        const QString future = QDateTime::currentDateTimeUtc().addSecs(3600).toString(Qt::ISODate);
        const QJsonObject managed { { "app.kubernetes.io/managed-by", "hanzo-kms" },
            { "kms.hanzo.ai/lease-id", "someone-elses" } };
        createServiceAccount("team-a", "orphan-expired", managed, { { "kms.hanzo.ai/expires-at", past } });
        createServiceAccount(
            "team-a", "other-profile-live", managed, { { "kms.hanzo.ai/expires-at", future } });
        createServiceAccount("team-a", "not-ours", {}, { { "kms.hanzo.ai/expires-at", past } });

        const ReconcileReport report = QCoro::waitFor(m_service->reconcile(true));
        QVERIFY2(report.ok(), qPrintable(report.errors.join(' ')));
        QCOMPARE(report.orphansDeleted, 1);
        QCOMPARE(m_cluster->request("GET", "/api/v1/namespaces/team-a/serviceaccounts/orphan-expired").status,
            404);
        QCOMPARE(
            m_cluster->request("GET", "/api/v1/namespaces/team-a/serviceaccounts/other-profile-live").status,
            200);
        QCOMPARE(m_cluster->request("GET", "/api/v1/namespaces/team-a/serviceaccounts/not-ours").status, 200);
        m_cluster->request("DELETE", "/api/v1/namespaces/team-a/serviceaccounts/other-profile-live");
    }

    void underInjectedFaultsEveryLeaseEndsActiveWithAWorkingTokenOrFailedAndNothingLeaks()
    {
        const DynamicSecret s = dynamicSecret();
        QVERIFY(m_cluster->setFaults(0, 0.2));
        QList<LeaseCreation> results;
        // Bounded concurrency: 8 leases in flight at a time.
        const int total = 200;
        for (int start = 0; start < total; start += 8) {
            std::vector<QCoro::Task<LeaseCreation>> batch;
            for (int i = start; i < std::min(total, start + 8); ++i) {
                LeaseRequest request;
                request.secretId = s.id;
                request.namespaceName = i % 2 ? "team-a" : "team-b";
                batch.push_back(m_service->createLease(request));
            }
            for (auto &task : batch)
                results << QCoro::waitFor(task);
        }
        QVERIFY(m_cluster->setFaults(0, 0));
        int active = 0, failed = 0;
        QSet<QString> activeAccounts;
        for (const LeaseCreation &c : results) {
            QVERIFY(c.lease);
            const Lease stored = *LeaseRepository(*m_db).byId(c.lease->id);
            if (c.ok()) {
                QCOMPARE(stored.state, LeaseState::Active);
                QVERIFY2(authenticates(c.issued->token), qPrintable(c.lease->id));
                activeAccounts << stored.namespaceName + '/' + stored.serviceAccount;
                ++active;
            } else {
                QVERIFY2(stored.state == LeaseState::Failed || stored.state == LeaseState::CleanupFailed,
                    qPrintable(Lease::toString(stored.state)));
                ++failed;
            }
        }
        qInfo("fault run: %d active, %d failed of %d", active, failed, total);
        QVERIFY(active > 0);
        // Leftovers of CleanupFailed leases go with the retry.
        QCoro::waitFor(m_service->reconcile(false));
        for (const Lease &l : LeaseRepository(*m_db).listByState(LeaseState::CleanupFailed))
            QVERIFY2(QCoro::waitFor(m_service->retryCleanup(l.id)).ok, qPrintable(l.id));
        for (const QString &object : labelledObjects({ "team-a", "team-b" })) {
            const QString ns = object.section(':', 1).section('/', 0, 0);
            const QString name = object.section('/', 1);
            QVERIFY2(activeAccounts.contains(ns + '/' + name), qPrintable("left behind: " + object));
        }
        for (const LeaseCreation &c : results) {
            if (c.ok())
                QCoro::waitFor(m_service->revoke(c.lease->id));
        }
        QVERIFY(labelledObjects({ "team-a", "team-b" }).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLeaseService)
#include "tst_leaseservice.moc"
