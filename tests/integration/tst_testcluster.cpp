// kms-testcluster against kubernetes-api.md: TokenRequest, authentication and
// revocation, RBAC and escalation, reviews, object lifecycle.
#include "TestCluster.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTest>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>

using kms::test::TestCluster;

namespace {

const QString kTokenPath = QStringLiteral("/api/v1/namespaces/default/serviceaccounts/%1/token");

QJsonObject tokenRequest(const QJsonObject &spec)
{
    return QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("TokenRequest") }, { QStringLiteral("spec"), spec } };
}

QJsonObject serviceAccount(const QString &name, const QJsonObject &extraMeta = {})
{
    QJsonObject meta = extraMeta;
    meta.insert(QStringLiteral("name"), name);
    return QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
        { QStringLiteral("kind"), QStringLiteral("ServiceAccount") }, { QStringLiteral("metadata"), meta } };
}

QJsonObject claimsOf(const QByteArray &jwt)
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return {};
    return QJsonDocument::fromJson(QByteArray::fromBase64(parts[1], QByteArray::Base64UrlEncoding)).object();
}

QJsonObject tokenReview(TestCluster &cluster, const QByteArray &token, const QStringList &audiences = {})
{
    QJsonObject spec { { QStringLiteral("token"), QString::fromLatin1(token) } };
    if (!audiences.isEmpty())
        spec.insert(QStringLiteral("audiences"), QJsonArray::fromStringList(audiences));
    const auto r = cluster.request("POST", QStringLiteral("/apis/authentication.k8s.io/v1/tokenreviews"),
        QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
            { QStringLiteral("kind"), QStringLiteral("TokenReview") }, { QStringLiteral("spec"), spec } });
    return r.json.value(QStringLiteral("status")).toObject();
}

QJsonObject roleBinding(
    const QString &name, const QString &roleKind, const QString &role, const QString &saName)
{
    return QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("RoleBinding") },
        { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } },
        { QStringLiteral("roleRef"),
            QJsonObject { { QStringLiteral("apiGroup"), QStringLiteral("rbac.authorization.k8s.io") },
                { QStringLiteral("kind"), roleKind }, { QStringLiteral("name"), role } } },
        { QStringLiteral("subjects"),
            QJsonArray { QJsonObject { { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
                { QStringLiteral("name"), saName },
                { QStringLiteral("namespace"), QStringLiteral("default") } } } } };
}

} // namespace

class TestClusterTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void seedTokenAuthenticates();
    void tokenRequestDefaults();
    void tokenRequestRejectsExpiration_data();
    void tokenRequestRejectsExpiration();
    void tokenRequestAcceptsBounds_data();
    void tokenRequestAcceptsBounds();
    void tokenRequestCapsWithWarning();
    void tokenRequestForMissingAccountIsNotFound();
    void tokenRequestBodyNameMustMatch();
    void tokenClaimsAndSignature();
    void boundObjectRefErrors();
    void revokedTokensAreRejected_data();
    void revokedTokensAreRejected();
    void legacyTokenRevokedWithSecret();
    void unknownTokensAreUnauthorized_data();
    void unknownTokensAreUnauthorized();
    void forbiddenMessages();
    void escalationPrevention();
    void roleRefIsImmutable();
    void selfSubjectAccessReview_data();
    void selfSubjectAccessReview();
    void selfSubjectRulesReview();
    void statusShapes();
    void labelSelectors_data();
    void labelSelectors();
    void badLabelSelectorIsBadRequest();
    void generateName();
    void ownerReferenceGarbageCollection();
    void deleteSemantics();
    void invalidNames_data();
    void invalidNames();
    void faultsAndClockAreAdminOnly();
    void recordsTheAuthorizersDecisionsForTheAdmin();
    void failRateIsSeededAndReversible();
    void latencyIsAddedBeforeEachAnswer();
    void keepAliveServesManyRequestsOnOneConnection();
    void legacyTokenUseIsTrackedAndWarned();
    void discoveryListsTheTokenSubresource();
    void creatingRolesNeedsEscalateOrCoverage();
    void rbacPutCreates();
    void immortalNamespaces();
    void listPagination();
    void watchStreamsChanges();
    void forbiddenNamesMissingRoles();
    void strictFieldValidationAndDryRun();
    void contentNegotiationAndHead();
    void tokensVerifyAgainstThePublishedKey();
    void watchFromResourceVersionAndTooOld();
    void malformedRequestsAreRefused_data();
    void malformedRequestsAreRefused();
    void tokenCacheDelaysRevocation();

private:
    TestCluster m_cluster;
    QByteArray m_requester;
};

void TestClusterTest::initTestCase()
{
    QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
    m_requester = m_cluster.applySeedSetup();
    QVERIFY2(!m_requester.isEmpty(), qPrintable(m_cluster.errorString()));
}

void TestClusterTest::seedTokenAuthenticates()
{
    const auto r = m_cluster.request("GET",
        QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester"), {}, m_requester);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("name")).toString(),
        QStringLiteral("kms-token-requester"));
    const QJsonArray secrets = r.json.value(QStringLiteral("secrets")).toArray();
    QCOMPARE(secrets.size(), 1);
    QCOMPARE(secrets.at(0).toObject().value(QStringLiteral("name")).toString(),
        QStringLiteral("kms-token-requester-token"));
    // The legacy token: the controller's claims.
    const QJsonObject claims = claimsOf(m_requester);
    QCOMPARE(claims.value(QStringLiteral("iss")).toString(), QStringLiteral("kubernetes/serviceaccount"));
    QCOMPARE(claims.value(QStringLiteral("sub")).toString(),
        QStringLiteral("system:serviceaccount:default:kms-token-requester"));
    // The secret carries ca.crt and namespace too.
    const auto secret = m_cluster.request(
        "GET", QStringLiteral("/api/v1/namespaces/default/secrets/kms-token-requester-token"));
    const QJsonObject data = secret.json.value(QStringLiteral("data")).toObject();
    QCOMPARE(QByteArray::fromBase64(data.value(QStringLiteral("ca.crt")).toString().toLatin1()),
        m_cluster.caPem());
    QCOMPARE(QByteArray::fromBase64(data.value(QStringLiteral("namespace")).toString().toLatin1()),
        QByteArray("default"));
}

void TestClusterTest::tokenRequestDefaults()
{
    const QDateTime before = QDateTime::currentDateTimeUtc();
    const auto r = m_cluster.request(
        "POST", kTokenPath.arg(QStringLiteral("kms-token-requester")), tokenRequest({}), m_requester);
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("kind")).toString(), QStringLiteral("TokenRequest"));
    const QJsonObject spec = r.json.value(QStringLiteral("spec")).toObject();
    QCOMPARE(spec.value(QStringLiteral("expirationSeconds")).toInteger(), 3600);
    QVERIFY(spec.value(QStringLiteral("boundObjectRef")).isNull());
    QCOMPARE(spec.value(QStringLiteral("audiences")).toArray(),
        QJsonArray { QStringLiteral("https://kubernetes.default.svc.cluster.local") });
    const QJsonObject status = r.json.value(QStringLiteral("status")).toObject();
    const QDateTime expiry
        = QDateTime::fromString(status.value(QStringLiteral("expirationTimestamp")).toString(), Qt::ISODate);
    QVERIFY(expiry.isValid());
    QVERIFY(qAbs(before.secsTo(expiry) - 3600) <= 2);
    const QJsonObject claims = claimsOf(status.value(QStringLiteral("token")).toString().toLatin1());
    QCOMPARE(qint64(claims.value(QStringLiteral("exp")).toDouble()), expiry.toSecsSinceEpoch());
}

void TestClusterTest::tokenRequestRejectsExpiration_data()
{
    QTest::addColumn<double>("seconds");
    QTest::addColumn<QString>("message");
    QTest::newRow("599") << 599.0
                         << QStringLiteral(
                                "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: "
                                "Invalid value: 599: may not specify a duration less than 10 minutes");
    QTest::newRow("0") << 0.0
                       << QStringLiteral(
                              "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: "
                              "Invalid value: 0: may not specify a duration less than 10 minutes");
    QTest::newRow("negative")
        << -5.0
        << QStringLiteral("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: "
                          "Invalid value: -5: may not specify a duration less than 10 minutes");
    QTest::newRow("2^32+1")
        << 4294967297.0
        << QStringLiteral("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: "
                          "Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds");
}

void TestClusterTest::tokenRequestRejectsExpiration()
{
    QFETCH(double, seconds);
    QFETCH(QString, message);
    const auto r = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")),
        tokenRequest({ { QStringLiteral("expirationSeconds"), seconds } }), m_requester);
    QCOMPARE(r.status, 422);
    QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("Invalid"));
    QCOMPARE(r.json.value(QStringLiteral("message")).toString(), message);
    const QJsonObject details = r.json.value(QStringLiteral("details")).toObject();
    QCOMPARE(details.value(QStringLiteral("kind")).toString(), QStringLiteral("TokenRequest"));
    QCOMPARE(details.value(QStringLiteral("group")).toString(), QStringLiteral("authentication.k8s.io"));
    QCOMPARE(details.value(QStringLiteral("causes"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("field"))
                 .toString(),
        QStringLiteral("spec.expirationSeconds"));
}

void TestClusterTest::tokenRequestAcceptsBounds_data()
{
    QTest::addColumn<double>("seconds");
    QTest::newRow("600") << 600.0;
    QTest::newRow("2^32") << 4294967296.0;
}

void TestClusterTest::tokenRequestAcceptsBounds()
{
    QFETCH(double, seconds);
    const auto r = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")),
        tokenRequest({ { QStringLiteral("expirationSeconds"), seconds } }));
    QCOMPARE(r.status, 201);
    QCOMPARE(
        r.json.value(QStringLiteral("spec")).toObject().value(QStringLiteral("expirationSeconds")).toDouble(),
        seconds);
}

void TestClusterTest::tokenRequestCapsWithWarning()
{
    QVERIFY(m_cluster.setMaxTokenExpiration(7200));
    const auto r = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")),
        tokenRequest({ { QStringLiteral("expirationSeconds"), 86400 } }));
    QVERIFY(m_cluster.setMaxTokenExpiration(0));
    QCOMPARE(r.status, 201);
    QCOMPARE(r.header("Warning"),
        QByteArray("299 - \"requested expiration of 86400 seconds shortened to 7200 seconds\""));
    const QJsonObject status = r.json.value(QStringLiteral("status")).toObject();
    const QDateTime expiry
        = QDateTime::fromString(status.value(QStringLiteral("expirationTimestamp")).toString(), Qt::ISODate);
    QVERIFY(qAbs(QDateTime::currentDateTimeUtc().secsTo(expiry) - 7200) <= 2);
    const QJsonObject claims = claimsOf(status.value(QStringLiteral("token")).toString().toLatin1());
    QCOMPARE(qint64(claims.value(QStringLiteral("exp")).toDouble()
                 - claims.value(QStringLiteral("iat")).toDouble()),
        7200);

    // Below the cap: no warning.
    const auto small = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")),
        tokenRequest({ { QStringLiteral("expirationSeconds"), 1200 } }));
    QCOMPARE(small.status, 201);
    QVERIFY(small.header("Warning").isEmpty());
}

void TestClusterTest::tokenRequestForMissingAccountIsNotFound()
{
    const auto r = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("nobody")), tokenRequest({}));
    QCOMPARE(r.status, 404);
    QCOMPARE(r.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("serviceaccounts \"nobody\" not found"));
    QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("NotFound"));
}

void TestClusterTest::tokenRequestBodyNameMustMatch()
{
    QJsonObject body = tokenRequest({});
    body.insert(
        QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), QStringLiteral("other") } });
    const auto r = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")), body);
    QCOMPARE(r.status, 422);
    QCOMPARE(r.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "TokenRequest.authentication.k8s.io \"kms-token-requester\" is invalid: metadata.name: Invalid "
            "value: \"other\": must match the service account name if specified"));
}

