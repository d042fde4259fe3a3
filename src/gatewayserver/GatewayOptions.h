#pragma once

#include "gatewayserver/ConnectionLimits.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace kms {

// An address to listen on: "0.0.0.0:8443", "[::]:8443", "127.0.0.1:0" (port 0: any free port).
struct ListenAddress {
    QString host; // a numeric IP address, without brackets
    quint16 port = 0;

    // nullopt unless text is ADDRESS:PORT with a numeric address (IPv6 may be bracketed).
    static std::optional<ListenAddress> parse(const QString &text);
    // "0.0.0.0:8443", "[::]:8443".
    QString toString() const;

    bool operator==(const ListenAddress &) const = default;
};

// What hanzo-kms-gateway serves with. The member defaults are the documented
// defaults; inPod() adds what Kubernetes gives a pod. A command line fills in
// the options it was given through the setters, which check what a value
// means and leave the options unchanged when it is unusable.
//
// To add an option: a member (with its default) here, a setter if its text
// needs checking, its flag in app/gateway/GatewayOptionsParser.cpp, and its
// use in runGateway() (RunGateway.cpp).
struct GatewayOptions {
    // Desktops connect here over mutual TLS.
    ListenAddress listen { QStringLiteral("0.0.0.0"), 8443 };
    QString tlsCertFile; // PEM, may include the chain
    QString tlsKeyFile; // PEM, unencrypted EC or RSA
    QString clientCaFile; // signs the desktops' client certificates
    // Who may do what (GatewayAccessPolicy, YAML); required: without it the gateway does not start.
    QString policyFile;

    // Plain-HTTP /healthz and /readyz for the kubelet's probes; nullopt: off.
    // Only where told: in a pod, --health-listen=0.0.0.0:8081 lets the kubelet reach it.
    std::optional<ListenAddress> healthListen = ListenAddress { QStringLiteral("127.0.0.1"), 8081 };

    // The API server the gateway calls with its own service account.
    QString kubeUrl; // empty: not in a pod, and none given
    QString kubeCaFile; // empty or absent (unless kubeCaRequired): the system's CAs
    bool kubeCaRequired = false; // named explicitly, so a missing file is an error
    QString kubeTokenFile; // read again whenever it changes

    // What each client connection may take (ConnectionGuard): its maxBodyBytes
    // is the largest request body, then header, body and idle timeouts and the
    // connection caps; the rest keep ConnectionLimits' defaults.
    ConnectionLimits connection;
    std::chrono::seconds upstreamTimeout { 30 };
    std::chrono::seconds reapInterval { 300 }; // zero: never
    QStringList reapNamespaces; // empty: all

    static constexpr qint64 MinRequestBytes = 1024;
    static constexpr qint64 MaxRequestBytes = 64 * 1024 * 1024;
    static constexpr int MaxConnectionCount = 100000;

    // The defaults, with the API server, its CA and the token file of the pod
    // the gateway runs in (https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
    // and the service account directory).
    static GatewayOptions inPod(const QProcessEnvironment &env);

    // Each setter takes the text as typed and the name it was given under
    // (e.g. "--listen"); on an unusable value it returns false, changes
    // nothing and sets *error to one sentence that starts with that name.
    bool setListen(const QString &name, const QString &text, QString *error);
    // ADDRESS:PORT, or "off".
    bool setHealthListen(const QString &name, const QString &text, QString *error);
    // A whole number from MinRequestBytes to MaxRequestBytes.
    bool setMaxRequestBytes(const QString &name, const QString &text, QString *error);
    // Positive durations (10s, 1m).
    bool setHeaderTimeout(const QString &name, const QString &text, QString *error);
    bool setBodyTimeout(const QString &name, const QString &text, QString *error);
    bool setIdleTimeout(const QString &name, const QString &text, QString *error);
    // Whole numbers from 1 to MaxConnectionCount.
    bool setMaxConnections(const QString &name, const QString &text, QString *error);
    bool setMaxClientConnections(const QString &name, const QString &text, QString *error);
    // A positive duration (30s, 5m, 1h).
    bool setUpstreamTimeout(const QString &name, const QString &text, QString *error);
    // A positive duration, or "0" / "off" for never.
    bool setReapInterval(const QString &name, const QString &text, QString *error);
    // Comma-separated namespace names, added to those already set.
    bool addReapNamespaces(const QString &name, const QString &text, QString *error);
};

} // namespace kms
