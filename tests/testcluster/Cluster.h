#pragma once

#include "Rbac.h"
#include "Selector.h"
#include "Store.h"
#include "TokenAuthority.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace kms::testcluster {

class Pki;

struct ApiRequest {
    QByteArray method;
    QString path; // decoded, without the query
    QUrlQuery query;
    QByteArray body;
    QByteArray contentType;
    QByteArray accept;
    QByteArray authorization; // the Authorization header, as sent
};

// One change, as a watch reports it.
struct WatchEvent {
    const ResourceType *type = nullptr;
    QString eventType; // ADDED, MODIFIED, DELETED
    QJsonObject object;
    quint64 resourceVersion = 0;
};

// An accepted watch: what to send first, and which later events to stream.
struct WatchRequest {
    const ResourceType *type = nullptr;
    QString ns;
    LabelSelector labels;
    FieldSelector fields;
    qint64 timeoutSeconds = 1800;
    QList<QByteArray> initialEvents; // encoded, newline-terminated
    bool endAfterInitial = false; // an ERROR event ends the stream
    // For kubectl's human output: each event's object as a one-row Table.
    std::function<QJsonObject(const QJsonObject &)> transform;
    bool matches(const WatchEvent &event) const;
    static QByteArray encode(const QString &eventType, const QJsonObject &object);
    QByteArray encodeEvent(const QString &eventType, const QJsonObject &object) const
    {
        return encode(eventType, transform ? transform(object) : object);
    }
};

// Whether an Accept header (empty: anything) takes this media type, or JSON.
bool acceptsMediaType(const QByteArray &accept, const QByteArray &mediaType);
bool acceptsJson(const QByteArray &accept);

struct ApiResponse {
    int status = 200;
    QByteArray body;
    QByteArray contentType = "application/json";
    QList<QPair<QByteArray, QByteArray>> headers;
    std::shared_ptr<WatchRequest> watch; // set: stream events instead of a body
};

// The API server's behaviour, independent of HTTP: authentication,
// authorization, the handlers of kubernetes-api.md and the controllers
// (token controller, garbage collector) that run as a cluster's would.
class Cluster {
public:
    struct Options {
        QByteArray adminToken;
        qint64 maxTokenExpirationSeconds = 0; // 0: no cap
        QString serverAddress; // host:port, for /api
        // --token-auth-file users: token -> user (groups include system:authenticated).
        QHash<QByteArray, UserInfo> staticTokens;
    };

    Cluster(const Pki &pki, Options options);

    // kube-apiserver's --token-auth-file: CSV lines `token,user,uid[,"group1,group2"]`.
    // Returns false with *error naming the line when the file is malformed.
    static bool parseTokenAuthFile(
        const QByteArray &content, QHash<QByteArray, UserInfo> *tokens, QString *error);

    ApiResponse handle(const ApiRequest &request);

    // Who the Authorization header names; nullopt when it names no one (401).
    std::optional<UserInfo> authenticate(const QByteArray &authorization) const;

    // Seconds a successful authentication is cached (kube-apiserver: 10; here 0 by default).
    qint64 tokenCacheSeconds() const { return m_tokenCacheSeconds; }
    void setTokenCacheSeconds(qint64 seconds)
    {
        m_tokenCacheSeconds = seconds;
        m_tokenCache.clear();
    }

    QDateTime now() const;
    qint64 clockOffsetSeconds() const { return m_clockOffsetSeconds; }
    void setClockOffsetSeconds(qint64 seconds) { m_clockOffsetSeconds = seconds; }
    qint64 maxTokenExpirationSeconds() const { return m_options.maxTokenExpirationSeconds; }
    void setMaxTokenExpirationSeconds(qint64 seconds) { m_options.maxTokenExpirationSeconds = seconds; }
    void setServerAddress(const QString &address) { m_options.serverAddress = address; }
    const TokenAuthority &tokens() const { return m_tokens; }
    // Where every change goes, for the open watches (the HTTP front end).
    void setWatchSink(std::function<void(const WatchEvent &)> sink) { m_watchSink = std::move(sink); }

