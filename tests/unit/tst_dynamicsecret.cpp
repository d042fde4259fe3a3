#include "core/DynamicSecret.h"

#include <QTest>

#include <functional>

using kms::Duration;
using kms::DynamicSecret;
using kms::SecretValidationContext;

using Mutation = std::function<void(DynamicSecret &, SecretValidationContext &)>;
Q_DECLARE_METATYPE(Mutation)

namespace {

// A self-signed certificate (CN=kms-test-ca), only for parsing.
const char *const TestCaPem = R"(-----BEGIN CERTIFICATE-----
MIIBgDCCASegAwIBAgIUNB6GIuinopWPK7OlC5XOmGp5FCswCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLa21zLXRlc3QtY2EwHhcNMjYxMTI4MTExNDIyWhcNMzYxMTI1
MTExNDIyWjAWMRQwEgYDVQQDDAtrbXMtdGVzdC1jYTBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABLmdIgC34tNzu9AVt/MwdVARF/JIhiOBFTkyLMdMFx7LHG5UjscP
ym+KpM7txiyoIqLf3kesTLRJddJ4QHWq70KjUzBRMB0GA1UdDgQWBBRzgPs+qYui
Hw/KCQY6mWdWPAmoVDAfBgNVHSMEGDAWgBRzgPs+qYuiHw/KCQY6mWdWPAmoVDAP
BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIGXgJnNEoNwSatjgodMv
2gIFxEU5HGeAzHI+lAFCyIOUAiBZEhSPDf/8nGVL3gjrQCA4XMJ0Yxh7oNIJW+Vw
RfyrNg==
-----END CERTIFICATE-----
)";

DynamicSecret validStatic()
{
    DynamicSecret s;
    s.environmentId = 1;
    s.name = QStringLiteral("ci-deployer");
    s.authMethod = DynamicSecret::AuthMethod::Token;
    s.clusterUrl = QStringLiteral("https://kubernetes.example.com:6443");
    s.credentialType = DynamicSecret::CredentialType::Static;
    s.serviceAccount = QStringLiteral("builder");
    s.namespaceName = QStringLiteral("ci");
    return s;
}

SecretValidationContext validContext()
{
    SecretValidationContext ctx;
    ctx.hasClusterToken = true;
    ctx.otherSecretNames = { QStringLiteral("other-secret") };
    return ctx;
}

void makeDynamic(DynamicSecret &s)
{
    s.credentialType = DynamicSecret::CredentialType::Dynamic;
    s.serviceAccount.clear();
    s.namespaceName.clear();
    s.allowedNamespaces = { QStringLiteral("default"), QStringLiteral("monitoring") };
    s.roleType = DynamicSecret::RoleType::ClusterRole;
    s.roleName = QStringLiteral("view");
}

void makeGateway(DynamicSecret &s)
{
    s.authMethod = DynamicSecret::AuthMethod::Gateway;
    s.clusterUrl.clear();
    s.gateway = QStringLiteral("prod-gw");
}

// Token (API) auth through a gateway: the cluster token, no URL of its own.
void makeTokenThroughGateway(DynamicSecret &s)
{
    s.authMethod = DynamicSecret::AuthMethod::Token;
    s.clusterUrl.clear();
    s.gateway = QStringLiteral("prod-gw");
}

} // namespace

class TestDynamicSecret : public QObject {
    Q_OBJECT
private slots:
    void defaultsMatchTheForm()
    {
        const DynamicSecret s;
        QCOMPARE(s.defaultTtl, Duration::fromHours(1));
        QCOMPARE(s.maxTtl, Duration::fromHours(24));
        QVERIFY(s.sslVerify);
        QVERIFY(!s.clusterWide);
        QVERIFY(!s.boundTokens);
    }

