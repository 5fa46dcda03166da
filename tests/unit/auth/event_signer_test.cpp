// Event-stream signing ("AWS4-HMAC-SHA256-PAYLOAD"): every vector of event-signing/, including the
// JS SDK's captured InvokeModelWithBidirectionalStream frames, reproduced byte for byte.

#include "auth_test_support.hpp"
#include "support/vectors.hpp"

#include <bedrock/auth/event_signer.hpp>
#include <bedrock/auth/sigv4.hpp>

#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

#include <catch2/catch.hpp>

namespace event_signer_test {

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

// The payload of an outer frame (the inner message), read from its prelude.
std::vector<std::uint8_t> frame_payload(const std::vector<std::uint8_t>& frame)
{
    REQUIRE(frame.size() >= 16);
    const auto be32 = [&](std::size_t at) {
        return std::uint32_t(frame[at]) << 24 | std::uint32_t(frame[at + 1]) << 16 |
               std::uint32_t(frame[at + 2]) << 8 | std::uint32_t(frame[at + 3]);
    };
    const std::uint32_t total = be32(0), headers = be32(4);
    REQUIRE(total == frame.size());
    return {frame.begin() + 12 + headers, frame.end() - 4};
}

} // namespace

TEST_CASE("event signing: Bedrock vectors v1..v3 (ms :date, end frame)", "[auth][event]")
{
    const auto doc = load("event_signing_vectors.json");
    const auto& vectors = doc.at("vectors").as_array();
    REQUIRE(vectors.size() == 3);

    std::optional<auth::event_signer> chained; // the three vectors are one chain
    for (const auto& vv : vectors) {
        const auto& v = vv.as_object();
        INFO("vector: " << str(v.at("name")));
        const auth::credentials creds{str(v.at("credentials").at("accessKeyId")),
                                      str(v.at("credentials").at("secretAccessKey")), {}, {}};
        const auto t = test::parse_time(v.at("signing_date").as_string());
        const auto payload = test::from_hex(v.at("payload_hex").as_string());

        CHECK(std::chrono::floor<std::chrono::milliseconds>(t).time_since_epoch().count() ==
              v.at("date_header_epoch_ms").as_int64());
        const auto date_header = auth::encode_date_header(std::chrono::floor<std::chrono::milliseconds>(t));
        CHECK(test::to_hex(date_header) == str(v.at("date_header_bytes_hex")));

        auth::event_signer s(str(v.at("prior_signature")), creds, str(v.at("region")), str(v.at("service")));
        CHECK(s.prior_signature() == str(v.at("prior_signature")));
        auth::event_signature sig;
        REQUIRE_FALSE(s.sign(payload, t, sig));
        CHECK(s.string_to_sign() == str(v.at("string_to_sign")));
        CHECK(test::to_hex(sig.signature) == str(v.at("signature")));
        CHECK(sig.date.time_since_epoch().count() == v.at("date_header_epoch_ms").as_int64());
        CHECK(s.prior_signature() == str(v.at("signature")));

        // The whole outer frame, from a fresh signer at the same point of the chain.
        auth::event_signer f(str(v.at("prior_signature")), creds, str(v.at("region")), str(v.at("service")));
        std::vector<std::uint8_t> frame{0xaa}; // appended to, not overwritten
        REQUIRE_FALSE(f.sign_frame(payload, t, frame));
        CHECK(frame.front() == 0xaa);
        frame.erase(frame.begin());
        CHECK(test::to_hex(frame) == str(v.at("signed_frame_hex")));

        if (!chained)
            chained.emplace(str(v.at("prior_signature")), creds, str(v.at("region")), str(v.at("service")));
        CHECK(chained->prior_signature() == str(v.at("prior_signature")));
        std::vector<std::uint8_t> chained_frame;
        REQUIRE_FALSE(chained->sign_frame(payload, t, chained_frame));
        CHECK(test::to_hex(chained_frame) == str(v.at("signed_frame_hex")));
    }
    CHECK(chained->key_derivations() == 1); // one day, one key
}

