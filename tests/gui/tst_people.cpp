// Who did what (issue 14): File > Set Your Display Name..., the lease table's
// Created By and Closed By columns, its person filter, the lease details and
// the audit log, each showing "Display Name (user@host)" once a name is set.
#include "AuditDialog.h"
#include "AuditTableModel.h"
#include "Fixtures.h"
#include "GuiFixture.h"
#include "LeaseDetailsDialog.h"
#include "LeaseFilterProxyModel.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "TimeText.h"
#include "store/LeaseRepository.h"
#include "store/PeopleRepository.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QContextMenuEvent>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTreeView>

using namespace kms;
using namespace kms::ui;

class TestPeople : public QObject {
    Q_OBJECT

    test::GuiFixture f;
    const QString me = AuditEvent::currentActor();

    QAction *fileMenuAction(const QString &objectName)
    {
        for (QAction *menu : f.window->menuBar()->actions()) {
            if (menu->text() == QStringLiteral("&File")) {
                for (QAction *action : menu->menu()->actions()) {
                    if (action->objectName() == objectName)
                        return action;
                }
            }
        }
        return nullptr;
    }

    QInputDialog *openDisplayNameDialog()
    {
        QAction *action = fileMenuAction(QStringLiteral("setDisplayNameAction"));
        if (!action || action->text() != QStringLiteral("Set Your Display &Name..."))
            return nullptr;
        action->trigger();
        auto *input = f.waitForDialog<QInputDialog>();
        return input && input->objectName() == QStringLiteral("displayNameDialog") ? input : nullptr;
    }

    QString cell(const QString &leaseId, int column)
    {
        LeaseTableModel *model = f.window->leasePanel()->model();
        const int row = model->rowOf(leaseId);
        return row < 0 ? QStringLiteral("(no row)") : model->index(row, column).data().toString();
    }

    QStringList shownIds()
    {
        QSortFilterProxyModel *proxy = f.window->leasePanel()->proxy();
        QStringList ids;
        for (int row = 0; row < proxy->rowCount(); ++row)
            ids << proxy->index(row, 0).data(LeaseTableModel::LeaseIdRole).toString();
        ids.sort();
        return ids;
    }

    // A colleague's lease, as another desktop of a team profile writes it.
    Lease colleaguesLease(const DynamicSecret &secret, const QString &createdBy, const QString &closedBy = {})
    {
        Lease l = test::activeLease(secret.id, QDateTime::currentDateTimeUtc().addSecs(-120), 3600);
        l.namespaceName = QStringLiteral("default");
        l.createdBy = createdBy;
        if (!closedBy.isEmpty()) {
            l.state = LeaseState::Revoked;
            l.closedBy = closedBy;
            l.closedAt = QDateTime::fromMSecsSinceEpoch(
                QDateTime::currentMSecsSinceEpoch() - 60'000, Qt::UTC); // as stored: milliseconds
        }
        if (!LeaseRepository(*f.db).insert(l))
            qWarning("insert: %s", qPrintable(f.db->lastError()));
        return l;
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_people"), &error), qPrintable(error));
    }

    void cleanupTestCase() { f.stop(); }

    void cleanup() { f.closeDialogs(); }

    // The name is refused in words when it cannot be one, stored with its
    // audit event when it can, and shown at once with this user@host.
    void setsYourDisplayNameFromTheFileMenu()
    {
        const auto secret = f.addSecret(QStringLiteral("people-static"), CredentialType::Static);
        QVERIFY(secret);
        LeaseRequest request;
        request.secretId = secret->id;
        const LeaseCreation created = QCoro::waitFor(f.engine->leases().createLease(request));
        QVERIFY2(created.ok(), qPrintable(created.error));
        f.window->selectSecret(secret->id);
        f.window->leasePanel()->reload();
        const QString before = f.engine->displayName();
        QCOMPARE(cell(created.lease->id, LeaseTableModel::CreatedBy), Person::describe(me, before));

        QInputDialog *input = openDisplayNameDialog();
        QVERIFY(input);
        QCOMPARE(input->textValue(), before);
        QVERIFY2(input->labelText().contains(me), qPrintable(input->labelText()));
        input->setTextValue(QStringLiteral("alice@elsewhere"));
        input->accept();
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("displayNameNotSet"));
        QVERIFY(box);
        QCOMPARE(box->windowTitle(), QStringLiteral("Display Name Not Set"));
        QCOMPARE(box->text(),
            QStringLiteral("The display name contains '@'; a display name is a name, not a user@host."));
        box->accept();
        QTRY_VERIFY(!box->isVisible());
        QCOMPARE(f.engine->displayName(), before);

        input = openDisplayNameDialog();
        QVERIFY(input);
        input->setTextValue(QStringLiteral("  Alice Doe "));
        test::GuiFixture::shot(QStringLiteral("display-name-dialog"));
        input->accept();
        QTRY_COMPARE(
            cell(created.lease->id, LeaseTableModel::CreatedBy), QStringLiteral("Alice Doe (%1)").arg(me));
        QCOMPARE(PeopleRepository(*f.db).nameOf(me), QStringLiteral("Alice Doe"));
        AuditFilter named;
        named.kind = AuditEvent::PersonNamed;
        const QList<AuditEvent> events = f.engine->auditEvents(named);
        QVERIFY(!events.isEmpty());
        QCOMPARE(events.last().actor, me);
        QVERIFY2(events.last().detail.startsWith(QStringLiteral("%1 is now called \"Alice Doe\"").arg(me)),
            qPrintable(events.last().detail));
        QCOMPARE(
            f.window->leasePanel()->personFilter()->itemText(1), QStringLiteral("Alice Doe (%1)").arg(me));

        // The dialog offers the name now set; the audit log shows it with the actor.
        input = openDisplayNameDialog();
        QVERIFY(input);
        QCOMPARE(input->textValue(), QStringLiteral("Alice Doe"));
        input->reject();
        AuditDialog *audit = f.window->openAuditLog();
        QVERIFY(audit);
        audit->setSecretFilter(QString()); // it opens on the selected secret's events; naming is about none
        audit->setLeaseFilter(QString());
        AuditTableModel *model = audit->model();
        int row = -1;
        for (int i = 0; i < model->rowCount(); ++i) {
            if (model->index(i, AuditTableModel::Kind).data(AuditTableModel::RawValueRole).toString()
                == AuditEvent::PersonNamed)
                row = i;
        }
        QVERIFY(row >= 0);
        QCOMPARE(model->index(row, AuditTableModel::Actor).data().toString(),
            QStringLiteral("Alice Doe (%1)").arg(me));
        QCOMPARE(
            model->index(row, AuditTableModel::Kind).data().toString(), QStringLiteral("Display name set"));
        test::GuiFixture::shot(QStringLiteral("audit-display-name"));
        audit->close();
    }

