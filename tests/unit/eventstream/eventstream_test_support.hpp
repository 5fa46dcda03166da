#ifndef BEDROCK_TEST_EVENTSTREAM_TEST_SUPPORT_HPP
#define BEDROCK_TEST_EVENTSTREAM_TEST_SUPPORT_HPP

// Shared by the event-stream tests: a decode driver that feeds input in any slicing and records
// everything the decoder handed out, the JSON → expected-message conversion for every vector family,
// and a frame builder whose CRCs come from zlib (independent of the library's own CRC-32).

#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/eventstream/message.hpp>

#include "support/vectors.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::test::es {

using namespace bedrock::eventstream;
using bedrock::test::read_bytes;
using bedrock::test::read_text;
using bedrock::test::vector_path;
namespace json = boost::json;
using bytes = std::vector<std::uint8_t>;

inline bytes to_bytes(std::string_view s) { return {s.begin(), s.end()}; }
inline byte_view view(const bytes& b) { return {b.data(), b.size()}; }

inline std::uint32_t be32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void put_be(bytes& out, std::uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline std::uint32_t zcrc(const std::uint8_t* p, std::size_t n)
{
    return static_cast<std::uint32_t>(::crc32(0L, p, static_cast<uInt>(n)));
}

// --- Frame building (reference CRCs from zlib) ----------------------------------------------------

/// A 12-byte prelude with a valid CRC, whatever the lengths say.
inline bytes prelude(std::uint32_t total, std::uint32_t headers_length)
{
    bytes p;
    put_be(p, total, 4);
    put_be(p, headers_length, 4);
    put_be(p, zcrc(p.data(), 8), 4);
    return p;
}

/// A whole frame with valid CRCs around an arbitrary (possibly malformed) headers block.
inline bytes make_frame(const bytes& headers_block, const bytes& payload = {})
{
    bytes f = prelude(static_cast<std::uint32_t>(16 + headers_block.size() + payload.size()),
                      static_cast<std::uint32_t>(headers_block.size()));
    f.insert(f.end(), headers_block.begin(), headers_block.end());
    f.insert(f.end(), payload.begin(), payload.end());
    put_be(f, zcrc(f.data(), f.size()), 4);
    return f;
}

inline bytes concat(std::initializer_list<bytes> parts)
{
    bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

// --- Decode driver ---------------------------------------------------------------------------------

/// Everything a decoder produced for one input: owned copies of the messages and their frames, the
/// final error (the decoder's error, or finish() at the end of input), and any breach of the feed
/// contract seen on the way.
struct outcome {
    std::vector<message> messages;
    std::vector<bytes> frames;
    boost::system::error_code ec;
    std::string violation;
    friend bool operator==(const outcome&, const outcome&) = default;
};

/// Feeds `input` in slices of the sizes `next_size()` returns, walking every slice with the consumed
/// counts, then calls finish(). Checks on the way: consumed never exceeds the slice, need_more always
/// consumes the whole slice, and buffered() equals the bytes of the current frame taken so far.
inline outcome run(decoder& d, byte_view input, const std::function<std::size_t()>& next_size)
{
    outcome o;
    std::size_t pos = 0, since_boundary = 0;
    auto violate = [&](std::string what) {
        if (o.violation.empty())
            o.violation = what + " at input offset " + std::to_string(pos);
    };
    while (pos < input.size()) {
        const std::size_t n = std::min(std::max<std::size_t>(next_size(), 1), input.size() - pos);
        byte_view chunk = input.subspan(pos, n);
        for (;;) {
            const auto r = d.feed(chunk);
            if (r.consumed > chunk.size()) {
                violate("consumed more than given");
                return o;
            }
            chunk = chunk.subspan(r.consumed);
            since_boundary += r.consumed;
            if (r.state == decoder::status::error) {
                o.ec = d.error();
                if (!o.ec)
                    violate("status::error without an error code");
                return o;
            }
            if (r.state == decoder::status::need_more) {
                if (!chunk.empty())
                    violate("need_more with input left over");
                if (d.buffered() != since_boundary)
                    violate("buffered() " + std::to_string(d.buffered()) + " != " +
                            std::to_string(since_boundary));
                break;
            }
            const auto& m = d.message();
            o.messages.push_back(message::from(m));
            o.frames.emplace_back(m.frame.begin(), m.frame.end());
            if (m.frame.size() != since_boundary)
                violate("frame size != bytes consumed for it");
            if (d.buffered() != 0)
                violate("buffered() != 0 after a message");
            since_boundary = 0;
            if (chunk.empty())
                break;
        }
        pos += n;
    }
    o.ec = d.finish();
    return o;
}

inline outcome decode_sliced(byte_view in, const std::function<std::size_t()>& next,
                             std::size_t max = default_max_message_size)
{
    decoder d{max};
    return run(d, in, next);
}
inline outcome decode_whole(byte_view in, std::size_t max = default_max_message_size)
{
    return decode_sliced(in, [&] { return in.size(); }, max);
}
inline outcome decode_bytewise(byte_view in, std::size_t max = default_max_message_size)
{
    return decode_sliced(in, [] { return std::size_t{1}; }, max);
}
/// Two feeds: [0, at) and [at, end). at == 0 or at == size is a single feed.
inline outcome decode_split(byte_view in, std::size_t at, std::size_t max = default_max_message_size)
{
    bool first = true;
    return decode_sliced(
        in,
        [&] {
            const std::size_t n = first && at > 0 ? at : in.size();
            first = false;
            return n;
        },
        max);
}
/// Random slice sizes in [1, max_slice], from a seeded PRNG.
inline outcome decode_random(byte_view in, unsigned seed, std::size_t max_slice,
                             std::size_t max = default_max_message_size)
{
    std::mt19937 rng{seed};
    std::uniform_int_distribution<std::size_t> size(1, max_slice);
    return decode_sliced(in, [&] { return size(rng); }, max);
}

/// Beast-style grind: every two-way split, one byte at a time, and seeded random slicings must all give
/// `expected` (the same messages, or the same error).
inline void grind(byte_view in, const outcome& expected, std::size_t max = default_max_message_size,
                  bool every_split = true)
{
    if (every_split) {
        for (std::size_t at = 0; at <= in.size(); ++at) {
            const auto got = decode_split(in, at, max);
            if (got != expected) { // one assertion per failure, not per split
                INFO("split at " << at);
                CHECK(got == expected);
            }
        }
    }
    CHECK(decode_bytewise(in, max) == expected);
    for (unsigned seed = 1; seed <= 4; ++seed)
        for (std::size_t max_slice : {3, 17, 64, 500}) {
            INFO("seed " << seed << ", slices up to " << max_slice);
            CHECK(decode_random(in, seed, max_slice, max) == expected);
        }
}

// --- JSON → expected messages ----------------------------------------------------------------------

inline bytes from_base64(std::string_view s)
{
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+' || c == '-') return 62;
        if (c == '/' || c == '_') return 63;
        return -1;
    };
    bytes out;
    unsigned acc = 0;
    int bits = 0;
    for (char c : s) {
        if (c == '=')
            break;
        const int v = val(c);
        if (v < 0)
            throw std::invalid_argument("bad base64");
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits));
        }
    }
    return out;
}

