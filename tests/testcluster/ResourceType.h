#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace kms::testcluster {

// A kind of object the cluster stores, as discovery describes it.
struct ResourceType {
    QString group;
    QString version;
    QString plural;
    QString singular;
    QString kind;
    bool namespaced = true;
    QStringList shortNames;
    QStringList categories; // "all" for kubectl get all
    // DELETE answers with the deleted object (else a Status Success).
    bool returnDeletedObject = false;
    // Subresources listed by discovery: name -> kind ("token" -> "TokenRequest").
    QList<QPair<QString, QString>> subresources;

    QString apiVersion() const { return group.isEmpty() ? version : group + u'/' + version; }
    QString listKind() const { return kind + QStringLiteral("List"); }
    QString groupResource() const { return group.isEmpty() ? plural : plural + u'.' + group; }
};

// The review kinds (TokenReview, SelfSubjectAccessReview, ...): created,
// answered, never stored.
struct ReviewResource {
    QString group;
    QString plural;
    QString singular;
    QString kind;
    bool namespaced = false;
};
const QList<ReviewResource> &reviewResources();
const ReviewResource *findReview(const QString &group, const QString &plural);

// The stored kinds, in discovery order.
const QList<ResourceType> &storedResources();
const ResourceType *findResource(const QString &group, const QString &version, const QString &plural);
const ResourceType *findKind(const QString &apiVersion, const QString &kind);

} // namespace kms::testcluster
