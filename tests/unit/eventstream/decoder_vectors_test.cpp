// Every third-party event-stream vector, each with its expected outcome, decoded whole and ground
// through every slicing (see eventstream_test_support.hpp). Each test counts the files it ran.

#include "eventstream_test_support.hpp"

#include <map>

namespace decoder_vectors_test {

using namespace bedrock::test::es;

namespace {

using ec_t = boost::system::error_code;

/// The checks every positive single-frame vector gets: decodes to `expected` in any slicing, the frame
/// is the whole input, parse_message agrees, and re-encoding gives the same bytes.
void check_positive(const bytes& in, const message& expected, const json::object* fields = nullptr)
{
    const auto got = decode_whole(view(in));
    REQUIRE(got.violation.empty());
    REQUIRE_FALSE(got.ec);
    REQUIRE(got.messages.size() == 1);
    CHECK(got.messages[0] == expected);
    CHECK(got.frames[0] == in);
    if (fields)
        check_frame_fields(got.frames[0], *fields);
    grind(view(in), got);
    std::vector<header_view> hs;
    message_view mv;
    REQUIRE_FALSE(parse_message(view(in), hs, mv));
    CHECK(message::from(mv) == expected);
    check_reencode(in);
}

/// Every negative vector: the expected error, no message, in any slicing; parse_message agrees when
/// the file is exactly one frame long.
void check_negative(const bytes& in, ec_t expected)
{
    const auto got = decode_whole(view(in));
    CHECK(got.violation.empty());
    CHECK(got.messages.empty());
    CHECK(got.ec == expected);
    grind(view(in), got);
    if (in.size() >= 12 && be32(in.data()) == in.size()) {
        std::vector<header_view> hs;
        message_view mv;
        CHECK(parse_message(view(in), hs, mv) == expected);
    }
}

/// aws-sdk-go's error texts, and smithy-rs's error names, as our codes.
ec_t code_for(std::string_view upstream)
{
    if (upstream == "Prelude checksum mismatch" || upstream.starts_with("PreludeChecksumMismatch"))
        return error::prelude_crc_mismatch;
    if (upstream == "Message checksum mismatch" || upstream.starts_with("MessageChecksumMismatch"))
        return error::message_crc_mismatch;
    if (upstream == "InvalidHeadersLength")
        return error::headers_length_exceeds_message;
    if (upstream == "DuplicateHeader")
        return error::duplicate_header;
    if (upstream == "InvalidPayloadLength")
        return error::message_too_long;
    FAIL("no mapping for upstream error " << upstream);
    return {};
}

} // namespace

TEST_CASE("eventstream vectors: aws-sdk-go positive", "[eventstream][vectors]")
{
    int count = 0;
    for (const auto& file : files_in("eventstream/aws-sdk-go/testdata/encoded/positive")) {
        const std::string name = file.filename().string();
        INFO(name);
        const auto j = read_json("eventstream/aws-sdk-go/testdata/decoded/positive/" + name).as_object();
        message expected{headers_from_array(j.at("headers").as_array(), text::base64),
                         from_base64(j.at("payload").as_string())};
        check_positive(read_bytes(file), expected, &j);
        ++count;
    }
    CHECK(count == 5);
}

TEST_CASE("eventstream vectors: aws-sdk-go negative", "[eventstream][vectors]")
{
    int count = 0;
    for (const auto& file : files_in("eventstream/aws-sdk-go/testdata/encoded/negative")) {
        const std::string name = file.filename().string();
        INFO(name);
        auto upstream = read_text(vector_path("eventstream/aws-sdk-go/testdata/decoded/negative/" + name));
        while (!upstream.empty() && (upstream.back() == '\n' || upstream.back() == '\r'))
            upstream.pop_back();
        check_negative(read_bytes(file), code_for(upstream));
        ++count;
    }
    CHECK(count == 4);
}

TEST_CASE("eventstream vectors: botocore", "[eventstream][vectors]")
{
    // botocore's "ChecksumMismatch" covers both CRCs; which one each file breaks, by inspection.
    // corrupted_length: its total length 0x0100001D is also over the 16 MiB default, but the decoder
    // checks the prelude CRC first, so a flipped bit is reported as the corruption it is.
    const std::map<std::string, ec_t> checksum_cases = {
        {"CORRUPTED_HEADER_LENGTH", error::prelude_crc_mismatch},
        {"CORRUPTED_HEADERS", error::message_crc_mismatch},
        {"CORRUPTED_LENGTH", error::prelude_crc_mismatch},
        {"CORRUPTED_PAYLOAD", error::message_crc_mismatch},
    };
    // botocore's JSON lists headers without types: the test names carry them.
    auto type_for = [](std::string_view name, const json::value& v) {
        if (name.size() == 1 && name[0] >= '0' && name[0] <= '9')
            return static_cast<header_type>(name[0] - '0');
        if (name == "byte") return header_type::byte;
        if (name == "short") return header_type::int16;
        if (name == "integer") return header_type::int32;
        if (name == "long") return header_type::int64;
        if (v.is_string()) return header_type::string;
        throw std::invalid_argument("no type for botocore header " + std::string(name));
    };

    int positive = 0, negative = 0;
    const auto vectors = read_json("eventstream/botocore/vectors.json").as_object();
    for (const auto& [key, v] : vectors) {
        INFO(std::string(key));
        const auto& j = v.as_object();
        if (j.at("file").is_null())
            continue; // INVALID_PAYLOAD_LENGTH, below
        const auto in = read_bytes(vector_path("eventstream/botocore/" + std::string(j.at("file").as_string())));
        CHECK(in.size() == j.at("encoded_len").to_number<std::size_t>());
        if (j.at("kind").as_string() == "positive") {
            message expected;
            for (const auto& [name, value] : j.at("headers").as_object())
                expected.headers.push_back({std::string(name), value_from_json(type_for(name, value), value, text::plain)});
            expected.payload = from_base64(j.at("payload_b64").as_string());
            check_positive(in, expected, &j);
            ++positive;
        } else {
            const std::string_view upstream = j.at("expected_error").as_string();
            check_negative(in, upstream == "ChecksumMismatch" ? checksum_cases.at(std::string(key)) : code_for(upstream));
            ++negative;
        }
    }
    CHECK(positive == 9);
    CHECK(negative == 6);
    CHECK(files_in("eventstream/botocore/encoded/positive").size() == 9);
    CHECK(files_in("eventstream/botocore/encoded/negative").size() == 6);
}

TEST_CASE("eventstream vectors: botocore INVALID_PAYLOAD_LENGTH (24 MiB frame)", "[eventstream][vectors]")
{
    const auto j = read_json("eventstream/botocore/vectors.json").at("INVALID_PAYLOAD_LENGTH").as_object();
    bytes in = from_hex(j.at("prefix_hex").as_string());
    in.resize(in.size() + 24 * 1024 * 1024 + 1, '0');
    const auto suffix = from_hex(j.at("suffix_hex").as_string());
    in.insert(in.end(), suffix.begin(), suffix.end());
    REQUIRE(in.size() == j.at("encoded_len").to_number<std::size_t>());
    CHECK(code_for(j.at("expected_error").as_string()) == error::message_too_long);

    // Refused from the prelude alone: nothing of the payload is taken or buffered.
    decoder d;
    const auto r = d.feed(view(in));
    CHECK(r.state == decoder::status::error);
    CHECK(d.error() == error::message_too_long);
    CHECK(r.consumed <= 12);
    CHECK(d.buffered() <= 12);
    CHECK(decode_random(view(in), 7, 100000) == decode_whole(view(in)));
}

TEST_CASE("eventstream vectors: smithy-rs", "[eventstream][vectors]")
{
    const auto expected_json = read_json("eventstream/smithy-rs/expected.json").as_object();
    // The JS codec's decode of the two valid vectors frame.rs makes no content assertions about.
    std::map<std::string, json::object> js;
    const auto crosscheck = read_json("eventstream/js-codec-crosscheck.json");
    for (const auto& e : crosscheck.as_array())
        if (e.as_object().contains("decoded"))
            js[std::string(e.at("file").as_string())] = e.at("decoded").as_object();

    int valid = 0, invalid = 0;
    for (const auto& file : files_in("eventstream/smithy-rs/test_data")) {
        const std::string name = file.filename().string();
        INFO(name);
        const auto& e = expected_json.at(name).as_object();
        const auto in = read_bytes(file);
        if (e.at("valid").as_bool()) {
            message expected;
            if (e.contains("headers_in_order")) {
                for (const auto& h : e.at("headers_in_order").as_array()) {
                    const auto& t = h.as_array();
                    expected.headers.push_back({std::string(t[0].as_string()), value_from_json(type_from_json(t[1]), t[2], text::plain)});
                }
                expected.payload = to_bytes(e.at("payload").as_string());
                // frame.rs round_trip_all_headers_payload: encoding the expected message is byte-exact.
                bytes out;
                REQUIRE_FALSE(encode(expected, out));
                CHECK(out == in);
            } else {
                const auto& d = js.at("test_data/" + name);
                expected.headers = headers_from_object(d.at("headers").as_object(), text::plain);
                expected.payload = from_hex(d.at("payload_hex").as_string());
            }
            check_positive(in, expected);
            ++valid;
        } else {
            // The header-error vectors also carry a wrong message CRC (see INDEX.md); the decoder checks
            // the CRC before parsing headers, so that is what it reports for them.
            const std::string_view upstream = e.at("error").as_string();
            const bool header_error = upstream.starts_with("InvalidHeaderValue") ||
                                      upstream == "InvalidHeaderNameLength" || upstream == "InvalidUtf8String";
            if (header_error)
                CHECK(be32(in.data() + 8) == zcrc(in.data(), 8)); // the prelude itself is intact
            check_negative(in, header_error ? ec_t{error::message_crc_mismatch} : code_for(upstream));
            ++invalid;
        }
    }
    CHECK(valid == 3);
    CHECK(invalid == 8);
}

TEST_CASE("eventstream vectors: derived-crc-fixed header errors", "[eventstream][vectors]")
{
    const std::map<std::string, ec_t> expected = {
        {"invalid_header_name_length.crc_fixed", error::invalid_header_name_length},      // name length 255
        {"invalid_header_string_length_cut_off.crc_fixed", error::header_value_truncated}, // 1 of 2 length bytes
        {"invalid_header_string_value_length.crc_fixed", error::header_value_truncated},  // length 0xFFFF
        {"invalid_header_value_type.crc_fixed", error::unknown_header_type},              // type 0x60
        {"invalid_headers_length.crc_fixed", error::headers_length_exceeds_message},
    };
    const auto derived = read_json("eventstream/derived-crc-fixed/derived.json").as_object();
    int count = 0;
    for (const auto& file : files_in("eventstream/derived-crc-fixed")) {
        const std::string name = file.filename().string();
        if (!name.ends_with(".crc_fixed"))
            continue;
        INFO(name);
        const auto in = read_bytes(file);
        const auto& d = derived.at(name).as_object();
        CHECK(be32(in.data()) == d.at("total_length").to_number<std::uint32_t>());
        CHECK(be32(in.data() + 4) == d.at("headers_length").to_number<std::uint32_t>());
        CHECK(be32(in.data() + in.size() - 4) == zcrc(in.data(), in.size() - 4)); // really fixed
        check_negative(in, expected.at(name));
        ++count;
    }
    CHECK(count == 5);
}

TEST_CASE("eventstream vectors: agree with the JS codec cross-check", "[eventstream][vectors]")
{
    // Every upstream file: we decode exactly those the JS codec (and upstream) decode, except
    // duplicate_header, which the JS codec accepts and we reject like botocore.
    int count = 0;
    const auto crosscheck = read_json("eventstream/js-codec-crosscheck.json");
    for (const auto& e : crosscheck.as_array()) {
        const auto& o = e.as_object();
        const std::string path = std::string(o.at("source").as_string()) + "/" +
                                 (o.at("source").as_string() == "aws-sdk-go" ? "testdata/" : "") +
                                 std::string(o.at("file").as_string());
        INFO(path);
        const auto in = read_bytes(vector_path("eventstream/" + path));
        const auto got = decode_whole(view(in));
        const bool upstream_decodes = o.at("expected").as_string() == "decode";
        CHECK(upstream_decodes == !got.ec);
        CHECK(o.at("agree").as_bool() == (path != "botocore/encoded/negative/duplicate_header"));
        if (const auto* d = o.if_contains("decoded")) {
            REQUIRE(got.messages.size() == 1);
            const message js{headers_from_object(d->at("headers").as_object(), text::plain),
                             from_hex(d->at("payload_hex").as_string())};
            CHECK(got.messages[0] == js);
        }
        ++count;
    }
    CHECK(count == 35);
}

namespace {

/// A recorded or generated body: decodes to exactly the frames described, whole, one byte at a time,
/// and in seeded random slices; every frame alone also survives every two-way split.
void check_stream(const bytes& in, const json::array& frames, text enc)
{
    const auto got = decode_whole(view(in));
    REQUIRE(got.violation.empty());
    REQUIRE_FALSE(got.ec);
    REQUIRE(got.messages.size() == frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        const auto& f = frames[i].as_object();
        const message expected{headers_from_object(f.at("headers").as_object(), enc),
                               to_bytes(f.at("payload_utf8").as_string())};
        CHECK(got.messages[i] == expected);
        const auto offset = f.at("offset").to_number<std::size_t>();
        REQUIRE(offset + got.frames[i].size() <= in.size());
        CHECK(std::equal(got.frames[i].begin(), got.frames[i].end(), in.begin() + static_cast<std::ptrdiff_t>(offset)));
        check_frame_fields(got.frames[i], f);
        grind(view(got.frames[i]), outcome{{got.messages[i]}, {got.frames[i]}, {}, {}});
        check_reencode(got.frames[i]);
    }
    CHECK(decode_bytewise(view(in)) == got);
    for (unsigned seed = 1; seed <= 8; ++seed)
        for (std::size_t max_slice : {2, 7, 100, 4096}) {
            INFO("seed " << seed << ", slices up to " << max_slice);
            CHECK(decode_random(view(in), seed, max_slice) == got);
        }
}

} // namespace

TEST_CASE("eventstream vectors: generated Bedrock streams", "[eventstream][vectors]")
{
    const auto j = read_json("bedrock-streams/streams.json");
    int streams = 0;
    std::size_t frames = 0;
    for (const auto& [name, s] : j.at("streams").as_object()) {
        INFO(std::string(name));
        const auto in = read_bytes(vector_path("bedrock-streams/" + std::string(s.at("file").as_string())));
        CHECK(in.size() == s.at("total_bytes").to_number<std::size_t>());
        const auto& fs = s.at("frames").as_array();
        CHECK(fs.size() == s.at("frame_count").to_number<std::size_t>());
        check_stream(in, fs, text::plain);
        ++streams;
        frames += fs.size();
    }
    CHECK(streams == 9);
    CHECK(frames == 36);
    CHECK(files_in("bedrock-streams").size() == 10); // 9 bodies + streams.json
}

TEST_CASE("eventstream vectors: recorded dd-trace-py bodies", "[eventstream][vectors]")
{
    int bodies = 0;
    std::size_t frames = 0;
    for (const auto& file : files_in("recorded/dd-trace-py")) {
        if (!file.string().ends_with(".decoded.json"))
            continue;
        const auto recording = parse_json_file(file);
        for (const auto& it : recording.at("interactions").as_array()) {
            const auto* body = it.as_object().if_contains("response_body_file");
            if (!body)
                continue;
            INFO(std::string(body->as_string()));
            const auto& fs = it.at("frames").as_array();
            check_stream(read_bytes(file.parent_path() / std::string(body->as_string())), fs, text::plain);
            ++bodies;
            frames += fs.size();
        }
    }
    CHECK(bodies == 3);
    CHECK(frames == 23 + 32 + 60);
}

} // namespace decoder_vectors_test