TEST_CASE("event signing: aws-c-auth test_event_signing.c (request seed + A, B, C, end)", "[auth][event]")
{
    const auto doc = load("event_signing_vectors.json");
    const auto& x = doc.at("crosschecks").at("aws-c-auth/tests/test_event_signing.c").as_object();
    const auto& in = x.at("inputs").as_object();
    const auto& expected = x.at("expected").as_object();
    const auth::credentials creds{str(in.at("access_key_id")), str(in.at("secret_access_key")), {}, {}};

    // The HTTP request that seeds the chain: POST /streaming, signed at 1981-01-16T06:30:00Z with
    // content-encoding, host and the streaming payload hash (see js_sdk.request_authorization).
    auth::signing_options opts;
    opts.region = str(in.at("region"));
    opts.service = str(in.at("service"));
    opts.add_content_sha256 = true;
    const auth::http_header headers[] = {
        {"host", "demo.us-east-1.amazonaws.com"},
        {"content-encoding", "application/vnd.amazon.eventstream"},
    };
    auth::request req;
    req.method = "POST";
    req.path = "/streaming";
    req.headers = headers;
    req.payload_hash = auth::streaming_events_payload;
    auth::signer http(opts);
    auth::signing_result r;
    REQUIRE_FALSE(http.sign(req, creds, test::parse_time("1981-01-16T06:30:00Z"), r));
    CHECK(r.signature == str(expected.at("request")));
    CHECK(r.authorization == str(x.at("js_sdk").at("request_authorization")));

    auth::event_signer s(r.signature, creds, opts.region, opts.service);
    const auto& payloads = in.at("chunk_payloads").as_array();
    const auto& dates = in.at("chunk_dates").as_array();
    const auto& chunks = expected.at("chunks").as_array();
    REQUIRE(payloads.size() == 4);
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        INFO("chunk " << i);
        const std::string payload = str(payloads[i]); // raw bytes, the last one empty (end of stream)
        auth::event_signature sig;
        REQUIRE_FALSE(s.sign(test::as_bytes(payload), test::parse_time(dates[i].as_string()), sig));
        CHECK(test::to_hex(sig.signature) == str(chunks[i]));
    }
}

TEST_CASE("event signing: aws-sdk-go stream_test.go (raw headers bytes)", "[auth][event]")
{
    const auto doc = load("event_signing_vectors.json");
    const auto& x = doc.at("crosschecks").at("aws-sdk-go/aws/signer/v4/stream_test.go").as_object();
    const auto& in = x.at("inputs").as_object();
    // The credentials are not in the JSON; upstream's test uses the suite's example key pair.
    const auth::credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
    auth::event_signer s(str(in.at("seed_signature")), creds, str(in.at("region")), str(in.at("service")));
    const auto t = test::parse_time(in.at("date").as_string());
    const auto& chunks = in.at("chunks").as_array();
    const auto& expected = x.at("expected").as_array();
    REQUIRE(chunks.size() == 2);
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        INFO("chunk " << i);
        const std::string h = str(chunks[i].at("headers")), p = str(chunks[i].at("payload"));
        auth::signature_bytes sig;
        REQUIRE_FALSE(s.sign_raw(test::as_bytes(h), test::as_bytes(p), t, sig));
        CHECK(test::to_hex(sig) == str(expected[i]));
    }
}

