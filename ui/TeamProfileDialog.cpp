#include "TeamProfileDialog.h"

#include "UiColors.h"
#include "leases/TeamProfiles.h"

#include <QCoro/QCoroTask>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace kms::ui {

TeamProfileDialog::TeamProfileDialog(const QString &dataDir, const QString &currentUrl, QWidget *parent)
    : QDialog(parent)
    , m_dataDir(dataDir)
    , m_url(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_error(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("teamProfileDialog"));
    setWindowTitle(tr("Open Team Profile"));
    setMinimumWidth(560);

    auto *intro
        = new QLabel(tr("A team profile keeps its secrets, leases and audit log in a PostgreSQL database "
                        "that several administrators share. Cluster tokens stay in each one's own "
                        "keychain."),
            this);
    intro->setWordWrap(true);

    m_url->setObjectName(QStringLiteral("databaseUrl"));
    m_url->setAccessibleName(tr("Database URL"));
    m_url->setPlaceholderText(QStringLiteral("postgresql://user@host:5432/kms?sslmode=verify-full"));
    m_url->setText(currentUrl);
    m_url->setMaxLength(int(teamProfileUrlMaxLength()) + 1);
    m_password->setObjectName(QStringLiteral("databasePassword"));
    m_password->setAccessibleName(tr("Database password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("Only if the server asks for one"));
    m_password->setMaxLength(1024);
    auto *urlHint = new QLabel(tr("sslmode=verify-full and sslrootcert=/path/to/ca.pem check the server's "
                                  "certificate."),
        this);
    urlHint->setWordWrap(true);
    auto *passwordHint
        = new QLabel(tr("Kept in this computer's keychain, never in a file or the URL; leave it "
                        "empty to use the one stored there."),
            this);
    passwordHint->setWordWrap(true);
    QFont small = urlHint->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    urlHint->setFont(small);
    passwordHint->setFont(small);

    auto *form = new QFormLayout;
    form->addRow(tr("Database &URL:"), m_url);
    form->addRow(QString(), urlHint);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(QString(), passwordHint);

    m_error->setObjectName(QStringLiteral("teamProfileError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette pal = m_error->palette();
    pal.setColor(QPalette::WindowText, UiColors::error());
    m_error->setPalette(pal);
    m_error->hide();

    m_open = m_buttons->addButton(tr("Open"), QDialogButtonBox::AcceptRole);
    m_open->setObjectName(QStringLiteral("openTeamProfileButton"));
    m_open->setDefault(true);
    connect(m_open, &QPushButton::clicked, this, &TeamProfileDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(m_buttons);
}

QString TeamProfileDialog::errorText() const
{
    return m_error->isVisible() || !m_error->text().isEmpty() ? m_error->text() : QString();
}

void TeamProfileDialog::fitToContents()
{
    // A sentence of several lines makes the dialog taller rather than squeezing the form.
    layout()->activate();
    const int needed = layout()->hasHeightForWidth() ? layout()->totalHeightForWidth(width())
                                                     : layout()->totalSizeHint().height();
    if (needed > height())
        resize(width(), needed);
}

void TeamProfileDialog::showError(const QString &message, QLineEdit *field)
{
    m_error->setText(message);
    m_error->show();
    fitToContents();
    if (field)
        field->setFocus();
    emit checkFailed();
}

void TeamProfileDialog::setConnecting(bool on)
{
    m_connecting = on;
    m_url->setEnabled(!on);
    m_password->setEnabled(!on);
    m_open->setEnabled(!on);
}

void TeamProfileDialog::submit()
{
    if (m_connecting)
        return;
    QString text = m_url->text().trimmed();
    // A password typed into the URL goes to the Password field: it must not be kept with the URL.
    const QUrl typed(text, QUrl::StrictMode);
    if (looksLikeTeamProfileUrl(text) && typed.isValid() && !typed.password().isEmpty()) {
        const QString inUrl = typed.password(QUrl::FullyDecoded);
        if (!m_password->text().isEmpty() && m_password->text() != inUrl) {
            showError(tr("Database URL: it holds a password and the Password field another one; remove the "
                         "password from the URL."),
                m_url);
            return;
        }
        m_password->setText(inUrl);
        text = typed.adjusted(QUrl::RemovePassword).toString(QUrl::FullyEncoded);
        m_url->setText(text);
    }
    QString why;
    const std::optional<TeamProfileUrl> url = parseTeamProfileUrl(text, &why);
    if (!url) {
        showError(tr("Database URL: %1").arg(why), m_url);
        return;
    }
    QByteArray password = m_password->text().toUtf8();
    m_password->clear();
    m_error->setText(tr("Connecting to %1...").arg(url->identity));
    m_error->setPalette(palette());
    m_error->show();
    fitToContents();
    setConnecting(true);
    const QString canonical = url->canonical;
    QCoro::connect(checkTeamProfile(m_dataDir, canonical, std::move(password)), this,
        [this, canonical](const TeamProfileCheck &check) {
            setConnecting(false);
            QPalette pal = m_error->palette();
            pal.setColor(QPalette::WindowText, UiColors::error());
            m_error->setPalette(pal);
            if (!check.ok) {
                showError(check.error, m_url);
                return;
            }
            QString error;
            if (!rememberTeamProfile(m_dataDir, canonical, &error)) {
                showError(error, nullptr);
                return;
            }
            m_chosenUrl = canonical;
            accept();
        });
}

} // namespace kms::ui
