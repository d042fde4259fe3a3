// Provision Lease on the real widgets: what Cancel means once Submit was pressed.
#include "GuiFixture.h"
#include "NewLeaseDialog.h"
#include "TokenDialog.h"
#include "store/AuditLog.h"
#include "store/LeaseRepository.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>

using namespace kms;
using namespace kms::ui;

class TestNewLeaseDialog : public QObject {
    Q_OBJECT

    test::GuiFixture f;

    NewLeaseDialog *openFor(const DynamicSecret &secret)
    {
        f.window->selectSecret(secret.id);
        f.window->generateAction()->trigger(); // Ctrl+G
        return f.waitForDialog<NewLeaseDialog>();
    }

    // The one lease of the secret, as stored.
    std::optional<Lease> leaseOf(qint64 secretId)
    {
        const QList<Lease> leases = LeaseRepository(*f.db).listForSecret(secretId);
        return leases.size() == 1 ? std::optional<Lease>(leases.first()) : std::nullopt;
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_newleasedialog"), &error), qPrintable(error));
        QVERIFY(f.grantSecrets());
    }

    void cleanupTestCase() { f.stop(); }

    void cleanup()
    {
        QVERIFY(f.cluster->setFaults(0, 0));
        f.closeDialogs();
        QTRY_VERIFY(!f.window->findChild<NewLeaseDialog *>() && !f.window->findChild<TokenDialog *>());
    }

