#pragma once

#include <QByteArray>

#include <memory>
#include <optional>

typedef struct evp_pkey_st EVP_PKEY;

namespace kms {

// An Ed25519 signing key (OpenSSL 3, EVP_PKEY_ED25519): signs the audit log's
// events. The private half leaves the object only as rawPrivateKey(), for the
// keychain; public keys and signatures are raw bytes (32 and 64).
class Ed25519PrivateKey {
public:
    static constexpr int PublicKeySize = 32;
    static constexpr int SignatureSize = 64;

    // A new random key; nullopt if OpenSSL cannot make one.
    static std::optional<Ed25519PrivateKey> generate();
    // The key from its 32 raw private bytes (as rawPrivateKey() wrote them); nullopt if malformed.
    static std::optional<Ed25519PrivateKey> fromRawPrivateKey(const QByteArray &raw);

    Ed25519PrivateKey(Ed25519PrivateKey &&) noexcept = default;
    Ed25519PrivateKey &operator=(Ed25519PrivateKey &&) noexcept = default;
    ~Ed25519PrivateKey();

    QByteArray rawPrivateKey() const; // secret: only for the keychain
    QByteArray publicKey() const; // 32 bytes
    // The 64-byte signature of message; empty if OpenSSL failed.
    QByteArray sign(const QByteArray &message) const;

private:
    struct Free {
        void operator()(EVP_PKEY *key) const;
    };
    explicit Ed25519PrivateKey(EVP_PKEY *key)
        : m_key(key)
    {
    }
    std::unique_ptr<EVP_PKEY, Free> m_key;
};

// True if signature is publicKey's Ed25519 signature of message. Malformed
// keys or signatures (wrong sizes, not a curve point) are false.
bool ed25519Verify(const QByteArray &publicKey, const QByteArray &message, const QByteArray &signature);

} // namespace kms
