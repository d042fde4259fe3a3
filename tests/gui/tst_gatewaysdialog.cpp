#include "AppServices.h"
#include "GatewaysDialog.h"
#include "SecretSetupDialog.h"
#include "TestSupport.h"
#include "gateway/GatewayRegistry.h"
#include "kube/GatewayCertificates.h"
#include "leases/Engine.h"
#include "leases/SecretCatalog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/SecretRepository.h"

#include <QComboBox>
#include <QCoro/QCoroTask>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace kms;
using kms::ui::GatewaysDialog;

class TestGatewaysDialog : public QObject {
    Q_OBJECT

    QTemporaryDir m_certs;
    GatewayCertificates::Bundle m_pki;

    QString file(const QString &name) const { return m_certs.filePath(QStringLiteral("c/") + name); }

    static void fill(
        GatewaysDialog &d, const QString &name, const QString &ca, const QString &cert, const QString &key)
    {
        QTest::keyClicks(d.nameEdit(), name);
        QTest::keyClicks(d.urlEdit(), QStringLiteral("https://localhost:8443"));
        d.caEdit()->setText(ca);
        d.certificateEdit()->setText(cert);
        d.keyEdit()->setText(key);
    }

private slots:
    void initTestCase()
    {
        QString error;
        auto pki = GatewayCertificates::generate(
            { QStringLiteral("localhost") }, QStringLiteral("gui-desk"), 10, &error);
        QVERIFY(pki);
        m_pki = *pki;
        QVERIFY(GatewayCertificates::write(m_pki, m_certs.filePath(QStringLiteral("c")), &error));
    }

    void registersListsAndRemoves()
    {
        test::TempProfile profile;
        Database db;
        QVERIFY(db.open(profile.dataDir()));
        CredentialVault vault;
        GatewayRegistry gateways(db, vault);
        GatewaysDialog dialog(gateways);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QCOMPARE(dialog.list()->topLevelItemCount(), 0);
        QVERIFY(!dialog.registerButton()->isEnabled());
        QVERIFY(!dialog.removeButton()->isEnabled());

        fill(dialog, QStringLiteral("prod"), file(QStringLiteral("ca.crt")),
            file(QStringLiteral("client.crt")), file(QStringLiteral("client.key")));
        QVERIFY(dialog.registerButton()->isEnabled());
        QSignalSpy changed(&dialog, &GatewaysDialog::gatewaysChanged);
        QTest::mouseClick(dialog.registerButton(), Qt::LeftButton);
        QTRY_COMPARE(changed.count(), 1);
        QCOMPARE(dialog.list()->topLevelItemCount(), 1);
        QTreeWidgetItem *row = dialog.list()->topLevelItem(0);
        QCOMPARE(row->text(0), QStringLiteral("prod"));
        QCOMPARE(row->text(1), QStringLiteral("https://localhost:8443"));
        QCOMPARE(row->text(2), QStringLiteral("gui-desk"));
        QVERIFY(dialog.message()->text().contains(QLatin1String("Registered gateway \"prod\"")));
        QVERIFY(dialog.nameEdit()->text().isEmpty());
        QCOMPARE(QCoro::waitFor(vault.get(GatewayRegistry::vaultKeyFor(QStringLiteral("prod")))).value,
            m_pki.clientKey);

        const QRect rect = dialog.list()->visualItemRect(row);
        QTest::mouseClick(dialog.list()->viewport(), Qt::LeftButton, {}, rect.center());
        QVERIFY(dialog.removeButton()->isEnabled());
        QTest::mouseClick(dialog.removeButton(), Qt::LeftButton);
        QTRY_COMPARE(changed.count(), 2);
        QCOMPARE(dialog.list()->topLevelItemCount(), 0);
        QCOMPARE(QCoro::waitFor(vault.get(GatewayRegistry::vaultKeyFor(QStringLiteral("prod")))).error,
            VaultResult::Error::NotFound);
    }

