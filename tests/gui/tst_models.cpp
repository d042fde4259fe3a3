// Every item model of the UI under QAbstractItemModelTester, with its changes.
#include "AuditTableModel.h"
#include "EnvironmentListModel.h"
#include "Fixtures.h"
#include "LeaseFilterProxyModel.h"
#include "LeaseTableModel.h"
#include "SecretTableModel.h"
#include "TimeText.h"
#include "core/Clock.h"
#include "core/Translations.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace kms;
using namespace kms::ui;

class TestModels : public QObject {
    Q_OBJECT

private slots:
    void environmentModelPassesTester();
    void secretModelPassesTesterAndShowsColumns();
    void leaseModelPassesTesterThroughChanges();
    void leaseProxySortsOnRawValuesAndFilters();
    void leaseRefreshExpiryTouchesOnlyExpiresColumn();
    void leaseRowsFromSummariesKeepTheSortAndFilter();
    void leaseRowsShowWhoCreatedAndClosedThemAndFilterByPerson();
    void auditModelPassesTester();
    void relativeTime_data();
    void relativeTime();
    void pluralsReadAsEnglish_data();
    void pluralsReadAsEnglish();
};

void TestModels::environmentModelPassesTester()
{
    EnvironmentListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEnvironments({ { 1, QStringLiteral("Development"), QStringLiteral("dev"), 0 },
        { 2, QStringLiteral("Staging"), QStringLiteral("staging"), 1 } });
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(1).data().toString(), QStringLiteral("Staging"));
    QCOMPARE(model.rowOf(2), 1);
    QCOMPARE(model.rowOf(9), -1);
    model.setEnvironments({});
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::secretModelPassesTesterAndShowsColumns()
{
    SecretTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    DynamicSecret a = test::staticSecret(1, QStringLiteral("ci-deployer"));
    a.id = 1;
    DynamicSecret b = test::dynamicSecret(1, QStringLiteral("dev-access"));
    b.id = 2;
    b.authMethod = AuthMethod::Gateway;
    b.gateway = QStringLiteral("private-gw");
    b.clusterUrl.clear();
    model.setSecrets({ a, b }, { { 2, 7 } });
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, SecretTableModel::Cluster).data().toString(), a.clusterUrl);
    QCOMPARE(
        model.index(1, SecretTableModel::Cluster).data().toString(), QStringLiteral("Gateway private-gw"));
    QCOMPARE(model.index(1, SecretTableModel::AuthMethodColumn).data().toString(), QStringLiteral("Gateway"));
    QCOMPARE(
        model.index(1, SecretTableModel::CredentialTypeColumn).data().toString(), QStringLiteral("Dynamic"));
    // Token (API) auth through a gateway: the gateway is where it goes.
    DynamicSecret c = a;
    c.id = 3;
    c.name = QStringLiteral("private-ci");
    c.gateway = QStringLiteral("private-gw");
    c.clusterUrl.clear();
    model.setSecrets({ a, b, c }, { { 2, 7 } });
    QCOMPARE(
        model.index(2, SecretTableModel::Cluster).data().toString(), QStringLiteral("Gateway private-gw"));
    QCOMPARE(
        model.index(2, SecretTableModel::AuthMethodColumn).data().toString(), QStringLiteral("Token (API)"));
    model.setSecrets({ a, b }, { { 2, 7 } });
    QCOMPARE(model.index(0, SecretTableModel::ActiveLeases).data().toInt(), 0);
    QCOMPARE(model.index(1, SecretTableModel::ActiveLeases).data().toInt(), 7);
    QCOMPARE(
        model.index(0, SecretTableModel::DefaultTtl).data(SecretTableModel::RawValueRole).toLongLong(), 3600);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setActiveLeaseCounts({ { 1, 3 } });
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.index(0, SecretTableModel::ActiveLeases).data().toInt(), 3);
    QCOMPARE(model.index(1, SecretTableModel::ActiveLeases).data().toInt(), 0);
    model.setSecrets({}, {});
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::leaseModelPassesTesterThroughChanges()
{
    ManualClock clock(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    LeaseTableModel model(&clock);
    LeaseFilterProxyModel proxy(&model);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<Lease> leases;
    for (int i = 0; i < 50; ++i)
        leases << test::activeLease(1, clock.now().addSecs(-i * 60), 3600);
    model.setLeases(leases);
    QCOMPARE(model.rowCount(), 50);
    QCOMPARE(proxy.rowCount(), 50);
    Lease fresh = test::activeLease(1, clock.now(), 600);
    model.upsert(fresh);
    QCOMPARE(model.rowCount(), 51);
    QCOMPARE(model.rowOf(fresh.id), 0);
    fresh.state = LeaseState::CleanupFailed;
    fresh.failureReason = QStringLiteral("The API server did not answer.");
    model.upsert(fresh);
    QCOMPARE(model.rowCount(), 51);
    QCOMPARE(model.index(0, LeaseTableModel::State).data().toString(),
        Lease::displayName(LeaseState::CleanupFailed));
    QCOMPARE(model.index(0, LeaseTableModel::State).data(Qt::ToolTipRole).toString(), fresh.failureReason);
    QCOMPARE(model.index(0, LeaseTableModel::Expires).data().toString(), QStringLiteral("in 10m 00s"));
    QVERIFY(model.index(0, LeaseTableModel::Expires)
                .data(Qt::ToolTipRole)
                .toString()
                .startsWith(QStringLiteral("Expires at ")));
    QCOMPARE(model.rowOf(leases[10].id), 11);
    proxy.setFilterText(QStringLiteral("cleanup"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setFilterText(QString());
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.rowOf(fresh.id), -1);
}

void TestModels::leaseProxySortsOnRawValuesAndFilters()
{
    ManualClock clock(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    LeaseTableModel model(&clock);
    LeaseFilterProxyModel proxy(&model);
    // Expiries of 9 s, 10 min and 2 h: text order ("in 0m 09s", "in 10m", "in 2h") would differ from time
    // order.
    Lease a = test::activeLease(1, clock.now(), 7200);
    a.namespaceName = QStringLiteral("monitoring");
    Lease b = test::activeLease(1, clock.now(), 9);
    Lease c = test::activeLease(1, clock.now(), 600);
    model.setLeases({ a, b, c });
    proxy.sort(LeaseTableModel::Expires, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data(LeaseTableModel::LeaseIdRole).toString(), b.id);
    QCOMPARE(proxy.index(1, 0).data(LeaseTableModel::LeaseIdRole).toString(), c.id);
    QCOMPARE(proxy.index(2, 0).data(LeaseTableModel::LeaseIdRole).toString(), a.id);
    proxy.sort(LeaseTableModel::Expires, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data(LeaseTableModel::LeaseIdRole).toString(), a.id);
    proxy.setFilterText(QStringLiteral("  MONITOR "));
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data(LeaseTableModel::LeaseIdRole).toString(), a.id);
    proxy.setFilterText(b.id.left(8));
    QCOMPARE(proxy.rowCount(), 1);
}

void TestModels::leaseRefreshExpiryTouchesOnlyExpiresColumn()
{
    ManualClock clock(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    LeaseTableModel model(&clock);
    QList<Lease> leases;
    for (int i = 0; i < 10; ++i)
        leases << test::activeLease(1, clock.now(), 3600);
    model.setLeases(leases);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.refreshExpiry(2, 4);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].toModelIndex(), model.index(2, LeaseTableModel::Expires));
    QCOMPARE(changed[0][1].toModelIndex(), model.index(4, LeaseTableModel::Expires));
    model.refreshExpiry(8, 20); // clamped
    QCOMPARE(changed[1][1].toModelIndex(), model.index(9, LeaseTableModel::Expires));
    model.refreshExpiry(20, 30); // nothing there
    QCOMPARE(changed.size(), 2);
    clock.advance(3600 + 90);
    QCOMPARE(
        model.index(0, LeaseTableModel::Expires).data().toString(), QStringLiteral("expired 1m 30s ago"));
}

// Rows come from the store as LeaseSummary, newest first; the model keeps them in the
// view's sort (checked, re-sorted only when needed), finds them by id after any move,
// and the filter matches ids, namespaces, service accounts, creators and state names.
// Created By and Closed By show "Display Name (user@host)" when the person set
// a name, else user@host; the text filter matches either spelling, and the
// person filter keeps the rows that person created or closed (lease list --person).
void TestModels::leaseRowsShowWhoCreatedAndClosedThemAndFilterByPerson()
{
    ManualClock clock(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    LeaseTableModel model(&clock);
    LeaseFilterProxyModel proxy(&model);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.sort(LeaseTableModel::Created, Qt::DescendingOrder);
    QList<LeaseSummary> rows;
    for (int i = 0; i < 12; ++i) {
        Lease lease = test::activeLease(1, clock.now().addSecs(-60 * i), 3600);
        lease.createdBy = i % 2 == 0 ? QStringLiteral("alice@laptop") : QStringLiteral("bob@desktop");
        if (i % 3 == 0) { // closed: every third, by carol (or by alice, the row she made first)
            lease.state = LeaseState::Revoked;
            lease.closedBy = i == 0 ? QStringLiteral("alice@laptop") : QStringLiteral("carol@ops");
            lease.closedAt = clock.now();
        }
        rows << LeaseSummary::of(lease);
    }
    model.setRows(rows);
    QCOMPARE(
        model.headerData(LeaseTableModel::ClosedBy, Qt::Horizontal).toString(), QStringLiteral("Closed By"));
    QCOMPARE(model.actors(),
        QStringList(
            { QStringLiteral("alice@laptop"), QStringLiteral("bob@desktop"), QStringLiteral("carol@ops") }));
    // No names known yet: user@host.
    QCOMPARE(model.index(3, LeaseTableModel::CreatedBy).data().toString(), QStringLiteral("bob@desktop"));
    QCOMPARE(model.index(3, LeaseTableModel::ClosedBy).data().toString(), QStringLiteral("carol@ops"));
    QCOMPARE(model.index(1, LeaseTableModel::ClosedBy).data().toString(), QString());

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setPeople(PersonNames({ { QStringLiteral("bob@desktop"), QStringLiteral("Bob Builder") },
        { QStringLiteral("carol@ops"), QStringLiteral("Carol") } }));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.index(3, LeaseTableModel::CreatedBy).data().toString(),
        QStringLiteral("Bob Builder (bob@desktop)"));
    QCOMPARE(
        model.index(3, LeaseTableModel::ClosedBy).data().toString(), QStringLiteral("Carol (carol@ops)"));
    QCOMPARE(model.index(3, LeaseTableModel::ClosedBy).data(Qt::ToolTipRole).toString(),
        QStringLiteral("Closed by Carol (carol@ops)"));
    QCOMPARE(model.index(0, LeaseTableModel::CreatedBy).data().toString(), QStringLiteral("alice@laptop"));
    // Sorted and raw on user@host, as stored.
    QCOMPARE(model.index(3, LeaseTableModel::CreatedBy).data(LeaseTableModel::RawValueRole).toString(),
        QStringLiteral("bob@desktop"));

    // The text filter: a display name, or user@host, of whoever created or closed the lease.
    proxy.setFilterText(QStringLiteral("builder"));
    QCOMPARE(proxy.rowCount(), 6);
    proxy.setFilterText(QStringLiteral("carol"));
    QCOMPARE(proxy.rowCount(), 3); // rows 3, 6, 9
    proxy.setFilterText(QStringLiteral("CAROL@"));
    QCOMPARE(proxy.rowCount(), 3);
    proxy.setFilterText(QString());

    // The person filter: rows the person created or closed.
    proxy.setPerson(QStringLiteral("alice@laptop"));
    QCOMPARE(proxy.rowCount(), 6); // 0, 2, 4, 6, 8, 10 (row 0 she also closed)
    proxy.setPerson(QStringLiteral("carol@ops"));
    QCOMPARE(proxy.rowCount(), 3);
    for (int i = 0; i < proxy.rowCount(); ++i)
        QCOMPARE(proxy.index(i, LeaseTableModel::ClosedBy).data(LeaseTableModel::RawValueRole).toString(),
            QStringLiteral("carol@ops"));
    // With a text too: both must hold.
    proxy.setFilterText(QStringLiteral("bob"));
    QCOMPARE(proxy.rowCount(), 2); // rows 3 and 9: Bob made them, Carol closed them
    proxy.setFilterText(QStringLiteral("bob b"));
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setPerson(QString());
    QCOMPARE(proxy.rowCount(), 6);
    proxy.setFilterText(QString());
    QCOMPARE(proxy.rowCount(), 12);

    // A lease closed later by someone new: the row and the list of people follow.
    proxy.setPerson(QStringLiteral("dave@night"));
    QCOMPARE(proxy.rowCount(), 0);
    LeaseSummary closed = rows[1];
    closed.state = LeaseState::Revoked;
    closed.closedBy = QStringLiteral("dave@night");
    model.upsert(closed);
    QCOMPARE(proxy.rowCount(), 1);
    QVERIFY(model.actors().contains(QStringLiteral("dave@night")));
    // Names learnt after a text was typed are matched too.
    proxy.setPerson(QString());
    proxy.setFilterText(QStringLiteral("Night Owl"));
    QCOMPARE(proxy.rowCount(), 0);
    model.setPeople(PersonNames({ { QStringLiteral("dave@night"), QStringLiteral("Dave the Night Owl") } }));
    proxy.peopleChanged();
    QCOMPARE(proxy.rowCount(), 1);
}

void TestModels::leaseRowsFromSummariesKeepTheSortAndFilter()
{
    ManualClock clock(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    LeaseTableModel model(&clock);
    LeaseFilterProxyModel proxy(&model);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.sort(LeaseTableModel::Created, Qt::DescendingOrder); // the lease panel's default

    QList<LeaseSummary> rows; // as the store lists them: newest first
    for (int i = 0; i < 30; ++i) {
        Lease lease = test::activeLease(1, clock.now().addSecs(-60 * i), 3600 - 100 * i);
        lease.namespaceName = i % 3 == 0 ? QStringLiteral("Payments") : QStringLiteral("default");
        lease.createdBy = i == 7 ? QStringLiteral("carol@desk") : QStringLiteral("tester@host");
        if (i == 4)
            lease.state = LeaseState::CleanupFailed;
        if (i == 5)
            lease.state = LeaseState::Failed;
        rows << LeaseSummary::of(lease);
    }
    model.setRows(rows);
    QCOMPARE(model.rowCount(), 30);
    for (int i = 0; i < rows.size(); ++i) {
        QCOMPARE(model.rowAt(i), rows[i]);
        QCOMPARE(model.rowOf(rows[i].id), i);
    }
    QCOMPARE(model.index(4, LeaseTableModel::State).data().toString(), QStringLiteral("Cleanup failed"));
    QCOMPARE(model.index(0, LeaseTableModel::Expires).data().toString(), QStringLiteral("in 1h 00m"));

    // Rows given out of the view's order are sorted into it.
    QList<LeaseSummary> reversed(rows.crbegin(), rows.crend());
    model.setRows(reversed);
    QCOMPARE(model.rowAt(0).id, rows[0].id);
    QCOMPARE(model.rowOf(rows[29].id), 29);

    // Found by id after a sort and after a new row goes to its place.
    proxy.sort(LeaseTableModel::Expires, Qt::AscendingOrder);
    QCOMPARE(model.rowOf(rows[29].id), 0); // the shortest TTL
    LeaseSummary fresh = LeaseSummary::of(test::activeLease(1, clock.now().addSecs(-7200), 60));
    model.upsert(fresh);
    QCOMPARE(model.rowCount(), 31);
    QCOMPARE(model.rowOf(fresh.id), 0);
    QCOMPARE(model.rowOf(rows[29].id), 1);
    fresh.expiresMs = clock.now().addSecs(7200).toMSecsSinceEpoch();
    model.upsert(fresh);
    QCOMPARE(model.rowCount(), 31);
    QCOMPARE(model.rowOf(fresh.id), 30);
    QCOMPARE(model.rowOf(rows[29].id), 0);

    proxy.setFilterText(QStringLiteral("payM")); // namespaces, any case
    QCOMPARE(proxy.rowCount(), 10);
    // Typing on narrows what matched; a row that changes meanwhile is filtered by what it is now.
    proxy.setFilterText(QStringLiteral("p"));
    QVERIFY(proxy.rowCount() >= 10);
    proxy.setFilterText(QStringLiteral("pay"));
    proxy.setFilterText(QStringLiteral("paym"));
    QCOMPARE(proxy.rowCount(), 10);
    LeaseSummary moved = rows[3];
    moved.namespaceName = QStringLiteral("default");
    model.upsert(moved);
    QCOMPARE(proxy.rowCount(), 9);
    proxy.setFilterText(QStringLiteral("payme"));
    QCOMPARE(proxy.rowCount(), 9);
    moved.namespaceName = QStringLiteral("payments-eu");
    model.upsert(moved);
    QCOMPARE(proxy.rowCount(), 10);
    proxy.setFilterText(QStringLiteral("paymen"));
    QCOMPARE(proxy.rowCount(), 10);
    proxy.setFilterText(QStringLiteral("payments-"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setFilterText(QStringLiteral("payM"));
    QCOMPARE(proxy.rowCount(), 10);
    proxy.setFilterText(QStringLiteral("FAILED")); // the state names "Cleanup failed" and "Failed"
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setFilterText(QStringLiteral("cleanup"));
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data(LeaseTableModel::LeaseIdRole).toString(), rows[4].id);
    proxy.setFilterText(QStringLiteral("carol"));
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data(LeaseTableModel::LeaseIdRole).toString(), rows[7].id);
    proxy.setFilterText(rows[12].serviceAccount.toUpper());
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setFilterText(QString());
    QCOMPARE(proxy.rowCount(), 31);

    // A keystroke that keeps exactly the rows shown re-maps nothing (the
    // first letter of a filter that every one of 100,000 rows has).
    proxy.setFilterText(QStringLiteral("paym"));
    QCOMPARE(proxy.rowCount(), 10);
    QSignalSpy relaid(&proxy, &QAbstractItemModel::layoutChanged);
    proxy.setFilterText(QStringLiteral("payme"));
    QCOMPARE(proxy.rowCount(), 10);
    QCOMPARE(relaid.count(), 0);
    proxy.setFilterText(QStringLiteral("payments-"));
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(relaid.count(), 1);
    // From no filter to a letter every row has.
    proxy.setFilterText(QString());
    QCOMPARE(proxy.rowCount(), 31);
    relaid.clear();
    QString common = model.rowAt(0).serviceAccount.left(1);
    for (int row = 0; row < model.rowCount(); ++row)
        QVERIFY(model.rowAt(row).serviceAccount.startsWith(common));
    proxy.setFilterText(common);
    QCOMPARE(proxy.rowCount(), 31);
    QCOMPARE(relaid.count(), 0);
}

void TestModels::auditModelPassesTester()
{
    AuditTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    AuditEvent e;
    e.seq = 1;
    e.at = QDateTime::currentDateTimeUtc();
    e.actor = QStringLiteral("alice@host");
    e.kind = AuditEvent::LeaseCreated;
    e.secretName = QStringLiteral("dev-access");
    model.setEvents({ e, e });
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, AuditTableModel::Kind).data().toString(), QStringLiteral("Lease created"));
    QCOMPARE(model.index(0, AuditTableModel::Kind).data(AuditTableModel::RawValueRole).toString(),
        AuditEvent::LeaseCreated);
    QCOMPARE(AuditTableModel::kindName(QStringLiteral("something.new")), QStringLiteral("something.new"));
    QCOMPARE(model.index(0, AuditTableModel::Actor).data().toString(), QStringLiteral("alice@host"));
    e.kind = AuditEvent::PersonNamed;
    model.setEvents({ e }, PersonNames({ { QStringLiteral("alice@host"), QStringLiteral("Alice Doe") } }));
    QCOMPARE(
        model.index(0, AuditTableModel::Actor).data().toString(), QStringLiteral("Alice Doe (alice@host)"));
    QCOMPARE(model.index(0, AuditTableModel::Actor).data(AuditTableModel::RawValueRole).toString(),
        QStringLiteral("alice@host"));
    QCOMPARE(model.index(0, AuditTableModel::Kind).data().toString(), QStringLiteral("Display name set"));
    model.setEvents({});
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::relativeTime_data()
{
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("seconds") << qint64(9) << QStringLiteral("in 9s");
    QTest::newRow("minutes") << qint64(599) << QStringLiteral("in 9m 59s");
    QTest::newRow("hours") << qint64(3600 + 5 * 60 + 7) << QStringLiteral("in 1h 05m");
    QTest::newRow("days") << qint64(2 * 86400 + 3 * 3600) << QStringLiteral("in 2d 3h");
    QTest::newRow("now") << qint64(0) << QStringLiteral("expired just now");
    QTest::newRow("seconds ago") << qint64(-26) << QStringLiteral("expired 26s ago");
    QTest::newRow("past") << qint64(-125) << QStringLiteral("expired 2m 05s ago");
}

void TestModels::relativeTime()
{
    QFETCH(qint64, seconds);
    QFETCH(QString, text);
    const QDateTime now(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC);
    QCOMPARE(TimeText::relative(now.addSecs(seconds), now), text);
    QCOMPARE(TimeText::relative(QDateTime(), now), QString());
}

void TestModels::pluralsReadAsEnglish_data()
{
    QTest::addColumn<int>("n");
    QTest::addColumn<QString>("tray");
    QTest::addColumn<QString>("forced");
    QTest::newRow("one") << 1 << QStringLiteral("1 active lease")
                         << QStringLiteral("Forced: 1 open lease was not revoked.");
    QTest::newRow("none") << 0 << QStringLiteral("0 active leases")
                          << QStringLiteral("Forced: 0 open leases were not revoked.");
    QTest::newRow("many") << 30 << QStringLiteral("30 active leases")
                          << QStringLiteral("Forced: 30 open leases were not revoked.");
}

// The product's own texts, through the English catalogue compiled into the
// binary (translations/hanzo-kms_en.ts), not a rewriting of "(s)".
void TestModels::pluralsReadAsEnglish()
{
    QFETCH(int, n);
    QFETCH(QString, tray);
    QFETCH(QString, forced);
    QVERIFY(kms::installTranslations());
    QCOMPARE(QCoreApplication::translate("kms::ui::TrayIcon", "%n active lease(s)", nullptr, n), tray);
    QCOMPARE(QCoreApplication::translate(
                 "SecretCatalog", "Forced: %n open lease(s) were not revoked.", nullptr, n),
        forced);
    // A text the catalogue does not hold is shown as written.
    QCOMPARE(QCoreApplication::translate("Test", "%n thing(s)", nullptr, 2), QStringLiteral("2 thing(s)"));
}

QTEST_MAIN(TestModels)
#include "tst_models.moc"
