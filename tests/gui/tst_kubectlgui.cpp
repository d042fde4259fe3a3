// kubectl without copy and paste, in the window: Add to Kubeconfig... on a
// secret (the context written, the kubectl line to copy, the real kubectl
// using it) and Renew... on a lease (asked first, the new token shown once).
#include "GuiFixture.h"
#include "KubeconfigDialog.h"
#include "LeaseDetailsDialog.h"
#include "LeaseFilterProxyModel.h"
#include "LeasePanel.h"
#include "LeaseTableModel.h"
#include "LeaseWatch.h"
#include "TokenDialog.h"
#include "TrayIcon.h"

#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeView>

#include <sys/stat.h>

using namespace kms;
using namespace kms::ui;

class TestKubectlGui : public QObject {
    Q_OBJECT

    test::GuiFixture f;
    std::optional<DynamicSecret> m_dynamic;
    std::optional<DynamicSecret> m_static;
    QTemporaryDir m_files;

    KubeconfigDialog *openKubeconfigDialog(const DynamicSecret &secret)
    {
        f.window->selectSecret(secret.id);
        QAction *action = f.window->findChild<QAction *>(QStringLiteral("addToKubeconfigAction"));
        if (!action || !action->isEnabled())
            return nullptr;
        action->trigger();
        return f.waitForDialog<KubeconfigDialog>();
    }
    Lease newLease(const DynamicSecret &secret)
    {
        LeaseRequest request;
        request.secretId = secret.id;
        request.ttl = Duration::fromMinutes(20);
        const LeaseCreation created = QCoro::waitFor(f.engine->leases().createLease(request));
        if (!created.ok())
            qFatal("lease: %s", qPrintable(created.error));
        return *created.lease;
    }
    // A lease whose token the cluster dated ten minutes back: ten minutes left,
    // so renewing for its 20-minute TTL extends it.
    Lease leaseWithTenMinutesLeft(const DynamicSecret &secret)
    {
        if (!f.cluster->setClockOffset(-600))
            qFatal("cannot set the cluster's clock");
        const Lease lease = newLease(secret);
        if (!f.cluster->setClockOffset(0))
            qFatal("cannot set the cluster's clock");
        return lease;
    }
    // Renew in the question, then the token dialog: the new token works, the
    // lease has it and a later expiry.
    void confirmRenewAndCheck(QMessageBox *box, const Lease &lease)
    {
        QSignalSpy shown(f.window.get(), &MainWindow::tokenShown);
        QTest::mouseClick(
            box->findChild<QPushButton *>(QStringLiteral("confirmRenewButton")), Qt::LeftButton);
        QVERIFY(shown.wait(20000));
        TokenDialog *dialog = f.window->tokenDialog();
        QVERIFY(dialog);
        QVERIFY(f.authenticates(dialog->tokenEdit()->text().toUtf8()));
        const auto renewed = f.engine->lease(lease.id);
        QVERIFY(renewed->tokenJti != lease.tokenJti);
        QVERIFY(renewed->expiresAt > lease.expiresAt);
    }
    // Renew... from the lease list's context menu, then Renew in the question.
    QMessageBox *renewFromContextMenu(const Lease &lease)
    {
        f.window->selectSecret(lease.secretId);
        LeasePanel *panel = f.window->leasePanel();
        panel->reload();
        panel->selectLease(lease.id);
        bool offered = false;
        // The menu runs its own loop: look at it from inside.
        QTimer::singleShot(0, this, [&offered] {
            for (QWidget *w : QApplication::topLevelWidgets()) {
                auto *menu = qobject_cast<QMenu *>(w);
                if (!menu || !menu->isVisible())
                    continue;
                for (QAction *action : menu->actions()) {
                    if (action->objectName() == QLatin1String("renewLeaseAction") && action->isEnabled()) {
                        offered = true;
                        test::GuiFixture::shot(QStringLiteral("renew-context-menu"));
                        action->trigger();
                    }
                }
                menu->close();
            }
        });
        const QRect row = panel->view()->visualRect(
            panel->proxy()->mapFromSource(panel->model()->index(panel->model()->rowOf(lease.id), 0)));
        emit panel->view()->customContextMenuRequested(row.center());
        if (!offered)
            return nullptr;
        return f.waitForMessageBox(QStringLiteral("confirmRenew"));
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_kubectlgui"), &error), qPrintable(error));
        m_dynamic = f.addSecret(QStringLiteral("dev-access"), CredentialType::Dynamic);
        m_static = f.addSecret(QStringLiteral("ci-deployer"), CredentialType::Static);
        QVERIFY(m_dynamic && m_static);
    }

