#include "gatewayserver/HttpMethod.h"

#include <QTest>

using namespace kms;
using Method = QHttpServerRequest::Method;

class TestHttpMethod : public QObject {
    Q_OBJECT
private slots:
    void namesEachMethodAsOnTheWire_data()
    {
        QTest::addColumn<Method>("method");
        QTest::addColumn<QByteArray>("name");
        QTest::newRow("get") << Method::Get << QByteArray("GET");
        QTest::newRow("put") << Method::Put << QByteArray("PUT");
        QTest::newRow("delete") << Method::Delete << QByteArray("DELETE");
        QTest::newRow("post") << Method::Post << QByteArray("POST");
        QTest::newRow("head") << Method::Head << QByteArray("HEAD");
        QTest::newRow("options") << Method::Options << QByteArray("OPTIONS");
        QTest::newRow("patch") << Method::Patch << QByteArray("PATCH");
        QTest::newRow("connect") << Method::Connect << QByteArray("CONNECT");
        QTest::newRow("trace") << Method::Trace << QByteArray("TRACE");
        QTest::newRow("unknown") << Method::Unknown << QByteArray("UNKNOWN");
        QTest::newRow("not one method") << Method::AnyKnown << QByteArray("UNKNOWN");
    }
    void namesEachMethodAsOnTheWire()
    {
        QFETCH(Method, method);
        QFETCH(QByteArray, name);
        QCOMPARE(httpMethodName(method), name);
    }
};

QTEST_GUILESS_MAIN(TestHttpMethod)
#include "tst_httpmethod.moc"
