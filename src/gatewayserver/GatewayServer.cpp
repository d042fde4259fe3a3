#include "gatewayserver/GatewayServer.h"

#include "core/SignalWait.h"

#include "core/BearerToken.h"
#include "core/BoundedRead.h"
#include "core/DisplayText.h"
#include "core/Names.h"
#include "gatewayserver/ConnectionGuard.h"
#include "gatewayserver/GuardedServer.h"
#include "gatewayserver/HttpMethod.h"
#include "kube/GatewayCertificates.h"
#include "kube/KubeClient.h"
#include "kube/ObjectKinds.h"
#include "kube/ReplyLimits.h"

#include <QCoro/QCoroNetworkReply>
#include <QCoro/QCoroSignal>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QUrlQuery>

#include "provider/LeaseLabels.h"

namespace kms {

namespace {
Q_LOGGING_CATEGORY(lcGateway, "kms.gateway")

QString clientCommonName(QTcpSocket *socket)
{
    auto *ssl = qobject_cast<QSslSocket *>(socket);
    if (!ssl || ssl->peerCertificate().isNull())
        return {};
    return ssl->peerCertificate().subjectInfo(QSslCertificate::CommonName).value(0);
}

QString noEntry(const QString &commonName)
{
    return QStringLiteral(
        "no entry of the gateway's policy matches the client certificate's common name \"%1\"; "
        "ask the cluster owner to add one")
        .arg(commonName);
}

QString kindName(GatewayRoute::Kind kind)
{
    switch (kind) {
    case GatewayRoute::Kind::Refused:
        break;
    case GatewayRoute::Kind::Discovery:
        return QStringLiteral("discovery");
    case GatewayRoute::Kind::Read:
        return QStringLiteral("read");
    case GatewayRoute::Kind::List:
        return QStringLiteral("list");
    case GatewayRoute::Kind::Create:
        return QStringLiteral("create");
    case GatewayRoute::Kind::Delete:
        return QStringLiteral("delete");
    case GatewayRoute::Kind::TokenRequest:
        return QStringLiteral("token request");
    case GatewayRoute::Kind::Review:
        return QStringLiteral("access review");
    }
    return QStringLiteral("refused");
}

// Whose RBAC a refused read lacked, for the sentence that says so.
QString reader(const QByteArray &callerToken)
{
    return callerToken.isEmpty() ? QStringLiteral("the gateway")
                                 : QStringLiteral("the caller's cluster token");
}

// For the access log: which entry let which kind of call through.
QString allowedBecause(const GatewayClientPolicy &policy, const GatewayRoute::Decision &route)
{
    const QString what = route.resource == GatewayRoute::Resource::None
        ? kindName(route.kind)
        : kindName(route.kind) + QLatin1Char(' ') + GatewayRoute::resourceName(route.resource);
    return QStringLiteral("policy entry \"%1\" allows %2").arg(policy.subject, what);
}

} // namespace

GatewayServer::GatewayServer(std::shared_ptr<const UpstreamTransport> upstream, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_upstream(std::move(upstream))
    , m_nam(std::make_unique<QNetworkAccessManager>())
    , m_accessLog(std::make_unique<AccessLog>())
{
    // Every call carries the current token; a pooled connection carries nothing of its own.
    m_nam->setAutoDeleteReplies(false);
    connect(m_accessLog.get(), &AccessLog::logged, this, &GatewayServer::callLogged);
}

GatewayServer::~GatewayServer() = default;

bool GatewayServer::setupTls(
    const QByteArray &certificatePem, const QByteArray &keyPem, const QByteArray &clientCaPem, QString *error)
{
    QString why;
    const QList<QSslCertificate> chain = GatewayCertificates::readCertificates(certificatePem, &why);
    if (chain.isEmpty()) {
        if (error)
            *error = QStringLiteral("The server certificate (--tls-cert): %1").arg(why);
        return false;
    }
    const QSslKey key = GatewayCertificates::readPrivateKey(keyPem, &why);
    if (key.isNull()) {
        if (error)
            *error = QStringLiteral("The server key (--tls-key): %1").arg(why);
        return false;
    }
    if (!GatewayCertificates::keyMatchesCertificate(keyPem, chain.first())) {
        if (error)
            *error = QStringLiteral("The server key (--tls-key) does not belong to the server certificate "
                                    "(--tls-cert).");
        return false;
    }
    const QList<QSslCertificate> clientCa = GatewayCertificates::readCertificates(clientCaPem, &why);
    if (clientCa.isEmpty()) {
        if (error)
            *error = QStringLiteral("The client CA (--client-ca): %1").arg(why);
        return false;
    }
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificateChain(chain);
    ssl.setPrivateKey(key);
    // Only the client CA: the system's CAs must not vouch for clients.
    ssl.setCaCertificates(clientCa);
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    ssl.setProtocol(QSsl::TlsV1_2OrLater);
    sslSetup(ssl);
    m_tls = ssl;
    return true;
}

std::chrono::milliseconds GatewayServer::answerTimeout(const Limits &limits)
{
    // The longest answer: a binding waits for its lease's account (API server
    // calls until accountWait has passed, the last one started just before),
    // then is created; a delete or a token request makes two calls.
    return limits.accountWait + 2 * limits.upstreamTimeout + std::chrono::seconds(10);
}

quint16 GatewayServer::listen(const QHostAddress &address, quint16 port)
{
    ConnectionLimits limits = m_limits.connection;
    limits.answerTimeout = answerTimeout(m_limits);
    return GuardedServer::serve(this, address, port, limits, m_tls, m_accessLog.get());
}

void GatewayServer::setAccessLogOutput(std::FILE *out)
{
    auto log = std::make_unique<AccessLog>(out);
    connect(log.get(), &AccessLog::logged, this, &GatewayServer::callLogged);
    m_accessLog = std::move(log);
}

bool GatewayServer::isReady(QString *why) const
{
    const QString problem = m_upstream->tokenFile().problem();
    if (!m_upstream->tokenFile().token().isEmpty())
        return true;
    if (why)
        *why = problem;
    return false;
}

GatewayServer::Answer GatewayServer::healthAnswer(bool ok, const QString &text)
{
    Answer a;
    a.status = ok ? 200 : 503;
    a.contentType = "text/plain; charset=utf-8";
    a.body = text.toUtf8() + '\n';
    return a;
}

GatewayServer::Answer GatewayServer::statusAnswer(int code, const QString &reason, const QString &message)
{
    Answer a;
    a.status = code;
    a.body = ConnectionGuard::statusBody(code, reason, message);
    return a;
}

GatewayServer::Answer GatewayServer::refusal(
    int code, const QString &reason, const QString &message, const QString &why)
{
    Answer a = statusAnswer(code, reason, message);
    a.verdict = AccessLog::Verdict::deny(why);
    return a;
}

QByteArray GatewayServer::callerToken(const QList<QPair<QByteArray, QByteArray>> &headers, QString *problem)
{
    const auto fail = [problem](const QString &why) {
        if (problem)
            *problem = why;
        return QByteArray();
    };
    QByteArray value;
    int found = 0;
    for (const auto &[name, v] : headers) {
        if (name.compare("Authorization", Qt::CaseInsensitive) == 0) {
            ++found;
            value = v;
        }
    }
    if (found > 1)
        return fail(QStringLiteral("the request carries %1 Authorization headers; send one, \"Bearer\" and "
                                   "the cluster token")
                        .arg(found));
    value = value.trimmed();
    if (value.isEmpty())
        return {};
    constexpr QByteArrayView Scheme = "bearer ";
    if (value.size() < Scheme.size()
        || QByteArrayView(value).first(Scheme.size()).compare(Scheme, Qt::CaseInsensitive) != 0)
        return fail(QStringLiteral("the Authorization header must be \"Bearer\" and a cluster token; the "
                                   "gateway takes no other scheme"));
    QByteArray token = value.sliced(Scheme.size());
    const QString why = BearerToken::problem(token);
    if (!why.isEmpty())
        return fail(QStringLiteral("the cluster token in the Authorization header %1").arg(why));
    return token;
}

bool GatewayServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Call call;
    call.method = httpMethodName(request.method());
    call.path = request.url().path(QUrl::FullyEncoded);
    call.query = request.url().query(QUrl::FullyEncoded);
    call.body = request.body();
    call.contentType = request.value("Content-Type");
    call.client = ConnectionGuard::clientOf(socket);
    call.commonName = clientCommonName(socket);
    call.callerToken = callerToken(request.headers(), &call.authorizationProblem);
    auto responder = std::make_shared<QHttpServerResponder>(makeResponder(request, socket));
    // Runs on; finishes writing when the API server answers.
    serve(std::move(call), std::move(responder), QPointer<QTcpSocket>(socket));
    return true;
}

void GatewayServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    write(*std::make_unique<QHttpServerResponder>(makeResponder(request, socket)),
        statusAnswer(404, QStringLiteral("NotFound"),
            QStringLiteral("the server could not find the requested resource")));
}

