#include "kube/JwtClaims.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace kms;

namespace {
QByteArray jwt(const QJsonObject &payload)
{
    const auto enc = [](const QByteArray &b) {
        return b.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    return enc(R"({"alg":"RS256","kid":"k"})") + '.'
        + enc(QJsonDocument(payload).toJson(QJsonDocument::Compact)) + '.' + enc("sig");
}
} // namespace

class TestJwtClaims : public QObject {
    Q_OBJECT
private slots:
    void readsServiceAccountClaims()
    {
        const QJsonObject payload { { "iss", "https://kubernetes.default.svc" },
            { "sub", "system:serviceaccount:team-a:kms-app-x1y2z" },
            { "aud", QJsonArray { "https://kubernetes.default.svc", "vault" } }, { "iat", 1700000000 },
            { "nbf", 1700000000 }, { "exp", 1700003600 }, { "jti", "6f1c2e0a-1111-2222-3333-444455556666" },
            { "kubernetes.io",
                QJsonObject { { "namespace", "team-a" },
                    { "serviceaccount", QJsonObject { { "name", "kms-app-x1y2z" }, { "uid", "u-1" } } },
                    { "secret", QJsonObject { { "name", "kms-lease-abc" }, { "uid", "u-2" } } } } } };
        QString error;
        const auto c = JwtClaims::decode(jwt(payload), &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->subject, "system:serviceaccount:team-a:kms-app-x1y2z");
        QCOMPARE(c->audiences, (QStringList { "https://kubernetes.default.svc", "vault" }));
        QCOMPARE(c->expiresAt, QDateTime::fromSecsSinceEpoch(1700003600, Qt::UTC));
        QCOMPARE(c->issuedAt, QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC));
        QCOMPARE(c->jti, "6f1c2e0a-1111-2222-3333-444455556666");
        QCOMPARE(c->namespaceName, "team-a");
        QCOMPARE(c->serviceAccountName, "kms-app-x1y2z");
        QCOMPARE(c->serviceAccountUid, "u-1");
        QCOMPARE(c->boundSecretName, "kms-lease-abc");
    }

    void acceptsAStringAudience()
    {
        const auto c = JwtClaims::decode(jwt({ { "aud", "one" }, { "exp", 5 } }));
        QVERIFY(c);
        QCOMPARE(c->audiences, QStringList { "one" });
    }

    void rejectsWhatIsNotAServiceAccountJwt_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << QByteArray() << "three dot-separated parts";
        QTest::newRow("two parts") << QByteArray("a.b") << "three dot-separated parts";
        QTest::newRow("bad base64") << QByteArray("a.!!!.c") << "not base64url";
        QTest::newRow("not json") << (QByteArray("a.")
            + QByteArray("hello").toBase64(QByteArray::Base64UrlEncoding) + ".c")
                                  << "not a JSON object";
        QTest::newRow("no exp") << jwt({ { "sub", "x" } }) << "no expiry";
        // Found by fuzzer_jwt: 1e300 seconds overflowed the conversion to qint64 (UBSan).
        QTest::newRow("exp beyond qint64") << jwt({ { "exp", 1e300 } }) << "exp) is not a time";
        QTest::newRow("exp after year 9999") << jwt({ { "exp", 1e15 } }) << "exp) is not a time";
        QTest::newRow("exp before 1970") << jwt({ { "exp", -1 } }) << "exp) is not a time";
        QTest::newRow("exp as text") << jwt({ { "exp", "1700000000" } }) << "no expiry";
    }
    void rejectsWhatIsNotAServiceAccountJwt()
    {
        QFETCH(QByteArray, token);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!JwtClaims::decode(token, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestJwtClaims)
#include "tst_jwtclaims.moc"
