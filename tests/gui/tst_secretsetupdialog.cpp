// Add Dynamic Secret / Edit on the real widgets: no typed work is lost, and
// nothing moves or misleads while the form is corrected.
#include "GuiFixture.h"
#include "NewLeaseDialog.h"
#include "ProviderPicker.h"
#include "SecretSetupDialog.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>

using namespace kms;
using namespace kms::ui;

class TestSecretSetupDialog : public QObject {
    Q_OBJECT

    test::GuiFixture f;

    SecretSetupDialog *openSetupModal()
    {
        QTest::mouseClick(f.window->addSecretButton(), Qt::LeftButton);
        auto *dialog = f.waitForDialog<SecretSetupDialog>();
        if (!dialog)
            return nullptr;
        auto *picker = dialog->findChild<ProviderPicker *>();
        QTest::mouseClick(picker->kubernetesButton(), Qt::LeftButton);
        return dialog;
    }

    QLineEdit *line(SecretSetupDialog *dialog, const char *field)
    {
        return qobject_cast<QLineEdit *>(dialog->fieldEditor(QLatin1String(field)));
    }

    // A complete static Token (API) secret, typed.
    void fill(SecretSetupDialog *dialog, const QString &name)
    {
        QTest::keyClicks(line(dialog, "name"), name);
        QTest::keyClicks(line(dialog, "clusterUrl"), f.cluster->url().toString());
        qobject_cast<QPlainTextEdit *>(dialog->fieldEditor(QStringLiteral("caCertificate")))
            ->setPlainText(QString::fromUtf8(f.cluster->caPem()));
        QTest::keyClicks(line(dialog, "clusterToken"), QString::fromUtf8(f.requesterToken));
        QTest::keyClicks(line(dialog, "serviceAccount"), QStringLiteral("app"));
        QTest::keyClicks(line(dialog, "namespace"), QStringLiteral("default"));
    }