void TestClusterTest::tokenClaimsAndSignature()
{
    const auto sa = m_cluster.request(
        "GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester"));
    const QString saUid
        = sa.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("uid")).toString();
    const QByteArray token
        = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("kms-token-requester"), 1800,
            { QStringLiteral("vault"), QStringLiteral("https://kubernetes.default.svc.cluster.local") });
    QVERIFY(!token.isEmpty());
    const QList<QByteArray> parts = token.split('.');
    QCOMPARE(parts.size(), 3);
    const QJsonObject header
        = QJsonDocument::fromJson(QByteArray::fromBase64(parts[0], QByteArray::Base64UrlEncoding)).object();
    QCOMPARE(header.value(QStringLiteral("alg")).toString(), QStringLiteral("RS256"));
    QVERIFY(!header.value(QStringLiteral("kid")).toString().isEmpty());
    const QJsonObject claims = claimsOf(token);
    QCOMPARE(claims.value(QStringLiteral("iss")).toString(),
        QStringLiteral("https://kubernetes.default.svc.cluster.local"));
    QCOMPARE(claims.value(QStringLiteral("sub")).toString(),
        QStringLiteral("system:serviceaccount:default:kms-token-requester"));
    QVERIFY(claims.value(QStringLiteral("aud")).isArray());
    QCOMPARE(claims.value(QStringLiteral("aud")).toArray().size(), 2);
    QCOMPARE(claims.value(QStringLiteral("iat")).toDouble(), claims.value(QStringLiteral("nbf")).toDouble());
    QCOMPARE(claims.value(QStringLiteral("exp")).toDouble() - claims.value(QStringLiteral("iat")).toDouble(),
        1800.0);
    QCOMPARE(claims.value(QStringLiteral("jti")).toString().size(), 36);
    const QJsonObject kube = claims.value(QStringLiteral("kubernetes.io")).toObject();
    QCOMPARE(kube.value(QStringLiteral("namespace")).toString(), QStringLiteral("default"));
    QCOMPARE(kube.value(QStringLiteral("serviceaccount")).toObject().value(QStringLiteral("uid")).toString(),
        saUid);
    QVERIFY(!kube.contains(QStringLiteral("secret")));

    // TokenReview: the user, the jti credential id, audiences matched.
    const QJsonObject status = tokenReview(m_cluster, token, { QStringLiteral("vault") });
    QVERIFY(status.value(QStringLiteral("authenticated")).toBool());
    const QJsonObject user = status.value(QStringLiteral("user")).toObject();
    QCOMPARE(user.value(QStringLiteral("username")).toString(),
        QStringLiteral("system:serviceaccount:default:kms-token-requester"));
    QCOMPARE(user.value(QStringLiteral("uid")).toString(), saUid);
    QCOMPARE(user.value(QStringLiteral("groups")).toArray(),
        (QJsonArray { QStringLiteral("system:serviceaccounts"),
            QStringLiteral("system:serviceaccounts:default"), QStringLiteral("system:authenticated") }));
    QCOMPARE(user.value(QStringLiteral("extra"))
                 .toObject()
                 .value(QStringLiteral("authentication.kubernetes.io/credential-id"))
                 .toArray(),
        QJsonArray { QStringLiteral("JTI=") + claims.value(QStringLiteral("jti")).toString() });
    QCOMPARE(status.value(QStringLiteral("audiences")).toArray(), QJsonArray { QStringLiteral("vault") });

    // A flipped signature byte: 401 and a TokenReview error.
    QByteArray forged = parts[0] + '.' + parts[1] + '.';
    QByteArray sig = QByteArray::fromBase64(parts[2], QByteArray::Base64UrlEncoding);
    sig[10] = char(sig[10] ^ 0x01);
    forged += sig.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    QCOMPARE(
        m_cluster.request("GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"), {}, forged)
            .status,
        401);
    const QJsonObject forgedStatus = tokenReview(m_cluster, forged);
    QVERIFY(!forgedStatus.contains(QStringLiteral("authenticated")));
    QVERIFY(!forgedStatus.value(QStringLiteral("error")).toString().isEmpty());
}

void TestClusterTest::boundObjectRefErrors()
{
    const auto r1 = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")),
        tokenRequest({ { QStringLiteral("boundObjectRef"),
            QJsonObject { { QStringLiteral("kind"), QStringLiteral("ConfigMap") },
                { QStringLiteral("apiVersion"), QStringLiteral("v1") },
                { QStringLiteral("name"), QStringLiteral("kube-root-ca.crt") } } } }));
    QCOMPARE(r1.status, 400);
    QCOMPARE(r1.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("cannot bind token to object of type /v1, Kind=ConfigMap"));

    const auto r2 = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")),
        tokenRequest({ { QStringLiteral("boundObjectRef"),
            QJsonObject { { QStringLiteral("kind"), QStringLiteral("Secret") },
                { QStringLiteral("apiVersion"), QStringLiteral("v1") },
                { QStringLiteral("name"), QStringLiteral("missing") } } } }));
    QCOMPARE(r2.status, 404);
    QCOMPARE(
        r2.json.value(QStringLiteral("message")).toString(), QStringLiteral("secrets \"missing\" not found"));

    const auto r3 = m_cluster.request("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")),
        tokenRequest({ { QStringLiteral("boundObjectRef"),
            QJsonObject { { QStringLiteral("kind"), QStringLiteral("Secret") },
                { QStringLiteral("apiVersion"), QStringLiteral("v1") },
                { QStringLiteral("name"), QStringLiteral("kms-token-requester-token") },
                { QStringLiteral("uid"), QStringLiteral("00000000-0000-0000-0000-000000000000") } } } }));
    QCOMPARE(r3.status, 409);
    QCOMPARE(r3.json.value(QStringLiteral("reason")).toString(), QStringLiteral("Conflict"));
    QVERIFY(r3.json.value(QStringLiteral("message"))
                .toString()
                .contains(QStringLiteral("does not match the UID in record")));
}

void TestClusterTest::revokedTokensAreRejected_data()
{
    QTest::addColumn<QString>("revocation");
    QTest::addColumn<QString>("error");
    QTest::newRow("expired") << QStringLiteral("expire")
                             << QStringLiteral("service account token has expired");
    QTest::newRow("wrong audience") << QStringLiteral("audience")
                                    << QStringLiteral(
                                           "token audiences [\"vault\"] is invalid for the target audiences "
                                           "[\"https://kubernetes.default.svc.cluster.local\"]");
    QTest::newRow("deleted account") << QStringLiteral("delete-account")
                                     << QStringLiteral("serviceaccounts \"victim\" not found");
    QTest::newRow("re-created account") << QStringLiteral(
        "recreate-account") << QStringLiteral("service account UID (%new) does not match claim (%old)");
    QTest::newRow("deleted bound secret")
        << QStringLiteral("delete-secret") << QStringLiteral("service account token has been invalidated");
    QTest::newRow("deleted bound pod")
        << QStringLiteral("delete-pod") << QStringLiteral("service account token has been invalidated");
}

void TestClusterTest::revokedTokensAreRejected()
{
    QFETCH(QString, revocation);
    QFETCH(QString, error);
    const QString base = QStringLiteral("/api/v1/namespaces/default/");
    QCOMPARE(m_cluster
                 .request("POST", base + QStringLiteral("serviceaccounts"),
                     serviceAccount(QStringLiteral("victim")))
                 .status,
        201);
    QJsonObject bound;
    if (revocation == QStringLiteral("delete-secret") || revocation == QStringLiteral("delete-pod")) {
        const bool pod = revocation == QStringLiteral("delete-pod");
        const QJsonObject object { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), pod ? QStringLiteral("Pod") : QStringLiteral("Secret") },
            { QStringLiteral("metadata"),
                QJsonObject { { QStringLiteral("name"), QStringLiteral("victim-bound") } } } };
        const auto created = m_cluster.request(
            "POST", base + (pod ? QStringLiteral("pods") : QStringLiteral("secrets")), object);
        QCOMPARE(created.status, 201);
        bound = QJsonObject { { QStringLiteral("kind"),
                                  pod ? QStringLiteral("Pod") : QStringLiteral("Secret") },
            { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("name"), QStringLiteral("victim-bound") },
            { QStringLiteral("uid"),
                created.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("uid")) } };
    }
    const QStringList audiences
        = revocation == QStringLiteral("audience") ? QStringList { QStringLiteral("vault") } : QStringList {};
    const QByteArray token
        = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("victim"), 600, audiences, bound);
    QVERIFY2(!token.isEmpty(), qPrintable(m_cluster.errorString()));
    // A TokenRequest only proves identity; give it something to read.
    if (revocation != QStringLiteral("audience")) {
        QCOMPARE(tokenReview(m_cluster, token).value(QStringLiteral("authenticated")).toBool(), true);
        QCOMPARE(
            m_cluster
                .request("POST", QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
                    QJsonObject { { QStringLiteral("spec"),
                        QJsonObject { { QStringLiteral("resourceAttributes"),
                            QJsonObject { { QStringLiteral("verb"), QStringLiteral("get") },
                                { QStringLiteral("resource"), QStringLiteral("pods") } } } } } },
                    token)
                .status,
            201);
    }

    QString oldUid;
    QString newUid;
    if (revocation == QStringLiteral("expire")) {
        // go-jose's leeway: valid until one minute after exp.
        QVERIFY(m_cluster.setClockOffset(600 + 59));
        QCOMPARE(tokenReview(m_cluster, token).value(QStringLiteral("authenticated")).toBool(), true);
        QVERIFY(m_cluster.setClockOffset(600 + 62));
    } else if (revocation == QStringLiteral("delete-account")
        || revocation == QStringLiteral("recreate-account")) {
        const auto deleted = m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/victim"));
        QCOMPARE(deleted.status, 200);
        oldUid = deleted.json.value(QStringLiteral("metadata"))
                     .toObject()
                     .value(QStringLiteral("uid"))
                     .toString();
        if (revocation == QStringLiteral("recreate-account")) {
            const auto created = m_cluster.request(
                "POST", base + QStringLiteral("serviceaccounts"), serviceAccount(QStringLiteral("victim")));
            QCOMPARE(created.status, 201);
            newUid = created.json.value(QStringLiteral("metadata"))
                         .toObject()
                         .value(QStringLiteral("uid"))
                         .toString();
            QVERIFY(newUid != oldUid);
        }
    } else if (revocation == QStringLiteral("delete-secret")) {
        QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("secrets/victim-bound")).status, 200);
    } else if (revocation == QStringLiteral("delete-pod")) {
        QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("pods/victim-bound")).status, 200);
    }
    error.replace(QStringLiteral("%new"), newUid).replace(QStringLiteral("%old"), oldUid);

    const auto api = m_cluster.request("GET", base + QStringLiteral("serviceaccounts"), {}, token);
    const QJsonObject review = tokenReview(m_cluster, token);
    QVERIFY(m_cluster.setClockOffset(0));
    m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/victim"));
    m_cluster.request("DELETE", base + QStringLiteral("secrets/victim-bound"));
    m_cluster.request("DELETE", base + QStringLiteral("pods/victim-bound"));

    QCOMPARE(api.status, 401);
    QCOMPARE(api.json.value(QStringLiteral("message")).toString(), QStringLiteral("Unauthorized"));
    QCOMPARE(api.json.value(QStringLiteral("reason")).toString(), QStringLiteral("Unauthorized"));
    QVERIFY(!review.contains(QStringLiteral("authenticated")));
    QCOMPARE(review.value(QStringLiteral("user")).toObject(), QJsonObject());
    QCOMPARE(review.value(QStringLiteral("error")).toString(), error);
}