    // The authorizer's decisions on resource requests, oldest first, so that
    // a test can tell which permissions an identity used and which it lacked.
    // The oldest go past MaxAuthorizations.
    struct Authorization {
        QString user;
        RequestAttributes attributes;
        bool allowed = false;
    };
    static constexpr qsizetype MaxAuthorizations = 100000;
    const std::deque<Authorization> &authorizations() const { return m_authorizations; }
    void clearAuthorizations() { m_authorizations.clear(); }

private:
    // What a request addresses, as k8s.io/apiserver's RequestInfo resolves it.
    struct Route {
        bool resourceRequest = false;
        QString group;
        QString version;
        QString resource;
        QString subresource;
        QString name;
        QString ns;
        QString verb;
        QString path;
    };
    struct CachedAuthentication {
        TokenAuthority::Result result;
        QDateTime until;
    };
    // Authentication with the side effects of a real server: the success cache,
    // the legacy-token-last-used label and the auto-generated token warning.
    TokenAuthority::Result authenticateToken(
        const QString &token, const QStringList &audiences, QList<QPair<QByteArray, QByteArray>> *warnings);
    ApiResponse handleAuthenticated(
        const ApiRequest &request, QList<QPair<QByteArray, QByteArray>> *warnings);
    ApiResponse dispatch(const ApiRequest &request, const UserInfo &user, const Route &route);
    ApiResponse nonResource(const ApiRequest &request, const Route &route);

    QJsonObject createObject(const ResourceType &type, const Route &route, const UserInfo &user,
        QJsonObject body, const QUrlQuery &query);
    QJsonObject updateObject(const ResourceType &type, const Route &route, const UserInfo &user,
        QJsonObject body, bool isPatch, const QUrlQuery &query);
    ApiResponse deleteObject(
        const ResourceType &type, const Route &route, const QJsonObject &options, const QUrlQuery &query);
    std::shared_ptr<WatchRequest> startWatch(
        const ResourceType &type, const Route &route, const QUrlQuery &query, bool table);
    QJsonObject listObjects(const ResourceType &type, const Route &route, const QUrlQuery &query);

    ApiResponse tokenRequest(const Route &route, const QJsonObject &body);
    QJsonObject tokenReview(const QJsonObject &body);
    QJsonObject subjectAccessReview(
        const QJsonObject &body, const UserInfo &user, const QString &kind, const QString &urlNamespace);
    QJsonObject selfSubjectRulesReview(const QJsonObject &body, const UserInfo &user);
    QJsonObject selfSubjectReview(const UserInfo &user);

    void validate(
        const ResourceType &type, const QJsonObject &object, const std::optional<QJsonObject> &old) const;
    void checkRbacEscalation(
        const ResourceType &type, const UserInfo &user, const QJsonObject &object, const QString &ns) const;
    void prepareSecret(QJsonObject &secret) const;

    // Controllers: run right after the write that triggers them.
    void tokenControllerOnSecret(const QJsonObject &secret);
    void tokenControllerOnServiceAccountDeleted(const QJsonObject &serviceAccount);
    void garbageCollect(const QString &ownerUid, bool orphan);
    void removeObject(const ResourceType &type, const QJsonObject &object, bool orphanDependents);

    QJsonObject discoveryResourceList(const QString &group, const QString &version) const;

    Options m_options;
    qint64 m_clockOffsetSeconds = 0;
    qint64 m_tokenCacheSeconds = 0;
    std::deque<WatchEvent> m_history; // the watch cache: recent events, oldest first
    std::function<void(const WatchEvent &)> m_watchSink;
    QHash<QString, CachedAuthentication> m_tokenCache;
    std::deque<Authorization> m_authorizations;
    Store m_store;
    Rbac m_rbac;
    TokenAuthority m_tokens;
    const Pki &m_pki;
};

} // namespace kms::testcluster
