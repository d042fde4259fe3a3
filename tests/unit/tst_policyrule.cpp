#include "core/PolicyRule.h"
#include "kube/YamlDocument.h"

#include <QJsonDocument>
#include <QTest>

using kms::PolicyRule;

namespace {

QList<PolicyRule> rules(const char *yaml)
{
    QString error;
    const auto value = kms::YamlDocument::parse(QByteArray(yaml), &error);
    if (!value)
        qFatal("%s", qPrintable(error));
    const auto parsed = PolicyRule::listFromJson(*value, &error);
    if (!parsed)
        qFatal("%s", qPrintable(error));
    return *parsed;
}

} // namespace

class TestPolicyRule : public QObject {
    Q_OBJECT
private slots:
    void readsAListOrAnObjectWithRules()
    {
        const QList<PolicyRule> list = rules("- {apiGroups: [\"\"], resources: [pods], verbs: [get, list]}");
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.first().verbs, (QStringList { "get", "list" }));
        QCOMPARE(list.first().apiGroups, QStringList { QString() });
        // Vault's generated_role_rules, JSON spelling.
        const QList<PolicyRule> vault
            = rules(R"({"rules": [{"apiGroups": ["apps"], "resources": ["deployments"],
            "resourceNames": ["web"], "verbs": ["get"]}, {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]})");
        QCOMPARE(vault.size(), 2);
        QCOMPARE(vault.at(0).resourceNames, QStringList { "web" });
        QVERIFY(!vault.at(1).isResourceRule());
        // Numbers are names too ("resourceNames: [123]").
        QCOMPARE(rules("- {apiGroups: [\"\"], resources: [pods], resourceNames: [123], verbs: [get]}")
                     .first()
                     .resourceNames,
            QStringList { "123" });
        // Round trip.
        QString error;
        QCOMPARE(PolicyRule::listFromJson(PolicyRule::toJson(vault), &error).value(), vault);
    }

    void refusesWhatIsNotARule_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("part");
        QTest::newRow("scalar") << QByteArray("3") << "neither a list of rules nor an object";
        QTest::newRow("empty") << QByteArray("[]") << "they hold no rule";
        QTest::newRow("not a map") << QByteArray("[3]") << "rules[0] is not a rule";
        QTest::newRow("typo") << QByteArray(R"([{"verb": ["get"]}])")
                              << "rules[0] has an unknown field \"verb\"";
        QTest::newRow("no verbs") << QByteArray(R"([{"apiGroups": [""], "resources": ["pods"]}])")
                                  << "rules[0].verbs must name at least one verb";
        QTest::newRow("no groups") << QByteArray(R"([{"resources": ["pods"], "verbs": ["get"]}])")
                                   << "rules[0].apiGroups must name at least one group";
        QTest::newRow("no resources") << QByteArray(R"([{"apiGroups": [""], "verbs": ["get"]}])")
                                      << "rules[0].resources must name at least one resource";
        QTest::newRow("mixed") << QByteArray(
            R"([{"apiGroups": [""], "nonResourceURLs": ["/x"], "verbs": ["get"]}])")
                               << "mixes nonResourceURLs";
        QTest::newRow("not a list") << QByteArray(
            R"([{"apiGroups": "", "resources": ["pods"], "verbs": ["get"]}])")
                                    << "rules[0].apiGroups is not a list";
        QTest::newRow("control character")
            << QByteArray(R"([{"apiGroups": [""], "resources": ["po\u001bds"], "verbs": ["get"]}])")
            << "\"po\\x1bds\", with spaces or control characters";
        QByteArray many = "[";
        for (int i = 0; i < 300; ++i)
            many += QByteArray(i ? "," : "")
                + R"({"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]})";
        QTest::newRow("too many") << (many + "]") << "300 rules, more than 256";
    }
    void refusesWhatIsNotARule()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, part);
        QString error;
        QVERIFY(!PolicyRule::listFromJson(
            QJsonDocument::fromJson("{\"v\": " + json + "}").object().value("v"), &error));
        QVERIFY2(error.startsWith("The generated role rules are not usable: ") && error.contains(part),
            qPrintable(error));
        QVERIFY2(!error.contains(QChar(0x1b)), qPrintable(error));
    }

    void describesAsTheApiServerDoes()
    {
        QCOMPARE(rules("- {apiGroups: [\"\"], resources: [secrets], verbs: [get, list]}").first().describe(),
            "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}");
        QCOMPARE(rules("- {nonResourceURLs: [/healthz], verbs: [get]}").first().describe(),
            "{NonResourceURLs:[\"/healthz\"], Verbs:[\"get\"]}");
    }

    void coversAsEscalationPreventionDoes_data()
    {
        QTest::addColumn<QByteArray>("owner");
        QTest::addColumn<QByteArray>("servant");
        QTest::addColumn<QStringList>("uncovered");
        const QByteArray pods = "- {apiGroups: [\"\"], resources: [pods], verbs: [get, list]}";
        QTest::newRow("same") << pods << pods << QStringList();
        QTest::newRow("fewer verbs") << pods
                                     << QByteArray("- {apiGroups: [\"\"], resources: [pods], verbs: [get]}")
                                     << QStringList();
        QTest::newRow("more verbs")
            << pods << QByteArray("- {apiGroups: [\"\"], resources: [pods], verbs: [get, delete]}")
            << QStringList { "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}" };
        QTest::newRow("star verbs") << QByteArray("- {apiGroups: [\"\"], resources: [pods], verbs: [\"*\"]}")
                                    << QByteArray(
                                           "- {apiGroups: [\"\"], resources: [pods], verbs: [delete, watch]}")
                                    << QStringList();
        QTest::newRow("asking for star needs star")
            << pods << QByteArray("- {apiGroups: [\"\"], resources: [pods], verbs: [\"*\"]}")
            << QStringList { "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"*\"]}" };
        QTest::newRow("other group") << pods
                                     << QByteArray("- {apiGroups: [apps], resources: [pods], verbs: [get]}")
                                     << QStringList {
                                            "{APIGroups:[\"apps\"], Resources:[\"pods\"], Verbs:[\"get\"]}"
                                        };
        QTest::newRow("subresource by star")
            << QByteArray("- {apiGroups: [apps], resources: [\"*/scale\"], verbs: [update]}")
            << QByteArray("- {apiGroups: [apps], resources: [deployments/scale], verbs: [update]}")
            << QStringList();
        QTest::newRow("names limit the owner")
            << QByteArray("- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [a], verbs: [get]}")
            << QByteArray("- {apiGroups: [\"\"], resources: [configmaps], verbs: [get]}")
            << QStringList { "{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"get\"]}" };
        QTest::newRow("a name the owner has")
            << QByteArray(
                   "- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [a, b], verbs: [get]}")
            << QByteArray("- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [b], verbs: [get]}")
            << QStringList();
        QTest::newRow("url prefix") << QByteArray("- {nonResourceURLs: [\"/metrics/*\"], verbs: [get]}")
                                    << QByteArray(
                                           "- {nonResourceURLs: [/metrics/cadvisor, /healthz], verbs: [get]}")
                                    << QStringList { "{NonResourceURLs:[\"/healthz\"], Verbs:[\"get\"]}" };
    }
    void coversAsEscalationPreventionDoes()
    {
        QFETCH(QByteArray, owner);
        QFETCH(QByteArray, servant);
        QFETCH(QStringList, uncovered);
        QStringList got;
        for (const PolicyRule &r :
            PolicyRule::uncovered(rules(owner.constData()), rules(servant.constData())))
            got << r.describe();
        QCOMPARE(got, uncovered);
        QCOMPARE(PolicyRule::covers(rules(owner.constData()), rules(servant.constData()).first()),
            uncovered.isEmpty());
    }

    void yamlDocumentsAreBounded()
    {
        // Nine levels of nine aliases: a billion nodes from a few hundred bytes.
        QByteArray bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n";
        for (char c = 'b'; c <= 'j'; ++c) {
            const char p = char(c - 1);
            bomb += QByteArray(1, c) + ": &" + QByteArray(1, c) + " [";
            for (int i = 0; i < 9; ++i)
                bomb += QByteArray(i ? "," : "") + "*" + QByteArray(1, p);
            bomb += "]\n";
        }
        QString error;
        QVERIFY(!kms::YamlDocument::parse(bomb, &error));
        QVERIFY2(error.contains("more than 100000 YAML nodes"), qPrintable(error));
        QVERIFY(!kms::YamlDocument::parse("a: 1\n---\nb: 2\n", &error));
        QVERIFY2(error.contains("2 YAML documents"), qPrintable(error));
        QVERIFY(!kms::YamlDocument::parse("a: [", &error));
        QVERIFY2(error.startsWith("it is not YAML or JSON"), qPrintable(error));
        QCOMPARE(kms::YamlDocument::parse("n: 5", &error)->toObject().value("n").toString(), "5");
    }
};

QTEST_GUILESS_MAIN(TestPolicyRule)
#include "tst_policyrule.moc"
