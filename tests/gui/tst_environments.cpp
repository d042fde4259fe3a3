// Environments on the real widgets: renamed and deleted from the list (F2,
// Delete, the context menu, the File menu), never with a secret in it; and
// empty panes say why they are empty.
#include "GuiFixture.h"
#include "LeasePanel.h"

#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QTreeView>

using namespace kms;
using namespace kms::ui;

class TestEnvironments : public QObject {
    Q_OBJECT

    test::GuiFixture f;

    QLabel *hint(const char *view)
    {
        return f.window->findChild<QLabel *>(QLatin1String(view) + QStringLiteral("EmptyHint"));
    }

    void selectEnvironment(qint64 id)
    {
        f.window->selectEnvironment(id);
        QTRY_COMPARE(f.window->currentEnvironmentId(), id);
    }

    // Keyboard shortcuts reach only the active window's focused widget.
    bool focusEnvironments()
    {
        f.window->activateWindow();
        if (!QTest::qWaitForWindowActive(f.window.get()))
            return false;
        f.window->environmentView()->setFocus();
        return QTest::qWaitFor([this] { return f.window->environmentView()->hasFocus(); });
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_environments"), &error), qPrintable(error));
    }
    void cleanupTestCase() { f.stop(); }
    void cleanup() { f.closeDialogs(); }

    void newEnvironmentDialogShowsItsTitle()
    {
        QTest::mouseClick(
            f.window->findChild<QPushButton *>(QStringLiteral("newEnvironmentButton")), Qt::LeftButton);
        auto *input = f.waitForDialog<QInputDialog>();
        QVERIFY(input);
        QTRY_VERIFY(input->isVisible());
        // Wide enough for its title in the frame and a long name (it was 200 px).
        const int title = input->fontMetrics().horizontalAdvance(input->windowTitle());
        QVERIFY2(input->width() >= title + 200,
            qPrintable(QStringLiteral("%1 (minimum %2)").arg(input->width()).arg(input->minimumWidth())));
        f.shot(QStringLiteral("new-environment"));
        input->reject();
    }

