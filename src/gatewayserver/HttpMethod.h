#pragma once

#include <QByteArray>
#include <QHttpServerRequest>

namespace kms {

// A request's method as it appears on the wire: "GET", "POST", ...;
// "UNKNOWN" for what Qt HttpServer could not name. Shared by the gateway and
// the servers of the tests (kms-testcluster, the unit tests' fakes).
QByteArray httpMethodName(QHttpServerRequest::Method method);

} // namespace kms
