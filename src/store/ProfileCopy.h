#pragma once

#include <QList>
#include <QPair>
#include <QString>

namespace kms {

class Database;

// Copies a SQLite profile's rows into an empty team profile's PostgreSQL
// database (hanzo-kmsctl profile copy): environments, secret definitions,
// gateways' public parts, leases, the audit log with its signing keys, head
// and identity, people's display names, ids kept (keychain entries are keyed by them). Nothing secret
// is in either database; the caller copies the person's keychain entries.
class ProfileCopy {
public:
    struct Result {
        bool ok = false;
        QString error; // one sentence when !ok
        QList<QPair<QString, qint64>> rows; // table, rows copied, in copy order
    };

    // source: an open SQLite profile; target: an open (migrated) PostgreSQL
    // database that holds no profile data yet (only the environments every
    // new profile starts with). Both at the same schema version. One
    // transaction on the target: on failure it is left as it was.
    static Result copy(Database &source, Database &target);
};

} // namespace kms
