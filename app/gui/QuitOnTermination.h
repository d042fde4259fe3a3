#pragma once

namespace kms {

// SIGTERM, SIGINT and SIGHUP end the event loop (QCoreApplication::quit())
// instead of the process, so the code after exec() runs: the demo profile
// removes its keychain entries and files. Unix only; a no-op elsewhere.
// Call once, after the application object exists.
void quitOnTerminationSignals();

} // namespace kms
