// hanzo-kmsctl on Linux: a small front program without Qt. kubectl starts it
// for every command of a context "hanzo-kmsctl kubeconfig add" wrote; when the
// command line is exactly the one that context runs and the kernel keyring
// holds a token the profile says is still good, it prints the ExecCredential
// itself (store/kernelcache/KubectlCache.h says what is checked). Everything
// else - every other command, any other option, any doubt - is handed
// unchanged to the full hanzo-kmsctl in ../libexec/hanzo-kms/, which parses
// and decides as it always has.
#include "store/kernelcache/KubectlCache.h"

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

namespace cache = kms::kubectlcache;

// What kubectl (client-go 1.2x-1.3x) puts in KUBERNETES_EXEC_INFO for
// "interactiveMode: Never" without provideClusterInfo: Go's JSON encoder ends
// it with a line break (kubectl 1.32, seen). Anything else goes to the full
// CLI, which reads it as JSON and says what is wrong.
constexpr std::string_view KnownExecInfo[] = {
    "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/"
    "v1\",\"spec\":{\"interactive\":false}}\n",
    "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/"
    "v1\",\"spec\":{\"interactive\":false}}",
};

std::string selfPath()
{
    char buffer[PATH_MAX + 1] = {};
    const ssize_t n = readlink("/proc/self/exe", buffer, PATH_MAX);
    return n > 0 ? std::string(buffer, std::size_t(n)) : std::string();
}

[[noreturn]] void runFullCli(char *argv[])
{
    const std::string self = selfPath();
    const std::size_t slash = self.rfind('/');
    const std::string core = slash == std::string::npos
        ? std::string()
        : self.substr(0, slash) + "/../libexec/hanzo-kms/hanzo-kmsctl";
    if (!core.empty()) {
        // So that "kubeconfig add" writes this program, not the one in libexec.
        setenv("HANZO_KMSCTL_FRONT", self.c_str(), 1);
        execv(core.c_str(), argv);
    }
    const int error = errno;
    std::fprintf(stderr, "hanzo-kmsctl: cannot run %s (%s); reinstall hanzo-kms.\n",
        core.empty() ? "the full hanzo-kmsctl" : core.c_str(), std::strerror(error));
    std::exit(1);
}

// The key of "--data-dir DIR credential SECRET --env ENV --namespace NS
// [--audiences A]", as KubectlContexts writes it; nullopt for any other line.
std::optional<cache::Key> credentialKey(int argc, char *argv[])
{
    if (argc != 9 && argc != 11)
        return std::nullopt;
    const auto is = [argv](int i, std::string_view text) { return argv[i] == text; };
    if (!is(1, "--data-dir") || !is(3, "credential") || !is(5, "--env") || !is(7, "--namespace")
        || (argc == 11 && !is(9, "--audiences")))
        return std::nullopt;
    const std::string_view dataDir = argv[2];
    if (dataDir.empty() || dataDir.front() != '/' || std::string_view(argv[4]).starts_with('-'))
        return std::nullopt;
    cache::Key key;
    const char *service = std::getenv("HANZO_KMS_KEYCHAIN_SERVICE");
    key.service = service && *service ? service : "hanzo-kms";
    key.databaseFile = std::string(dataDir) + (dataDir.ends_with('/') ? "" : "/") + "kms.sqlite";
    key.secret = argv[4];
    key.environment = argv[6];
    key.namespaceName = argv[8];
    if (argc == 11)
        key.audiences = std::string(argv[10]);
    return key;
}

bool fromTheKernelKeyring(int argc, char *argv[])
{
    // A team profile (its URL in the environment) is the full CLI's.
    if (const char *url = std::getenv("HANZO_KMS_DATABASE_URL"); url && *url)
        return false;
    if (const char *info = std::getenv("KUBERNETES_EXEC_INFO"); info && *info) {
        bool known = false;
        for (const std::string_view k : KnownExecInfo)
            known = known || k == info;
        if (!known)
            return false;
    }
    const std::optional<cache::Key> key = credentialKey(argc, argv);
    if (!key)
        return false;
    std::optional<cache::Entry> entry = cache::load(*key);
    if (!entry)
        return false;
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    bool answered = false;
    if (cache::checkProfile(*key, *entry, now) == cache::Check::Usable) {
        std::string json
            = cache::execCredentialJson(entry->token, std::min(entry->tokenExpiresMs, entry->leaseExpiresMs));
        answered = !json.empty() && std::fwrite(json.data(), 1, json.size(), stdout) == json.size()
            && std::fflush(stdout) == 0;
        explicit_bzero(json.data(), json.size());
        if (!answered && !json.empty()) {
            // Part of it may be on kubectl's pipe already; a second answer would not parse.
            std::fprintf(stderr, "hanzo-kmsctl: the credential could not be written to standard output.\n");
            explicit_bzero(entry->token.data(), entry->token.size());
            std::exit(1);
        }
    }
    explicit_bzero(entry->token.data(), entry->token.size());
    return answered;
}

} // namespace

int main(int argc, char *argv[])
{
    if (fromTheKernelKeyring(argc, argv))
        return 0;
    runFullCli(argv);
}
