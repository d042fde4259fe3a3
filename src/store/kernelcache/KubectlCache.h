#pragma once

// The kubectl credential cache's hot copy in the kernel keyring (Linux), and
// the fast path that answers kubectl from it. Plain C++ (no Qt): it is linked
// into hanzo-kmsctl's small front program, which kubectl starts for every
// command, and which must not pay for loading Qt and forty libraries.
//
// The keychain (Secret Service) entry of KubectlCredentials stays the cache of
// record; this copy lives in the user's kernel keyring ("user" key type: kernel
// memory, never on disk, never swapped), readable by the user's own processes
// as the unlocked keychain is, and dropped by the kernel when its token
// expires. The front serves it only after checking, in the profile's SQLite
// file, that the lease is still active, unrenewed, of the same unchanged secret
// and namespace, with enough time left; in every other case it hands the
// command to the full hanzo-kmsctl, which decides as KubectlCredentials always has.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kms::kubectlcache {

// The profile schema the fast path's queries were written for; the front
// answers nothing from a profile of another version (KubectlCredentials.cpp
// static_asserts it against Database::SchemaVersion).
constexpr int SchemaVersion = 10; // 10 changed nothing in SQLite (PostgreSQL functions)
// What kubectl's default for --min-remaining leaves the token (2 minutes).
constexpr std::int64_t MinRemainingMs = 2 * 60 * 1000;
constexpr std::size_t MaxEntryBytes = 64 * 1024;
constexpr std::size_t MaxTokenBytes = 16 * 1024; // BearerToken::MaxBytes

// What a credential command line names: the same strings the front reads from
// the command line "kubeconfig add" writes, and the full CLI from its options.
struct Key {
    std::string service; // keychain service (HANZO_KMS_KEYCHAIN_SERVICE or hanzo-kms)
    std::string databaseFile; // the profile's SQLite file, absolute
    std::string environment;
    std::string secret;
    std::string namespaceName;
    std::optional<std::string> audiences; // --audiences as given, if given
};

// What is cached, and what the front checks against the profile.
struct Entry {
    std::int64_t secretId = 0;
    std::int64_t secretUpdatedMs = 0; // the secret's updated_at: any edit invalidates
    std::string leaseId;
    std::int64_t leaseExpiresMs = 0; // the lease row's expires_at: a renew invalidates
    std::int64_t tokenExpiresMs = 0;
    std::string token;
};

// The key's description in the keyring: every field length-prefixed, so no two keys share one.
std::string description(const Key &key);
std::string encode(const Entry &entry);
// nullopt for anything but a well-formed entry with a usable token.
std::optional<Entry> decode(std::string_view payload);
// true for a token that may go into an Authorization header: 0x21..0x7e, 1..MaxTokenBytes.
bool isUsableToken(std::string_view token);
// kubectl's ExecCredential (client.authentication.k8s.io/v1), byte for byte
// what kms::ExecCredential::json writes.
std::string execCredentialJson(std::string_view token, std::int64_t expiresMs);

// The user keyring. store() replaces an entry with the same key atomically
// and sets the kernel's timeout; both return false where the kernel keyring
// is not available (other systems, a container without keyctl).
bool store(const Key &key, const Entry &entry, std::int64_t nowMs);
std::optional<Entry> load(const Key &key);
bool remove(const Key &key);

// The lease as the profile has it now, read with SQLite directly.
enum class Check { Usable, Stale, ProfileUnreadable };
Check checkProfile(const Key &key, const Entry &entry, std::int64_t nowMs);

} // namespace kms::kubectlcache
