#include "core/DisplayText.h"

namespace kms {

namespace {

bool needsEscape(char32_t c)
{
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        return true;
    switch (QChar::category(c)) {
    case QChar::Other_Format: // bidi overrides and isolates, zero-width characters
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
    case QChar::Other_Surrogate: // a lone surrogate
        return true;
    default:
        return false;
    }
}

QString escape(char32_t c)
{
    switch (c) {
    case U'\n':
        return QStringLiteral("\\n");
    case U'\r':
        return QStringLiteral("\\r");
    case U'\t':
        return QStringLiteral("\\t");
    default:
        break;
    }
    if (c < 0x80)
        return QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
    return QStringLiteral("\\u{%1}").arg(uint(c), 4, 16, QLatin1Char('0'));
}

} // namespace

QString escapeControls(QStringView text)
{
    QString out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size();) {
        const QChar c = text.at(i);
        char32_t code = c.unicode();
        qsizetype width = 1;
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            code = QChar::surrogateToUcs4(c, text.at(i + 1));
            width = 2;
        }
        if (needsEscape(code))
            out += escape(code);
        else
            out += text.mid(i, width);
        i += width;
    }
    return out;
}

QString quoted(QStringView text)
{
    return QLatin1Char('"') + escapeControls(text) + QLatin1Char('"');
}

} // namespace kms