inline bytes from_hex(std::string_view s)
{
    bytes out;
    auto nib = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::invalid_argument("bad hex");
    };
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
        if (s[i] == '-')
            ++i;
        out.push_back(static_cast<std::uint8_t>(nib(s[i]) * 16 + nib(s[i + 1])));
    }
    return out;
}

/// How a vector family writes string, byte-array and uuid values that are JSON strings.
enum class text { plain, base64 };

/// A header type given as a wire code (aws-sdk-go, recorded) or as a name (smithy-rs expected.json,
/// the JS codec, streams.json). Both boolean names map to bool_true; the value decides.
inline header_type type_from_json(const json::value& t)
{
    if (t.is_number())
        return static_cast<header_type>(t.to_number<int>());
    static const std::pair<std::string_view, header_type> names[] = {
        {"bool", header_type::bool_true},   {"boolean", header_type::bool_true},
        {"byte", header_type::byte},        {"short", header_type::int16},
        {"int16", header_type::int16},      {"integer", header_type::int32},
        {"int32", header_type::int32},      {"long", header_type::int64},
        {"int64", header_type::int64},      {"bytes", header_type::byte_array},
        {"binary", header_type::byte_array}, {"string", header_type::string},
        {"timestamp", header_type::timestamp}, {"timestamp_ms", header_type::timestamp},
        {"uuid", header_type::uuid}};
    for (const auto& [n, ht] : names)
        if (t.as_string() == n)
            return ht;
    throw std::invalid_argument("unknown header type name " + std::string(t.as_string()));
}

