#pragma once

#include <QByteArray>
#include <QString>
#include <QUrlQuery>

namespace kms {

// Which calls hanzo-kms-gateway forwards to the API server: exactly those the
// desktop makes (service accounts and their tokens, lease Secrets, bindings,
// role lookups, access/token reviews, discovery), each with its method.
// Everything else is refused before the cluster sees it.
class GatewayPolicy {
public:
    enum class Kind {
        Refused,
        Discovery, // GET /version, /api, /apis, /api/v1, /apis/<group>/v1
        Read, // GET one object
        List, // GET a collection, only with the hanzo-kms label selector
        Create, // POST an object that carries the hanzo-kms label
        Delete, // DELETE one object (the server checks its label first)
        TokenRequest, // POST serviceaccounts/<name>/token
        Review, // POST self-subject access/rules reviews, token reviews
    };

    struct Decision {
        Kind kind = Kind::Refused;
        QString reason; // when refused: why, in one sentence
        // The answer may contain Secret objects: the gateway strips their data.
        bool secretsInResponse = false;

        bool allowed() const { return kind != Kind::Refused; }
    };

    // path is the request path as sent (percent-encoded); body only matters for POST.
    static Decision check(
        const QByteArray &method, const QString &path, const QUrlQuery &query, const QByteArray &body);

    // Whether a label selector ("a=b,c!=d") requires app.kubernetes.io/managed-by=hanzo-kms.
    static bool selectsManaged(const QString &labelSelector);
};

} // namespace kms
