#pragma once

#include <QByteArray>
#include <QString>
#include <QUrlQuery>

namespace kms {

// Which of the desktop's calls a request is, read from its method, path and
// query alone: the kind of call, the object it names and where. Anything that
// is not one of the product's calls (service accounts and their tokens, lease
// Secrets, bindings, roles, the review APIs, discovery) is refused
// here; GatewayRules then decides, with the caller's policy and the body,
// whether this caller may make it.
class GatewayRoute {
public:
    enum class Kind {
        Refused,
        Discovery, // GET /version, /api, /apis, /api/v1, /apis/<group>/v1
        Read, // GET one object
        List, // GET a collection, only with the hanzo-kms label selector
        Create, // POST an object
        Delete, // DELETE one object
        TokenRequest, // POST serviceaccounts/<name>/token
        Review, // POST selfsubjectaccessreviews (the desktop's preflight)
    };
    enum class Resource {
        None,
        ServiceAccount,
        Secret,
        RoleBinding,
        ClusterRoleBinding,
        Role,
        ClusterRole,
        Namespace, // read and listed only: New Lease's choices, a selector's check
    };

    struct Decision {
        Kind kind = Kind::Refused;
        Resource resource = Resource::None;
        QString namespaceName; // empty for cluster-scoped objects
        QString name; // empty for collections
        QString reason; // when refused: why, in one sentence

        bool allowed() const { return kind != Kind::Refused; }
        // The answer may contain Secret objects.
        bool secretsInResponse() const { return resource == Resource::Secret; }
    };

    // path is the request path as sent (percent-encoded).
    static Decision check(const QByteArray &method, const QString &path, const QUrlQuery &query);

    // Whether a label selector ("a=b,c!=d") requires app.kubernetes.io/managed-by=hanzo-kms.
    static bool selectsManaged(const QString &labelSelector);

    // "serviceaccounts", "rolebindings.rbac.authorization.k8s.io", ... as the API server names them.
    static QString resourceName(Resource resource);
};

} // namespace kms
