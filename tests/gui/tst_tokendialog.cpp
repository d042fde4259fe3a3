// The token dialog on the real widgets: what it says belongs to its own lease.
#include "GuiFixture.h"
#include "NewLeaseDialog.h"
#include "SecretClipboard.h"
#include "TokenDialog.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>

using namespace kms;
using namespace kms::ui;

class TestTokenDialog : public QObject {
    Q_OBJECT

    test::GuiFixture f;
    std::optional<DynamicSecret> m_secret;

    // Provisions a lease of the static secret through New Lease; the token dialog is left open.
    TokenDialog *newLease(QByteArray *token)
    {
        f.window->selectSecret(m_secret->id);
        f.window->generateAction()->trigger();
        auto *dialog = f.waitForDialog<NewLeaseDialog>();
        if (!dialog)
            return nullptr;
        QSignalSpy shown(f.window.get(), &MainWindow::tokenShown);
        QTest::mouseClick(dialog->submitButton(), Qt::LeftButton);
        if (!shown.wait(15000))
            return nullptr;
        TokenDialog *tokenDialog = f.window->tokenDialog();
        *token = tokenDialog->tokenEdit()->text().toUtf8();
        return tokenDialog;
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(f.start(QStringLiteral("tst_tokendialog"), &error), qPrintable(error));
        m_secret = f.addSecret(QStringLiteral("static-app"), CredentialType::Static);
        QVERIFY(m_secret);
    }

    void cleanupTestCase() { f.stop(); }

    void cleanup()
    {
        f.window->clipboard()->clearNow();
        f.closeDialogs();
        QTRY_VERIFY(!f.window->findChild<NewLeaseDialog *>() && !f.window->findChild<TokenDialog *>());
    }

    // A new lease's dialog says nothing about a copy it did not make, and the
    // previous lease's token is not left on the clipboard to be pasted for it.
    void freshDialogClaimsNoCopyAndTheOldTokenIsGone()
    {
        QByteArray first;
        TokenDialog *a = newLease(&first);
        QVERIFY(a);
        QTest::mouseClick(a->copyButton(), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text().toUtf8(), first);
        QVERIFY2(a->countdownLabel()->text().startsWith(QStringLiteral("Copied")),
            qPrintable(a->countdownLabel()->text()));
        a->accept();
        QTRY_VERIFY(!f.window->tokenDialog());
        f.clock->advance(5); // the first token's countdown goes on

        QByteArray second;
        TokenDialog *b = newLease(&second);
        QVERIFY(b);
        QVERIFY(second != first);
        f.clock->advance(1); // a countdown tick
        f.shot(QStringLiteral("token-fresh"));
        QVERIFY2(!b->countdownLabel()->text().contains(QStringLiteral("Copied")),
            qPrintable(b->countdownLabel()->text()));
        QVERIFY2(!b->countdownLabel()->text().contains(QStringLiteral("cleared")),
            qPrintable(b->countdownLabel()->text()));
        QVERIFY(QGuiApplication::clipboard()->text().toUtf8() != first);

        // Its own Copy is its own.
        QTest::mouseClick(b->copyButton(), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text().toUtf8(), second);
        QVERIFY(b->countdownLabel()->text().contains(QStringLiteral("Copied")));
        f.shot(QStringLiteral("token-copied"));
        f.clock->advance(30);
        QTRY_VERIFY(QGuiApplication::clipboard()->text().isEmpty());
        QVERIFY(b->countdownLabel()->text().contains(QStringLiteral("cleared")));
    }

    // What the user copied after the token stays on the clipboard, also when
    // a new token dialog opens.
    void newDialogLeavesTheUsersClipboardAlone()
    {
        QByteArray first;
        TokenDialog *a = newLease(&first);
        QVERIFY(a);
        QTest::mouseClick(a->copyButton(), Qt::LeftButton);
        a->accept();
        QTRY_VERIFY(!f.window->tokenDialog());
        QGuiApplication::clipboard()->setText(QStringLiteral("something the user copied"));
        QByteArray second;
        QVERIFY(newLease(&second));
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("something the user copied"));
        f.clock->advance(31);
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("something the user copied"));
    }
};

QTEST_MAIN(TestTokenDialog)
#include "tst_tokendialog.moc"
