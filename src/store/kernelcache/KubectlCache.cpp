#include "store/kernelcache/KubectlCache.h"

#include <sqlite3.h>

#include <charconv>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

#if defined(__linux__)
#include <keyutils.h>
#endif

namespace kms::kubectlcache {

namespace {

constexpr std::string_view DescriptionPrefix = "hanzo-kms/kubectl-credential/v1:";
constexpr std::string_view EntryVersion = "v1";
// The kernel refuses descriptions of 4096 bytes and more.
constexpr std::size_t MaxDescriptionBytes = 4000;
constexpr std::size_t MaxLeaseIdBytes = 128;

void appendField(std::string &out, std::string_view field)
{
    out += std::to_string(field.size());
    out += ':';
    out += field;
    out += ';';
}

// A non-negative decimal that is the whole of text.
std::optional<std::int64_t> parseCount(std::string_view text)
{
    std::int64_t value = 0;
    if (text.empty() || text.size() > 19)
        return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0)
        return std::nullopt;
    return value;
}

bool isLeaseId(std::string_view id)
{
    if (id.empty() || id.size() > MaxLeaseIdBytes)
        return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
            || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

struct SqliteClose {
    void operator()(sqlite3 *db) const { sqlite3_close(db); }
};
struct StatementFinalize {
    void operator()(sqlite3_stmt *s) const { sqlite3_finalize(s); }
};
using Connection = std::unique_ptr<sqlite3, SqliteClose>;
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalize>;

Statement prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
        sqlite3_finalize(s);
        return nullptr;
    }
    return Statement(s);
}

bool bindText(sqlite3_stmt *s, int index, const std::string &value)
{
    return sqlite3_bind_text(s, index, value.data(), int(value.size()), SQLITE_TRANSIENT) == SQLITE_OK;
}

std::string_view columnText(sqlite3_stmt *s, int column)
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(s, column));
    return text ? std::string_view(text, std::size_t(sqlite3_column_bytes(s, column))) : std::string_view();
}

} // namespace

std::string description(const Key &key)
{
    std::string out(DescriptionPrefix);
    appendField(out, key.service);
    appendField(out, key.databaseFile);
    appendField(out, key.environment);
    appendField(out, key.secret);
    appendField(out, key.namespaceName);
    if (key.audiences)
        appendField(out, *key.audiences);
    else
        out += '-';
    return out;
}

bool isUsableToken(std::string_view token)
{
    if (token.empty() || token.size() > MaxTokenBytes)
        return false;
    for (const char c : token) {
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
            return false;
    }
    return true;
}

std::string encode(const Entry &entry)
{
    std::string out(EntryVersion);
    for (const std::string &field : { std::to_string(entry.secretId), std::to_string(entry.secretUpdatedMs),
             entry.leaseId, std::to_string(entry.leaseExpiresMs), std::to_string(entry.tokenExpiresMs) }) {
        out += '\n';
        out += field;
    }
    out += '\n';
    out += entry.token;
    return out;
}

std::optional<Entry> decode(std::string_view payload)
{
    if (payload.size() > MaxEntryBytes)
        return std::nullopt;
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (fields.size() < 6) {
        const std::size_t end = payload.find('\n', start);
        if (end == std::string_view::npos)
            return std::nullopt;
        fields.push_back(payload.substr(start, end - start));
        start = end + 1;
    }
    const std::string_view token = payload.substr(start);
    if (fields[0] != EntryVersion || !isLeaseId(fields[3]) || !isUsableToken(token))
        return std::nullopt;
    const auto secretId = parseCount(fields[1]);
    const auto secretUpdated = parseCount(fields[2]);
    const auto leaseExpires = parseCount(fields[4]);
    const auto tokenExpires = parseCount(fields[5]);
    if (!secretId || !secretUpdated || !leaseExpires || !tokenExpires)
        return std::nullopt;
    return Entry { *secretId, *secretUpdated, std::string(fields[3]), *leaseExpires, *tokenExpires,
        std::string(token) };
}

std::string execCredentialJson(std::string_view token, std::int64_t expiresMs)
{
    const std::time_t seconds = std::time_t(expiresMs / 1000);
    std::tm utc {};
    char stamp[32] = {};
    if (!gmtime_r(&seconds, &utc) || std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        return {};
    std::string out = R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
                      R"("spec":{},"status":{"expirationTimestamp":")";
    out += stamp;
    out += R"(","token":")";
    for (const char c : token) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += "\"}}\n";
    return out;
}

#if defined(__linux__)

