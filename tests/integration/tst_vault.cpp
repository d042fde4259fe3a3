#include "TestSupport.h"
#include "store/CredentialVault.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <QCoro/QCoroTask>

#include <cstdio>

using kms::CredentialVault;
using kms::VaultResult;

namespace {

const char *errorName(VaultResult::Error e)
{
    switch (e) {
    case VaultResult::Error::None:
        return "none";
    case VaultResult::Error::NotFound:
        return "not_found";
    case VaultResult::Error::NoBackend:
        return "no_backend";
    case VaultResult::Error::Locked:
        return "locked";
    case VaultResult::Error::Denied:
        return "denied";
    case VaultResult::Error::Other:
        return "other";
    }
    return "?";
}

QString uniqueKey()
{
    return QStringLiteral("test/") + QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// Child mode: one vault call in an environment the parent prepared; prints the outcome as JSON.
int childMain(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    CredentialVault vault;
    const QString op = qEnvironmentVariable("KMS_VAULT_CHILD");
    const QString key = qEnvironmentVariable("KMS_VAULT_KEY");
    VaultResult r;
    if (op == QLatin1String("put"))
        r = QCoro::waitFor(vault.put(key, QByteArray("child-secret-value-7f3a")));
    else if (op == QLatin1String("get"))
        r = QCoro::waitFor(vault.get(key));
    else
        r = QCoro::waitFor(vault.remove(key));
    const QJsonObject out { { QStringLiteral("ok"), r.ok },
        { QStringLiteral("error"), QString::fromLatin1(errorName(r.error)) },
        { QStringLiteral("message"), r.message } };
    std::fputs(QJsonDocument(out).toJson(QJsonDocument::Compact).constData(), stdout);
    return 0;
}

} // namespace

class TestVault : public QObject {
    Q_OBJECT
private slots:
    void serviceNameComesFromTheEnvironment()
    {
        // CTest gives every test its own service name.
        QVERIFY2(CredentialVault().serviceName().startsWith(QStringLiteral("hanzo-kms-test-")),
            qPrintable(CredentialVault().serviceName()));
        const QByteArray saved = qgetenv("HANZO_KMS_KEYCHAIN_SERVICE");
        qunsetenv("HANZO_KMS_KEYCHAIN_SERVICE");
        QCOMPARE(CredentialVault::defaultServiceName(), QStringLiteral("hanzo-kms"));
        qputenv("HANZO_KMS_KEYCHAIN_SERVICE", saved);
    }

    void putGetRemoveRoundTrip()
    {
        CredentialVault vault;
        const QString key = uniqueKey();
        const QByteArray secret("eyJhbGciOiJSUzI1NiJ9.round-trip.signature");

        const VaultResult put = QCoro::waitFor(vault.put(key, secret));
        QVERIFY2(put.ok, qPrintable(put.message));
        const VaultResult got = QCoro::waitFor(vault.get(key));
        QVERIFY2(got.ok, qPrintable(got.message));
        QCOMPARE(got.value, secret);

        const VaultResult removed = QCoro::waitFor(vault.remove(key));
        QVERIFY2(removed.ok, qPrintable(removed.message));
        const VaultResult gone = QCoro::waitFor(vault.get(key));
        QVERIFY(!gone.ok);
        QCOMPARE(gone.error, VaultResult::Error::NotFound);
        QVERIFY2(gone.message.contains(key), qPrintable(gone.message));
        QVERIFY(gone.value.isEmpty());

        // Removing again is not an error: the entry is gone either way.
        QVERIFY(QCoro::waitFor(vault.remove(key)).ok);
    }

    void overwritesAndKeepsBinaryDataIntact()
    {
        CredentialVault vault;
        const QString key = uniqueKey();
        QByteArray binary;
        for (int i = 0; i < 256; ++i)
            binary.append(char(i));
        QVERIFY(QCoro::waitFor(vault.put(key, QByteArray("first"))).ok);
        QVERIFY(QCoro::waitFor(vault.put(key, binary)).ok);
        const VaultResult got = QCoro::waitFor(vault.get(key));
        QVERIFY2(got.ok, qPrintable(got.message));
        QCOMPARE(got.value, binary);
        QVERIFY(QCoro::waitFor(vault.remove(key)).ok);
    }

    void servicesAndKeysDoNotShareEntries()
    {
        CredentialVault mine;
        CredentialVault other(mine.serviceName() + QStringLiteral("-other"));
        const QString key = uniqueKey();
        QVERIFY(QCoro::waitFor(mine.put(key, QByteArray("mine"))).ok);
        QCOMPARE(QCoro::waitFor(other.get(key)).error, VaultResult::Error::NotFound);
        QCOMPARE(QCoro::waitFor(mine.get(key + QStringLiteral("x"))).error, VaultResult::Error::NotFound);
        QVERIFY(QCoro::waitFor(mine.remove(key)).ok);
    }