QCoro::Task<> GatewayServer::serve(
    Call call, std::shared_ptr<QHttpServerResponder> responder, QPointer<QTcpSocket> socket)
{
    QElapsedTimer timer;
    timer.start();
    AccessLog::Entry entry;
    entry.client = call.client;
    entry.verb = call.method;
    entry.path = call.path + (call.query.isEmpty() ? QString() : QLatin1Char('?') + call.query);
    if (call.authorizationProblem.isEmpty())
        entry.identity = call.callerToken.isEmpty() ? QStringLiteral("gateway") : QStringLiteral("caller");
    const Answer result = co_await answer(std::move(call));
    if (socket)
        write(*responder, result);
    entry.time = QDateTime::currentDateTimeUtc();
    entry.status = result.status;
    entry.verdict = result.verdict;
    entry.milliseconds = timer.elapsed();
    m_accessLog->record(entry);
}

QCoro::Task<GatewayServer::Answer> GatewayServer::answer(Call call)
{
    if (call.method == "GET"
        && (call.path == QLatin1String("/healthz") || call.path == QLatin1String("/readyz"))) {
        Answer health;
        if (call.path == QLatin1String("/healthz")) {
            health = healthAnswer(true, QStringLiteral("ok"));
        } else {
            QString why;
            const bool ready = isReady(&why);
            const QString text = ready ? QStringLiteral("ok") : why;
            health = healthAnswer(ready, text);
        }
        health.verdict = AccessLog::Verdict::allow(QStringLiteral("health check"));
        co_return health;
    }
    if (!call.authorizationProblem.isEmpty())
        co_return refusal(400, QStringLiteral("BadRequest"),
            QStringLiteral("hanzo-kms-gateway cannot use the request's Authorization header: %1.")
                .arg(call.authorizationProblem),
            call.authorizationProblem);
    // ConnectionGuard refuses larger bodies before they are read; this holds without it too.
    if (call.body.size() > m_limits.connection.maxBodyBytes)
        co_return refusal(413, QStringLiteral("RequestEntityTooLarge"),
            QStringLiteral("the request body is larger than the gateway's limit of %1 bytes")
                .arg(m_limits.connection.maxBodyBytes),
            QStringLiteral("body over %1 bytes").arg(m_limits.connection.maxBodyBytes));
    if (call.method == "GET" && call.path == QLatin1String(PolicyPath)) {
        const GatewayClientPolicy *entry = m_policy.entryFor(call.commonName);
        if (!entry)
            co_return refuse(call, noEntry(call.commonName));
        QJsonObject body = entry->toJson();
        body.insert(QStringLiteral("kind"), QStringLiteral("GatewayClientPolicy"));
        Answer a;
        a.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        a.verdict = AccessLog::Verdict::allow(
            QStringLiteral("the client's own policy entry \"%1\"").arg(entry->subject));
        co_return a;
    }
    const GatewayClientPolicy *policy = m_policy.entryFor(call.commonName);
    if (!policy)
        co_return refuse(call, noEntry(call.commonName));
    const GatewayRoute::Decision route = GatewayRoute::check(call.method, call.path, QUrlQuery(call.query));
    if (!route.allowed())
        co_return refuse(call, route.reason);
    // A namespace the entry does not list but its namespaceSelector may allow:
    // the gateway reads its labels from the API server itself, with its own
    // account, for this call; for this call only, it counts as listed. A
    // namespace it cannot read is not allowed (deny by default).
    GatewayClientPolicy effective = *policy;
    if (!policy->namespaceSelector.isEmpty()) {
        for (const QString &ns : GatewayRules::namespacesOf(route, call.body)) {
            if (effective.allowsNamespace(ns) || !Names::isDns1123Label(ns))
                continue;
            const Answer found = co_await forward(
                "GET", corePath(QString(), QStringLiteral("namespaces"), ns), {}, {}, QByteArray());
            const QJsonObject meta
                = QJsonDocument::fromJson(found.body).object().value(QLatin1String("metadata")).toObject();
            if (found.status == 200 && meta.value(QLatin1String("name")).toString() == ns
                && policy->selectsNamespace(meta.value(QLatin1String("labels")).toObject()))
                effective.namespaces << ns;
        }
    }
    const QString outOfScope = GatewayRules::scope(effective, route);
    if (!outOfScope.isEmpty())
        co_return refuse(call, outOfScope);
    Answer result = co_await answerAllowed(std::move(call), route, &effective);
    // What the policy let through, also when the API server then refused it.
    if (result.verdict.allowed && result.verdict.reason.isEmpty())
        result.verdict = AccessLog::Verdict::allow(allowedBecause(effective, route));
    co_return result;
}

