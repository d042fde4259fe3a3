#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QStringList>

namespace kms::test {

// Runs the built hanzo-kmsctl (KMS_CTL_PATH) with an environment, e.g.
// TempProfile::environment(), and captures everything it says.
struct CliResult {
    int exitCode = -1;
    bool finished = false; // false: crashed or timed out
    QByteArray out;
    QByteArray err;
    QString outText() const { return QString::fromUtf8(out); }
    QString errText() const { return QString::fromUtf8(err); }
    // For test failure messages.
    QByteArray describe() const;
};

class CliRunner {
public:
    explicit CliRunner(const QProcessEnvironment &environment);

    CliResult run(
        const QStringList &args, const QByteArray &stdinData = QByteArray(), int timeoutMs = 60000) const;
    // With stdin read from a file or device (e.g. /dev/zero).
    CliResult runWithStdinFile(
        const QStringList &args, const QString &stdinFile, int timeoutMs = 60000) const;
    QProcessEnvironment environment() const { return m_environment; }
    void setEnvironment(const QProcessEnvironment &environment) { m_environment = environment; }

private:
    QProcessEnvironment m_environment;
};

} // namespace kms::test
