// What the window says after an action is about what is on screen, and every
// action says something.
#include "Fixtures.h"
#include "GuiFixture.h"
#include "LeaseFilterProxyModel.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "SecretSetupDialog.h"
#include "SecretTableModel.h"
#include "store/LeaseRepository.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTreeView>

using namespace kms;
using namespace kms::ui;

class TestPanelFeedback : public QObject {
    Q_OBJECT

    test::GuiFixture f;

    static QString widths(QHeaderView *header)
    {
        QStringList out;
        for (int i = 0; i < header->count(); ++i)
            out << QString::number(header->sectionSize(i));
        return out.join(QLatin1Char(' '));
    }

    QAction *leaseMenuAction(const QString &text)
    {
        for (QAction *menu : f.window->menuBar()->actions()) {
            if (menu->text() != QStringLiteral("&Lease") || !menu->menu())
                continue;
            for (QAction *action : menu->menu()->actions()) {
                if (action->text() == text)
                    return action;
            }
        }
        return nullptr;
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_panelfeedback"), &error), qPrintable(error));
    }

    void cleanupTestCase() { f.stop(); }

    // The answer to a revoke belongs to the secret it was about: another
    // secret's leases do not show it.
    void aRevokeMessageDoesNotFollowToAnotherSecret()
    {
        const auto first = f.addSecret(QStringLiteral("feedback-one"), CredentialType::Dynamic);
        const auto second = f.addSecret(QStringLiteral("feedback-two"), CredentialType::Static);
        QVERIFY(first && second);
        LeaseRequest request;
        request.secretId = first->id;
        const LeaseCreation created = QCoro::waitFor(f.engine->leases().createLease(request));
        QVERIFY2(created.ok(), qPrintable(created.error));
        f.window->selectSecret(first->id);
        LeasePanel *panel = f.window->leasePanel();
        panel->reload();
        panel->selectLease(created.lease->id);
        panel->deleteSelected();
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmRevoke"));
        QVERIFY(box);
        QSignalSpy changed(panel, &LeasePanel::leasesChanged);
        box->findChild<QPushButton *>(QStringLiteral("confirmRevokeButton"))->click();
        QVERIFY(changed.wait(15000));
        QVERIFY(panel->statusLabel()->isVisible());
        QVERIFY(!panel->statusLabel()->text().isEmpty());

        f.window->selectSecret(second->id);
        QVERIFY2(!panel->statusLabel()->isVisible(), qPrintable(panel->statusLabel()->text()));
    }

    // Sorted by State, a lease whose state changes moves to its new place.
    void aSortByStateFollowsAChangedState()
    {
        const auto secret = f.addSecret(QStringLiteral("feedback-sort"), CredentialType::Dynamic);
        QVERIFY(secret);
        LeaseRequest request;
        request.secretId = secret->id;
        const LeaseCreation first = QCoro::waitFor(f.engine->leases().createLease(request));
        const LeaseCreation second = QCoro::waitFor(f.engine->leases().createLease(request));
        QVERIFY(first.ok() && second.ok());
        f.window->selectSecret(secret->id);
        LeasePanel *panel = f.window->leasePanel();
        panel->reload();
        panel->view()->sortByColumn(LeaseTableModel::State, Qt::AscendingOrder);
        const auto idAt = [panel](int row) {
            return panel->proxy()->index(row, 0).data(LeaseTableModel::LeaseIdRole).toString();
        };
        const QString top = idAt(0);
        const QString other = idAt(1);
        QVERIFY(QCoro::waitFor(f.engine->leases().revoke(top)).ok); // leaseChanged refreshes the row
        QTRY_COMPARE(
            panel->model()->index(panel->model()->rowOf(top), LeaseTableModel::State).data().toString(),
            QStringLiteral("Revoked"));
        QCOMPARE(idAt(0), other); // Active before Revoked
        QCOMPARE(idAt(1), top);
    }

    // Questions speak of what will happen, and a button that opens a dialog says so with "...".
    void wordsOfTheConfirmationsAndButtons()
    {
        QVERIFY2(f.window->addSecretButton()->text().endsWith(QStringLiteral("...")),
            qPrintable(f.window->addSecretButton()->text()));
        Lease dynamic = test::activeLease(1, f.clock->now());
        dynamic.kind = LeaseKind::Dynamic;
        dynamic.serviceAccount = QStringLiteral("kms-x-abcde");
        const QString one = LeasePanel::revokeConfirmation({ dynamic });
        QVERIFY2(
            one.contains(QStringLiteral("will be deleted")) && !one.contains(QStringLiteral("are deleted")),
            qPrintable(one));
        Lease other = dynamic;
        other.id = Lease::newId();
        const QString two = LeasePanel::revokeConfirmation({ dynamic, other });
        QVERIFY2(two.startsWith(QStringLiteral("2 dynamic or bound leases: their objects will be deleted")),
            qPrintable(two));
    }