inline bytes bytes_from_json(const json::value& v, text enc)
{
    if (const auto* o = v.if_object()) {
        if (const auto* h = o->if_contains("hex"))
            return from_hex(h->as_string());
        return from_base64(o->at("bytes_b64").as_string());
    }
    const std::string_view s = v.as_string();
    return enc == text::base64 ? from_base64(s) : to_bytes(s);
}

inline header_value value_from_json(header_type t, const json::value& v, text enc)
{
    auto integer = [&] { return v.to_number<std::int64_t>(); };
    switch (t) {
    case header_type::bool_true:
    case header_type::bool_false: {
        const bool b = v.as_bool();
        if (t == header_type::bool_false && b)
            throw std::invalid_argument("bool_false header with value true");
        return b;
    }
    case header_type::byte: return header_value{std::in_place_type<std::int8_t>, static_cast<std::int8_t>(integer())};
    case header_type::int16: return header_value{std::in_place_type<std::int16_t>, static_cast<std::int16_t>(integer())};
    case header_type::int32: return header_value{std::in_place_type<std::int32_t>, static_cast<std::int32_t>(integer())};
    case header_type::int64: return header_value{std::in_place_type<std::int64_t>, integer()};
    case header_type::byte_array: return bytes_from_json(v, enc);
    case header_type::string: {
        const auto b = bytes_from_json(v, enc);
        return std::string(b.begin(), b.end());
    }
    case header_type::timestamp: {
        const auto& ms = v.is_object() ? v.at("epoch_ms") : v;
        return timestamp{std::chrono::milliseconds{ms.to_number<std::int64_t>()}};
    }
    case header_type::uuid: {
        const bool dashed = v.is_string() && v.as_string().size() == 36;
        const auto b = dashed ? from_hex(v.as_string()) : bytes_from_json(v, enc);
        if (b.size() != 16)
            throw std::invalid_argument("uuid of " + std::to_string(b.size()) + " bytes");
        uuid u;
        std::copy(b.begin(), b.end(), u.bytes.begin());
        return u;
    }
    }
    throw std::invalid_argument("header type out of range");
}

/// Headers written as a JSON object of name → {"type", "value"} (streams.json, recorded, JS codec).
inline std::vector<header> headers_from_object(const json::object& o, text enc)
{
    std::vector<header> out;
    for (const auto& [name, h] : o)
        out.push_back({std::string(name), value_from_json(type_from_json(h.at("type")), h.at("value"), enc)});
    return out;
}

/// Headers written as a JSON array of {"name", "type", "value"} (aws-sdk-go decoded/positive).
inline std::vector<header> headers_from_array(const json::array& a, text enc)
{
    std::vector<header> out;
    for (const auto& h : a)
        out.push_back({std::string(h.at("name").as_string()),
                       value_from_json(type_from_json(h.at("type")), h.at("value"), enc)});
    return out;
}

