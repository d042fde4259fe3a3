// Random and mutated input for every parser of outside input: durations,
// names, namespace lists, kubeconfigs, JWTs, Status bodies, CA PEM. Each must
// answer with a value or an error message, never crash or hang. The seed is
// fixed (KMS_FUZZ_SEED overrides it) so a failure repeats.
#include "core/Duration.h"
#include "core/DynamicSecret.h"
#include "core/Names.h"
#include "kube/JwtClaims.h"
#include "kube/KubeError.h"
#include "kube/KubeTransport.h"
#include "kube/Kubeconfig.h"

#include <QRandomGenerator>
#include <QTest>

using namespace kms;

namespace {

const QList<QByteArray> Seeds = {
    "1h30m",
    "10m",
    "2d",
    "90s",
    "600",
    "0",
    "-5m",
    "99999999999999999999d",
    "1h1h",
    "m",
    "default,kube-system, monitoring",
    "a,,b",
    "kms-token-requester",
    "Bad_Name",
    "x.y.z",
    "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: "
    "https://h:6443\n"
    "users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n",
    "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDAsImp0aSI6IngifQ.c2ln",
    R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"x","reason":"NotFound","code":404,"details":{"name":"a","kind":"b"}})",
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n",
};

QByteArray mutate(QByteArray input, QRandomGenerator &rng)
{
    const int edits = 1 + int(rng.bounded(8));
    for (int i = 0; i < edits; ++i) {
        const int pos = input.isEmpty() ? 0 : int(rng.bounded(int(input.size())));
        switch (rng.bounded(5)) {
        case 0: // flip a byte
            if (!input.isEmpty())
                input[pos] = char(rng.bounded(256));
            break;
        case 1: // insert a byte
            input.insert(pos, char(rng.bounded(256)));
            break;
        case 2: // delete a run
            input.remove(pos, int(rng.bounded(8)));
            break;
        case 3: // duplicate a run
            input.insert(pos, input.mid(pos, int(rng.bounded(16))));
            break;
        default: // splice another seed in
            input.insert(pos, Seeds.at(int(rng.bounded(int(Seeds.size())))).left(int(rng.bounded(32))));
            break;
        }
    }
    return input;
}

} // namespace

class TestParsersFuzz : public QObject {
    Q_OBJECT

    QRandomGenerator m_rng { qEnvironmentVariableIsSet("KMS_FUZZ_SEED")
            ? quint32(qEnvironmentVariableIntValue("KMS_FUZZ_SEED"))
            : 20261128u };

    QList<QByteArray> inputs(int count)
    {
        QList<QByteArray> out;
        for (int i = 0; i < count; ++i) {
            if (i % 10 == 0) {
                QByteArray random(int(m_rng.bounded(64)), Qt::Uninitialized);
                for (char &c : random)
                    c = char(m_rng.bounded(256));
                out << random;
            } else {
                out << mutate(Seeds.at(int(m_rng.bounded(int(Seeds.size())))), m_rng);
            }
        }
        return out;
    }

private slots:
    void durationsParseOrSayWhy()
    {
        for (const QByteArray &input : inputs(20000)) {
            QString error;
            const auto d = Duration::parse(QString::fromUtf8(input), &error);
            if (d) {
                QVERIFY(d->seconds() > 0);
                QCOMPARE(Duration::parse(d->toString())->seconds(), d->seconds()); // formats back
            } else {
                QVERIFY2(!error.isEmpty(), input.toHex().constData());
            }
        }
    }

    void namesAndListsAnswerEveryInput()
    {
        for (const QByteArray &input : inputs(20000)) {
            const QString text = QString::fromUtf8(input);
            QCOMPARE(Names::isDns1123Label(text), Names::dns1123LabelErrors(text).isEmpty());
            QCOMPARE(Names::isDns1123Subdomain(text), Names::dns1123SubdomainErrors(text).isEmpty());
            QString error;
            const QStringList namespaces = DynamicSecret::parseNamespaceList(text, &error);
            if (error.isEmpty() && namespaces != QStringList { DynamicSecret::AnyNamespace }) {
                // Names, or "*" (any) alone.
                for (const QString &ns : namespaces)
                    QVERIFY2(Names::isDns1123Label(ns), qPrintable(ns));
            }
            error.clear();
            const QStringList audiences = DynamicSecret::parseAudiences(text, &error);
            for (const QString &a : audiences)
                QVERIFY(!a.trimmed().isEmpty());
        }
    }

    void kubeconfigsLoadOrSayWhy()
    {
        for (const QByteArray &input : inputs(5000)) {
            QString error;
            const auto config = Kubeconfig::parse(input, QDir::tempPath(), &error);
            if (!config) {
                QVERIFY(!error.isEmpty());
                continue;
            }
            for (const QString &name : config->contextNames()) {
                QString contextError;
                if (!config->context(name, &contextError))
                    QVERIFY(!contextError.isEmpty());
            }
        }
    }

    void tokensStatusBodiesAndCertificatesAnswerEveryInput()
    {
        for (const QByteArray &input : inputs(20000)) {
            QString error;
            if (!JwtClaims::decode(input, &error))
                QVERIFY(!error.isEmpty());
            const KubeError e = KubeError::fromResponse(500, input, QStringLiteral("GET /x"));
            QVERIFY(!e.toString().isEmpty());
            error.clear();
            if (parseCaCertificates(input, &error).isEmpty())
                QVERIFY(!error.isEmpty());
        }
    }
};

QTEST_GUILESS_MAIN(TestParsersFuzz)
#include "tst_parsers.moc"