    // Created By and Closed By in the table and the details, by display name
    // when one is set; the person filter keeps the leases one person created or closed.
    // At 1024 px the people columns get what the others leave; the header's
    // context menu hides a column, and its width goes to them.
    void hidingAColumnFromTheHeaderMenuWidensThePeopleColumns()
    {
        const auto secret = f.addSecret(QStringLiteral("people-columns"), CredentialType::Static);
        QVERIFY(secret);
        colleaguesLease(*secret, QStringLiteral("dana@workstation-with-a-long-name"));
        f.window->resize(1024, 768);
        f.window->selectSecret(secret->id);
        LeasePanel *panel = f.window->leasePanel();
        panel->reload();
        QHeaderView *header = panel->view()->header();
        QTRY_VERIFY(header->sectionSize(LeaseTableModel::CreatedBy) > 0);
        const int createdBy = header->sectionSize(LeaseTableModel::CreatedBy);
        const int serviceAccount = header->sectionSize(LeaseTableModel::ServiceAccount);

        const auto openMenu = [&] {
            const QPoint at(
                header->sectionViewportPosition(LeaseTableModel::State) + 5, header->height() / 2);
            QContextMenuEvent click(QContextMenuEvent::Mouse, at, header->viewport()->mapToGlobal(at));
            QApplication::sendEvent(header->viewport(), &click);
            return panel->columnsMenu()->isVisible();
        };
        const auto entry = [&](int column) -> QAction * {
            for (QAction *action : panel->columnsMenu()->actions()) {
                if (action->data().toInt() == column)
                    return action;
            }
            return nullptr;
        };
        QTRY_VERIFY(openMenu());
        QCOMPARE(panel->columnsMenu()->actions().size(), int(LeaseTableModel::ColumnCount));
        QCOMPARE(entry(LeaseTableModel::ServiceAccount)->text(), QStringLiteral("Service Account"));
        QVERIFY(entry(LeaseTableModel::ServiceAccount)->isChecked());
        QVERIFY(!entry(LeaseTableModel::Id)->isEnabled()); // the lease id stays
        test::GuiFixture::shot(QStringLiteral("lease-table-columns-menu"));
        entry(LeaseTableModel::ServiceAccount)->trigger();
        panel->columnsMenu()->close();

        QVERIFY(header->isSectionHidden(LeaseTableModel::ServiceAccount));
        test::GuiFixture::shot(QStringLiteral("lease-table-without-service-account"));
        QTRY_VERIFY2(header->sectionSize(LeaseTableModel::CreatedBy) >= createdBy + serviceAccount / 2 - 1,
            qPrintable(QStringLiteral("%1 px, was %2")
                           .arg(header->sectionSize(LeaseTableModel::CreatedBy))
                           .arg(createdBy)));

        QTRY_VERIFY(openMenu());
        QVERIFY(!entry(LeaseTableModel::ServiceAccount)->isChecked());
        entry(LeaseTableModel::ServiceAccount)->trigger();
        panel->columnsMenu()->close();
        QVERIFY(!header->isSectionHidden(LeaseTableModel::ServiceAccount));
        QTRY_COMPARE(header->sectionSize(LeaseTableModel::CreatedBy), createdBy);
    }

