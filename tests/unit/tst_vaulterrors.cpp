#include "store/CredentialVault.h"

#include <QTest>
#include <qt6keychain/keychain.h>

using kms::CredentialVault;
using kms::VaultResult;

// How keychain failures reach the user: each kind its own sentence saying what to do.
// (The real backends are exercised in integration_vault.)
class TestVaultErrors : public QObject {
    Q_OBJECT
private slots:
    void classifiesKeychainFailures_data()
    {
        QTest::addColumn<int>("keychainError");
        QTest::addColumn<QString>("detail");
        QTest::addColumn<VaultResult::Error>("expected");
        QTest::addColumn<QString>("advice");
        QTest::newRow("entry not found") << int(QKeychain::EntryNotFound) << "Entry not found"
                                         << VaultResult::Error::NotFound << "has no entry";
        QTest::newRow("no backend") << int(QKeychain::NoBackendAvailable) << "No keychain service available"
                                    << VaultResult::Error::NoBackend << "install and start";
        QTest::newRow("not implemented") << int(QKeychain::NotImplemented) << "Not implemented"
                                         << VaultResult::Error::NoBackend << "gnome-keyring";
        QTest::newRow("no bus") << int(QKeychain::OtherError)
                                << "Could not connect: No such file or directory"
                                << VaultResult::Error::NoBackend << "install and start";
        QTest::newRow("dbus autolaunch")
            << int(QKeychain::OtherError) << "Cannot autolaunch D-Bus without X11 $DISPLAY"
            << VaultResult::Error::NoBackend << "gnome-keyring";
        QTest::newRow("service unknown")
            << int(QKeychain::OtherError)
            << "The name org.freedesktop.secrets was not provided by any .service files"
            << VaultResult::Error::NoBackend << "KWallet";
        QTest::newRow("locked collection")
            << int(QKeychain::OtherError) << "Cannot create an item in a locked collection"
            << VaultResult::Error::Locked << "Unlock it";
        QTest::newRow("no login keyring")
            << int(QKeychain::OtherError)
            << "Object does not exist at path \u201c/org/freedesktop/secrets/collection/login\u201d"
            << VaultResult::Error::Locked << "create or unlock";
        QTest::newRow("denied by user") << int(QKeychain::AccessDeniedByUser) << "User cancelled the prompt"
                                        << VaultResult::Error::Denied << "Allow Hanzo KMS";
        QTest::newRow("denied") << int(QKeychain::AccessDenied) << "Access to keychain denied"
                                << VaultResult::Error::Denied << "Allow Hanzo KMS";
        QTest::newRow("denied because locked") << int(QKeychain::AccessDenied) << "Wallet is locked"
                                               << VaultResult::Error::Locked << "Unlock it";
        QTest::newRow("could not delete") << int(QKeychain::CouldNotDeleteEntry) << "Could not delete entry"
                                          << VaultResult::Error::Other << "Could not delete entry";
        QTest::newRow("something else") << int(QKeychain::OtherError) << "Unexpected reply"
                                        << VaultResult::Error::Other << "Unexpected reply";
    }
    void classifiesKeychainFailures()
    {
        QFETCH(int, keychainError);
        QFETCH(QString, detail);
        QFETCH(VaultResult::Error, expected);
        QFETCH(QString, advice);
        const VaultResult r
            = CredentialVault::describeFailure(keychainError, detail, CredentialVault::Operation::Put,
                QStringLiteral("dynamic-secret/7/cluster-token"), QStringLiteral("hanzo-kms"));
        QVERIFY(!r.ok);
        QCOMPARE(r.error, expected);
        QVERIFY2(r.message.contains(advice), qPrintable(r.message));
        QVERIFY2(r.message.contains(QStringLiteral("dynamic-secret/7/cluster-token")), qPrintable(r.message));
        QVERIFY2(r.message.endsWith(QLatin1Char('.')), qPrintable(r.message));
        if (expected != VaultResult::Error::NotFound)
            QVERIFY2(r.message.contains(detail), qPrintable(r.message)); // the backend's own words are kept
    }

    void namesTheOperation()
    {
        const auto message = [](CredentialVault::Operation op) {
            return CredentialVault::describeFailure(
                int(QKeychain::OtherError), QStringLiteral("x"), op, QStringLiteral("k"), QStringLiteral("s"))
                .message;
        };
        QVERIFY(message(CredentialVault::Operation::Put).contains(QStringLiteral("store")));
        QVERIFY(message(CredentialVault::Operation::Get).contains(QStringLiteral("read")));
        QVERIFY(message(CredentialVault::Operation::Remove).contains(QStringLiteral("remove")));
    }
};

QTEST_GUILESS_MAIN(TestVaultErrors)
#include "tst_vaulterrors.moc"
