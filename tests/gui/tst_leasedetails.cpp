// Lease details (the seed: "see the lease details"): opened from the lease
// table, every field, the objects on the cluster as they are now, the token's
// jti, the lease's audit events, and its actions.
#include "GuiFixture.h"
#include "LeaseDetailsDialog.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "store/LeaseRepository.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTreeView>
#include <QTreeWidget>

using namespace kms;
using namespace kms::ui;

class TestLeaseDetails : public QObject {
    Q_OBJECT

    test::GuiFixture f;

    // A lease of the secret, made through the engine, shown in the panel.
    LeaseCreation lease(const DynamicSecret &secret)
    {
        LeaseRequest request;
        request.secretId = secret.id;
        LeaseCreation created = QCoro::waitFor(f.engine->leases().createLease(request));
        f.window->selectSecret(secret.id);
        f.window->leasePanel()->reload();
        return created;
    }

    // Enter on the lease's row, as a user opens it from the keyboard.
    LeaseDetailsDialog *openWithEnter(const QString &leaseId)
    {
        LeasePanel *panel = f.window->leasePanel();
        panel->selectLease(leaseId);
        panel->view()->setFocus();
        QTest::keyClick(panel->view(), Qt::Key_Return);
        LeaseDetailsDialog *dialog = f.waitForDialog<LeaseDetailsDialog>();
        if (dialog && dialog->isReadingCluster()) {
            QSignalSpy read(dialog, &LeaseDetailsDialog::objectsRead);
            if (!read.wait(15000))
                return nullptr;
        }
        return dialog;
    }

    // Kind and state of each object row: "ServiceAccount=Present", ...
    static QStringList objectRows(LeaseDetailsDialog *dialog)
    {
        QStringList rows;
        for (int i = 0; i < dialog->objectsView()->topLevelItemCount(); ++i) {
            const QTreeWidgetItem *item = dialog->objectsView()->topLevelItem(i);
            rows << item->text(0) + QLatin1Char('=') + item->text(3);
        }
        rows.sort();
        return rows;
    }

    static QStringList eventKinds(LeaseDetailsDialog *dialog)
    {
        QStringList kinds;
        for (int i = 0; i < dialog->eventsView()->topLevelItemCount(); ++i)
            kinds << dialog->eventsView()->topLevelItem(i)->text(1);
        return kinds;
    }

    bool refreshAndWait(LeaseDetailsDialog *dialog)
    {
        QSignalSpy read(dialog, &LeaseDetailsDialog::objectsRead);
        QTest::mouseClick(dialog->refreshButton(), Qt::LeftButton);
        return read.wait(15000);
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_leasedetails"), &error), qPrintable(error));
    }

    void cleanupTestCase() { f.stop(); }

    void cleanup()
    {
        f.closeDialogs();
        QTRY_VERIFY(!f.window->findChild<LeaseDetailsDialog *>());
    }

