// The decoder on hand-built frames (CRCs from zlib): each header rule, hostile preludes, limits,
// sticky errors, reset/finish, zero-copy decoding and walking several frames in one buffer.

#include "eventstream_test_support.hpp"

#include <limits>

namespace decoder_test {

using namespace bedrock::test::es;
using status = decoder::status;

namespace {

/// One raw header: name length byte, name, type byte, value bytes (all as given, unchecked).
bytes raw_header(std::string_view name, std::uint8_t type, const bytes& value = {})
{
    bytes h{static_cast<std::uint8_t>(name.size())};
    h.insert(h.end(), name.begin(), name.end());
    h.push_back(type);
    h.insert(h.end(), value.begin(), value.end());
    return h;
}

/// A string or byte-array value: 2-byte length, then the bytes.
bytes sized(std::string_view s)
{
    // Sized up front: gcc 12 at -O3 warns (wrongly, -Warray-bounds) on insert after a push_back.
    bytes v(2 + s.size());
    v[0] = static_cast<std::uint8_t>(s.size() >> 8);
    v[1] = static_cast<std::uint8_t>(s.size());
    std::copy(s.begin(), s.end(), v.begin() + 2);
    return v;
}

/// Decoded whole; the same error in every slicing.
boost::system::error_code error_of(const bytes& frame)
{
    const auto got = decode_whole(view(frame));
    CHECK(got.violation.empty());
    CHECK(got.messages.empty());
    grind(view(frame), got);
    return got.ec;
}

const bytes good = make_frame(concat({raw_header("a", 7, sized("x")), raw_header("b", 4, {0, 0, 0, 1})}),
                              to_bytes("payload"));

} // namespace

TEST_CASE("eventstream decoder: header rules", "[eventstream][decoder]")
{
    const bytes ok = raw_header("ok", 0);
    SECTION("every valid shape")
    {
        const bytes block = concat({raw_header("t", 0), raw_header("f", 1), raw_header("i8", 2, {0x80}),
                                    raw_header("i16", 3, {0x80, 0}), raw_header("i32", 4, {0xFF, 0xFF, 0xFF, 0xFE}),
                                    raw_header("i64", 5, {0x80, 0, 0, 0, 0, 0, 0, 0}), raw_header("b", 6, sized("")),
                                    raw_header("s", 7, sized("")), raw_header("ts", 8, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}),
                                    raw_header("u", 9, bytes(16, 0x5A)), raw_header(std::string(255, 'n'), 7, sized("v"))});
        const auto f = make_frame(block);
        const auto got = decode_whole(view(f));
        REQUIRE_FALSE(got.ec);
        REQUIRE(got.messages.size() == 1);
        const auto& h = got.messages[0].headers;
        REQUIRE(h.size() == 11);
        CHECK(h[0].value == header_value{true});
        CHECK(h[1].value == header_value{false});
        CHECK(h[2].value == header_value{std::int8_t{-128}});
        CHECK(h[3].value == header_value{std::int16_t{-32768}});
        CHECK(h[4].value == header_value{std::int32_t{-2}});
        CHECK(h[5].value == header_value{std::numeric_limits<std::int64_t>::min()});
        CHECK(h[6].value == header_value{bytes{}});
        CHECK(h[7].value == header_value{std::string{}});
        CHECK(h[8].value == header_value{timestamp{std::chrono::milliseconds{-1}}});
        uuid u;
        u.bytes.fill(0x5A);
        CHECK(h[9].value == header_value{u});
        CHECK(h[10].name.size() == 255);
        CHECK(got.messages[0].payload.empty());
        grind(view(f), got);
    }
    SECTION("names are compared exactly")
    {
        const auto f = make_frame(concat({raw_header("a", 0), raw_header("A", 0), raw_header("a ", 0)}));
        CHECK_FALSE(decode_whole(view(f)).ec);
    }
    SECTION("name length 0")
    {
        CHECK(error_of(make_frame(concat({ok, raw_header("", 0)}))) == error::invalid_header_name_length);
    }
    SECTION("name runs past the headers block")
    {
        // The name runs into the payload: the headers block ends first.
        CHECK(error_of(make_frame(bytes{5, 'a', 'b'}, to_bytes("payload"))) == error::invalid_header_name_length);
        CHECK(error_of(make_frame(concat({ok, bytes{1}}))) == error::invalid_header_name_length);
    }
    SECTION("type byte missing")
    {
        CHECK(error_of(make_frame(bytes{3, 'a', 'b', 'c'}, bytes{0, 0, 0})) == error::header_truncated);
        CHECK(error_of(make_frame(concat({ok, bytes{1, 'z'}}))) == error::header_truncated);
    }
    SECTION("unknown type")
    {
        for (std::uint8_t t : {10, 11, 0x60, 0xFF}) {
            INFO(int(t));
            CHECK(error_of(make_frame(concat({ok, raw_header("x", t, bytes(20, 0))}))) == error::unknown_header_type);
        }
    }
    SECTION("fixed-size value cut short by one byte")
    {
        const std::pair<std::uint8_t, std::size_t> types[] = {{2, 1}, {3, 2}, {4, 4}, {5, 8}, {8, 8}, {9, 16}};
        for (auto [t, size] : types) {
            INFO(int(t));
            // The missing byte exists in the payload, so only the headers-block bound can catch it.
            CHECK(error_of(make_frame(raw_header("v", t, bytes(size - 1, 1)), bytes(32, 2))) == error::header_value_truncated);
        }
    }
    SECTION("string or byte-array length, or value, past the block")
    {
        for (std::uint8_t t : {6, 7}) {
            INFO(int(t));
            CHECK(error_of(make_frame(raw_header("v", t), bytes(8, 0))) == error::header_value_truncated);
            CHECK(error_of(make_frame(raw_header("v", t, {0}), bytes(8, 0))) == error::header_value_truncated);
            CHECK(error_of(make_frame(raw_header("v", t, {0, 3, 'a', 'b'}), to_bytes("cdef"))) == error::header_value_truncated);
            CHECK(error_of(make_frame(raw_header("v", t, {0xFF, 0xFF, 'a'}))) == error::header_value_truncated);
        }
    }
    SECTION("a string or byte-array value longer than 32767 bytes: the encoder's limit, read side too")
    {
        for (std::uint8_t t : {6, 7}) {
            INFO(int(t));
            const std::string longest(32767, 'v');
            const auto fine = decode_whole(view(make_frame(raw_header("v", t, sized(longest)))));
            CHECK_FALSE(fine.ec);
            CHECK(fine.messages.size() == 1);
            const std::string over(32768, 'v');
            CHECK(error_of(make_frame(raw_header("v", t, sized(over)))) == error::header_value_too_long);
        }
    }
    SECTION("duplicate header, adjacent or not, same or different type")
    {
        CHECK(error_of(make_frame(concat({raw_header("d", 0), raw_header("d", 0)}))) == error::duplicate_header);
        CHECK(error_of(make_frame(concat({raw_header("d", 7, sized("x")), ok, raw_header("d", 4, {0, 0, 0, 0})}))) ==
              error::duplicate_header);
    }
    SECTION("the message CRC is checked before the headers are parsed")
    {
        bytes f = make_frame(raw_header("", 0xEE));
        f.back() ^= 1;
        CHECK(error_of(f) == error::message_crc_mismatch);
    }
}