void TestClusterTest::legacyTokenRevokedWithSecret()
{
    const QString base = QStringLiteral("/api/v1/namespaces/default/");
    QCOMPARE(m_cluster
                 .request("POST", base + QStringLiteral("serviceaccounts"),
                     serviceAccount(QStringLiteral("legacy")))
                 .status,
        201);
    const QJsonObject secret { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
        { QStringLiteral("kind"), QStringLiteral("Secret") },
        { QStringLiteral("type"), QStringLiteral("kubernetes.io/service-account-token") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("legacy-token") },
                { QStringLiteral("annotations"),
                    QJsonObject { { QStringLiteral("kubernetes.io/service-account.name"),
                        QStringLiteral("legacy") } } } } } };
    const auto created = m_cluster.request("POST", base + QStringLiteral("secrets"), secret);
    QCOMPARE(created.status, 201);
    const auto filled = m_cluster.request("GET", base + QStringLiteral("secrets/legacy-token"));
    const QByteArray token = QByteArray::fromBase64(filled.json.value(QStringLiteral("data"))
                                                        .toObject()
                                                        .value(QStringLiteral("token"))
                                                        .toString()
                                                        .toLatin1());
    QVERIFY(!token.isEmpty());
    QVERIFY(!filled.json.value(QStringLiteral("metadata"))
                 .toObject()
                 .value(QStringLiteral("annotations"))
                 .toObject()
                 .value(QStringLiteral("kubernetes.io/service-account.uid"))
                 .toString()
                 .isEmpty());
    QCOMPARE(tokenReview(m_cluster, token).value(QStringLiteral("authenticated")).toBool(), true);
    QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("secrets/legacy-token")).status, 200);
    QCOMPARE(m_cluster.request("GET", base + QStringLiteral("serviceaccounts"), {}, token).status, 401);
    QCOMPARE(tokenReview(m_cluster, token).value(QStringLiteral("error")).toString(),
        QStringLiteral("token has been invalidated"));

    // A token Secret for an account that does not exist is removed by the controller.
    QJsonObject orphan = secret;
    orphan.insert(QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("name"), QStringLiteral("orphan-token") },
            { QStringLiteral("annotations"),
                QJsonObject {
                    { QStringLiteral("kubernetes.io/service-account.name"), QStringLiteral("ghost") } } } });
    QCOMPARE(m_cluster.request("POST", base + QStringLiteral("secrets"), orphan).status, 201);
    QCOMPARE(m_cluster.request("GET", base + QStringLiteral("secrets/orphan-token")).status, 404);

    // Deleting the account deletes its token secrets.
    QCOMPARE(m_cluster.request("POST", base + QStringLiteral("secrets"), secret).status, 201);
    QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/legacy")).status, 200);
    QCOMPARE(m_cluster.request("GET", base + QStringLiteral("secrets/legacy-token")).status, 404);
}

void TestClusterTest::unknownTokensAreUnauthorized_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::newRow("none") << QByteArray();
    QTest::newRow("garbage") << QByteArray("Bearer not-a-token");
    QTest::newRow("basic") << QByteArray("Basic YWRtaW46YWRtaW4=");
    QTest::newRow("empty bearer") << QByteArray("Bearer ");
    QTest::newRow("foreign jwt") << QByteArray(
        "Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJldmlsIiwic3ViIjoieCJ9.c2lnbmF0dXJl");
}

void TestClusterTest::unknownTokensAreUnauthorized()
{
    QFETCH(QByteArray, authorization);
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!authorization.isEmpty())
        headers.append({ "Authorization", authorization });
    for (const QString &path :
        { QStringLiteral("/api/v1/namespaces"), QStringLiteral("/version"), QStringLiteral("/api") }) {
        const auto r = m_cluster.requestRaw("GET", path, {}, headers);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.json.value(QStringLiteral("kind")).toString(), QStringLiteral("Status"));
        QCOMPARE(r.json.value(QStringLiteral("message")).toString(), QStringLiteral("Unauthorized"));
        QCOMPARE(r.json.value(QStringLiteral("code")).toInt(), 401);
    }
}

void TestClusterTest::forbiddenMessages()
{
    // The requester may create tokens but not read secrets.
    const auto ns
        = m_cluster.request("GET", QStringLiteral("/api/v1/namespaces/default/secrets"), {}, m_requester);
    QCOMPARE(ns.status, 403);
    QCOMPARE(ns.json.value(QStringLiteral("reason")).toString(), QStringLiteral("Forbidden"));
    QCOMPARE(ns.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "secrets is forbidden: User \"system:serviceaccount:default:kms-token-requester\" cannot list "
            "resource \"secrets\" in API group \"\" in the namespace \"default\""));
    const auto named = m_cluster.request(
        "GET", QStringLiteral("/api/v1/namespaces/kube-system/secrets/x"), {}, m_requester);
    QCOMPARE(named.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "secrets \"x\" is forbidden: User \"system:serviceaccount:default:kms-token-requester\" cannot "
            "get resource \"secrets\" in API group \"\" in the namespace \"kube-system\""));
    const auto cluster = m_cluster.request(
        "GET", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles"), {}, m_requester);
    QCOMPARE(cluster.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "clusterroles.rbac.authorization.k8s.io is forbidden: User "
            "\"system:serviceaccount:default:kms-token-requester\" cannot list resource \"clusterroles\" "
            "in API group \"rbac.authorization.k8s.io\" at the cluster scope"));
    QCOMPARE(
        cluster.json.value(QStringLiteral("details")).toObject().value(QStringLiteral("group")).toString(),
        QStringLiteral("rbac.authorization.k8s.io"));

    // A token for a fresh account (no bindings) cannot request tokens: the subresource message.
    const QString base = QStringLiteral("/api/v1/namespaces/default/");
    QCOMPARE(m_cluster
                 .request("POST", base + QStringLiteral("serviceaccounts"),
                     serviceAccount(QStringLiteral("nobody")))
                 .status,
        201);
    const QByteArray nobody = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("nobody"));
    const auto sub = m_cluster.request(
        "POST", kTokenPath.arg(QStringLiteral("kms-token-requester")), tokenRequest({}), nobody);
    QCOMPARE(sub.status, 403);
    QCOMPARE(sub.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("serviceaccounts \"kms-token-requester\" is forbidden: User "
                       "\"system:serviceaccount:default:nobody\" "
                       "cannot create resource \"serviceaccounts/token\" in API group \"\" in the namespace "
                       "\"default\""));
    const auto path = m_cluster.request("GET", QStringLiteral("/metrics"), {}, nobody);
    QCOMPARE(path.status, 403);
    QCOMPARE(path.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "forbidden: User \"system:serviceaccount:default:nobody\" cannot get path \"/metrics\""));
    // Discovery is open to every authenticated user (system:discovery).
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/api/v1"), {}, nobody).status, 200);
    m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/nobody"));
}

void TestClusterTest::escalationPrevention()
{
    // The requester (seed's dynamic tokenrequest role + kms-dynamic-role) cannot bind cluster-admin...
    const QString rbPath
        = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings");
    const auto denied = m_cluster.request("POST", rbPath,
        roleBinding(QStringLiteral("lease-admin"), QStringLiteral("ClusterRole"),
            QStringLiteral("cluster-admin"), QStringLiteral("kms-token-requester")),
        m_requester);
    QCOMPARE(denied.status, 403);
    QCOMPARE(denied.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "rolebindings.rbac.authorization.k8s.io \"lease-admin\" is forbidden: user "
            "\"system:serviceaccount:default:kms-token-requester\" (groups=[\"system:serviceaccounts\" "
            "\"system:serviceaccounts:default\" \"system:authenticated\"]) is attempting to grant RBAC "
            "permissions not currently held:\n{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}\n"
            "{NonResourceURLs:[\"*\"], Verbs:[\"*\"]}"));
    QCOMPARE(denied.json.value(QStringLiteral("details")).toObject().value(QStringLiteral("kind")).toString(),
        QStringLiteral("rolebindings"));

    // ...nor a role with rules it lacks: missing rules compacted and sorted.
    QJsonObject role { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("ClusterRole") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("secret-reader") } } },
        { QStringLiteral("rules"),
            QJsonArray { QJsonObject { { QStringLiteral("apiGroups"), QJsonArray { QString() } },
                { QStringLiteral("resources"),
                    QJsonArray { QStringLiteral("secrets"), QStringLiteral("pods") } },
                { QStringLiteral("verbs"),
                    QJsonArray {
                        QStringLiteral("get"), QStringLiteral("list"), QStringLiteral("watch") } } } } } };
    QCOMPARE(
        m_cluster.request("POST", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles"), role)
            .status,
        201);
    const auto partial = m_cluster.request("POST", rbPath,
        roleBinding(QStringLiteral("rb"), QStringLiteral("ClusterRole"), QStringLiteral("secret-reader"),
            QStringLiteral("kms-token-requester")),
        m_requester);
    QCOMPARE(partial.status, 403);
    QVERIFY(partial.json.value(QStringLiteral("message"))
                .toString()
                .endsWith(QStringLiteral(
                    "is attempting to grant RBAC permissions not currently held:\n"
                    "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"watch\"]}\n"
                    "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\" \"watch\"]}")));

    // A missing role: its NotFound.
    const auto missing = m_cluster.request("POST", rbPath,
        roleBinding(QStringLiteral("rb"), QStringLiteral("ClusterRole"), QStringLiteral("no-such-role"),
            QStringLiteral("kms-token-requester")),
        m_requester);
    QCOMPARE(missing.status, 404);
    QCOMPARE(missing.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("clusterroles.rbac.authorization.k8s.io \"no-such-role\" not found"));

    // It can bind a role whose rules it holds (kms-dynamic-role), in a namespace and cluster-wide.
    const auto allowed = m_cluster.request("POST", rbPath,
        roleBinding(QStringLiteral("lease-binding"), QStringLiteral("ClusterRole"),
            QStringLiteral("kms-dynamic-role"), QStringLiteral("kms-token-requester")),
        m_requester);
    QCOMPARE(allowed.status, 201);
    QJsonObject crb = roleBinding(QStringLiteral("lease-binding-cluster"), QStringLiteral("ClusterRole"),
        QStringLiteral("kms-dynamic-role"), QStringLiteral("kms-token-requester"));
    crb.insert(QStringLiteral("kind"), QStringLiteral("ClusterRoleBinding"));
    QCOMPARE(m_cluster
                 .request("POST", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"),
                     crb, m_requester)
                 .status,
        201);
    // RoleBinding delete: a Status Success.
    const auto deleted
        = m_cluster.request("DELETE", rbPath + QStringLiteral("/lease-binding"), {}, m_requester);
    QCOMPARE(deleted.status, 200);
    QCOMPARE(deleted.json.value(QStringLiteral("kind")).toString(), QStringLiteral("Status"));
    QCOMPARE(deleted.json.value(QStringLiteral("status")).toString(), QStringLiteral("Success"));
    QCOMPARE(m_cluster
                 .request("DELETE",
                     QStringLiteral(
                         "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/lease-binding-cluster"),
                     {}, m_requester)
                 .status,
        200);

    // With `bind` on the role, no coverage is needed.
    QJsonObject binder { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("ClusterRole") },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("bind-secret-reader") } } },
        { QStringLiteral("rules"),
            QJsonArray { QJsonObject {
                { QStringLiteral("apiGroups"), QJsonArray { QStringLiteral("rbac.authorization.k8s.io") } },
                { QStringLiteral("resources"), QJsonArray { QStringLiteral("clusterroles") } },
                { QStringLiteral("resourceNames"), QJsonArray { QStringLiteral("secret-reader") } },
                { QStringLiteral("verbs"), QJsonArray { QStringLiteral("bind") } } } } } };
    QCOMPARE(
        m_cluster.request("POST", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles"), binder)
            .status,
        201);
    QJsonObject grant = roleBinding(QStringLiteral("grant-bind"), QStringLiteral("ClusterRole"),
        QStringLiteral("bind-secret-reader"), QStringLiteral("kms-token-requester"));
    QCOMPARE(m_cluster.request("POST", rbPath, grant).status, 201);
    QCOMPARE(m_cluster
                 .request("POST", rbPath,
                     roleBinding(QStringLiteral("rb"), QStringLiteral("ClusterRole"),
                         QStringLiteral("secret-reader"), QStringLiteral("kms-token-requester")),
                     m_requester)
                 .status,
        201);
    QCOMPARE(m_cluster.request("DELETE", rbPath + QStringLiteral("/rb")).status, 200);
    QCOMPARE(m_cluster.request("DELETE", rbPath + QStringLiteral("/grant-bind")).status, 200);
}

