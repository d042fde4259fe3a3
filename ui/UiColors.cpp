#include "UiColors.h"

#include <QApplication>
#include <QPalette>

namespace kms::ui {

bool UiColors::isDark()
{
    return QApplication::palette().color(QPalette::Window).lightness() < 128;
}

QColor UiColors::error()
{
    return isDark() ? QColor(0xff, 0x8a, 0x80) : QColor(0xb3, 0x1b, 0x1b);
}

QColor UiColors::success()
{
    return isDark() ? QColor(0x81, 0xc7, 0x84) : QColor(0x1b, 0x6e, 0x20);
}

QColor UiColors::warning()
{
    return isDark() ? QColor(0xff, 0xcc, 0x80) : QColor(0x8a, 0x4b, 0x00);
}

} // namespace kms::ui
