// The English catalogue (translations/hanzo-kms_en.ts) is complete: every text
// with a count (%n) has its singular and plural forms, none left unfinished
// and none still reading "(s)". tools/update-translations.sh adds new texts.
#include "KmsTestPaths.h"

#include <QFile>
#include <QTest>
#include <QXmlStreamReader>

class TestTranslations : public QObject {
    Q_OBJECT

private slots:
    void everyCountedTextHasBothEnglishForms()
    {
        QFile file(QStringLiteral(KMS_PACKAGING_DIR "/../translations/hanzo-kms_en.ts"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.errorString()));
        QXmlStreamReader xml(&file);
        int counted = 0;
        QStringList problems;
        QString context, source;
        bool numerus = false;
        QStringList forms;
        QString translationType;
        while (!xml.atEnd()) {
            xml.readNext();
            if (xml.isStartElement()) {
                if (xml.name() == QLatin1String("name"))
                    context = xml.readElementText();
                else if (xml.name() == QLatin1String("message")) {
                    numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
                    forms.clear();
                    translationType.clear();
                } else if (xml.name() == QLatin1String("source"))
                    source = xml.readElementText();
                else if (xml.name() == QLatin1String("translation"))
                    translationType = xml.attributes().value(QLatin1String("type")).toString();
                else if (xml.name() == QLatin1String("numerusform"))
                    forms << xml.readElementText();
            } else if (xml.isEndElement() && xml.name() == QLatin1String("message") && numerus) {
                ++counted;
                const QString where = context + QStringLiteral(": ") + source;
                if (translationType == QLatin1String("unfinished")
                    || translationType == QLatin1String("vanished")
                    || translationType == QLatin1String("obsolete"))
                    problems << QStringLiteral("%1 (%2)").arg(where, translationType);
                else if (forms.size() != 2 || forms.contains(QString()))
                    problems << QStringLiteral("%1 (%2 forms)").arg(where).arg(forms.size());
                for (const QString &form : std::as_const(forms)) {
                    if (form.contains(QLatin1String("(s)"))
                        || (source.contains(QLatin1String("%n")) && !form.contains(QLatin1String("%n"))))
                        problems << QStringLiteral("%1: form \"%2\"").arg(where, form);
                }
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        QVERIFY2(counted >= 20, qPrintable(QString::number(counted)));
    }
};

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