    void validates_data()
    {
        QTest::addColumn<Mutation>("mutate");
        QTest::addColumn<QString>("field"); // empty: valid
        QTest::addColumn<QString>("messagePart");

        const auto row = [](const char *tag, Mutation m, const char *field = "", const char *part = "") {
            QTest::newRow(tag) << m << QString::fromLatin1(field) << QString::fromLatin1(part);
        };
        const auto none = [](DynamicSecret &, SecretValidationContext &) {};

        // Good configurations.
        row("static token", none);
        row("static bound tokens", [](DynamicSecret &s, SecretValidationContext &) { s.boundTokens = true; });
        row("dynamic clusterrole", [](DynamicSecret &s, SecretValidationContext &) { makeDynamic(s); });
        row("dynamic clusterrole cluster-wide", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.clusterWide = true;
        });
        row("dynamic role", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.roleType = DynamicSecret::RoleType::Role;
            s.roleName = QStringLiteral("pod-reader");
        });
        row("role name with colon", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.roleName = QStringLiteral("system:aggregate-to-view");
        });
        row("gateway unchecked", [](DynamicSecret &s, SecretValidationContext &c) {
            makeGateway(s);
            c.hasClusterToken = false;
        });
        row("gateway registered", [](DynamicSecret &s, SecretValidationContext &c) {
            makeGateway(s);
            c.gatewayNames = { QStringLiteral("prod-gw") };
        });
        row("ca certificate", [](DynamicSecret &s, SecretValidationContext &) {
            s.caCertificate = QString::fromLatin1(TestCaPem);
        });
        row("ttl at minimum", [](DynamicSecret &s, SecretValidationContext &) {
            s.defaultTtl = Duration::fromMinutes(10);
            s.maxTtl = Duration::fromMinutes(10);
        });
        row("audiences", [](DynamicSecret &s, SecretValidationContext &) {
            s.audiences = { QStringLiteral("https://kubernetes.default.svc"), QStringLiteral("vault") };
        });
        row("name 63 chars",
            [](DynamicSecret &s, SecretValidationContext &) { s.name = QString(63, QLatin1Char('x')); });
        row("url with path", [](DynamicSecret &s, SecretValidationContext &) {
            s.clusterUrl = QStringLiteral("https://rancher.example.com/k8s/clusters/c-1");
        });

        // Name.
        row(
            "name empty", [](DynamicSecret &s, SecretValidationContext &) { s.name.clear(); }, "name",
            "required");
        row(
            "name upper case",
            [](DynamicSecret &s, SecretValidationContext &) { s.name = QStringLiteral("CI"); }, "name",
            "\"CI\"");
        row(
            "name underscore",
            [](DynamicSecret &s, SecretValidationContext &) { s.name = QStringLiteral("a_b"); }, "name",
            "\"_\"");
        row(
            "name ends with dash",
            [](DynamicSecret &s, SecretValidationContext &) { s.name = QStringLiteral("ci-"); }, "name",
            "start and end with a letter or digit");
        row(
            "name too long",
            [](DynamicSecret &s, SecretValidationContext &) { s.name = QString(64, QLatin1Char('x')); },
            "name", "63");
        row(
            "name taken",
            [](DynamicSecret &s, SecretValidationContext &) { s.name = QStringLiteral("other-secret"); },
            "name", "already used");

        // TTLs.
        row(
            "default ttl below minimum",
            [](DynamicSecret &s, SecretValidationContext &) { s.defaultTtl = Duration::fromMinutes(5); },
            "defaultTtl", "Default TTL must be at least 10 minutes (got 5m).");
        row(
            "max ttl below minimum",
            [](DynamicSecret &s, SecretValidationContext &) { s.maxTtl = Duration::fromSeconds(599); },
            "maxTtl", "Max TTL must be at least 10 minutes (got 9m59s).");
        row(
            "max ttl zero", [](DynamicSecret &s, SecretValidationContext &) { s.maxTtl = Duration(); },
            "maxTtl", "(got 0s)");
        row(
            "default above max",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.defaultTtl = Duration::fromHours(2);
                s.maxTtl = Duration::fromHours(1);
            },
            "defaultTtl", "Default TTL (2h) must not be longer than the max TTL (1h).");
        row(
            "max ttl above api limit",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.maxTtl = Duration::fromSeconds((qint64(1) << 32) + 1);
            },
            "maxTtl", "49710d6h28m16s");

        // Token auth.
        row(
            "url missing", [](DynamicSecret &s, SecretValidationContext &) { s.clusterUrl.clear(); },
            "clusterUrl", "required");
        row(
            "url http",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.clusterUrl = QStringLiteral("http://kubernetes.example.com");
            },
            "clusterUrl", "https://");
        row(
            "url no host",
            [](DynamicSecret &s, SecretValidationContext &) { s.clusterUrl = QStringLiteral("https://"); },
            "clusterUrl", "https://");
        row(
            "url garbage",
            [](DynamicSecret &s, SecretValidationContext &) { s.clusterUrl = QStringLiteral("not a url"); },
            "clusterUrl", "\"not a url\"");
        row(
            "url with query",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.clusterUrl = QStringLiteral("https://k8s.example.com/?x=1");
            },
            "clusterUrl", "query");
        row(
            "ca garbage",
            [](DynamicSecret &s, SecretValidationContext &) { s.caCertificate = QStringLiteral("hello"); },
            "caCertificate", "PEM");
        row(
            "ca corrupt body",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.caCertificate
                    = QStringLiteral("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
            },
            "caCertificate", "PEM");
        row(
            "ca one good one bad",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.caCertificate = QString::fromLatin1(TestCaPem)
                    + QStringLiteral("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
            },
            "caCertificate", "PEM");
        row(
            "token missing", [](DynamicSecret &, SecretValidationContext &c) { c.hasClusterToken = false; },
            "clusterToken", "Cluster token is required");

        // Gateway auth.
        row(
            "gateway missing",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeGateway(s);
                s.gateway.clear();
            },
            "gateway", "required");
        row(
            "gateway unknown",
            [](DynamicSecret &s, SecretValidationContext &c) {
                makeGateway(s);
                c.gatewayNames = { QStringLiteral("staging-gw") };
            },
            "gateway", "\"prod-gw\" is not registered");
        row(
            "gateway unknown, none registered",
            [](DynamicSecret &s, SecretValidationContext &c) {
                makeGateway(s);
                c.gatewayNames.clear();
                c.gatewaysKnown = true;
            },
            "gateway", "\"prod-gw\" is not registered");

        // Token (API) auth through a gateway.
        row(
            "token through a gateway",
            [](DynamicSecret &s, SecretValidationContext &c) {
                makeTokenThroughGateway(s);
                c.gatewayNames = { QStringLiteral("prod-gw") };
            },
            "", "");
        row(
            "token through a gateway, dynamic",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeTokenThroughGateway(s);
                makeDynamic(s);
            },
            "", "");
        row(
            "token through a gateway without the token",
            [](DynamicSecret &s, SecretValidationContext &c) {
                makeTokenThroughGateway(s);
                c.hasClusterToken = false;
            },
            "clusterToken", "Cluster token is required");
        row(
            "token through a gateway with a url",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeTokenThroughGateway(s);
                s.clusterUrl = QStringLiteral("https://kubernetes.example.com:6443");
            },
            "clusterUrl", "not used through a gateway");
        row(
            "token through a gateway with a ca",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeTokenThroughGateway(s);
                s.caCertificate = QString::fromLatin1(TestCaPem);
            },
            "caCertificate", "not used through a gateway");
        row(
            "token through an unknown gateway",
            [](DynamicSecret &s, SecretValidationContext &c) {
                makeTokenThroughGateway(s);
                c.gatewayNames = { QStringLiteral("staging-gw") };
            },
            "gateway", "\"prod-gw\" is not registered");
        row(
            "token without gateway nor url",
            [](DynamicSecret &s, SecretValidationContext &) { s.clusterUrl.clear(); }, "clusterUrl",
            "required with Token (API) authentication without a gateway");

        // Static credentials.
        row(
            "service account missing",
            [](DynamicSecret &s, SecretValidationContext &) { s.serviceAccount.clear(); }, "serviceAccount",
            "required");
        row(
            "service account invalid",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.serviceAccount = QStringLiteral("Builder!");
            },
            "serviceAccount", "\"Builder!\"");
        row(
            "namespace missing", [](DynamicSecret &s, SecretValidationContext &) { s.namespaceName.clear(); },
            "namespace", "required");
        row(
            "namespace invalid",
            [](DynamicSecret &s, SecretValidationContext &) { s.namespaceName = QStringLiteral("my.ns"); },
            "namespace", "\"my.ns\"");
        row(
            "static cluster-wide", [](DynamicSecret &s, SecretValidationContext &) { s.clusterWide = true; },
            "clusterWide", "Dynamic");

        // Dynamic credentials.
        row(
            "allowed namespaces empty",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.allowedNamespaces.clear();
            },
            "allowedNamespaces", "at least one");
        row(
            "allowed namespace empty entry",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.allowedNamespaces = { QStringLiteral("default"), QString() };
            },
            "allowedNamespaces", "empty entry");
        row(
            "allowed namespace duplicate",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.allowedNamespaces = { QStringLiteral("default"), QStringLiteral("default") };
            },
            "allowedNamespaces", "more than once");
        row(
            "allowed namespace invalid",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.allowedNamespaces = { QStringLiteral("Kube_System") };
            },
            "allowedNamespaces", "\"Kube_System\"");
        row(
            "role missing",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.roleName.clear();
            },
            "role", "required");
        row(
            "role invalid",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.roleName = QStringLiteral("a/b");
            },
            "role", "may not contain '/'");
        row(
            "role cluster-wide",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.roleType = DynamicSecret::RoleType::Role;
                s.clusterWide = true;
            },
            "clusterWide", "ClusterRole");
        row(
            "dynamic bound tokens",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.boundTokens = true;
            },
            "boundTokens", "Static");

        // Several roles, extra labels and annotations, the lease limit.
        row("two roles", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.extraRoles = { { DynamicSecret::RoleType::Role, QStringLiteral("deployer") } };
        });
        row("two roles cluster-wide with a ClusterRole among them",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.roleType = DynamicSecret::RoleType::Role;
                s.roleName = QStringLiteral("deployer");
                s.extraRoles = { { DynamicSecret::RoleType::ClusterRole, QStringLiteral("view") } };
                s.clusterWide = true;
            });
        row(
            "roles without the first",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.roleName.clear();
                s.extraRoles = { { DynamicSecret::RoleType::Role, QStringLiteral("deployer") } };
            },
            "role", "name the first role");
        row(
            "role listed twice",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.extraRoles = { { DynamicSecret::RoleType::ClusterRole, QStringLiteral("view") } };
            },
            "roles", "\"ClusterRole/view\" more than once");
        row("same name other kind is another role", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.extraRoles = { { DynamicSecret::RoleType::Role, QStringLiteral("view") } };
        });
        row(
            "extra role bad name",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.extraRoles = { { DynamicSecret::RoleType::Role, QStringLiteral("a/b") } };
            },
            "roles", "may not contain '/'");
        row(
            "roles on static",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.extraRoles = { { DynamicSecret::RoleType::Role, QStringLiteral("deployer") } };
            },
            "roles", "only to Dynamic");
        row("extra labels and annotations", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.extraLabels = { { QStringLiteral("team"), QStringLiteral("a") },
                { QStringLiteral("example.com/tier"), QString() } };
            s.extraAnnotations = { { QStringLiteral("owner"), QStringLiteral("Jane Doe, ops") } };
        });
        row(
            "extra label overrides managed-by",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.extraLabels = { { QStringLiteral("app.kubernetes.io/managed-by"), QStringLiteral("me") } };
            },
            "extraLabels", "cannot be overridden");
        row(
            "extra annotation overrides the expiry",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.extraAnnotations
                    = { { QStringLiteral("kms.hanzo.ai/expires-at"), QStringLiteral("never") } };
            },
            "extraAnnotations", "cannot be overridden");
        row(
            "extra label bad key",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.extraLabels = { { QStringLiteral("-team"), QStringLiteral("a") } };
            },
            "extraLabels", "key \"-team\" is not valid");
        row(
            "extra label bad value",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.extraLabels = { { QStringLiteral("team"), QStringLiteral("a b") } };
            },
            "extraLabels", "invalid value \"a b\"");
        row(
            "extra label value too long",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.extraLabels = { { QStringLiteral("team"), QString(64, QLatin1Char('a')) } };
            },
            "extraLabels", "at most 63");
        row(
            "annotations too large",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.extraAnnotations = { { QStringLiteral("blob"), QString(300 * 1024, QLatin1Char('a')) } };
            },
            "extraAnnotations", "at most 262144 bytes");
        row(
            "extra labels on an unbound static secret",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.extraLabels = { { QStringLiteral("team"), QStringLiteral("a") } };
            },
            "extraLabels", "creates no objects");
        row("extra labels on a bound static secret", [](DynamicSecret &s, SecretValidationContext &) {
            s.boundTokens = true;
            s.extraLabels = { { QStringLiteral("team"), QStringLiteral("a") } };
        });
        row("max leases", [](DynamicSecret &s, SecretValidationContext &) { s.maxLeases = 3; });
        row(
            "max leases negative", [](DynamicSecret &s, SecretValidationContext &) { s.maxLeases = -1; },
            "maxLeases", "positive");

        // Generated roles.
        const auto podsRule = [] {
            return kms::PolicyRule { { QStringLiteral("get") }, { QString() }, { QStringLiteral("pods") }, {},
                {} };
        };
        row("generated role only", [podsRule](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.roleName.clear();
            s.generatedRules = { podsRule() };
        });
        row("generated role beside a role", [podsRule](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.generatedRules = { podsRule() };
        });
        row("generated ClusterRole cluster-wide beside a Role",
            [podsRule](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.roleType = DynamicSecret::RoleType::Role;
                s.generatedRules = { podsRule() };
                s.generatedRoleType = DynamicSecret::RoleType::ClusterRole;
                s.clusterWide = true;
            });
        row(
            "generated Role with URLs",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.generatedRules = { kms::PolicyRule {
                    { QStringLiteral("get") }, {}, {}, {}, { QStringLiteral("/healthz") } } };
            },
            "generatedRules", "only a ClusterRole can grant");
        row(
            "generated rule without verbs",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.generatedRules
                    = { kms::PolicyRule { {}, { QString() }, { QStringLiteral("pods") }, {}, {} } };
            },
            "generatedRules", "rules[0].verbs must name at least one verb");
        row(
            "generated rules on static",
            [podsRule](DynamicSecret &s, SecretValidationContext &) { s.generatedRules = { podsRule() }; },
            "generatedRules", "only to Dynamic");

        // Any namespace, selectors.
        row("any namespace", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.allowedNamespaces = { QStringLiteral("*") };
        });
        row("selector only", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.allowedNamespaces.clear();
            s.namespaceSelector = QStringLiteral("team in (a,b),env=dev");
        });
        row("list and selector", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.namespaceSelector = QStringLiteral("env=dev");
        });
        row(
            "bad selector",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.namespaceSelector = QStringLiteral("env in dev");
            },
            "namespaceSelector", "needs its values in parentheses");
        row(
            "selector with any namespace",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.allowedNamespaces = { QStringLiteral("*") };
                s.namespaceSelector = QStringLiteral("env=dev");
            },
            "namespaceSelector", "narrows nothing");
        row(
            "star beside names",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.allowedNamespaces = { QStringLiteral("a"), QStringLiteral("*") };
            },
            "allowedNamespaces", "beside names");
        row(
            "selector on static",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.namespaceSelector = QStringLiteral("env=dev");
            },
            "namespaceSelector", "only to Dynamic");
        row(
            "name template too long for any namespace",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.namespaceSelector = QStringLiteral("env=dev");
                s.nameTemplate = QStringLiteral("{{namespace}}-{{random 6}}");
            },
            "nameTemplate", "a namespace of 63 characters");

        // Name templates.
        row("name template", [](DynamicSecret &s, SecretValidationContext &) {
            makeDynamic(s);
            s.nameTemplate = QStringLiteral("{{secret}}-{{user | lower | truncate 10}}-{{random 6}}");
        });
        row(
            "name template without random",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.nameTemplate = QStringLiteral("{{secret}}-{{namespace}}");
            },
            "nameTemplate", "at least 5 random characters");
        row(
            "name template too long for a listed namespace",
            [](DynamicSecret &s, SecretValidationContext &) {
                makeDynamic(s);
                s.allowedNamespaces = { QString(60, QLatin1Char('n')) };
                s.nameTemplate = QStringLiteral("{{namespace}}-{{random 6}}");
            },
            "nameTemplate", "at most 63 characters");
        row(
            "name template for an unusual user",
            [](DynamicSecret &s, SecretValidationContext &c) {
                makeDynamic(s);
                c.currentUser = QStringLiteral("Jane.Doe");
                s.nameTemplate = QStringLiteral("{{user}}-{{random 6}}");
            },
            "nameTemplate", "user \"Jane.Doe\"");
        row(
            "name template on an unbound static secret",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.nameTemplate = QStringLiteral("x-{{random 6}}");
            },
            "nameTemplate", "creates no objects to name");

        // Audiences.
        row(
            "audience empty",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.audiences = { QStringLiteral("a"), QString() };
            },
            "audiences", "empty");
        row(
            "audience untrimmed",
            [](DynamicSecret &s, SecretValidationContext &) { s.audiences = { QStringLiteral(" a") }; },
            "audiences", "spaces");
        row(
            "audience duplicate",
            [](DynamicSecret &s, SecretValidationContext &) {
                s.audiences = { QStringLiteral("a"), QStringLiteral("a") };
            },
            "audiences", "more than once");
    }
    void validates()
    {
        QFETCH(Mutation, mutate);
        QFETCH(QString, field);
        QFETCH(QString, messagePart);
        DynamicSecret s = validStatic();
        SecretValidationContext ctx = validContext();
        mutate(s, ctx);
        const kms::FieldErrors errors = s.validate(ctx);
        QStringList shown;
        for (const kms::FieldError &e : errors)
            shown << e.field + QStringLiteral(": ") + e.message;
        if (field.isEmpty()) {
            QVERIFY2(errors.isEmpty(), qPrintable(shown.join(QLatin1Char('\n'))));
            return;
        }
        // Exactly the one problem the row introduces, tied to its field.
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.constFirst().field, field);
        QVERIFY2(
            errors.constFirst().message.contains(messagePart), qPrintable(shown.join(QLatin1Char('\n'))));
        QVERIFY2(
            errors.constFirst().message.endsWith(QLatin1Char('.')), qPrintable(errors.constFirst().message));
        // Words for people: no validation regex, no "2^32", one sentence of
        // reasonable length under a form field.
        const QString &message = errors.constFirst().message;
        QVERIFY2(!message.contains(QLatin1String("regex")) && !message.contains(QLatin1String("[a-z0-9]"))
                && !message.contains(QLatin1String("2^32")) && message.size() <= 400,
            qPrintable(message));
    }

    void reportsEveryProblemAtOnce()
    {
        DynamicSecret s;
        s.name = QStringLiteral("Bad Name");
        s.defaultTtl = Duration::fromMinutes(1);
        s.maxTtl = Duration::fromMinutes(2);
        s.clusterUrl = QStringLiteral("http://x");
        s.credentialType = DynamicSecret::CredentialType::Dynamic;
        s.audiences = { QString() };
        const kms::FieldErrors errors = s.validate(SecretValidationContext {});
        QStringList fields;
        for (const kms::FieldError &e : errors)
            fields << e.field;
        for (const char *expected : { "name", "defaultTtl", "maxTtl", "clusterUrl", "clusterToken",
                 "allowedNamespaces", "role", "audiences" }) {
            QVERIFY2(fields.contains(QString::fromLatin1(expected)),
                qPrintable(
                    fields.join(QLatin1Char(',')) + QStringLiteral(" lacks ") + QLatin1String(expected)));
        }
    }

    void parsesNamespaceLists_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("one") << "default" << QStringList { QStringLiteral("default") } << "";
        QTest::newRow("seed example") << "default,kube-system,monitoring"
                                      << QStringList { QStringLiteral("default"),
                                             QStringLiteral("kube-system"), QStringLiteral("monitoring") }
                                      << "";
        QTest::newRow("trimmed") << " default , monitoring "
                                 << QStringList { QStringLiteral("default"), QStringLiteral("monitoring") }
                                 << "";
        QTest::newRow("deduplicated")
            << "a,b,a" << QStringList { QStringLiteral("a"), QStringLiteral("b") } << "";
        QTest::newRow("empty") << "" << QStringList() << "at least one";
        QTest::newRow("blank") << "  " << QStringList() << "at least one";
        QTest::newRow("empty entry") << "a,,b" << QStringList() << "empty entry at position 2";
        QTest::newRow("trailing comma") << "a," << QStringList() << "empty entry at position 2";
        QTest::newRow("invalid entry") << "a,B_c" << QStringList() << "\"B_c\"";
        QTest::newRow("invalid entry in words") << "a,b_c" << QStringList() << "contains \"_\"";
        QTest::newRow("too long") << QString(64, QLatin1Char('n')) << QStringList() << "63 characters";
        QTest::newRow("any") << " * " << QStringList { QStringLiteral("*") } << "";
        QTest::newRow("any beside names") << "a,*" << QStringList() << "\"*\" (any) beside names";
    }
    void parsesNamespaceLists()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        QFETCH(QString, errorPart);
        QString error = QStringLiteral("stale");
        QCOMPARE(DynamicSecret::parseNamespaceList(text, &error), expected);
        if (errorPart.isEmpty())
            QVERIFY2(error.isEmpty(), qPrintable(error));
        else
            QVERIFY2(error.contains(errorPart) && error.startsWith(QStringLiteral("Allowed namespace"))
                    && !error.contains(QLatin1String("regex")),
                qPrintable(error));
    }

    void parsesAudiences_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("none") << "" << QStringList() << "";
        QTest::newRow("blank") << " " << QStringList() << "";
        QTest::newRow("two trimmed") << " api , vault"
                                     << QStringList { QStringLiteral("api"), QStringLiteral("vault") } << "";
        QTest::newRow("deduplicated") << "a,a" << QStringList { QStringLiteral("a") } << "";
        QTest::newRow("empty entry") << "a, ,b" << QStringList() << "empty entry at position 2";
        QTest::newRow("leading comma") << ",a" << QStringList() << "empty entry at position 1";
    }
    void parsesAudiences()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        QFETCH(QString, errorPart);
        QString error = QStringLiteral("stale");
        QCOMPARE(DynamicSecret::parseAudiences(text, &error), expected);
        if (errorPart.isEmpty())
            QVERIFY2(error.isEmpty(), qPrintable(error));
        else
            QVERIFY2(error.contains(errorPart) && error.startsWith(QStringLiteral("Audiences")),
                qPrintable(error));
    }

    void parsesRoleLists_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("two") << "ClusterRole/view, Role/deployer"
                             << QStringList { "ClusterRole/view", "Role/deployer" } << "";
        QTest::newRow("any case kind") << "clusterrole/view" << QStringList { "ClusterRole/view" } << "";
        QTest::newRow("colon in name") << "ClusterRole/system:aggregate-to-view"
                                       << QStringList { "ClusterRole/system:aggregate-to-view" } << "";
        QTest::newRow("empty") << "" << QStringList() << "empty entry at position 1";
        QTest::newRow("empty entry") << "Role/a,,Role/b" << QStringList() << "empty entry at position 2";
        QTest::newRow("no kind") << "view" << QStringList() << "has no kind";
        QTest::newRow("unknown kind") << "Group/view" << QStringList() << "unknown kind \"Group\"";
        QTest::newRow("no name") << "Role/" << QStringList() << "may not be empty";
        QTest::newRow("slash in name") << "Role/a/b" << QStringList() << "may not contain '/'";
        QTest::newRow("twice") << "Role/a,role/a" << QStringList() << "\"Role/a\" more than once";
        QTest::newRow("control character, escaped") << "Gr\x1bp/view" << QStringList() << "\"Gr\\x1bp\"";
    }
    void parsesRoleLists()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        QFETCH(QString, errorPart);
        QString error;
        QStringList got;
        for (const auto &r : DynamicSecret::parseRoleList(text, &error))
            got << r.toString();
        QCOMPARE(got, expected);
        if (errorPart.isEmpty() && !expected.isEmpty())
            QVERIFY2(error.isEmpty(), qPrintable(error));
        else if (!errorPart.isEmpty())
            QVERIFY2(error.contains(errorPart), qPrintable(error));
        QVERIFY2(!error.contains(QChar(0x1b)), qPrintable(error));
    }

    void parsesMetadata_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected"); // formatMetadata of the result
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("none") << ""
                              << ""
                              << "";
        QTest::newRow("two, sorted, trimmed") << " tier = web , team=a"
                                              << "team=a,tier=web"
                                              << "";
        QTest::newRow("empty value") << "team="
                                     << "team="
                                     << "";
        QTest::newRow("= in value") << "q=a=b"
                                    << "q=a=b"
                                    << "";
        QTest::newRow("escaped comma and backslash") << "note=a\\,b\\\\c,x=1"
                                                     << "note=a\\,b\\\\c,x=1"
                                                     << "";
        QTest::newRow("no value") << "team"
                                  << ""
                                  << "has no value";
        QTest::newRow("empty key") << "=a"
                                   << ""
                                   << "empty key";
        QTest::newRow("empty entry") << "a=1,,b=2"
                                     << ""
                                     << "empty entry at position 2";
        QTest::newRow("twice") << "a=1,a=2"
                               << ""
                               << "\"a\" more than once";
    }
    void parsesMetadata()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QFETCH(QString, errorPart);
        QString error = QStringLiteral("stale");
        QCOMPARE(DynamicSecret::formatMetadata(
                     DynamicSecret::parseMetadata(text, QStringLiteral("label"), &error)),
            expected);
        if (errorPart.isEmpty())
            QVERIFY2(error.isEmpty(), qPrintable(error));
        else
            QVERIFY2(error.contains(errorPart) && error.startsWith(QStringLiteral("Extra label")),
                qPrintable(error));
    }

    void boundRolesAreTheFirstThenTheRest()
    {
        DynamicSecret s;
        QVERIFY(s.boundRoles().isEmpty());
        s.setBoundRoles({ { DynamicSecret::RoleType::Role, QStringLiteral("a") },
            { DynamicSecret::RoleType::ClusterRole, QStringLiteral("b") } });
        QCOMPARE(s.roleType, DynamicSecret::RoleType::Role);
        QCOMPARE(s.roleName, QStringLiteral("a"));
        QCOMPARE(s.extraRoles.size(), 1);
        QCOMPARE(s.boundRoles().size(), 2);
        QCOMPARE(s.boundRoles().at(1).toString(), QStringLiteral("ClusterRole/b"));
        s.clusterWide = true;
        QVERIFY(!s.bindsClusterWide(s.boundRoles().at(0)));
        QVERIFY(s.bindsClusterWide(s.boundRoles().at(1)));
    }

    void enumSpellingsRoundTrip()
    {
        using S = DynamicSecret;
        for (auto m : { S::AuthMethod::Token, S::AuthMethod::Gateway })
            QCOMPARE(S::authMethodFromString(S::toString(m)), m);
        for (auto t : { S::CredentialType::Static, S::CredentialType::Dynamic })
            QCOMPARE(S::credentialTypeFromString(S::toString(t)), t);
        for (auto r : { S::RoleType::Role, S::RoleType::ClusterRole })
            QCOMPARE(S::roleTypeFromString(S::toString(r)), r);
        QCOMPARE(S::roleTypeFromString(QStringLiteral("clusterrole")), S::RoleType::ClusterRole);
        QCOMPARE(S::credentialTypeFromString(QStringLiteral("DYNAMIC")), S::CredentialType::Dynamic);
        QVERIFY(!S::authMethodFromString(QStringLiteral("kubeconfig")).has_value());
        QVERIFY(!S::roleTypeFromString(QString()).has_value());
    }

    void vaultKeyDependsOnId()
    {
        DynamicSecret a;
        a.id = 7;
        DynamicSecret b;
        b.id = 8;
        QVERIFY(a.vaultKey() != b.vaultKey());
        QCOMPARE(a.vaultKey(), DynamicSecret::vaultKeyFor(7));
        QVERIFY(a.vaultKey().contains(QLatin1String("7")));
    }
};

QTEST_GUILESS_MAIN(TestDynamicSecret)
#include "tst_dynamicsecret.moc"