TEST_CASE("eventstream decoder: prelude checks and hostile lengths", "[eventstream][decoder]")
{
    SECTION("total length 0xFFFFFFFF is refused from the 12-byte prelude, nothing more buffered")
    {
        const bytes p = prelude(0xFFFFFFFF, 0);
        decoder d;
        for (std::size_t i = 0; i < 11; ++i) {
            const auto r = d.feed({p.data() + i, 1});
            REQUIRE(r.state == status::need_more);
            REQUIRE(r.consumed == 1);
        }
        const auto r = d.feed({p.data() + 11, 1});
        CHECK(r.state == status::error);
        CHECK(d.error() == error::message_too_long);
        CHECK(d.buffered() <= 12);

        bytes more = concat({p, bytes(4096, 0)});
        decoder d2;
        CHECK(d2.feed(view(more)).state == status::error);
        CHECK(d2.error() == error::message_too_long);
        CHECK(d2.buffered() <= 12);
        CHECK(error_of(more) == error::message_too_long);
    }
    SECTION("total length below 16")
    {
        for (std::uint32_t total : {0u, 1u, 12u, 15u}) {
            INFO(total);
            CHECK(error_of(concat({prelude(total, 0), bytes(8, 0)})) == error::message_too_short);
        }
    }
    SECTION("headers length beyond total - 16")
    {
        CHECK(error_of(concat({prelude(16, 1), bytes(4, 0)})) == error::headers_length_exceeds_message);
        CHECK(error_of(concat({prelude(40, 25), bytes(28, 0)})) == error::headers_length_exceeds_message);
        CHECK(error_of(concat({prelude(40, 0xFFFFFFFF), bytes(28, 0)})) == error::headers_length_exceeds_message);
        // Refused without waiting for the frame's body.
        decoder d;
        const auto p = prelude(1000, 990);
        CHECK(d.feed(view(p)).state == status::error);
        CHECK(d.error() == error::headers_length_exceeds_message);
    }
    SECTION("prelude CRC is checked without waiting for the body")
    {
        bytes p = prelude(1000, 0);
        p[11] ^= 0x80;
        decoder d;
        CHECK(d.feed(view(p)).state == status::error);
        CHECK(d.error() == error::prelude_crc_mismatch);
        CHECK(error_of(concat({p, bytes(988, 0)})) == error::prelude_crc_mismatch);
    }
    SECTION("message CRC")
    {
        bytes f = good;
        f[f.size() - 8] ^= 1; // a payload byte
        CHECK(error_of(f) == error::message_crc_mismatch);
        f = good;
        f.back() ^= 1;
        CHECK(error_of(f) == error::message_crc_mismatch);
    }
    SECTION("a custom maximum is honoured, inclusively")
    {
        const auto at_limit = make_frame({}, bytes(48, 7)); // 64 bytes
        REQUIRE(at_limit.size() == 64);
        CHECK_FALSE(decode_whole(view(at_limit), 64).ec);
        const auto over = make_frame({}, bytes(49, 7));
        const auto got = decode_whole(view(over), 64);
        CHECK(got.ec == error::message_too_long);
        grind(view(over), got, 64);
        decoder d{64};
        CHECK(d.feed({over.data(), 12}).state == status::error);
        CHECK(d.error() == error::message_too_long);
        // The default limit: 16 MiB is allowed, one byte more is not.
        decoder big;
        CHECK(big.feed(view(prelude(16 * 1024 * 1024, 0))).state == status::need_more);
        decoder bigger;
        CHECK(bigger.feed(view(prelude(16 * 1024 * 1024 + 1, 0))).state == status::error);
        CHECK(bigger.error() == error::message_too_long);
    }
}