QCoro::Task<GatewayServer::Answer> GatewayServer::answerAllowed(
    Call call, GatewayRoute::Decision route, const GatewayClientPolicy *policy)
{
    const QString target = call.path + (call.query.isEmpty() ? QString() : QLatin1Char('?') + call.query);

    switch (route.kind) {
    case GatewayRoute::Kind::Refused:
        break;
    case GatewayRoute::Kind::Discovery:
    case GatewayRoute::Kind::Review:
        co_return co_await forward(call.method, target, call.body, call.contentType, call.callerToken);
    case GatewayRoute::Kind::Read:
    case GatewayRoute::Kind::List: {
        Answer result = co_await forward("GET", target, {}, {}, call.callerToken);
        if (route.kind == GatewayRoute::Kind::Read && result.status == 200
            && !GatewayRules::readable(*policy, route, QJsonDocument::fromJson(result.body).object()))
            co_return refuse(call,
                QStringLiteral("the gateway shows only objects labelled %1=%2 and the accounts and roles its "
                               "policy names")
                    .arg(LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue));
        if (route.resource == GatewayRoute::Resource::Namespace)
            result.body = GatewayRules::redactAnswer(result.body,
                [policy, route](const QJsonObject &o) { return GatewayRules::readable(*policy, route, o); });
        else
            result.body = GatewayRules::redactAnswer(
                result.body, [](const QJsonObject &o) { return LeaseLabels::isManaged(o); });
        co_return result;
    }
    case GatewayRoute::Kind::Create: {
        GatewayRules::BindingSubject subject;
        const QString problem
            = GatewayRules::checkCreate(*policy, route, call.body, QDateTime::currentDateTimeUtc(), &subject);
        if (!problem.isEmpty())
            co_return refuse(call, problem);
        if (route.resource == GatewayRoute::Resource::RoleBinding
            || route.resource == GatewayRoute::Resource::ClusterRoleBinding) {
            const QString notSameLease = co_await verifySameLease(
                corePath(subject.namespaceName, QStringLiteral("serviceaccounts"), subject.name),
                QStringLiteral("service account \"%1/%2\"").arg(subject.namespaceName, subject.name),
                subject.leaseId,
                QStringLiteral(
                    "the binding's subject, %1, is not the service account of the same lease (label %2=%3)"),
                QStringLiteral("service account"), call.callerToken);
            if (!notSameLease.isEmpty())
                co_return refuse(call, notSameLease);
        }
        if (subject.generatedRole) {
            const QString notSameLease = co_await verifySameLease(
                objectPath(subject.roleKind, subject.roleNamespace, subject.roleName),
                describeObject(subject.roleKind, subject.roleNamespace, subject.roleName), subject.leaseId,
                QStringLiteral(
                    "the binding's role, %1, is neither in the policy's roles nor the role generated "
                    "for the same lease (label %2=%3)"),
                QStringLiteral("generated role"), call.callerToken);
            if (!notSameLease.isEmpty())
                co_return refuse(call, notSameLease);
        }
        Answer result = co_await forward("POST", target, call.body, call.contentType, call.callerToken);
        if (result.status == 201
            && (route.resource == GatewayRoute::Resource::ServiceAccount
                || route.resource == GatewayRoute::Resource::Role
                || route.resource == GatewayRoute::Resource::ClusterRole)) {
            const QString name = QJsonDocument::fromJson(result.body)
                                     .object()
                                     .value(QLatin1String("metadata"))
                                     .toObject()
                                     .value(QLatin1String("name"))
                                     .toString();
            emit leaseObjectCreated(GatewayRoute::resourceName(route.resource) + QLatin1Char(' ')
                + route.namespaceName + QLatin1Char('/') + name);
        }
        result.body = GatewayRules::redactAnswer(result.body, [](const QJsonObject &) { return false; });
        co_return result;
    }
    case GatewayRoute::Kind::TokenRequest:
        co_return co_await checkedTokenRequest(std::move(call), route, policy);
    case GatewayRoute::Kind::Delete:
        co_return co_await checkedDelete(std::move(call), route);
    }
    co_return refuse(call, QStringLiteral("the gateway forwards only the calls of Hanzo KMS leases"));
}