    void renamesTheCurrentEnvironmentWithF2()
    {
        QString error;
        const std::optional<Environment> env = f.engine->addEnvironment(QStringLiteral("QA"), &error);
        QVERIFY2(env, qPrintable(error));
        f.window->loadEnvironments();
        selectEnvironment(env->id);
        QVERIFY(focusEnvironments());
        QTest::keyClick(f.window->environmentView(), Qt::Key_F2);
        auto *input = f.waitForDialog<QInputDialog>();
        QVERIFY(input);
        QCOMPARE(input->objectName(), QStringLiteral("renameEnvironmentDialog"));
        QCOMPARE(input->textValue(), QStringLiteral("QA"));
        input->setTextValue(QStringLiteral("QA Europe"));
        f.shot(QStringLiteral("rename-environment"));
        input->accept();
        QTRY_COMPARE(
            f.window->environmentView()->currentIndex().data().toString(), QStringLiteral("QA Europe"));
        QCOMPARE(EnvironmentRepository(*f.db).byId(env->id)->name, QStringLiteral("QA Europe"));
        QCOMPARE(f.window->currentEnvironmentId(), env->id);
        QCOMPARE(f.window->findChild<QLabel *>(QStringLiteral("secretTitle"))->text(),
            QStringLiteral("Dynamic Secrets in QA Europe"));

        // Another environment's name: refused in words, nothing renamed.
        QVERIFY(focusEnvironments());
        QTest::keyClick(f.window->environmentView(), Qt::Key_F2);
        input = f.waitForDialog<QInputDialog>();
        QVERIFY(input);
        input->setTextValue(QStringLiteral("production"));
        input->accept();
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("environmentNotRenamed"));
        QVERIFY(box);
        QCOMPARE(box->text(),
            QStringLiteral("An environment called \"Production\" exists already; choose another name."));
        box->accept();
        QTRY_VERIFY(!box->isVisible());
        QCOMPARE(EnvironmentRepository(*f.db).byId(env->id)->name, QStringLiteral("QA Europe"));
        QVERIFY(f.engine->removeEnvironment(*EnvironmentRepository(*f.db).byId(env->id)));
        f.window->loadEnvironments();
    }

    void deletesOnlyAnEmptyEnvironment()
    {
        QString error;
        const std::optional<Environment> env = f.engine->addEnvironment(QStringLiteral("Scratch"), &error);
        QVERIFY2(env, qPrintable(error));
        f.window->loadEnvironments();
        selectEnvironment(env->id);
        const int before = f.window->environmentView()->model()->rowCount();

        // Cancel (the default) keeps it.
        QVERIFY(focusEnvironments());
        QTest::keyClick(f.window->environmentView(), Qt::Key_Delete);
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmDeleteEnvironment"));
        QVERIFY(box);
        QCOMPARE(box->text(), QStringLiteral("Delete environment Scratch? It holds no dynamic secrets."));
        f.shot(QStringLiteral("delete-environment"));
        QCOMPARE(box->defaultButton(), box->button(QMessageBox::Cancel));
        box->button(QMessageBox::Cancel)->click();
        QTRY_VERIFY(!box->isVisible());
        QVERIFY(EnvironmentRepository(*f.db).byId(env->id));

        QVERIFY(focusEnvironments());
        QTest::keyClick(f.window->environmentView(), Qt::Key_Delete);
        box = f.waitForMessageBox(QStringLiteral("confirmDeleteEnvironment"));
        QVERIFY(box);
        box->findChild<QPushButton *>(QStringLiteral("deleteButton"))->click();
        QTRY_COMPARE(f.window->environmentView()->model()->rowCount(), before - 1);
        QVERIFY(!EnvironmentRepository(*f.db).byId(env->id));
        QVERIFY(f.window->currentEnvironmentId() != 0);

        // With a secret in it: refused, nothing deleted.
        auto secret = f.addSecret(QStringLiteral("keeps-env"), CredentialType::Static);
        QVERIFY(secret);
        f.window->loadEnvironments();
        selectEnvironment(f.developmentId());
        QVERIFY(focusEnvironments());
        QTest::keyClick(f.window->environmentView(), Qt::Key_Delete);
        box = f.waitForMessageBox(QStringLiteral("environmentNotDeleted"));
        QVERIFY(box);
        QCOMPARE(
            box->text(), QStringLiteral("Environment Development holds 1 dynamic secret; delete it first."));
        box->accept();
        QVERIFY(EnvironmentRepository(*f.db).byId(f.developmentId()));
        QVERIFY(SecretRepository(*f.db).byId(secret->id));
        QVERIFY(QCoro::waitFor(f.catalog->remove(secret->id, true)).ok());
        f.window->reloadSecrets();
    }

    void emptyPanesSayWhyAndWhatToDo()
    {
        QString error;
        const std::optional<Environment> env = f.engine->addEnvironment(QStringLiteral("Empty One"), &error);
        QVERIFY2(env, qPrintable(error));
        f.window->loadEnvironments();
        selectEnvironment(env->id);
        QLabel *secrets = hint("secretView");
        QLabel *leases = hint("leaseView");
        QVERIFY(secrets && leases);
        QTRY_VERIFY(secrets->isVisible());
        QVERIFY2(secrets->text().startsWith(QStringLiteral("No dynamic secrets in Empty One yet.")),
            qPrintable(secrets->text()));
        QVERIFY(secrets->text().contains(QStringLiteral("Add Dynamic Secret...")));
        QVERIFY(leases->isVisible());
        QCOMPARE(leases->text(), QStringLiteral("Select a dynamic secret above to see its leases."));
        f.shot(QStringLiteral("empty-environment"));

        // A secret without leases: the secrets hint goes, the leases one says what to do.
        auto secret = f.addSecret(QStringLiteral("no-leases-yet"), CredentialType::Static);
        QVERIFY(secret);
        QVERIFY(SecretRepository(*f.db).byId(secret->id));
        f.window->reloadSecrets();
        f.window->selectSecret(secret->id);
        QTRY_VERIFY(!secrets->isVisible());
        QTRY_VERIFY(leases->isVisible());
        QVERIFY2(leases->text().startsWith(QStringLiteral("No leases of no-leases-yet yet.")),
            qPrintable(leases->text()));
        QVERIFY(leases->text().contains(QStringLiteral("New Lease...")));

        // A filter that matches nothing says so.
        auto *filter = f.window->findChild<QLineEdit *>(QStringLiteral("secretFilter"));
        QTest::keyClicks(filter, QStringLiteral("zzz"));
        QTRY_VERIFY(secrets->isVisible());
        QCOMPARE(secrets->text(), QStringLiteral("No dynamic secret in Development matches \"zzz\"."));
        filter->clear();
        QTRY_VERIFY(!secrets->isVisible());
        QVERIFY(QCoro::waitFor(f.catalog->remove(secret->id, true)).ok());
        selectEnvironment(env->id);
        QVERIFY(f.engine->removeEnvironment(*EnvironmentRepository(*f.db).byId(env->id)));
        f.window->loadEnvironments();
    }
};

QTEST_MAIN(TestEnvironments)
#include "tst_environments.moc"