    // Cancel (the button, Escape or the title bar's close) after Submit cannot
    // stop the cluster calls already sent. A lease that can be revoked is
    // revoked once it is provisioned, and the window says so; no token is shown.
    void cancelWhileProvisioningRevokesARevocableLease_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<bool>("bound");
        QTest::addColumn<QString>("how");
        QTest::addColumn<QString>("name");
        QTest::newRow("dynamic, Escape") << int(CredentialType::Dynamic) << false << "escape"
                                         << "dyn-escape";
        QTest::newRow("bound static, Cancel") << int(CredentialType::Static) << true << "cancel"
                                              << "bound-cancel";
        QTest::newRow("dynamic, title bar") << int(CredentialType::Dynamic) << false << "close"
                                            << "dyn-close";
    }
    void cancelWhileProvisioningRevokesARevocableLease()
    {
        QFETCH(int, type);
        QFETCH(bool, bound);
        QFETCH(QString, how);
        QFETCH(QString, name);
        const auto secret = f.addSecret(name, CredentialType(type), bound);
        QVERIFY(secret);
        QPointer<NewLeaseDialog> dialog = openFor(*secret);
        QVERIFY(dialog);
        QSignalSpy shown(f.window.get(), &MainWindow::tokenShown);
        QVERIFY(f.cluster->setFaults(400, 0)); // every cluster call takes a while
        QTest::mouseClick(dialog->submitButton(), Qt::LeftButton);
        QVERIFY(dialog->isSubmitting());

        if (how == QLatin1String("escape"))
            QTest::keyClick(dialog, Qt::Key_Escape);
        else if (how == QLatin1String("cancel"))
            QTest::mouseClick(
                dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel), Qt::LeftButton);
        else
            dialog->close();
        QTRY_VERIFY(!dialog || !dialog->isVisible());
        // What the event loop does next: a dialog that closed for good is deleted.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);

        std::optional<Lease> lease;
        QTRY_VERIFY_WITH_TIMEOUT((lease = leaseOf(secret->id)) && lease->state == LeaseState::Revoked, 20000);
        QCOMPARE(lease->kind, bound ? LeaseKind::BoundStatic : LeaseKind::Dynamic);
        // Its objects are gone from the cluster, so the token no longer works.
        if (bound) {
            QCOMPARE(f.cluster->request("GET", "/api/v1/namespaces/default/secrets/" + lease->boundSecretName)
                         .status,
                404);
        } else {
            QCOMPARE(
                f.cluster
                    ->request("GET", "/api/v1/namespaces/default/serviceaccounts/" + lease->serviceAccount)
                    .status,
                404);
        }
        AuditFilter filter;
        filter.leaseId = lease->id;
        QStringList kinds;
        for (const AuditEvent &e : AuditLog(*f.db).list(filter))
            kinds << e.kind;
        QVERIFY2(kinds.contains(AuditEvent::LeaseRevoked), qPrintable(kinds.join(' ')));
        // Said, and no token shown to anyone.
        const QString said = f.window->statusBar()->currentMessage();
        QVERIFY2(said.contains(lease->id) && said.contains(QStringLiteral("revoked")), qPrintable(said));
        QCOMPARE(shown.size(), 0);
        QVERIFY(!f.window->tokenDialog());
        QTRY_VERIFY(!dialog);
    }

    // An unbound static token cannot be revoked: cancelled or not, it is
    // delivered, with why.
    void cancelWhileProvisioningStillShowsAnUnboundStaticToken()
    {
        const auto secret = f.addSecret(QStringLiteral("unbound-static"), CredentialType::Static);
        QVERIFY(secret);
        QPointer<NewLeaseDialog> dialog = openFor(*secret);
        QVERIFY(dialog);
        // Before anything is sent, the dialog says what Cancel will mean.
        QSignalSpy shown(f.window.get(), &MainWindow::tokenShown);
        QVERIFY(f.cluster->setFaults(1000, 0));
        QTest::mouseClick(dialog->submitButton(), Qt::LeftButton);
        QVERIFY(dialog->isSubmitting());
        f.shot(QStringLiteral("newlease-provisioning"));
        auto *hint = dialog->findChild<QLabel *>(QStringLiteral("cancelHint"));
        QVERIFY(hint && hint->isVisible());
        QVERIFY2(hint->text().contains(QStringLiteral("cannot revoke")), qPrintable(hint->text()));
        QTest::keyClick(dialog, Qt::Key_Escape);
        QTRY_VERIFY(!dialog || !dialog->isVisible());
        // What the event loop does next: a dialog that closed for good is deleted.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);

        QVERIFY(shown.wait(20000));
        TokenDialog *tokenDialog = f.window->tokenDialog();
        QVERIFY(tokenDialog && tokenDialog->isVisible());
        const QByteArray token = tokenDialog->tokenEdit()->text().toUtf8();
        QVERIFY(f.authenticates(token));
        auto *note = tokenDialog->findChild<QLabel *>(QStringLiteral("tokenNote"));
        QVERIFY(note && note->isVisible());
        f.shot(QStringLiteral("token-after-cancel"));
        QVERIFY2(note->text().contains(QStringLiteral("cancelled"))
                && note->text().contains(QStringLiteral("cannot revoke")),
            qPrintable(note->text()));
        const std::optional<Lease> lease = leaseOf(secret->id);
        QVERIFY(lease);
        QCOMPARE(lease->state, LeaseState::Active);
        QCOMPARE(lease->kind, LeaseKind::Static);
        QTRY_VERIFY(!dialog);
    }

    // The TTL's message takes the place of its help line: Submit and the fields below stay put.
    void messagesMoveNothing()
    {
        const auto secret = f.addSecret(QStringLiteral("steady"), CredentialType::Dynamic);
        QVERIFY(secret);
        QPointer<NewLeaseDialog> dialog = openFor(*secret);
        QVERIFY(dialog);
        const auto at = [](QWidget *w) { return w->mapTo(w->window(), QPoint(0, 0)); };
        QTest::qWait(50);
        const QPoint submit = at(dialog->submitButton());
        const QPoint audiences = at(dialog->audiencesEdit());
        const QSize size = dialog->size();
        dialog->ttlEdit()->selectAll();
        QTest::keyClicks(dialog->ttlEdit(), QStringLiteral("5m"));
        QVERIFY(!dialog->fieldMessage(QStringLiteral("ttl")).isEmpty());
        QTest::qWait(50);
        f.shot(QStringLiteral("newlease-ttl-message"));
        QCOMPARE(at(dialog->audiencesEdit()), audiences);
        QCOMPARE(at(dialog->submitButton()), submit);
        QCOMPARE(dialog->size(), size);
        dialog->ttlEdit()->selectAll();
        QTest::keyClicks(dialog->ttlEdit(), QStringLiteral("30m"));
        QTest::qWait(50);
        QCOMPARE(at(dialog->audiencesEdit()), audiences);
        QCOMPARE(at(dialog->submitButton()), submit);
    }

    // Cancel before Submit is a plain cancel: no lease, nothing on the cluster.
    void cancelBeforeSubmitCreatesNothing()
    {
        const auto secret = f.addSecret(QStringLiteral("untouched"), CredentialType::Dynamic);
        QVERIFY(secret);
        QPointer<NewLeaseDialog> dialog = openFor(*secret);
        QVERIFY(dialog);
        QTest::keyClick(dialog, Qt::Key_Escape);
        QTRY_VERIFY(!dialog);
        QVERIFY(LeaseRepository(*f.db).listForSecret(secret->id).isEmpty());
    }
};

QTEST_MAIN(TestNewLeaseDialog)
#include "tst_newleasedialog.moc"
