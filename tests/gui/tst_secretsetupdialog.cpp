// Add Dynamic Secret / Edit on the real widgets: no typed work is lost, and
// nothing moves or misleads while the form is corrected.
#include "GuiFixture.h"
#include "NewLeaseDialog.h"
#include "ProviderPicker.h"
#include "SecretSetupDialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>

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

    // A dynamic secret's form: URL, CA, token, allowed namespaces and role typed.
    void fillDynamic(SecretSetupDialog *dialog, const QString &name)
    {
        QTest::keyClicks(line(dialog, "name"), name);
        QTest::keyClicks(line(dialog, "clusterUrl"), f.cluster->url().toString());
        qobject_cast<QPlainTextEdit *>(dialog->fieldEditor(QStringLiteral("caCertificate")))
            ->setPlainText(QString::fromUtf8(f.cluster->caPem()));
        QTest::keyClicks(line(dialog, "clusterToken"), QString::fromUtf8(f.requesterToken));
        qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("credentialType")))->setCurrentIndex(1);
        QTest::keyClicks(line(dialog, "allowedNamespaces"), QStringLiteral("default"));
        QTest::keyClicks(line(dialog, "role"), QStringLiteral("kms-dynamic-role"));
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

    // --- the Advanced section ---

    void theAdvancedSectionIsCollapsedUntilOpened()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        fillDynamic(dialog, QStringLiteral("advanced-closed"));
        QToolButton *toggle = dialog->advancedToggle();
        QVERIFY(toggle->isVisible());
        QCOMPARE(toggle->text(), QStringLiteral("Advanced"));
        QVERIFY(!dialog->isAdvancedShown());
        for (const char *field : { "nameTemplate", "roles", "generatedRules", "namespaceSelector",
                 "extraLabels", "extraAnnotations", "maxLeases" })
            QVERIFY2(!dialog->fieldEditor(QLatin1String(field))->isVisible(), field);
        dialog->findChild<QScrollArea *>()->ensureWidgetVisible(toggle); // for the screenshot
        f.shot(QStringLiteral("setup-advanced-collapsed"));
        QTest::mouseClick(toggle, Qt::LeftButton);
        QVERIFY(dialog->isAdvancedShown());
        for (const char *field : { "nameTemplate", "roles", "generatedRules", "namespaceSelector",
                 "extraLabels", "extraAnnotations", "maxLeases" })
            QTRY_VERIFY2(dialog->fieldEditor(QLatin1String(field))->isVisible(), field);
        f.shot(QStringLiteral("setup-advanced-open"));
        // A static secret without bound tokens creates no objects: no template, labels or roles.
        qobject_cast<QComboBox *>(dialog->fieldEditor(QStringLiteral("credentialType")))->setCurrentIndex(0);
        for (const char *field : { "nameTemplate", "roles", "generatedRules", "namespaceSelector",
                 "extraLabels", "extraAnnotations" })
            QTRY_VERIFY2(!dialog->isFieldShown(QLatin1String(field)), field);
        QVERIFY(dialog->isFieldShown(QStringLiteral("maxLeases")));
        qobject_cast<QCheckBox *>(dialog->fieldEditor(QStringLiteral("boundTokens")))->setChecked(true);
        QVERIFY(dialog->isFieldShown(QStringLiteral("nameTemplate")));
        QVERIFY(dialog->isFieldShown(QStringLiteral("extraLabels")));
        QVERIFY(!dialog->isFieldShown(QStringLiteral("roles")));
    }

    void theNameTemplateShowsALiveExample()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        fillDynamic(dialog, QStringLiteral("dev-cluster"));
        QTest::mouseClick(dialog->advancedToggle(), Qt::LeftButton);
        auto *example = dialog->findChild<QLabel *>(QStringLiteral("nameTemplateExample"));
        QVERIFY(example && example->isVisible());
        QCOMPARE(example->text(), QStringLiteral("Example: kms-dev-cluster-k7x2q (the default)"));
        QLineEdit *nameTemplate = line(dialog, "nameTemplate");
        QTest::keyClicks(nameTemplate, QStringLiteral("{{secret}}-{{namespace}}-{{random 6}}"));
        QCOMPARE(example->text(), QStringLiteral("Example: dev-cluster-default-k7x2qm"));
        QCOMPARE(dialog->nameTemplateExample(), QStringLiteral("dev-cluster-default-k7x2qm"));
        QVERIFY(dialog->fieldMessage(QStringLiteral("nameTemplate")).isEmpty());
        // It follows the other fields as they change.
        line(dialog, "allowedNamespaces")->clear();
        QTest::keyClicks(line(dialog, "allowedNamespaces"), QStringLiteral("team-a"));
        QCOMPARE(dialog->nameTemplateExample(), QStringLiteral("dev-cluster-team-a-k7x2qm"));
        f.shot(QStringLiteral("setup-advanced-template"));
        // A template that cannot give a valid name shows no example, and says why.
        nameTemplate->clear();
        QTest::keyClicks(nameTemplate, QStringLiteral("kms-{{secret}}"));
        QVERIFY(dialog->nameTemplateExample().isEmpty());
        QVERIFY(example->text().isEmpty());
        QVERIFY2(dialog->fieldMessage(QStringLiteral("nameTemplate")).contains(QStringLiteral("random")),
            qPrintable(dialog->fieldMessage(QStringLiteral("nameTemplate"))));
        QVERIFY(!dialog->findChild<QPushButton *>(QStringLiteral("saveButton"))->isEnabled());
    }

    // Every advanced field reaches the stored secret, and an edit shows them again.
    void advancedSettingsAreSavedAndShownAgain()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        fillDynamic(dialog, QStringLiteral("advanced-saved"));
        QTest::mouseClick(dialog->advancedToggle(), Qt::LeftButton);
        QTest::keyClicks(line(dialog, "nameTemplate"), QStringLiteral("adv-{{random 6}}"));
        QTest::keyClicks(line(dialog, "roles"), QStringLiteral("ClusterRole/view"));
        QTemporaryDir dir;
        const QString rulesPath = dir.filePath(QStringLiteral("rules.yaml"));
        {
            QFile rules(rulesPath);
            QVERIFY(rules.open(QIODevice::WriteOnly));
            rules.write("- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [list]\n");
        }
        QVERIFY(dialog->loadGeneratedRules(rulesPath));
        QTest::keyClicks(line(dialog, "namespaceSelector"), QStringLiteral("env=dev"));
        QTest::keyClicks(line(dialog, "extraLabels"), QStringLiteral("team=platform, tier=web"));
        QTest::keyClicks(line(dialog, "extraAnnotations"), QStringLiteral("owner=me"));
        QTest::keyClicks(line(dialog, "maxLeases"), QStringLiteral("3"));
        auto *save = dialog->findChild<QPushButton *>(QStringLiteral("saveButton"));
        QVERIFY2(save->isEnabled(),
            qPrintable(dialog->findChild<QLabel *>(QStringLiteral("setupStatus"))->text()));
        QTest::mouseClick(save, Qt::LeftButton);
        std::optional<DynamicSecret> saved;
        QTRY_VERIFY_WITH_TIMEOUT(
            (saved = SecretRepository(*f.db).byName(f.developmentId(), QStringLiteral("advanced-saved"))),
            10000);
        QCOMPARE(saved->nameTemplate, QStringLiteral("adv-{{random 6}}"));
        QCOMPARE(saved->extraRoles, (QList<RoleRef> { { RoleType::ClusterRole, QStringLiteral("view") } }));
        QCOMPARE(saved->generatedRules.size(), 1);
        QCOMPARE(saved->generatedRules.first().resources, QStringList { QStringLiteral("configmaps") });
        QCOMPARE(saved->generatedRoleType, RoleType::ClusterRole);
        QCOMPARE(saved->namespaceSelector, QStringLiteral("env=dev"));
        QCOMPARE(saved->extraLabels.value(QStringLiteral("team")), QStringLiteral("platform"));
        QCOMPARE(saved->extraAnnotations.value(QStringLiteral("owner")), QStringLiteral("me"));
        QCOMPARE(saved->maxLeases, 3);
        QTRY_VERIFY(!dialog);

        f.window->reloadSecrets();
        f.window->selectSecret(saved->id);
        QPointer<SecretSetupDialog> edit = f.window->editSecret();
        QVERIFY(edit && edit->isVisible());
        QVERIFY(!edit->isAdvancedShown());
        auto *summary = edit->findChild<QLabel *>(QStringLiteral("advancedSummary"));
        // Lists say how many entries they hold, in English singular and plural (the catalogue's).
        QCOMPARE(summary->text(),
            QStringLiteral("Set: ")
                + QLocale().createSeparatedList({ "name template", "1 more role", "1 generated role rule",
                    "namespace selector", "2 extra labels", "1 extra annotation", "at most 3 leases" }));
        edit->findChild<QScrollArea *>()->ensureWidgetVisible(edit->advancedToggle()); // for the screenshot
        f.shot(QStringLiteral("setup-advanced-edit"));
        // Nothing in the form is wider than the dialog: no sideways scrolling.
        // (once the layout has settled: the page is as wide as the viewport).
        QScrollArea *scroll = edit->findChild<QScrollArea *>();
        QTRY_VERIFY2(!scroll->horizontalScrollBar()->isVisible(),
            qPrintable(QStringLiteral("viewport %1, page needs %2")
                           .arg(scroll->viewport()->width())
                           .arg(scroll->widget()->minimumSizeHint().width())));
        QCOMPARE(line(edit, "nameTemplate")->text(), QStringLiteral("adv-{{random 6}}"));
        QCOMPARE(line(edit, "roles")->text(), QStringLiteral("ClusterRole/view"));
        QCOMPARE(line(edit, "maxLeases")->text(), QStringLiteral("3"));
        QVERIFY(!edit->hasUnsavedChanges());
        // Clearing a field and saving removes the setting.
        QTest::mouseClick(edit->advancedToggle(), Qt::LeftButton);
        line(edit, "maxLeases")->clear();
        QTest::keyClick(line(edit, "maxLeases"), Qt::Key_Backspace); // a user's edit, seen by the form
        QTest::mouseClick(edit->findChild<QPushButton *>(QStringLiteral("saveButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(SecretRepository(*f.db).byId(saved->id)->maxLeases, 0, 10000);
        QTRY_VERIFY(!edit);
    }

    // Save on a form whose problem is in the collapsed section opens it, with the focus there.
    void aProblemInTheAdvancedSectionOpensIt()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        fillDynamic(dialog, QStringLiteral("advanced-problem"));
        QTest::mouseClick(dialog->advancedToggle(), Qt::LeftButton);
        QTest::keyClicks(line(dialog, "extraLabels"), QStringLiteral("app.kubernetes.io/managed-by=me"));
        QTest::mouseClick(dialog->advancedToggle(), Qt::LeftButton);
        QVERIFY(!dialog->isAdvancedShown());
        QSignalSpy failed(dialog.data(), &SecretSetupDialog::saveFailed);
        dialog->save();
        QCOMPARE(failed.size(), 1);
        QVERIFY(dialog->isAdvancedShown());
        QCOMPARE(dialog->focusWidget(), line(dialog, "extraLabels"));
        QVERIFY2(
            dialog->fieldMessage(QStringLiteral("extraLabels")).contains(QStringLiteral("Hanzo KMS's own")),
            qPrintable(dialog->fieldMessage(QStringLiteral("extraLabels"))));
        QVERIFY(!SecretRepository(*f.db).byName(f.developmentId(), QStringLiteral("advanced-problem")));
        line(dialog, "maxLeases")->setFocus();
        QTest::keyClicks(line(dialog, "maxLeases"), QStringLiteral("many"));
        QCOMPARE(dialog->fieldMessage(QStringLiteral("maxLeases")),
            QStringLiteral(
                "Lease limit \"many\" is not a whole number of leases; leave it empty for no limit."));
    }

    // An edit is saved only over the version it was opened with.
    void anEditOfASecretChangedElsewhereIsRefused()
    {
        const auto secret = f.addSecret(QStringLiteral("edited-twice"), CredentialType::Dynamic);
        QVERIFY(secret);
        f.window->selectSecret(secret->id);
        QPointer<SecretSetupDialog> dialog = f.window->editSecret();
        QVERIFY(dialog && dialog->isVisible());
        // Someone else (another window, hanzo-kmsctl secret edit) saves first.
        DynamicSecret other = *SecretRepository(*f.db).byId(secret->id);
        other.maxLeases = 7;
        QVERIFY(QCoro::waitFor(f.catalog->save(other, QByteArray(), other.updatedAt)).ok());
        QLineEdit *ttl = line(dialog, "defaultTtl");
        ttl->selectAll();
        QTest::keyClicks(ttl, QStringLiteral("2h"));
        QSignalSpy failed(dialog.data(), &SecretSetupDialog::saveFailed);
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("saveButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("was changed elsewhere")),
            qPrintable(failed.first().first().toString()));
        QVERIFY(dialog && dialog->isVisible());
        const std::optional<DynamicSecret> stored = SecretRepository(*f.db).byId(secret->id);
        QCOMPARE(stored->maxLeases, 7);
        QCOMPARE(stored->defaultTtl.toString(), QStringLiteral("1h"));
    }

    // On a small screen (1024x700, or the offscreen platform's 800x600) the
    // form scrolls inside the dialog: Save and Cancel stay on the screen.
    void theButtonsStayOnASmallScreen()
    {
        QPointer<SecretSetupDialog> dialog = openSetupModal();
        QVERIFY(dialog);
        const QRect screen = dialog->screen()->availableGeometry();
        auto *save = dialog->findChild<QPushButton *>(QStringLiteral("saveButton"));
        QTRY_VERIFY(save->isVisible());
        const QRect button(save->mapToGlobal(QPoint(0, 0)), save->size());
        QVERIFY2(screen.contains(button),
            qPrintable(QStringLiteral("screen %1x%2, Save at %3,%4")
                           .arg(screen.width())
                           .arg(screen.height())
                           .arg(button.x())
                           .arg(button.y())));
        QVERIFY(dialog->height() <= screen.height());
    }

    // Under a window manager (openbox, 1024x700: packaging/gui-test-shots.sh with that screen) the
    // frame, title bar included, is on the screen as well as Save and Cancel; offscreen there is no frame.
    void theWholeWindowWithItsFrameIsOnTheScreen_data()
    {
        QTest::addColumn<bool>("edit");
        QTest::addColumn<bool>("atOnce"); // the form asked for before the window manager framed the picker
        QTest::newRow("add") << false << false;
        QTest::newRow("add at once") << false << true;
        QTest::newRow("edit") << true << false;
    }
    void theWholeWindowWithItsFrameIsOnTheScreen()
    {
        QFETCH(bool, edit);
        QFETCH(bool, atOnce);
        QPointer<SecretSetupDialog> dialog;
        if (edit) {
            const auto secret = f.addSecret(QStringLiteral("framed"), CredentialType::Dynamic);
            QVERIFY(secret);
            f.window->reloadSecrets();
            f.window->selectSecret(secret->id);
            dialog = f.window->editSecret();
        } else {
            // As a person does: the provider picker is on the screen, framed, before the click.
            QTest::mouseClick(f.window->addSecretButton(), Qt::LeftButton);
            dialog = f.waitForDialog<SecretSetupDialog>();
            QVERIFY(dialog);
            QTRY_VERIFY(dialog->isVisible());
            if (QGuiApplication::platformName() == QLatin1String("xcb") && !atOnce)
                QTRY_VERIFY(dialog->frameGeometry().top() < dialog->geometry().top());
            QTest::mouseClick(dialog->findChild<ProviderPicker *>()->kubernetesButton(), Qt::LeftButton);
        }
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        const QRect screen = dialog->screen()->availableGeometry();
        if (QGuiApplication::platformName() == QLatin1String("xcb")) // wait for the window manager's frame
            QTRY_VERIFY(dialog->frameGeometry().top() < dialog->geometry().top());
        const auto where = [&] {
            const QRect frame = dialog->frameGeometry();
            return QStringLiteral("screen %1,%2 %3x%4, window with frame %5,%6 %7x%8")
                .arg(screen.x())
                .arg(screen.y())
                .arg(screen.width())
                .arg(screen.height())
                .arg(frame.x())
                .arg(frame.y())
                .arg(frame.width())
                .arg(frame.height());
        };
        // Framed, on the screen, as tall as the screen lets the form be (not the picker's
        // size a window manager may answer late with), Save in view.
        auto *save = dialog->findChild<QPushButton *>(QStringLiteral("saveButton"));
        QTRY_VERIFY2(screen.contains(dialog->frameGeometry()) && dialog->height() >= 600
                && screen.contains(QRect(save->mapToGlobal(QPoint(0, 0)), save->size())),
            qPrintable(where()));
        f.shot(edit      ? QStringLiteral("setup-edit-fits")
                : atOnce ? QStringLiteral("setup-add-at-once-fits")
                         : QStringLiteral("setup-add-fits"));
        dialog->reject();
        if (dialog) {
            if (QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmDiscard"), 500))
                QTest::mouseClick(
                    box->findChild<QPushButton *>(QStringLiteral("discardButton")), Qt::LeftButton);
        }
        QTRY_VERIFY(!dialog || !dialog->isVisible());
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
