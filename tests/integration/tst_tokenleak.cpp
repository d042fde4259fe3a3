#include "CliRunner.h"
#include "TestSupport.h"
#include "core/DynamicSecret.h"
#include "store/CredentialVault.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUuid>

#include <QCoro/QCoroTask>

using namespace kms;
using kms::test::CliResult;
using kms::test::CliRunner;

// The cluster token goes to the keychain and nowhere else: not the database
// (nor its WAL), not any other file of the profile, not the CLI's output.
class TestTokenLeak : public QObject {
    Q_OBJECT
private:
    // Every spelling in which a leaked token could be found.
    static QList<QByteArray> spellings(const QByteArray &token)
    {
        QList<QByteArray> forms
            = { token, token.toBase64(), token.toBase64(QByteArray::Base64UrlEncoding), token.toHex() };
        QByteArray utf16;
        for (char c : token)
            utf16.append(c).append('\0');
        forms << utf16;
        // A distinctive middle part, in case something wraps or truncates the token.
        forms << token.mid(8, 16);
        return forms;
    }

    static QStringList findIn(const QByteArray &haystack, const QByteArray &token)
    {
        QStringList hits;
        for (const QByteArray &form : spellings(token)) {
            if (haystack.contains(form))
                hits << QString::fromLatin1(form.left(12)) + QStringLiteral("...");
        }
        return hits;
    }

private slots:
    void clusterTokensOnlyReachTheKeychain()
    {
        test::TempProfile profile;
        const CliRunner cli(profile.environment());
        const QByteArray staticToken = "kmsleak" + QUuid::createUuid().toByteArray(QUuid::Id128) + "static";
        const QByteArray dynamicToken = "kmsleak" + QUuid::createUuid().toByteArray(QUuid::Id128) + "dynamic";
        const QString tokenFile = profile.dataDir() + QStringLiteral(".token");
        {
            QFile f(tokenFile);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(staticToken + "\n");
        }

        QList<CliResult> runs;
        const auto run = [&](const QStringList &args, const QByteArray &in = QByteArray()) {
            runs << cli.run(args, in);
            return runs.constLast();
        };
        CliResult r = run({ QStringLiteral("secret"), QStringLiteral("create"), QStringLiteral("by-file"),
            QStringLiteral("--env"), QStringLiteral("Production"), QStringLiteral("--type"),
            QStringLiteral("static"), QStringLiteral("--url"), QStringLiteral("https://k8s.example.com"),
            QStringLiteral("--token-file"), tokenFile, QStringLiteral("--service-account"),
            QStringLiteral("builder"), QStringLiteral("--namespace"), QStringLiteral("ci"),
            QStringLiteral("--bound") });
        QVERIFY2(r.exitCode == 0, r.describe());
        r = run({ QStringLiteral("secret"), QStringLiteral("create"), QStringLiteral("by-stdin"),
                    QStringLiteral("--env"), QStringLiteral("Staging"), QStringLiteral("--type"),
                    QStringLiteral("dynamic"), QStringLiteral("--url"),
                    QStringLiteral("https://k8s.example.com"), QStringLiteral("--token-stdin"),
                    QStringLiteral("--namespaces"), QStringLiteral("default"), QStringLiteral("--role-type"),
                    QStringLiteral("ClusterRole"), QStringLiteral("--role"), QStringLiteral("view") },
            dynamicToken + "\n");
        QVERIFY2(r.exitCode == 0, r.describe());
        // Failed attempts must not leak either: bad input, duplicate name.
        r = run({ QStringLiteral("secret"), QStringLiteral("create"), QStringLiteral("Bad_Name"),
                    QStringLiteral("--env"), QStringLiteral("dev"), QStringLiteral("--type"),
                    QStringLiteral("static"), QStringLiteral("--url"), QStringLiteral("http://insecure"),
                    QStringLiteral("--token-stdin"), QStringLiteral("--service-account"),
                    QStringLiteral("sa"), QStringLiteral("--namespace"), QStringLiteral("ns") },
            dynamicToken);
        QVERIFY2(r.exitCode == 2, r.describe());
        r = run({ QStringLiteral("secret"), QStringLiteral("create"), QStringLiteral("by-file"),
            QStringLiteral("--env"), QStringLiteral("Production"), QStringLiteral("--type"),
            QStringLiteral("static"), QStringLiteral("--url"), QStringLiteral("https://k8s.example.com"),
            QStringLiteral("--token-file"), tokenFile, QStringLiteral("--service-account"),
            QStringLiteral("builder"), QStringLiteral("--namespace"), QStringLiteral("ci") });
        QVERIFY2(r.exitCode == 2, r.describe());

        for (const QStringList &args :
            QList<QStringList> { { QStringLiteral("secret"), QStringLiteral("list") },
                { QStringLiteral("secret"), QStringLiteral("list"), QStringLiteral("-o"),
                    QStringLiteral("json") },
                { QStringLiteral("secret"), QStringLiteral("show"), QStringLiteral("by-file") },
                { QStringLiteral("secret"), QStringLiteral("show"), QStringLiteral("by-stdin"),
                    QStringLiteral("-o"), QStringLiteral("json") },
                { QStringLiteral("audit") },
                { QStringLiteral("audit"), QStringLiteral("-o"), QStringLiteral("json") },
                { QStringLiteral("audit"), QStringLiteral("--verify") } }) {
            r = run(args);
            QVERIFY2(r.exitCode == 0, r.describe());
        }

        // The tokens did reach the keychain, so the search below is not vacuous.
        const QJsonArray secrets
            = QJsonDocument::fromJson(cli.run({ QStringLiteral("secret"), QStringLiteral("list"),
                                                  QStringLiteral("-o"), QStringLiteral("json") })
                                          .out)
                  .array();
        QCOMPARE(secrets.size(), 2);
        CredentialVault vault;
        for (const QJsonValue &v : secrets) {
            const QJsonObject s = v.toObject();
            const VaultResult got = QCoro::waitFor(
                vault.get(DynamicSecret::vaultKeyFor(s.value(QStringLiteral("id")).toInteger())));
            QVERIFY2(got.ok, qPrintable(got.message));
            QCOMPARE(got.value,
                s.value(QStringLiteral("name")).toString() == QLatin1String("by-file") ? staticToken
                                                                                       : dynamicToken);
        }

        // Nothing the CLI printed contains a token.
        for (const CliResult &result : std::as_const(runs)) {
            for (const QByteArray &token : { staticToken, dynamicToken }) {
                QVERIFY2(findIn(result.out, token).isEmpty(), result.describe());
                QVERIFY2(findIn(result.err, token).isEmpty(), result.describe());
            }
        }

        // No file of the profile contains a token, in any spelling.
        int files = 0;
        qint64 bytes = 0;
        QByteArray everything;
        QDirIterator it(
            profile.dataDir(), QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
            const QByteArray content = f.readAll();
            ++files;
            bytes += content.size();
            for (const QByteArray &token : { staticToken, dynamicToken }) {
                const QStringList hits = findIn(content, token);
                QVERIFY2(hits.isEmpty(),
                    qPrintable(path + QStringLiteral(" contains ") + hits.join(QLatin1Char(','))));
            }
            everything += content;
        }
        QVERIFY2(files >= 1 && bytes > 0, "the data directory is empty");
        // The search does find what is stored: the secrets' names and URL.
        QVERIFY(everything.contains("by-file") && everything.contains("by-stdin"));
        QVERIFY(everything.contains("https://k8s.example.com"));
        qInfo(
            "searched %d file(s), %lld bytes, and %lld CLI runs' output", files, bytes, qint64(runs.size()));
        QFile::remove(tokenFile);
    }
};

QTEST_GUILESS_MAIN(TestTokenLeak)
#include "tst_tokenleak.moc"