void TestClusterTest::roleRefIsImmutable()
{
    const QString rbPath
        = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings");
    QCOMPARE(m_cluster
                 .request("POST", rbPath,
                     roleBinding(QStringLiteral("fixed"), QStringLiteral("ClusterRole"),
                         QStringLiteral("view"), QStringLiteral("kms-token-requester")))
                 .status,
        201);
    const auto r = m_cluster.request("PATCH", rbPath + QStringLiteral("/fixed"),
        QJsonObject { { QStringLiteral("roleRef"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("edit") } } } });
    QCOMPARE(r.status, 422);
    QCOMPARE(r.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "RoleBinding.rbac.authorization.k8s.io \"fixed\" is invalid: roleRef: Invalid value: "
            "rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"edit\"}: "
            "cannot change roleRef"));
    // Subjects may change.
    const auto ok = m_cluster.request("PATCH", rbPath + QStringLiteral("/fixed"),
        QJsonObject { { QStringLiteral("subjects"), QJsonArray() } });
    QCOMPARE(ok.status, 200);
    QCOMPARE(m_cluster.request("DELETE", rbPath + QStringLiteral("/fixed")).status, 200);
}

void TestClusterTest::selfSubjectAccessReview_data()
{
    QTest::addColumn<QString>("verb");
    QTest::addColumn<QString>("resource");
    QTest::addColumn<QString>("subresource");
    QTest::addColumn<QString>("ns");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("create token") << "create"
                                  << "serviceaccounts"
                                  << "token"
                                  << "default" << true;
    QTest::newRow("create token anywhere") << "create"
                                           << "serviceaccounts"
                                           << "token"
                                           << "" << true;
    QTest::newRow("get sa") << "get"
                            << "serviceaccounts"
                            << ""
                            << "kube-system" << true;
    QTest::newRow("list sa") << "list"
                             << "serviceaccounts"
                             << ""
                             << "default" << false;
    QTest::newRow("get secrets") << "get"
                                 << "secrets"
                                 << ""
                                 << "default" << false;
    QTest::newRow("list pods (dynamic role)") << "list"
                                              << "pods"
                                              << ""
                                              << "default" << true;
    QTest::newRow("delete pods") << "delete"
                                 << "pods"
                                 << ""
                                 << "default" << false;
}

void TestClusterTest::selfSubjectAccessReview()
{
    QFETCH(QString, verb);
    QFETCH(QString, resource);
    QFETCH(QString, subresource);
    QFETCH(QString, ns);
    QFETCH(bool, allowed);
    QJsonObject attributes { { QStringLiteral("verb"), verb }, { QStringLiteral("resource"), resource } };
    if (!subresource.isEmpty())
        attributes.insert(QStringLiteral("subresource"), subresource);
    if (!ns.isEmpty())
        attributes.insert(QStringLiteral("namespace"), ns);
    const auto r
        = m_cluster.request("POST", QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
            QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("authorization.k8s.io/v1") },
                { QStringLiteral("kind"), QStringLiteral("SelfSubjectAccessReview") },
                { QStringLiteral("spec"),
                    QJsonObject { { QStringLiteral("resourceAttributes"), attributes } } } },
            m_requester);
    QCOMPARE(r.status, 201);
    const QJsonObject status = r.json.value(QStringLiteral("status")).toObject();
    QCOMPARE(status.value(QStringLiteral("allowed")).toBool(), allowed);
    if (allowed)
        QVERIFY(status.value(QStringLiteral("reason"))
                    .toString()
                    .startsWith(QStringLiteral("RBAC: allowed by ClusterRoleBinding")));
}

void TestClusterTest::selfSubjectRulesReview()
{
    const QString path = QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews");
    const auto missing = m_cluster.request("POST", path,
        QJsonObject { { QStringLiteral("spec"), QJsonObject { { QStringLiteral("x"), 1 } } } }, m_requester);
    QCOMPARE(missing.status, 400);
    QCOMPARE(
        missing.json.value(QStringLiteral("message")).toString(), QStringLiteral("no namespace on request"));
    const auto r = m_cluster.request("POST", path,
        QJsonObject { { QStringLiteral("spec"),
            QJsonObject { { QStringLiteral("namespace"), QStringLiteral("default") } } } },
        m_requester);
    QCOMPARE(r.status, 201);
    const QJsonObject status = r.json.value(QStringLiteral("status")).toObject();
    QCOMPARE(status.value(QStringLiteral("incomplete")).toBool(), false);
    bool sawToken = false;
    for (const QJsonValue &v : status.value(QStringLiteral("resourceRules")).toArray())
        sawToken = sawToken
            || v.toObject()
                   .value(QStringLiteral("resources"))
                   .toArray()
                   .contains(QStringLiteral("serviceaccounts/token"));
    QVERIFY(sawToken);
    QVERIFY(!status.value(QStringLiteral("nonResourceRules")).toArray().isEmpty());
}

void TestClusterTest::statusShapes()
{
    const auto r = m_cluster.request(
        "GET", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/x"));
    QCOMPARE(r.status, 404);
    QCOMPARE(r.json.value(QStringLiteral("kind")).toString(), QStringLiteral("Status"));
    QCOMPARE(r.json.value(QStringLiteral("apiVersion")).toString(), QStringLiteral("v1"));
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("Failure"));
    QCOMPARE(r.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("rolebindings.rbac.authorization.k8s.io \"x\" not found"));
    QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("NotFound"));
    QCOMPARE(r.json.value(QStringLiteral("code")).toInt(), 404);
    const QJsonObject details = r.json.value(QStringLiteral("details")).toObject();
    QCOMPARE(details.value(QStringLiteral("name")).toString(), QStringLiteral("x"));
    QCOMPARE(details.value(QStringLiteral("group")).toString(), QStringLiteral("rbac.authorization.k8s.io"));
    QCOMPARE(details.value(QStringLiteral("kind")).toString(), QStringLiteral("rolebindings"));

    const auto noNs = m_cluster.request(
        "POST", QStringLiteral("/api/v1/namespaces/z/serviceaccounts"), serviceAccount(QStringLiteral("a")));
    QCOMPARE(noNs.status, 404);
    QCOMPARE(
        noNs.json.value(QStringLiteral("message")).toString(), QStringLiteral("namespaces \"z\" not found"));

    const auto exists
        = m_cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
            serviceAccount(QStringLiteral("kms-token-requester")));
    QCOMPARE(exists.status, 409);
    QCOMPARE(exists.json.value(QStringLiteral("reason")).toString(), QStringLiteral("AlreadyExists"));
    QCOMPARE(exists.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("serviceaccounts \"kms-token-requester\" already exists"));
}

void TestClusterTest::labelSelectors_data()
{
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("equals") << "app=a" << QStringList { "sel-a1", "sel-a2" };
    QTest::newRow("double equals") << "app==b" << QStringList { "sel-b" };
    QTest::newRow("not equals") << "app!=a,tier" << QStringList { "sel-b" };
    QTest::newRow("in") << "app in (a, b)" << QStringList { "sel-a1", "sel-a2", "sel-b" };
    QTest::newRow("notin") << "app notin (a),app" << QStringList { "sel-b" };
    QTest::newRow("exists") << "tier" << QStringList { "sel-a1", "sel-b" };
    QTest::newRow("does not exist") << "app,!tier" << QStringList { "sel-a2" };
    QTest::newRow("and") << "app=a,tier=web" << QStringList { "sel-a1" };
    QTest::newRow("managed-by") << "app.kubernetes.io/managed-by=hanzo-kms" << QStringList { "sel-a1" };
    QTest::newRow("none") << "app=zzz" << QStringList {};
}

void TestClusterTest::labelSelectors()
{
    QFETCH(QString, selector);
    QFETCH(QStringList, names);
    const QString base = QStringLiteral("/api/v1/namespaces/default/serviceaccounts");
    if (m_cluster.request("GET", base + QStringLiteral("/sel-a1")).status == 404) {
        const QList<QPair<QString, QJsonObject>> objects {
            { QStringLiteral("sel-a1"),
                QJsonObject { { QStringLiteral("app"), QStringLiteral("a") },
                    { QStringLiteral("tier"), QStringLiteral("web") },
                    { QStringLiteral("app.kubernetes.io/managed-by"), QStringLiteral("hanzo-kms") } } },
            { QStringLiteral("sel-a2"), QJsonObject { { QStringLiteral("app"), QStringLiteral("a") } } },
            { QStringLiteral("sel-b"),
                QJsonObject { { QStringLiteral("app"), QStringLiteral("b") },
                    { QStringLiteral("tier"), QStringLiteral("db") } } }
        };
        for (const auto &[name, labels] : objects)
            QCOMPARE(
                m_cluster
                    .request("POST", base, serviceAccount(name, { { QStringLiteral("labels"), labels } }))
                    .status,
                201);
    }
    const auto r = m_cluster.request("GET",
        base + QStringLiteral("?labelSelector=") + QString::fromLatin1(QUrl::toPercentEncoding(selector)));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("kind")).toString(), QStringLiteral("ServiceAccountList"));
    QStringList got;
    for (const QJsonValue &item : r.json.value(QStringLiteral("items")).toArray())
        got << item.toObject()
                   .value(QStringLiteral("metadata"))
                   .toObject()
                   .value(QStringLiteral("name"))
                   .toString();
    QCOMPARE(got, names);
}

void TestClusterTest::badLabelSelectorIsBadRequest()
{
    for (const char *bad : { "app in a", "a b c", "=x", "app=in valid" }) {
        const auto r = m_cluster.request("GET",
            QStringLiteral("/api/v1/namespaces/default/serviceaccounts?labelSelector=")
                + QString::fromLatin1(QUrl::toPercentEncoding(QString::fromLatin1(bad))));
        QVERIFY2(r.status == 400, bad);
        QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("BadRequest"));
        QVERIFY(r.json.value(QStringLiteral("message"))
                    .toString()
                    .startsWith(QStringLiteral("unable to parse requirement")));
    }
}

void TestClusterTest::generateName()
{
    QJsonObject sa { { QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("generateName"), QStringLiteral("kms-lease-") } } } };
    const auto r
        = m_cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"), sa);
    QCOMPARE(r.status, 201);
    const QString name
        = r.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("name")).toString();
    QVERIFY(QRegularExpression(QStringLiteral("^kms-lease-[bcdfghjklmnpqrstvwxz2456789]{5}$"))
                .match(name)
                .hasMatch());
    QCOMPARE(
        r.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("generateName")).toString(),
        QStringLiteral("kms-lease-"));
    // A long prefix is cut to 58 characters.
    const QString longPrefix = QString(70, u'a');
    const auto l = m_cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
        QJsonObject {
            { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("generateName"), longPrefix } } } });
    QCOMPARE(l.status, 201);
    QCOMPARE(
        l.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("name")).toString().size(),
        63);
    // A name wins over generateName.
    const auto n = m_cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
        QJsonObject { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("given") },
                { QStringLiteral("generateName"), QStringLiteral("gen-") } } } });
    QCOMPARE(n.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("name")).toString(),
        QStringLiteral("given"));
    // Neither: required.
    const auto none = m_cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
        QJsonObject {
            { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("labels"), QJsonObject() } } } });
    QCOMPARE(none.status, 422);
    QCOMPARE(none.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("ServiceAccount \"\" is invalid: metadata.name: Required value: name or generateName "
                       "is required"));
}

