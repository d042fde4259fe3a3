#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QString>

namespace kms {

// The marks every object this app creates carries, so that anyone with
// kubectl (and the gateway's reaper) can find what a lease left behind.
namespace LeaseLabels {
inline const QString ManagedBy = QStringLiteral("app.kubernetes.io/managed-by");
inline const QString ManagedByValue = QStringLiteral("hanzo-kms");
inline const QString LeaseId = QStringLiteral("kms.hanzo.ai/lease-id");
inline const QString Secret = QStringLiteral("kms.hanzo.ai/secret");
inline const QString ExpiresAt = QStringLiteral("kms.hanzo.ai/expires-at"); // an annotation, RFC 3339

// "app.kubernetes.io/managed-by=hanzo-kms", URL-encoded for a labelSelector query.
QString managedSelectorQuery();

// metadata for an object of a lease: the secret's extra labels and
// annotations, then the product's own (which the secret may not set).
QJsonObject metadata(const QString &name, const QString &namespaceName, const QString &leaseId,
    const QString &secretName, const QDateTime &expiresAt, const QMap<QString, QString> &extraLabels = {},
    const QMap<QString, QString> &extraAnnotations = {});

// The lease id of an object's metadata (empty when not ours).
QString leaseIdOf(const QJsonObject &object);
// The expiry annotation of an object's metadata (null when absent or unreadable).
QDateTime expiresAtOf(const QJsonObject &object);
bool isManaged(const QJsonObject &object);
} // namespace LeaseLabels

// Object names for a lease: DNS-1123 safe, unique and recognisable,
// "kms-<secret>-<5 random>", at most 63 characters (they appear in label
// values and in the token's subject).
QString leaseObjectName(const QString &secretName);

} // namespace kms
