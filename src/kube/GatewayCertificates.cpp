#include "kube/GatewayCertificates.h"

#include "kube/KubeTransport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace kms {

namespace {

struct Free {
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(X509 *p) const { X509_free(p); }
    void operator()(BIO *p) const { BIO_free(p); }
    void operator()(BIGNUM *p) const { BN_free(p); }
    void operator()(X509_EXTENSION *p) const { X509_EXTENSION_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

Key newKey()
{
    return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

QByteArray bioBytes(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return QByteArray(data, int(size));
}

QByteArray keyPem(EVP_PKEY *key)
{
    Bio bio(BIO_new(BIO_s_mem()));
    // "EC PRIVATE KEY": the form every TLS stack (and QSslKey) reads.
    if (!bio || !PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
        return {};
    return bioBytes(bio.get());
}

QByteArray certPem(X509 *cert)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || !PEM_write_bio_X509(bio.get(), cert))
        return {};
    return bioBytes(bio.get());
}

bool addExtension(X509 *cert, X509 *issuer, int nid, const QByteArray &value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.constData()));
    return ext && X509_add_ext(cert, ext.get(), -1);
}

// A certificate for key, signed by issuerKey (itself when issuer is null).
Cert makeCertificate(EVP_PKEY *key, const QString &commonName, X509 *issuer, EVP_PKEY *issuerKey, int days,
    const QList<std::pair<int, QByteArray>> &extensions)
{
    Cert cert(X509_new());
    if (!cert || !X509_set_version(cert.get(), 2))
        return {};
    std::unique_ptr<BIGNUM, Free> serial(BN_new());
    if (!serial || !BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)
        || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        return {};
    // A little slack for clocks that are behind.
    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300)
        || !X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(days) * 86400))
        return {};
    if (!X509_set_pubkey(cert.get(), key))
        return {};
    X509_NAME *name = X509_get_subject_name(cert.get());
    const QByteArray cn = commonName.toUtf8();
    if (!X509_NAME_add_entry_by_txt(
            name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>("Hanzo KMS"), -1, -1, 0)
        || !X509_NAME_add_entry_by_txt(
            name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0))
        return {};
    X509 *signer = issuer ? issuer : cert.get();
    if (!X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)))
        return {};
    if (!addExtension(cert.get(), signer, NID_subject_key_identifier, "hash"))
        return {};
    if (issuer && !addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always"))
        return {};
    for (const auto &[nid, value] : extensions) {
        if (!addExtension(cert.get(), signer, nid, value))
            return {};
    }
    if (!X509_sign(cert.get(), issuerKey ? issuerKey : key, EVP_sha256()))
        return {};
    return cert;
}

