#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

struct evp_pkey_st;

namespace kms::testcluster {

// The cluster's key material, made fresh at every start: a CA, a serving
// certificate for 127.0.0.1/localhost signed by it, and the RSA key that signs
// service account tokens (RS256).
class Pki {
public:
    Pki();
    ~Pki();
    Pki(const Pki &) = delete;
    Pki &operator=(const Pki &) = delete;

    QByteArray caCertPem() const { return m_caCertPem; }
    QByteArray servingCertPem() const { return m_servingCertPem; }
    QByteArray servingKeyPem() const { return m_servingKeyPem; }
    QByteArray signingPublicKeyPem() const { return m_signingPublicPem; }
    // base64url (unpadded) of SHA-256 of the DER public key, as kube-apiserver sets `kid`.
    QString keyId() const { return m_keyId; }
    // The signing key as a JSON Web Key: {use, kty, kid, alg, n, e}, as /openid/v1/jwks lists it.
    QJsonObject signingJwk() const;

    QByteArray signRs256(const QByteArray &data) const;
    bool verifyRs256(const QByteArray &data, const QByteArray &signature) const;

private:
    std::unique_ptr<evp_pkey_st, void (*)(evp_pkey_st *)> m_signingKey;
    QByteArray m_caCertPem;
    QByteArray m_servingCertPem;
    QByteArray m_servingKeyPem;
    QByteArray m_signingPublicPem;
    QString m_keyId;
};

} // namespace kms::testcluster
