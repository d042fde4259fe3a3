#include "core/AuditExport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace kms {

namespace {

QString timeText(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

// A JSON number that is a whole number within qint64's exact double range.
std::optional<qint64> wholeNumber(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (d < 0 || d > 9007199254740991.0 || d != double(qint64(d)))
        return std::nullopt;
    return qint64(d);
}

struct Reader {
    QJsonObject object;
    QString where;
    QString error;

    QString text(const char *name)
    {
        const QJsonValue v = object.value(QLatin1String(name));
        if (!v.isString() && error.isEmpty())
            error = QStringLiteral("%1 has no text field \"%2\"").arg(where, QLatin1String(name));
        return v.toString();
    }
    qint64 number(const char *name)
    {
        const std::optional<qint64> n = wholeNumber(object.value(QLatin1String(name)));
        if (!n && error.isEmpty())
            error = QStringLiteral("%1 has no whole number \"%2\"").arg(where, QLatin1String(name));
        return n.value_or(0);
    }
    QDateTime time(const char *name, bool optional)
    {
        const QString t = text(name);
        if (t.isEmpty() && optional)
            return {};
        const QDateTime parsed = QDateTime::fromString(t, Qt::ISODateWithMs);
        if (!parsed.isValid() && error.isEmpty())
            error = QStringLiteral("%1 has no valid time in \"%2\"").arg(where, QLatin1String(name));
        return parsed.toUTC();
    }
};

} // namespace

QByteArray AuditExport::toJson() const
{
    QJsonArray keyArray;
    for (const AuditPublicKey &k : keys) {
        keyArray.append(QJsonObject {
            { QStringLiteral("id"), k.id },
            { QStringLiteral("actor"), k.actor },
            { QStringLiteral("publicKey"), QString::fromLatin1(k.publicKey.toBase64()) },
            { QStringLiteral("createdAt"), timeText(k.createdAt) },
        });
    }
    QJsonArray eventArray;
    for (const AuditEvent &e : events) {
        QJsonObject o = e.toJson();
        o.insert(QStringLiteral("keyId"), e.keyId);
        o.insert(QStringLiteral("signature"), QString::fromLatin1(e.signature));
        eventArray.append(o);
    }
    QJsonObject root {
        { QStringLiteral("format"), QLatin1String(Format) },
        { QStringLiteral("version"), Version },
        { QStringLiteral("logId"), logId },
        { QStringLiteral("unsignedUntil"), unsignedUntil },
        { QStringLiteral("keys"), keyArray },
        { QStringLiteral("events"), eventArray },
    };
    if (head) {
        root.insert(QStringLiteral("head"),
            QJsonObject { { QStringLiteral("seq"), head->seq },
                { QStringLiteral("hash"), QString::fromLatin1(head->hash) } });
    }
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::optional<AuditExport> AuditExport::fromJson(const QByteArray &json, QString *error)
{
    const auto fail = [&](const QString &why) -> std::optional<AuditExport> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return fail(QStringLiteral("it is not a JSON object (%1 at byte %2)")
                        .arg(parseError.errorString())
                        .arg(parseError.offset));
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String(Format))
        return fail(QStringLiteral("its \"format\" is not \"%1\"").arg(QLatin1String(Format)));
    if (wholeNumber(root.value(QStringLiteral("version"))) != Version)
        return fail(QStringLiteral("its \"version\" is not %1").arg(Version));

    AuditExport result;
    Reader top { root, QStringLiteral("the file"), {} };
    result.logId = top.text("logId");
    result.unsignedUntil = top.number("unsignedUntil");
    if (!root.value(QStringLiteral("keys")).isArray() || !root.value(QStringLiteral("events")).isArray())
        top.error = QStringLiteral("the file has no \"keys\" and \"events\" arrays");
    if (!top.error.isEmpty())
        return fail(top.error);

    const QJsonArray keyArray = root.value(QStringLiteral("keys")).toArray();
    for (qsizetype i = 0; i < keyArray.size(); ++i) {
        Reader r { keyArray.at(i).toObject(), QStringLiteral("key %1").arg(i + 1), {} };
        if (!keyArray.at(i).isObject())
            return fail(QStringLiteral("key %1 is not an object").arg(i + 1));
        AuditPublicKey k;
        k.id = r.number("id");
        k.actor = r.text("actor");
        k.publicKey = QByteArray::fromBase64(r.text("publicKey").toLatin1());
        k.createdAt = r.time("createdAt", true);
        if (!r.error.isEmpty())
            return fail(r.error);
        for (const AuditPublicKey &other : std::as_const(result.keys)) {
            if (other.id == k.id)
                return fail(QStringLiteral("key id %1 appears twice").arg(k.id));
        }
        result.keys << k;
    }
    const QJsonArray eventArray = root.value(QStringLiteral("events")).toArray();
    for (qsizetype i = 0; i < eventArray.size(); ++i) {
        if (!eventArray.at(i).isObject())
            return fail(QStringLiteral("event %1 of the file is not an object").arg(i + 1));
        QString why;
        std::optional<AuditEvent> e = AuditEvent::fromJson(eventArray.at(i).toObject(), &why);
        if (!e) {
            if (why.endsWith(QLatin1Char('.')))
                why.chop(1);
            return fail(QStringLiteral("event %1 of the file is malformed: %2").arg(i + 1).arg(why));
        }
        Reader r { eventArray.at(i).toObject(), QStringLiteral("event %1 of the file").arg(i + 1), {} };
        e->keyId = r.number("keyId");
        e->signature = r.text("signature").toLatin1();
        if (!r.error.isEmpty())
            return fail(r.error);
        result.events << *e;
    }
    const QJsonValue head = root.value(QStringLiteral("head"));
    if (head.isObject()) {
        Reader r { head.toObject(), QStringLiteral("the file's head"), {} };
        AuditMark mark;
        mark.seq = r.number("seq");
        mark.hash = r.text("hash").toLatin1();
        if (!r.error.isEmpty())
            return fail(r.error);
        result.head = mark;
    } else if (!head.isUndefined() && !head.isNull()) {
        return fail(QStringLiteral("the file's \"head\" is not an object"));
    }
    return result;
}

AuditVerification AuditExport::verify(const std::optional<AuditMark> &anchor) const
{
    QHash<qint64, AuditPublicKey> byId;
    for (const AuditPublicKey &k : keys)
        byId.insert(k.id, k);
    AuditChainVerifier verifier(byId, unsignedUntil, anchor);
    for (const AuditEvent &e : events) {
        if (!verifier.add(e))
            break;
    }
    return verifier.finish(head);
}

} // namespace kms
