#pragma once

namespace kms {

// Installs the product's translations (for now English, whose catalogue holds
// the plural forms of every "%n ...(s)" text: "1 lease", "2 leases") into the
// running QCoreApplication. Built from translations/hanzo-kms_en.ts by
// lrelease into the binary (:/i18n). Returns false when it cannot be loaded;
// the source texts are then shown as written.
bool installTranslations();

} // namespace kms
