#include "CliContext.h"

#include "core/DisplayText.h"
#include "store/AuditLog.h"

#include <QCoreApplication>
#include <QCoro/QCoroTask>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace kms::cli {

CliContext::CliContext(ProfileLocation location)
    : m_location(std::move(location))
    , m_vault(m_location.keychainService())
    , m_out(stdout)
    , m_err(stderr)
{
}

Database *CliContext::database(SigningKey signingKey)
{
    if (m_db)
        return m_db.get(); // the key as the first call chose
    auto db = std::make_unique<Database>();
    if (!QCoro::waitFor(openProfileDatabase(*db, m_vault, m_location))) {
        fail(db->lastError());
        return nullptr;
    }
    m_db = std::move(db);
    m_audit = std::make_unique<AuditKeychain>(*m_db, m_vault);
    // A failure is remembered by AuditLog: commands that write say why.
    if (signingKey == SigningKey::Load)
        QCoro::waitFor(loadSigningKey());
    AuditLog(*m_db).readHead(m_headAtOpen);
    return m_db.get();
}

QCoro::Task<bool> CliContext::loadSigningKey()
{
    if (!m_audit)
        co_return false;
    if (m_signingKeyLoaded)
        co_return AuditLog::hasSigningKey();
    m_signingKeyLoaded = true;
    co_return co_await m_audit->loadSigningKey();
}

void CliContext::finish()
{
    if (!m_db || !m_audit)
        return;
    std::optional<AuditMark> head;
    if (!AuditLog(*m_db).readHead(head) || head == m_headAtOpen)
        return;
    if (!QCoro::waitFor(m_audit->raiseAnchor())) {
        m_err << "hanzo-kmsctl: warning: this profile's audit anchor was not moved to event "
              << (head ? head->seq : 0) << ": " << m_audit->lastError() << Qt::endl;
    }
}

void CliContext::printError(const QString &message)
{
    m_out.flush();
    m_err << "hanzo-kmsctl: " << escapeControls(message) << Qt::endl;
}

int CliContext::fail(const QString &message)
{
    printError(message);
    return Failed;
}

int CliContext::usage(const QString &message)
{
    printError(message);
    return Usage;
}

int CliContext::usage(const QStringList &messages)
{
    for (const QString &message : messages)
        printError(message);
    return Usage;
}

void CliContext::warn(const QString &message)
{
    printError(QStringLiteral("warning: ") + message);
}

void CliContext::printJson(const QJsonValue &value)
{
    QJsonDocument doc;
    if (value.isArray())
        doc = QJsonDocument(value.toArray());
    else
        doc = QJsonDocument(value.toObject());
    m_out << doc.toJson(QJsonDocument::Indented);
    m_out.flush();
}

void CliContext::printTable(const QStringList &headers, const QList<QStringList> &rows)
{
    QList<qsizetype> widths;
    for (const QString &h : headers)
        widths << h.size();
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = qMax(widths[i], row.at(i).size());
    }
    const auto line = [&](const QStringList &cells) {
        QString text;
        for (qsizetype i = 0; i < cells.size(); ++i) {
            if (i + 1 < cells.size())
                text += cells.at(i).leftJustified(widths.at(i) + 2);
            else
                text += cells.at(i);
        }
        m_out << text << '\n';
    };
    line(headers);
    for (const QStringList &row : rows)
        line(row);
    m_out.flush();
}

void addOutputOption(QCommandLineParser &parser)
{
    parser.addOption(QCommandLineOption({ QStringLiteral("o"), QStringLiteral("output") },
        QStringLiteral("Output format: table (default) or json."), QStringLiteral("format"),
        QStringLiteral("table")));
}

std::optional<OutputFormat> outputFormat(CliContext &ctx, const QCommandLineParser &parser)
{
    const QString value = parser.value(QStringLiteral("output"));
    if (value == QLatin1String("table"))
        return OutputFormat::Table;
    if (value == QLatin1String("json"))
        return OutputFormat::Json;
    ctx.usage(QStringLiteral("-o/--output: unknown output format \"%1\"; use table or json.").arg(value));
    return std::nullopt;
}

int parseCommand(CliContext &ctx, QCommandLineParser &parser, const QString &usageLine,
    const QStringList &args, int minPositional, int maxPositional)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    const QCommandLineOption help(
        { QStringLiteral("h"), QStringLiteral("help") }, QStringLiteral("Show this help."));
    parser.addOption(help);
    if (!parser.parse(args))
        return ctx.usage(parser.errorText() + QStringLiteral(" See: ")
            + usageLine.section(QLatin1Char(' '), 0, 2) + QStringLiteral(" --help"));
    if (parser.isSet(help)) {
        // Qt's help starts with "Usage: <argv[0]> ..."; ours names the command.
        QString text = parser.helpText();
        const qsizetype firstBreak = text.indexOf(QLatin1Char('\n'));
        text = QStringLiteral("Usage: ") + usageLine + QLatin1Char('\n') + text.mid(firstBreak);
        ctx.out() << text;
        ctx.out().flush();
        return Ok;
    }
    const qsizetype count = parser.positionalArguments().size();
    if (count < minPositional || count > maxPositional) {
        const QString expected = minPositional == maxPositional
            ? QCoreApplication::translate("hanzo-kmsctl", "%n argument(s)", nullptr, minPositional)
            : QCoreApplication::translate("hanzo-kmsctl", "%1 to %2 arguments")
                  .arg(minPositional)
                  .arg(maxPositional);
        return ctx.usage(QCoreApplication::translate("hanzo-kmsctl", "%1 takes %2, got %3 (%4). Usage: %5")
                             .arg(usageLine.section(QLatin1Char(' '), 0, 2), expected)
                             .arg(count)
                             .arg(parser.positionalArguments().join(QLatin1Char(' ')), usageLine));
    }
    return -1;
}

} // namespace kms::cli