bool writeFile(const QString &path, const QByteArray &data, bool secret, QString *error)
{
    QFile file(path);
    // Create with the final mode from the start: a key is never world-readable, not even briefly.
    const QFileDevice::Permissions mode = secret ? (QFileDevice::ReadOwner | QFileDevice::WriteOwner)
                                                 : (QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                     | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, mode) || file.write(data) != data.size()) {
        if (error)
            *error = QStringLiteral("Cannot write %1: %2.").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

QStringList GatewayCertificates::fileNames()
{
    return { QStringLiteral("ca.crt"), QStringLiteral("ca.key"), QStringLiteral("server.crt"),
        QStringLiteral("server.key"), QStringLiteral("client.crt"), QStringLiteral("client.key") };
}

std::optional<GatewayCertificates::Bundle> GatewayCertificates::generate(
    const QStringList &hosts, const QString &clientName, int days, QString *error)
{
    auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (hosts.isEmpty())
        return fail(QStringLiteral("Give at least one --host: the name or address the desktop uses to reach "
                                   "the gateway."));
    QByteArrayList san;
    for (const QString &host : hosts) {
        const QString h = host.trimmed();
        const QHostAddress address(h);
        if (!address.isNull()) {
            san << "IP:" + address.toString().toLatin1();
            continue;
        }
        static const QRegularExpression dns(
            QStringLiteral("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"));
        if (h.isEmpty() || h.size() > 253 || !dns.match(h.toLower()).hasMatch())
            return fail(QStringLiteral("--host \"%1\" is neither a DNS name nor an IP address.").arg(host));
        san << "DNS:" + h.toLower().toLatin1();
    }
    if (clientName.trimmed().isEmpty())
        return fail(QStringLiteral("The client name must not be empty."));
    if (days < 1 || days > 3650)
        return fail(QStringLiteral("--days must be between 1 and 3650."));

    const Key caKey = newKey(), serverKey = newKey(), clientKey = newKey();
    if (!caKey || !serverKey || !clientKey)
        return fail(QStringLiteral("OpenSSL could not generate a P-256 key."));
    const Cert ca
        = makeCertificate(caKey.get(), QStringLiteral("hanzo-kms-gateway CA"), nullptr, nullptr, days,
            { { NID_basic_constraints, "critical,CA:TRUE,pathlen:0" },
                { NID_key_usage, "critical,keyCertSign,cRLSign" } });
    if (!ca)
        return fail(QStringLiteral("OpenSSL could not make the CA certificate."));
    const Cert server = makeCertificate(serverKey.get(), hosts.first().trimmed(), ca.get(), caKey.get(), days,
        { { NID_basic_constraints, "critical,CA:FALSE" }, { NID_key_usage, "critical,digitalSignature" },
            { NID_ext_key_usage, "serverAuth" }, { NID_subject_alt_name, san.join(',') } });
    const Cert client = makeCertificate(clientKey.get(), clientName.trimmed(), ca.get(), caKey.get(), days,
        { { NID_basic_constraints, "critical,CA:FALSE" }, { NID_key_usage, "critical,digitalSignature" },
            { NID_ext_key_usage, "clientAuth" } });
    if (!server || !client)
        return fail(QStringLiteral("OpenSSL could not make the server or client certificate."));
    Bundle b { certPem(ca.get()), keyPem(caKey.get()), certPem(server.get()), keyPem(serverKey.get()),
        certPem(client.get()), keyPem(clientKey.get()) };
    if (b.caCertificate.isEmpty() || b.caKey.isEmpty() || b.serverCertificate.isEmpty()
        || b.serverKey.isEmpty() || b.clientCertificate.isEmpty() || b.clientKey.isEmpty())
        return fail(QStringLiteral("OpenSSL could not write the certificates as PEM."));
    return b;
}

bool GatewayCertificates::write(const Bundle &bundle, const QString &dir, QString *error)
{
    QDir d(dir);
    if (!d.exists() && !QDir().mkpath(dir)) {
        if (error)
            *error = QStringLiteral("Cannot create the directory %1.").arg(dir);
        return false;
    }
    for (const QString &name : fileNames()) {
        if (QFileInfo::exists(d.filePath(name))) {
            if (error)
                *error
                    = QStringLiteral("%1 already exists; choose an empty --out directory or remove the old "
                                     "files.")
                          .arg(d.filePath(name));
            return false;
        }
    }
    const QByteArray contents[] = { bundle.caCertificate, bundle.caKey, bundle.serverCertificate,
        bundle.serverKey, bundle.clientCertificate, bundle.clientKey };
    const QStringList names = fileNames();
    for (int i = 0; i < names.size(); ++i) {
        if (!writeFile(d.filePath(names[i]), contents[i], names[i].endsWith(QLatin1String(".key")), error))
            return false;
    }
    return true;
}

QList<QSslCertificate> GatewayCertificates::readCertificates(const QByteArray &pem, QString *error)
{
    return parseCaCertificates(pem, error);
}

QSslKey GatewayCertificates::readPrivateKey(const QByteArray &pem, QString *error)
{
    if (!pem.contains("PRIVATE KEY-----")) {
        if (error)
            *error = QStringLiteral(
                "not a PEM private key (it must contain \"-----BEGIN ... PRIVATE KEY-----\")");
        return {};
    }
    if (pem.contains("ENCRYPTED")) {
        if (error)
            *error = QStringLiteral("the private key is encrypted; give an unencrypted key");
        return {};
    }
    for (QSsl::KeyAlgorithm algorithm : { QSsl::Ec, QSsl::Rsa }) {
        QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            return key;
    }
    if (error)
        *error = QStringLiteral("the private key could not be read (only EC and RSA keys are supported)");
    return {};
}

bool GatewayCertificates::keyMatchesCertificate(const QByteArray &keyPem, const QSslCertificate &certificate)
{
    Bio keyBio(BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())));
    const QByteArray der = certificate.toDer();
    const unsigned char *p = reinterpret_cast<const unsigned char *>(der.constData());
    Cert cert(d2i_X509(nullptr, &p, long(der.size())));
    if (!keyBio || !cert)
        return false;
    // No passphrase prompt: an encrypted key simply does not match.
    pem_password_cb *noPassphrase = [](char *, int, int, void *) { return 0; };
    Key key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, noPassphrase, nullptr));
    return key && X509_check_private_key(cert.get(), key.get()) == 1;
}

} // namespace kms