TEST_CASE("event signing: smithy-rs event_stream.rs (whole-second :date)", "[auth][event]")
{
    const auto doc = load("event_signing_vectors.json");
    const auto& x = doc.at("crosschecks").at("smithy-rs/aws/rust-runtime/aws-sigv4/src/event_stream.rs").as_object();
    const auto& in = x.at("inputs").as_object();

    // "Credentials::for_tests() = ANOTREAL / notrealrnrELgWzOk3IfjzDKtFBhDby"
    const std::string described = str(in.at("credentials"));
    const auto eq = described.find(" = "), slash = described.find(" / ");
    REQUIRE((eq != std::string::npos && slash != std::string::npos));
    const auth::credentials creds{described.substr(eq + 3, slash - eq - 3), described.substr(slash + 3), {}, {}};

    // Region and service are those of the expected string to sign's scope line.
    const std::string expected_sts = str(x.at("expected_string_to_sign"));
    std::vector<std::string> lines;
    for (std::size_t pos = 0;;) {
        const auto nl = expected_sts.find('\n', pos);
        lines.push_back(expected_sts.substr(pos, nl == std::string::npos ? nl : nl - pos));
        if (nl == std::string::npos)
            break;
        pos = nl + 1;
    }
    REQUIRE(lines.size() == 6);
    const auto s1 = lines[2].find('/'), s2 = lines[2].find('/', s1 + 1), s3 = lines[2].find('/', s2 + 1);
    const std::string region = lines[2].substr(s1 + 1, s2 - s1 - 1), service = lines[2].substr(s2 + 1, s3 - s2 - 1);
    CHECK(region == "us-east-1");
    CHECK(service == "testservice");

    // UNIX_EPOCH + 123456789 s + 1234 ns; smithy-rs drops the sub-seconds before encoding :date.
    const auto t = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(123456789s + 1234ns));
    auth::event_signer s(str(in.at("last_signature")), creds, region, service);
    auth::event_signature sig;
    REQUIRE_FALSE(s.sign(test::from_hex(in.at("inner_message_hex").as_string()),
                         std::chrono::floor<std::chrono::seconds>(t), sig));
    CHECK(s.string_to_sign() == expected_sts);
    CHECK(test::to_hex(sig.signature) == str(x.at("js_sdk_signature_for_same_inputs")));
    CHECK(sig.date.time_since_epoch().count() == 123456789000);
}

TEST_CASE("event signing: JS SDK InvokeModelWithBidirectionalStream capture, byte for byte", "[auth][event]")
{
    const auto doc = load("sdk_captured_bidi_stream.json");
    const auto& c = doc.at("credentials").as_object();
    const auth::credentials creds{str(c.at("accessKeyId")), str(c.at("secretAccessKey")), {}, {}};
    const auto& http = doc.at("http_request").as_object();
    const auto& recorded = http.at("headers").as_object();

    // The HTTP request, signed as the SDK did (HTTP/2: :authority rather than host is signed).
    auth::signing_options opts;
    opts.region = str(doc.at("region"));
    opts.service = str(doc.at("service"));
    std::vector<auth::http_header> headers;
    for (const char* name : {":authority", "amz-sdk-invocation-id", "amz-sdk-request", "content-type",
                             "x-amz-content-sha256", "x-amz-user-agent"})
        headers.push_back({name, std::string_view(recorded.at(name).as_string())});
    auth::request req;
    req.method = std::string_view(http.at("method").as_string());
    req.path = std::string_view(http.at("path").as_string());
    req.headers = headers;
    req.payload_hash = auth::streaming_events_payload;
    const auto request_time = test::parse_amz_date(recorded.at("x-amz-date").as_string());
    auth::signer signer(opts);
    auth::signing_result r;
    REQUIRE_FALSE(signer.sign(req, creds, request_time, r));
    CHECK(r.canonical_request == str(doc.at("canonical_request")));
    CHECK(r.string_to_sign == str(doc.at("string_to_sign")));
    CHECK(r.signature == str(doc.at("request_signature")));
    CHECK(r.authorization == str(recorded.at("authorization")));

    // The frames: two events, then the empty end frame, chained from the request signature.
    auth::event_signer es(r.signature, creds, opts.region, opts.service);
    const auto& frames = doc.at("frames").as_array();
    REQUIRE(frames.size() == 3);
    std::vector<std::uint8_t> wire;
    std::vector<std::uint8_t> expected_wire;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        const auto& f = frames[i].as_object();
        const auto expected = test::from_hex(f.at("outer_frame_hex").as_string());
        expected_wire.insert(expected_wire.end(), expected.begin(), expected.end());
        const auto inner = frame_payload(expected);
        CHECK(es.prior_signature() == str(f.at("prior_signature")));
        const auto t = from_epoch_ms(f.at("date_epoch_ms").as_int64());
        if (i + 1 < frames.size()) {
            REQUIRE_FALSE(inner.empty());
            REQUIRE_FALSE(es.sign_frame(inner, t, wire));
        } else {
            REQUIRE(inner.empty()); // the end frame
            REQUIRE_FALSE(es.sign_end_frame(t, wire));
        }
        CHECK(es.string_to_sign() == str(f.at("string_to_sign")));
        CHECK(es.prior_signature() == str(f.at("chunk_signature")));
    }
    CHECK(test::to_hex(wire) == test::to_hex(expected_wire));

    // The same stream as the harness recorded it (its body_frames_hex).
    const auto harness =
        boost::json::parse(test::read_text(test::vector_path("sdk-behaviour/sdk_harness_results.json")))
            .as_object();
    const auto& bidi = harness.at("results").at("InvokeModelWithBidirectionalStream").at("request").as_object();
    std::string harness_wire;
    for (const auto& h : bidi.at("body_frames_hex").as_array())
        harness_wire += str(h);
    CHECK(test::to_hex(wire) == harness_wire);
}

