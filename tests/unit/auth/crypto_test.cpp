// SHA-256 and HMAC-SHA256 under the signer, against published vectors: FIPS 180-2's SHA-256
// examples and RFC 4231's HMAC-SHA256 test cases (including the keys longer than a block, which are
// hashed first, and a key reused for a second message as the signing-key cache reuses it).

#include <bedrock/auth/impl/crypto.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace crypto_test {

using bedrock::auth::detail::digest;
namespace ad = bedrock::auth::detail;

namespace {

std::string hex(const digest& d)
{
    std::string out;
    ad::append_hex(d.data(), d.size(), out);
    return out;
}

std::string unhex(std::string_view h)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}

} // namespace

TEST_CASE("crypto: SHA-256 of the FIPS 180-2 examples, whole and in pieces", "[auth][crypto]")
{
    ad::sha256 sha;
    REQUIRE(sha.valid());
    digest d;
    REQUIRE(sha.hash("", d));
    CHECK(hex(d) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    REQUIRE(sha.hash("abc", d));
    CHECK(hex(d) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    REQUIRE(sha.hash(two_blocks, d));
    CHECK(hex(d) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    // One million 'a', fed in uneven pieces through one context, then the context reused.
    const std::string piece(997, 'a');
    REQUIRE(sha.init());
    std::size_t left = 1000000;
    while (left > 0) {
        const std::size_t n = std::min(left, piece.size());
        REQUIRE(sha.update(piece.data(), n));
        left -= n;
    }
    REQUIRE(sha.final(d));
    CHECK(hex(d) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    REQUIRE(sha.hash("abc", d));
    CHECK(hex(d) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    ad::sha256 moved = std::move(sha);
    REQUIRE(moved.hash("abc", d));
    CHECK(hex(d) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("crypto: HMAC-SHA256 of the RFC 4231 test cases", "[auth][crypto]")
{
    struct vector {
        std::string key, data, mac;
    };
    const vector cases[] = {
        {std::string(20, '\x0b'), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {std::string(20, '\xaa'), std::string(50, '\xdd'),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        // Keys longer than the 64-byte block.
        {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {std::string(131, '\xaa'),
         "This is a test using a larger than block-size key and a larger than block-size data. The key needs "
         "to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    ad::hmac_sha256 mac;
    REQUIRE(mac.valid());
    for (const auto& c : cases) {
        INFO(c.mac);
        digest d;
        REQUIRE(mac.mac(c.key.data(), c.key.size(), c.data.data(), c.data.size(), d));
        CHECK(hex(d) == c.mac);
        // The key is remembered: the same message again, from the saved state, twice.
        for (int i = 0; i < 2; ++i) {
            digest again;
            REQUIRE(mac.mac(c.data.data(), c.data.size(), again));
            CHECK(hex(again) == c.mac);
        }
    }
    // RFC 4231 case 5 truncates its output to 128 bits.
    digest d;
    const std::string key(20, '\x0c');
    REQUIRE(mac.mac(key.data(), key.size(), "Test With Truncation", 20, d));
    CHECK(hex(d).substr(0, 32) == "a3b6167473100ee06e0c796c2955552b");

    // set_key, then a message; and a moved context keeps its key.
    REQUIRE(mac.set_key("Jefe", 4));
    ad::hmac_sha256 moved = std::move(mac);
    const std::string_view data = "what do ya want for nothing?";
    REQUIRE(moved.mac(data.data(), data.size(), d));
    CHECK(hex(d) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

} // namespace crypto_test
