#include "provider/LeaseLabels.h"

#include <QRandomGenerator>
#include <QUrl>

namespace kms {

QString LeaseLabels::managedSelectorQuery()
{
    return QStringLiteral("labelSelector=")
        + QString::fromLatin1(QUrl::toPercentEncoding(ManagedBy + QLatin1Char('=') + ManagedByValue));
}

QJsonObject LeaseLabels::metadata(const QString &name, const QString &namespaceName, const QString &leaseId,
    const QString &secretName, const QDateTime &expiresAt, const QMap<QString, QString> &extraLabels,
    const QMap<QString, QString> &extraAnnotations)
{
    QJsonObject labels;
    for (auto it = extraLabels.begin(); it != extraLabels.end(); ++it)
        labels.insert(it.key(), it.value());
    labels.insert(ManagedBy, ManagedByValue);
    labels.insert(LeaseId, leaseId);
    labels.insert(Secret, secretName);
    QJsonObject annotations;
    for (auto it = extraAnnotations.begin(); it != extraAnnotations.end(); ++it)
        annotations.insert(it.key(), it.value());
    annotations.insert(ExpiresAt, expiresAt.toUTC().toString(Qt::ISODate));
    QJsonObject meta {
        { QStringLiteral("name"), name },
        { QStringLiteral("labels"), labels },
        { QStringLiteral("annotations"), annotations },
    };
    if (!namespaceName.isEmpty())
        meta.insert(QStringLiteral("namespace"), namespaceName);
    return meta;
}

QString LeaseLabels::leaseIdOf(const QJsonObject &object)
{
    return object.value(QLatin1String("metadata"))
        .toObject()
        .value(QLatin1String("labels"))
        .toObject()
        .value(LeaseId)
        .toString();
}

QDateTime LeaseLabels::expiresAtOf(const QJsonObject &object)
{
    const QString text = object.value(QLatin1String("metadata"))
                             .toObject()
                             .value(QLatin1String("annotations"))
                             .toObject()
                             .value(ExpiresAt)
                             .toString();
    return QDateTime::fromString(text, Qt::ISODate);
}

bool LeaseLabels::isManaged(const QJsonObject &object)
{
    return object.value(QLatin1String("metadata"))
               .toObject()
               .value(QLatin1String("labels"))
               .toObject()
               .value(ManagedBy)
               .toString()
        == ManagedByValue;
}

QString leaseObjectName(const QString &secretName)
{
    static const char alphabet[]
        = "bcdfghjklmnpqrstvwxz2456789"; // as generateName: no vowels, no look-alikes
    QString suffix;
    for (int i = 0; i < 5; ++i)
        suffix += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(int(sizeof(alphabet) - 1))]);
    // Secret names are DNS-1123 already; keep the result within a label's 63 characters.
    QString stem = secretName.left(63 - 4 - 6);
    while (stem.endsWith(QLatin1Char('-')) || stem.endsWith(QLatin1Char('.')))
        stem.chop(1);
    stem.replace(QLatin1Char('.'), QLatin1Char('-'));
    return QStringLiteral("kms-%1-%2").arg(stem, suffix);
}

} // namespace kms
