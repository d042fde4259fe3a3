#pragma once

#include <QTranslator>

namespace kms::ui {

// The source texts are English with "(s)" where a plural goes: tr("%n lease(s)",
// nullptr, n). Without a translation loaded, this resolves them, so the
// screen says "1 lease" and "2 leases". Installed by main() and the tests.
class EnglishPlurals : public QTranslator {
    Q_OBJECT
public:
    using QTranslator::QTranslator;

    bool isEmpty() const override { return false; }
    QString translate(const char *context, const char *sourceText, const char *disambiguation = nullptr,
        int n = -1) const override;
};

} // namespace kms::ui