TEST_CASE("eventstream decoder: sticky errors, reset, finish", "[eventstream][decoder]")
{
    SECTION("an error is sticky until reset")
    {
        bytes bad = good;
        bad[9] ^= 1;
        decoder d;
        CHECK(d.feed(view(bad)).state == status::error);
        CHECK(d.error() == error::prelude_crc_mismatch);
        for (int i = 0; i < 2; ++i) {
            const auto r = d.feed(view(good));
            CHECK(r.state == status::error);
            CHECK(r.consumed == 0);
            CHECK(d.error() == error::prelude_crc_mismatch);
        }
        CHECK(d.finish() == error::prelude_crc_mismatch);
        d.reset();
        CHECK_FALSE(d.error());
        CHECK(d.buffered() == 0);
        CHECK(run(d, view(good), [] { return std::size_t{5}; }) == decode_whole(view(good)));
    }
    SECTION("reset drops a partial frame")
    {
        decoder d;
        CHECK(d.feed({good.data(), 20}).state == status::need_more);
        CHECK(d.buffered() == 20);
        d.reset();
        CHECK(d.buffered() == 0);
        CHECK_FALSE(d.finish());
        const auto r = d.feed(view(good));
        CHECK(r.state == status::message);
        CHECK(r.consumed == good.size());
    }
    SECTION("finish")
    {
        decoder d;
        CHECK_FALSE(d.finish()); // nothing fed
        CHECK(d.feed({}).state == status::need_more);
        CHECK(d.feed({}).consumed == 0);
        CHECK_FALSE(d.finish());
        CHECK(d.feed({good.data(), 5}).state == status::need_more); // inside the prelude
        CHECK(d.feed({}).state == status::need_more);
        CHECK(d.finish() == error::truncated_stream);
        CHECK(d.feed({good.data() + 5, 15}).state == status::need_more); // inside the body
        CHECK(d.finish() == error::truncated_stream);
        CHECK(d.feed({good.data() + 20, good.size() - 20}).state == status::message);
        CHECK_FALSE(d.finish()); // at a boundary, even right after a gathered frame
        CHECK(d.feed(view(good)).state == status::message);
        CHECK_FALSE(d.finish());
        // Every truncation of a valid frame ends in truncated_stream, in any slicing.
        for (std::size_t n = 1; n < good.size(); ++n) {
            const auto got = decode_whole({good.data(), n});
            if (got.ec != error::truncated_stream || !got.violation.empty()) {
                INFO("truncated to " << n);
                CHECK(got.ec == error::truncated_stream);
                CHECK(got.violation.empty());
            }
        }
    }
}

