#include "core/Ed25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace kms {

namespace {

struct MdCtxFree {
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX *ctx) const { EVP_PKEY_CTX_free(ctx); }
};

const unsigned char *bytes(const QByteArray &data)
{
    return reinterpret_cast<const unsigned char *>(data.constData());
}

} // namespace

void Ed25519PrivateKey::Free::operator()(EVP_PKEY *key) const
{
    EVP_PKEY_free(key);
}

Ed25519PrivateKey::~Ed25519PrivateKey() = default;

std::optional<Ed25519PrivateKey> Ed25519PrivateKey::generate()
{
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
    EVP_PKEY *key = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1 || !key)
        return std::nullopt;
    return Ed25519PrivateKey(key);
}

std::optional<Ed25519PrivateKey> Ed25519PrivateKey::fromRawPrivateKey(const QByteArray &raw)
{
    if (raw.size() != 32)
        return std::nullopt;
    EVP_PKEY *key
        = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(raw), std::size_t(raw.size()));
    if (!key)
        return std::nullopt;
    return Ed25519PrivateKey(key);
}

QByteArray Ed25519PrivateKey::rawPrivateKey() const
{
    QByteArray raw(32, '\0');
    std::size_t size = std::size_t(raw.size());
    if (EVP_PKEY_get_raw_private_key(m_key.get(), reinterpret_cast<unsigned char *>(raw.data()), &size) != 1
        || size != 32) {
        OPENSSL_cleanse(raw.data(), std::size_t(raw.size()));
        return {};
    }
    return raw;
}

QByteArray Ed25519PrivateKey::publicKey() const
{
    QByteArray raw(PublicKeySize, '\0');
    std::size_t size = std::size_t(raw.size());
    if (EVP_PKEY_get_raw_public_key(m_key.get(), reinterpret_cast<unsigned char *>(raw.data()), &size) != 1
        || size != std::size_t(PublicKeySize))
        return {};
    return raw;
}

QByteArray Ed25519PrivateKey::sign(const QByteArray &message) const
{
    // Ed25519 is a one-shot signature: no digest is given (NULL), the message is hashed inside.
    MdCtx ctx(EVP_MD_CTX_new());
    QByteArray signature(SignatureSize, '\0');
    std::size_t size = std::size_t(signature.size());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, m_key.get()) != 1
        || EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(signature.data()), &size,
               bytes(message), std::size_t(message.size()))
            != 1
        || size != std::size_t(SignatureSize))
        return {};
    return signature;
}

bool ed25519Verify(const QByteArray &publicKey, const QByteArray &message, const QByteArray &signature)
{
    if (publicKey.size() != Ed25519PrivateKey::PublicKeySize
        || signature.size() != Ed25519PrivateKey::SignatureSize)
        return false;
    std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY *)> key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                            bytes(publicKey), std::size_t(publicKey.size())),
        EVP_PKEY_free);
    MdCtx ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), bytes(signature), std::size_t(signature.size()), bytes(message),
               std::size_t(message.size()))
        == 1;
}

} // namespace kms
