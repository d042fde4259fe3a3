#include "gatewayserver/GatewayRules.h"
#include "provider/LeaseLabels.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace kms;
using Kind = GatewayRoute::Kind;
using Resource = GatewayRoute::Resource;

namespace {

const QString LeaseId = QStringLiteral("0f0f0f0f-0000-4000-8000-000000000001");
const QDateTime Now = QDateTime(QDate(2025, 6, 1), QTime(12, 0), Qt::UTC);

GatewayClientPolicy policy()
{
    GatewayClientPolicy p;
    p.subject = QStringLiteral("*");
    p.namespaces = { QStringLiteral("team-a") };
    p.staticServiceAccounts = { QStringLiteral("default/app-sa") };
    p.roles = { { QStringLiteral("ClusterRole"), QStringLiteral("kms-dynamic-role") },
        { QStringLiteral("Role"), QStringLiteral("reader") } };
    p.clusterWide = false;
    p.maxTtlSeconds = 3600;
    p.audiences = { QStringLiteral("*") };
    p.extraLabels = { QStringLiteral("team") };
    p.extraAnnotations = { QStringLiteral("owner") };
    p.generatedRoles.kinds = { QStringLiteral("Role") };
    p.generatedRoles.rules = { PolicyRule { { QStringLiteral("get"), QStringLiteral("list") }, { QString() },
        { QStringLiteral("pods"), QStringLiteral("configmaps") }, {}, {} } };
    return p;
}

GatewayRoute::Decision route(Kind kind, Resource resource, const QString &ns, const QString &name = {})
{
    GatewayRoute::Decision d;
    d.kind = kind;
    d.resource = resource;
    d.namespaceName = ns;
    d.name = name;
    return d;
}

QJsonObject leaseMeta(const QString &name, const QString &ns, qint64 expiresIn = 1800)
{
    return LeaseLabels::metadata(name, ns, LeaseId, QStringLiteral("s"), Now.addSecs(expiresIn));
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject bindingBody(const QString &kind, const QString &ns, const QString &roleKind, const QString &role,
    const QString &subjectNs, const QString &subject)
{
    return QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
        { QStringLiteral("kind"), kind },
        { QStringLiteral("metadata"), leaseMeta(QStringLiteral("kms-x-bcdfg"), ns) },
        { QStringLiteral("roleRef"),
            QJsonObject { { QStringLiteral("apiGroup"), QStringLiteral("rbac.authorization.k8s.io") },
                { QStringLiteral("kind"), roleKind }, { QStringLiteral("name"), role } } },
        { QStringLiteral("subjects"),
            QJsonArray { QJsonObject { { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
                { QStringLiteral("name"), subject }, { QStringLiteral("namespace"), subjectNs } } } } };
}

} // namespace

class TestGatewayRules : public QObject {
    Q_OBJECT

private slots:
    void scope_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("resource");
        QTest::addColumn<QString>("ns");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("refusal"); // empty: allowed
        auto row = [](const char *tag, Kind k, Resource r, const QString &ns, const QString &name,
                       const QString &why) { QTest::newRow(tag) << int(k) << int(r) << ns << name << why; };
        row("discovery", Kind::Discovery, Resource::None, {}, {}, {});
        row("review", Kind::Review, Resource::None, {}, {}, {});
        row("sa in namespace", Kind::Create, Resource::ServiceAccount, "team-a", {}, {});
        row("sa elsewhere", Kind::Create, Resource::ServiceAccount, "kube-system", {},
            "does not allow namespace \"kube-system\"");
        row("read static sa", Kind::Read, Resource::ServiceAccount, "default", "app-sa", {});
        row("read other sa", Kind::Read, Resource::ServiceAccount, "default", "web",
            "does not allow namespace \"default\"");
        row("token static", Kind::TokenRequest, Resource::ServiceAccount, "default", "app-sa", {});
        row("token in namespace", Kind::TokenRequest, Resource::ServiceAccount, "team-a", "kms-x", {});
        row("token power-sa", Kind::TokenRequest, Resource::ServiceAccount, "kube-system", "power-sa",
            "service account \"kube-system/power-sa\" is not in the policy's staticServiceAccounts");
        row("delete static sa", Kind::Delete, Resource::ServiceAccount, "default", "app-sa",
            "does not allow namespace");
        row("secret in static namespace", Kind::Create, Resource::Secret, "default", {}, {});
        row("secret in namespace", Kind::Delete, Resource::Secret, "team-a", "kms-x", {});
        row("secret elsewhere", Kind::Read, Resource::Secret, "kube-system", "db",
            "does not allow Secrets in namespace \"kube-system\"");
        row("rolebinding", Kind::Create, Resource::RoleBinding, "team-a", {}, {});
        row("rolebinding elsewhere", Kind::Delete, Resource::RoleBinding, "default", "x",
            "does not allow namespace \"default\"");
        row("clusterrolebinding", Kind::Create, Resource::ClusterRoleBinding, {}, {}, "clusterWide is false");
        row("role", Kind::Read, Resource::Role, "team-a", "reader", {});
        // The policy lets leases generate Roles, so a Role may be looked up: readable()
        // then shows it only when it is a lease's.
        row("other role", Kind::Read, Resource::Role, "team-a", "admin", {});
        row("clusterrole", Kind::Read, Resource::ClusterRole, {}, "kms-dynamic-role", {});
        row("other clusterrole", Kind::Read, Resource::ClusterRole, {}, "cluster-admin",
            "ClusterRole \"cluster-admin\"");
        row("list namespaces", Kind::List, Resource::Namespace, {}, {}, {});
        row("read an allowed namespace", Kind::Read, Resource::Namespace, {}, "team-a", {});
        row("read another namespace", Kind::Read, Resource::Namespace, {}, "kube-system",
            "does not allow namespace \"kube-system\"");
        row("create generated role", Kind::Create, Resource::Role, "team-a", {}, {});
        row("read a role, maybe a generated one", Kind::Read, Resource::Role, "team-a", "kms-x", {});
        row("delete generated role", Kind::Delete, Resource::Role, "team-a", "kms-x", {});
        row("list roles", Kind::List, Resource::Role, "team-a", {}, {});
        row("generated role elsewhere", Kind::Create, Resource::Role, "kube-system", {},
            "does not allow namespace \"kube-system\"");
        row("generated clusterrole", Kind::Create, Resource::ClusterRole, {}, {},
            "the policy does not allow generated ClusterRoles (generatedRoles.kinds)");
        row("delete clusterrole", Kind::Delete, Resource::ClusterRole, {}, "x",
            "the policy does not allow generated ClusterRoles");
    }

