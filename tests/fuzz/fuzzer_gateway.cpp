// Requests that reach hanzo-kms-gateway from a client: the policy decides on
// each (method, path, query, body) without crashing, a refusal says why, a
// list it allows selects only the product's objects, and Secret data never
// survives the filter on the way back.
//
// The input is "METHOD TARGET\n" followed by the body; TARGET is the path and
// query as sent (percent-encoded), split at the first '?' as GatewayServer does.
#include "FuzzTarget.h"
#include "gatewayserver/GatewayPolicy.h"
#include "gatewayserver/GatewayServer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace kms;

KMS_FUZZ_INITIALIZE

namespace {

bool holdsSecretData(const QJsonObject &object)
{
    return object.value(QLatin1String("kind")).toString() == QLatin1String("Secret")
        && (object.contains(QLatin1String("data")) || object.contains(QLatin1String("stringData")));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);
    const qsizetype lineEnd = input.indexOf('\n');
    const QByteArray line = lineEnd < 0 ? input : input.left(lineEnd);
    const QByteArray body = lineEnd < 0 ? QByteArray() : input.mid(lineEnd + 1);
    const qsizetype space = line.indexOf(' ');
    const QByteArray method = space < 0 ? line : line.left(space);
    const QByteArray target = space < 0 ? QByteArray() : line.mid(space + 1);
    const qsizetype mark = target.indexOf('?');
    const QString path = QString::fromLatin1(mark < 0 ? target : target.left(mark));
    const QString query = mark < 0 ? QString() : QString::fromLatin1(target.mid(mark + 1));

    const QUrlQuery urlQuery(query);
    const GatewayPolicy::Decision decision = GatewayPolicy::check(method, path, urlQuery, body);
    if (!decision.allowed())
        KMS_FUZZ_CHECK(!decision.reason.isEmpty());
    if (decision.kind == GatewayPolicy::Kind::List)
        KMS_FUZZ_CHECK(GatewayPolicy::selectsManaged(
            urlQuery.queryItemValue(QStringLiteral("labelSelector"), QUrl::FullyDecoded)));

    // The body as an answer from the API server, on its way back to the client.
    const QJsonDocument stripped = QJsonDocument::fromJson(GatewayServer::stripSecretData(body));
    if (stripped.isObject()) {
        const QJsonObject object = stripped.object();
        KMS_FUZZ_CHECK(!holdsSecretData(object));
        for (const QJsonValue &item : object.value(QLatin1String("items")).toArray())
            KMS_FUZZ_CHECK(!holdsSecretData(item.toObject()));
    }
    return 0;
}
