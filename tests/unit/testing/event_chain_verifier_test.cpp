// The emulator's check of a bidirectional stream's chunk-signature chain, against the shared
// vectors: the JS SDK's captured exchange and the generated Bedrock vectors verify; any flipped byte,
// a :date too far off, a frame out of order or one after the end frame do not.

#include "auth/auth_test_support.hpp"
#include "support/vectors.hpp"

#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/testing/event_chain_verifier.hpp>

#include <boost/json.hpp>

#include <catch2/catch.hpp>

namespace event_chain_verifier_test {

using namespace bedrock;
using namespace std::chrono_literals;

namespace {

boost::json::object load(const char* name)
{
    return boost::json::parse(test::read_text(test::vector_path(std::string("sigv4/event-signing/") + name)))
        .as_object();
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms)
{
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

auth::signature_bytes signature_of(std::string_view hex)
{
    auth::signature_bytes out{};
    REQUIRE_FALSE(auth::parse_signature(hex, out));
    return out;
}

/// One decoded outer frame, owning its bytes.
struct frame {
    std::vector<std::uint8_t> bytes;
    std::vector<eventstream::header_view> headers;
    eventstream::message_view view{};

    explicit frame(std::vector<std::uint8_t> b) : bytes(std::move(b))
    {
        REQUIRE_FALSE(eventstream::parse_message(bytes, headers, view));
    }
};

/// Re-encodes `f` with one byte of its signature (or of its payload) flipped: the frame is well
/// formed (its CRCs right), only the chain is broken.
std::vector<std::uint8_t> tampered(const frame& f, bool in_payload)
{
    std::array<std::uint8_t, 32> sig{};
    std::vector<std::uint8_t> payload(f.view.payload.begin(), f.view.payload.end());
    eventstream::timestamp date{};
    for (const auto& h : f.headers) {
        if (h.name == ":date")
            date = std::get<eventstream::timestamp>(h.value);
        else if (h.name == ":chunk-signature")
            std::copy_n(std::get<eventstream::byte_view>(h.value).begin(), 32, sig.begin());
    }
    if (in_payload)
        payload.at(payload.size() / 2) ^= 0x01;
    else
        sig[7] ^= 0x80;
    const std::array<eventstream::header_view, 2> headers{{{":date", date}, {":chunk-signature", eventstream::byte_view(sig)}}};
    std::vector<std::uint8_t> out;
    REQUIRE_FALSE(eventstream::encode(headers, payload, out));
    return out;
}

struct captured {
    auth::credentials creds;
    std::string region;
    auth::signature_bytes seed{};
    std::vector<frame> frames;
    std::vector<std::int64_t> dates;
};

captured sdk_capture()
{
    const auto doc = load("sdk_captured_bidi_stream.json");
    captured c;
    const auto& cr = doc.at("credentials").as_object();
    c.creds = {str(cr.at("accessKeyId")), str(cr.at("secretAccessKey")), {}, {}};
    c.region = str(doc.at("region"));
    c.seed = signature_of(str(doc.at("request_signature")));
    for (const auto& f : doc.at("frames").as_array()) {
        c.frames.emplace_back(test::from_hex(f.at("outer_frame_hex").as_string()));
        c.dates.push_back(f.at("date_epoch_ms").as_int64());
    }
    return c;
}

} // namespace

TEST_CASE("chain verifier: the JS SDK's captured bidirectional exchange verifies, end frame last", "[testing][chain]")
{
    const captured c = sdk_capture();
    REQUIRE(c.frames.size() == 3);
    testing::event_chain_verifier v(c.seed, c.creds, c.region);
    for (std::size_t i = 0; i < c.frames.size(); ++i) {
        INFO("frame " << i);
        const auto step = v.verify(c.frames[i].view, from_epoch_ms(c.dates[i]) + 30s);
        REQUIRE(step.ok());
        CHECK(step.end_of_stream == (i == 2));
        CHECK(step.inner.size() == c.frames[i].view.payload.size());
    }
    CHECK(v.ended());
    CHECK(v.frames() == 3);
    // Nothing may follow the end frame.
    const auto after = v.verify(c.frames[0].view, from_epoch_ms(c.dates[0]));
    CHECK(after.failure == testing::chain_failure::after_end);
}

TEST_CASE("chain verifier: a flipped byte of a signature or of a payload breaks the chain", "[testing][chain]")
{
    const captured c = sdk_capture();
    for (const bool in_payload : {false, true}) {
        for (std::size_t bad = 0; bad < c.frames.size(); ++bad) {
            INFO("frame " << bad << (in_payload ? " payload" : " signature"));
            testing::event_chain_verifier v(c.seed, c.creds, c.region);
            for (std::size_t i = 0; i < bad; ++i)
                REQUIRE(v.verify(c.frames[i].view, from_epoch_ms(c.dates[i])).ok());
            if (in_payload && c.frames[bad].view.payload.empty())
                continue; // the end frame has no payload to flip
            const frame broken(tampered(c.frames[bad], in_payload));
            const auto step = v.verify(broken.view, from_epoch_ms(c.dates[bad]));
            CHECK(step.failure == testing::chain_failure::bad_signature);
            CHECK_FALSE(step.message.empty());
            // A failure is final: even the right frame is refused now.
            CHECK_FALSE(v.verify(c.frames[bad].view, from_epoch_ms(c.dates[bad])).ok());
        }
    }
}

TEST_CASE("chain verifier: frames out of order, a wrong seed or other keys break the chain", "[testing][chain]")
{
    const captured c = sdk_capture();
    const auto t = from_epoch_ms(c.dates[0]);
    {
        testing::event_chain_verifier v(c.seed, c.creds, c.region);
        CHECK(v.verify(c.frames[1].view, t).failure == testing::chain_failure::bad_signature);
    }
    {
        auto seed = c.seed;
        seed[0] ^= 1;
        testing::event_chain_verifier v(seed, c.creds, c.region);
        CHECK(v.verify(c.frames[0].view, t).failure == testing::chain_failure::bad_signature);
    }
    {
        auto creds = c.creds;
        creds.secret_access_key += "x";
        testing::event_chain_verifier v(c.seed, creds, c.region);
        CHECK(v.verify(c.frames[0].view, t).failure == testing::chain_failure::bad_signature);
    }
    {
        testing::event_chain_verifier v(c.seed, c.creds, "us-west-2");
        CHECK(v.verify(c.frames[0].view, t).failure == testing::chain_failure::bad_signature);
    }
}

TEST_CASE("chain verifier: :date must be within 5 minutes of the server's clock", "[testing][chain]")
{
    const captured c = sdk_capture();
    const auto t = from_epoch_ms(c.dates[0]);
    for (const auto offset : {-5min - 1s, 5min + 1s}) {
        testing::event_chain_verifier v(c.seed, c.creds, c.region);
        CHECK(v.verify(c.frames[0].view, t + offset).failure == testing::chain_failure::date_skew);
    }
    for (const auto offset : {-5min + 1s, 5min - 1s}) {
        testing::event_chain_verifier v(c.seed, c.creds, c.region);
        CHECK(v.verify(c.frames[0].view, t + offset).ok());
    }
}

TEST_CASE("chain verifier: a frame without :date or :chunk-signature is refused", "[testing][chain]")
{
    const captured c = sdk_capture();
    testing::event_chain_verifier v(c.seed, c.creds, c.region);
    // The inner message sent as is, unwrapped: no signature at all.
    const frame inner(std::vector<std::uint8_t>(c.frames[0].view.payload.begin(), c.frames[0].view.payload.end()));
    CHECK(v.verify(inner.view, from_epoch_ms(c.dates[0])).failure == testing::chain_failure::unsigned_frame);
}

TEST_CASE("chain verifier: the generated Bedrock vectors v1..v3 verify from their prior signatures", "[testing][chain]")
{
    const auto doc = load("event_signing_vectors.json");
    for (const auto& value : doc.at("vectors").as_array()) {
        const auto& x = value.as_object();
        INFO(str(x.at("name")));
        const auto& cr = x.at("credentials").as_object();
        const auth::credentials creds{str(cr.at("accessKeyId")), str(cr.at("secretAccessKey")), {}, {}};
        testing::event_chain_verifier v(signature_of(str(x.at("prior_signature"))), creds, str(x.at("region")),
                                        str(x.at("service")));
        const frame f(test::from_hex(x.at("signed_frame_hex").as_string()));
        const auto step = v.verify(f.view, from_epoch_ms(x.at("date_header_epoch_ms").as_int64()));
        CHECK(step.ok());
        const frame broken(tampered(f, false));
        testing::event_chain_verifier v2(signature_of(str(x.at("prior_signature"))), creds, str(x.at("region")),
                                         str(x.at("service")));
        CHECK_FALSE(v2.verify(broken.view, from_epoch_ms(x.at("date_header_epoch_ms").as_int64())).ok());
    }
}

} // namespace event_chain_verifier_test
