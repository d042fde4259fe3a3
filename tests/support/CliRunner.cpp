#include "CliRunner.h"
#include "KmsTestPaths.h"

#include <QProcess>

namespace kms::test {

QByteArray CliResult::describe() const
{
    return "exit " + QByteArray::number(exitCode) + (finished ? "" : " (did not finish)") + "\nstdout:\n"
        + out + "\nstderr:\n" + err;
}

CliRunner::CliRunner(const QProcessEnvironment &environment)
    : m_environment(environment)
{
}

namespace {

CliResult finish(QProcess &process, int timeoutMs)
{
    CliResult result;
    result.finished = process.waitForFinished(timeoutMs) && process.exitStatus() == QProcess::NormalExit;
    if (!result.finished)
        process.kill();
    result.exitCode = result.finished ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

} // namespace

CliResult CliRunner::run(const QStringList &args, const QByteArray &stdinData, int timeoutMs) const
{
    QProcess process;
    process.setProcessEnvironment(m_environment);
    process.start(QStringLiteral(KMS_CTL_PATH), args);
    if (!process.waitForStarted(timeoutMs))
        return {};
    if (!stdinData.isEmpty())
        process.write(stdinData);
    process.closeWriteChannel();
    return finish(process, timeoutMs);
}

CliResult CliRunner::runWithStdinFile(const QStringList &args, const QString &stdinFile, int timeoutMs) const
{
    QProcess process;
    process.setProcessEnvironment(m_environment);
    process.setStandardInputFile(stdinFile);
    process.start(QStringLiteral(KMS_CTL_PATH), args);
    if (!process.waitForStarted(timeoutMs))
        return {};
    return finish(process, timeoutMs);
}

} // namespace kms::test
