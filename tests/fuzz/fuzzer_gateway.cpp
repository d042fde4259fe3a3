// Requests that reach hanzo-kms-gateway from a client: the route and the
// semantic rules decide on each (method, path, query, body) without crashing,
// a refusal says why, a list it allows selects only the product's objects, and
// nothing but the metadata the desktop needs survives the redaction of an
// answer on its way back. The policy file's parser gets the same input.
//
// The input is "METHOD TARGET\n" followed by the body; TARGET is the path and
// query as sent (percent-encoded), split at the first '?' as GatewayServer does.
#include "FuzzTarget.h"
#include "gatewayserver/GatewayAccessPolicy.h"
#include "gatewayserver/GatewayRoute.h"
#include "gatewayserver/GatewayRules.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace kms;

KMS_FUZZ_INITIALIZE

namespace {

// What redact() may leave in an object: apiVersion, kind and these metadata keys.
bool onlyMetadata(const QJsonObject &object)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() != QLatin1String("apiVersion") && it.key() != QLatin1String("kind")
            && it.key() != QLatin1String("metadata"))
            return false;
    }
    const QJsonObject metadata = object.value(QLatin1String("metadata")).toObject();
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
        static const QStringList allowed { QStringLiteral("name"), QStringLiteral("namespace"),
            QStringLiteral("uid"), QStringLiteral("labels"), QStringLiteral("annotations") };
        if (!allowed.contains(it.key()))
            return false;
    }
    const QJsonObject annotations = metadata.value(QLatin1String("annotations")).toObject();
    for (auto it = annotations.begin(); it != annotations.end(); ++it) {
        if (!it.key().startsWith(QLatin1String("kms.hanzo.ai/")))
            return false;
    }
    return true;
}

GatewayClientPolicy fuzzPolicy()
{
    GatewayClientPolicy p;
    p.subject = QStringLiteral("*");
    p.namespaces = { QStringLiteral("team-a") };
    p.staticServiceAccounts = { QStringLiteral("default/app-sa") };
    p.roles = { { QStringLiteral("ClusterRole"), QStringLiteral("kms-dynamic-role") } };
    p.maxTtlSeconds = 86400;
    p.audiences = { GatewayClientPolicy::AnyAudience };
    return p;
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
    const GatewayRoute::Decision route = GatewayRoute::check(method, path, urlQuery);
    if (!route.allowed())
        KMS_FUZZ_CHECK(!route.reason.isEmpty());
    // A list of lease objects only through the managed-by selector; namespaces
    // carry no lease labels (issue 16: any selector, the answer filtered by the policy).
    if (route.kind == GatewayRoute::Kind::List && route.resource != GatewayRoute::Resource::Namespace)
        KMS_FUZZ_CHECK(GatewayRoute::selectsManaged(
            urlQuery.queryItemValue(QStringLiteral("labelSelector"), QUrl::FullyDecoded)));

    static const GatewayClientPolicy policy = fuzzPolicy();
    const QDateTime now = QDateTime::fromSecsSinceEpoch(1798761600, Qt::UTC);
    if (route.kind == GatewayRoute::Kind::Create) {
        GatewayRules::BindingSubject subject;
        (void)GatewayRules::checkCreate(policy, route, body, now, &subject);
    } else if (route.kind == GatewayRoute::Kind::TokenRequest) {
        (void)GatewayRules::checkTokenRequest(policy, body);
    } else if (route.kind == GatewayRoute::Kind::Delete) {
        QString why;
        if (!GatewayRules::parseDeleteOptions(body, &why))
            KMS_FUZZ_CHECK(!why.isEmpty());
    }

    // The body as an answer from the API server, on its way back to the client.
    const QJsonDocument redacted
        = QJsonDocument::fromJson(GatewayRules::redactAnswer(body, [](const QJsonObject &) { return true; }));
    if (redacted.isObject()) {
        const QJsonObject object = redacted.object();
        if (object.value(QLatin1String("kind")).toString() != QLatin1String("Status")) {
            if (object.contains(QLatin1String("items"))) {
                for (const QJsonValue &item : object.value(QLatin1String("items")).toArray())
                    KMS_FUZZ_CHECK(onlyMetadata(item.toObject()));
            } else {
                KMS_FUZZ_CHECK(onlyMetadata(object));
            }
        }
    }

    // The same bytes as a policy file: parsed or refused with a reason.
    QString error;
    if (!GatewayAccessPolicy::parse(input, &error))
        KMS_FUZZ_CHECK(!error.isEmpty());
    return 0;
}
