// The encoder: exact wire bytes for every header type, limits (nothing appended on error), and
// encode → decode of seeded random messages. Round trips of every positive vector are in
// decoder_vectors_test.cpp (check_reencode).

#include "eventstream_test_support.hpp"

#include <limits>

namespace encoder_test {

using namespace bedrock::test::es;

namespace {

uuid uuid_0_to_15()
{
    uuid u;
    for (std::uint8_t i = 0; i < 16; ++i)
        u.bytes[i] = i;
    return u;
}

/// Encodes, checks both overloads agree, and returns the frame.
bytes encoded(const message& m)
{
    bytes a, b;
    REQUIRE_FALSE(encode(m, a));
    std::vector<header_view> views;
    for (const auto& h : m.headers)
        views.push_back({h.name, view_of(h.value)});
    REQUIRE_FALSE(encode(views, {m.payload.data(), m.payload.size()}, b));
    CHECK(a == b);
    return a;
}

message random_message(std::mt19937& rng)
{
    auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(rng); };
    auto some_bytes = [&](std::size_t n) {
        bytes b(n);
        for (auto& x : b)
            x = static_cast<std::uint8_t>(rng());
        return b;
    };
    auto length = [&] { return pick(0, 20) == 0 ? pick(0, 32767) : pick(0, 40); };
    message m;
    const std::size_t count = pick(0, 12);
    while (m.headers.size() < count) {
        const std::size_t name_len = pick(0, 10) == 0 ? 255 : pick(1, 16);
        std::string name(name_len, ' ');
        for (auto& c : name)
            c = static_cast<char>(pick(0x21, 0x7E));
        if (m.find(name))
            continue;
        header_value v;
        switch (pick(0, 9)) {
        case 0: v = true; break;
        case 1: v = false; break;
        case 2: v = static_cast<std::int8_t>(rng()); break;
        case 3: v = static_cast<std::int16_t>(rng()); break;
        case 4: v = static_cast<std::int32_t>(rng()); break;
        case 5: v = static_cast<std::int64_t>((std::uint64_t{rng()} << 32) | rng()); break;
        case 6: v = some_bytes(length()); break;
        case 7: {
            const auto b = some_bytes(length());
            v = std::string(b.begin(), b.end());
            break;
        }
        case 8: v = timestamp{std::chrono::milliseconds{static_cast<std::int64_t>((std::uint64_t{rng()} << 32) | rng())}}; break;
        default: {
            uuid u;
            const auto b = some_bytes(16);
            std::copy(b.begin(), b.end(), u.bytes.begin());
            v = u;
        }
        }
        m.headers.push_back({std::move(name), std::move(v)});
    }
    m.payload = some_bytes(pick(0, 4) == 0 ? 0 : pick(0, 3000));
    return m;
}

} // namespace