    void setupModalListsRegisteredGateways()
    {
        test::TempProfile profile;
        Database db;
        QVERIFY(db.open(profile.dataDir()));
        CredentialVault vault;
        for (const QString &name : { QStringLiteral("prod-eu"), QStringLiteral("edge") }) {
            GatewayRecord r;
            r.name = name;
            r.url = QStringLiteral("https://localhost:8443");
            r.caCertificate = m_pki.caCertificate;
            r.clientCertificate = m_pki.clientCertificate;
            QVERIFY(QCoro::waitFor(GatewayRegistry(db, vault).add(r, m_pki.clientKey)).ok);
        }
        Engine engine(db, vault);
        SecretCatalog catalog(db, vault, nullptr);
        ui::AppServices services;
        services.engine = &engine;
        services.leases = &engine.leases();
        services.catalog = &catalog;
        ui::SecretSetupDialog dialog(services, EnvironmentRepository(db).list().first().id);
        auto *gateway = qobject_cast<QComboBox *>(dialog.fieldEditor(QStringLiteral("gateway")));
        QVERIFY(gateway);
        QStringList items;
        for (int i = 0; i < gateway->count(); ++i)
            items << gateway->itemText(i);
        // First "none": Token (API) auth may reach its cluster URL directly.
        QCOMPARE(items, (QStringList { QString(), QStringLiteral("edge"), QStringLiteral("prod-eu") }));
        for (const QString &name : { QStringLiteral("prod-eu"), QStringLiteral("edge") })
            QVERIFY(QCoro::waitFor(GatewayRegistry(db, vault).remove(name)).ok);
    }