TEST_CASE("eventstream decoder: zero-copy and gathering", "[eventstream][decoder]")
{
    SECTION("a frame fed whole is decoded in place")
    {
        decoder d;
        const auto r = d.feed(view(good));
        REQUIRE(r.state == status::message);
        const auto& m = d.message();
        const auto* begin = good.data();
        const auto* end = good.data() + good.size();
        CHECK(m.frame.data() == begin);
        CHECK(m.frame.size() == good.size());
        CHECK(m.payload.data() >= begin);
        CHECK(m.payload.data() + m.payload.size() <= end);
        CHECK(m.payload.data() == end - 4 - 7);
        auto s = m.string_header("a");
        CHECK(s == "x");
        CHECK(reinterpret_cast<const std::uint8_t*>(s.data()) > begin);
        CHECK(reinterpret_cast<const std::uint8_t*>(m.headers[0].name.data()) > begin);
    }
    SECTION("a frame split across calls is gathered and decoded correctly")
    {
        for (std::size_t at = 1; at < good.size(); ++at) {
            decoder d;
            const auto r1 = d.feed({good.data(), at});
            REQUIRE(r1.state == status::need_more);
            const bytes rest(good.begin() + static_cast<std::ptrdiff_t>(at), good.end());
            const auto r2 = d.feed(view(rest));
            REQUIRE(r2.state == status::message);
            CHECK(r2.consumed == rest.size());
            const auto& m = d.message();
            CHECK(bytes(m.frame.begin(), m.frame.end()) == good);
            CHECK(bytes(m.payload.begin(), m.payload.end()) == to_bytes("payload"));
            CHECK(m.string_header("a") == "x");
        }
    }
    SECTION("a large payload, in random slices")
    {
        bytes payload(1 << 20);
        std::mt19937 rng{42};
        for (auto& b : payload)
            b = static_cast<std::uint8_t>(rng());
        const auto f = make_frame(raw_header("k", 7, sized("v")), payload);
        const auto whole = decode_whole(view(f));
        REQUIRE(whole.messages.size() == 1);
        CHECK(whole.messages[0].payload == payload);
        CHECK(decode_random(view(f), 3, 70000) == whole);
        CHECK(decode_random(view(f), 4, 1500) == whole);
    }
}

