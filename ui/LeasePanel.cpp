#include "LeasePanel.h"
#include "EmptyViewHint.h"

#include "LeaseDetailsDialog.h"
#include "LeaseFilterProxyModel.h"
#include "LeaseTableModel.h"
#include "TimeText.h"
#include "UiColors.h"
#include "leases/Engine.h"
#include "leases/KubectlCredentials.h"
#include "leases/LeaseService.h"
#include "leases/SecretCatalog.h"

#include <QAction>
#include <QComboBox>
#include <QCoro/QCoroTask>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace kms::ui {

LeasePanel::LeasePanel(const AppServices &services, QWidget *parent)
    : QWidget(parent)
    , m_services(services)
{
    setObjectName(QStringLiteral("leasePanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *bar = new QHBoxLayout;
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("leaseTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    bar->addWidget(m_title, 1);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("leaseFilter"));
    m_filter->setPlaceholderText(tr("Filter leases"));
    m_filter->setAccessibleName(tr("Filter leases"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(260);
    bar->addWidget(m_filter);
    m_person = new QComboBox(this);
    m_person->setObjectName(QStringLiteral("leasePersonFilter"));
    m_person->setAccessibleName(tr("Filter leases by person"));
    m_person->setToolTip(tr("Only the leases this person created or closed"));
    m_person->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_person->setMaximumWidth(220);
    m_person->addItem(tr("All people"), QString());
    bar->addWidget(m_person);
    m_newLease = new QPushButton(tr("New Lease..."), this);
    m_newLease->setObjectName(QStringLiteral("newLeaseButton"));
    m_newLease->setAccessibleName(tr("New lease"));
    m_newLease->setToolTip(tr("Provision a token from this secret (Ctrl+G)"));
    bar->addWidget(m_newLease);
    m_retry = new QPushButton(tr("Retry Cleanup"), this);
    m_retry->setObjectName(QStringLiteral("retryCleanupButton"));
    m_retry->setAccessibleName(tr("Retry cleanup"));
    m_retry->setToolTip(tr("Try again to delete what the selected failed leases left on the cluster"));
    bar->addWidget(m_retry);
    m_delete = new QPushButton(tr("Delete..."), this);
    m_delete->setObjectName(QStringLiteral("deleteLeaseButton"));
    m_delete->setAccessibleName(tr("Delete leases"));
    m_delete->setToolTip(tr("Revoke the selected leases (Delete)"));
    bar->addWidget(m_delete);
    layout->addLayout(bar);

    m_tokenBanner = new QWidget(this);
    m_tokenBanner->setObjectName(QStringLiteral("clusterTokenBanner"));
    auto *tokenRow = new QHBoxLayout(m_tokenBanner);
    tokenRow->setContentsMargins(0, 0, 0, 0);
    m_tokenText = new QLabel(m_tokenBanner);
    m_tokenText->setWordWrap(true);
    tokenRow->addWidget(m_tokenText, 1);
    m_setToken = new QPushButton(tr("Set Cluster Token..."), m_tokenBanner);
    m_setToken->setObjectName(QStringLiteral("setClusterTokenButton"));
    m_setToken->setAccessibleName(tr("Set cluster token"));
    tokenRow->addWidget(m_setToken);
    m_tokenBanner->hide();
    layout->addWidget(m_tokenBanner);
    connect(m_setToken, &QPushButton::clicked, this, &LeasePanel::askForClusterToken);

    m_model = new LeaseTableModel(services.clock, this);
    m_proxy = new LeaseFilterProxyModel(m_model, this);
    m_view = new QTreeView(this);
    m_view->setObjectName(QStringLiteral("leaseView"));
    m_view->setAccessibleName(tr("Leases"));
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(LeaseTableModel::Created, Qt::DescendingOrder);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_emptyHint = new EmptyViewHint(m_view, [this] {
        if (!m_secret)
            return tr("Select a dynamic secret above to see its leases.");
        const QString text = m_filter->text().trimmed();
        const QString person = m_proxy->person();
        if (!person.isEmpty() && m_model->rowCount() > 0) {
            const QString who = m_model->people().describe(person);
            return text.isEmpty()
                ? tr("No lease of %1 was created or closed by %2.").arg(m_secret->name, who)
                : tr("No lease of %1 created or closed by %2 matches \"%3\".").arg(m_secret->name, who, text);
        }
        if (!text.isEmpty() && m_model->rowCount() > 0)
            return tr("No lease of %1 matches \"%2\".").arg(m_secret->name, text);
        return tr("No leases of %1 yet.\nNew Lease... issues a short-lived token for it; its leases, "
                  "active and past, are listed here.")
            .arg(m_secret->name);
    });
    connect(m_filter, &QLineEdit::textChanged, m_emptyHint, &EmptyViewHint::refresh);
    connect(m_person, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setPerson(m_person->currentData().toString());
        m_emptyHint->refresh();
    });
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->header()->setStretchLastSection(true);
    // Widths from what the cells hold, so that every column is on screen at
    // 1024 px: ids and names are elided in the middle (the whole id is in the
    // tooltip, the details and Copy), times and states are never cut.
    m_view->setTextElideMode(Qt::ElideMiddle);
    // The people columns share what is left (the last one, Closed By, stretches), down to this.
    m_view->header()->setMinimumSectionSize(40);
    m_view->header()->resizeSection(LeaseTableModel::CreatedBy, 70);
    const QFontMetrics metrics = m_view->fontMetrics();
    const auto fit = [&metrics](const QString &widest) { return metrics.horizontalAdvance(widest) + 18; };
    m_view->header()->resizeSection(LeaseTableModel::Id, fit(QStringLiteral("0123abcd…ef")));
    m_view->header()->resizeSection(LeaseTableModel::Namespace, fit(QStringLiteral("kube-system")));
    m_view->header()->resizeSection(
        LeaseTableModel::ServiceAccount, fit(QStringLiteral("kms-deploy-x…abcde")));
    m_view->header()->resizeSection(LeaseTableModel::Created, fit(QStringLiteral("2026-12-31 23:59:59")));
    m_view->header()->resizeSection(LeaseTableModel::Expires, fit(QStringLiteral("expired 59m 59s ago")));
    m_view->header()->resizeSection(LeaseTableModel::State, fit(QStringLiteral("Cleanup failed")));
    buildColumnsMenu();
    layout->addWidget(m_view, 1);

    m_detail = new QLabel(this);
    m_detail->setObjectName(QStringLiteral("leaseDetail"));
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->hide();
    layout->addWidget(m_detail);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("leaseStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();
    layout->addWidget(m_status);

    m_view->installEventFilter(this);
    m_view->viewport()->installEventFilter(this); // its width: the people columns share what is left

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &LeaseFilterProxyModel::setFilterText);
    connect(m_newLease, &QPushButton::clicked, this, &LeasePanel::newLeaseRequested);
    connect(m_delete, &QPushButton::clicked, this, [this] { deleteSelected(); });
    connect(m_retry, &QPushButton::clicked, this, &LeasePanel::retrySelected);
    connect(
        m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &LeasePanel::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this,
        [this](const QModelIndex &, const QModelIndex &, const QList<int> &roles) {
            if (!roles.isEmpty() && !roles.contains(LeaseTableModel::StateRole)
                && !roles.contains(Qt::EditRole))
                return; // the countdown
            updateActions();
        });
    connect(m_view, &QTreeView::activated, this, [this](const QModelIndex &index) {
        openDetails(index.data(LeaseTableModel::LeaseIdRole).toString());
    });
    connect(m_view, &QTreeView::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu(this);
        const QModelIndex at = m_view->indexAt(pos);
        QAction *details = menu.addAction(tr("Details..."), this,
            [this, at] { openDetails(at.data(LeaseTableModel::LeaseIdRole).toString()); });
        details->setEnabled(at.isValid());
        menu.addSeparator();
        menu.addAction(tr("New Lease..."), this, &LeasePanel::newLeaseRequested)
            ->setEnabled(m_newLease->isEnabled());
        menu.addAction(tr("Retry Cleanup"), this, &LeasePanel::retrySelected)
            ->setEnabled(m_retry->isEnabled());
        QAction *renew = menu.addAction(tr("Renew..."), this, [this] { renewSelected(); });
        renew->setObjectName(QStringLiteral("renewLeaseAction"));
        renew->setEnabled(canRenew());
        QAction *remove = menu.addAction(tr("Delete..."), this, [this] { deleteSelected(); });
        remove->setEnabled(m_delete->isEnabled());
        remove->setShortcut(QKeySequence::Delete);
        menu.exec(m_view->viewport()->mapToGlobal(pos));
    });

    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &LeasePanel::tickCountdown);
    connect(services.clock, &Clock::jumped, this, &LeasePanel::tickCountdown);
    m_countdown.start();

    setSecret(std::nullopt);
}

bool LeasePanel::eventFilter(QObject *watched, QEvent *event)
{
    // Delete in the list revokes the selected leases (after asking).
    if (watched == m_view && event->type() == QEvent::KeyPress
        && static_cast<QKeyEvent *>(event)->matches(QKeySequence::Delete)) {
        deleteSelected();
        return true;
    }
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        fitPeopleColumns();
    return QWidget::eventFilter(watched, event);
}

void LeasePanel::setSecret(const std::optional<DynamicSecret> &secret)
{
    const bool same = secret && m_secret && secret->id == m_secret->id;
    m_secret = secret;
    m_title->setText(
        secret ? tr("Leases of %1").arg(secret->name) : tr("Select a dynamic secret to see its leases"));
    if (!same) {
        showStatus({}, false); // an answer about another secret's leases
        reload();
        checkClusterToken();
    }
    m_emptyHint->refresh();
    updateActions();
}

void LeasePanel::checkClusterToken()
{
    if (!m_secret || m_secret->authMethod != AuthMethod::Token || !m_services.catalog) {
        m_tokenBanner->hide();
        emit clusterTokenChecked();
        return;
    }
    const qint64 id = m_secret->id;
    QCoro::connect(m_services.catalog->clusterTokenOnThisComputer(*m_secret), this,
        [this, id](const ClusterTokenCheck &check) {
            if (!m_secret || m_secret->id != id)
                return; // another secret was selected meanwhile
            if (check.state == ClusterTokenCheck::State::Missing) {
                m_tokenText->setText(tr("This computer has no cluster token for %1: leases need one. Each "
                                        "administrator keeps their own in their keychain.")
                                         .arg(m_secret->name));
                m_tokenBanner->show();
            } else {
                m_tokenBanner->hide();
            }
            emit clusterTokenChecked();
        });
}

void LeasePanel::askForClusterToken()
{
    if (!m_secret || !m_services.catalog)
        return;
    auto *input = new QInputDialog(this);
    input->setAttribute(Qt::WA_DeleteOnClose);
    input->setObjectName(QStringLiteral("clusterTokenDialog"));
    input->setWindowTitle(tr("Set Cluster Token"));
    input->setLabelText(
        tr("Your cluster token for %1 (kept only in this computer's keychain):").arg(m_secret->name));
    input->setTextEchoMode(QLineEdit::Password);
    input->setInputMethodHints(Qt::ImhSensitiveData | Qt::ImhNoPredictiveText);
    const qint64 id = m_secret->id;
    connect(input, &QInputDialog::textValueSelected, this, [this, id](const QString &text) {
        QCoro::connect(m_services.catalog->setClusterToken(id, text.toUtf8()), this,
            [this](const SecretSaveResult &result) {
                if (!result.ok()) {
                    showStatus(result.error, true);
                    return;
                }
                showStatus(
                    tr("Your cluster token for %1 is in the keychain.").arg(result.secret->name), false);
                checkClusterToken();
            });
    });
    input->open();
}

void LeasePanel::reload()
{
    if (!m_secret) {
        m_model->clear();
        return;
    }
    // The people table is tiny: read whole, then looked up per painted cell.
    m_model->setPeople(m_services.engine->people());
    m_model->setRows(m_services.engine->leaseSummariesOf(m_secret->id));
    m_proxy->peopleChanged();
    refreshPersonFilter();
    updateActions();
}

void LeasePanel::fitPeopleColumns()
{
    // Created By and Closed By (the last, stretched) split the width the other
    // columns leave: at 1024 px both stay on screen, wider windows show whole
    // names, and so does hiding a column (the header's menu).
    QHeaderView *header = m_view->header();
    int others = 0;
    for (int column = 0; column < LeaseTableModel::CreatedBy; ++column) {
        if (!header->isSectionHidden(column))
            others += header->sectionSize(column);
    }
    const int left = m_view->viewport()->width() - others;
    const bool both = !header->isSectionHidden(LeaseTableModel::CreatedBy)
        && !header->isSectionHidden(LeaseTableModel::ClosedBy);
    const int createdBy = std::max(header->minimumSectionSize(), both ? left / 2 : left);
    if (!header->isSectionHidden(LeaseTableModel::CreatedBy))
        header->resizeSection(LeaseTableModel::CreatedBy, createdBy);
    if (!header->isSectionHidden(LeaseTableModel::ClosedBy))
        header->resizeSection(LeaseTableModel::ClosedBy,
            std::max(header->minimumSectionSize(), both ? left - createdBy : left));
}

void LeasePanel::buildColumnsMenu()
{
    QHeaderView *header = m_view->header();
    m_columnsMenu = new QMenu(tr("Columns"), this);
    m_columnsMenu->setObjectName(QStringLiteral("leaseColumnsMenu"));
    for (int column = 0; column < LeaseTableModel::ColumnCount; ++column) {
        QAction *action = m_columnsMenu->addAction(
            m_model->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString());
        action->setCheckable(true);
        action->setData(column);
        // The lease id is what every other column belongs to.
        action->setEnabled(column != LeaseTableModel::Id);
        connect(action, &QAction::toggled, this, [this, header, column](bool shown) {
            header->setSectionHidden(column, !shown);
            fitPeopleColumns();
        });
    }
    // Checked as the header is when the menu opens (MainWindow restores hidden columns).
    connect(m_columnsMenu, &QMenu::aboutToShow, this, [this, header] {
        for (QAction *action : m_columnsMenu->actions()) {
            const QSignalBlocker quiet(action);
            action->setChecked(!header->isSectionHidden(action->data().toInt()));
        }
    });
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this,
        [this, header](const QPoint &pos) { m_columnsMenu->popup(header->viewport()->mapToGlobal(pos)); });
}

void LeasePanel::reloadPeople()
{
    m_model->setPeople(m_services.engine->people());
    m_proxy->peopleChanged();
    m_personActors.clear(); // the labels changed, not only the list
    refreshPersonFilter();
}

void LeasePanel::filterByPerson(const QString &actor)
{
    const int index = m_person->findData(actor);
    m_person->setCurrentIndex(index >= 0 ? index : 0);
}

void LeasePanel::refreshPersonFilter()
{
    const QStringList actors = m_model->actors();
    if (actors == m_personActors && m_person->count() == actors.size() + 1)
        return;
    m_personActors = actors;
    const QString chosen = m_person->currentData().toString();
    // By what people read: the display name, then user@host.
    QList<QPair<QString, QString>> items; // label, actor
    for (const QString &actor : actors)
        items.append({ m_model->people().describe(actor), actor });
    std::sort(items.begin(), items.end(), [](const auto &a, const auto &b) {
        const int byLabel = QString::localeAwareCompare(a.first, b.first);
        return byLabel != 0 ? byLabel < 0 : a.second < b.second;
    });
    // The chosen person stays listed (and chosen) even when no row names them any more.
    if (!chosen.isEmpty() && !actors.contains(chosen))
        items.append({ m_model->people().describe(chosen), chosen });
    const QSignalBlocker quiet(m_person);
    m_person->clear();
    m_person->addItem(tr("All people"), QString());
    for (const auto &[label, actor] : std::as_const(items))
        m_person->addItem(label, actor);
    m_person->setCurrentIndex(std::max(0, m_person->findData(chosen)));
}

void LeasePanel::refreshLease(const QString &leaseId)
{
    if (!m_secret)
        return;
    const auto lease = m_services.engine->lease(leaseId);
    if (!lease || lease->secretId != m_secret->id)
        return;
    m_model->upsert(*lease);
    refreshPersonFilter();
    updateActions();
}

QStringList LeasePanel::selectedLeaseIds() const
{
    QStringList ids;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        ids << index.data(LeaseTableModel::LeaseIdRole).toString();
    return ids;
}

void LeasePanel::selectLease(const QString &leaseId)
{
    const int row = m_model->rowOf(leaseId);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

void LeasePanel::updateActions()
{
    m_newLease->setEnabled(m_secret.has_value());
    bool anyOpen = false;
    bool anyFailed = false;
    QStringList reasons;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows) {
        const auto state = LeaseState(index.data(LeaseTableModel::StateRole).toInt());
        anyOpen = anyOpen || state == LeaseState::Active;
        if (state == LeaseState::CleanupFailed) {
            anyFailed = true;
            const QString reason = index.data(LeaseTableModel::FailureReasonRole).toString();
            if (!reason.isEmpty() && reasons.size() < 3)
                reasons << reason;
        }
    }
    m_delete->setEnabled(anyOpen && !m_busy);
    m_retry->setEnabled(anyFailed && !m_busy);
    m_retry->setVisible(anyFailed);
    if (!reasons.isEmpty()) {
        QPalette pal = m_detail->palette();
        pal.setColor(QPalette::WindowText, UiColors::error());
        m_detail->setPalette(pal);
        m_detail->setText(tr("Cleanup failed: %1").arg(reasons.join(QLatin1Char(' '))));
        m_detail->show();
    } else {
        m_detail->hide();
    }
    emit actionsChanged();
}

QString LeasePanel::revokeConfirmation(const QList<Lease> &leases)
{
    int revocable = 0;
    int unbound = 0;
    QDateTime lastExpiry;
    for (const Lease &lease : leases) {
        if (lease.kind == LeaseKind::Static) {
            ++unbound;
            if (!lastExpiry.isValid() || lease.expiresAt > lastExpiry)
                lastExpiry = lease.expiresAt;
        } else {
            ++revocable;
        }
    }
    QStringList parts;
    if (leases.size() == 1) {
        const Lease &lease = leases.first();
        switch (lease.kind) {
        case LeaseKind::Dynamic:
            return tr(
                "Its temporary service account %1 and its binding will be deleted, so the token will stop "
                "working within seconds.")
                .arg(lease.serviceAccount);
        case LeaseKind::BoundStatic:
            return tr("The Secret its token is bound to will be deleted, so the token will stop working "
                      "within seconds.");
        case LeaseKind::Static:
            return tr("Kubernetes cannot revoke this token: the lease will close, but the token stays valid "
                      "until it "
                      "expires at %1.")
                .arg(TimeText::absolute(lease.expiresAt));
        }
    }
    if (revocable > 0)
        parts << tr(
            "%n dynamic or bound lease(s): their objects will be deleted, so their tokens will stop working "
            "within seconds.",
            nullptr, revocable);
    if (unbound > 0)
        parts << tr(
            "%n unbound static lease(s): Kubernetes cannot revoke their tokens; they stay valid until they "
            "expire, the last at %1.",
            nullptr, unbound)
                     .arg(TimeText::absolute(lastExpiry));
    return parts.join(QLatin1Char(' '));
}

LeaseDetailsDialog *LeasePanel::openDetails(const QString &leaseId)
{
    if (leaseId.isEmpty())
        return nullptr;
    for (LeaseDetailsDialog *open : findChildren<LeaseDetailsDialog *>()) {
        if (open->leaseId() == leaseId) {
            open->refresh();
            open->raise();
            open->activateWindow();
            return open;
        }
    }
    auto *dialog = new LeaseDetailsDialog(m_services, leaseId, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &LeaseDetailsDialog::revokeRequested, this, [this, dialog](const QString &id) {
        selectLease(id);
        deleteSelected(dialog);
    });
    connect(dialog, &LeaseDetailsDialog::retryRequested, this, [this](const QString &id) {
        selectLease(id);
        retrySelected();
    });
    connect(dialog, &LeaseDetailsDialog::renewRequested, this, [this, dialog](const QString &id) {
        selectLease(id);
        renewSelected(dialog);
    });
    dialog->show();
    return dialog;
}

void LeasePanel::deleteSelected(QWidget *askOver)
{
    if (m_busy)
        return;
    QList<Lease> leases;
    for (const QString &id : selectedLeaseIds()) {
        const auto lease = m_services.engine->lease(id);
        if (lease && lease->state == LeaseState::Active)
            leases << *lease;
    }
    if (leases.isEmpty())
        return;
    QStringList ids;
    for (const Lease &lease : leases)
        ids << lease.id;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete %n Lease(s)?", nullptr, int(leases.size())),
        revokeConfirmation(leases), QMessageBox::NoButton, askOver ? askOver : this);
    box->setObjectName(QStringLiteral("confirmRevoke"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    auto *yes
        = box->addButton(tr("Delete %n Lease(s)", nullptr, int(leases.size())), QMessageBox::DestructiveRole);
    yes->setObjectName(QStringLiteral("confirmRevokeButton"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::buttonClicked, this, [this, yes, ids](QAbstractButton *button) {
        if (button == yes)
            revoke(ids);
    });
    box->open();
}

void LeasePanel::revoke(const QStringList &ids)
{
    m_busy = true;
    updateActions();
    showStatus(tr("Deleting %n lease(s)...", nullptr, int(ids.size())), false);
    LeaseService *service = m_services.leases;
    // Parameters, not captures: a lambda's captures die with the lambda, the coroutine frame keeps
    // parameters.
    auto work = [](LeaseService *service, QStringList ids) -> QCoro::Task<QPair<bool, QStringList>> {
        QStringList messages;
        bool failed = false;
        for (const QString &id : ids) {
            const RevokeOutcome outcome = co_await service->revoke(id);
            failed = failed || !outcome.ok;
            if (!outcome.message.isEmpty() && (messages.size() < 3 || !outcome.ok))
                messages << outcome.message;
        }
        co_return qMakePair(failed, messages);
    };
    QCoro::connect(work(service, ids), this, [this](const QPair<bool, QStringList> &result) {
        m_busy = false;
        showStatus(result.second.join(QLatin1Char(' ')), result.first);
        updateActions();
        emit leasesChanged();
    });
}

void LeasePanel::retrySelected()
{
    if (m_busy)
        return;
    QStringList ids;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows()) {
        if (LeaseState(index.data(LeaseTableModel::StateRole).toInt()) == LeaseState::CleanupFailed)
            ids << index.data(LeaseTableModel::LeaseIdRole).toString();
    }
    if (ids.isEmpty())
        return;
    m_busy = true;
    updateActions();
    showStatus(tr("Retrying cleanup of %n lease(s)...", nullptr, int(ids.size())), false);
    LeaseService *service = m_services.leases;
    // Parameters, not captures: a lambda's captures die with the lambda, the coroutine frame keeps
    // parameters.
    auto work = [](LeaseService *service, QStringList ids) -> QCoro::Task<QPair<bool, QStringList>> {
        QStringList messages;
        bool failed = false;
        for (const QString &id : ids) {
            const RevokeOutcome outcome = co_await service->retryCleanup(id);
            failed = failed || !outcome.ok;
            messages << outcome.message;
        }
        co_return qMakePair(failed, messages);
    };
    QCoro::connect(work(service, ids), this, [this](const QPair<bool, QStringList> &result) {
        m_busy = false;
        showStatus(result.second.join(QLatin1Char(' ')), result.first);
        updateActions();
        emit leasesChanged();
    });
}

bool LeasePanel::canRenew() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return !m_busy && m_secret && rows.size() == 1
        && LeaseState(rows.first().data(LeaseTableModel::StateRole).toInt()) == LeaseState::Active;
}

QString LeasePanel::renewConfirmation(const Lease &lease, const DynamicSecret &secret)
{
    if (lease.kind == LeaseKind::Static)
        return tr("An unbound static token cannot be extended: renewing issues a new lease with a new token. "
                  "The current token stays valid until it expires at %1; Kubernetes cannot revoke it.")
            .arg(TimeText::absolute(lease.expiresAt));
    const QDateTime cap = lease.createdAt.addSecs(secret.maxTtl.seconds());
    return tr(
        "A new token for service account %1, valid for up to %2 more, and the lease's expiry moved with it "
        "(at most to %3, the secret's max TTL after the lease's creation). The current token stays valid "
        "until its own expiry at %4.")
        .arg(lease.serviceAccount,
            Duration::fromSeconds(
                lease.requestedTtlSeconds > 0 ? lease.requestedTtlSeconds : secret.defaultTtl.seconds())
                .toString(),
            TimeText::absolute(cap), TimeText::absolute(lease.expiresAt));
}

void LeasePanel::renewSelected(QWidget *askOver)
{
    if (!canRenew())
        return;
    const QString id = selectedLeaseIds().constFirst();
    const auto lease = m_services.engine->lease(id);
    if (!lease || lease->state != LeaseState::Active)
        return;
    auto *box = new QMessageBox(QMessageBox::Question, tr("Renew Lease?"),
        renewConfirmation(*lease, *m_secret), QMessageBox::NoButton, askOver ? askOver : this);
    box->setObjectName(QStringLiteral("confirmRenew"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    auto *yes = box->addButton(tr("Renew"), QMessageBox::AcceptRole);
    yes->setObjectName(QStringLiteral("confirmRenewButton"));
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(yes);
    connect(box, &QMessageBox::buttonClicked, this, [this, yes, id](QAbstractButton *button) {
        if (button == yes)
            renew(id);
    });
    box->open();
}

void LeasePanel::renew(const QString &id)
{
    m_busy = true;
    updateActions();
    showStatus(tr("Renewing lease %1...").arg(id), false);
    // Parameters, not captures: a lambda's captures die with the lambda, the coroutine frame keeps
    // parameters.
    auto work = [](Engine *engine, QString id) -> QCoro::Task<RenewOutcome> {
        RenewOutcome outcome = co_await engine->leases().renew(id);
        if (outcome.ok && !outcome.newLease) {
            // kubectl contexts that use this lease get the new token too.
            KubectlCredentials credentials(engine->database(), engine->vault(), engine->leases());
            co_await credentials.handOver(*outcome.lease, outcome.issued->token, outcome.lease->expiresAt);
        }
        co_return outcome;
    };
    QCoro::connect(work(m_services.engine, id), this, [this](const RenewOutcome &outcome) {
        m_busy = false;
        QString message = outcome.message;
        if (!outcome.warnings.isEmpty())
            message += QLatin1Char(' ') + outcome.warnings.join(QLatin1Char(' '));
        showStatus(message, !outcome.ok);
        updateActions();
        emit leasesChanged();
        if (outcome.ok)
            emit leaseRenewed(*outcome.lease, *outcome.issued, outcome.message);
    });
}

void LeasePanel::showStatus(const QString &text, bool error)
{
    QPalette pal = m_status->palette();
    pal.setColor(QPalette::WindowText, error ? UiColors::error() : palette().color(QPalette::WindowText));
    m_status->setPalette(pal);
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}

void LeasePanel::tickCountdown()
{
    m_lastTickRows = 0;
    if (!isVisible() || m_proxy->rowCount() == 0)
        return;
    const QRect area = m_view->viewport()->rect();
    QModelIndex top = m_view->indexAt(area.topLeft());
    if (!top.isValid())
        top = m_proxy->index(0, 0);
    QModelIndex bottom = m_view->indexAt(QPoint(area.left(), area.bottom()));
    const int last = bottom.isValid() ? bottom.row() : m_proxy->rowCount() - 1;
    // Visible proxy rows map to scattered source rows; repaint each one's cell.
    for (int row = top.row(); row <= last; ++row) {
        const int source = m_proxy->mapToSource(m_proxy->index(row, 0)).row();
        m_model->refreshExpiry(source, source);
        ++m_lastTickRows;
    }
}

} // namespace kms::ui