    void tableDetailsAndFilterShowWhoCreatedAndClosedEachLease()
    {
        const auto secret = f.addSecret(QStringLiteral("people-dynamic"), CredentialType::Dynamic);
        QVERIFY(secret);
        LeaseRequest request;
        request.secretId = secret->id;
        const LeaseCreation mine = QCoro::waitFor(f.engine->leases().createLease(request));
        QVERIFY2(mine.ok(), qPrintable(mine.error));
        const Lease bobs = colleaguesLease(*secret, QStringLiteral("bob@desktop"));
        const Lease carols
            = colleaguesLease(*secret, QStringLiteral("carol@ops"), QStringLiteral("bob@desktop"));
        const PeopleRepository::Naming bob
            = PeopleRepository(*f.db).setName(QStringLiteral("bob@desktop"), QStringLiteral("Bob Builder"));
        QVERIFY2(bob.outcome == PeopleRepository::Naming::Outcome::Named, qPrintable(bob.error));
        f.window->selectSecret(secret->id);
        LeasePanel *panel = f.window->leasePanel();
        panel->reload();
        const QString meShown = f.engine->people().describe(me);

        QCOMPARE(cell(bobs.id, LeaseTableModel::CreatedBy), QStringLiteral("Bob Builder (bob@desktop)"));
        QCOMPARE(cell(bobs.id, LeaseTableModel::ClosedBy), QString());
        QCOMPARE(cell(carols.id, LeaseTableModel::CreatedBy), QStringLiteral("carol@ops"));
        QCOMPARE(cell(carols.id, LeaseTableModel::ClosedBy), QStringLiteral("Bob Builder (bob@desktop)"));
        QCOMPARE(cell(mine.lease->id, LeaseTableModel::CreatedBy), meShown);
        QCOMPARE(panel->model()->headerData(LeaseTableModel::ClosedBy, Qt::Horizontal).toString(),
            QStringLiteral("Closed By"));

        // I revoke my lease: the row says who closed it as soon as it changes.
        const RevokeOutcome revoked = QCoro::waitFor(f.engine->leases().revoke(mine.lease->id));
        QVERIFY2(revoked.ok, qPrintable(revoked.message));
        QTRY_COMPARE(cell(mine.lease->id, LeaseTableModel::ClosedBy), meShown);

        // Everyone in the rows, by what people read; the chosen one's leases only.
        QComboBox *people = panel->personFilter();
        QStringList actors;
        for (int i = 0; i < people->count(); ++i)
            actors << people->itemData(i).toString();
        QCOMPARE(people->itemText(0), QStringLiteral("All people"));
        QCOMPARE(QSet<QString>(actors.cbegin(), actors.cend()),
            QSet<QString>({ QString(), me, QStringLiteral("bob@desktop"), QStringLiteral("carol@ops") }));
        QCOMPARE(people->itemText(actors.indexOf(QStringLiteral("bob@desktop"))),
            QStringLiteral("Bob Builder (bob@desktop)"));
        QCOMPARE(shownIds().size(), 3);
        people->setFocus();
        QTest::keyClicks(people, QStringLiteral("Bob")); // typing chooses an entry, as on any combo box
        QTRY_COMPARE(people->currentData().toString(), QStringLiteral("bob@desktop"));
        QStringList bobsAndCarols { bobs.id, carols.id };
        bobsAndCarols.sort();
        QTRY_COMPARE(shownIds(), bobsAndCarols); // he created one and closed the other
        test::GuiFixture::shot(QStringLiteral("lease-table-person-filter"));
        // The text filter narrows within, by display name or user@host.
        QTest::keyClicks(panel->filterEdit(), QStringLiteral("carol"));
        QTRY_COMPARE(shownIds(), QStringList { carols.id });
        panel->filterEdit()->clear();
        panel->filterByPerson(QStringLiteral("carol@ops"));
        QTRY_COMPARE(shownIds(), QStringList { carols.id });
        panel->filterByPerson(me);
        QTRY_COMPARE(shownIds(), QStringList { mine.lease->id });
        panel->filterByPerson(QString());
        QTRY_COMPARE(shownIds().size(), 3);

        // The details: who created it, and who closed it when.
        panel->selectLease(carols.id);
        LeaseDetailsDialog *dialog = panel->openDetails(carols.id);
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QCOMPARE(dialog->fieldText(QStringLiteral("Created")),
            QStringLiteral("%1 by carol@ops").arg(TimeText::absolute(carols.createdAt)));
        QCOMPARE(dialog->fieldText(QStringLiteral("Closed")),
            QStringLiteral("%1 by Bob Builder (bob@desktop)").arg(TimeText::absolute(carols.closedAt)));
        test::GuiFixture::shot(QStringLiteral("lease-details-closed-by"));
        dialog->close();
    }
};

QTEST_MAIN(TestPeople)
#include "tst_people.moc"