    // Every field of a dynamic lease, its two objects present, its jti and events.
    void showsEveryFieldTheObjectsAndTheEvents()
    {
        const auto secret = f.addSecret(QStringLiteral("details-dynamic"), CredentialType::Dynamic);
        QVERIFY(secret);
        const LeaseCreation created = lease(*secret);
        QVERIFY2(created.ok(), qPrintable(created.error));
        const Lease stored = *f.engine->lease(created.lease->id);

        LeaseDetailsDialog *dialog = openWithEnter(stored.id);
        QVERIFY(dialog);
        QCOMPARE(dialog->fieldText(QStringLiteral("Lease ID")), stored.id);
        QCOMPARE(dialog->fieldText(QStringLiteral("Secret")), secret->name);
        QCOMPARE(dialog->fieldText(QStringLiteral("State")), QStringLiteral("Active"));
        QCOMPARE(dialog->fieldText(QStringLiteral("Namespace")), QStringLiteral("default"));
        QCOMPARE(dialog->fieldText(QStringLiteral("Service Account")), stored.serviceAccount);
        QVERIFY(!stored.tokenJti.isEmpty());
        QCOMPARE(dialog->fieldText(QStringLiteral("Token ID (jti)")), stored.tokenJti);
        QVERIFY2(dialog->fieldText(QStringLiteral("Created")).contains(stored.createdBy),
            qPrintable(dialog->fieldText(QStringLiteral("Created"))));
        QVERIFY(dialog->fieldText(QStringLiteral("Closed")).isEmpty()); // open: the row is hidden
        // The setup guide's RBAC has no "get" on bindings: unknown, and said why, never "gone".
        QCOMPARE(objectRows(dialog),
            QStringList({ QStringLiteral("RoleBinding=Unknown"), QStringLiteral("ServiceAccount=Present") }));
        QVERIFY2(dialog->objectsStatus()->text().contains(QStringLiteral("may not read RoleBinding objects")),
            qPrintable(dialog->objectsStatus()->text()));
        QVERIFY2(eventKinds(dialog).contains(QStringLiteral("Lease created")),
            qPrintable(eventKinds(dialog).join(", ")));
        QVERIFY(dialog->revokeButton()->isEnabled());
        test::GuiFixture::shot(QStringLiteral("lease-details"));
        // Two rows: the list is as tall as they are, and the events get the room.
        QTreeWidget *objects = dialog->objectsView();
        const int twoRows
            = objects->header()->height() + 2 * objects->sizeHintForRow(0) + 2 * objects->frameWidth();
        QVERIFY2(objects->height() <= twoRows + objects->horizontalScrollBar()->sizeHint().height(),
            qPrintable(QStringLiteral("objects list %1 px tall for two rows of %2 px")
                           .arg(objects->height())
                           .arg(objects->sizeHintForRow(0))));
        QVERIFY2(objects->viewport()->height() >= 2 * objects->sizeHintForRow(0),
            qPrintable(
                QStringLiteral("both rows visible: viewport %1 px").arg(objects->viewport()->height())));
        QVERIFY(dialog->eventsView()->height() > objects->height());

        // What the cluster has, read again: an object deleted behind the app's back shows as gone.
        const auto removed = f.cluster->request(
            "DELETE", QStringLiteral("/api/v1/namespaces/default/serviceaccounts/") + stored.serviceAccount);
        QCOMPARE(removed.status, 200);
        QVERIFY(refreshAndWait(dialog));
        QCOMPARE(objectRows(dialog),
            QStringList({ QStringLiteral("RoleBinding=Unknown"), QStringLiteral("ServiceAccount=Gone") }));
    }

    // Delete... in the details asks, revokes, and the dialog follows: Revoked,
    // objects gone, the event listed, the token refused by the cluster.
    void deleteFromTheDetailsRevokes()
    {
        const auto secret = f.addSecret(QStringLiteral("details-revoke"), CredentialType::Dynamic);
        QVERIFY(secret);
        const LeaseCreation created = lease(*secret);
        QVERIFY2(created.ok(), qPrintable(created.error));
        QVERIFY(f.authenticates(created.issued->token));
        LeaseDetailsDialog *dialog = openWithEnter(created.lease->id);
        QVERIFY(dialog);

        QTest::mouseClick(dialog->revokeButton(), Qt::LeftButton);
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmRevoke"));
        QVERIFY(box);
        QVERIFY2(box->text().contains(created.lease->serviceAccount), qPrintable(box->text()));
        QSignalSpy read(dialog, &LeaseDetailsDialog::objectsRead);
        box->findChild<QPushButton *>(QStringLiteral("confirmRevokeButton"))->click();
        QTRY_COMPARE_WITH_TIMEOUT(
            dialog->fieldText(QStringLiteral("State")), QStringLiteral("Revoked"), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isReadingCluster() && !read.isEmpty(), 15000);
        QCOMPARE(objectRows(dialog),
            QStringList({ QStringLiteral("RoleBinding=Unknown"), QStringLiteral("ServiceAccount=Gone") }));
        QVERIFY(!dialog->fieldText(QStringLiteral("Closed")).isEmpty());
        QVERIFY2(eventKinds(dialog).contains(QStringLiteral("Lease revoked")),
            qPrintable(eventKinds(dialog).join(", ")));
        QVERIFY(!dialog->revokeButton()->isEnabled());
        QVERIFY(!f.authenticates(created.issued->token));
    }