GatewayServer::Answer GatewayServer::refuse(const Call &call, const QString &reason)
{
    return refusal(403, QStringLiteral("Forbidden"),
        QStringLiteral("hanzo-kms-gateway refuses %1 %2: %3")
            .arg(QString::fromLatin1(call.method), call.path, reason),
        reason);
}

QCoro::Task<GatewayServer::Answer> GatewayServer::checkedTokenRequest(
    Call call, GatewayRoute::Decision route, const GatewayClientPolicy *policy)
{
    const QString problem = GatewayRules::checkTokenRequest(*policy, call.body);
    if (!problem.isEmpty())
        co_return refuse(call, problem);
    if (!policy->allowsStaticServiceAccount(route.namespaceName, route.name)) {
        // Not a static account: only a lease's own, which says so in its labels.
        const Answer account = co_await forward("GET",
            corePath(route.namespaceName, QStringLiteral("serviceaccounts"), route.name), {}, {},
            call.callerToken);
        if (account.status == 403)
            co_return refuse(call,
                QStringLiteral("%1 may not read service account \"%2/%3\" to check that it is a "
                               "lease's (its RBAC lacks \"get\" on serviceaccounts)")
                    .arg(reader(call.callerToken), route.namespaceName, route.name));
        if (account.status != 200) {
            Answer passed = account;
            passed.body = GatewayRules::redactAnswer(passed.body, [](const QJsonObject &) { return false; });
            co_return passed;
        }
        const QString notManaged = GatewayRules::checkManagedAccount(
            QJsonDocument::fromJson(account.body).object(), QDateTime::currentDateTimeUtc());
        if (!notManaged.isEmpty())
            co_return refuse(call, notManaged);
    }
    const QString target = call.path + (call.query.isEmpty() ? QString() : QLatin1Char('?') + call.query);
    co_return co_await forward("POST", target, call.body, call.contentType, call.callerToken);
}

