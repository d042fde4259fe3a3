#pragma once

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// Certificates for a quick start with hanzo-kms-gateway (`certs` command): a
// CA, a server certificate for the gateway's host names, and a client
// certificate for the desktop, all signed by that CA (ECDSA P-256, SHA-256,
// via OpenSSL). Also reads the PEM files the gateway and the desktop are given.
class GatewayCertificates {
public:
    struct Bundle {
        QByteArray caCertificate;
        QByteArray caKey;
        QByteArray serverCertificate;
        QByteArray serverKey;
        QByteArray clientCertificate;
        QByteArray clientKey;
    };

    // hosts: DNS names and IP addresses the server certificate is valid for
    // (at least one). clientName: the client certificate's common name.
    static std::optional<Bundle> generate(
        const QStringList &hosts, const QString &clientName, int days, QString *error);

    // Writes ca.crt, ca.key, server.crt, server.key, client.crt, client.key into
    // dir (created 0700; keys 0600). Refuses to overwrite any existing file.
    static bool write(const Bundle &bundle, const QString &dir, QString *error);
    static QStringList fileNames();

    // One or more certificates from PEM; empty and error set otherwise.
    static QList<QSslCertificate> readCertificates(const QByteArray &pem, QString *error);
    // An EC or RSA private key from PEM; null and error set otherwise.
    static QSslKey readPrivateKey(const QByteArray &pem, QString *error);
    // Whether the private key (PEM) belongs to the certificate.
    static bool keyMatchesCertificate(const QByteArray &keyPem, const QSslCertificate &certificate);
};

} // namespace kms
