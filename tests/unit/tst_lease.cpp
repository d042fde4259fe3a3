#include "core/Lease.h"

#include <QRegularExpression>
#include <QTest>

using kms::Lease;
using kms::LeaseState;

namespace {
const QList<LeaseState> AllStates
    = { LeaseState::Provisioning, LeaseState::Active, LeaseState::Revoking, LeaseState::Revoked,
          LeaseState::Expired, LeaseState::CleanupFailed, LeaseState::Failed, LeaseState::Released };
}

class TestLease : public QObject {
    Q_OBJECT
private slots:
    void transitions_data()
    {
        QTest::addColumn<LeaseState>("from");
        QTest::addColumn<LeaseState>("to");
        QTest::addColumn<bool>("allowed");
        // The full table: every pair, allowed exactly when listed here.
        const QList<QPair<LeaseState, LeaseState>> allowed = {
            { LeaseState::Provisioning, LeaseState::Active },
            { LeaseState::Provisioning, LeaseState::Failed },
            { LeaseState::Provisioning, LeaseState::CleanupFailed },
            { LeaseState::Active, LeaseState::Revoking },
            { LeaseState::Active, LeaseState::Released }, // unbound static: nothing to delete
            { LeaseState::Active, LeaseState::Expired },
            { LeaseState::Active, LeaseState::CleanupFailed },
            { LeaseState::Revoking, LeaseState::Revoked },
            { LeaseState::Revoking, LeaseState::Expired },
            { LeaseState::Revoking, LeaseState::CleanupFailed },
            { LeaseState::CleanupFailed, LeaseState::Revoking },
            { LeaseState::CleanupFailed, LeaseState::Revoked },
            { LeaseState::CleanupFailed, LeaseState::Expired },
            { LeaseState::CleanupFailed, LeaseState::Failed },
        };
        for (LeaseState from : AllStates) {
            for (LeaseState to : AllStates) {
                const QByteArray tag
                    = (Lease::toString(from) + QStringLiteral("->") + Lease::toString(to)).toUtf8();
                QTest::newRow(tag.constData()) << from << to << allowed.contains(qMakePair(from, to));
            }
        }
    }
    void transitions()
    {
        QFETCH(LeaseState, from);
        QFETCH(LeaseState, to);
        QFETCH(bool, allowed);
        QCOMPARE(Lease::canTransition(from, to), allowed);
    }

    void terminalStatesGoNowhere()
    {
        for (LeaseState s : AllStates) {
            bool anyExit = false;
            for (LeaseState to : AllStates)
                anyExit = anyExit || Lease::canTransition(s, to);
            QCOMPARE(Lease::isTerminal(s), !anyExit);
            QCOMPARE(Lease::isOpen(s), anyExit);
        }
        QVERIFY(Lease::isTerminal(LeaseState::Revoked));
        QVERIFY(Lease::isTerminal(LeaseState::Expired));
        QVERIFY(Lease::isTerminal(LeaseState::Failed));
    }

    void stateStringsRoundTrip()
    {
        QSet<QString> seen;
        for (LeaseState s : AllStates) {
            const QString text = Lease::toString(s);
            QVERIFY(!text.isEmpty());
            QVERIFY2(!seen.contains(text), qPrintable(text));
            seen.insert(text);
            QCOMPARE(Lease::stateFromString(text), s);
            QVERIFY(!Lease::displayName(s).isEmpty());
        }
        QCOMPARE(Lease::toString(LeaseState::CleanupFailed), QStringLiteral("cleanup_failed"));
        QVERIFY(!Lease::stateFromString(QStringLiteral("gone")).has_value());
        QVERIFY(!Lease::stateFromString(QString()).has_value());
    }

    void kindStringsRoundTrip()
    {
        for (auto k : { kms::LeaseKind::Static, kms::LeaseKind::BoundStatic, kms::LeaseKind::Dynamic })
            QCOMPARE(Lease::kindFromString(Lease::toString(k)), k);
        QVERIFY(!Lease::kindFromString(QStringLiteral("other")).has_value());
    }

    void newIdsAreLowercaseUuidsWithoutBraces()
    {
        const QRegularExpression uuid(
            QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
        const QString a = Lease::newId();
        const QString b = Lease::newId();
        QVERIFY2(uuid.match(a).hasMatch(), qPrintable(a));
        QVERIFY(a != b);
    }
};

QTEST_GUILESS_MAIN(TestLease)
#include "tst_lease.moc"
