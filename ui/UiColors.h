#pragma once

#include <QColor>

namespace kms::ui {

// Colours that read on the platform's light and dark palettes alike.
class UiColors {
public:
    static bool isDark();
    static QColor error(); // validation messages, failed states
    static QColor success(); // passed checks
    static QColor warning();
};

} // namespace kms::ui