    // An unbound static lease creates nothing on the cluster, and says so.
    void aStaticLeaseSaysItCreatedNothing()
    {
        const auto secret = f.addSecret(QStringLiteral("details-static"), CredentialType::Static);
        QVERIFY(secret);
        const LeaseCreation created = lease(*secret);
        QVERIFY2(created.ok(), qPrintable(created.error));
        LeaseDetailsDialog *dialog = openWithEnter(created.lease->id);
        QVERIFY(dialog);
        QCOMPARE(dialog->objectsView()->topLevelItemCount(), 0);
        QVERIFY2(dialog->objectsStatus()->text().contains(QStringLiteral("created no objects")),
            qPrintable(dialog->objectsStatus()->text()));
        QVERIFY(dialog->fieldText(QStringLiteral("Kind")).startsWith(QStringLiteral("Static token")));
    }

    // A bound lease's Secret, and the cluster token's permissions: a read the
    // token may not do is Unknown, with the reason, never "Gone".
    void anObjectTheTokenMayNotReadIsUnknown()
    {
        QVERIFY(f.grantSecrets());
        const auto secret = f.addSecret(QStringLiteral("details-bound"), CredentialType::Static, true);
        QVERIFY(secret);
        const LeaseCreation created = lease(*secret);
        QVERIFY2(created.ok(), qPrintable(created.error));
        LeaseDetailsDialog *dialog = openWithEnter(created.lease->id);
        QVERIFY(dialog);
        QCOMPARE(objectRows(dialog), QStringList({ QStringLiteral("Secret=Present") }));

        // Take "get" on Secrets away from the cluster token.
        const auto role = f.cluster->request(
            "DELETE", QStringLiteral("/apis/rbac.authorization.k8s.io/v1/clusterroles/kms-bound-secrets"));
        QCOMPARE(role.status, 200);
        QVERIFY(refreshAndWait(dialog));
        QCOMPARE(objectRows(dialog), QStringList({ QStringLiteral("Secret=Unknown") }));
        QVERIFY2(dialog->objectsStatus()->text().contains(QStringLiteral("may not read Secret")),
            qPrintable(dialog->objectsStatus()->text()));
    }

    // Double-click and the Lease menu open the same dialog, once.
    void oneDialogPerLease()
    {
        const auto secret = f.addSecret(QStringLiteral("details-once"), CredentialType::Static);
        QVERIFY(secret);
        const LeaseCreation created = lease(*secret);
        QVERIFY2(created.ok(), qPrintable(created.error));
        LeasePanel *panel = f.window->leasePanel();
        panel->selectLease(created.lease->id);
        const QModelIndex index = panel->view()->currentIndex();
        const QRect cell = panel->view()->visualRect(index);
        QTest::mouseClick(panel->view()->viewport(), Qt::LeftButton, {}, cell.center());
        QTest::mouseDClick(panel->view()->viewport(), Qt::LeftButton, {}, cell.center());
        QTRY_COMPARE(panel->findChildren<LeaseDetailsDialog *>().size(), 1);
        QAction *details = nullptr;
        for (QAction *menu : f.window->menuBar()->actions()) {
            if (menu->text() == QStringLiteral("&Lease"))
                for (QAction *action : menu->menu()->actions())
                    if (action->text() == QStringLiteral("De&tails..."))
                        details = action;
        }
        QVERIFY(details);
        QVERIFY(details->isEnabled());
        details->trigger();
        QCOMPARE(panel->findChildren<LeaseDetailsDialog *>().size(), 1);
        QCOMPARE(panel->findChildren<LeaseDetailsDialog *>().first()->leaseId(), created.lease->id);
    }
};

QTEST_MAIN(TestLeaseDetails)
#include "tst_leasedetails.moc"
