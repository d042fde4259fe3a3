#pragma once

#include <QByteArray>
#include <QString>

namespace kms {

// A cluster token as it may go into "Authorization: Bearer <token>": visible
// ASCII (0x21..0x7e), no spaces or control characters, not empty, at most
// MaxBytes. Checked where a token enters (--token-file, --token-stdin, a
// kubeconfig's token and tokenFile, the setup form, the keychain) and again
// by the transport before a request is built, so a line break can never add
// a header.
struct BearerToken {
    // Service account JWTs are 1-2 KiB, OIDC tokens with many groups a few KiB.
    static constexpr qsizetype MaxBytes = 16 * 1024;
    // A file that holds a token may have whitespace around it, not much more.
    static constexpr qint64 MaxFileBytes = 64 * 1024;

    // Why the token cannot be used, as the end of a sentence that begins with
    // what the token is ("The cluster token in F " + problem): "is empty",
    // "contains spaces or control characters ...". Empty when it is usable.
    // Never includes the token or any part of it.
    static QString problem(const QByteArray &token);
    static bool isValid(const QByteArray &token) { return problem(token).isEmpty(); }
};

} // namespace kms