TEST_CASE("eventstream decoder: several frames in one buffer", "[eventstream][decoder]")
{
    std::vector<bytes> frames = {good, make_frame({}), make_frame(raw_header("n", 2, {9}), to_bytes("second")),
                                 make_frame({}, bytes(300, 3)), good};
    bytes all;
    for (const auto& f : frames)
        all.insert(all.end(), f.begin(), f.end());

    SECTION("consumed counts walk every frame, each decoded in place")
    {
        decoder d;
        byte_view rest = view(all);
        std::size_t offset = 0;
        for (const auto& f : frames) {
            const auto r = d.feed(rest);
            REQUIRE(r.state == status::message);
            CHECK(r.consumed == f.size());
            CHECK(d.message().frame.data() == all.data() + offset);
            CHECK(d.buffered() == 0);
            rest = rest.subspan(r.consumed);
            offset += r.consumed;
        }
        CHECK(rest.empty());
        const auto r = d.feed(rest);
        CHECK(r.state == status::need_more);
        CHECK(r.consumed == 0);
        CHECK_FALSE(d.finish());
    }
    SECTION("a gathered frame stops at its end; the next ones in the same input are in place")
    {
        decoder d;
        CHECK(d.feed({all.data(), 10}).state == status::need_more);
        const byte_view second = view(all).subspan(10);
        const auto r = d.feed(second);
        REQUIRE(r.state == status::message);
        CHECK(r.consumed == good.size() - 10);
        CHECK(bytes(d.message().frame.begin(), d.message().frame.end()) == good);
        const auto r2 = d.feed(second.subspan(r.consumed));
        REQUIRE(r2.state == status::message);
        CHECK(d.message().frame.data() == all.data() + good.size());
    }
    SECTION("a trailing partial frame")
    {
        const bytes with_tail = concat({all, bytes(good.begin(), good.begin() + 30)});
        const auto got = decode_whole(view(with_tail));
        CHECK(got.messages.size() == frames.size());
        CHECK(got.ec == error::truncated_stream);
        CHECK(got.violation.empty());
        CHECK(decode_bytewise(view(with_tail)) == got);
    }
    SECTION("an error after good frames: the good ones are handed out first, in any slicing")
    {
        bytes bad = good;
        bad[good.size() - 1] ^= 0x10;
        const bytes input = concat({all, bad, good});
        const auto got = decode_whole(view(input));
        CHECK(got.messages.size() == frames.size());
        CHECK(got.ec == error::message_crc_mismatch);
        grind(view(input), got, default_max_message_size, false);
    }
    SECTION("whole buffer, any slicing")
    {
        const auto got = decode_whole(view(all));
        REQUIRE(got.frames == frames);
        grind(view(all), got);
    }
}

TEST_CASE("eventstream decoder: parse_message", "[eventstream][decoder]")
{
    std::vector<header_view> hs{{"stale", true}};
    message_view mv;
    REQUIRE_FALSE(parse_message(view(good), hs, mv));
    CHECK(mv.frame.data() == good.data());
    CHECK(mv.headers.size() == 2);
    CHECK(hs.size() == 2); // cleared first
    CHECK(message::from(mv) == decode_whole(view(good)).messages.at(0));
    CHECK(parse_message({good.data(), 10}, hs, mv) == error::message_too_short);
    CHECK(parse_message({good.data(), good.size() - 1}, hs, mv) == error::frame_length_mismatch);
    const bytes longer = concat({good, bytes{0}});
    CHECK(parse_message(view(longer), hs, mv) == error::frame_length_mismatch);
}

} // namespace decoder_test
