// What a user gets from `cmake --install` and from the .deb: files where the
// freedesktop specs put them, metadata the validators accept, a package whose
// Depends cover every library its binaries load, and binaries that run from it.
#include "core/BuildInfo.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

namespace {

const QString appId = QStringLiteral("ai.hanzo.KmsDesktop");
const QList<int> iconSizes { 16, 22, 24, 32, 48, 64, 128, 256 };

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
    QString describe() const
    {
        return QStringLiteral("exit %1\nstdout: %2\nstderr: %3").arg(exitCode).arg(out, err);
    }
};

Run run(const QString &program, const QStringList &args,
    const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(program, args);
    Run result;
    if (!process.waitForStarted(10'000)) {
        result.err = QStringLiteral("could not start %1: %2").arg(program, process.errorString());
        return result;
    }
    process.closeWriteChannel();
    if (!process.waitForFinished(120'000)) {
        process.kill();
        process.waitForFinished();
        result.err = QStringLiteral("%1 %2 did not finish within 120 s").arg(program, args.join(u' '));
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    result.err = QString::fromLocal8Bit(process.readAllStandardError());
    return result;
}

// Width and height from a PNG's IHDR chunk.
QSize pngSize(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray head = file.read(24);
    if (head.size() < 24 || !head.startsWith("\x89PNG\r\n\x1a\n") || head.mid(12, 4) != "IHDR")
        return {};
    auto be32 = [&head](int at) {
        return int((uchar(head[at]) << 24) | (uchar(head[at + 1]) << 16) | (uchar(head[at + 2]) << 8)
            | uchar(head[at + 3]));
    };
    return { be32(16), be32(20) };
}

// The files the desktop component installs, relative to the prefix.
QStringList desktopFiles()
{
    QStringList files { QStringLiteral("bin/hanzo-kms"), QStringLiteral("bin/hanzo-kmsctl"),
        QStringLiteral("libexec/hanzo-kms/kms-testcluster"), // hanzo-kms --demo starts it
        QStringLiteral("libexec/hanzo-kms/hanzo-kmsctl"), // the full CLI behind bin/hanzo-kmsctl
        QStringLiteral("share/applications/%1.desktop").arg(appId),
        QStringLiteral("share/metainfo/%1.metainfo.xml").arg(appId),
        QStringLiteral("share/icons/hicolor/scalable/apps/%1.svg").arg(appId) };
    for (int size : iconSizes)
        files << QStringLiteral("share/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(appId);
    return files;
}

// The .deb packages this build makes (KMS_HAS_GATEWAY: the hanzo-kms-gateway target exists).
QStringList packages()
{
    QStringList names { QStringLiteral("hanzo-kms") };
    if (KMS_HAS_GATEWAY)
        names << QStringLiteral("hanzo-kms-gateway");
    return names;
}

// "a (>= 1), b | c" -> {a, b, c}
QStringList dependsNames(const QString &depends)
{
    QStringList names;
    for (const QString &alternatives : depends.split(u',', Qt::SkipEmptyParts)) {
        for (QString name : alternatives.split(u'|')) {
            name = name.trimmed();
            name = name.left(name.indexOf(u' ') < 0 ? name.size() : name.indexOf(u' '));
            names << name.section(u':', 0, 0);
        }
    }
    return names;
}

} // namespace

class TestPackaging : public QObject {
    Q_OBJECT

    QTemporaryDir m_prefix;
    QTemporaryDir m_packages;
    QTemporaryDir m_roots;

    // The .deb of a package, and the folder it was unpacked into with dpkg -x.
    QString deb(const QString &package) const
    {
        return m_packages.filePath(
            QStringLiteral("%1_%2-1_%3.deb").arg(package, kms::BuildInfo::version(), m_arch));
    }
    QString root(const QString &package) const { return m_roots.filePath(package); }
    QString field(const QString &package, const char *name) const
    {
        return run(
            QStringLiteral("dpkg-deb"), { QStringLiteral("-f"), deb(package), QString::fromLatin1(name) })
            .out.trimmed();
    }
    QString m_arch;

private slots:
    void initTestCase()
    {
        for (const char *tool :
            { "desktop-file-validate", "appstreamcli", "dpkg-deb", "dpkg-shlibdeps", "dpkg" }) {
            QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(),
                qPrintable(QStringLiteral("%1 is missing; run packaging/install-deps.sh").arg(tool)));
        }
        QVERIFY(m_prefix.isValid() && m_packages.isValid() && m_roots.isValid());

        const Run install = run(QStringLiteral(KMS_CMAKE_COMMAND),
            { QStringLiteral("--install"), QStringLiteral(KMS_BUILD_DIR), QStringLiteral("--prefix"),
                m_prefix.path() });
        QVERIFY2(install.exitCode == 0, qPrintable(install.describe()));

        const Run arch = run(QStringLiteral("dpkg"), { QStringLiteral("--print-architecture") });
        QVERIFY2(arch.exitCode == 0, qPrintable(arch.describe()));
        m_arch = arch.out.trimmed();

        // Every package this build makes: the desktop app, and the gateway once it is built.
        const Run cpack = run(QStringLiteral(KMS_CPACK_COMMAND),
            { QStringLiteral("--config"), QStringLiteral(KMS_BUILD_DIR "/CPackConfig.cmake"),
                QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("-B"), m_packages.path() });
        QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.describe()));
        QStringList expected { QFileInfo(deb(QStringLiteral("hanzo-kms"))).fileName() };
        if (KMS_HAS_GATEWAY)
            expected << QFileInfo(deb(QStringLiteral("hanzo-kms-gateway"))).fileName();
        QStringList debs = QDir(m_packages.path()).entryList({ QStringLiteral("*.deb") }, QDir::Files);
        debs.sort();
        expected.sort();
        QCOMPARE(debs, expected);

        for (const QString &package : packages()) {
            const Run extract
                = run(QStringLiteral("dpkg"), { QStringLiteral("-x"), deb(package), root(package) });
            QVERIFY2(extract.exitCode == 0, qPrintable(extract.describe()));
        }
    }

    void installPutsEachFileWhereTheSpecsSay_data()
    {
        QTest::addColumn<QString>("relative");
        for (const QString &file : desktopFiles())
            QTest::newRow(qPrintable(file)) << file;
    }

    void installPutsEachFileWhereTheSpecsSay()
    {
        QFETCH(QString, relative);
        const QFileInfo info(m_prefix.filePath(relative));
        QVERIFY2(info.isFile(), qPrintable(info.filePath()));
        QVERIFY(info.size() > 0);
        if (relative.startsWith(QLatin1String("bin/")) || relative.startsWith(QLatin1String("libexec/")))
            QVERIFY2(info.isExecutable(), qPrintable(info.filePath()));
    }

    void installedPngIconsHaveTheSizeOfTheirFolder_data()
    {
        QTest::addColumn<int>("size");
        for (int size : iconSizes)
            QTest::newRow(qPrintable(QString::number(size))) << size;
    }

    void installedPngIconsHaveTheSizeOfTheirFolder()
    {
        QFETCH(int, size);
        const QString path
            = m_prefix.filePath(QStringLiteral("share/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(appId));
        QCOMPARE(pngSize(path), QSize(size, size));
    }

    void installedDesktopFileValidates()
    {
        const QString path = m_prefix.filePath(QStringLiteral("share/applications/%1.desktop").arg(appId));
        const Run validate = run(QStringLiteral("desktop-file-validate"), { path });
        QVERIFY2(validate.exitCode == 0, qPrintable(validate.describe()));
        // Hints and warnings are printed too; there must be none.
        QVERIFY2(validate.out.trimmed().isEmpty(), qPrintable(validate.describe()));

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
        const QString text = QString::fromUtf8(file.readAll());
        QVERIFY(text.contains(QStringLiteral("\nExec=hanzo-kms\n")));
        QVERIFY(text.contains(QStringLiteral("\nIcon=%1\n").arg(appId)));
        QVERIFY(text.contains(QStringLiteral("\nName=Hanzo KMS\n")));
    }

    void installedMetainfoValidates()
    {
        const QString path = m_prefix.filePath(QStringLiteral("share/metainfo/%1.metainfo.xml").arg(appId));
        const Run validate = run(
            QStringLiteral("appstreamcli"), { QStringLiteral("validate"), QStringLiteral("--no-net"), path });
        QVERIFY2(validate.exitCode == 0, qPrintable(validate.describe()));
        // The whole tree: the launchable .desktop file and the icon are found.
        const Run tree = run(QStringLiteral("appstreamcli"),
            { QStringLiteral("validate-tree"), QStringLiteral("--no-net"), m_prefix.path() });
        QVERIFY2(tree.exitCode == 0, qPrintable(tree.describe()));
    }

    void metainfoDescribesThisRelease()
    {
        QFile file(m_prefix.filePath(QStringLiteral("share/metainfo/%1.metainfo.xml").arg(appId)));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        QString id;
        QString launchable;
        QString license;
        QStringList releases;
        bool rated = false;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == QLatin1String("id"))
                id = xml.readElementText();
            else if (xml.name() == QLatin1String("launchable"))
                launchable = xml.readElementText();
            else if (xml.name() == QLatin1String("project_license"))
                license = xml.readElementText();
            else if (xml.name() == QLatin1String("release"))
                releases << xml.attributes().value(QLatin1String("version")).toString();
            else if (xml.name() == QLatin1String("content_rating"))
                rated = true;
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(id, appId);
        QCOMPARE(launchable, appId + QStringLiteral(".desktop"));
        QCOMPARE(license, QStringLiteral("Apache-2.0"));
        QVERIFY(rated);
        QVERIFY2(releases.contains(kms::BuildInfo::version()),
            qPrintable(QStringLiteral("no <release> for %1 among %2")
                           .arg(kms::BuildInfo::version(), releases.join(u' '))));
    }

    // The validators are what the checks above lean on: they must reject bad files.
    void validatorsRejectBrokenMetadata_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QString>("content");
        QTest::newRow("desktop file without Name") << QStringLiteral(
            "broken.desktop") << QStringLiteral("[Desktop Entry]\nType=Application\nExec=hanzo-kms\n");
        QTest::newRow("desktop file with unknown category")
            << QStringLiteral("broken.desktop")
            << QStringLiteral(
                   "[Desktop Entry]\nType=Application\nName=X\nExec=x\nCategories=NoSuchCategory;\n");
        QTest::newRow("metainfo without id")
            << QStringLiteral("broken.metainfo.xml")
            << QStringLiteral("<?xml version=\"1.0\"?>\n<component type=\"desktop-application\">"
                              "<name>X</name><summary>Y</summary></component>\n");
        QTest::newRow("metainfo with unknown licence")
            << QStringLiteral("broken.metainfo.xml")
            << QStringLiteral(
                   "<?xml version=\"1.0\"?>\n<component type=\"desktop-application\"><id>ai.hanzo.X</id>"
                   "<metadata_license>CC0-1.0</metadata_license><project_license>NoSuchLicence</"
                   "project_license>"
                   "<name>X</name><summary>Y</summary></component>\n");
    }

    void validatorsRejectBrokenMetadata()
    {
        QFETCH(QString, fileName);
        QFETCH(QString, content);
        QTemporaryDir dir;
        QFile file(dir.filePath(fileName));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content.toUtf8());
        file.close();
        const Run validate = fileName.endsWith(QLatin1String(".desktop"))
            ? run(QStringLiteral("desktop-file-validate"), { file.fileName() })
            : run(QStringLiteral("appstreamcli"),
                { QStringLiteral("validate"), QStringLiteral("--no-net"), file.fileName() });
        QVERIFY2(validate.exitCode > 0, qPrintable(validate.describe()));
    }

    void debHoldsTheDesktopFilesUnderUsr_data() { installPutsEachFileWhereTheSpecsSay_data(); }

    void debHoldsTheDesktopFilesUnderUsr()
    {
        QFETCH(QString, relative);
        const QFileInfo info(
            QDir(root(QStringLiteral("hanzo-kms"))).filePath(QStringLiteral("usr/") + relative));
        QVERIFY2(info.isFile() && info.size() > 0, qPrintable(info.filePath()));
    }

    void debControlFieldsDescribeThePackage_data()
    {
        QTest::addColumn<QString>("package");
        QTest::addColumn<QString>("synopsis");
        QTest::addColumn<QStringList>("required");
        // dpkg-shlibdeps computes the library packages; the SQLite plugin it cannot see is named by hand.
        QTest::newRow("hanzo-kms") << QStringLiteral("hanzo-kms")
                                   << QStringLiteral("lease short-lived Kubernetes service account tokens")
                                   << QStringList { QStringLiteral("libqt6core6"),
                                          QStringLiteral("libqt6widgets6"), QStringLiteral("libssl3"),
                                          QStringLiteral("libqt6sql6-sqlite") };
        if (KMS_HAS_GATEWAY) {
            QTest::newRow("hanzo-kms-gateway")
                << QStringLiteral("hanzo-kms-gateway") << QStringLiteral("in-cluster gateway for Hanzo KMS")
                << QStringList { QStringLiteral("libqt6core6"), QStringLiteral("libssl3") };
        }
    }

    void debControlFieldsDescribeThePackage()
    {
        QFETCH(QString, package);
        QFETCH(QString, synopsis);
        QFETCH(QStringList, required);
        QCOMPARE(field(package, "Package"), package);
        QCOMPARE(field(package, "Version"), kms::BuildInfo::version() + QStringLiteral("-1"));
        QCOMPARE(field(package, "Architecture"), m_arch);
        QCOMPARE(field(package, "Section"), QStringLiteral("admin"));
        QVERIFY(field(package, "Maintainer").contains(u'@'));
        QCOMPARE(field(package, "Description").section(u'\n', 0, 0), synopsis);
        const QStringList depends = dependsNames(field(package, "Depends"));
        for (const QString &name : required)
            QVERIFY2(depends.contains(name), qPrintable(depends.join(u' ')));
        // Team profiles load Qt's PostgreSQL plugin, which dpkg-shlibdeps cannot see either.
        if (package == QLatin1String("hanzo-kms"))
            QVERIFY2(dependsNames(field(package, "Recommends")).contains(QStringLiteral("libqt6sql6-psql")),
                qPrintable(field(package, "Recommends")));
    }

    // Every shared library a packaged binary loads comes from a package the
    // .deb depends on (QtKeychain included, as soon as the binaries link it).
    void debDependsCoversEveryLibraryTheBinariesLoad_data() { binariesFromTheDebPrintTheirVersion_data(); }

    void debDependsCoversEveryLibraryTheBinariesLoad()
    {
        QFETCH(QString, package);
        QFETCH(QString, program);
        const QString binary = QDir(root(package)).filePath(QStringLiteral("usr/bin/") + program);
        const QStringList depends = dependsNames(field(package, "Depends"));
        const Run objdump = run(QStringLiteral("objdump"), { QStringLiteral("-p"), binary });
        QVERIFY2(objdump.exitCode == 0, qPrintable(objdump.describe()));
        const QRegularExpression needed(
            QStringLiteral("^\\s*NEEDED\\s+(\\S+)$"), QRegularExpression::MultilineOption);
        int libraries = 0;
        for (const QRegularExpressionMatch &match : needed.globalMatch(objdump.out)) {
            const QString soname = match.captured(1);
            ++libraries;
            const Run owner
                = run(QStringLiteral("dpkg"), { QStringLiteral("-S"), QStringLiteral("*/") + soname });
            QVERIFY2(owner.exitCode == 0, qPrintable(owner.describe()));
            // "libqt6core6:amd64: /usr/lib/x86_64-linux-gnu/libQt6Core.so.6", one line per owner
            bool covered = false;
            for (const QString &line : owner.out.split(u'\n', Qt::SkipEmptyParts)) {
                for (const QString &package :
                    line.section(QStringLiteral(": "), 0, 0).split(QStringLiteral(", ")))
                    covered = covered || depends.contains(package.section(u':', 0, 0));
            }
            QVERIFY2(covered,
                qPrintable(QStringLiteral("%1 needs %2 (from %3), not in Depends: %4")
                               .arg(binary, soname, owner.out.trimmed(), depends.join(u' '))));
        }
        QVERIFY(libraries >= 3);
    }

    void binariesFromTheDebPrintTheirVersion_data()
    {
        QTest::addColumn<QString>("package");
        QTest::addColumn<QString>("program");
        QTest::newRow("hanzo-kmsctl") << QStringLiteral("hanzo-kms") << QStringLiteral("hanzo-kmsctl");
        QTest::newRow("hanzo-kms") << QStringLiteral("hanzo-kms") << QStringLiteral("hanzo-kms");
        if (KMS_HAS_GATEWAY)
            QTest::newRow("hanzo-kms-gateway")
                << QStringLiteral("hanzo-kms-gateway") << QStringLiteral("hanzo-kms-gateway");
    }

    // Run against the system's Qt (LD_LIBRARY_PATH as the user has it), and
    // for the GUI without any display: --version must not need one.
    void binariesFromTheDebPrintTheirVersion()
    {
        QFETCH(QString, package);
        QFETCH(QString, program);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : { "QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY" })
            env.remove(QString::fromLatin1(name));
        const Run version = run(QDir(root(package)).filePath(QStringLiteral("usr/bin/") + program),
            { QStringLiteral("--version") }, env);
        QVERIFY2(version.exitCode == 0, qPrintable(version.describe()));
        QCOMPARE(version.out, kms::BuildInfo::versionLine(program) + u'\n');
        const QRegularExpression shape(
            QStringLiteral(
                "^%1 %2 \\(Qt 6\\.\\d+\\.\\d+, QtKeychain \\d+\\.\\d+\\.\\d+, OpenSSL 3\\.[^)]+\\)\n$")
                .arg(program, QRegularExpression::escape(kms::BuildInfo::version())));
        QVERIFY2(shape.match(version.out).hasMatch(), qPrintable(version.out));
    }
};

QTEST_GUILESS_MAIN(TestPackaging)
#include "tst_packaging.moc"
