#pragma once

#include <QString>

namespace kms {

// The kinds of object this product creates, deletes, sweeps or applies from a
// manifest, and where the API server keeps each of them.
struct ObjectKind {
    const char *kind; // "RoleBinding"
    const char *apiVersion; // "v1" (the core group) or "group/version"
    const char *resource; // the plural in the path: "rolebindings"
    bool namespaced;
};

// The table's entry for a kind, or nullptr for a kind it does not hold.
const ObjectKind *findObjectKind(const QString &kind);

// The REST path of an object of a known kind, or of its collection when name
// is empty: ("RoleBinding", "team-a", "x") ->
// /apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings/x. A
// cluster-scoped kind ignores ns; a namespaced collection with an empty ns
// spans every namespace. Empty for a kind not in the table.
QString objectPath(const QString &kind, const QString &ns, const QString &name = {});

// An object in messages: "ServiceAccount team-a/x", "ClusterRoleBinding x".
QString describeObject(const QString &kind, const QString &ns, const QString &name);

} // namespace kms