void TestClusterTest::ownerReferenceGarbageCollection()
{
    const QString base = QStringLiteral("/api/v1/namespaces/default/");
    const QString rbPath
        = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings");
    const QString crbPath = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
    const auto owner = m_cluster.request(
        "POST", base + QStringLiteral("serviceaccounts"), serviceAccount(QStringLiteral("gc-owner")));
    QCOMPARE(owner.status, 201);
    const QJsonArray refs { QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
        { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
        { QStringLiteral("name"), QStringLiteral("gc-owner") },
        { QStringLiteral("uid"),
            owner.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("uid")) } } };
    QJsonObject rb = roleBinding(QStringLiteral("gc-dependent"), QStringLiteral("ClusterRole"),
        QStringLiteral("view"), QStringLiteral("gc-owner"));
    rb.insert(QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("name"), QStringLiteral("gc-dependent") },
            { QStringLiteral("ownerReferences"), refs } });
    QCOMPARE(m_cluster.request("POST", rbPath, rb).status, 201);
    QJsonObject crb = rb;
    crb.insert(QStringLiteral("kind"), QStringLiteral("ClusterRoleBinding"));
    crb.insert(QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("name"), QStringLiteral("gc-cluster-dependent") },
            { QStringLiteral("ownerReferences"), refs } });
    QCOMPARE(m_cluster.request("POST", crbPath, crb).status, 201);

    QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/gc-owner")).status, 200);
    // The namespaced dependent goes; a cluster-scoped object cannot refer to a namespaced owner and stays.
    QTRY_COMPARE(m_cluster.request("GET", rbPath + QStringLiteral("/gc-dependent")).status, 404);
    QCOMPARE(m_cluster.request("GET", crbPath + QStringLiteral("/gc-cluster-dependent")).status, 200);
    QCOMPARE(m_cluster.request("DELETE", crbPath + QStringLiteral("/gc-cluster-dependent")).status, 200);

    // Orphan propagation keeps dependents and drops the reference.
    const auto owner2 = m_cluster.request(
        "POST", base + QStringLiteral("serviceaccounts"), serviceAccount(QStringLiteral("gc-owner2")));
    QJsonArray refs2 = refs;
    QJsonObject ref2 = refs2.at(0).toObject();
    ref2.insert(QStringLiteral("name"), QStringLiteral("gc-owner2"));
    ref2.insert(QStringLiteral("uid"),
        owner2.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("uid")));
    refs2.replace(0, ref2);
    rb.insert(QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("name"), QStringLiteral("gc-orphan") },
            { QStringLiteral("ownerReferences"), refs2 } });
    QCOMPARE(m_cluster.request("POST", rbPath, rb).status, 201);
    QCOMPARE(m_cluster
                 .request("DELETE", base + QStringLiteral("serviceaccounts/gc-owner2"),
                     QJsonObject { { QStringLiteral("kind"), QStringLiteral("DeleteOptions") },
                         { QStringLiteral("apiVersion"), QStringLiteral("v1") },
                         { QStringLiteral("propagationPolicy"), QStringLiteral("Orphan") } })
                 .status,
        200);
    const auto orphan = m_cluster.request("GET", rbPath + QStringLiteral("/gc-orphan"));
    QCOMPARE(orphan.status, 200);
    QVERIFY(!orphan.json.value(QStringLiteral("metadata"))
                 .toObject()
                 .contains(QStringLiteral("ownerReferences")));
    QCOMPARE(m_cluster.request("DELETE", rbPath + QStringLiteral("/gc-orphan")).status, 200);
}

void TestClusterTest::deleteSemantics()
{
    const QString base = QStringLiteral("/api/v1/namespaces/default/");
    const auto created = m_cluster.request(
        "POST", base + QStringLiteral("serviceaccounts"), serviceAccount(QStringLiteral("del-me")));
    QCOMPARE(created.status, 201);
    // Precondition on uid.
    const auto wrongUid = m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/del-me"),
        QJsonObject { { QStringLiteral("preconditions"),
            QJsonObject { { QStringLiteral("uid"), QStringLiteral("nope") } } } });
    QCOMPARE(wrongUid.status, 409);
    const auto deleted = m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/del-me"));
    QCOMPARE(deleted.status, 200);
    QCOMPARE(deleted.json.value(QStringLiteral("kind")).toString(), QStringLiteral("ServiceAccount"));
    QCOMPARE(deleted.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("uid")),
        created.json.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("uid")));
    const auto again = m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/del-me"));
    QCOMPARE(again.status, 404);
    QCOMPARE(again.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("serviceaccounts \"del-me\" not found"));
    // Secrets answer with a Status.
    const QJsonObject secret { { QStringLiteral("metadata"),
                                   QJsonObject { { QStringLiteral("name"), QStringLiteral("plain") } } },
        { QStringLiteral("stringData"), QJsonObject { { QStringLiteral("k"), QStringLiteral("v") } } } };
    const auto s = m_cluster.request("POST", base + QStringLiteral("secrets"), secret);
    QCOMPARE(s.status, 201);
    QCOMPARE(s.json.value(QStringLiteral("type")).toString(), QStringLiteral("Opaque"));
    QCOMPARE(s.json.value(QStringLiteral("data")).toObject().value(QStringLiteral("k")).toString(),
        QStringLiteral("dg=="));
    const auto sd = m_cluster.request("DELETE", base + QStringLiteral("secrets/plain"));
    QCOMPARE(sd.json.value(QStringLiteral("status")).toString(), QStringLiteral("Success"));
    QCOMPARE(sd.json.value(QStringLiteral("details")).toObject().value(QStringLiteral("kind")).toString(),
        QStringLiteral("secrets"));
    // Deleting a namespace removes what is in it.
    QCOMPARE(m_cluster
                 .request("POST", QStringLiteral("/api/v1/namespaces"),
                     QJsonObject { { QStringLiteral("metadata"),
                         QJsonObject { { QStringLiteral("name"), QStringLiteral("doomed") } } } })
                 .status,
        201);
    QCOMPARE(
        m_cluster.request("GET", QStringLiteral("/api/v1/namespaces/doomed/serviceaccounts/default")).status,
        200);
    const auto nsDeleted = m_cluster.request("DELETE", QStringLiteral("/api/v1/namespaces/doomed"));
    QCOMPARE(nsDeleted.status, 200);
    QCOMPARE(
        nsDeleted.json.value(QStringLiteral("status")).toObject().value(QStringLiteral("phase")).toString(),
        QStringLiteral("Terminating"));
    QCOMPARE(
        m_cluster.request("GET", QStringLiteral("/api/v1/namespaces/doomed/serviceaccounts/default")).status,
        404);
}

void TestClusterTest::invalidNames_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("message");
    const QString subdomain = QStringLiteral(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
        "must start "
        "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    QTest::newRow("upper case sa")
        << "/api/v1/namespaces/default/serviceaccounts"
        << "ServiceAccount"
        << "Bad_Name"
        << QStringLiteral(
               "ServiceAccount \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": ")
            + subdomain;
    QTest::newRow("namespace label") << "/api/v1/namespaces"
                                     << "Namespace"
                                     << "a.b"
                                     << QStringLiteral("Namespace \"a.b\" is invalid: metadata.name: Invalid "
                                                       "value: \"a.b\": a lowercase RFC 1123 label must "
                                                       "consist of lower case alphanumeric characters or "
                                                       "'-', and must start and end with an alphanumeric "
                                                       "character (e.g. 'my-name',  or '123-abc', regex used "
                                                       "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    QTest::newRow("rbac slash") << "/apis/rbac.authorization.k8s.io/v1/clusterroles"
                                << "ClusterRole"
                                << "a/b"
                                << QStringLiteral(
                                       "ClusterRole.rbac.authorization.k8s.io \"a/b\" is invalid: "
                                       "metadata.name: Invalid value: \"a/b\": may not contain '/'");
    QTest::newRow("too long") << "/api/v1/namespaces/default/secrets"
                              << "Secret" << QString(254, u'a')
                              << QStringLiteral("Secret \"%1\" is invalid: metadata.name: Invalid value: "
                                                "\"%1\": must be no more than 253 characters")
                                     .arg(QString(254, u'a'));
}

void TestClusterTest::invalidNames()
{
    QFETCH(QString, path);
    QFETCH(QString, kind);
    QFETCH(QString, name);
    QFETCH(QString, message);
    const auto r = m_cluster.request("POST", path,
        QJsonObject { { QStringLiteral("kind"), kind },
            { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } } });
    QCOMPARE(r.status, 422);
    QCOMPARE(r.json.value(QStringLiteral("message")).toString(), message);
}

void TestClusterTest::faultsAndClockAreAdminOnly()
{
    const QString path = QStringLiteral("/kms-testcluster/v1/settings");
    QCOMPARE(
        m_cluster
            .request("PUT", path, QJsonObject { { QStringLiteral("clockOffsetSeconds"), 5 } }, m_requester)
            .status,
        403);
    QCOMPARE(m_cluster.requestRaw("GET", path, {}, {}).status, 401);
    QCOMPARE(m_cluster.request("PUT", path, QJsonObject { { QStringLiteral("failRate"), 2 } }).status, 400);
    QCOMPARE(m_cluster.request("PUT", path, QJsonObject { { QStringLiteral("bogus"), 2 } }).status, 400);
    QCOMPARE(
        m_cluster.request("PUT", path, QJsonObject { { QStringLiteral("maxTokenExpirationSeconds"), 60 } })
            .status,
        400);
    QVERIFY(m_cluster.setClockOffset(86400));
    QCOMPARE(m_cluster.settings().value(QStringLiteral("clockOffsetSeconds")).toInt(), 86400);
    const auto sa = m_cluster.request("POST", QStringLiteral("/api/v1/namespaces/default/serviceaccounts"),
        serviceAccount(QStringLiteral("future")));
    QVERIFY(m_cluster.setClockOffset(0));
    const QDateTime created = QDateTime::fromString(sa.json.value(QStringLiteral("metadata"))
                                                        .toObject()
                                                        .value(QStringLiteral("creationTimestamp"))
                                                        .toString(),
        Qt::ISODate);
    QVERIFY(QDateTime::currentDateTimeUtc().secsTo(created) > 86000);
}

void TestClusterTest::recordsTheAuthorizersDecisionsForTheAdmin()
{
    const QString path = QStringLiteral("/kms-testcluster/v1/authorizations");
    QCOMPARE(m_cluster.request("GET", path, {}, m_requester).status, 403);
    QCOMPARE(m_cluster.requestRaw("GET", path, {}, {}).status, 401);
    QVERIFY(m_cluster.clearAuthorizations());
    const QString requester = QStringLiteral("system:serviceaccount:default:kms-token-requester");
    QCOMPARE(
        m_cluster
            .request("GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester"),
                {}, m_requester)
            .status,
        200);
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/api/v1/namespaces/default/secrets"), {}, m_requester)
                 .status,
        403);
    // Not a resource request: not recorded.
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/version"), {}, m_requester).status, 200);
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/api/v1/namespaces")).status, 200);

    const QList<QJsonObject> seen = m_cluster.authorizations(requester);
    QCOMPARE(seen.size(), 2);
    QCOMPARE(seen[0],
        (QJsonObject { { QStringLiteral("user"), requester },
            { QStringLiteral("verb"), QStringLiteral("get") }, { QStringLiteral("apiGroup"), QString() },
            { QStringLiteral("resource"), QStringLiteral("serviceaccounts") },
            { QStringLiteral("subresource"), QString() },
            { QStringLiteral("namespace"), QStringLiteral("default") },
            { QStringLiteral("name"), QStringLiteral("kms-token-requester") },
            { QStringLiteral("allowed"), true } }));
    QCOMPARE(seen[1].value(QStringLiteral("verb")).toString(), QStringLiteral("list"));
    QCOMPARE(seen[1].value(QStringLiteral("resource")).toString(), QStringLiteral("secrets"));
    QCOMPARE(seen[1].value(QStringLiteral("allowed")).toBool(), false);
    // Everyone's, the admin's included, without the filter.
    const QList<QJsonObject> all = m_cluster.authorizations();
    QCOMPARE(all.size(), 3);
    QCOMPARE(all[2].value(QStringLiteral("resource")).toString(), QStringLiteral("namespaces"));
    QVERIFY(m_cluster.clearAuthorizations());
    QVERIFY(m_cluster.authorizations().isEmpty());
}

void TestClusterTest::failRateIsSeededAndReversible()
{
    QVERIFY(m_cluster.setFaults(0, 1.0));
    int failures = 0;
    for (int i = 0; i < 6; ++i) {
        const auto r = m_cluster.request("GET", QStringLiteral("/version"));
        QVERIFY(r.status == 503 || r.status == 0);
        if (r.status == 503)
            QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("ServiceUnavailable"));
        ++failures;
    }
    QCOMPARE(failures, 6);
    QVERIFY(m_cluster.setFaults(0, 0));
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/version")).status, 200);
}

