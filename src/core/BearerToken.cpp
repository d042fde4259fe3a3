#include "core/BearerToken.h"

namespace kms {

QString BearerToken::problem(const QByteArray &token)
{
    if (token.isEmpty())
        return QStringLiteral("is empty");
    if (token.size() > MaxBytes)
        return QStringLiteral("is longer than %1 KiB, which no cluster token is").arg(MaxBytes / 1024);
    for (const char c : token) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f)
            return QStringLiteral(
                "contains spaces, line breaks, control or non-ASCII characters; a cluster token is a "
                "single word of visible ASCII characters");
    }
    return {};
}

} // namespace kms
