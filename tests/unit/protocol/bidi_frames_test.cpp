// The request body of InvokeModelWithBidirectionalStream as protocol::input_stream builds it (what
// bidirectional_stream::send() and finish() write), held byte for byte against what the official JS
// SDK put on the wire for the same events, clock, credentials and request signature.

#include "auth/auth_test_support.hpp"
#include "support/vectors.hpp"

#include <bedrock/auth/event_signer.hpp>
#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/protocol/input_stream.hpp>

#include <boost/json.hpp>

#include <catch2/catch.hpp>

namespace bidi_frames_test {

using namespace bedrock;

namespace {

boost::json::object load_capture()
{
    return boost::json::parse(test::read_text(test::vector_path("sigv4/event-signing/sdk_captured_bidi_stream.json")))
        .as_object();
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

invoke_model_with_bidirectional_stream_input chunk(std::string_view json)
{
    invoke_model_with_bidirectional_stream_input_chunk part;
    part.value.bytes = bytes(json.begin(), json.end());
    return invoke_model_with_bidirectional_stream_input{std::move(part)};
}

std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms)
{
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

// The one message in `frame`, decoded (headers and payload copied out).
struct decoded {
    std::vector<std::pair<std::string, std::string>> string_headers;
    std::vector<std::uint8_t> payload;
    std::size_t header_count = 0;
};

decoded decode_one(const std::vector<std::uint8_t>& frame)
{
    eventstream::decoder d;
    const auto r = d.feed(frame);
    REQUIRE(r.state == eventstream::decoder::status::message);
    REQUIRE(r.consumed == frame.size());
    decoded out;
    const auto& m = d.message();
    out.header_count = m.headers.size();
    for (const auto& h : m.headers)
        if (const auto* s = std::get_if<std::string_view>(&h.value))
            out.string_headers.emplace_back(std::string(h.name), std::string(*s));
    out.payload.assign(m.payload.begin(), m.payload.end());
    return out;
}

} // namespace

TEST_CASE("bidi frames: the JS SDK's captured request body, byte for byte from the events' JSON", "[protocol][bidi]")
{
    const auto doc = load_capture();
    const auto& c = doc.at("credentials").as_object();
    const auth::credentials creds{str(c.at("accessKeyId")), str(c.at("secretAccessKey")), {}, {}};
    const auto& frames = doc.at("frames").as_array();
    REQUIRE(frames.size() == 3); // two events, then the end frame

    // Seeded as the stream seeds it: the request's signature, its credentials, region and service.
    protocol::input_stream body(
        auth::event_signer(str(doc.at("request_signature")), creds, str(doc.at("region")), str(doc.at("service"))));
    REQUIRE(body.signs());

    std::vector<std::uint8_t> wire, expected;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        const auto& f = frames[i].as_object();
        const auto frame = test::from_hex(f.at("outer_frame_hex").as_string());
        expected.insert(expected.end(), frame.begin(), frame.end());
        const auto now = from_epoch_ms(f.at("date_epoch_ms").as_int64());
        std::vector<std::uint8_t> ours;
        if (i + 1 < frames.size()) {
            // From the model's JSON, as a caller hands it to send().
            const auto json = str(f.at("inner_message").at("payload_bytes_decoded"));
            REQUIRE_FALSE(body.event(chunk(json), now, ours));
        } else {
            REQUIRE_FALSE(body.end(now, ours));
        }
        CHECK(test::to_hex(ours) == test::to_hex(frame));
        wire.insert(wire.end(), ours.begin(), ours.end());
    }
    CHECK(test::to_hex(wire) == test::to_hex(expected));
}

TEST_CASE("bidi frames: appended to what the buffer holds, and the chain advances per event", "[protocol][bidi]")
{
    const auth::credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
    const std::string seed(64, 'a');
    protocol::input_stream a(auth::event_signer(seed, creds, "us-east-1"));
    protocol::input_stream b(auth::event_signer(seed, creds, "us-east-1"));
    const auto t = from_epoch_ms(1736944245250); // milliseconds are kept in :date, as the JS SDK does

    std::vector<std::uint8_t> one, two;
    REQUIRE_FALSE(a.event(chunk(R"({"event":{}})"), t, one));
    const std::size_t first = one.size();
    REQUIRE_FALSE(a.event(chunk(R"({"event":{}})"), t, one));
    REQUIRE_FALSE(b.event(chunk(R"({"event":{}})"), t, two));
    REQUIRE(one.size() == 2 * first);
    CHECK(std::equal(two.begin(), two.end(), one.begin())); // the first frame: the same
    CHECK_FALSE(std::equal(two.begin(), two.end(), one.begin() + static_cast<std::ptrdiff_t>(first))); // chained

    // The outer frame: :date then :chunk-signature, the inner message as payload.
    const auto outer = decode_one(two);
    CHECK(outer.header_count == 2);
    const auto inner = decode_one(outer.payload);
    CHECK(inner.string_headers == std::vector<std::pair<std::string, std::string>>{
                                      {":event-type", "chunk"},
                                      {":message-type", "event"},
                                      {":content-type", "application/json"}});
    CHECK(std::string(inner.payload.begin(), inner.payload.end()) == R"({"bytes":"eyJldmVudCI6e319"})");
}

TEST_CASE("bidi frames: bearer token: the inner messages alone, no end frame", "[protocol][bidi]")
{
    protocol::input_stream body;
    REQUIRE_FALSE(body.signs());
    std::vector<std::uint8_t> out;
    REQUIRE_FALSE(body.event(chunk(R"({"event":{"sessionEnd":{}}})"), std::chrono::system_clock::now(), out));
    const auto m = decode_one(out);
    CHECK(m.header_count == 3);
    CHECK(m.string_headers.at(0) == std::pair<std::string, std::string>{":event-type", "chunk"});
    CHECK(std::string(m.payload.begin(), m.payload.end()) == R"({"bytes":"eyJldmVudCI6eyJzZXNzaW9uRW5kIjp7fX19"})");

    const auto size = out.size();
    REQUIRE_FALSE(body.end(std::chrono::system_clock::now(), out));
    CHECK(out.size() == size);
}

TEST_CASE("bidi frames: an event that cannot be framed is refused and leaves the chain as it was", "[protocol][bidi]")
{
    const auth::credentials creds{"AKID", "secret", {}, {}};
    const std::string seed(64, 'b');
    protocol::input_stream a(auth::event_signer(seed, creds, "us-east-1"));
    protocol::input_stream b(auth::event_signer(seed, creds, "us-east-1"));
    const auto t = from_epoch_ms(1736944245000);

    std::vector<std::uint8_t> out;
    diagnostics diag;
    invoke_model_with_bidirectional_stream_input nameless{invoke_model_with_bidirectional_stream_input_unknown{}};
    CHECK(a.event(nameless, t, out, &diag));
    CHECK(out.empty());
    CHECK_FALSE(diag.client_message.empty());

    std::vector<std::uint8_t> x, y;
    REQUIRE_FALSE(a.event(chunk("{}"), t, x));
    REQUIRE_FALSE(b.event(chunk("{}"), t, y));
    CHECK(x == y);
}

} // namespace bidi_frames_test
