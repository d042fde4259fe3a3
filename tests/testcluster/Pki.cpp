#include "Pki.h"

#include <QCryptographicHash>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace kms::testcluster {

namespace {

struct BioDeleter {
    void operator()(BIO *b) const { BIO_free(b); }
};
struct X509Deleter {
    void operator()(X509 *x) const { X509_free(x); }
};
struct PkeyDeleter {
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

void check(bool ok, const char *what)
{
    if (!ok)
        throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

QByteArray bioBytes(BIO *bio)
{
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return QByteArray(data, int(len));
}

QByteArray certPem(X509 *cert)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    return bioBytes(bio.get());
}

QByteArray privateKeyPem(EVP_PKEY *key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
    return bioBytes(bio.get());
}

PkeyPtr ecKey()
{
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    check(key != nullptr, "EC key generation");
    return key;
}

void addExtension(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

X509Ptr makeCert(EVP_PKEY *subjectKey, const char *commonName, X509 *issuer, EVP_PKEY *issuerKey, bool ca)
{
    X509Ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_set_pubkey(cert.get(), subjectKey);
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(commonName), -1, -1, 0);
    X509 *issuerCert = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuerCert));
    if (ca) {
        addExtension(cert.get(), issuerCert, NID_basic_constraints, "critical,CA:TRUE");
        addExtension(cert.get(), issuerCert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
        addExtension(cert.get(), issuerCert, NID_subject_key_identifier, "hash");
    } else {
        addExtension(cert.get(), issuerCert, NID_basic_constraints, "critical,CA:FALSE");
        addExtension(cert.get(), issuerCert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        addExtension(cert.get(), issuerCert, NID_ext_key_usage, "serverAuth");
        addExtension(cert.get(), issuerCert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
        addExtension(cert.get(), issuerCert, NID_authority_key_identifier, "keyid:always");
    }
    check(X509_sign(cert.get(), issuerKey, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

QByteArray digest(EVP_PKEY *key, const QByteArray &data)
{
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    check(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1, "EVP_DigestSignInit");
    size_t len = 0;
    const auto *in = reinterpret_cast<const unsigned char *>(data.constData());
    check(EVP_DigestSign(ctx.get(), nullptr, &len, in, size_t(data.size())) == 1, "EVP_DigestSign");
    QByteArray sig(qsizetype(len), Qt::Uninitialized);
    check(EVP_DigestSign(
              ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len, in, size_t(data.size()))
            == 1,
        "EVP_DigestSign");
    sig.resize(qsizetype(len));
    return sig;
}

} // namespace

Pki::Pki()
    : m_signingKey(nullptr, [](evp_pkey_st *k) { EVP_PKEY_free(k); })
{
    PkeyPtr caKey = ecKey();
    X509Ptr ca = makeCert(caKey.get(), "kms-testcluster-ca", nullptr, caKey.get(), true);
    PkeyPtr servingKey = ecKey();
    X509Ptr serving = makeCert(servingKey.get(), "kube-apiserver", ca.get(), caKey.get(), false);
    m_caCertPem = certPem(ca.get());
    m_servingCertPem = certPem(serving.get());
    m_servingKeyPem = privateKeyPem(servingKey.get());

    m_signingKey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048)));
    check(m_signingKey != nullptr, "RSA key generation");
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PUBKEY(bio.get(), m_signingKey.get()) == 1, "PEM_write_bio_PUBKEY");
    m_signingPublicPem = bioBytes(bio.get());
    unsigned char *der = nullptr;
    const int derLen = i2d_PUBKEY(m_signingKey.get(), &der);
    check(derLen > 0, "i2d_PUBKEY");
    const QByteArray hash = QCryptographicHash::hash(
        QByteArray(reinterpret_cast<char *>(der), derLen), QCryptographicHash::Sha256);
    OPENSSL_free(der);
    m_keyId
        = QString::fromLatin1(hash.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

Pki::~Pki() = default;

QJsonObject Pki::signingJwk() const
{
    auto component = [this](const char *name) {
        BIGNUM *bn = nullptr;
        check(EVP_PKEY_get_bn_param(m_signingKey.get(), name, &bn) == 1, "EVP_PKEY_get_bn_param");
        QByteArray bytes(BN_num_bytes(bn), Qt::Uninitialized);
        BN_bn2bin(bn, reinterpret_cast<unsigned char *>(bytes.data()));
        BN_free(bn);
        return QString::fromLatin1(
            bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    };
    return QJsonObject { { QStringLiteral("use"), QStringLiteral("sig") },
        { QStringLiteral("kty"), QStringLiteral("RSA") }, { QStringLiteral("kid"), m_keyId },
        { QStringLiteral("alg"), QStringLiteral("RS256") },
        { QStringLiteral("n"), component(OSSL_PKEY_PARAM_RSA_N) },
        { QStringLiteral("e"), component(OSSL_PKEY_PARAM_RSA_E) } };
}

QByteArray Pki::signRs256(const QByteArray &data) const
{
    return digest(m_signingKey.get(), data);
}

bool Pki::verifyRs256(const QByteArray &data, const QByteArray &signature) const
{
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, m_signingKey.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.constData()),
               size_t(signature.size()), reinterpret_cast<const unsigned char *>(data.constData()),
               size_t(data.size()))
        == 1;
}

} // namespace kms::testcluster