QCoro::Task<QString> GatewayServer::verifySameLease(
    QString path, QString what, QString leaseId, QString notOurs, QString madeWith, QByteArray callerToken)
{
    const QDeadlineTimer deadline(m_limits.accountWait);
    while (true) {
        const Answer found = co_await forward("GET", path, {}, {}, callerToken);
        if (found.status == 200) {
            const QJsonObject object = QJsonDocument::fromJson(found.body).object();
            if (!LeaseLabels::isManaged(object) || LeaseLabels::leaseIdOf(object) != leaseId)
                co_return notOurs.arg(what, LeaseLabels::LeaseId, leaseId);
            co_return QString();
        }
        if (found.status == 403)
            co_return QStringLiteral("%1 may not read %2 to check that it belongs to the same lease "
                                     "(its RBAC lacks \"get\" on it)")
                .arg(reader(callerToken), what);
        if (found.status != 404)
            co_return QStringLiteral("reading %1 to check the binding failed with HTTP %2")
                .arg(what)
                .arg(found.status);
        if (deadline.hasExpired())
            co_return QStringLiteral("%1 does not exist; a lease's binding is made with its %2")
                .arg(what, madeWith);
        // The desktop creates the object at the same moment: wait for it
        // (another gateway replica may make it, so look again now and then).
        const auto wait
            = std::min(std::chrono::milliseconds(deadline.remainingTime()), std::chrono::milliseconds(1000));
        co_await waitForSignal(this, &GatewayServer::leaseObjectCreated, wait);
    }
}