TEST_CASE("event signing: seed parsing, errors and key cache", "[auth][event]")
{
    const auth::credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
    const std::string seed = "f144bea03b84bf14cf214872572c734e5aa6be9469d927230be7360566521fab";

    auth::signature_bytes bytes;
    CHECK_FALSE(auth::parse_signature(seed, bytes));
    CHECK(test::to_hex(bytes) == seed);
    std::string upper = seed;
    for (auto& ch : upper)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CHECK_FALSE(auth::parse_signature(upper, bytes));
    CHECK(test::to_hex(bytes) == seed);
    CHECK(auth::parse_signature(seed.substr(1), bytes) == auth::error::invalid_signature);
    CHECK(auth::parse_signature(seed.substr(0, 63) + "g", bytes) == auth::error::invalid_signature);
    CHECK_THROWS_AS(auth::event_signer("not hex", creds, "us-east-1"), boost::system::system_error);

    auth::event_signer from_bytes(bytes, creds, "us-east-1");
    CHECK(from_bytes.prior_signature() == seed);

    // Missing credentials: an error, and the chain is untouched.
    auth::event_signer empty(seed, auth::credentials{}, "us-east-1");
    auth::event_signature sig;
    CHECK(empty.sign({}, std::chrono::system_clock::time_point{}, sig) == auth::error::missing_credentials);
    CHECK(empty.prior_signature() == seed);
    std::vector<std::uint8_t> out;
    CHECK(empty.sign_frame({}, std::chrono::system_clock::time_point{}, out) == auth::error::missing_credentials);
    CHECK(out.empty());
    empty.set_credentials(creds);
    CHECK_FALSE(empty.sign({}, std::chrono::system_clock::time_point{}, sig));
    CHECK(empty.prior_signature() != seed);

    // One derivation per UTC day, even across many events.
    auth::event_signer s(seed, creds, "us-east-1");
    const auto t0 = test::parse_time("2025-01-15T23:59:58Z");
    for (int i = 0; i < 5; ++i)
        REQUIRE_FALSE(s.sign({}, t0 + std::chrono::milliseconds(300 * i), sig));
    CHECK(s.key_derivations() == 1);
    REQUIRE_FALSE(s.sign({}, t0 + 2s, sig)); // 2025-01-16
    CHECK(s.key_derivations() == 2);
    CHECK(s.string_to_sign().find("\n20250116/us-east-1/bedrock/aws4_request\n") != std::string::npos);
}

} // namespace event_signer_test
