// TokenRequests per second from kms-testcluster over one keep-alive TLS
// connection, as the requester of the seed's setup. Run by hand:
//   build/tests/bench/bench_testcluster [count]
#include "TestCluster.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? QByteArray(argv[1]).toInt() : 1000;
    if (count <= 0) {
        std::fprintf(stderr, "bench_testcluster: the count must be a positive number\n");
        return 2;
    }
    kms::test::TestCluster cluster;
    if (!cluster.start()) {
        std::fprintf(stderr, "bench_testcluster: %s\n", qPrintable(cluster.errorString()));
        return 1;
    }
    const QByteArray requester = cluster.applySeedSetup();
    if (requester.isEmpty()) {
        std::fprintf(stderr, "bench_testcluster: %s\n", qPrintable(cluster.errorString()));
        return 1;
    }
    const QJsonObject body { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("TokenRequest") },
        { QStringLiteral("spec"), QJsonObject { { QStringLiteral("expirationSeconds"), 600 } } } };
    const auto run = cluster.repeatOnOneConnection("POST",
        QStringLiteral("/api/v1/namespaces/default/serviceaccounts/kms-token-requester/token"), body,
        requester, count);
    const auto created = run.statuses.count(201);
    std::printf(
        "TokenRequests: %d sent, %lld answered 201, %lld answers, one connection, %lld ms, %.0f per second\n",
        count, static_cast<long long>(created), static_cast<long long>(run.statuses.size()),
        static_cast<long long>(run.elapsedMs),
        run.elapsedMs > 0 ? 1000.0 * double(created) / double(run.elapsedMs) : 0.0);
    if (!run.error.isEmpty())
        std::fprintf(stderr, "bench_testcluster: %s\n", qPrintable(run.error));
    return created == count ? 0 : 1;
}