    // Token (API) auth through a gateway: the gateway takes the place of the
    // cluster URL, CA and TLS setting; the cluster token stays, and is kept in
    // the keychain only.
    void setupModalTakesTokenAuthThroughAGateway()
    {
        test::TempProfile profile;
        Database db;
        QVERIFY(db.open(profile.dataDir()));
        CredentialVault vault;
        GatewayRecord r;
        r.name = QStringLiteral("private");
        r.url = QStringLiteral("https://127.0.0.1:1"); // nothing listens: the policy cannot be asked now
        r.caCertificate = m_pki.caCertificate;
        r.clientCertificate = m_pki.clientCertificate;
        QVERIFY(QCoro::waitFor(GatewayRegistry(db, vault).add(r, m_pki.clientKey)).ok);
        Engine engine(db, vault);
        SecretCatalog catalog(db, vault, &engine.connections());
        ui::AppServices services;
        services.engine = &engine;
        services.leases = &engine.leases();
        services.catalog = &catalog;
        ui::SecretSetupDialog dialog(services, EnvironmentRepository(db).list().first().id);
        dialog.showForm();
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        const auto shown = [&dialog](const char *field) { return dialog.isFieldShown(QLatin1String(field)); };
        auto *auth = qobject_cast<QComboBox *>(dialog.fieldEditor(QStringLiteral("authMethod")));
        auto *gateway = qobject_cast<QComboBox *>(dialog.fieldEditor(QStringLiteral("gateway")));
        QCOMPARE(auth->currentIndex(), 0);
        QVERIFY(gateway->currentText().isEmpty());
        QVERIFY(shown("gateway") && shown("clusterUrl") && shown("caCertificate") && shown("sslVerify"));

        // Picking the gateway: no URL, CA or TLS setting of its own; the token stays.
        gateway->setCurrentIndex(gateway->findText(QStringLiteral("private")));
        QVERIFY(shown("gateway") && shown("clusterToken"));
        QVERIFY(!shown("clusterUrl") && !shown("caCertificate") && !shown("sslVerify"));
        // Gateway auth needs no token; back to Token (API), it is asked for again.
        auth->setCurrentIndex(1);
        QVERIFY(!shown("clusterToken"));
        auth->setCurrentIndex(0);
        QVERIFY(shown("clusterToken"));

        const QByteArray token = "eyJhbGciOiJSUzI1NiJ9.gui-caller-token.c2lnbmF0dXJl";
        QTest::keyClicks(dialog.fieldEditor(QStringLiteral("name")), QStringLiteral("through-gateway"));
        QTest::keyClicks(dialog.fieldEditor(QStringLiteral("serviceAccount")), QStringLiteral("ci-deployer"));
        QTest::keyClicks(dialog.fieldEditor(QStringLiteral("namespace")), QStringLiteral("default"));
        // Without the token it is not saved, and says why under the token.
        QSignalSpy failed(&dialog, &ui::SecretSetupDialog::saveFailed);
        dialog.save();
        QCOMPARE(failed.count(), 1);
        QVERIFY2(dialog.fieldMessage(QStringLiteral("clusterToken")).contains(QLatin1String("required")),
            qPrintable(dialog.fieldMessage(QStringLiteral("clusterToken"))));
        QVERIFY(dialog.fieldMessage(QStringLiteral("clusterUrl")).isEmpty());

        QTest::keyClicks(dialog.fieldEditor(QStringLiteral("clusterToken")), QString::fromLatin1(token));
        QSignalSpy saved(&dialog, &ui::SecretSetupDialog::saved);
        dialog.save();
        QVERIFY2(
            saved.wait(15000), qPrintable(failed.isEmpty() ? QString() : failed.last().first().toString()));
        const std::optional<DynamicSecret> stored = SecretRepository(db).byName(
            EnvironmentRepository(db).list().first().id, QStringLiteral("through-gateway"));
        QVERIFY(stored);
        const DynamicSecret secret = *stored;
        QCOMPARE(secret.authMethod, AuthMethod::Token);
        QCOMPARE(secret.gateway, QStringLiteral("private"));
        QVERIFY(secret.clusterUrl.isEmpty() && secret.caCertificate.isEmpty());
        QVERIFY(secret.viaGateway() && secret.hasClusterToken());
        const VaultResult kept = QCoro::waitFor(vault.get(secret.vaultKey()));
        QVERIFY2(kept.ok, qPrintable(kept.message));
        QCOMPARE(kept.value, token);
        QFile file(db.filePath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains("gui-caller-token"));
        // The gateway is in use now: it cannot be removed from under the secret.
        QVERIFY(!QCoro::waitFor(GatewayRegistry(db, vault).remove(QStringLiteral("private"))).ok);

        QVERIFY(QCoro::waitFor(vault.remove(secret.vaultKey())).ok);
        QVERIFY(QCoro::waitFor(vault.remove(GatewayRegistry::vaultKeyFor(QStringLiteral("private")))).ok);
    }

    void showsWhatIsWrongAndStoresNothing_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("expected");
        QTest::newRow("key of the server") << "prod"
                                           << "server.key"
                                           << "does not belong to the client certificate";
        QTest::newRow("missing key file") << "prod"
                                          << "nope.key"
                                          << "Client key: cannot read";
        QTest::newRow("bad name") << "Prod GW"
                                  << "client.key"
                                  << "not a valid gateway name";
    }

    void showsWhatIsWrongAndStoresNothing()
    {
        QFETCH(QString, name);
        QFETCH(QString, key);
        QFETCH(QString, expected);
        test::TempProfile profile;
        Database db;
        QVERIFY(db.open(profile.dataDir()));
        CredentialVault vault;
        GatewayRegistry gateways(db, vault);
        GatewaysDialog dialog(gateways);
        dialog.show();
        fill(dialog, name, file(QStringLiteral("ca.crt")), file(QStringLiteral("client.crt")), file(key));
        QTest::mouseClick(dialog.registerButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog.message()->text().contains(expected));
        QCOMPARE(dialog.message()->property("error").toBool(), true);
        QCOMPARE(dialog.list()->topLevelItemCount(), 0);
        QVERIFY(GatewayRegistry(db, vault).list().isEmpty());
        // The typed values stay for correcting.
        QCOMPARE(dialog.nameEdit()->text(), name);
    }
};

QTEST_MAIN(TestGatewaysDialog)
#include "tst_gatewaysdialog.moc"