/// Compares the frame's prelude and CRCs with whichever of these the JSON gives: total_length,
/// headers_length, prelude_crc, message_crc (signed or unsigned), prelude_crc_ok, message_crc_ok.
inline void check_frame_fields(const bytes& frame, const json::object& j)
{
    REQUIRE(frame.size() >= 16);
    auto u32 = [&](std::string_view k) { return static_cast<std::uint32_t>(j.at(k).to_number<std::int64_t>()); };
    if (j.contains("total_length"))
        CHECK(frame.size() == u32("total_length"));
    if (j.contains("headers_length"))
        CHECK(be32(frame.data() + 4) == u32("headers_length"));
    if (j.contains("prelude_crc"))
        CHECK(be32(frame.data() + 8) == u32("prelude_crc"));
    if (j.contains("message_crc"))
        CHECK(be32(frame.data() + frame.size() - 4) == u32("message_crc"));
    if (j.contains("prelude_crc_ok"))
        CHECK(j.at("prelude_crc_ok").as_bool());
    if (j.contains("message_crc_ok"))
        CHECK(j.at("message_crc_ok").as_bool());
}

/// Re-encoding what was decoded gives back the frame byte for byte (both encode overloads).
inline void check_reencode(const bytes& frame)
{
    decoder d;
    const auto r = d.feed(view(frame));
    REQUIRE(r.state == decoder::status::message);
    const auto& m = d.message();
    bytes out{0xAB}; // encode appends
    REQUIRE_FALSE(encode(m.headers, m.payload, out));
    CHECK(bytes(out.begin() + 1, out.end()) == frame);
    bytes owned;
    REQUIRE_FALSE(encode(message::from(m), owned));
    CHECK(owned == frame);
}

/// The regular files of a directory, sorted (vector_path throws when the directory is missing).
inline std::vector<std::filesystem::path> files_in(const std::string& relative_dir)
{
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(vector_path(relative_dir)))
        if (e.is_regular_file())
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

inline json::value parse_json_file(const std::filesystem::path& p) { return json::parse(read_text(p)); }
inline json::value read_json(const std::string& relative) { return parse_json_file(vector_path(relative)); }

// --- Printing for Catch ----------------------------------------------------------------------------

inline std::string describe(const header_value& v)
{
    std::ostringstream s;
    std::visit(
        [&s](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, bool>)
                s << (x ? "true" : "false");
            else if constexpr (std::is_same_v<T, std::string>)
                s << '"' << x << '"';
            else if constexpr (std::is_same_v<T, bytes>)
                s << "bytes[" << x.size() << "]";
            else if constexpr (std::is_same_v<T, timestamp>)
                s << x.time_since_epoch().count() << "ms";
            else if constexpr (std::is_same_v<T, uuid>)
                s << "uuid";
            else
                s << static_cast<std::int64_t>(x);
        },
        v);
    return s.str();
}

inline std::string describe(const message& m)
{
    std::string s = "{";
    for (const auto& h : m.headers)
        s += h.name + ":" + std::to_string(static_cast<int>(type_of(h.value))) + "=" + describe(h.value) + " ";
    return s + "payload[" + std::to_string(m.payload.size()) + "]}";
}

} // namespace bedrock::test::es

namespace Catch {
template <>
struct StringMaker<bedrock::eventstream::message> {
    static std::string convert(const bedrock::eventstream::message& m) { return bedrock::test::es::describe(m); }
};
template <>
struct StringMaker<bedrock::test::es::outcome> {
    static std::string convert(const bedrock::test::es::outcome& o)
    {
        std::string s = std::to_string(o.messages.size()) + " messages";
        for (std::size_t i = 0; i < o.messages.size() && i < 4; ++i)
            s += "\n  " + bedrock::test::es::describe(o.messages[i]);
        s += "\n  ec: " + (o.ec ? o.ec.message() : std::string("none"));
        if (!o.violation.empty())
            s += "\n  contract violation: " + o.violation;
        return s;
    }
};
template <>
struct StringMaker<boost::system::error_code> {
    static std::string convert(const boost::system::error_code& ec)
    {
        return ec ? std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + " (" + ec.message() + ")"
                  : std::string("no error");
    }
};
} // namespace Catch

#endif
