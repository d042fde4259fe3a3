#include "core/SignalWait.h"

// SignalWaker is a QObject declared in the header; this file makes the
// build run moc on it and gives its meta-object a home.
