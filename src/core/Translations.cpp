#include "core/Translations.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTranslator>

namespace kms {

bool installTranslations()
{
    auto *app = QCoreApplication::instance();
    if (!app)
        return false;
    // One translator per application, owned by it.
    static const char *const Name = "kmsTranslator";
    if (app->findChild<QTranslator *>(QLatin1String(Name)))
        return true;
    auto *translator = new QTranslator(app);
    translator->setObjectName(QLatin1String(Name));
    // English is the only catalogue so far, and the fallback for every locale.
    if (!translator->load(QLocale(QLocale::English), QStringLiteral("hanzo-kms"), QStringLiteral("_"),
            QStringLiteral(":/i18n"))) {
        delete translator;
        return false;
    }
    return QCoreApplication::installTranslator(translator);
}

} // namespace kms