void TestClusterTest::latencyIsAddedBeforeEachAnswer()
{
    QVERIFY(m_cluster.setFaults(300, 0));
    QElapsedTimer timer;
    timer.start();
    const auto r = m_cluster.request("GET", QStringLiteral("/version"));
    const qint64 elapsed = timer.elapsed();
    QVERIFY(m_cluster.setFaults(0, 0));
    QCOMPARE(r.status, 200);
    QVERIFY2(elapsed >= 300, qPrintable(QString::number(elapsed)));
}

void TestClusterTest::keepAliveServesManyRequestsOnOneConnection()
{
    const auto run
        = m_cluster.repeatOnOneConnection("POST", kTokenPath.arg(QStringLiteral("kms-token-requester")),
            tokenRequest({ { QStringLiteral("expirationSeconds"), 600 } }), m_requester, 200);
    QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
    QCOMPARE(run.statuses.size(), 200);
    QCOMPARE(run.statuses.count(201), 200);
}

void TestClusterTest::legacyTokenUseIsTrackedAndWarned()
{
    // The seed's token is listed in the account's .secrets: "auto-generated", so every call warns.
    const auto r = m_cluster.request("GET",
        QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester"), {}, m_requester);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Warning"),
        QByteArray(
            "299 - \"Use tokens from the TokenRequest API or manually created secret-based tokens instead of "
            "auto-generated secret-based tokens.\""));
    const auto secret = m_cluster.request(
        "GET", QStringLiteral("/api/v1/namespaces/default/secrets/kms-token-requester-token"));
    QCOMPARE(secret.json.value(QStringLiteral("metadata"))
                 .toObject()
                 .value(QStringLiteral("labels"))
                 .toObject()
                 .value(QStringLiteral("kubernetes.io/legacy-token-last-used"))
                 .toString(),
        QDateTime::currentDateTimeUtc().date().toString(Qt::ISODate));
    // The legacy token cleaner's label disables the token until it is removed.
    const QString secretPath = QStringLiteral("/api/v1/namespaces/default/secrets/kms-token-requester-token");
    const QJsonObject mark { { QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("labels"),
            QJsonObject { { QStringLiteral("kubernetes.io/legacy-token-invalid-since"),
                QStringLiteral("2026-01-01") } } } } } };
    QCOMPARE(m_cluster.request("PATCH", secretPath, mark).status, 200);
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/version"), {}, m_requester).status, 401);
    QCOMPARE(m_cluster.tokenReview(m_requester).value(QStringLiteral("error")).toString(),
        QStringLiteral(
            "the token in secret default/kms-token-requester-token for service account "
            "default/kms-token-requester has been marked invalid. Use tokens from the TokenRequest API or "
            "manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' "
            "label from the secret to re-enable it"));
    const QJsonObject unmark { { QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("labels"),
            QJsonObject {
                { QStringLiteral("kubernetes.io/legacy-token-invalid-since"), QJsonValue::Null } } } } } };
    QCOMPARE(m_cluster.request("PATCH", secretPath, unmark).status, 200);
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/version"), {}, m_requester).status, 200);
    // A bound token does not warn.
    const QByteArray bound
        = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("kms-token-requester"));
    const auto b = m_cluster.request(
        "GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester"), {}, bound);
    QCOMPARE(b.status, 200);
    QVERIFY(b.header("Warning").isEmpty());
}

void TestClusterTest::tokenCacheDelaysRevocation()
{
    const QString base = QStringLiteral("/api/v1/namespaces/default/");
    QCOMPARE(m_cluster
                 .request("POST", base + QStringLiteral("serviceaccounts"),
                     serviceAccount(QStringLiteral("cached")))
                 .status,
        201);
    const QByteArray token = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("cached"));
    QCOMPARE(m_cluster
                 .request("PUT", QStringLiteral("/kms-testcluster/v1/settings"),
                     QJsonObject { { QStringLiteral("tokenCacheSeconds"), 10 } })
                 .status,
        200);
    QVERIFY(tokenReview(m_cluster, token).value(QStringLiteral("authenticated")).toBool());
    QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/cached")).status, 200);
    // Within the cache time the deleted account's token still works, as on a real server...
    QVERIFY(tokenReview(m_cluster, token).value(QStringLiteral("authenticated")).toBool());
    // ...and not after.
    QVERIFY(m_cluster.setClockOffset(11));
    const QJsonObject after = tokenReview(m_cluster, token);
    QVERIFY(m_cluster.setClockOffset(0));
    QCOMPARE(m_cluster
                 .request("PUT", QStringLiteral("/kms-testcluster/v1/settings"),
                     QJsonObject { { QStringLiteral("tokenCacheSeconds"), 0 } })
                 .status,
        200);
    QVERIFY(!after.contains(QStringLiteral("authenticated")));
    QCOMPARE(after.value(QStringLiteral("error")).toString(),
        QStringLiteral("serviceaccounts \"cached\" not found"));
}

void TestClusterTest::discoveryListsTheTokenSubresource()
{
    const auto r = m_cluster.request("GET", QStringLiteral("/api/v1"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("kind")).toString(), QStringLiteral("APIResourceList"));
    QJsonObject token;
    for (const QJsonValue &v : r.json.value(QStringLiteral("resources")).toArray()) {
        if (v.toObject().value(QStringLiteral("name")).toString() == QStringLiteral("serviceaccounts/token"))
            token = v.toObject();
    }
    const QJsonObject expected { { QStringLiteral("name"), QStringLiteral("serviceaccounts/token") },
        { QStringLiteral("singularName"), QString() }, { QStringLiteral("namespaced"), true },
        { QStringLiteral("group"), QStringLiteral("authentication.k8s.io") },
        { QStringLiteral("version"), QStringLiteral("v1") },
        { QStringLiteral("kind"), QStringLiteral("TokenRequest") },
        { QStringLiteral("verbs"), QJsonArray { QStringLiteral("create") } } };
    QCOMPARE(token, expected);
    const auto apis = m_cluster.request("GET", QStringLiteral("/apis"));
    QCOMPARE(apis.json.value(QStringLiteral("kind")).toString(), QStringLiteral("APIGroupList"));
    QStringList groups;
    for (const QJsonValue &g : apis.json.value(QStringLiteral("groups")).toArray())
        groups << g.toObject().value(QStringLiteral("name")).toString();
    QVERIFY(groups.contains(QStringLiteral("rbac.authorization.k8s.io")));
    QVERIFY(groups.contains(QStringLiteral("authentication.k8s.io")));
    QVERIFY(groups.contains(QStringLiteral("authorization.k8s.io")));
    const auto version = m_cluster.request("GET", QStringLiteral("/version"));
    QCOMPARE(version.json.value(QStringLiteral("major")).toString(), QStringLiteral("1"));
    QVERIFY(version.json.value(QStringLiteral("gitVersion")).toString().startsWith(QStringLiteral("v1.")));
}

void TestClusterTest::creatingRolesNeedsEscalateOrCoverage()
{
    // role-maker may create Roles in default, and holds get on configmaps only.
    const QString base = QStringLiteral("/api/v1/namespaces/default/");
    const QString rbac = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/");
    QCOMPARE(m_cluster
                 .request("POST", base + QStringLiteral("serviceaccounts"),
                     serviceAccount(QStringLiteral("role-maker")))
                 .status,
        201);
    auto rule = [](const QString &group, const QString &resource, const QStringList &verbs) {
        return QJsonObject { { QStringLiteral("apiGroups"), QJsonArray { group } },
            { QStringLiteral("resources"), QJsonArray { resource } },
            { QStringLiteral("verbs"), QJsonArray::fromStringList(verbs) } };
    };
    auto role = [](const QString &name, const QJsonArray &rules) {
        return QJsonObject { { QStringLiteral("apiVersion"), QStringLiteral("rbac.authorization.k8s.io/v1") },
            { QStringLiteral("kind"), QStringLiteral("Role") },
            { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("name"), name } } },
            { QStringLiteral("rules"), rules } };
    };
    QCOMPARE(m_cluster
                 .request("POST", rbac + QStringLiteral("roles"),
                     role(QStringLiteral("role-maker"),
                         { rule(QStringLiteral("rbac.authorization.k8s.io"), QStringLiteral("roles"),
                               { QStringLiteral("create") }),
                             rule(QString(), QStringLiteral("configmaps"), { QStringLiteral("get") }) }))
                 .status,
        201);
    QCOMPARE(m_cluster
                 .request("POST", rbac + QStringLiteral("rolebindings"),
                     roleBinding(QStringLiteral("role-maker"), QStringLiteral("Role"),
                         QStringLiteral("role-maker"), QStringLiteral("role-maker")))
                 .status,
        201);
    const QByteArray token = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("role-maker"));
    // Rules it holds: fine.
    QCOMPARE(m_cluster
                 .request("POST", rbac + QStringLiteral("roles"),
                     role(QStringLiteral("cm-reader"),
                         { rule(QString(), QStringLiteral("configmaps"), { QStringLiteral("get") }) }),
                     token)
                 .status,
        201);
    // Rules it lacks: the escalation message, in the Role's namespace.
    const auto denied = m_cluster.request("POST", rbac + QStringLiteral("roles"),
        role(QStringLiteral("secret-reader"),
            { rule(
                QString(), QStringLiteral("secrets"), { QStringLiteral("get"), QStringLiteral("list") }) }),
        token);
    QCOMPARE(denied.status, 403);
    QCOMPARE(denied.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "roles.rbac.authorization.k8s.io \"secret-reader\" is forbidden: user "
            "\"system:serviceaccount:default:role-maker\" (groups=[\"system:serviceaccounts\" "
            "\"system:serviceaccounts:default\" \"system:authenticated\"]) is attempting to grant RBAC "
            "permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" "
            "\"list\"]}"));
    // With `escalate` on roles it may.
    QCOMPARE(m_cluster
                 .request("PUT", rbac + QStringLiteral("roles/role-maker"),
                     role(QStringLiteral("role-maker"),
                         { rule(QStringLiteral("rbac.authorization.k8s.io"), QStringLiteral("roles"),
                               { QStringLiteral("create"), QStringLiteral("escalate") }),
                             rule(QString(), QStringLiteral("configmaps"), { QStringLiteral("get") }) }))
                 .status,
        200);
    QCOMPARE(m_cluster
                 .request("POST", rbac + QStringLiteral("roles"),
                     role(QStringLiteral("secret-reader"),
                         { rule(QString(), QStringLiteral("secrets"),
                             { QStringLiteral("get"), QStringLiteral("list") }) }),
                     token)
                 .status,
        201);
    // Invalid rules: the registry's messages.
    const auto invalid = m_cluster.request("POST", rbac + QStringLiteral("roles"),
        role(QStringLiteral("bad"),
            { QJsonObject { { QStringLiteral("resources"), QJsonArray { QStringLiteral("pods") } } } }));
    QCOMPARE(invalid.status, 422);
    QCOMPARE(invalid.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "Role.rbac.authorization.k8s.io \"bad\" is invalid: [rules[0].verbs: Required value: verbs must "
            "contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at "
            "least one api group]"));
    for (const char *name : { "role-maker", "cm-reader", "secret-reader" })
        m_cluster.request("DELETE", rbac + QStringLiteral("roles/") + QLatin1String(name));
    m_cluster.request("DELETE", rbac + QStringLiteral("rolebindings/role-maker"));
    m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/role-maker"));
}

