// Lease engine benchmark (run on demand, figures go into the issue notes):
//   bench_leases [--latency-ms 50] [--samples 30] [--bulk 1000] [--concurrency 16]
// With injected latency L, the median static lease, dynamic lease and revoke
// times divided by L are the round trips they cost (goal: 1, 2, 1). Then
// creates --bulk dynamic leases with bounded concurrency and reports leases
// per second and peak memory (VmHWM).
#include "leases/ClusterConnections.h"
#include "leases/LeaseService.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/SecretRepository.h"

#include "TestCluster.h"
#include "TestSupport.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <cstdio>

using namespace kms;

namespace {

qint64 peakRssKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v.at(v.size() / 2);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption({ QStringLiteral("latency-ms"), QStringLiteral("Injected latency per answer."),
        QStringLiteral("N"), QStringLiteral("50") });
    p.addOption({ QStringLiteral("samples"), QStringLiteral("Leases per timed kind."), QStringLiteral("N"),
        QStringLiteral("30") });
    p.addOption({ QStringLiteral("bulk"), QStringLiteral("Dynamic leases in the throughput run."),
        QStringLiteral("N"), QStringLiteral("1000") });
    p.addOption({ QStringLiteral("concurrency"), QStringLiteral("Leases in flight in the throughput run."),
        QStringLiteral("N"), QStringLiteral("16") });
    p.process(app);
    const int latency = p.value(QStringLiteral("latency-ms")).toInt();
    const int samples = p.value(QStringLiteral("samples")).toInt();
    const int bulk = p.value(QStringLiteral("bulk")).toInt();
    const int concurrency = std::max(1, p.value(QStringLiteral("concurrency")).toInt());

    kms::test::TestCluster cluster;
    if (!cluster.start()) {
        std::fprintf(stderr, "cluster: %s\n", qPrintable(cluster.errorString()));
        return 1;
    }
    const QByteArray requester = cluster.applySeedSetup();
    cluster.request("POST", QStringLiteral("/api/v1/namespaces"),
        { { "apiVersion", "v1" }, { "kind", "Namespace" },
            { "metadata", QJsonObject { { "name", "bench" } } } });
    kms::test::TempProfile profile;
    Database db;
    if (!db.open(profile.dataDir()))
        return 1;
    CredentialVault vault;
    ClusterConnections connections(vault);
    LeaseService service(db, connections);

    auto addSecret = [&](DynamicSecret s) {
        s.environmentId = EnvironmentRepository(db).list().first().id;
        s.clusterUrl = cluster.url().toString();
        s.caCertificate = QString::fromUtf8(cluster.caPem());
        SecretRepository(db).insert(s);
        QCoro::waitFor(vault.put(s.vaultKey(), requester));
        return s;
    };
    DynamicSecret st;
    st.name = QStringLiteral("bench-static");
    st.credentialType = CredentialType::Static;
    st.serviceAccount = QStringLiteral("kms-token-requester");
    st.namespaceName = QStringLiteral("default");
    st = addSecret(st);
    DynamicSecret dyn;
    dyn.name = QStringLiteral("bench-dynamic");
    dyn.credentialType = CredentialType::Dynamic;
    dyn.allowedNamespaces = { QStringLiteral("bench") };
    dyn.roleType = RoleType::ClusterRole;
    dyn.roleName = QStringLiteral("kms-dynamic-role");
    dyn = addSecret(dyn);

    // Warm the connections (TLS handshake, keychain read) before timing.
    QCoro::waitFor(service.createLease({ st.id, {}, {}, {}, {}, st }));
    cluster.setFaults(latency, 0);

    QList<double> staticMs, dynamicMs, revokeMs;
    QStringList dynamicIds;
    for (int i = 0; i < samples; ++i) {
        QElapsedTimer t;
        t.start();
        const LeaseCreation s = QCoro::waitFor(service.createLease({ st.id, {}, {}, {}, {}, st }));
        staticMs << t.nsecsElapsed() / 1e6;
        t.restart();
        const LeaseCreation d = QCoro::waitFor(service.createLease({ dyn.id, {}, {}, {}, {}, dyn }));
        dynamicMs << t.nsecsElapsed() / 1e6;
        if (!s.ok() || !d.ok()) {
            std::fprintf(stderr, "lease failed: %s %s\n", qPrintable(s.error), qPrintable(d.error));
            return 1;
        }
        t.restart();
        const RevokeOutcome r = QCoro::waitFor(service.revoke(d.lease->id));
        revokeMs << t.nsecsElapsed() / 1e6;
        if (!r.ok)
            return 1;
    }
    const double l = latency > 0 ? latency : 1;
    std::printf("latency %d ms, %d samples each\n", latency, samples);
    std::printf("static lease:  median %.1f ms = %.2f round trips (goal 1)\n", median(staticMs),
        median(staticMs) / l);
    std::printf("dynamic lease: median %.1f ms = %.2f round trips (goal 2)\n", median(dynamicMs),
        median(dynamicMs) / l);
    std::printf("revoke:        median %.1f ms = %.2f round trips (goal 1)\n", median(revokeMs),
        median(revokeMs) / l);

    // Throughput: bulk dynamic leases, `concurrency` in flight.
    QElapsedTimer t;
    t.start();
    int ok = 0, started = 0, running = 0;
    QEventLoop loop;
    QObject context;
    std::function<void()> launch = [&]() {
        while (running < concurrency && started < bulk) {
            ++started;
            ++running;
            QCoro::connect(
                service.createLease({ dyn.id, {}, {}, {}, {}, dyn }), &context, [&](const LeaseCreation &c) {
                    --running;
                    ok += c.ok() ? 1 : 0;
                    if (started == bulk && running == 0)
                        loop.quit();
                    else
                        launch();
                });
        }
    };
    launch();
    if (bulk > 0)
        loop.exec();
    const double seconds = t.nsecsElapsed() / 1e9;
    std::printf("bulk: %d/%d dynamic leases in %.2f s = %.1f leases/s at concurrency %d (latency %d ms)\n",
        ok, bulk, seconds, ok / seconds, concurrency, latency);
    std::printf("peak memory (VmHWM) of this process: %.1f MB\n", peakRssKb() / 1024.0);
    return 0;
}
