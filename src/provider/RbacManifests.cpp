#include "provider/RbacManifests.h"

#include <yaml-cpp/yaml.h>

namespace kms {

namespace {

void rule(YAML::Emitter &out, const std::string &group, std::initializer_list<const char *> resources,
    std::initializer_list<const char *> verbs, const std::string &resourceName = {})
{
    out << YAML::BeginMap;
    out << YAML::Key << "apiGroups" << YAML::Value << YAML::Flow << YAML::BeginSeq << group << YAML::EndSeq;
    out << YAML::Key << "resources" << YAML::Value << YAML::BeginSeq;
    for (const char *r : resources)
        out << r;
    out << YAML::EndSeq;
    if (!resourceName.empty())
        out << YAML::Key << "resourceNames" << YAML::Value << YAML::Flow << YAML::BeginSeq << resourceName
            << YAML::EndSeq;
    out << YAML::Key << "verbs" << YAML::Value << YAML::BeginSeq;
    for (const char *v : verbs)
        out << v;
    out << YAML::EndSeq << YAML::EndMap;
}

void binding(YAML::Emitter &out, const char *kind, const std::string &name, const std::string &ns,
    const char *roleKind, const std::string &role, const RbacRequester &requester)
{
    out << YAML::BeginDoc << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "rbac.authorization.k8s.io/v1";
    out << YAML::Key << "kind" << YAML::Value << kind;
    out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
        << name;
    if (!ns.empty())
        out << YAML::Key << "namespace" << YAML::Value << ns;
    out << YAML::EndMap;
    out << YAML::Key << "roleRef" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "apiGroup" << YAML::Value << "rbac.authorization.k8s.io";
    out << YAML::Key << "kind" << YAML::Value << roleKind;
    out << YAML::Key << "name" << YAML::Value << role << YAML::EndMap;
    out << YAML::Key << "subjects" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "kind" << YAML::Value << "ServiceAccount";
    out << YAML::Key << "name" << YAML::Value << requester.serviceAccount.toStdString();
    out << YAML::Key << "namespace" << YAML::Value << requester.namespaceName.toStdString();
    out << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
}

} // namespace

RbacRequester RbacManifests::requesterFor(const DynamicSecret &secret)
{
    RbacRequester requester;
    if (secret.authMethod == AuthMethod::Gateway) {
        requester.serviceAccount = QStringLiteral("kms-gateway");
        requester.namespaceName = QStringLiteral("kms");
        requester.isGateway = true;
    }
    return requester;
}

QByteArray RbacManifests::generate(const DynamicSecret &secret, const RbacRequester &requester)
{
    const bool dynamic = secret.credentialType == CredentialType::Dynamic;
    const std::string sa = requester.serviceAccount.toStdString();
    const std::string ns = requester.namespaceName.toStdString();
    YAML::Emitter out;

    if (!requester.isGateway) {
        out << YAML::BeginDoc << YAML::BeginMap;
        out << YAML::Key << "apiVersion" << YAML::Value << "v1";
        out << YAML::Key << "kind" << YAML::Value << "ServiceAccount";
        out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "name" << YAML::Value << sa << YAML::Key << "namespace" << YAML::Value << ns;
        out << YAML::EndMap << YAML::EndMap;
    }

    out << YAML::BeginDoc << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "rbac.authorization.k8s.io/v1";
    out << YAML::Key << "kind" << YAML::Value << "ClusterRole";
    out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
        << "tokenrequest" << YAML::EndMap;
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    // Exactly what the secret's calls use (tests/integration/tst_gateway_rbac
    // measures it): a token request is the only call on serviceaccounts/token.
    const std::string rbac = "rbac.authorization.k8s.io";
    rule(out, "", { "serviceaccounts/token" }, { "create" });
    if (dynamic) {
        // get: to check a lease's account (a gateway reads it before a token
        // request or a binding) and an object before it goes; list: the sweep.
        rule(out, "", { "serviceaccounts" }, { "create", "get", "delete", "list" });
        bool namespaceBindings = false;
        for (const RoleRef &role : secret.boundRoles())
            namespaceBindings = namespaceBindings || !secret.bindsClusterWide(role);
        if (secret.generatesRole()
            && !(secret.generatedRoleType == RoleType::ClusterRole && secret.clusterWide))
            namespaceBindings = true;
        if (secret.anyClusterWideBinding())
            rule(out, rbac, { "clusterrolebindings" }, { "create", "delete", "get", "list" });
        if (namespaceBindings)
            rule(out, rbac, { "rolebindings" }, { "create", "delete", "get", "list" });
        else // The sweep looks for bindings in the allowed namespaces too.
            rule(out, rbac, { "rolebindings" }, { "list" });
        // Test Connection checks that each role exists.
        for (const RoleRef &role : secret.boundRoles())
            rule(out, rbac, { role.kind == RoleType::ClusterRole ? "clusterroles" : "roles" }, { "get" },
                role.name.toStdString());
        // A generated role is created, read (the gateway checks a binding's
        // role), listed (the sweep) and deleted with its lease.
        if (secret.generatesRole())
            rule(out, rbac, { secret.generatedRoleType == RoleType::ClusterRole ? "clusterroles" : "roles" },
                { "create", "delete", "get", "list" });
        if (secret.namespacesOpen())
            rule(out, "", { "namespaces" }, { "get", "list" });
    } else {
        // Test Connection checks that the account exists.
        rule(out, "", { "serviceaccounts" }, { "get" });
        if (secret.boundTokens)
            rule(out, "", { "secrets" }, { "create", "get", "delete", "list" });
    }
    out << YAML::EndSeq << YAML::EndMap;

    binding(out, "ClusterRoleBinding", "tokenrequest", {}, "ClusterRole", "tokenrequest", requester);

    if (dynamic) {
        // The requester may grant a role only when it holds its rules: bind it
        // to every role the secret's leases are bound to.
        const QList<RoleRef> roles = secret.boundRoles();
        for (qsizetype i = 0; i < roles.size(); ++i) {
            const std::string role = roles.at(i).name.toStdString();
            const std::string name = i == 0 ? std::string("kms-dynamic-role-binding-sa")
                                            : "kms-dynamic-role-binding-sa-" + std::to_string(i + 1);
            if (roles.at(i).kind == RoleType::ClusterRole) {
                binding(out, "ClusterRoleBinding", name, {}, "ClusterRole", role, requester);
            } else {
                for (const QString &target : secret.listedNamespaces())
                    binding(out, "RoleBinding", name, target.toStdString(), "Role", role, requester);
            }
        }
        if (secret.generatesRole()) {
            // The generated role's rules, held by the requester where leases use them.
            const std::string name = "kms-generated-rules-" + secret.name.toStdString();
            out << YAML::BeginDoc << YAML::BeginMap;
            out << YAML::Key << "apiVersion" << YAML::Value << "rbac.authorization.k8s.io/v1";
            out << YAML::Key << "kind" << YAML::Value << "ClusterRole";
            out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name"
                << YAML::Value << name << YAML::EndMap;
            out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
            for (const PolicyRule &r : secret.generatedRules) {
                out << YAML::BeginMap;
                const auto list = [&out](const char *key, const QStringList &values) {
                    if (values.isEmpty())
                        return;
                    out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
                    for (const QString &v : values)
                        out << YAML::DoubleQuoted << v.toStdString();
                    out << YAML::EndSeq;
                };
                list("apiGroups", r.apiGroups);
                list("resources", r.resources);
                list("resourceNames", r.resourceNames);
                list("nonResourceURLs", r.nonResourceURLs);
                list("verbs", r.verbs);
                out << YAML::EndMap;
            }
            out << YAML::EndSeq << YAML::EndMap;
            // Cluster-wide where leases may go anywhere ("*" or a selector).
            if ((secret.generatedRoleType == RoleType::ClusterRole && secret.clusterWide)
                || secret.namespacesOpen()) {
                binding(out, "ClusterRoleBinding", name, {}, "ClusterRole", name, requester);
            } else {
                for (const QString &target : secret.listedNamespaces())
                    binding(out, "RoleBinding", name, target.toStdString(), "ClusterRole", name, requester);
            }
        }
    }

    if (!requester.isGateway) {
        out << YAML::BeginDoc << YAML::BeginMap;
        out << YAML::Key << "apiVersion" << YAML::Value << "v1";
        out << YAML::Key << "kind" << YAML::Value << "Secret";
        out << YAML::Key << "type" << YAML::Value << "kubernetes.io/service-account-token";
        out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "name" << YAML::Value << sa + "-token";
        out << YAML::Key << "namespace" << YAML::Value << ns;
        out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "kubernetes.io/service-account.name" << YAML::Value << sa;
        out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
    }
    return QByteArray(out.c_str()) + '\n';
}

} // namespace kms