void TestClusterTest::rbacPutCreates()
{
    const QString path
        = QStringLiteral("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/put-created");
    QCOMPARE(m_cluster
                 .request("PUT", path,
                     roleBinding(QStringLiteral("put-created"), QStringLiteral("ClusterRole"),
                         QStringLiteral("view"), QStringLiteral("kms-token-requester")))
                 .status,
        201);
    QCOMPARE(m_cluster
                 .request("PUT", path,
                     roleBinding(QStringLiteral("put-created"), QStringLiteral("ClusterRole"),
                         QStringLiteral("view"), QStringLiteral("kms-token-requester")))
                 .status,
        200);
    // Service accounts do not create on update.
    const auto sa
        = m_cluster.request("PUT", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/put-sa"),
            serviceAccount(QStringLiteral("put-sa")));
    QCOMPARE(sa.status, 404);
    QCOMPARE(m_cluster.request("DELETE", path).status, 200);
}

void TestClusterTest::immortalNamespaces()
{
    for (const char *ns : { "default", "kube-system", "kube-public" }) {
        const auto r = m_cluster.request("DELETE", QStringLiteral("/api/v1/namespaces/") + QLatin1String(ns));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.json.value(QStringLiteral("message")).toString(),
            QStringLiteral("namespaces \"%1\" is forbidden: this namespace may not be deleted")
                .arg(QLatin1String(ns)));
    }
}

void TestClusterTest::malformedRequestsAreRefused_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    const QString sas = QStringLiteral("/api/v1/namespaces/default/serviceaccounts");
    QTest::newRow("not json") << QByteArray("POST") << sas << QByteArray("application/json")
                              << QByteArray("{nope") << 400;
    QTest::newRow("json array") << QByteArray("POST") << sas << QByteArray("application/json")
                                << QByteArray("[1,2]") << 400;
    QTest::newRow("yaml") << QByteArray("POST") << sas << QByteArray("application/yaml") << QByteArray("a: b")
                          << 415;
    QTest::newRow("protobuf garbage")
        << QByteArray("POST") << sas << QByteArray("application/vnd.kubernetes.protobuf")
        << QByteArray("k8s\0\x0a\xff\xff\xff\xff\xff", 10) << 400;
    QTest::newRow("protobuf without magic")
        << QByteArray("POST") << sas << QByteArray("application/vnd.kubernetes.protobuf")
        << QByteArray("\x0a\x02hi") << 400;
    QTest::newRow("wrong kind") << QByteArray("POST") << sas << QByteArray("application/json")
                                << QByteArray(
                                       R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}})")
                                << 400;
    QTest::newRow("wrong apiVersion")
        << QByteArray("POST") << sas << QByteArray("application/json")
        << QByteArray(R"({"apiVersion":"v2","kind":"ServiceAccount","metadata":{"name":"x"}})") << 400;
    QTest::newRow("namespace mismatch")
        << QByteArray("POST") << sas << QByteArray("application/json")
        << QByteArray(R"({"metadata":{"name":"x","namespace":"other"}})") << 400;
    QTest::newRow("bad label") << QByteArray("POST") << sas << QByteArray("application/json")
                               << QByteArray(R"({"metadata":{"name":"x","labels":{"a b":"c"}}})") << 422;
    QTest::newRow("secret not base64")
        << QByteArray("POST") << QStringLiteral("/api/v1/namespaces/default/secrets")
        << QByteArray("application/json") << QByteArray(R"({"metadata":{"name":"x"},"data":{"k":"%%%"}})")
        << 400;
    QTest::newRow("sa token secret without account")
        << QByteArray("POST") << QStringLiteral("/api/v1/namespaces/default/secrets")
        << QByteArray("application/json")
        << QByteArray(R"({"metadata":{"name":"x"},"type":"kubernetes.io/service-account-token"})") << 422;
    QTest::newRow("merge patch array")
        << QByteArray("PATCH") << sas + QStringLiteral("/kms-token-requester")
        << QByteArray("application/merge-patch+json") << QByteArray("[]") << 400;
    QTest::newRow("json patch object")
        << QByteArray("PATCH") << sas + QStringLiteral("/kms-token-requester")
        << QByteArray("application/json-patch+json") << QByteArray("{}") << 400;
    QTest::newRow("json patch bad path")
        << QByteArray("PATCH") << sas + QStringLiteral("/kms-token-requester")
        << QByteArray("application/json-patch+json")
        << QByteArray(R"([{"op":"replace","path":"/nope/deeper","value":1}])") << 422;
    QTest::newRow("apply patch") << QByteArray("PATCH") << sas + QStringLiteral("/kms-token-requester")
                                 << QByteArray("application/apply-patch+yaml") << QByteArray("a: b") << 415;
    QTest::newRow("token request get")
        << QByteArray("GET") << sas + QStringLiteral("/kms-token-requester/token") << QByteArray()
        << QByteArray() << 405;
    QTest::newRow("unknown resource")
        << QByteArray("GET") << QStringLiteral("/api/v1/namespaces/default/widgets") << QByteArray()
        << QByteArray() << 404;
    QTest::newRow("unknown group") << QByteArray("GET") << QStringLiteral("/apis/apps/v1/deployments")
                                   << QByteArray() << QByteArray() << 404;
    QTest::newRow("too deep") << QByteArray("GET") << sas + QStringLiteral("/a/b/c") << QByteArray()
                              << QByteArray() << 404;
    QTest::newRow("token review without token")
        << QByteArray("POST") << QStringLiteral("/apis/authentication.k8s.io/v1/tokenreviews")
        << QByteArray("application/json") << QByteArray(R"({"spec":{}})") << 400;
    QTest::newRow("ssar without attributes")
        << QByteArray("POST") << QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        << QByteArray("application/json") << QByteArray(R"({"spec":{}})") << 422;
    QTest::newRow("bad propagation") << QByteArray("DELETE") << sas + QStringLiteral("/default")
                                     << QByteArray("application/json")
                                     << QByteArray(R"({"propagationPolicy":"Sideways"})") << 422;
    QTest::newRow("expiration as string")
        << QByteArray("POST") << sas + QStringLiteral("/kms-token-requester/token")
        << QByteArray("application/json") << QByteArray(R"({"spec":{"expirationSeconds":"3600"}})") << 400;
}

void TestClusterTest::malformedRequestsAreRefused()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QList<QPair<QByteArray, QByteArray>> headers { { "Authorization", "Bearer " + m_cluster.adminToken() } };
    if (!contentType.isEmpty())
        headers.append({ "Content-Type", contentType });
    const auto r = m_cluster.requestRaw(method, path, body, headers);
    QCOMPARE(r.status, status);
    QCOMPARE(r.json.value(QStringLiteral("kind")).toString(), QStringLiteral("Status"));
    QCOMPARE(r.json.value(QStringLiteral("code")).toInt(), status);
    QVERIFY(!r.json.value(QStringLiteral("message")).toString().isEmpty());
    // Still serving.
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/version")).status, 200);
}

void TestClusterTest::listPagination()
{
    const QString path = QStringLiteral("/api/v1/serviceaccounts");
    const auto all = m_cluster.request("GET", path);
    const int total = all.json.value(QStringLiteral("items")).toArray().size();
    QVERIFY(total >= 6);
    QStringList paged;
    QString token;
    int pages = 0;
    do {
        QString url = path + QStringLiteral("?limit=2");
        if (!token.isEmpty())
            url += QStringLiteral("&continue=") + QString::fromLatin1(QUrl::toPercentEncoding(token));
        const auto r = m_cluster.request("GET", url);
        QCOMPARE(r.status, 200);
        const QJsonObject meta = r.json.value(QStringLiteral("metadata")).toObject();
        const QJsonArray items = r.json.value(QStringLiteral("items")).toArray();
        QVERIFY(items.size() <= 2);
        for (const QJsonValue &v : items)
            paged << v.toObject()
                         .value(QStringLiteral("metadata"))
                         .toObject()
                         .value(QStringLiteral("name"))
                         .toString();
        token = meta.value(QStringLiteral("continue")).toString();
        if (!token.isEmpty())
            QCOMPARE(meta.value(QStringLiteral("remainingItemCount")).toInt(), total - paged.size());
        ++pages;
    } while (!token.isEmpty() && pages < 100);
    QCOMPARE(paged.size(), total);
    QCOMPARE(pages, (total + 1) / 2);
    QCOMPARE(m_cluster.request("GET", path + QStringLiteral("?limit=2&continue=bm9wZQ")).status, 400);
    QCOMPARE(m_cluster.request("GET", path + QStringLiteral("?limit=-1")).status, 400);
}

namespace {

// A streaming GET: collects the watch's newline-delimited events as they arrive.
class WatchStream {
public:
    WatchStream(TestCluster &cluster, const QString &pathAndQuery, const QByteArray &token = {})
    {
        QUrl url = cluster.url();
        const qsizetype q = pathAndQuery.indexOf(u'?');
        url.setPath(pathAndQuery.left(q));
        url.setQuery(pathAndQuery.mid(q + 1));
        QNetworkRequest request(url);
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setCaCertificates(QSslCertificate::fromData(cluster.caPem()));
        request.setSslConfiguration(ssl);
        request.setRawHeader("Authorization", "Bearer " + (token.isEmpty() ? cluster.adminToken() : token));
        m_reply.reset(m_network.get(request));
        QObject::connect(m_reply.get(), &QIODevice::readyRead, m_reply.get(), [this] {
            m_buffer += m_reply->readAll();
            qsizetype nl;
            while ((nl = m_buffer.indexOf('\n')) >= 0) {
                events.append(QJsonDocument::fromJson(m_buffer.left(nl)).object());
                m_buffer.remove(0, nl + 1);
            }
        });
    }
    QNetworkReply *reply() const { return m_reply.get(); }
    QStringList summary() const
    {
        QStringList out;
        for (const QJsonObject &e : events)
            out << e.value(QStringLiteral("type")).toString() + u' '
                    + e.value(QStringLiteral("object"))
                          .toObject()
                          .value(QStringLiteral("metadata"))
                          .toObject()
                          .value(QStringLiteral("name"))
                          .toString();
        return out;
    }
    QList<QJsonObject> events;

private:
    QNetworkAccessManager m_network;
    std::unique_ptr<QNetworkReply> m_reply;
    QByteArray m_buffer;
};

} // namespace

void TestClusterTest::watchStreamsChanges()
{
    const QString base = QStringLiteral("/api/v1/namespaces/default/serviceaccounts");
    const QJsonObject watched { { QStringLiteral("labels"),
        QJsonObject { { QStringLiteral("watch"), QStringLiteral("me") } } } };
    QCOMPARE(
        m_cluster.request("POST", base, serviceAccount(QStringLiteral("w-before"), watched)).status, 201);
    WatchStream stream(m_cluster, base + QStringLiteral("?watch=true&labelSelector=watch%3Dme"));
    QTRY_COMPARE(stream.summary(), QStringList { QStringLiteral("ADDED w-before") });
    QCOMPARE(stream.reply()->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(m_cluster.request("POST", base, serviceAccount(QStringLiteral("w-other"))).status, 201);
    QCOMPARE(m_cluster.request("POST", base, serviceAccount(QStringLiteral("w-new"), watched)).status, 201);
    QCOMPARE(m_cluster
                 .request("PATCH", base + QStringLiteral("/w-new"),
                     QJsonObject { { QStringLiteral("automountServiceAccountToken"), false } })
                 .status,
        200);
    QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("/w-new")).status, 200);
    QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("/w-before")).status, 200);
    QTRY_COMPARE(stream.summary(),
        (QStringList { QStringLiteral("ADDED w-before"), QStringLiteral("ADDED w-new"),
            QStringLiteral("MODIFIED w-new"), QStringLiteral("DELETED w-new"),
            QStringLiteral("DELETED w-before") }));
    // Each event carries the object's resourceVersion, increasing.
    qulonglong last = 0;
    for (const QJsonObject &e : stream.events) {
        const qulonglong rv = e.value(QStringLiteral("object"))
                                  .toObject()
                                  .value(QStringLiteral("metadata"))
                                  .toObject()
                                  .value(QStringLiteral("resourceVersion"))
                                  .toString()
                                  .toULongLong();
        QVERIFY(rv > last);
        last = rv;
    }
    m_cluster.request("DELETE", base + QStringLiteral("/w-other"));

    // The requester may not watch: 403 before any stream.
    WatchStream denied(m_cluster, base + QStringLiteral("?watch=true"), m_requester);
    QSignalSpy finished(denied.reply(), &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));
    QCOMPARE(denied.reply()->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 403);

    // timeoutSeconds ends the stream cleanly.
    WatchStream timed(
        m_cluster, base + QStringLiteral("?watch=true&timeoutSeconds=1&labelSelector=none%3Dnone"));
    QSignalSpy timedFinished(timed.reply(), &QNetworkReply::finished);
    QVERIFY(timedFinished.wait(10000));
    QCOMPARE(timed.reply()->error(), QNetworkReply::NoError);
    QVERIFY(timed.events.isEmpty());
}

