// The gateway's reaper deletes only the object it found expired and managed:
// by name *and* uid, so an object created under the same name between its
// list and its delete (a new lease, or anything else) is never touched.
#include "ScriptedServer.h"
#include "core/Clock.h"
#include "gatewayserver/GatewayReaper.h"
#include "kube/GatewayCertificates.h"
#include "kube/KubeClient.h"
#include "provider/LeaseLabels.h"

#include <QCoro/QCoroTask>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTest>

using namespace kms;
using kms::test::ScriptedServer;

namespace {

QByteArray list(const QJsonArray &items)
{
    return QJsonDocument(QJsonObject { { "kind", "List" }, { "apiVersion", "v1" },
                             { "metadata", QJsonObject {} }, { "items", items } })
        .toJson(QJsonDocument::Compact);
}

QJsonObject expiredManaged(const QString &name, const QString &ns, const QString &uid)
{
    QJsonObject meta { { "name", name },
        { "labels",
            QJsonObject { { LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue },
                { LeaseLabels::LeaseId, QStringLiteral("lease-1") } } },
        { "annotations",
            QJsonObject { { LeaseLabels::ExpiresAt, QStringLiteral("2026-01-01T00:00:00Z") } } } };
    if (!ns.isEmpty())
        meta.insert("namespace", ns);
    if (!uid.isEmpty())
        meta.insert("uid", uid);
    return QJsonObject { { "metadata", meta } };
}

QByteArray conflict()
{
    return QJsonDocument(QJsonObject { { "kind", "Status" }, { "apiVersion", "v1" }, { "status", "Failure" },
                             { "reason", "Conflict" },
                             { "message",
                                 "Operation cannot be fulfilled on serviceaccounts \"kms-a\": Precondition "
                                 "failed: UID in precondition: sa-uid-1, UID in object meta: other" },
                             { "code", 409 } })
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TestGatewayReaper : public QObject {
    Q_OBJECT

    GatewayCertificates::Bundle m_pki;
    ScriptedServer *m_server = nullptr;
    QNetworkAccessManager *m_nam = nullptr;
    std::unique_ptr<KubeClient> m_client;

    // What the API server lists: one expired binding, one expired account.
    ScriptedServer::Reply listed(const QByteArray &method, const QString &path)
    {
        if (method == "GET" && path.startsWith("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?"))
            return { 200, list({ expiredManaged("kms-a-crb", {}, "crb-uid-1") }) };
        if (method == "GET" && path.startsWith("/api/v1/serviceaccounts?"))
            return { 200,
                list({ expiredManaged("kms-a", "team-a", "sa-uid-1"),
                    expiredManaged("kms-no-uid", "team-a", {}) }) };
        if (method == "GET")
            return { 200, list({}) };
        return { 200, R"({"kind":"Status","status":"Success"})" };
    }

    QJsonObject deleteOptionsFor(const QString &path) const
    {
        for (int i = 0; i < m_server->paths.size(); ++i) {
            if (m_server->methods.at(i) == "DELETE" && m_server->paths.at(i) == path)
                return QJsonDocument::fromJson(m_server->bodies.at(i)).object();
        }
        return { { "not", "sent" } };
    }

private slots:
    void initTestCase()
    {
        QString error;
        const auto pki = GatewayCertificates::generate({ "127.0.0.1" }, "client", 1, &error);
        QVERIFY2(pki, qPrintable(error));
        m_pki = *pki;
    }
    void init()
    {
        m_server = new ScriptedServer;
        const quint16 port = m_server->listenTls(m_pki.serverCertificate, m_pki.serverKey);
        QVERIFY(port != 0);
        m_nam = new QNetworkAccessManager;
        QString error;
        std::shared_ptr<const KubeTransport> transport
            = TokenTransport::create(QStringLiteral("https://127.0.0.1:%1").arg(port), m_pki.caCertificate,
                true, "reaper-token", &error);
        QVERIFY2(transport, qPrintable(error));
        m_client = std::make_unique<KubeClient>(m_nam, transport);
    }
    void cleanup()
    {
        m_client.reset();
        delete m_nam;
        delete m_server;
    }

    void deletesWithTheUidItListed()
    {
        m_server->route = [this](const QByteArray &m, const QString &p) { return listed(m, p); };
        ManualClock clock(QDateTime::currentDateTimeUtc());
        GatewayReaper reaper(*m_client, clock);
        const GatewayReaper::Outcome outcome = QCoro::waitFor(reaper.reapOnce());

        const QJsonObject sa = deleteOptionsFor("/api/v1/namespaces/team-a/serviceaccounts/kms-a");
        QCOMPARE(sa.value("preconditions").toObject().value("uid").toString(), QStringLiteral("sa-uid-1"));
        const QJsonObject crb
            = deleteOptionsFor("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kms-a-crb");
        QCOMPARE(crb.value("preconditions").toObject().value("uid").toString(), QStringLiteral("crb-uid-1"));
        QCOMPARE(outcome.deleted,
            (QStringList { QStringLiteral("ClusterRoleBinding kms-a-crb"),
                QStringLiteral("ServiceAccount team-a/kms-a") }));
        // An object the server lists without a uid cannot be proven the one
        // found: it is not deleted, and the pass says so.
        QVERIFY(!m_server->paths.contains("/api/v1/namespaces/team-a/serviceaccounts/kms-no-uid"));
        QCOMPARE(outcome.errors.size(), 1);
        QVERIFY2(outcome.errors.first().contains("kms-no-uid") && outcome.errors.first().contains("uid"),
            qPrintable(outcome.errors.first()));
    }

    // Replaced between the list and the delete: the API server refuses the
    // precondition (409), and the reaper leaves the new object alone without
    // calling that an error or a deletion.
    void leavesAnObjectReplacedSinceItWasListed()
    {
        m_server->route = [this](const QByteArray &m, const QString &p) -> ScriptedServer::Reply {
            if (m == "DELETE" && p == "/api/v1/namespaces/team-a/serviceaccounts/kms-a")
                return { 409, conflict() };
            return listed(m, p);
        };
        ManualClock clock(QDateTime::currentDateTimeUtc());
        GatewayReaper reaper(*m_client, clock);
        const GatewayReaper::Outcome outcome = QCoro::waitFor(reaper.reapOnce());
        QCOMPARE(outcome.deleted, QStringList { QStringLiteral("ClusterRoleBinding kms-a-crb") });
        QCOMPARE(outcome.replaced, QStringList { QStringLiteral("ServiceAccount team-a/kms-a") });
        QCOMPARE(outcome.errors.size(), 1); // the account without a uid only
    }
};

QTEST_GUILESS_MAIN(TestGatewayReaper)
#include "tst_gatewayreaper.moc"