TEST_CASE("eventstream encoder: wire bytes of every header type", "[eventstream][encoder]")
{
    const message m{{{"t", true},
                     {"f", false},
                     {"b", std::int8_t{-2}},
                     {"s", std::int16_t{0x0102}},
                     {"i", std::int32_t{-1}},
                     {"l", std::int64_t{0x0102030405060708}},
                     {"y", bytes{1, 2, 3}},
                     {"z", std::string("hi")},
                     {"m", timestamp{std::chrono::milliseconds{0x0102030405060708}}},
                     {"u", uuid_0_to_15()}},
                    to_bytes("body")};
    const bytes block = {1, 't', 0,                                   //
                         1, 'f', 1,                                   //
                         1, 'b', 2, 0xFE,                             //
                         1, 's', 3, 1, 2,                             //
                         1, 'i', 4, 0xFF, 0xFF, 0xFF, 0xFF,           //
                         1, 'l', 5, 1, 2, 3, 4, 5, 6, 7, 8,           //
                         1, 'y', 6, 0, 3, 1, 2, 3,                    //
                         1, 'z', 7, 0, 2, 'h', 'i',                   //
                         1, 'm', 8, 1, 2, 3, 4, 5, 6, 7, 8,           //
                         1, 'u', 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    std::vector<header_view> views;
    for (const auto& h : m.headers)
        views.push_back({h.name, view_of(h.value)});
    CHECK(encoded_headers_size(views) == block.size());
    bytes out{0xEE};
    REQUIRE_FALSE(encode_headers(views, out));
    CHECK(out == concat({bytes{0xEE}, block}));

    const auto frame = encoded(m);
    CHECK(frame == make_frame(block, to_bytes("body")));
    const auto back = decode_whole(view(frame));
    REQUIRE(back.messages.size() == 1);
    CHECK(back.messages[0] == m);
    for (std::size_t i = 0; i < m.headers.size(); ++i)
        CHECK(type_of(back.messages[0].headers[i].value) == static_cast<header_type>(i));
}

TEST_CASE("eventstream encoder: empty message, no headers, empty payload", "[eventstream][encoder]")
{
    const auto empty = encoded({});
    CHECK(empty == read_bytes(vector_path("eventstream/aws-sdk-go/testdata/encoded/positive/empty_message")));
    CHECK(empty.size() == 16);
    CHECK(encoded({{}, to_bytes("{'foo':'bar'}")}) ==
          read_bytes(vector_path("eventstream/aws-sdk-go/testdata/encoded/positive/payload_no_headers")));
    const message only_headers{{{"k", std::string()}, {"e", bytes{}}}, {}};
    const auto f = encoded(only_headers);
    CHECK(decode_whole(view(f)).messages == std::vector<message>{only_headers});
    CHECK(encoded_headers_size({}) == 0);
}

TEST_CASE("eventstream encoder: limits, and nothing appended on error", "[eventstream][encoder]")
{
    const bytes prefix{1, 2, 3};
    auto fails_with = [&](const message& m, error e) {
        bytes out = prefix;
        CHECK(encode(m, out) == e);
        CHECK(out == prefix);
        std::vector<header_view> views;
        for (const auto& h : m.headers)
            views.push_back({h.name, view_of(h.value)});
        out = prefix;
        CHECK(encode(views, {}, out) == e);
        CHECK(out == prefix);
        out = prefix;
        CHECK(encode_headers(views, out) == e);
        CHECK(out == prefix);
    };
    const header fine{"fine", std::int32_t{1}};
    fails_with({{fine, {std::string(256, 'n'), true}}, {}}, error::header_name_too_long);
    fails_with({{fine, {"s", std::string(32768, 'v')}}, {}}, error::header_value_too_long);
    fails_with({{{"b", bytes(32768, 1)}, fine}, {}}, error::header_value_too_long);
    fails_with({{{"b", bytes(65536 + 3, 1)}}, {}}, error::header_value_too_long); // not wrapped to 3
    // An empty name cannot be decoded either.
    fails_with({{fine, {"", true}}, {}}, error::invalid_header_name_length);
    // Neither can a name given twice, whatever the value types.
    fails_with({{fine, {"x", true}, {"fine", std::string("again")}}, {}}, error::duplicate_header);

    // The largest allowed name and values encode and decode back.
    const message biggest{{{std::string(255, 'n'), std::string(32767, 's')}, {"b", bytes(32767, 0xB7)}}, bytes(5, 1)};
    const auto f = encoded(biggest);
    CHECK(decode_whole(view(f)).messages == std::vector<message>{biggest});
}

TEST_CASE("eventstream encoder: seeded random messages round-trip", "[eventstream][encoder]")
{
    std::mt19937 rng{20240501};
    std::vector<message> all;
    bytes stream;
    for (int i = 0; i < 300; ++i) {
        const auto m = random_message(rng);
        const auto f = encoded(m);
        const auto back = decode_whole(view(f));
        if (back.messages != std::vector<message>{m} || back.ec) {
            INFO("message " << i);
            CHECK(back.messages == std::vector<message>{m});
            CHECK_FALSE(back.ec);
        }
        CHECK(be32(f.data()) == f.size());
        all.push_back(m);
        stream.insert(stream.end(), f.begin(), f.end());
    }
    const auto whole = decode_whole(view(stream));
    CHECK(whole.messages == all);
    CHECK_FALSE(whole.ec);
    CHECK(whole.violation.empty());
    for (unsigned seed : {1u, 2u, 3u})
        CHECK(decode_random(view(stream), seed, 1 + seed * 977) == whole);
    CHECK(decode_bytewise(view(stream)) == whole);
}

} // namespace encoder_test