void TestClusterTest::watchFromResourceVersionAndTooOld()
{
    const QString base = QStringLiteral("/api/v1/namespaces/default/configmaps");
    const QString rv = m_cluster.request("GET", base)
                           .json.value(QStringLiteral("metadata"))
                           .toObject()
                           .value(QStringLiteral("resourceVersion"))
                           .toString();
    const QJsonObject cm { { QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("name"), QStringLiteral("cm-after") } } } };
    QCOMPARE(m_cluster.request("POST", base, cm).status, 201);
    // From the list's resourceVersion: only what happened after it (no synthetic ADDED for kube-root-ca.crt).
    WatchStream stream(m_cluster, base + QStringLiteral("?watch=1&resourceVersion=") + rv);
    QTRY_COMPARE(stream.summary(), QStringList { QStringLiteral("ADDED cm-after") });
    QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("/cm-after")).status, 200);
    QTRY_COMPARE(stream.summary(),
        (QStringList { QStringLiteral("ADDED cm-after"), QStringLiteral("DELETED cm-after") }));

    // Older than the watch cache: an ERROR event with the 410 Expired status, then the end.
    WatchStream old(m_cluster, base + QStringLiteral("?watch=true&resourceVersion=1"));
    QSignalSpy finished(old.reply(), &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));
    QCOMPARE(old.events.size(), 1);
    QCOMPARE(old.events.first().value(QStringLiteral("type")).toString(), QStringLiteral("ERROR"));
    const QJsonObject status = old.events.first().value(QStringLiteral("object")).toObject();
    QCOMPARE(status.value(QStringLiteral("code")).toInt(), 410);
    QCOMPARE(status.value(QStringLiteral("reason")).toString(), QStringLiteral("Expired"));
    QVERIFY(status.value(QStringLiteral("message"))
                .toString()
                .startsWith(QStringLiteral("too old resource version: 1 (")));
}

void TestClusterTest::forbiddenNamesMissingRoles()
{
    // The seed's dynamic binding before kms-dynamic-role exists: the authorizer says why it found nothing.
    const QString base = QStringLiteral("/api/v1/namespaces/default/");
    QCOMPARE(m_cluster
                 .request("POST", base + QStringLiteral("serviceaccounts"),
                     serviceAccount(QStringLiteral("dangling")))
                 .status,
        201);
    QJsonObject crb = roleBinding(QStringLiteral("dangling-binding"), QStringLiteral("ClusterRole"),
        QStringLiteral("not-yet-created"), QStringLiteral("dangling"));
    crb.insert(QStringLiteral("kind"), QStringLiteral("ClusterRoleBinding"));
    QCOMPARE(
        m_cluster
            .request("POST", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"), crb)
            .status,
        201);
    const QByteArray token = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("dangling"));
    const auto r = m_cluster.request("GET", base + QStringLiteral("pods"), {}, token);
    QCOMPARE(r.status, 403);
    QCOMPARE(r.json.value(QStringLiteral("message")).toString(),
        QStringLiteral(
            "pods is forbidden: User \"system:serviceaccount:default:dangling\" cannot list resource "
            "\"pods\" in "
            "API group \"\" in the namespace \"default\": RBAC: clusterrole.rbac.authorization.k8s.io "
            "\"not-yet-created\" not found"));
    QCOMPARE(
        m_cluster
            .request("DELETE",
                QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/dangling-binding"))
            .status,
        200);
    QCOMPARE(m_cluster.request("DELETE", base + QStringLiteral("serviceaccounts/dangling")).status, 200);
}

void TestClusterTest::strictFieldValidationAndDryRun()
{
    const QString sas = QStringLiteral("/api/v1/namespaces/default/serviceaccounts");
    const auto strict = m_cluster.request("POST", sas + QStringLiteral("?fieldValidation=Strict"),
        QJsonObject { { QStringLiteral("metadata"),
                          QJsonObject { { QStringLiteral("name"), QStringLiteral("strict") } } },
            { QStringLiteral("secretz"), QJsonArray() } });
    QCOMPARE(strict.status, 400);
    QCOMPARE(strict.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("strict decoding error: unknown field \"secretz\""));
    const auto patch = m_cluster.request("PATCH",
        sas + QStringLiteral("/kms-token-requester?fieldValidation=Strict"),
        QJsonObject {
            { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("labelz"), QJsonObject() } } } });
    QCOMPARE(patch.status, 400);
    QCOMPARE(patch.json.value(QStringLiteral("message")).toString(),
        QStringLiteral("strict decoding error: unknown field \"metadata.labelz\""));
    // dryRun=All validates and answers, but stores nothing.
    const auto dry = m_cluster.request("POST", sas + QStringLiteral("?dryRun=All"),
        QJsonObject { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), QStringLiteral("dry") } } } });
    QCOMPARE(dry.status, 201);
    QCOMPARE(m_cluster.request("GET", sas + QStringLiteral("/dry")).status, 404);
    const auto dryPatch = m_cluster.request("PATCH", sas + QStringLiteral("/kms-token-requester?dryRun=All"),
        QJsonObject { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("labels"),
                QJsonObject { { QStringLiteral("dry"), QStringLiteral("run") } } } } } });
    QCOMPARE(dryPatch.status, 200);
    QCOMPARE(dryPatch.json.value(QStringLiteral("metadata"))
                 .toObject()
                 .value(QStringLiteral("labels"))
                 .toObject()
                 .value(QStringLiteral("dry"))
                 .toString(),
        QStringLiteral("run"));
    QVERIFY(!m_cluster.request("GET", sas + QStringLiteral("/kms-token-requester"))
                 .json.value(QStringLiteral("metadata"))
                 .toObject()
                 .value(QStringLiteral("labels"))
                 .toObject()
                 .contains(QStringLiteral("dry")));
}

void TestClusterTest::contentNegotiationAndHead()
{
    const QByteArray auth = "Bearer " + m_cluster.adminToken();
    const QString path = QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester");
    // kubectl's typed clients: protobuf preferred, JSON accepted -> JSON.
    auto r = m_cluster.requestRaw("GET", path, {},
        { { "Authorization", auth }, { "Accept", "application/vnd.kubernetes.protobuf,application/json" } });
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("Content-Type").startsWith("application/json"));
    // Only protobuf: not acceptable.
    r = m_cluster.requestRaw(
        "GET", path, {}, { { "Authorization", auth }, { "Accept", "application/vnd.kubernetes.protobuf" } });
    QCOMPARE(r.status, 406);
    QCOMPARE(r.json.value(QStringLiteral("reason")).toString(), QStringLiteral("NotAcceptable"));
    // HEAD: the headers, no body.
    r = m_cluster.requestRaw("HEAD", path, {}, { { "Authorization", auth } });
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.isEmpty());
    QVERIFY(r.header("Content-Length").toInt() > 0);
    QCOMPARE(m_cluster.request("GET", QStringLiteral("/version")).status, 200);
}

void TestClusterTest::tokensVerifyAgainstThePublishedKey()
{
    // ServiceAccountIssuerDiscovery: the issuer and its keys, readable by service accounts.
    const auto config
        = m_cluster.request("GET", QStringLiteral("/.well-known/openid-configuration"), {}, m_requester);
    QCOMPARE(config.status, 200);
    QCOMPARE(config.json.value(QStringLiteral("issuer")).toString(),
        QStringLiteral("https://kubernetes.default.svc.cluster.local"));
    QCOMPARE(config.json.value(QStringLiteral("jwks_uri")).toString(),
        QStringLiteral("https://kubernetes.default.svc.cluster.local/openid/v1/jwks"));
    const auto jwks = m_cluster.request("GET", QStringLiteral("/openid/v1/jwks"), {}, m_requester);
    QCOMPARE(jwks.status, 200);
    QCOMPARE(jwks.header("Content-Type"), QByteArray("application/jwk-set+json"));
    const QJsonObject jwk = jwks.json.value(QStringLiteral("keys")).toArray().at(0).toObject();
    QCOMPARE(jwk.value(QStringLiteral("kty")).toString(), QStringLiteral("RSA"));
    QCOMPARE(jwk.value(QStringLiteral("alg")).toString(), QStringLiteral("RS256"));

    // The public key from n and e, with OpenSSL.
    const QByteArray n = QByteArray::fromBase64(
        jwk.value(QStringLiteral("n")).toString().toLatin1(), QByteArray::Base64UrlEncoding);
    const QByteArray e = QByteArray::fromBase64(
        jwk.value(QStringLiteral("e")).toString().toLatin1(), QByteArray::Base64UrlEncoding);
    QCOMPARE(n.size(), 256);
    BIGNUM *bnN = BN_bin2bn(reinterpret_cast<const unsigned char *>(n.constData()), int(n.size()), nullptr);
    BIGNUM *bnE = BN_bin2bn(reinterpret_cast<const unsigned char *>(e.constData()), int(e.size()), nullptr);
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, bnN);
    OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, bnE);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(builder);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    EVP_PKEY *key = nullptr;
    QCOMPARE(EVP_PKEY_fromdata_init(ctx), 1);
    QCOMPARE(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    BN_free(bnN);
    BN_free(bnE);
    std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY *)> publicKey(key, EVP_PKEY_free);

    // kid: base64url(SHA-256(DER public key)).
    unsigned char *der = nullptr;
    const int derLen = i2d_PUBKEY(publicKey.get(), &der);
    const QByteArray kid = QCryptographicHash::hash(
        QByteArray(reinterpret_cast<char *>(der), derLen), QCryptographicHash::Sha256)
                               .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    OPENSSL_free(der);
    QCOMPARE(jwk.value(QStringLiteral("kid")).toString().toLatin1(), kid);

    auto verifies = [&](const QByteArray &jwt) {
        const QList<QByteArray> parts = jwt.split('.');
        if (parts.size() != 3)
            return false;
        const QByteArray input = parts[0] + '.' + parts[1];
        const QByteArray signature = QByteArray::fromBase64(parts[2], QByteArray::Base64UrlEncoding);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        const bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, publicKey.get()) == 1
            && EVP_DigestVerify(md, reinterpret_cast<const unsigned char *>(signature.constData()),
                   size_t(signature.size()), reinterpret_cast<const unsigned char *>(input.constData()),
                   size_t(input.size()))
                == 1;
        EVP_MD_CTX_free(md);
        return ok;
    };
    const QByteArray bound
        = m_cluster.createToken(QStringLiteral("default"), QStringLiteral("kms-token-requester"));
    QVERIFY(verifies(bound));
    QVERIFY(verifies(m_requester)); // the legacy Secret token: same key
    const QJsonObject header = QJsonDocument::fromJson(
        QByteArray::fromBase64(bound.split('.').at(0), QByteArray::Base64UrlEncoding))
                                   .object();
    QCOMPARE(header.value(QStringLiteral("kid")).toString().toLatin1(), kid);
    // Change one claim: the signature no longer holds.
    QList<QByteArray> parts = bound.split('.');
    QJsonObject claims = claimsOf(bound);
    claims.insert(QStringLiteral("sub"), QStringLiteral("system:serviceaccount:kube-system:default"));
    parts[1] = QJsonDocument(claims)
                   .toJson(QJsonDocument::Compact)
                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    QVERIFY(!verifies(parts.join('.')));
    QCOMPARE(
        m_cluster
            .request("GET", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester"),
                {}, parts.join('.'))
            .status,
        401);
}

QTEST_GUILESS_MAIN(TestClusterTest)
#include "tst_testcluster.moc"