    QPushButton *cancelButton(QDialog *dialog)
    {
        return dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel);
    }

    // Where a widget is, in its window's coordinates.
    static QPoint at(QWidget *w) { return w->mapTo(w->window(), QPoint(0, 0)); }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_secretsetupdialog"), &error), qPrintable(error));
    }

    void cleanupTestCase() { f.stop(); }

    void cleanup()
    {
        // Answer any question with Discard, then close what is left.
        for (int i = 0; i < 3; ++i) {
            for (QMessageBox *box : f.window->findChildren<QMessageBox *>()) {
                if (box->isVisible())
                    box->reject();
            }
            f.closeDialogs();
            if (auto *box = f.window->findChild<QMessageBox *>(QStringLiteral("confirmDiscard"))) {
                if (auto *discard = box->findChild<QPushButton *>(QStringLiteral("discardButton")))
                    discard->click();
            }
        }
        QTRY_VERIFY(!f.window->findChild<SecretSetupDialog *>() && !f.window->findChild<NewLeaseDialog *>());
    }

    // --- lost work ---

    void cancelAsksBeforeDiscardingAFilledForm()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        fill(dialog, QStringLiteral("typed-work"));
        QTest::keyClick(line(dialog, "name"), Qt::Key_Escape);
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmDiscard"));
        QVERIFY2(box, "Escape closed a filled form without asking");
        f.shot(QStringLiteral("setup-discard"));
        QVERIFY(dialog && dialog->isVisible());
        QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("keepEditingButton")), Qt::LeftButton);
        QTRY_VERIFY(!box->isVisible());
        QVERIFY(dialog && dialog->isVisible());
        QCOMPARE(line(dialog, "name")->text(), QStringLiteral("typed-work"));

        // Cancel asks too; Discard closes it, and nothing was saved.
        QTest::mouseClick(cancelButton(dialog), Qt::LeftButton);
        box = f.waitForMessageBox(QStringLiteral("confirmDiscard"));
        QVERIFY(box);
        QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("discardButton")), Qt::LeftButton);
        QTRY_VERIFY(!dialog);
        QVERIFY(!SecretRepository(*f.db).byName(f.developmentId(), QStringLiteral("typed-work")));
    }

    void cancelClosesAnUntouchedFormAtOnce()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        QTest::keyClick(line(dialog, "name"), Qt::Key_Escape);
        QTRY_VERIFY(!dialog);
        QVERIFY(!f.window->findChild<QMessageBox *>(QStringLiteral("confirmDiscard")));
    }

    void cancelAsksBeforeDiscardingAnEdit()
    {
        const auto secret = f.addSecret(QStringLiteral("edited"), CredentialType::Static);
        QVERIFY(secret);
        f.window->selectSecret(secret->id);
        QPointer<SecretSetupDialog> dialog = f.window->editSecret();
        QVERIFY(dialog && dialog->isVisible());
        QLineEdit *ttl = line(dialog, "defaultTtl");
        ttl->selectAll();
        QTest::keyClicks(ttl, QStringLiteral("2h"));
        dialog->close(); // the title bar's close
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmDiscard"));
        QVERIFY2(box, "closing an edited secret did not ask");
        QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("discardButton")), Qt::LeftButton);
        QTRY_VERIFY(!dialog);
        QCOMPARE(SecretRepository(*f.db).byId(secret->id)->defaultTtl.toString(), QStringLiteral("1h"));
    }

    // Escape in the Gateway box belongs to the box (its list, its text), not to the dialog.
    void escapeInTheGatewayBoxKeepsTheDialog()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("authMethod")))->setCurrentIndex(1);
        auto *gateway = qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("gateway")));
        QVERIFY(gateway && gateway->isVisible());
        gateway->setFocus();
        QTest::keyClick(gateway, Qt::Key_Escape);
        QTest::qWait(50);
        QVERIFY2(dialog && dialog->isVisible(), "Escape in the Gateway box closed the dialog");
        QVERIFY(!f.window->findChild<QMessageBox *>(QStringLiteral("confirmDiscard")));
    }

    // What is typed in the audience box and not yet added is not lost on Create Secret.
    void createSecretKeepsATypedAudience()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        fill(dialog, QStringLiteral("typed-audience"));
        QTest::keyClicks(
            dialog->findChild<QLineEdit *>(QStringLiteral("audienceInput")), QStringLiteral("vault"));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("saveButton")), Qt::LeftButton);
        std::optional<DynamicSecret> saved;
        QTRY_VERIFY_WITH_TIMEOUT(
            (saved = SecretRepository(*f.db).byName(f.developmentId(), QStringLiteral("typed-audience"))),
            10000);
        QCOMPARE(saved->audiences, QStringList { QStringLiteral("vault") });
        QTRY_VERIFY(!dialog);
    }

    // --- moving targets ---

    // A message under a field takes space kept for it: the fields below stay where they are.
    void messagesUnderFieldsMoveNothing()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        QTest::qWait(50);
        QWidget *below = line(dialog, "maxTtl");
        QWidget *further = dialog->fieldEditor(QStringLiteral("clusterToken"));
        const QPoint before = at(below);
        const QPoint furtherBefore = at(further);
        QLineEdit *ttl = line(dialog, "defaultTtl");
        ttl->selectAll();
        QTest::keyClicks(ttl, QStringLiteral("5x"));
        QVERIFY(!dialog->fieldMessage(QStringLiteral("defaultTtl")).isEmpty());
        QTest::qWait(50); // the layout settles
        QCOMPARE(at(below), before);
        QCOMPARE(at(further), furtherBefore);
        ttl->selectAll();
        QTest::keyClicks(ttl, QStringLiteral("1h"));
        QVERIFY(dialog->fieldMessage(QStringLiteral("defaultTtl")).isEmpty());
        QTest::qWait(50);
        QCOMPARE(at(below), before);
        QCOMPARE(at(further), furtherBefore);
    }

    // Create Secret is enabled only for a form that would be saved (as Submit
    // is in Provision Lease), and the dialog says what is still needed.
    void createSecretIsEnabledOnlyForAValidForm()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        auto *save = dialog->findChild<QPushButton *>(QStringLiteral("saveButton"));
        auto *status = dialog->findChild<QLabel *>(QStringLiteral("setupStatus"));
        QVERIFY2(!save->isEnabled(), "Create Secret is enabled on an empty form");
        QVERIFY2(
            status->isVisible() && status->text().startsWith(QStringLiteral("Still needed: Secret name")),
            qPrintable(status->text()));
        QVERIFY(status->text().contains(QStringLiteral("Cluster token")));
        QCOMPARE(save->toolTip(), status->text());
        f.shot(QStringLiteral("setup-still-needed"));

        fill(dialog, QStringLiteral("valid-form"));
        QVERIFY(save->isEnabled());
        QVERIFY2(status->isHidden() || status->text().isEmpty(), qPrintable(status->text()));
        // Breaking one field disables it again, naming that field only.
        QLineEdit *ttl = line(dialog, "defaultTtl");
        ttl->selectAll();
        QTest::keyClicks(ttl, QStringLiteral("5x"));
        QVERIFY(!save->isEnabled());
        QCOMPARE(status->text(), QStringLiteral("Still needed: Default TTL."));
    }

    // "Correct the fields marked above." (Enter or a programmatic save on an
    // incomplete form) goes once nothing is marked; the first bad field has the focus.
    void correctionRequestGoesWhenTheFieldsAreFixed()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        QSignalSpy failed(dialog.data(), &SecretSetupDialog::saveFailed);
        dialog->save();
        QCOMPARE(failed.size(), 1);
        f.shot(QStringLiteral("setup-errors"));
        auto *status = dialog->findChild<QLabel *>(QStringLiteral("setupStatus"));
        QVERIFY(status->isVisible() && status->text().contains(QStringLiteral("Correct the fields")));
        // The first bad field has the focus, not a button.
        QCOMPARE(dialog->focusWidget(), line(dialog, "name"));
        fill(dialog, QStringLiteral("fixed-form"));
        QVERIFY2(status->isHidden() || status->text().isEmpty(), qPrintable(status->text()));
    }

    // A bad name is explained in one short sentence, not with the API
    // server's regex.
    void aBadNameIsExplainedInWords()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        QTest::keyClicks(line(dialog, "name"), QStringLiteral("Prod_Cluster"));
        const QString message = dialog->fieldMessage(QStringLiteral("name"));
        QVERIFY2(message.contains(QStringLiteral("upper case")) && !message.contains(QStringLiteral("regex"))
                && message.size() < 120,
            qPrintable(message));
        line(dialog, "name")->clear();
        QTest::keyClicks(line(dialog, "name"), QStringLiteral("prod_cluster"));
        QCOMPARE(dialog->fieldMessage(QStringLiteral("name")),
            QStringLiteral("Name \"prod_cluster\" is not a valid name: it contains \"_\"; use lower case "
                           "letters, digits and '-'."));
        f.shot(QStringLiteral("setup-bad-name"));
    }

    // After a failed provisioning, Enter must not cancel: the focus is on the form, not on Cancel.
    void focusAfterAFailedLeaseIsNotOnCancel()
    {
        // A static secret whose service account does not exist: the TokenRequest fails.
        auto secret = f.addSecret(QStringLiteral("ghost-account"), CredentialType::Static);
        QVERIFY(secret);
        secret->serviceAccount = QStringLiteral("ghost");
        QVERIFY(QCoro::waitFor(f.catalog->save(*secret, QByteArray())).ok());
        f.window->reloadSecrets();
        f.window->selectSecret(secret->id);
        f.window->generateAction()->trigger();
        auto *dialog = f.waitForDialog<NewLeaseDialog>();
        QVERIFY(dialog);
        dialog->ttlEdit()->setFocus();
        QTest::keyClick(dialog->ttlEdit(), Qt::Key_Return); // Submit, as the default button
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->errorText().isEmpty(), 15000);
        QWidget *focus = dialog->focusWidget();
        QVERIFY2(focus != cancelButton(dialog), "the focus is on Cancel, so Enter cancels");
        QCOMPARE(focus, dialog->ttlEdit());
    }
};

QTEST_MAIN(TestSecretSetupDialog)
#include "tst_secretsetupdialog.moc"
