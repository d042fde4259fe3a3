#include "core/Ed25519.h"

#include <QTest>

using namespace kms;

class TestEd25519 : public QObject {
    Q_OBJECT
private slots:
    void signsAndVerifies()
    {
        const std::optional<Ed25519PrivateKey> key = Ed25519PrivateKey::generate();
        QVERIFY(key.has_value());
        const QByteArray message("audit event 1");
        const QByteArray signature = key->sign(message);
        QCOMPARE(signature.size(), Ed25519PrivateKey::SignatureSize);
        QCOMPARE(key->publicKey().size(), Ed25519PrivateKey::PublicKeySize);
        QVERIFY(ed25519Verify(key->publicKey(), message, signature));
        // Two keys are two keys.
        const std::optional<Ed25519PrivateKey> other = Ed25519PrivateKey::generate();
        QVERIFY(other.has_value());
        QVERIFY(other->publicKey() != key->publicKey());
    }

    void rejectsAnyChange()
    {
        const std::optional<Ed25519PrivateKey> key = Ed25519PrivateKey::generate();
        const std::optional<Ed25519PrivateKey> other = Ed25519PrivateKey::generate();
        QVERIFY(key && other);
        const QByteArray message("audit event 2");
        const QByteArray signature = key->sign(message);
        QVERIFY(!ed25519Verify(other->publicKey(), message, signature));
        QVERIFY(!ed25519Verify(key->publicKey(), QByteArray("audit event 3"), signature));
        for (int i : { 0, 31, 63 }) {
            QByteArray flipped = signature;
            flipped[i] = char(flipped.at(i) ^ 0x01);
            QVERIFY(!ed25519Verify(key->publicKey(), message, flipped));
        }
    }

    void rawPrivateKeyRoundTrips()
    {
        const std::optional<Ed25519PrivateKey> key = Ed25519PrivateKey::generate();
        QVERIFY(key.has_value());
        const QByteArray raw = key->rawPrivateKey();
        QCOMPARE(raw.size(), 32);
        const std::optional<Ed25519PrivateKey> again = Ed25519PrivateKey::fromRawPrivateKey(raw);
        QVERIFY(again.has_value());
        QCOMPARE(again->publicKey(), key->publicKey());
        // Ed25519 signatures are deterministic.
        QCOMPARE(again->sign("x"), key->sign("x"));
    }

    // RFC 8032, section 7.1, TEST 1 and TEST 2: this is Ed25519, not a look-alike.
    void matchesRfc8032_data()
    {
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QByteArray>("publicKey");
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QByteArray>("signature");
        QTest::newRow("test 1")
            << QByteArray("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            << QByteArray("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a") << QByteArray()
            << QByteArray("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                          "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        QTest::newRow("test 2")
            << QByteArray("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
            << QByteArray("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
            << QByteArray("72")
            << QByteArray("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                          "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    }
    void matchesRfc8032()
    {
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, publicKey);
        QFETCH(QByteArray, message);
        QFETCH(QByteArray, signature);
        const std::optional<Ed25519PrivateKey> key
            = Ed25519PrivateKey::fromRawPrivateKey(QByteArray::fromHex(secret));
        QVERIFY(key.has_value());
        QCOMPARE(key->publicKey().toHex(), publicKey);
        QCOMPARE(key->sign(QByteArray::fromHex(message)).toHex(), signature);
        QVERIFY(ed25519Verify(
            QByteArray::fromHex(publicKey), QByteArray::fromHex(message), QByteArray::fromHex(signature)));
    }

    void rejectsMalformedInput()
    {
        QVERIFY(!Ed25519PrivateKey::fromRawPrivateKey(QByteArray(31, 'k')).has_value());
        QVERIFY(!Ed25519PrivateKey::fromRawPrivateKey(QByteArray(33, 'k')).has_value());
        QVERIFY(!Ed25519PrivateKey::fromRawPrivateKey({}).has_value());
        const std::optional<Ed25519PrivateKey> key = Ed25519PrivateKey::generate();
        QVERIFY(key.has_value());
        const QByteArray signature = key->sign("m");
        QVERIFY(!ed25519Verify(key->publicKey().left(31), "m", signature));
        QVERIFY(!ed25519Verify(key->publicKey(), "m", signature.left(63)));
        QVERIFY(!ed25519Verify(key->publicKey(), "m", signature + 'x'));
        QVERIFY(!ed25519Verify({}, "m", {}));
        QVERIFY(!ed25519Verify(QByteArray(32, '\xff'), "m", signature)); // not a point on the curve
    }
};

QTEST_GUILESS_MAIN(TestEd25519)
#include "tst_ed25519.moc"
