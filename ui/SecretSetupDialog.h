#pragma once

#include "AppServices.h"
#include "core/DynamicSecret.h"
#include "provider/Preflight.h"

#include <QDialog>
#include <QHash>
#include <QPointer>
#include <QSet>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QMessageBox;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QToolButton;
class QTreeWidget;

namespace kms::ui {

class ProviderPicker;

// Add Dynamic Secret / Edit: the provider picker, then every field of the
// dashboard's setup modal in its order and words, plus this app's own
// (cluster-wide binding, bound tokens). Fields show and hide with the auth
// method and credential type; each field shows the engine's message as you
// type. Test Connection runs the preflight on what is typed, unsaved.
class SecretSetupDialog : public QDialog {
    Q_OBJECT
public:
    // environmentId: where a new secret goes. existing: edit it instead (no picker).
    SecretSetupDialog(const AppServices &services, qint64 environmentId,
        const std::optional<DynamicSecret> &existing = std::nullopt, QWidget *parent = nullptr);
    ~SecretSetupDialog() override;

    // The secret as the form describes it now; parse errors go to *errors.
    DynamicSecret currentSecret(FieldErrors *errors = nullptr) const;
    // Field key -> the message shown under it (empty when fine or not yet shown).
    QString fieldMessage(const QString &field) const;
    QWidget *fieldEditor(const QString &field) const { return m_editors.value(field); }
    bool isFieldShown(const QString &field) const;
    bool isBusy() const { return m_busy; }
    const PreflightResult &preflightResult() const { return m_preflight; }
    // The sentence under Test Connection's checks. Only when every check
    // passed does it say everything is granted; checks that could not be
    // decided are named as such (Unknown is not Allowed).
    enum class SummaryTone { Success, Warning, Error };
    static QString preflightSummary(const PreflightResult &result, SummaryTone *tone = nullptr);

    // Fills URL, CA, SSL verification and token from a kubeconfig context
    // (empty context: its current one). Returns false and shows why on failure.
    bool importKubeconfig(const QString &path, const QString &context = QString());

    void showForm(); // skips the provider picker
    void save();
    void testConnection();

    // Does the form hold anything the user typed that Cancel would lose?
    bool hasUnsavedChanges() const;

    // The Advanced section (name template, more roles, generated role rules,
    // extra labels and annotations, namespace selector, lease limit):
    // collapsed until opened, or until one of its fields needs correcting.
    bool isAdvancedShown() const;
    void setAdvancedShown(bool shown);
    QToolButton *advancedToggle() const { return m_advancedToggle; }
    // What the name template gives for this form now, e.g. "kms-dev-alice-x7k2q"
    // (the line under the template field), or empty when it gives nothing valid.
    QString nameTemplateExample() const;
    // Loads generated role rules from a YAML or JSON file into the form; false
    // and the field's message when it cannot be read.
    bool loadGeneratedRules(const QString &path);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    // Once the window manager has framed the window: the frame on the screen too.
    bool event(QEvent *event) override;
    // Cancel, Escape and the title bar's close ask before a changed form is discarded.
    void done(int result) override;

signals:
    void saved(const DynamicSecret &secret);
    void preflightFinished(bool passed);
    void saveFailed(const QString &message);

private:
    struct Field; // one row of the form; the table is in the .cpp

    void buildForm();
    // Within the screen's available area, the window manager's frame (title
    // bar) included: as large as wanted or smaller (the form scrolls), and
    // moved in (grow: back to the wanted size even before there is a frame).
    // True when the framed window already was so.
    bool fitToScreen(bool grow);
    QWidget *buildAudiences(QWidget *page);
    QWidget *addField(
        QGridLayout *form, const QString &field, const QString &label, QWidget *editor, const QString &help);
    void touch(const QString &field);
    void revalidate();
    void updateSaveState();
    void updateVisibility();
    void setBusy(bool busy, const QString &message = QString());
    void showPreflight(const PreflightResult &result);
    void chooseKubeconfig();
    void addAudience();
    void removeAudience();
    QStringList audiences() const;
    QString formState() const;
    void updateAdvancedSummary();
    void updateNameTemplateExample();
    void chooseGeneratedRulesFile();
    void askToDiscard();
    // After busy work: the first field with a message, else where the focus was.
    void restoreFocus();

    AppServices m_services;
    qint64 m_environmentId;
    std::optional<DynamicSecret> m_existing;
    bool m_busy = false;
    bool m_showAll = false;
    bool m_discardConfirmed = false;
    bool m_correctionShown = false; // "Correct the fields marked above." is on screen
    bool m_hintShown = false; // "Still needed: ..." is on screen
    QString m_initialState; // formState() as the dialog opened
    QPointer<QWidget> m_focusBeforeBusy;
    QPointer<QMessageBox> m_discardBox;
    QSet<QString> m_touched;
    QHash<QString, QWidget *> m_editors;
    QHash<QString, QWidget *> m_rows;
    QHash<QString, QLabel *> m_errorLabels;
    FieldErrors m_errors;
    PreflightResult m_preflight;

    QStackedWidget *m_pages;
    ProviderPicker *m_picker;
    QGridLayout *m_form; // not QFormLayout: its setRowVisible writes out of bounds in Qt 6.4
    QGridLayout *m_advancedForm;
    QWidget *m_advancedBox;
    QToolButton *m_advancedToggle;
    QLabel *m_nameTemplateExample;
    QHash<QString, QLabel *> m_labels;
    QLineEdit *m_name;
    QLineEdit *m_defaultTtl;
    QLineEdit *m_maxTtl;
    QComboBox *m_gateway;
    QLineEdit *m_clusterUrl;
    QCheckBox *m_sslVerify;
    QPlainTextEdit *m_ca;
    QComboBox *m_authMethod;
    QLineEdit *m_clusterToken;
    QComboBox *m_credentialType;
    QLineEdit *m_serviceAccount;
    QLineEdit *m_namespace;
    QLineEdit *m_allowedNamespaces;
    QComboBox *m_roleType;
    QLineEdit *m_role;
    QLineEdit *m_audienceInput;
    QListWidget *m_audiences;
    QPushButton *m_removeAudience;
    QCheckBox *m_clusterWide;
    QCheckBox *m_boundTokens;
    QLineEdit *m_nameTemplate;
    QLineEdit *m_moreRoles;
    QPlainTextEdit *m_generatedRules;
    QLineEdit *m_extraLabels;
    QLineEdit *m_extraAnnotations;
    QLineEdit *m_namespaceSelector;
    QLineEdit *m_maxLeases;

    QWidget *m_preflightBox;
    QLabel *m_preflightSummary;
    QTreeWidget *m_preflightChecks;
    QPushButton *m_copyRbac;
    QLabel *m_status;
    QPushButton *m_importButton;
    QPushButton *m_testButton;
    QPushButton *m_saveButton;
    QDialogButtonBox *m_buttons;
    QSize m_wantedSize; // the form's size before the screen bounds it; empty: the picker's own
    int m_fitAttempts = 0; // answers of the window manager met since showForm; 8: done
    int m_unframedChecks = 0; // looks for a frame since showForm (every 50 ms, 2 s at most)
};

} // namespace kms::ui
