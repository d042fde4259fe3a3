#include "CliRunner.h"

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

CliResult CliRunner::run(const QStringList &args, const QByteArray &stdinData, int timeoutMs) const
{
    QProcess process;
    process.setProcessEnvironment(m_environment);
    process.start(QStringLiteral(KMS_CTL_PATH), args);
    CliResult result;
    if (!process.waitForStarted(timeoutMs))
        return result;
    if (!stdinData.isEmpty())
        process.write(stdinData);
    process.closeWriteChannel();
    result.finished = process.waitForFinished(timeoutMs) && process.exitStatus() == QProcess::NormalExit;
    if (!result.finished)
        process.kill();
    result.exitCode = result.finished ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

} // namespace kms::test