    void scope()
    {
        QFETCH(int, kind);
        QFETCH(int, resource);
        QFETCH(QString, ns);
        QFETCH(QString, name);
        QFETCH(QString, refusal);
        const QString why = GatewayRules::scope(policy(), route(Kind(kind), Resource(resource), ns, name));
        if (refusal.isEmpty())
            QVERIFY2(why.isEmpty(), qPrintable(why));
        else
            QVERIFY2(why.contains(refusal), qPrintable(why));
    }

    void clusterWideAllowsClusterBindings()
    {
        GatewayClientPolicy p = policy();
        p.clusterWide = true;
        QVERIFY(GatewayRules::scope(p, route(Kind::Create, Resource::ClusterRoleBinding, {})).isEmpty());
    }

    void create_data()
    {
        QTest::addColumn<int>("resource");
        QTest::addColumn<QString>("ns");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("refusal");
        const QJsonObject sa { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
            { QStringLiteral("metadata"),
                leaseMeta(QStringLiteral("kms-x-bcdfg"), QStringLiteral("team-a")) } };
        const QJsonObject secret { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("Secret") },
            { QStringLiteral("type"), QStringLiteral("Opaque") },
            { QStringLiteral("metadata"),
                leaseMeta(QStringLiteral("kms-x-bcdfg"), QStringLiteral("default")) } };
        auto with = [](QJsonObject o, const QString &key, const QJsonValue &v) {
            o.insert(key, v);
            return json(o);
        };
        auto withMeta = [&sa](const QString &key, const QJsonValue &v) {
            QJsonObject m = sa.value(QLatin1String("metadata")).toObject();
            if (v.isUndefined())
                m.remove(key);
            else
                m.insert(key, v);
            QJsonObject o = sa;
            o.insert(QStringLiteral("metadata"), m);
            return json(o);
        };
        const int SA = int(Resource::ServiceAccount);
        QTest::newRow("lease sa") << SA << "team-a" << json(sa) << "";
        QTest::newRow("not json") << SA << "team-a" << QByteArray("{x") << "not a JSON object";
        QTest::newRow("unlabelled") << SA << "team-a"
                                    << withMeta(QStringLiteral("labels"), QJsonValue::Undefined)
                                    << "only objects labelled app.kubernetes.io/managed-by=hanzo-kms";
        QTest::newRow("helm label") << SA << "team-a"
                                    << withMeta(QStringLiteral("labels"),
                                           QJsonObject { { LeaseLabels::ManagedBy, QStringLiteral("helm") } })
                                    << "only objects labelled";
        QTest::newRow("no lease id") << SA << "team-a"
                                     << withMeta(QStringLiteral("labels"),
                                            QJsonObject {
                                                { LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue } })
                                     << "kms.hanzo.ai/lease-id";
        QTest::newRow("other label") << SA << "team-a"
                                     << withMeta(QStringLiteral("labels"),
                                            QJsonObject {
                                                { LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue },
                                                { LeaseLabels::LeaseId, LeaseId },
                                                { QStringLiteral("app"), QStringLiteral("web") } })
                                     << "the label \"app\" is neither one of a lease's nor in the policy's "
                                        "extraLabels";
        QTest::newRow("extra label the policy allows")
            << SA << "team-a"
            << withMeta(QStringLiteral("labels"),
                   QJsonObject { { LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue },
                       { LeaseLabels::LeaseId, LeaseId }, { QStringLiteral("team"), QStringLiteral("a") } })
            << "";
        QTest::newRow("extra annotation the policy allows")
            << SA << "team-a"
            << withMeta(QStringLiteral("annotations"),
                   QJsonObject { { LeaseLabels::ExpiresAt, Now.addSecs(60).toString(Qt::ISODate) },
                       { QStringLiteral("owner"), QStringLiteral("ops") } })
            << "";
        QTest::newRow("no expiry") << SA << "team-a"
                                   << withMeta(QStringLiteral("annotations"), QJsonValue::Undefined)
                                   << "kms.hanzo.ai/expires-at";
        QTest::newRow("expiry beyond maxTTL")
            << SA << "team-a"
            << withMeta(QStringLiteral("annotations"),
                   QJsonObject { { LeaseLabels::ExpiresAt, Now.addSecs(3 * 3600).toString(Qt::ISODate) } })
            << "later than the policy's maxTTL";
        QTest::newRow("other annotation")
            << SA << "team-a"
            << withMeta(QStringLiteral("annotations"),
                   QJsonObject { { LeaseLabels::ExpiresAt, Now.addSecs(60).toString(Qt::ISODate) },
                       { QStringLiteral("kubernetes.io/enforce-mountable-secrets"),
                           QStringLiteral("true") } })
            << "the annotation \"kubernetes.io/enforce-mountable-secrets\"";
        QTest::newRow("generateName")
            << SA << "team-a" << withMeta(QStringLiteral("generateName"), QStringLiteral("x-"))
            << "metadata.generateName is not allowed";
        QTest::newRow("owner") << SA << "team-a" << withMeta(QStringLiteral("ownerReferences"), QJsonArray())
                               << "metadata.ownerReferences";
        QTest::newRow("other namespace in body")
            << SA << "team-a" << withMeta(QStringLiteral("namespace"), QStringLiteral("kube-system"))
            << "differs from the path's namespace";
        QTest::newRow("sa with secrets")
            << SA << "team-a" << with(sa, QStringLiteral("secrets"), QJsonArray()) << "the field \"secrets\"";
        QTest::newRow("wrong kind") << SA << "team-a"
                                    << with(sa, QStringLiteral("kind"), QStringLiteral("Secret"))
                                    << "kind is not ServiceAccount";
        const int SECRET = int(Resource::Secret);
        QTest::newRow("lease secret") << SECRET << "default" << json(secret) << "";
        QTest::newRow("secret with data")
            << SECRET << "default"
            << with(secret, QStringLiteral("data"),
                   QJsonObject { { QStringLiteral("k"), QStringLiteral("dg==") } })
            << "the field \"data\"";
        QTest::newRow("token secret")
            << SECRET << "default"
            << with(secret, QStringLiteral("type"), QStringLiteral("kubernetes.io/service-account-token"))
            << "type Opaque";
        const int RB = int(Resource::RoleBinding);
        const int CRB = int(Resource::ClusterRoleBinding);
        QTest::newRow("rolebinding") << RB << "team-a"
                                     << json(bindingBody(QStringLiteral("RoleBinding"),
                                            QStringLiteral("team-a"), QStringLiteral("ClusterRole"),
                                            QStringLiteral("kms-dynamic-role"), QStringLiteral("team-a"),
                                            QStringLiteral("kms-x-bcdfg")))
                                     << "";
        QTest::newRow("role not in policy")
            << RB << "team-a"
            << json(bindingBody(QStringLiteral("RoleBinding"), QStringLiteral("team-a"),
                   QStringLiteral("ClusterRole"), QStringLiteral("cluster-admin"), QStringLiteral("team-a"),
                   QStringLiteral("kms-x-bcdfg")))
            << "does not allow binding ClusterRole \"cluster-admin\"";
        QTest::newRow("subject elsewhere")
            << RB << "team-a"
            << json(bindingBody(QStringLiteral("RoleBinding"), QStringLiteral("team-a"),
                   QStringLiteral("ClusterRole"), QStringLiteral("kms-dynamic-role"),
                   QStringLiteral("kube-system"), QStringLiteral("power-sa")))
            << "must be in the binding's namespace";
        QJsonObject twoSubjects = bindingBody(QStringLiteral("RoleBinding"), QStringLiteral("team-a"),
            QStringLiteral("ClusterRole"), QStringLiteral("kms-dynamic-role"), QStringLiteral("team-a"),
            QStringLiteral("kms-x-bcdfg"));
        QJsonArray subjects = twoSubjects.value(QLatin1String("subjects")).toArray();
        subjects.append(QJsonObject { { QStringLiteral("kind"), QStringLiteral("Group") },
            { QStringLiteral("name"), QStringLiteral("system:authenticated") },
            { QStringLiteral("apiGroup"), QStringLiteral("rbac.authorization.k8s.io") } });
        twoSubjects.insert(QStringLiteral("subjects"), subjects);
        QTest::newRow("two subjects") << RB << "team-a" << json(twoSubjects) << "exactly one subject";
        QJsonObject group = twoSubjects;
        group.insert(QStringLiteral("subjects"), QJsonArray { subjects.at(1) });
        QTest::newRow("group subject") << RB << "team-a" << json(group) << "exactly one subject";
        QTest::newRow("clusterrolebinding of a Role")
            << CRB << ""
            << json(bindingBody(QStringLiteral("ClusterRoleBinding"), QString(), QStringLiteral("Role"),
                   QStringLiteral("reader"), QStringLiteral("team-a"), QStringLiteral("kms-x-bcdfg")))
            << "must refer to a ClusterRole";
        QTest::newRow("clusterrolebinding subject outside namespaces")
            << CRB << ""
            << json(bindingBody(QStringLiteral("ClusterRoleBinding"), QString(),
                   QStringLiteral("ClusterRole"), QStringLiteral("kms-dynamic-role"),
                   QStringLiteral("kube-system"), QStringLiteral("power-sa")))
            << "does not allow namespace \"kube-system\"";
        const auto roleBody = [](const QJsonArray &rules) {
            return QJsonObject { { QStringLiteral("apiVersion"),
                                     QStringLiteral("rbac.authorization.k8s.io/v1") },
                { QStringLiteral("kind"), QStringLiteral("Role") },
                { QStringLiteral("metadata"),
                    leaseMeta(QStringLiteral("kms-x-bcdfg"), QStringLiteral("team-a")) },
                { QStringLiteral("rules"), rules } };
        };
        const QJsonObject podsGet { { QStringLiteral("apiGroups"), QJsonArray { QString() } },
            { QStringLiteral("resources"), QJsonArray { QStringLiteral("pods") } },
            { QStringLiteral("verbs"), QJsonArray { QStringLiteral("get") } } };
        const QJsonObject secretsGet { { QStringLiteral("apiGroups"), QJsonArray { QString() } },
            { QStringLiteral("resources"), QJsonArray { QStringLiteral("secrets") } },
            { QStringLiteral("verbs"), QJsonArray { QStringLiteral("get") } } };
        const int ROLE = int(Resource::Role);
        QTest::newRow("generated role within the policy")
            << ROLE << "team-a" << json(roleBody({ podsGet })) << "";
        QTest::newRow("generated role beyond the policy")
            << ROLE << "team-a" << json(roleBody({ podsGet, secretsGet }))
            << "would grant {APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}, beyond the "
               "policy's "
               "generatedRoles.rules";
        QTest::newRow("generated role aggregating")
            << ROLE << "team-a"
            << with(roleBody({ podsGet }), QStringLiteral("aggregationRule"), QJsonObject())
            << "the field \"aggregationRule\" is not allowed on a lease's Role";
        QTest::newRow("generated role without rules")
            << ROLE << "team-a" << json(roleBody({})) << "they hold no rule";
        QTest::newRow("generated role unlabelled")
            << ROLE << "team-a"
            << json(QJsonObject { { QStringLiteral("kind"), QStringLiteral("Role") },
                   { QStringLiteral("metadata"),
                       QJsonObject { { QStringLiteral("name"), QStringLiteral("x") } } },
                   { QStringLiteral("rules"), QJsonArray { podsGet } } })
            << "only objects labelled";
        QTest::newRow("binding a generated role")
            << RB << "team-a"
            << json(bindingBody(QStringLiteral("RoleBinding"), QStringLiteral("team-a"),
                   QStringLiteral("Role"), QStringLiteral("kms-x-bcdfg"), QStringLiteral("team-a"),
                   QStringLiteral("kms-x-bcdfg")))
            << "";
        QTest::newRow("binding a ClusterRole the policy neither names nor generates")
            << RB << "team-a"
            << json(bindingBody(QStringLiteral("RoleBinding"), QStringLiteral("team-a"),
                   QStringLiteral("ClusterRole"), QStringLiteral("kms-x-bcdfg"), QStringLiteral("team-a"),
                   QStringLiteral("kms-x-bcdfg")))
            << "does not allow binding ClusterRole \"kms-x-bcdfg\"";
    }

    void create()
    {
        QFETCH(int, resource);
        QFETCH(QString, ns);
        QFETCH(QByteArray, body);
        QFETCH(QString, refusal);
        GatewayRules::BindingSubject subject;
        const QString why = GatewayRules::checkCreate(
            policy(), route(Kind::Create, Resource(resource), ns), body, Now, &subject);
        if (refusal.isEmpty()) {
            QVERIFY2(why.isEmpty(), qPrintable(why));
            if (Resource(resource) == Resource::RoleBinding) {
                // What GatewayServer then checks: the account of the same lease.
                QCOMPARE(subject.namespaceName, QStringLiteral("team-a"));
                QCOMPARE(subject.name, QStringLiteral("kms-x-bcdfg"));
                QCOMPARE(subject.leaseId, LeaseId);
                // ... and a role the policy does not name: the same lease's generated role.
                const bool generated = QString::fromUtf8(QTest::currentDataTag()).contains("generated");
                QCOMPARE(subject.generatedRole, generated);
                if (generated) {
                    QCOMPARE(subject.roleKind, QStringLiteral("Role"));
                    QCOMPARE(subject.roleNamespace, QStringLiteral("team-a"));
                    QCOMPARE(subject.roleName, QStringLiteral("kms-x-bcdfg"));
                }
            }
        } else {
            QVERIFY2(why.contains(refusal), qPrintable(why));
        }
    }

    void tokenRequest_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("audiences"); // the policy's, comma-separated
        QTest::addColumn<QString>("refusal");
        QTest::newRow("desktop's") << QByteArray(
            R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":3600}})")
                                   << "*"
                                   << "";
        QTest::newRow("default ttl") << QByteArray(R"({"spec":{}})") << "*"
                                     << "";
        QTest::newRow("too long") << QByteArray(R"({"spec":{"expirationSeconds":3601}})") << "*"
                                  << "longer than the policy's maxTTL of 1h";
        QTest::newRow("fractional") << QByteArray(R"({"spec":{"expirationSeconds":600.5}})") << "*"
                                    << "whole number";
        QTest::newRow("audience listed") << QByteArray(R"({"spec":{"audiences":["vault"]}})") << "vault,api"
                                         << "";
        QTest::newRow("audience not listed")
            << QByteArray(R"({"spec":{"audiences":["vault","kube"]}})") << "vault,api"
            << "the audience \"kube\" is not allowed";
        QTest::newRow("no audience, list") << QByteArray(R"({"spec":{}})") << "vault"
                                           << "a token without audiences";
        QTest::newRow("bound to secret") << QByteArray(
            R"({"spec":{"boundObjectRef":{"kind":"Secret","apiVersion":"v1","name":"kms-x","uid":"u"}}})")
                                         << "*"
                                         << "";
        QTest::newRow("bound to pod")
            << QByteArray(R"({"spec":{"boundObjectRef":{"kind":"Pod","name":"p"}}})") << "*"
            << "bound to a Secret or to nothing";
        QTest::newRow("unknown field") << QByteArray(R"({"spec":{},"status":{"token":"x"}})") << "*"
                                       << "the field \"status\"";
        QTest::newRow("unknown spec field") << QByteArray(R"({"spec":{"extra":1}})") << "*"
                                            << "spec.extra";
        QTest::newRow("not json") << QByteArray("nope") << "*"
                                  << "not a JSON object";
    }

    void tokenRequest()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, audiences);
        QFETCH(QString, refusal);
        GatewayClientPolicy p = policy();
        p.audiences = audiences.split(QLatin1Char(','));
        const QString why = GatewayRules::checkTokenRequest(p, body);
        if (refusal.isEmpty())
            QVERIFY2(why.isEmpty(), qPrintable(why));
        else
            QVERIFY2(why.contains(refusal), qPrintable(why));
    }

    void managedAccount()
    {
        const QJsonObject ours { { QStringLiteral("metadata"),
            leaseMeta(QStringLiteral("kms-x"), QStringLiteral("team-a")) } };
        QVERIFY(GatewayRules::checkManagedAccount(ours, Now).isEmpty());
        const QJsonObject expired { { QStringLiteral("metadata"),
            leaseMeta(QStringLiteral("kms-x"), QStringLiteral("team-a"), -3600) } };
        QVERIFY(GatewayRules::checkManagedAccount(expired, Now).contains(QLatin1String("expired")));
        const QJsonObject theirs { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("web") } } } };
        QVERIFY(
            GatewayRules::checkManagedAccount(theirs, Now).contains(QLatin1String("staticServiceAccounts")));
    }

    void readable()
    {
        const GatewayClientPolicy p = policy();
        const QJsonObject managed { { QStringLiteral("metadata"),
            leaseMeta(QStringLiteral("kms-x"), QStringLiteral("team-a")) } };
        const QJsonObject plain { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("x") } } } };
        QVERIFY(GatewayRules::readable(p,
            route(Kind::Read, Resource::Secret, QStringLiteral("team-a"), QStringLiteral("kms-x")), managed));
        QVERIFY(!GatewayRules::readable(
            p, route(Kind::Read, Resource::Secret, QStringLiteral("team-a"), QStringLiteral("x")), plain));
        QVERIFY(!GatewayRules::readable(p,
            route(Kind::Read, Resource::RoleBinding, QStringLiteral("team-a"), QStringLiteral("x")), plain));
        QVERIFY(GatewayRules::readable(p,
            route(Kind::Read, Resource::ServiceAccount, QStringLiteral("default"), QStringLiteral("app-sa")),
            plain));
        QVERIFY(!GatewayRules::readable(p,
            route(Kind::Read, Resource::ServiceAccount, QStringLiteral("team-a"), QStringLiteral("web")),
            plain));
        QVERIFY(GatewayRules::readable(
            p, route(Kind::Read, Resource::ClusterRole, {}, QStringLiteral("kms-dynamic-role")), plain));
        // Namespaces: only those of the policy, whatever their labels.
        const QJsonObject teamA { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("team-a") } } } };
        const QJsonObject kubeSystem { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("kube-system") } } } };
        QVERIFY(GatewayRules::readable(p, route(Kind::List, Resource::Namespace, {}), teamA));
        QVERIFY(!GatewayRules::readable(p, route(Kind::List, Resource::Namespace, {}), kubeSystem));
        // With a namespaceSelector, also those whose labels (in the API server's answer) match.
        GatewayClientPolicy selecting = p;
        selecting.namespaceSelector = QStringLiteral("env=dev");
        const QJsonObject devB { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("dev-b") },
                { QStringLiteral("labels"),
                    QJsonObject { { QStringLiteral("env"), QStringLiteral("dev") } } } } } };
        const QJsonObject prodB { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("prod-b") },
                { QStringLiteral("labels"),
                    QJsonObject { { QStringLiteral("env"), QStringLiteral("prod") } } } } } };
        QVERIFY(GatewayRules::readable(selecting, route(Kind::List, Resource::Namespace, {}), devB));
        QVERIFY(!GatewayRules::readable(selecting, route(Kind::List, Resource::Namespace, {}), prodB));
        QVERIFY(!GatewayRules::readable(p, route(Kind::List, Resource::Namespace, {}), devB));
        QVERIFY(GatewayRules::readable(selecting, route(Kind::List, Resource::Namespace, {}), teamA));
        // The namespaces a call names, for the gateway to read.
        QCOMPARE(GatewayRules::namespacesOf(
                     route(Kind::Create, Resource::ServiceAccount, QStringLiteral("dev-b")), QByteArray()),
            QStringList { QStringLiteral("dev-b") });
        QCOMPARE(GatewayRules::namespacesOf(route(Kind::Create, Resource::ClusterRoleBinding, {}),
                     R"({"subjects":[{"kind":"ServiceAccount","name":"a","namespace":"dev-b"}]})"),
            QStringList { QStringLiteral("dev-b") });
        // A role the policy does not name is shown only when it is a lease's.
        QVERIFY(!GatewayRules::readable(
            p, route(Kind::Read, Resource::Role, QStringLiteral("team-a"), QStringLiteral("admin")), plain));
        QVERIFY(GatewayRules::readable(p,
            route(Kind::Read, Resource::Role, QStringLiteral("team-a"), QStringLiteral("kms-x")), managed));
        QVERIFY(!GatewayRules::readable(
            p, route(Kind::List, Resource::ServiceAccount, QStringLiteral("default")), plain));
    }

    void deleteOptions_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("uid"); // "!" = refused
        QTest::newRow("none") << QByteArray() << "";
        QTest::newRow("uid") << QByteArray(
            R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"u-1"}})")
                             << "u-1";
        QTest::newRow("propagation") << QByteArray(R"({"propagationPolicy":"Background"})") << "";
        QTest::newRow("dry run") << QByteArray(R"({"dryRun":["All"]})") << "!";
        QTest::newRow("grace") << QByteArray(R"({"gracePeriodSeconds":0})") << "!";
        QTest::newRow("other precondition") << QByteArray(R"({"preconditions":{"name":"x"}})") << "!";
        QTest::newRow("other kind") << QByteArray(R"({"kind":"Pod"})") << "!";
        QTest::newRow("not json") << QByteArray("x") << "!";
    }

    void deleteOptions()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, uid);
        QString why;
        const auto options = GatewayRules::parseDeleteOptions(body, &why);
        if (uid == QLatin1String("!")) {
            QVERIFY(!options);
            QVERIFY(!why.isEmpty());
            return;
        }
        QVERIFY2(options, qPrintable(why));
        QCOMPARE(options->uid, uid);
        const QJsonObject out = QJsonDocument::fromJson(options->toJson()).object();
        QCOMPARE(out.value(QLatin1String("kind")).toString(), QStringLiteral("DeleteOptions"));
        QCOMPARE(
            out.value(QLatin1String("preconditions")).toObject().value(QLatin1String("uid")).toString(), uid);
    }

    void answersKeepOnlyWhatTheDesktopNeeds()
    {
        const QJsonObject secret { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("Secret") },
            { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("name"), QStringLiteral("kms-x") },
                    { QStringLiteral("namespace"), QStringLiteral("a") },
                    { QStringLiteral("uid"), QStringLiteral("u-1") },
                    { QStringLiteral("resourceVersion"), QStringLiteral("9") },
                    { QStringLiteral("labels"),
                        QJsonObject { { LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue } } },
                    { QStringLiteral("annotations"),
                        QJsonObject { { LeaseLabels::ExpiresAt, QStringLiteral("2030-01-01T00:00:00Z") },
                            { QStringLiteral("kubectl.kubernetes.io/last-applied-configuration"),
                                QStringLiteral("{\"stringData\":{\"p\":\"hunter2\"}}") } } },
                    { QStringLiteral("managedFields"),
                        QJsonArray {
                            QJsonObject { { QStringLiteral("f"), QStringLiteral("hunter2") } } } } } },
            { QStringLiteral("data"),
                QJsonObject { { QStringLiteral("p"), QStringLiteral("aHVudGVyMg==") } } },
            { QStringLiteral("stringData"),
                QJsonObject { { QStringLiteral("p"), QStringLiteral("hunter2") } } } };
        const QByteArray one
            = GatewayRules::redactAnswer(json(secret), [](const QJsonObject &) { return true; });
        QVERIFY2(!one.contains("hunter2") && !one.contains("aHVudGVyMg"), one.constData());
        QVERIFY(!one.contains("last-applied") && !one.contains("managedFields")
            && !one.contains("resourceVersion"));
        const QJsonObject meta
            = QJsonDocument::fromJson(one).object().value(QLatin1String("metadata")).toObject();
        QCOMPARE(meta.value(QLatin1String("uid")).toString(), QStringLiteral("u-1"));
        QCOMPARE(meta.value(QLatin1String("namespace")).toString(), QStringLiteral("a"));
        QVERIFY(LeaseLabels::isManaged(QJsonDocument::fromJson(one).object()));
        QVERIFY(meta.value(QLatin1String("annotations")).toObject().contains(LeaseLabels::ExpiresAt));

        QJsonObject other = secret;
        other.insert(
            QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), QStringLiteral("web") } });
        const QJsonObject list { { QStringLiteral("kind"), QStringLiteral("SecretList") },
            { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("continue"), QStringLiteral("c1") } } },
            { QStringLiteral("items"), QJsonArray { secret, other } } };
        const QByteArray listed = GatewayRules::redactAnswer(
            json(list), [](const QJsonObject &o) { return LeaseLabels::isManaged(o); });
        QVERIFY(!listed.contains("hunter2"));
        const QJsonObject l = QJsonDocument::fromJson(listed).object();
        QCOMPARE(l.value(QLatin1String("items")).toArray().size(), 1);
        QCOMPARE(l.value(QLatin1String("metadata")).toObject().value(QLatin1String("continue")).toString(),
            QStringLiteral("c1"));

        const QByteArray status = "{\"kind\":\"Status\",\"code\":404,\"message\":\"secrets x not found\"}";
        QCOMPARE(GatewayRules::redactAnswer(status, [](const QJsonObject &) { return true; }), status);
    }
};

QTEST_GUILESS_MAIN(TestGatewayRules)
#include "tst_gatewayrules.moc"