QCoro::Task<GatewayServer::Answer> GatewayServer::checkedDelete(Call call, GatewayRoute::Decision route)
{
    QString why;
    std::optional<GatewayRules::DeleteOptions> options = GatewayRules::parseDeleteOptions(call.body, &why);
    if (!options)
        co_return refuse(call, why);
    const QString target = call.path + (call.query.isEmpty() ? QString() : QLatin1Char('?') + call.query);
    const QString what = GatewayRoute::resourceName(route.resource);
    // Delete only what Hanzo KMS made: read the object first, and delete
    // exactly the object read (its uid as a precondition).
    const Answer existing = co_await forward("GET", call.path, {}, {}, call.callerToken);
    if (existing.status == 200) {
        const QJsonObject object = QJsonDocument::fromJson(existing.body).object();
        if (!LeaseLabels::isManaged(object))
            co_return refuse(call,
                QStringLiteral("the gateway deletes only objects labelled %1=%2, and this one is not")
                    .arg(LeaseLabels::ManagedBy, LeaseLabels::ManagedByValue));
        if (options->uid.isEmpty())
            options->uid
                = object.value(QLatin1String("metadata")).toObject().value(QLatin1String("uid")).toString();
    } else if (existing.status == 403) {
        // The setup guide's RBAC has no "get" on bindings: then only the uid
        // the desktop recorded when it made the object will do, and the API
        // server refuses (409) any other object of that name.
        if (options->uid.isEmpty() && call.callerToken.isEmpty())
            co_return refuse(call,
                QStringLiteral(
                    "the gateway may not read it to check its %1 label (its RBAC lacks \"get\" on %2) "
                    "and the request carries no preconditions.uid; grant \"get\" on %2 as "
                    "packaging/gateway/rbac.yaml does")
                    .arg(LeaseLabels::ManagedBy, what));
        if (options->uid.isEmpty())
            co_return refuse(call,
                QStringLiteral("the caller's cluster token may not read it to check its %1 label (its RBAC "
                               "lacks \"get\" on %2) and the request carries no preconditions.uid; grant "
                               "the token's account \"get\" on %2")
                    .arg(LeaseLabels::ManagedBy, what));
        qCInfo(lcGateway).noquote() << QStringLiteral("cannot read %1 to check its label; deleting it only "
                                                      "with the uid precondition the client recorded")
                                           .arg(call.path);
    } else {
        Answer passed = existing;
        passed.body = GatewayRules::redactAnswer(passed.body, [](const QJsonObject &) { return false; });
        co_return passed;
    }
    Answer result
        = co_await forward("DELETE", target, options->toJson(), "application/json", call.callerToken);
    result.body = GatewayRules::redactAnswer(result.body, [](const QJsonObject &) { return false; });
    co_return result;
}

