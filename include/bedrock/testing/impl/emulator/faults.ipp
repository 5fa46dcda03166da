#ifndef BEDROCK_TESTING_IMPL_EMULATOR_FAULTS_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_FAULTS_IPP

// What the scenarios do to an answer: the errors they answer with instead of the model, the hostile
// bodies and frames of the fault scenarios, and the delivery (delays, stalls, resets, lying framing)
// they give a successful answer.

#include <bedrock/eventstream/crc32.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/testing/impl/emulator/answer.ipp>
#include <bedrock/testing/impl/emulator/scenario.ipp>

#include <boost/beast/http/field.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bedrock::testing::detail::emu {

inline void store_be32(std::string& s, std::size_t at, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        s[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
}

inline void append_le(std::string& s, std::uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

/// Recomputes a frame's prelude CRC and message CRC, so that only what was made wrong is wrong.
inline void seal_frame(std::string& f)
{
    store_be32(f, 8, eventstream::crc32(f.data(), 8));
    // The message CRC continues from the prelude CRC: it is the CRC of everything before it.
    store_be32(f, f.size() - 4, eventstream::crc32(f.data(), f.size() - 4));
}

/// A well-formed contentBlockDelta frame, the base of the malformed ones.
inline std::string plain_delta_frame()
{
    const std::array<eventstream::header_view, 3> headers{{
        {":event-type", std::string_view("contentBlockDelta")},
        {":content-type", std::string_view("application/json")},
        {":message-type", std::string_view("event")},
    }};
    constexpr std::string_view payload = R"({"contentBlockIndex":0,"delta":{"text":"x"},"p":"abc"})";
    std::vector<std::uint8_t> out;
    (void)eventstream::encode(
        headers, eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), out);
    return std::string(out.begin(), out.end());
}

/// The frame a frame-fault scenario sends after the first event.
inline std::string hostile_frame(scenario::kind what)
{
    if (what == scenario::huge_frame) {
        // A prelude announcing 2 GiB, its CRC right; then a few bytes of what would be the frame.
        std::string f(12, '\0');
        store_be32(f, 0, 0x80000000u);
        store_be32(f, 4, 0);
        store_be32(f, 8, eventstream::crc32(f.data(), 8));
        f.append(64, 'x');
        return f;
    }
    std::string f = plain_delta_frame();
    if (what == scenario::headers_overrun) {
        // The prelude's headers length runs past the end of the frame.
        store_be32(f, 4, static_cast<std::uint32_t>(f.size()));
    } else {
        // The first header is :event-type: name length (1 byte), the name (11), the type (7: string),
        // then the value's 2-byte length, here far more than the headers block holds.
        constexpr std::size_t value_length_at = 12 + 1 + 11 + 1;
        f[value_length_at] = '\x7f';
        f[value_length_at + 1] = '\xff';
    }
    seal_frame(f);
    return f;
}

/// `data` as one gzip member (RFC 1952) of stored deflate blocks: valid gzip without a compressor.
inline std::string gzip_stored(std::string_view data)
{
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10); // magic, deflate, no flags, unix
    std::size_t at = 0;
    do {
        const std::size_t n = std::min<std::size_t>(data.size() - at, 65535);
        out.push_back(at + n == data.size() ? '\x01' : '\x00'); // BFINAL, BTYPE 00 (stored)
        append_le(out, static_cast<std::uint32_t>(n), 2);
        append_le(out, static_cast<std::uint32_t>(~n & 0xffff), 2);
        out.append(data.substr(at, n));
        at += n;
    } while (at < data.size());
    append_le(out, eventstream::crc32(data.data(), data.size()), 4);
    append_le(out, static_cast<std::uint32_t>(data.size()), 4);
    return out;
}

/// What a captive portal or a misrouted proxy answers with 200.
inline constexpr std::string_view html_page =
    "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
    "<body><h1>Network login required</h1><p>Sign in to continue.</p></body></html>\n";

/// `n` bytes of "0123456789abcdefghijklmnopqrstuvwxyz" repeated (big-delta's text).
inline std::string pattern_text(std::size_t n)
{
    static constexpr std::string_view alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string out(n, ' ');
    for (std::size_t i = 0; i < n; ++i)
        out[i] = alphabet[i % alphabet.size()];
    return out;
}

