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
                && !message.contains(QLatin1String("2^32")) && message.size() <= 200,
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
