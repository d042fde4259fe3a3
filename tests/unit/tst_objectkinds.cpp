#include "kube/ObjectKinds.h"

#include <QTest>

using namespace kms;

class TestObjectKinds : public QObject {
    Q_OBJECT
private slots:
    void mapsEachKindToItsPath_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("ns");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("path");
        QTest::newRow("service account") << "ServiceAccount"
                                         << "team-a"
                                         << "kms-x"
                                         << "/api/v1/namespaces/team-a/serviceaccounts/kms-x";
        QTest::newRow("secret") << "Secret"
                                << "default"
                                << "s"
                                << "/api/v1/namespaces/default/secrets/s";
        QTest::newRow("role binding")
            << "RoleBinding"
            << "team-a"
            << "b"
            << "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings/b";
        QTest::newRow("role") << "Role"
                              << "team-a"
                              << "r"
                              << "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles/r";
        // Cluster-scoped kinds ignore the namespace.
        QTest::newRow("cluster role binding") << "ClusterRoleBinding"
                                              << "team-a"
                                              << "b"
                                              << "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/b";
        QTest::newRow("cluster role") << "ClusterRole"
                                      << ""
                                      << "r"
                                      << "/apis/rbac.authorization.k8s.io/v1/clusterroles/r";
        QTest::newRow("namespace") << "Namespace"
                                   << "ignored"
                                   << "kms"
                                   << "/api/v1/namespaces/kms";
        // No name: the collection; no namespace either: across all namespaces.
        QTest::newRow("collection") << "ServiceAccount"
                                    << "team-a"
                                    << ""
                                    << "/api/v1/namespaces/team-a/serviceaccounts";
        QTest::newRow("all namespaces") << "RoleBinding"
                                        << ""
                                        << ""
                                        << "/apis/rbac.authorization.k8s.io/v1/rolebindings";
        QTest::newRow("escaped") << "Secret"
                                 << "a b"
                                 << "x/y"
                                 << "/api/v1/namespaces/a%20b/secrets/x%2Fy";
    }
    void mapsEachKindToItsPath()
    {
        QFETCH(QString, kind);
        QFETCH(QString, ns);
        QFETCH(QString, name);
        QFETCH(QString, path);
        QCOMPARE(objectPath(kind, ns, name), path);
    }

    void knowsNoOtherKind()
    {
        QVERIFY(!findObjectKind(QStringLiteral("Deployment")));
        QVERIFY(!findObjectKind(QStringLiteral("serviceaccount"))); // kinds are case-sensitive
        QCOMPARE(objectPath(QStringLiteral("Deployment"), QStringLiteral("default"), QStringLiteral("x")),
            QString());
        const ObjectKind *binding = findObjectKind(QStringLiteral("ClusterRoleBinding"));
        QVERIFY(binding);
        QCOMPARE(binding->apiVersion, "rbac.authorization.k8s.io/v1");
        QVERIFY(!binding->namespaced);
    }

    void describesObjectsForMessages()
    {
        QCOMPARE(describeObject(QStringLiteral("RoleBinding"), QStringLiteral("team-a"), QStringLiteral("b")),
            QStringLiteral("RoleBinding team-a/b"));
        QCOMPARE(describeObject(QStringLiteral("ClusterRoleBinding"), QString(), QStringLiteral("b")),
            QStringLiteral("ClusterRoleBinding b"));
    }
};

QTEST_GUILESS_MAIN(TestObjectKinds)
#include "tst_objectkinds.moc"
