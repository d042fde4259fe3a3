#include "kube/Manifest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace kms;

class TestManifest : public QObject {
    Q_OBJECT
private slots:
    void readsScalarsAsKubectlWould()
    {
        QString error;
        const auto objects = Manifest::parse(R"(apiVersion: v1
kind: Secret
metadata:
  name: s
  annotations:
    quoted-number: "42"
    quoted-bool: 'true'
type: kubernetes.io/service-account-token
replicas: 3
ratio: -0.5
enabled: true
disabled: false
version: v1.2
empty:
list: [a, 1, "2"]
)",
            &error);
        QVERIFY2(objects, qPrintable(error));
        QCOMPARE(objects->size(), 1);
        const QJsonObject o = objects->first();
        const QJsonObject annotations = o.value("metadata").toObject().value("annotations").toObject();
        QCOMPARE(annotations.value("quoted-number"), QJsonValue(QStringLiteral("42")));
        QCOMPARE(annotations.value("quoted-bool"), QJsonValue(QStringLiteral("true")));
        QCOMPARE(o.value("type"), QJsonValue(QStringLiteral("kubernetes.io/service-account-token")));
        QCOMPARE(o.value("replicas"), QJsonValue(3));
        QCOMPARE(o.value("ratio"), QJsonValue(-0.5));
        QCOMPARE(o.value("enabled"), QJsonValue(true));
        QCOMPARE(o.value("disabled"), QJsonValue(false));
        QCOMPARE(o.value("version"), QJsonValue(QStringLiteral("v1.2")));
        QCOMPARE(o.value("empty"), QJsonValue(QJsonValue::Null));
        QCOMPARE(o.value("list"), QJsonValue(QJsonArray { "a", 1, "2" }));
    }

    void readsEveryDocumentAndSkipsEmptyOnes()
    {
        QString error;
        const auto objects
            = Manifest::parse("---\nkind: Namespace\n---\n---\nkind: ServiceAccount\n---\n", &error);
        QVERIFY2(objects, qPrintable(error));
        QCOMPARE(objects->size(), 2);
        QCOMPARE(objects->at(0).value("kind").toString(), "Namespace");
        QCOMPARE(objects->at(1).value("kind").toString(), "ServiceAccount");
    }

    void reportsBrokenYaml()
    {
        QString error;
        QVERIFY(!Manifest::parse("kind: [Namespace\n", &error));
        QVERIFY(!error.isEmpty());
    }

    void findsTheCollectionOfEachKind_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("path");
        QTest::newRow("namespaced, default namespace")
            << QByteArray(R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a"}})")
            << "/api/v1/namespaces/fallback/serviceaccounts";
        QTest::newRow("namespaced, own namespace") << QByteArray(
            R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"b","namespace":"team-a"}})")
                                                   << "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/"
                                                      "rolebindings";
        QTest::newRow("cluster-scoped") << QByteArray(
            R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"r","namespace":"ignored"}})")
                                        << "/apis/rbac.authorization.k8s.io/v1/clusterroles";
        QTest::newRow("namespace") << QByteArray(
            R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kms"}})")
                                   << "/api/v1/namespaces";
    }
    void findsTheCollectionOfEachKind()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, path);
        QString error;
        QCOMPARE(Manifest::collectionPath(
                     QJsonDocument::fromJson(json).object(), QStringLiteral("fallback"), &error),
            path);
        QVERIFY(error.isEmpty());
    }

    void refusesKindsItDoesNotKnow_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("unknown kind") << QByteArray(R"({"apiVersion":"apps/v1","kind":"Deployment"})");
        QTest::newRow("wrong group") << QByteArray(R"({"apiVersion":"v1","kind":"RoleBinding"})");
        QTest::newRow("no kind") << QByteArray(R"({"apiVersion":"v1"})");
    }
    void refusesKindsItDoesNotKnow()
    {
        QFETCH(QByteArray, json);
        QString error;
        QCOMPARE(Manifest::collectionPath(
                     QJsonDocument::fromJson(json).object(), QStringLiteral("default"), &error),
            QString());
        QVERIFY2(error.contains(QStringLiteral("is not a kind")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestManifest)
#include "tst_manifest.moc"