    void cleanupTestCase() { f.stop(); }

    void cleanup()
    {
        f.closeDialogs();
        QTRY_VERIFY(!f.window->findChild<KubeconfigDialog *>() && !f.window->findChild<TokenDialog *>());
    }

    void addToKubeconfigWritesAContextAndShowsTheKubectlLine()
    {
        const QString path = m_files.filePath(QStringLiteral("kube/config"));
        KubeconfigDialog *dialog = openKubeconfigDialog(*m_dynamic);
        QVERIFY(dialog);
        QCOMPARE(dialog->namespaceBox()->currentText(), QStringLiteral("default"));
        QCOMPARE(dialog->contextEdit()->text(), QStringLiteral("kms-dev-access"));
        dialog->kubeconfigEdit()->setText(path);
        f.shot(QStringLiteral("kubeconfig-dialog"));
        QTest::mouseClick(dialog->addButton(), Qt::LeftButton);
        QCOMPARE(dialog->errorText(), QString());
        QCOMPARE(dialog->commandEdit()->text(), QStringLiteral("kubectl --context kms-dev-access get pods"));
        QVERIFY2(dialog->resultText().contains(QStringLiteral("Context kms-dev-access added to ") + path),
            qPrintable(dialog->resultText()));
        QVERIFY(dialog->commandEdit()->isVisible());
        f.shot(QStringLiteral("kubeconfig-added"));
        QTest::mouseClick(dialog->copyButton(), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(),
            QStringLiteral("kubectl --context kms-dev-access get pods"));

        struct stat st { };
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray yaml = file.readAll();
        QVERIFY(yaml.contains("command: " KMS_CTL_PATH));
        QVERIFY(yaml.contains("interactiveMode: Never"));

        // The real kubectl, with the context: a lease of this secret, in the window's list.
        const QString kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
        if (kubectl.isEmpty())
            QSKIP("kubectl is not installed; the context was checked as a file only");
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), m_files.path());
        p.setProcessEnvironment(env);
        p.start(kubectl,
            { QStringLiteral("--kubeconfig"), path, QStringLiteral("--context"),
                QStringLiteral("kms-dev-access"), QStringLiteral("auth"), QStringLiteral("whoami"),
                QStringLiteral("-o"), QStringLiteral("jsonpath={.status.userInfo.username}") });
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QString user = QString::fromUtf8(p.readAllStandardOutput());
        const QList<Lease> leases = f.engine->leasesOf(m_dynamic->id, false);
        QCOMPARE(leases.size(), 1);
        QCOMPARE(user, QStringLiteral("system:serviceaccount:default:") + leases.first().serviceAccount);
    }

    void addToKubeconfigRefusesADamagedFile()
    {
        const QString path = m_files.filePath(QStringLiteral("damaged"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("contexts: [\n");
        }
        KubeconfigDialog *dialog = openKubeconfigDialog(*m_dynamic);
        QVERIFY(dialog);
        dialog->kubeconfigEdit()->setText(path);
        QTest::mouseClick(dialog->addButton(), Qt::LeftButton);
        QVERIFY2(dialog->errorText().contains(QStringLiteral("is damaged")), qPrintable(dialog->errorText()));
        QVERIFY(!dialog->commandEdit()->isVisible());
        f.shot(QStringLiteral("kubeconfig-damaged"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("contexts: [\n"));
    }

    void renewFromTheContextMenuShowsTheNewTokenOnce()
    {
        // Issued ten minutes "ago" on the cluster's clock, so renewing for its TTL extends it.
        QVERIFY(f.cluster->setClockOffset(-600));
        const Lease lease = newLease(*m_dynamic);
        QVERIFY(f.cluster->setClockOffset(0));
        QMessageBox *box = renewFromContextMenu(lease);
        QVERIFY(box);
        QVERIFY2(box->text().contains(QStringLiteral("The current token stays valid until its own expiry")),
            qPrintable(box->text()));
        f.shot(QStringLiteral("renew-confirm"));
        QSignalSpy shown(f.window.get(), &MainWindow::tokenShown);
        QTest::mouseClick(
            box->findChild<QPushButton *>(QStringLiteral("confirmRenewButton")), Qt::LeftButton);
        QVERIFY(shown.wait(20000));
        TokenDialog *dialog = f.window->tokenDialog();
        QVERIFY(dialog);
        const QByteArray token = dialog->tokenEdit()->text().toUtf8();
        QVERIFY(f.authenticates(token));
        f.shot(QStringLiteral("renew-token"));
        const auto renewed = f.engine->lease(lease.id);
        QVERIFY(renewed->tokenJti != lease.tokenJti);
        QVERIFY(renewed->expiresAt > lease.expiresAt);
        // The list shows the new expiry.
        LeasePanel *panel = f.window->leasePanel();
        QTRY_COMPARE(panel->model()
                         ->index(panel->model()->rowOf(lease.id), LeaseTableModel::Expires)
                         .data(LeaseTableModel::RawValueRole)
                         .toLongLong(),
            renewed->expiresAt.toMSecsSinceEpoch());
    }

    void renewingAnUnboundStaticLeaseSaysItIssuesANewOne()
    {
        const Lease lease = newLease(*m_static);
        QMessageBox *box = renewFromContextMenu(lease);
        QVERIFY(box);
        QVERIFY2(
            box->text().contains(QStringLiteral("renewing issues a new lease")), qPrintable(box->text()));
        QVERIFY2(
            box->text().contains(QStringLiteral("Kubernetes cannot revoke it")), qPrintable(box->text()));
        QSignalSpy shown(f.window.get(), &MainWindow::tokenShown);
        QTest::mouseClick(
            box->findChild<QPushButton *>(QStringLiteral("confirmRenewButton")), Qt::LeftButton);
        QVERIFY(shown.wait(20000));
        QVERIFY(f.window->tokenDialog());
        const QList<Lease> leases = f.engine->leasesOf(m_static->id, false);
        QCOMPARE(leases.size(), 2);
        QCOMPARE(f.engine->lease(lease.id)->state, LeaseState::Active); // the old one runs out by itself
        QVERIFY2(f.window->leasePanel()->statusLabel()->text().contains(QStringLiteral("issued a new lease")),
            qPrintable(f.window->leasePanel()->statusLabel()->text()));
    }

    void renewFromTheLeaseDetails()
    {
        const Lease lease = leaseWithTenMinutesLeft(*m_dynamic);
        f.window->selectSecret(lease.secretId);
        LeasePanel *panel = f.window->leasePanel();
        panel->reload();
        LeaseDetailsDialog *details = panel->openDetails(lease.id);
        QVERIFY(details);
        QVERIFY(details->renewButton()->isEnabled());
        f.shot(QStringLiteral("renew-lease-details"));
        QTest::mouseClick(details->renewButton(), Qt::LeftButton);
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmRenew"));
        QVERIFY(box);
        QCOMPARE(
            box->parentWidget(), static_cast<QWidget *>(details)); // asked over the details, not behind them
        confirmRenewAndCheck(box, lease);
        // The details follow the lease: the new token's id.
        QTRY_COMPARE(
            details->fieldText(QStringLiteral("Token ID (jti)")), f.engine->lease(lease.id)->tokenJti);
    }

    void renewFromTheExpiryNotification()
    {
        const Lease lease = leaseWithTenMinutesLeft(*m_dynamic);
        LeaseWatch *watch = f.window->leaseWatch();
        TrayIcon *tray = f.window->trayIcon();
        QSignalSpy warned(watch, &LeaseWatch::expiringSoon);
        // Only this lease has less than 12 minutes left.
        watch->setWarnBefore(12 * 60);
        QTRY_VERIFY(!warned.isEmpty());
        QCOMPARE(warned.last().first().value<Lease>().id, lease.id);
        QCOMPARE(tray->expiringLeaseId(), lease.id);
        QVERIFY2(tray->lastMessage().contains(QStringLiteral("Click here to renew it")),
            qPrintable(tray->lastMessage()));
        QVERIFY(tray->renewAction()->isVisible());
        QVERIFY2(
            tray->renewAction()->text().contains(lease.id.left(8)), qPrintable(tray->renewAction()->text()));
        // What the notification's click and the tray menu's action do: the
        // window, the lease selected, the question.
        f.window->selectSecret(m_static->id);
        tray->renewAction()->trigger();
        QMessageBox *box = f.waitForMessageBox(QStringLiteral("confirmRenew"));
        QVERIFY(box);
        QCOMPARE(f.window->leasePanel()->selectedLeaseIds(), QStringList { lease.id });
        f.shot(QStringLiteral("renew-from-notification"));
        confirmRenewAndCheck(box, lease);
        watch->setWarnBefore(0);
    }
};

QTEST_MAIN(TestKubectlGui)
#include "tst_kubectlgui.moc"
