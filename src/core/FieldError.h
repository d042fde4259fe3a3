#pragma once

#include <QList>
#include <QString>

namespace kms {

// One validation problem, tied to the field (form control, CLI flag) it is about.
struct FieldError {
    QString field;
    QString message;

    bool operator==(const FieldError &) const = default;
};

using FieldErrors = QList<FieldError>;

} // namespace kms
