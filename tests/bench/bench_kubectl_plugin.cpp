// What the exec credential plugin costs kubectl: "kubectl get pods" with a
// context from "hanzo-kmsctl kubeconfig add" (cache hit: the plugin reuses
// the lease's token from the keychain) against the same command with the
// same kind of token written into a kubeconfig, alternated in one run; then
// cache misses (the lease revoked before each command, so the plugin issues
// a new lease). Needs kubectl and a keychain (run under packaging/run-tests.sh's
// session, or any desktop session). Run by hand:
//   build/tests/bench/bench_kubectl_plugin [runs]
#include "CliRunner.h"
#include "KmsTestPaths.h"
#include "TestCluster.h"
#include "TestSupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>

#include <algorithm>
#include <cstdio>

namespace {

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    const qsizetype n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? QByteArray(argv[1]).toInt() : 30;
    const QString kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
    if (runs <= 0 || kubectl.isEmpty()) {
        std::fprintf(stderr, "bench_kubectl_plugin: give a positive count, and install kubectl\n");
        return 2;
    }
    kms::test::TestCluster cluster;
    if (!cluster.start()) {
        std::fprintf(stderr, "bench_kubectl_plugin: %s\n", qPrintable(cluster.errorString()));
        return 1;
    }
    const QByteArray requester = cluster.applySeedSetup();
    kms::test::TempProfile profile;
    kms::test::CliRunner cli(profile.environment());
    QTemporaryDir files;
    const auto write = [&files](const QString &name, const QByteArray &data) {
        QFile f(files.filePath(name));
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(name));
        f.write(data);
        return f.fileName();
    };
    const auto must = [](const kms::test::CliResult &r) {
        if (r.exitCode != 0)
            qFatal("hanzo-kmsctl: %s", r.describe().constData());
        return r;
    };
    must(cli.run({ "secret", "create", "bench", "--env", "Development", "--type", "dynamic", "--url",
        cluster.url().toString(), "--ca-file", write("ca.crt", cluster.caPem()), "--token-file",
        write("requester.token", requester), "--namespaces", "default", "--role-type", "ClusterRole",
        "--role", "kms-dynamic-role" }));
    const QString execConfig = files.filePath(QStringLiteral("exec.kubeconfig"));
    must(cli.run({ "kubeconfig", "add", "bench", "--kubeconfig", execConfig }));
    const QString staticConfig
        = write("static.kubeconfig", must(cli.run({ "lease", "create", "bench", "-o", "kubeconfig" })).out);

    QProcessEnvironment env = profile.environment();
    env.insert(QStringLiteral("HOME"), files.path());
    const auto time = [&](const QString &config, const QStringList &context) {
        QProcess p;
        p.setProcessEnvironment(env);
        QElapsedTimer timer;
        timer.start();
        p.start(kubectl,
            QStringList { QStringLiteral("--kubeconfig"), config, QStringLiteral("--cache-dir"),
                files.filePath(QStringLiteral("cache")) }
                + context + QStringList { QStringLiteral("get"), QStringLiteral("pods") });
        if (!p.waitForFinished(60000) || p.exitCode() != 0)
            qFatal("kubectl: %s", p.readAllStandardError().constData());
        return double(timer.nsecsElapsed()) / 1e6;
    };
    const QStringList execContext { QStringLiteral("--context"), QStringLiteral("kms-bench") };
    time(staticConfig, {}); // warm: discovery cache, the first lease
    time(execConfig, execContext);

    QList<double> plain;
    QList<double> hit;
    for (int i = 0; i < runs; ++i) {
        plain << time(staticConfig, {});
        hit << time(execConfig, execContext);
    }
    const int misses = std::max(3, runs / 5);
    QList<double> miss;
    for (int i = 0; i < misses; ++i) {
        const auto leases
            = QJsonDocument::fromJson(must(cli.run({ "lease", "list", "bench", "-o", "json" })).out);
        for (const QJsonValue &lease : leases.array())
            must(cli.run({ "lease", "revoke", lease[QStringLiteral("id")].toString() }));
        miss << time(execConfig, execContext);
    }
    std::printf("kubectl get pods, median of %d alternated runs each:\n"
                "  token in the kubeconfig   %7.1f ms\n"
                "  exec plugin, cache hit    %7.1f ms  (+%.1f ms)\n"
                "  exec plugin, cache miss   %7.1f ms  (median of %d; the lease revoked before each)\n",
        runs, median(plain), median(hit), median(hit) - median(plain), median(miss), misses);
    return 0;
}
