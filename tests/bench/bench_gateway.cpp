// Latency through hanzo-kms-gateway against direct access, on kms-testcluster:
// static TokenRequests and dynamic lease provision + revoke, each as the
// desktop makes them (KubeClient, LeaseProvider). Run by hand:
//   build/tests/bench/bench_gateway [count]
#include "GatewayPolicyFile.h"
#include "GatewayProcess.h"
#include "TestCluster.h"
#include "gateway/GatewayTransport.h"
#include "kube/GatewayCertificates.h"
#include "kube/KubeTransport.h"
#include "provider/ClusterConnection.h"
#include "provider/LeaseProvider.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace kms;

namespace {

struct Stats {
    double median = 0;
    double p95 = 0;
};

Stats stats(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    if (v.empty())
        return {};
    return { v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)] };
}

int fail(const QString &message)
{
    std::fprintf(stderr, "bench_gateway: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? QByteArray(argv[1]).toInt() : 200;
    if (count <= 0)
        return fail(QStringLiteral("the count must be a positive number"));
    test::TestCluster cluster;
    if (!cluster.start())
        return fail(cluster.errorString());
    const QByteArray requester = cluster.applySeedSetup();
    if (requester.isEmpty())
        return fail(cluster.errorString());

    QTemporaryDir dir;
    QString error;
    const auto pki
        = GatewayCertificates::generate({ QStringLiteral("127.0.0.1") }, QStringLiteral("bench"), 1, &error);
    if (!pki || !GatewayCertificates::write(*pki, dir.filePath(QStringLiteral("pki")), &error))
        return fail(error);
    QFile token(dir.filePath(QStringLiteral("token")));
    if (!token.open(QIODevice::WriteOnly) || token.write(requester) != requester.size())
        return fail(QStringLiteral("cannot write the token file"));
    token.close();
    QProcess gateway;
    gateway.start(QStringLiteral(KMS_GATEWAY_PATH),
        kms::test::gatewayServeArgs({ dir.filePath(QStringLiteral("pki")), cluster.url().toString(),
            cluster.caPath(), token.fileName(),
            kms::test::writeGatewayPolicy(dir.path(), kms::test::allowingGatewayPolicy()) }));
    if (!gateway.waitForReadyRead(10000))
        return fail(QStringLiteral("the gateway did not start"));
    const QString listen
        = QJsonDocument::fromJson(gateway.readLine()).object().value(QLatin1String("listen")).toString();
    // Per-call log lines (the access log on stdout, warnings on stderr) are not what is measured.
    QObject::connect(
        &gateway, &QProcess::readyReadStandardOutput, &gateway, [&] { gateway.readAllStandardOutput(); });
    QObject::connect(
        &gateway, &QProcess::readyReadStandardError, &gateway, [&] { gateway.readAllStandardError(); });

    std::shared_ptr<const KubeTransport> direct
        = TokenTransport::create(cluster.url().toString(), cluster.caPem(), true, requester, &error);
    std::shared_ptr<const KubeTransport> through
        = GatewayTransport::create(QStringLiteral("bench"), QStringLiteral("https://") + listen,
            pki->caCertificate, pki->clientCertificate, pki->clientKey, &error);
    if (!direct || !through)
        return fail(error);

    DynamicSecret staticSecret;
    staticSecret.name = QStringLiteral("bench-static");
    staticSecret.credentialType = CredentialType::Static;
    staticSecret.serviceAccount = QStringLiteral("kms-token-requester");
    staticSecret.namespaceName = QStringLiteral("default");
    DynamicSecret dynamicSecret;
    dynamicSecret.name = QStringLiteral("bench-dynamic");
    dynamicSecret.credentialType = CredentialType::Dynamic;
    dynamicSecret.allowedNamespaces = { QStringLiteral("default") };
    dynamicSecret.roleType = RoleType::ClusterRole;
    dynamicSecret.roleName = QStringLiteral("kms-dynamic-role");

    for (const auto &[label, transport] :
        { std::pair { "direct ", direct }, std::pair { "gateway", through } }) {
        ClusterConnection connection(transport);
        LeaseProvider provider(connection.client());
        std::vector<double> statics, provisions, revokes;
        for (int i = 0; i < count; ++i) {
            QElapsedTimer t;
            t.start();
            const Lease s = LeaseProvider::plan(staticSecret, Lease::newId(), {});
            const ProvisionOutcome o = QCoro::waitFor(provider.provision(staticSecret, s, 600, {}));
            if (!o.ok())
                return fail(o.error);
            statics.push_back(t.nsecsElapsed() / 1e6);

            t.restart();
            const Lease d = LeaseProvider::plan(dynamicSecret, Lease::newId(), QStringLiteral("default"));
            const ProvisionOutcome p = QCoro::waitFor(provider.provision(dynamicSecret, d, 600, {}));
            if (!p.ok())
                return fail(p.error);
            provisions.push_back(t.nsecsElapsed() / 1e6);
            t.restart();
            // The lease as the desktop records it: with the uids its deletes carry as preconditions.
            const CleanupOutcome c = QCoro::waitFor(provider.cleanup(p.lease, false));
            if (!c.done)
                return fail(c.error);
            revokes.push_back(t.nsecsElapsed() / 1e6);
        }
        const Stats a = stats(statics), b = stats(provisions), c = stats(revokes);
        std::printf(
            "%s  static lease  median %.2f ms p95 %.2f ms | dynamic lease median %.2f ms p95 %.2f ms | "
            "revoke median %.2f ms p95 %.2f ms  (%d each)\n",
            label, a.median, a.p95, b.median, b.p95, c.median, c.p95, count);
    }
    gateway.terminate();
    gateway.waitForFinished(5000);
    return 0;
}
