#include "ScriptedServer.h"
#include "gatewayserver/HttpMethod.h"
#include "kube/GatewayCertificates.h"
#include "kube/KubeClient.h"

#include <QAbstractHttpServer>
#include <QCoro/QCoroTask>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSslConfiguration>
#include <QSslError>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace kms;
using kms::test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

QByteArray status(int code, const char *reason, const char *message)
{
    return QJsonDocument(QJsonObject { { "kind", "Status" }, { "apiVersion", "v1" }, { "status", "Failure" },
                             { "reason", reason }, { "message", message }, { "code", code },
                             { "details", QJsonObject { { "name", "x" }, { "kind", "serviceaccounts" } } } })
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TestKubeClient : public QObject {
    Q_OBJECT

    ScriptedServer *m_server = nullptr;
    quint16 m_port = 0;
    QNetworkAccessManager *m_nam = nullptr;
    GatewayCertificates::Bundle m_pki; // a CA and a serving certificate for 127.0.0.1

    std::unique_ptr<KubeClient> client(QByteArray token = "s3cret-token")
    {
        QString error;
        std::shared_ptr<const KubeTransport> t
            = TokenTransport::create(QStringLiteral("https://127.0.0.1:%1/prefix/").arg(m_port),
                m_pki.caCertificate, true, token, &error);
        if (!t)
            qFatal("%s", qPrintable(error));
        auto c = std::make_unique<KubeClient>(m_nam, t);
        RetryPolicy fast;
        fast.initialBackoff = 5ms;
        fast.maxBackoff = 20ms;
        fast.maxRetryAfter = 1500ms;
        c->setRetryPolicy(fast);
        return c;
    }

private slots:
    void initTestCase()
    {
        QString error;
        const auto pki = GatewayCertificates::generate({ "127.0.0.1" }, "client", 1, &error);
        QVERIFY2(pki, qPrintable(error));
        m_pki = *pki;
    }
    void init()
    {
        m_server = new ScriptedServer;
        m_port = m_server->listenTls(m_pki.serverCertificate, m_pki.serverKey);
        QVERIFY(m_port != 0);
        m_nam = new QNetworkAccessManager;
    }
    void cleanup()
    {
        delete m_nam;
        delete m_server;
    }

    void sendsBearerTokenAndJsonToTheBasePath()
    {
        m_server->script = { { 201, R"({"kind":"ServiceAccount","metadata":{"name":"a"}})" } };
        const KubeResult r = QCoro::waitFor(client()->post(
            corePath("default", "serviceaccounts"), QJsonObject { { "kind", "ServiceAccount" } }));
        QVERIFY2(r.ok(), qPrintable(r.error ? r.error->toString() : QString()));
        QCOMPARE(r.httpStatus, 201);
        QCOMPARE(r.body.value("kind").toString(), "ServiceAccount");
        QCOMPARE(m_server->paths.value(0), "/prefix/api/v1/namespaces/default/serviceaccounts");
        QCOMPARE(m_server->authorizations.value(0), QByteArray("Bearer s3cret-token"));
        QCOMPARE(QJsonDocument::fromJson(m_server->bodies.value(0)).object().value("kind").toString(),
            "ServiceAccount");
    }

    void keepsQueryStrings()
    {
        m_server->script = { { 200, R"({"items":[]})" } };
        const KubeResult r = QCoro::waitFor(client()->get(corePath("default", "serviceaccounts")
            + "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms"));
        QVERIFY(r.ok());
        QCOMPARE(m_server->paths.value(0),
            "/prefix/api/v1/namespaces/default/"
            "serviceaccounts?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dhanzo-kms");
    }

    void escapesNamesInPaths()
    {
        QCOMPARE(
            corePath("ns", "serviceaccounts", "a b/c"), "/api/v1/namespaces/ns/serviceaccounts/a%20b%2Fc");
        QCOMPARE(groupPath("rbac.authorization.k8s.io", "v1", {}, "clusterrolebindings", "x"),
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x");
    }

    void turnsStatusAnswersIntoKubeErrors()
    {
        m_server->script = { { 404, status(404, "NotFound", R"(serviceaccounts "x" not found)") } };
        const KubeResult r = QCoro::waitFor(client()->get(corePath("default", "serviceaccounts", "x")));
        QVERIFY(!r.ok());
        QVERIFY(r.error->isNotFound());
        QCOMPARE(r.error->reason, "NotFound");
        QCOMPARE(r.error->message, R"(serviceaccounts "x" not found)");
        QCOMPARE(r.error->detailsKind, "serviceaccounts");
        QCOMPARE(r.error->toString(),
            R"(GET /api/v1/namespaces/default/serviceaccounts/x failed: serviceaccounts "x" not found (404 NotFound).)");
        QCOMPARE(m_server->methods.size(), 1); // a 404 is an answer, not retried
    }

    void handlesBodiesThatAreNotStatus()
    {
        m_server->script
            = { { 502, "<html>Bad Gateway</html>" }, { 502, "" }, { 502, "x" }, { 502, "x" }, { 502, "x" } };
        const KubeResult r = QCoro::waitFor(client()->get("/version"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->httpStatus, 502);
        QVERIFY2(r.error->message.contains("not a Kubernetes Status"), qPrintable(r.error->message));
        QCOMPARE(m_server->methods.size(), 5); // retried up to the policy's limit
    }

    void retriesIdempotentCallsOnServerErrors()
    {
        m_server->script = { { 503, status(503, "ServiceUnavailable", "try again") }, { 500, "{}" },
            { 200, R"({"gitVersion":"v1.32.0"})" } };
        const KubeResult r = QCoro::waitFor(client()->remove(corePath("default", "serviceaccounts", "x")));
        QVERIFY(r.ok());
        QCOMPARE(m_server->methods, (QList<QByteArray> { "DELETE", "DELETE", "DELETE" }));
    }

    void honoursRetryAfterOn429()
    {
        m_server->script = { { 429, status(429, "TooManyRequests", "slow down"), { { "Retry-After", "1" } } },
            { 200, "{}" } };
        QElapsedTimer t;
        t.start();
        const KubeResult r = QCoro::waitFor(client()->get("/api"));
        QVERIFY(r.ok());
        QVERIFY2(t.elapsed() >= 950,
            qPrintable(QString::number(t.elapsed()))); // waited the server's second, not 5 ms
        QCOMPARE(m_server->methods.size(), 2);
    }

    void doesNotRetryPostsUnlessTold()
    {
        m_server->script = { { 503, status(503, "ServiceUnavailable", "down") }, { 201, "{}" } };
        const KubeResult r
            = QCoro::waitFor(client()->post(corePath("default", "serviceaccounts", "a") + "/token", {}));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->httpStatus, 503);
        QCOMPARE(m_server->methods.size(), 1);

        m_server->script = { { 503, status(503, "ServiceUnavailable", "down") }, { 201, "{}" } };
        const KubeResult again = QCoro::waitFor(
            client()->post(corePath("default", "serviceaccounts"), {}, KubeClient::Retry::IfTransient));
        QVERIFY(again.ok());
        QCOMPARE(m_server->methods.size(), 3);
    }

    void collectsWarningHeaders()
    {
        m_server->script = { { 201, "{}",
            { { "Warning",
                R"(299 - "requested expiration of 7200 seconds shortened to 3600 seconds")" } } } };
        const KubeResult r = QCoro::waitFor(client()->post("/x", {}));
        QVERIFY(r.ok());
        // The text a person reads, not the header's code and agent.
        QCOMPARE(r.warnings,
            QStringList { QStringLiteral("requested expiration of 7200 seconds shortened to 3600 seconds") });
    }

    void warningTextOfEachForm_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("text");
        QTest::newRow("kubernetes") << QByteArray(R"(299 - "Use tokens from the TokenRequest API")")
                                    << QStringLiteral("Use tokens from the TokenRequest API");
        QTest::newRow("escaped quotes")
            << QByteArray("299 - \"role \\\"x\\\" is gone\"") << QStringLiteral("role \"x\" is gone");
        QTest::newRow("with a date") << QByteArray(R"(299 api "text" "Sat, 28 Nov 2026 10:00:00 GMT")")
                                     << QStringLiteral("text");
        QTest::newRow("not the form") << QByteArray("just words") << QStringLiteral("just words");
        QTest::newRow("control characters")
            << QByteArray("299 - \"a\x1b[31mb\"") << QStringLiteral("a\\x1b[31mb");
    }

    void warningTextOfEachForm()
    {
        QFETCH(QByteArray, header);
        QFETCH(QString, text);
        QCOMPARE(KubeClient::warningText(header), text);
    }

    void rejectsSuccessBodiesThatAreNotJson()
    {
        m_server->script = { { 200, "not json" } };
        const KubeResult r = QCoro::waitFor(client()->get("/x"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->category, KubeError::Category::InvalidResponse);
    }

    void timesOutWhenTheServerIsSilent()
    {
        m_server->script = { { 0, {} } };
        auto c = client();
        c->setTimeout(300ms);
        RetryPolicy once;
        once.maxAttempts = 1;
        c->setRetryPolicy(once);
        const KubeResult r = QCoro::waitFor(c->get("/x"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->category, KubeError::Category::Timeout);
        QVERIFY2(r.error->toString().contains("no answer from https://127.0.0.1"),
            qPrintable(r.error->toString()));
    }

    // A shutdown (the gateway's SIGTERM) cancels the client: a call the server
    // never answers, and one waiting to retry, both end at once with "closed",
    // long before their 60 s timeout and five attempts.
    void cancelEndsCallsInFlightAndTheirRetries()
    {
        m_server->script = { { 0, {} }, { 503, R"({"kind":"Status","code":503})" }, { 0, {} } };
        auto c = client();
        c->setTimeout(60s);
        RetryPolicy patient;
        patient.maxAttempts = 5;
        patient.initialBackoff = 60s;
        patient.maxBackoff = 60s;
        c->setRetryPolicy(patient);
        std::optional<KubeResult> silent, retrying;
        auto call = [](KubeClient *client, QString path, std::optional<KubeResult> *into) -> QCoro::Task<> {
            *into = co_await client->get(path);
        };
        call(c.get(), QStringLiteral("/silent"), &silent);
        QTRY_COMPARE(m_server->paths.size(), 1);
        call(c.get(), QStringLiteral("/busy"), &retrying); // 503: waits 60 s to retry
        QTRY_COMPARE(m_server->paths.size(), 2);
        QCoreApplication::processEvents();
        QVERIFY(!silent && !retrying);

        c->cancel();
        QTRY_VERIFY(silent && retrying);
        for (const auto &r : { *silent, *retrying }) {
            QVERIFY(!r.ok());
            QVERIFY2(
                r.error->toString().contains("the connection was closed"), qPrintable(r.error->toString()));
        }
        QCOMPARE(m_server->paths.size(), 2); // no retry after the cancel
        const KubeResult later = QCoro::waitFor(c->get(QStringLiteral("/later")));
        QVERIFY(!later.ok());
        QCOMPARE(m_server->paths.size(), 2);
    }

    void reportsConnectionRefusedAsNetworkError()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 closedPort = probe.serverPort();
        probe.close();
        QString error;
        std::shared_ptr<const KubeTransport> t = TokenTransport::create(
            QStringLiteral("https://127.0.0.1:%1").arg(closedPort), {}, true, "t", &error);
        KubeClient c(m_nam, t);
        RetryPolicy fast;
        fast.initialBackoff = 1ms;
        fast.maxAttempts = 2;
        c.setRetryPolicy(fast);
        const KubeResult r = QCoro::waitFor(c.get("/version"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->category, KubeError::Category::Network);
        QVERIFY(r.error->isTransient());
        QVERIFY2(
            r.error->toString().contains("could not reach the cluster"), qPrintable(r.error->toString()));
        QVERIFY(!r.error->toString().contains("\"t\""));
    }

    void describesCertificateProblemsInWords_data()
    {
        QTest::addColumn<int>("error");
        QTest::addColumn<QString>("expected");
        QTest::newRow("expired") << int(QSslError::CertificateExpired) << "has expired";
        QTest::newRow("wrong host") << int(QSslError::HostNameMismatch)
                                    << "is not valid for host \"10.0.0.1\"";
        QTest::newRow("unknown ca") << int(QSslError::UnableToGetLocalIssuerCertificate)
                                    << "unknown authority; set the cluster's CA certificate";
        QTest::newRow("self-signed") << int(QSslError::SelfSignedCertificate) << "unknown authority";
    }
    void describesCertificateProblemsInWords()
    {
        QFETCH(int, error);
        QFETCH(QString, expected);
        const QString words = describeTlsErrors({ QSslError(QSslError::SslError(error)) }, "10.0.0.1");
        QVERIFY2(words.contains(expected), qPrintable(words));
    }

    void rejectsUnusableTransportSettings_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QByteArray>("ca");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no scheme") << "kubernetes.default.svc" << QByteArray()
                                   << "is not a valid https:// URL";
        QTest::newRow("ftp") << "ftp://host" << QByteArray() << "is not a valid https:// URL";
        QTest::newRow("http") << "http://127.0.0.1:6443" << QByteArray()
                              << "is not a valid https:// URL; Hanzo KMS sends cluster tokens only over TLS";
        QTest::newRow("ca not pem") << "https://host" << QByteArray("hello") << "is not a PEM certificate";
        QTest::newRow("ca damaged") << "https://host"
                                    << QByteArray(
                                           "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                                    << "damaged";
    }
    void rejectsUnusableTransportSettings()
    {
        QFETCH(QString, url);
        QFETCH(QByteArray, ca);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!TokenTransport::create(url, ca, true, "t", &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    void refusesTokensThatWouldBreakTheHeader_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::newRow("CR/LF") << QByteArray("t\r\nImpersonate-User: system:admin");
        QTest::newRow("space") << QByteArray("t t");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("too long") << QByteArray(16 * 1024 + 1, 't');
    }
    void refusesTokensThatWouldBreakTheHeader()
    {
        QFETCH(QByteArray, token);
        QString error;
        QVERIFY(!TokenTransport::create("https://127.0.0.1:6443", {}, true, token, &error));
        QVERIFY2(error.startsWith("The cluster token "), qPrintable(error));
        QVERIFY(!error.contains("Impersonate"));
    }

    void sendsNothingWhenTheTransportRefuses()
    {
        // A transport that would send a token in clear: the client asks it first and sends nothing.
        struct PlainTransport : KubeTransport {
            quint16 port;
            QUrl baseUrl() const override { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)); }
            QSslConfiguration sslConfiguration() const override { return {}; }
            QString requestProblem() const override { return "The cluster URL is not https://."; }
            void authorize(QNetworkRequest &request) const override
            {
                request.setRawHeader("Authorization", "Bearer leaked");
            }
            QString describe() const override { return "plain"; }
        };
        auto transport = std::make_shared<PlainTransport>();
        transport->port = m_port;
        KubeClient c(m_nam, transport);
        const KubeResult r = QCoro::waitFor(c.get("/version"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->category, KubeError::Category::NotSent);
        QVERIFY(!r.error->isTransient());
        QCOMPARE(r.error->toString(), "GET /version was not sent: The cluster URL is not https://.");
        QVERIFY(m_server->methods.isEmpty());
    }

    void reportsAnAnswerCutOffMidBodyAsANetworkError()
    {
        m_server->script = { { 201, R"({"kind":"TokenRequest","status":{"token":"abc"}})", {}, true } };
        const KubeResult r
            = QCoro::waitFor(client()->post("/api/v1/namespaces/a/serviceaccounts/b/token", {}));
        QVERIFY(!r.ok());
        QCOMPARE(r.error->category, KubeError::Category::Network);
        QVERIFY(r.error->isTransient());
        QVERIFY2(
            r.error->toString().startsWith(
                "POST /api/v1/namespaces/a/serviceaccounts/b/token failed: could not reach the cluster (the "
                "answer to POST /api/v1/namespaces/a/serviceaccounts/b/token from https://127.0.0.1:"),
            qPrintable(r.error->toString()));
        QVERIFY2(r.error->message.contains("was cut off"), qPrintable(r.error->message));
        QVERIFY(!r.error->toString().contains("JSON"));
        QCOMPARE(m_server->methods.size(), 1); // a POST is not retried
    }

    void refusesAnswersLargerThanTheBound()
    {
        m_server->script = { { 200, "{\"a\":\"" + QByteArray(1024 - 8, 'x') + "\"}" },
            { 200, "{\"a\":\"" + QByteArray(64 * 1024, 'x') + "\"}" } };
        auto c = client();
        c->setMaxAnswerBytes(1024);
        const KubeResult fits = QCoro::waitFor(c->post("/x", {}));
        QVERIFY2(fits.ok(), qPrintable(fits.error ? fits.error->toString() : QString()));
        const KubeResult big = QCoro::waitFor(c->post("/x", {}));
        QVERIFY(!big.ok());
        QCOMPARE(big.error->category, KubeError::Category::InvalidResponse);
        QVERIFY2(big.error->toString().startsWith("POST /x failed: the answer from https://127.0.0.1:"),
            qPrintable(big.error->toString()));
        QVERIFY2(big.error->toString().endsWith(" is larger than 1 KiB."), qPrintable(big.error->toString()));
    }

    void escapesControlCharactersInServerMessages()
    {
        m_server->script
            = { { 403, status(403, "Forbidden", "user \"evil\x1b]0;owned\x07\" cannot:\n{rule}") },
                  { 502, "<html>\x1b[2Jbad gateway</html>" } };
        const KubeResult r = QCoro::waitFor(client()->post("/x", {}));
        QCOMPARE(r.error->message, "user \"evil\\x1b]0;owned\\x07\" cannot:\\n{rule}");
        const KubeResult other = QCoro::waitFor(client()->post("/x", {}));
        QVERIFY2(other.error->message.contains("\\x1b[2Jbad gateway"), qPrintable(other.error->message));
        for (const QString &text : { r.error->toString(), other.error->toString() }) {
            for (const QChar c : text)
                QVERIFY2(c.unicode() >= 0x20 && c.unicode() != 0x7f, qPrintable(text));
        }
    }
};

QTEST_GUILESS_MAIN(TestKubeClient)
#include "tst_kubeclient.moc"