bool store(const Key &key, const Entry &entry, std::int64_t nowMs)
{
    const std::string desc = description(key);
    std::string payload = encode(entry);
    // The token's copy in this buffer goes when the kernel has its own.
    struct Wipe {
        std::string &s;
        ~Wipe() { explicit_bzero(s.data(), s.size()); }
    } wipe { payload };
    const std::int64_t lifeMs = std::min(entry.tokenExpiresMs, entry.leaseExpiresMs) - nowMs;
    if (desc.size() > MaxDescriptionBytes || payload.size() > MaxEntryBytes || lifeMs < 1000)
        return false;
    // Made in this process's own keyring, so this process possesses it and may
    // set who else reads it and when the kernel drops it; then linked into the
    // user keyring, which displaces an older key of the same description in one step.
    const key_serial_t id
        = add_key("user", desc.c_str(), payload.data(), payload.size(), KEY_SPEC_PROCESS_KEYRING);
    if (id < 0)
        return false;
    const bool ok = keyctl_setperm(id, KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH) == 0
        && keyctl_set_timeout(id, unsigned(lifeMs / 1000)) == 0
        && keyctl_link(id, KEY_SPEC_USER_KEYRING) == 0;
    if (!ok)
        keyctl_invalidate(id);
    keyctl_unlink(id, KEY_SPEC_PROCESS_KEYRING);
    return ok;
}

std::optional<Entry> load(const Key &key)
{
    const std::string desc = description(key);
    if (desc.size() > MaxDescriptionBytes)
        return std::nullopt;
    const key_serial_t id = key_serial_t(keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc.c_str(), 0));
    if (id < 0)
        return std::nullopt;
    // Only this user's processes can link a key into this user's keyring.
    std::string buffer(MaxEntryBytes + 1, '\0');
    const long size = keyctl_read(id, buffer.data(), buffer.size());
    if (size < 0 || std::size_t(size) > MaxEntryBytes) {
        explicit_bzero(buffer.data(), buffer.size());
        return std::nullopt;
    }
    std::optional<Entry> entry = decode(std::string_view(buffer.data(), std::size_t(size)));
    explicit_bzero(buffer.data(), buffer.size());
    return entry;
}

bool remove(const Key &key)
{
    const std::string desc = description(key);
    if (desc.size() > MaxDescriptionBytes)
        return false;
    const key_serial_t id = key_serial_t(keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc.c_str(), 0));
    return id >= 0 && keyctl_invalidate(id) == 0;
}

#else

bool store(const Key &, const Entry &, std::int64_t)
{
    return false;
}
std::optional<Entry> load(const Key &)
{
    return std::nullopt;
}
bool remove(const Key &)
{
    return false;
}

#endif

Check checkProfile(const Key &key, const Entry &entry, std::int64_t nowMs)
{
    sqlite3 *raw = nullptr;
    // Read-only, never created: a profile that is not there is not answered from.
    const int opened = sqlite3_open_v2(key.databaseFile.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    Connection db(raw);
    if (opened != SQLITE_OK)
        return Check::ProfileUnreadable;
    // Another program's write is waited for, as the full CLI does (briefly: kubectl waits on us).
    sqlite3_busy_timeout(db.get(), 2000);

    Statement version = prepare(db.get(), "PRAGMA user_version");
    if (!version || sqlite3_step(version.get()) != SQLITE_ROW)
        return Check::ProfileUnreadable;
    if (sqlite3_column_int(version.get(), 0) != SchemaVersion)
        return Check::ProfileUnreadable;

    Statement secret = prepare(db.get(),
        "SELECT s.id, s.updated_at FROM dynamic_secrets s JOIN environments e ON e.id = s.environment_id "
        "WHERE e.name = ?1 AND s.name = ?2");
    if (!secret || !bindText(secret.get(), 1, key.environment) || !bindText(secret.get(), 2, key.secret))
        return Check::ProfileUnreadable;
    int step = sqlite3_step(secret.get());
    if (step != SQLITE_ROW)
        return step == SQLITE_DONE ? Check::Stale : Check::ProfileUnreadable;
    if (sqlite3_column_int64(secret.get(), 0) != entry.secretId
        || sqlite3_column_int64(secret.get(), 1) != entry.secretUpdatedMs)
        return Check::Stale;

    Statement lease
        = prepare(db.get(), "SELECT state, secret_id, namespace, expires_at FROM leases WHERE id = ?1");
    if (!lease || !bindText(lease.get(), 1, entry.leaseId))
        return Check::ProfileUnreadable;
    step = sqlite3_step(lease.get());
    if (step != SQLITE_ROW)
        return step == SQLITE_DONE ? Check::Stale : Check::ProfileUnreadable;
    // Only an active lease's token: never a revoked, released or expired one's,
    // nor a renewed one's (its newer token is in the keychain), nor one about to expire.
    const bool usable = columnText(lease.get(), 0) == "active"
        && sqlite3_column_int64(lease.get(), 1) == entry.secretId
        && columnText(lease.get(), 2) == key.namespaceName
        && sqlite3_column_type(lease.get(), 3) == SQLITE_INTEGER
        && sqlite3_column_int64(lease.get(), 3) == entry.leaseExpiresMs
        && std::min(entry.leaseExpiresMs, entry.tokenExpiresMs) > nowMs + MinRemainingMs;
    return usable ? Check::Usable : Check::Stale;
}

} // namespace kms::kubectlcache
