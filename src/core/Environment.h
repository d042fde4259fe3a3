#pragma once

#include <QString>

namespace kms {

// A place dynamic secrets live in: Development, Staging, Production, or user-made.
struct Environment {
    qint64 id = 0;
    QString name; // unique, compared case-insensitively
    QString slug; // "dev", "staging", "prod", ...
    int position = 0; // display order
};

} // namespace kms