    // Test Connection does not call a check it could not decide "granted".
    void anUnknownCheckIsNotCalledGranted()
    {
        PreflightResult result;
        result.checks.push_back(
            { QStringLiteral("create serviceaccounts/token"), PreflightCheck::Result::Passed, {} });
        result.checks.push_back({ QStringLiteral("bind clusterroles kms-dynamic-role"),
            PreflightCheck::Result::Unknown, QStringLiteral("Without \"bind\", ...") });
        SecretSetupDialog::SummaryTone tone;
        const QString said = SecretSetupDialog::preflightSummary(result, &tone);
        QVERIFY2(!said.contains(QStringLiteral("every permission")), qPrintable(said));
        QVERIFY2(said.contains(QStringLiteral("1 check could not be decided")), qPrintable(said));
        QCOMPARE(tone, SecretSetupDialog::SummaryTone::Warning);
        result.checks.removeLast();
        QVERIFY(
            SecretSetupDialog::preflightSummary(result, &tone).contains(QStringLiteral("every permission")));
        QCOMPARE(tone, SecretSetupDialog::SummaryTone::Success);
    }

    // The audience example is not one a cluster's API server refuses.
    void theAudienceExampleIsNotTheApiServersUrl()
    {
        SecretSetupDialog *dialog = f.window->addSecret();
        QVERIFY(dialog);
        auto *input = dialog->findChild<QLineEdit *>(QStringLiteral("audienceInput"));
        QVERIFY(input);
        QVERIFY2(!input->placeholderText().contains(QStringLiteral("kubernetes.default.svc")),
            qPrintable(input->placeholderText()));
        dialog->reject();
    }

    // At 1024x700 every lease column is on screen, none cut, without scrolling sideways.
    void everyLeaseColumnFitsAt1024()
    {
        const auto secret = f.addSecret(QStringLiteral("feedback-width"), CredentialType::Static);
        QVERIFY(secret);
        LeaseRequest request;
        request.secretId = secret->id;
        QVERIFY(QCoro::waitFor(f.engine->leases().createLease(request)).ok());
        f.window->selectSecret(secret->id);
        f.window->resize(1024, 700);
        QTRY_COMPARE(f.window->width(), 1024);
        QTreeView *view = f.window->leasePanel()->view();
        QTest::qWait(0);
        QHeaderView *header = view->header();
        const int visible = view->viewport()->width();
        for (int column = 0; column < header->count(); ++column) {
            const int right = header->sectionViewportPosition(column) + header->sectionSize(column);
            QVERIFY2(right <= visible,
                qPrintable(QStringLiteral("column %1 ends at %2 of %3 px")
                               .arg(view->model()->headerData(column, Qt::Horizontal).toString())
                               .arg(right)
                               .arg(visible)));
        }
        // What each cell shows fits its column (the countdown and times are not elided).
        const QModelIndex row = view->model()->index(0, 0);
        for (const int column :
            { int(LeaseTableModel::Created), int(LeaseTableModel::Expires), int(LeaseTableModel::State) }) {
            const QString text = row.siblingAtColumn(column).data().toString();
            QVERIFY2(view->fontMetrics().horizontalAdvance(text) + 12 <= header->sectionSize(column),
                qPrintable(text));
        }
        test::GuiFixture::shot(QStringLiteral("lease-table-1024"));
        f.window->resize(1280, 800);
    }

    // At 1024x700 the secrets table shows every column and a whole cluster URL.
    void everySecretColumnFitsAt1024()
    {
        const auto secret = f.addSecret(QStringLiteral("cluster-url-width"), CredentialType::Static);
        QVERIFY(secret);
        f.window->reloadSecrets();
        f.window->selectSecret(secret->id);
        f.window->resize(1024, 700);
        QTRY_COMPARE(f.window->width(), 1024);
        QTest::qWait(0);
        QTreeView *view = f.window->secretView();
        QHeaderView *header = view->header();
        const int visible = view->viewport()->width();
        for (int column = 0; column < header->count(); ++column) {
            const int right = header->sectionViewportPosition(column) + header->sectionSize(column);
            QVERIFY2(right <= visible,
                qPrintable(QStringLiteral("column %1 ends at %2 of %3 px")
                               .arg(view->model()->headerData(column, Qt::Horizontal).toString())
                               .arg(right)
                               .arg(visible)));
        }
        const int row = f.window->secretProxy()
                            ->mapFromSource(
                                f.window->secretModel()->index(f.window->secretModel()->rowOf(secret->id), 0))
                            .row();
        for (const int column : { int(SecretTableModel::Cluster), int(SecretTableModel::CredentialTypeColumn),
                 int(SecretTableModel::AuthMethodColumn), int(SecretTableModel::DefaultTtl) }) {
            const QString text = view->model()->index(row, column).data().toString();
            QVERIFY2(view->fontMetrics().horizontalAdvance(text) + 12 <= header->sectionSize(column),
                qPrintable(QStringLiteral("%1 in %2 px").arg(text).arg(header->sectionSize(column))));
        }
        test::GuiFixture::shot(QStringLiteral("secret-table-1024"));
        f.window->resize(1280, 800);
    }

    // Reconcile Now says what it did, also when there was nothing to do.
    void reconcileNowAlwaysAnswers()
    {
        QAction *reconcile = leaseMenuAction(QStringLiteral("Re&concile Now"));
        QVERIFY(reconcile);
        QSignalSpy finished(f.window.get(), &MainWindow::reconcileFinished);
        reconcile->trigger();
        // With no secret to ask a cluster about, it finishes before trigger() returns.
        QVERIFY(finished.count() > 0 || finished.wait(30000));
        const QString said = f.window->statusBar()->currentMessage();
        QVERIFY2(said.contains(QStringLiteral("nothing")), qPrintable(said));
    }
};

QTEST_MAIN(TestPanelFeedback)
#include "tst_panelfeedback.moc"
