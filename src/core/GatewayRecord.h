#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace kms {

// A hanzo-kms-gateway the desktop knows: where it is and the certificates of
// the mutual TLS. The client key is not here: it lives in the keychain under
// GatewayRegistry::vaultKeyFor(name).
struct GatewayRecord {
    // The PEM files of a gateway (CA, client certificate, client key) are a few KiB.
    static constexpr qint64 MaxPemFileBytes = 1024 * 1024;

    qint64 id = 0;
    QString name;
    QString url;
    QByteArray caCertificate; // PEM: the CA that signs the gateway's certificate
    QByteArray clientCertificate; // PEM
    QDateTime createdAt;
};

} // namespace kms
