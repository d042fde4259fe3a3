// kms::Manifest::apply against kms-testcluster: what a manifest holds is
// created in order, in the right namespaces, and the first failure stops it
// with a message that names the manifest.
#include "TestCluster.h"
#include "kube/KubeClient.h"
#include "kube/Manifest.h"

#include <QCoro/QCoroTask>
#include <QNetworkAccessManager>
#include <QTest>

using namespace kms;
using kms::test::TestCluster;

class TestManifestApply : public QObject {
    Q_OBJECT

    TestCluster m_cluster;
    QNetworkAccessManager m_network;
    std::unique_ptr<KubeClient> m_client;

    QString apply(const QByteArray &yaml, const QString &defaultNamespace = QStringLiteral("default"))
    {
        return QCoro::waitFor(
            Manifest::apply(*m_client, yaml, QStringLiteral("test.yaml"), defaultNamespace));
    }
    int status(const QString &path) { return m_cluster.request("GET", path).status; }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
        QString error;
        auto transport = TokenTransport::create(
            m_cluster.url().toString(), m_cluster.caPem(), true, m_cluster.adminToken(), &error);
        QVERIFY2(transport, qPrintable(error));
        m_client = std::make_unique<KubeClient>(&m_network, std::move(transport));
    }

    void createsEveryObjectInItsNamespace()
    {
        const QString error = apply(R"(apiVersion: v1
kind: Namespace
metadata:
  name: team-m
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: in-default-ns
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: in-team-m
  namespace: team-m
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: manifest-reader
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: manifest-reader
subjects:
- kind: ServiceAccount
  name: in-team-m
  namespace: team-m
)",
            QStringLiteral("team-m"));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(status(QStringLiteral("/api/v1/namespaces/team-m")), 200);
        // No namespace in the manifest: the default namespace given, not "default".
        QCOMPARE(status(QStringLiteral("/api/v1/namespaces/team-m/serviceaccounts/in-default-ns")), 200);
        QCOMPARE(status(QStringLiteral("/api/v1/namespaces/default/serviceaccounts/in-default-ns")), 404);
        QCOMPARE(status(QStringLiteral("/api/v1/namespaces/team-m/serviceaccounts/in-team-m")), 200);
        QCOMPARE(
            status(QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles/manifest-reader")), 200);
        const auto binding = m_cluster.request(
            "GET", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/team-m/rolebindings/read"));
        QCOMPARE(binding.status, 200);
        QCOMPARE(binding.json.value("roleRef").toObject().value("name").toString(), "manifest-reader");
    }

    void stopsAtTheFirstObjectTheServerRefuses()
    {
        const QString error = apply(R"(apiVersion: v1
kind: ServiceAccount
metadata:
  name: first
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: first
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: never
)");
        QVERIFY(error.startsWith(QStringLiteral("test.yaml: ")));
        QVERIFY2(error.contains(QStringLiteral("already exists")), qPrintable(error));
        QCOMPARE(status(QStringLiteral("/api/v1/namespaces/default/serviceaccounts/first")), 200);
        QCOMPARE(status(QStringLiteral("/api/v1/namespaces/default/serviceaccounts/never")), 404);
    }

    void refusesAnUnknownKindWithoutGuessingItsPath()
    {
        const QString error = apply(R"(apiVersion: v1
kind: ServiceAccount
metadata:
  name: before-deployment
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
)");
        QVERIFY2(error.startsWith(QStringLiteral("test.yaml: apps/v1 Deployment is not a kind")),
            qPrintable(error));
        QCOMPARE(status(QStringLiteral("/api/v1/namespaces/default/serviceaccounts/before-deployment")), 200);
    }

    void createsNothingFromBrokenYaml()
    {
        // The whole manifest is read before the first object is created.
        const QString error = apply(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: not-created\n---\nkind: [broken\n");
        QVERIFY2(error.startsWith(QStringLiteral("test.yaml: ")), qPrintable(error));
        QCOMPARE(status(QStringLiteral("/api/v1/namespaces/default/serviceaccounts/not-created")), 404);
    }
};

QTEST_GUILESS_MAIN(TestManifestApply)
#include "tst_manifest.moc"