    void refusesAnEmptySecret()
    {
        const VaultResult r = QCoro::waitFor(CredentialVault().put(uniqueKey(), QByteArray()));
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains(QStringLiteral("empty")), qPrintable(r.message));
    }

    void withoutASecretServiceTheErrorSaysWhatToInstall_data()
    {
        QTest::addColumn<QString>("operation");
        QTest::newRow("put") << "put";
        QTest::newRow("get") << "get";
        QTest::newRow("remove") << "remove";
    }
    void withoutASecretServiceTheErrorSaysWhatToInstall()
    {
        QFETCH(QString, operation);
        const QString key = uniqueKey();
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KMS_VAULT_CHILD"), operation);
        env.insert(QStringLiteral("KMS_VAULT_KEY"), key);
        // A session bus address where nothing listens: no Secret Service, no KWallet.
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
            QStringLiteral("unix:path=/nonexistent/kms-test-bus"));
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForFinished(60000));
        QCOMPARE(child.exitCode(), 0);
        const QByteArray out = child.readAllStandardOutput();
        const QJsonObject result = QJsonDocument::fromJson(out).object();
        QVERIFY2(!result.isEmpty(), out.constData());
        QCOMPARE(result.value(QStringLiteral("ok")).toBool(), false);
        const QString message = result.value(QStringLiteral("message")).toString();
        QVERIFY2(
            result.value(QStringLiteral("error")).toString() == QLatin1String("no_backend"), out.constData());
        QVERIFY2(message.contains(QStringLiteral("no keychain is available")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("gnome-keyring")), qPrintable(message));
        QVERIFY2(message.contains(key), qPrintable(message));
        QVERIFY(!out.contains("child-secret-value-7f3a"));
        QVERIFY(!child.readAllStandardError().contains("child-secret-value-7f3a"));
    }

    void aLockedKeyringSaysToUnlockIt_data()
    {
        QTest::addColumn<QString>("setup"); // shell run inside the child's own D-Bus session first
        QTest::addColumn<QString>("detailPart");
        // gnome-keyring started on demand, with no keyring made yet and no display to ask on.
        QTest::newRow("no keyring yet") << "true"
                                        << "collection/login";
        // A login keyring that exists but was locked.
        QTest::newRow("keyring locked")
            << "eval \"$(printf 'pw\\n' | gnome-keyring-daemon --unlock --components=secrets)\" >/dev/null "
               "&& "
               "gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets "
               "--method org.freedesktop.Secret.Service.Lock \"[objectpath "
               "'/org/freedesktop/secrets/collection/login']\" "
               ">/dev/null"
            << "locked collection";
    }
    void aLockedKeyringSaysToUnlockIt()
    {
        QFETCH(QString, setup);
        QFETCH(QString, detailPart);
        QTemporaryDir home;
        QVERIFY(home.isValid());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *var :
            { "DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL", "DISPLAY", "WAYLAND_DISPLAY" })
            env.remove(QString::fromLatin1(var));
        for (const char *var : { "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR" }) {
            const QString dir = home.path() + QLatin1Char('/') + QString::fromLatin1(var);
            QVERIFY(QDir().mkpath(dir));
            QFile::setPermissions(
                dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
            env.insert(QString::fromLatin1(var), dir);
        }
        env.insert(QStringLiteral("KMS_VAULT_CHILD"), QStringLiteral("put"));
        env.insert(QStringLiteral("KMS_VAULT_KEY"), uniqueKey());
        QProcess child;
        child.setProcessEnvironment(env);
        child.start(QStringLiteral("dbus-run-session"),
            { QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                setup + QStringLiteral(" && exec \"$0\""), QCoreApplication::applicationFilePath() });
        QVERIFY2(child.waitForFinished(60000), "the locked-keyring child did not finish");
        const QByteArray out = child.readAllStandardOutput();
        const QJsonObject result = QJsonDocument::fromJson(out).object();
        QVERIFY2(result.value(QStringLiteral("error")).toString() == QLatin1String("locked"),
            (out + child.readAllStandardError()).constData());
        const QString message = result.value(QStringLiteral("message")).toString();
        QVERIFY2(message.contains(QStringLiteral("the keychain is locked"))
                && message.contains(QStringLiteral("Unlock")) && message.contains(detailPart),
            qPrintable(message));
        QVERIFY(!out.contains("child-secret-value-7f3a"));
    }
};

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsSet("KMS_VAULT_CHILD"))
        return childMain(argc, argv);
    QCoreApplication app(argc, argv);
    TestVault test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_vault.moc"