QCoro::Task<GatewayServer::Answer> GatewayServer::forward(
    QByteArray method, QString pathAndQuery, QByteArray body, QByteArray contentType, QByteArray callerToken)
{
    QUrl url = m_upstream->baseUrl();
    const qsizetype q = pathAndQuery.indexOf(QLatin1Char('?'));
    const QString path = q < 0 ? pathAndQuery : pathAndQuery.left(q);
    url.setPath(url.path(QUrl::FullyEncoded) + path, QUrl::StrictMode);
    if (q >= 0)
        url.setQuery(pathAndQuery.mid(q + 1), QUrl::StrictMode);

    QNetworkRequest request(url);
    request.setSslConfiguration(m_upstream->sslConfiguration());
    request.setTransferTimeout(int(m_limits.upstreamTimeout.count()));
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("User-Agent", "hanzo-kms-gateway");
    if (!body.isEmpty())
        request.setRawHeader(
            "Content-Type", contentType.isEmpty() ? QByteArray("application/json") : contentType);
    // The caller's own identity, or the gateway's; never both, never another header of the client's.
    if (callerToken.isEmpty())
        m_upstream->authorize(request);
    else
        request.setRawHeader("Authorization", "Bearer " + callerToken);

    // deleteLater: the reply is still inside its own finished() when the coroutine resumes.
    struct Later {
        void operator()(QNetworkReply *r) const { r->deleteLater(); }
    };
    std::unique_ptr<QNetworkReply, Later> reply(body.isEmpty() && method != "POST"
            ? m_nam->sendCustomRequest(request, method)
            : m_nam->sendCustomRequest(request, method, body));
    const std::shared_ptr<bool> tooLarge = abortAnswersLargerThan(reply.get(), m_limits.maxAnswerBytes);
    co_await reply.get();

    const QVariant code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (*tooLarge)
        co_return statusAnswer(502, QStringLiteral("BadGateway"),
            QStringLiteral("the API server's answer is larger than the gateway's limit of %1")
                .arg(describeSize(m_limits.maxAnswerBytes)));
    // A status line followed by a dropped connection: the body is not whole.
    if (code.isValid() && isTransportError(reply->error()))
        co_return statusAnswer(502, QStringLiteral("BadGateway"),
            QStringLiteral("the API server's answer was cut off (%1)")
                .arg(escapeControls(reply->errorString())));
    if (!code.isValid()) {
        const auto error = reply->error();
        if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError)
            co_return statusAnswer(504, QStringLiteral("Timeout"),
                QStringLiteral("hanzo-kms-gateway got no answer from the API server within %1 s")
                    .arg(m_limits.upstreamTimeout.count() / 1000.0));
        co_return statusAnswer(502, QStringLiteral("ServiceUnavailable"),
            QStringLiteral("hanzo-kms-gateway cannot reach the API server at %1: %2")
                .arg(m_upstream->describe(), reply->errorString()));
    }
    Answer a;
    a.status = code.toInt();
    a.body = reply->readAll();
    const QByteArray type = reply->rawHeader("Content-Type");
    if (!type.isEmpty())
        a.contentType = type;
    for (const auto &[name, value] : reply->rawHeaderPairs()) {
        if (name.compare("Warning", Qt::CaseInsensitive) == 0)
            a.warnings.append(value);
    }
    a.retryAfter = reply->rawHeader("Retry-After");
    co_return a;
}

void GatewayServer::write(QHttpServerResponder &responder, const Answer &answer)
{
    responder.writeStatusLine(static_cast<QHttpServerResponder::StatusCode>(answer.status));
    responder.writeHeader("Content-Type", answer.contentType);
    responder.writeHeader("Content-Length", QByteArray::number(answer.body.size()));
    for (const QByteArray &warning : answer.warnings)
        responder.writeHeader("Warning", warning);
    if (!answer.retryAfter.isEmpty())
        responder.writeHeader("Retry-After", answer.retryAfter);
    responder.writeBody(answer.body);
}

} // namespace kms