/// The modeled (or front-end) error a scenario names, with its extra members filled in.
inline service_error scenario_error(std::string_view name, std::string_view model_id)
{
    std::string message = "Emulated " + std::string(name) + ".";
    if (name == "ThrottlingException")
        message = "Too many requests, please wait before trying again.";
    else if (name == "ServiceUnavailableException")
        message = "Bedrock is unable to process your request.";
    else if (name == "InternalServerException")
        message = "The server encountered an internal error while processing the request.";
    else if (name == "ExpiredTokenException")
        message = "The security token included in the request is expired";
    service_error e = named_error(name, std::move(message));
    if (auto* m = std::get_if<model_error_exception>(&e)) {
        m->original_status_code = 500;
        m->resource_name = std::string(model_id);
    } else if (auto* s = std::get_if<model_stream_error_exception>(&e)) {
        s->original_status_code = 500;
        s->original_message = "The model failed while streaming.";
    }
    return e;
}

/// Errors a scenario answers with instead of the model (nullopt: the model answers).
inline std::optional<service_error> scenario_failure(call& c, const scenario& s)
{
    if (s.what == scenario::none)
        return std::nullopt;
    const std::size_t n = c.core.next_scenario_count(c.model_id);
    c.scenario_count = n;
    switch (s.what) {
    case scenario::throttle_once:
        if (n == 1)
            return scenario_error("ThrottlingException", c.model_id);
        break;
    case scenario::unavailable_once:
        if (n == 1)
            return scenario_error("ServiceUnavailableException", c.model_id);
        break;
    case scenario::fail_times:
        if (n <= static_cast<std::size_t>(s.n))
            return scenario_error("InternalServerException", c.model_id);
        break;
    case scenario::always_500:
        return scenario_error("InternalServerException", c.model_id);
    case scenario::error:
        return scenario_error(s.arg, c.model_id);
    default:
        break;
    }
    return std::nullopt;
}

/// Applies the transport scenarios to a successful answer.
inline void shape_delivery(call& c, const scenario& s)
{
    auto& r = c.reply;
    switch (s.what) {
    case scenario::slow:
        r.delay = std::chrono::milliseconds(s.n);
        break;
    case scenario::slow_once:
        if (c.scenario_count == 1)
            r.delay = std::chrono::milliseconds(s.n);
        break;
    case scenario::slow_events:
        for (std::size_t i = 1; i < r.pieces.size(); ++i)
            r.pieces[i].pause = std::chrono::milliseconds(s.n);
        break;
    case scenario::split:
        r.split_writes = static_cast<std::size_t>(s.n);
        break;
    case scenario::stall:
        r.how = delivery::stall;
        break;
    case scenario::stall_body:
        r.how = delivery::stall_body;
        break;
    case scenario::stall_head:
        r.how = delivery::stall_head;
        break;
    case scenario::reset:
        r.how = delivery::reset;
        break;
    case scenario::reset_body:
        r.how = delivery::reset_body;
        break;
    case scenario::huge_frame:
    case scenario::headers_overrun:
    case scenario::header_value_overrun:
        if (r.how == delivery::stream && !r.pieces.empty()) {
            // After the first event, the hostile frame, and the body ends there.
            r.pieces.resize(1);
            r.pieces.push_back({std::chrono::milliseconds(0), hostile_frame(s.what)});
        }
        break;
    case scenario::chunk_truncated:
        r.how = delivery::chunk_truncated;
        break;
    case scenario::chunk_malformed:
        r.how = delivery::chunk_malformed;
        break;
    case scenario::length_short:
        r.how = delivery::length_short;
        break;
    case scenario::length_long:
        r.how = delivery::length_long;
        break;
    case scenario::truncate_body:
        r.how = delivery::truncated;
        break;
    case scenario::html:
        r.how = delivery::respond;
        r.pieces.clear();
        r.res.set(boost::beast::http::field::content_type, "text/html; charset=utf-8");
        r.res.body() = html_page;
        break;
    case scenario::gzip: {
        std::string plain = std::move(r.res.body());
        r.res.body().clear();
        for (const auto& p : r.pieces)
            plain += p.bytes;
        if (r.pieces.empty()) {
            r.res.body() = gzip_stored(plain);
        } else { // a stream: one piece, the whole body encoded
            r.pieces.resize(1);
            r.pieces.front().bytes = gzip_stored(plain);
        }
        r.res.set(boost::beast::http::field::content_encoding, "gzip");
        break;
    }
    case scenario::bad_json:
        if (r.how == delivery::stream) {
            // A frame whose message CRC is wrong: the stream's bytes are no longer valid.
            if (!r.pieces.empty() && !r.pieces.front().bytes.empty())
                r.pieces.front().bytes.back() ^= 0x5a;
        } else {
            r.res.body() = "<html><body>This is not JSON {</body></html>";
        }
        break;
    default:
        break;
    }
}

} // namespace bedrock::testing::detail::emu

#endif
