// moc (Qt 6.4) misreads a raw string holding \" or //, and then finds no
// class in the file (the test does not link): the JSON here writes them \u0022 and \/.
#include "provider/VaultImport.h"

#include <QTest>

using namespace kms;

namespace {

// What `vault read -format=json kubernetes/roles/X` prints (Vault 1.15), fields as Vault names them.
QByteArray vaultRead(const QByteArray &data)
{
    return R"({"request_id":"0f6c","lease_id":"","lease_duration":0,"renewable":false,"data":)" + data
        + R"(,"warnings":null})";
}

} // namespace

class TestVaultImport : public QObject {
    Q_OBJECT
private slots:
    void aRoleWithAnExistingRoleMapsEveryField()
    {
        QString error;
        const std::optional<VaultImport> imported = VaultImport::fromRole(vaultRead(R"({
            "allowed_kubernetes_namespace_selector": "",
            "allowed_kubernetes_namespaces": ["team-a", "team-b"],
            "extra_annotations": {"owner": "platform"},
            "extra_labels": {"cost-center": "42"},
            "generated_role_rules": "",
            "kubernetes_role_name": "edit",
            "kubernetes_role_type": "ClusterRole",
            "name_template": "{{ .RoleName | lowercase }}-{{ random 8 }}",
            "service_account_name": "",
            "token_default_audiences": ["vault", "api"],
            "token_default_ttl": 1800,
            "token_max_ttl": 7200
        })"),
            {}, &error);
        QVERIFY2(imported, qPrintable(error));
        const DynamicSecret &s = imported->secret;
        QCOMPARE(s.credentialType, CredentialType::Dynamic);
        QCOMPARE(s.allowedNamespaces, (QStringList { "team-a", "team-b" }));
        QCOMPARE(s.roleType, RoleType::ClusterRole);
        QCOMPARE(s.roleName, QStringLiteral("edit"));
        QCOMPARE(s.extraLabels.value("cost-center"), QStringLiteral("42"));
        QCOMPARE(s.extraAnnotations.value("owner"), QStringLiteral("platform"));
        QCOMPARE(s.audiences, (QStringList { "vault", "api" }));
        QCOMPARE(s.defaultTtl.seconds(), qint64(1800));
        QCOMPARE(s.maxTtl.seconds(), qint64(7200));
        QCOMPARE(s.nameTemplate, QStringLiteral("{{secret | lower}}-{{random 8}}"));
        QVERIFY2(imported->notImported.isEmpty(), qPrintable(imported->notImported.join('\n')));
    }

    void generatedRulesAnySelectorAndTheConfig()
    {
        QString error;
        std::optional<VaultImport> imported = VaultImport::fromRole(R"({
            "allowed_kubernetes_namespaces": ["*"],
            "generated_role_rules": "rules:\n- apiGroups: [\u0022\u0022]\n  resources: [pods]\n  verbs: [list, get]\n",
            "kubernetes_role_type": "Role",
            "token_default_ttl": 0,
            "token_max_ttl": 0
        })",
            {}, &error);
        QVERIFY2(imported, qPrintable(error));
        QCOMPARE(imported->secret.allowedNamespaces, QStringList { "*" });
        QVERIFY(imported->secret.generatesRole());
        QCOMPARE(imported->secret.generatedRoleType, RoleType::Role);
        QCOMPARE(imported->secret.generatedRules.size(), 1);
        QCOMPARE(imported->secret.generatedRules.first().verbs, (QStringList { "list", "get" }));
        QCOMPARE(imported->secret.defaultTtl.seconds(), qint64(3600)); // ours: Vault's 0 is its mount default
        QCOMPARE(imported->changed.size(), 2);
        QVERIFY(imported->applyConfig(vaultRead(R"({"kubernetes_host":"https:\/\/10.0.0.1:6443",
            "kubernetes_ca_cert":"-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n",
            "disable_local_ca_jwt":true,"service_account_jwt":""})"),
            &error));
        QCOMPARE(imported->secret.clusterUrl, QStringLiteral("https://10.0.0.1:6443"));
        QVERIFY(imported->secret.caCertificate.startsWith("-----BEGIN CERTIFICATE-----"));
        QCOMPARE(imported->notImported.size(), 1);
        QVERIFY(imported->notImported.first().startsWith("config disable_local_ca_jwt"));

        imported = VaultImport::fromRole(R"({"allowed_kubernetes_namespaces": [],
            "allowed_kubernetes_namespace_selector":
              "{\u0022matchLabels\u0022:{\u0022env\u0022:\u0022dev\u0022},\u0022matchExpressions\u0022:[{\u0022key\u0022:\u0022team\u0022,\u0022operator\u0022:\u0022In\u0022,\u0022values\u0022:[\u0022a\u0022,\u0022b\u0022]}]}",
            "kubernetes_role_name": "view", "kubernetes_role_type": "clusterrole"})",
            {}, &error);
        QVERIFY2(imported, qPrintable(error));
        QCOMPARE(imported->secret.namespaceSelector, QStringLiteral("env=dev,team in (a,b)"));
        QCOMPARE(imported->secret.roleType, RoleType::ClusterRole);
    }

    void aStaticRoleNeedsOneNamespace()
    {
        QString error;
        const QByteArray role
            = R"({"service_account_name": "app", "allowed_kubernetes_namespaces": ["a", "b"]})";
        QVERIFY(!VaultImport::fromRole(role, {}, &error));
        QVERIFY2(error.contains("give it with --namespace"), qPrintable(error));
        std::optional<VaultImport> imported = VaultImport::fromRole(role, QStringLiteral("b"), &error);
        QVERIFY2(imported, qPrintable(error));
        QCOMPARE(imported->secret.credentialType, CredentialType::Static);
        QCOMPARE(imported->secret.serviceAccount, QStringLiteral("app"));
        QCOMPARE(imported->secret.namespaceName, QStringLiteral("b"));
        QCOMPARE(imported->notImported.size(), 1); // the other namespace
        imported = VaultImport::fromRole(
            R"({"service_account_name": "app", "allowed_kubernetes_namespaces": ["a"]})", {}, &error);
        QVERIFY2(imported, qPrintable(error));
        QCOMPARE(imported->secret.namespaceName, QStringLiteral("a"));
        QVERIFY(imported->notImported.isEmpty());
    }

    // Vault puts extra labels, annotations and the name template only on the
    // objects it creates, and a service_account_name role creates none; an
    // unbound static secret has nothing to put them on either: reported, not refused.
    void aStaticRoleReportsWhatOnlyCreatedObjectsWouldCarry()
    {
        QString error;
        const std::optional<VaultImport> imported = VaultImport::fromRole(R"({
            "name": "app-tokens", "service_account_name": "app", "allowed_kubernetes_namespaces": ["a"],
            "extra_labels": {"team": "a"}, "extra_annotations": {"owner": "me"},
            "name_template": "{{.RoleName}}-{{random 8}}", "kubernetes_role_type": "Role"})",
            {}, &error);
        QVERIFY2(imported, qPrintable(error));
        QVERIFY(imported->secret.extraLabels.isEmpty());
        QVERIFY(imported->secret.extraAnnotations.isEmpty());
        QVERIFY(imported->secret.nameTemplate.isEmpty());
        QCOMPARE(imported->notImported.size(), 3);
        for (const char *field : { "extra_labels", "extra_annotations", "name_template" }) {
            bool found = false;
            for (const QString &line : imported->notImported)
                found = found
                    || (line.startsWith(QLatin1String(field))
                        && line.contains("a role with service_account_name creates no objects"));
            QVERIFY2(found, field);
        }
    }

    void theRoleNameIsReportedWhenTheSecretIsNamedOtherwise()
    {
        QString error;
        const std::optional<VaultImport> imported = VaultImport::fromRole(
            R"({"name": "Vault Role", "kubernetes_role_name": "view", "allowed_kubernetes_namespaces": ["a"]})",
            {}, &error);
        QVERIFY2(imported, qPrintable(error));
        QVERIFY(imported->notImported.isEmpty());
        QCOMPARE(imported->roleName, QStringLiteral("Vault Role"));
    }

    void whatHasNoEquivalentIsReported()
    {
        QString error;
        const std::optional<VaultImport> imported = VaultImport::fromRole(R"({
            "allowed_kubernetes_namespaces": ["a"], "kubernetes_role_name": "view",
            "kubernetes_role_type": "Role",
            "name_template": "{{ printf \u0022v-%s-%s\u0022 (.RoleName | truncate 20) (random 20) | truncate 63 }}",
            "some_future_field": 7, "empty_future_field": ""})",
            {}, &error);
        QVERIFY2(imported, qPrintable(error));
        QVERIFY(imported->secret.nameTemplate.isEmpty());
        QCOMPARE(imported->notImported.size(), 2);
        QVERIFY2(imported->notImported.at(0).startsWith("name_template \"{{ printf")
                && imported->notImported.at(0).contains("has no equivalent"),
            qPrintable(imported->notImported.at(0)));
        QCOMPARE(imported->notImported.at(1), QStringLiteral("some_future_field: no equivalent here."));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("role");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << QByteArray("role: x") << "The role file is not a JSON object";
        QTest::newRow("two kinds") << QByteArray(R"({"service_account_name":"a","kubernetes_role_name":"b"})")
                                   << "must set exactly one of";
        QTest::newRow("none") << QByteArray(R"({"allowed_kubernetes_namespaces":["a"]})")
                              << "must set exactly one of";
        QTest::newRow("bad kind") << QByteArray(
            R"({"kubernetes_role_name":"b","kubernetes_role_type":"Group"})")
                                  << "kubernetes_role_type \"Group\" is neither Role nor ClusterRole.";
        QTest::newRow("bad rules") << QByteArray(R"({"generated_role_rules":"rules: [{verbs: [get]}]"})")
                                   << "generated_role_rules:";
        QTest::newRow("bad ttl") << QByteArray(R"({"kubernetes_role_name":"b","token_max_ttl":"soon"})")
                                 << "token_max_ttl is not a number of seconds.";
        QTest::newRow("bad labels") << QByteArray(R"({"kubernetes_role_name":"b","extra_labels":["a"]})")
                                    << "extra_labels is not an object of strings.";
        QTest::newRow("bad selector") << QByteArray(
            R"({"kubernetes_role_name":"b","allowed_kubernetes_namespace_selector":"{\u0022matchExpressions\u0022:[{\u0022key\u0022:\u0022a\u0022,\u0022operator\u0022:\u0022Gt\u0022}]}"})")
                                      << "allowed_kubernetes_namespace_selector: matchExpressions operator "
                                         "\"Gt\"";
    }
    void refusals()
    {
        QFETCH(QByteArray, role);
        QFETCH(QString, message);
        QString error;
        QVERIFY(!VaultImport::fromRole(role, {}, &error));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    void nameTemplates_data()
    {
        QTest::addColumn<QString>("vault");
        QTest::addColumn<QString>("ours");
        QTest::newRow("plain") << "{{.RoleName}}-{{random 8}}"
                               << "{{secret}}-{{random 8}}";
        QTest::newRow("helpers")
            << "kms-{{ .DisplayName | replace \".\" \"-\" | truncate 10 }}-{{unix_time}}-{{random 6}}"
            << "kms-{{user | replace \".\" \"-\" | truncate 10}}-{{unix}}-{{random 6}}";
        QTest::newRow("printf") << "{{ printf \"%s\" .RoleName }}" << QString();
        QTest::newRow("uuid") << "{{ uuid }}" << QString();
        QTest::newRow("unbalanced") << "{{ .RoleName " << QString();
    }
    void nameTemplates()
    {
        QFETCH(QString, vault);
        QFETCH(QString, ours);
        QString why;
        const std::optional<QString> translated = VaultImport::translateNameTemplate(vault, &why);
        QCOMPARE(translated.value_or(QString()), ours);
        QCOMPARE(why.isEmpty(), !ours.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestVaultImport)
#include "tst_vaultimport.moc"
