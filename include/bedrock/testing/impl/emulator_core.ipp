#ifndef BEDROCK_TESTING_IMPL_EMULATOR_CORE_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_CORE_IPP

#include <bedrock/testing/detail/emulator_core.hpp>

#include <bedrock/detail/random.hpp>
#include <bedrock/eventstream/crc32.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/model/operations.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <random>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <type_traits>

// The helpers live in detail::emu so that their short names meet no one else's.
namespace bedrock::testing::detail::emu {

// ---------------------------------------------------------------------------------------------
// Small text helpers.

inline constexpr std::string_view bedrock_error_namespace = "http://internal.amazon.com/coral/com.amazon.bedrock/";
// Errors of the AWS front end (authentication) carry the generic coral namespace, as recorded.
inline constexpr std::string_view coral_error_namespace = "http://internal.amazon.com/coral/com.amazon.coral.service/";

inline std::size_t count_words(std::string_view s) noexcept
{
    std::size_t n = 0;
    bool in_word = false;
    for (const char c : s) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        if (!space && !in_word)
            ++n;
        in_word = !space;
    }
    return n;
}

/// The pieces of `s` that each hold one word and the whitespace before it ("echo: a b" -> "echo:",
/// " a", " b"): concatenated they give `s` back exactly.
inline std::vector<std::string> word_pieces(std::string_view s)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j])))
            ++j;
        while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])))
            ++j;
        out.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

/// The first `n` words of `s`, separated by single spaces.
inline std::string first_words(std::string_view s, std::size_t n)
{
    std::string out;
    std::size_t taken = 0;
    std::size_t i = 0;
    while (taken < n && i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
        const std::size_t b = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
        if (i == b)
            break;
        if (!out.empty())
            out.push_back(' ');
        out.append(s.substr(b, i - b));
        ++taken;
    }
    return out;
}

/// RFC 7231 IMF-fixdate ("Wed, 27 Mar 2024 23:08:09 GMT"), the Date header AWS sends and SDKs
/// read to correct their clock skew.
inline std::string http_date(std::chrono::system_clock::time_point t)
{
    using namespace std::chrono;
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto secs = floor<seconds>(t);
    const auto day = floor<std::chrono::days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{secs - day};
    const weekday wd{day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", days[wd.c_encoding()],
                  static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buf;
}

inline std::string lower_camel(std::string_view name)
{
    std::string s(name);
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z')
        s[0] = static_cast<char>(s[0] - 'A' + 'a');
    return s;
}

// ---------------------------------------------------------------------------------------------
// One request being answered.

struct call {
    emulator_core& core;
    const request& req;
    std::vector<std::pair<std::string, std::string>> labels; // decoded URI labels
    std::vector<std::pair<std::string, std::string>> query;  // decoded query parameters
    std::string request_id;
    std::string model_id; // the subject of scenarios and counters
    emulator_reply reply;
    simdjson::ondemand::parser& parser;
    std::size_t scenario_count = 0; // this request's number among the valid ones for model_id

    std::string_view label(std::string_view name) const
    {
        for (const auto& [n, v] : labels)
            if (n == name)
                return v;
        return {};
    }
    const std::string* query_value(std::string_view name) const
    {
        for (const auto& [n, v] : query)
            if (n == name)
                return &v;
        return nullptr;
    }
};

inline void json_head(call& c, unsigned status)
{
    c.reply.res.result(status);
    c.reply.res.set(boost::beast::http::field::content_type, "application/json");
}

/// An error answer as Bedrock's front end writes it.
inline void send_error(call& c, service_error e)
{
    const std::string_view name = e.name();
    // Bedrock's own errors carry its namespace; the front end's (unmodeled) ones the generic one.
    const std::string_view ns =
        std::holds_alternative<unknown_service_error>(e) ? coral_error_namespace : bedrock_error_namespace;
    unsigned status = e.http_status();
    if (status == 0)
        status = 400;
    c.reply = emulator_reply{};
    json_head(c, status);
    c.reply.res.set("x-amzn-ErrorType", std::string(name) + ":" + std::string(ns));
    c.reply.res.body() = json::serialize(e);
}

inline service_error named_error(std::string_view name, std::string message)
{
    service_error e = make_service_error(name);
    std::visit([&](auto& x) { x.message = std::move(message); }, e);
    if (auto* u = std::get_if<unknown_service_error>(&e)) {
        u->error_name = std::string(name);
        // The front end's unmodeled errors are authentication failures.
        u->http_status = 403;
    }
    return e;
}

inline void validation_error(call& c, std::string message)
{
    send_error(c, named_error("ValidationException", std::move(message)));
}

// ---------------------------------------------------------------------------------------------
// The rest-json binding, server side: the reverse of what a client does.

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
concept enum_like = requires(const T& v, T& m) {
    { v.str() } -> std::convertible_to<std::string_view>;
    { v.is_known() } -> std::convertible_to<bool>;
    m.assign(std::string_view{});
};

/// Sets a bound member from its text; false (with the reason) when the text does not fit.
template <class T>
bool bound_from_text(std::string_view text, T& out, std::string& why)
{
    if constexpr (is_optional<T>::value) {
        typename T::value_type v{};
        if (!bound_from_text(text, v, why))
            return false;
        out = std::move(v);
        return true;
    } else if constexpr (std::is_same_v<T, std::string>) {
        out.assign(text);
        return true;
    } else if constexpr (enum_like<T>) {
        out.assign(text);
        if (!out.is_known()) {
            why = "Member must satisfy enum value set: [";
            bool first = true;
            for (const auto v : T::known_values()) {
                why.append(first ? "" : ", ").append(v);
                first = false;
            }
            why.append("]");
            return false;
        }
        return true;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (text != "true" && text != "false") {
            why = "Member must be true or false";
            return false;
        }
        out = text == "true";
        return true;
    } else if constexpr (std::is_same_v<T, timestamp>) {
        if (!json::parse_date_time(text, out)) {
            why = "Member must be an ISO 8601 date-time";
            return false;
        }
        return true;
    } else {
        static_assert(std::is_integral_v<T>, "a bound member of an unexpected type");
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        if (ec != std::errc{} || end != text.data() + text.size()) {
            why = "Member must be an integer";
            return false;
        }
        return true;
    }
}

/// The text of a bound output member, or nothing when an optional member is absent.
template <class T>
std::optional<std::string> bound_to_text(const T& v)
{
    if constexpr (is_optional<T>::value) {
        if (!v)
            return std::nullopt;
        return bound_to_text(*v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return v;
    } else if constexpr (enum_like<T>) {
        return std::string(v.str());
    } else if constexpr (std::is_same_v<T, bool>) {
        return std::string(v ? "true" : "false");
    } else {
        static_assert(std::is_integral_v<T>, "a bound output member of an unexpected type");
        return std::to_string(v);
    }
}

/// Fills `in` from the request: the body first (a JSON reader resets the members it does not see),
/// then the URI labels, query parameters and headers. False with `problem` set when it does not fit.
template <class Op>
bool read_input(call& c, typename Op::input_type& in, std::string& problem)
{
    const std::string& body = c.req.body();
    if constexpr (Op::input_body == body_kind::json) {
        json::diagnostics diag;
        const bool blank = body.find_first_not_of(" \t\r\n") == std::string::npos;
        const std::string empty_object = "{}";
        // A server checks what the client must send: required members are enforced here.
        if (auto ec = json::parse(c.parser, blank ? empty_object : body, in, &diag,
                                  json::required_members::enforce)) {
            problem = diag.to_string();
            if (problem.empty())
                problem = ec.message();
            return false;
        }
    } else if constexpr (Op::input_body == body_kind::blob) {
        (in.*Op::input_payload).assign(body.begin(), body.end());
    }
    bool ok = true;
    std::apply(
        [&](const auto&... binding) {
            [[maybe_unused]] const auto one = [&](const auto& b) {
                if (!ok)
                    return;
                std::string why;
                std::string_view text;
                bool present = false;
                if (b.location == http_location::uri) {
                    text = c.label(b.name);
                    present = true;
                    if (text.empty()) {
                        problem = "1 validation error detected: Value at '" + std::string(b.name) +
                                  "' failed to satisfy constraint: Member must not be null";
                        ok = false;
                        return;
                    }
                } else if (b.location == http_location::query) {
                    if (const auto* v = c.query_value(b.name)) {
                        text = *v;
                        present = true;
                    }
                } else {
                    const auto it = c.req.find(b.name);
                    if (it != c.req.end()) {
                        text = it->value();
                        present = true;
                    }
                }
                if (present && !bound_from_text(text, in.*(b.member), why)) {
                    problem = "1 validation error detected: Value '" + std::string(text) + "' at '" +
                              std::string(b.name) + "' failed to satisfy constraint: " + why;
                    ok = false;
                }
            };
            (one(binding), ...);
        },
        Op::input_bindings);
    return ok;
}

/// A successful answer: status, the header-bound members, the JSON or raw body.
template <class Op>
void write_output(call& c, const typename Op::output_type& out)
{
    c.reply.res.result(Op::success_status);
    if constexpr (Op::output_body == body_kind::json) {
        c.reply.res.set(boost::beast::http::field::content_type, "application/json");
        c.reply.res.body() = json::serialize(out);
    } else if constexpr (Op::output_body == body_kind::blob) {
        const auto& b = out.*Op::output_payload;
        c.reply.res.body().assign(b.begin(), b.end());
    }
    std::apply(
        [&](const auto&... binding) {
            [[maybe_unused]] const auto one = [&](const auto& b) {
                if (auto text = bound_to_text(out.*(b.member)))
                    c.reply.res.set(b.name, *text);
            };
            (one(binding), ...);
        },
        Op::output_bindings);
}

// ---------------------------------------------------------------------------------------------
// Scenarios chosen by model id.

struct scenario {
    enum kind {
        none, throttle_once, unavailable_once, fail_times, always_500, error, stream_error,
        slow, slow_once, slow_events, split, stall, stall_head, stall_body, reset, reset_body, bad_json,
        end_early, clock_ahead, clock_behind,
        // Faults: hostile frames, lying framing, answers that are not what was asked for.
        huge_frame, headers_overrun, header_value_overrun, chunk_truncated, chunk_malformed,
        length_short, length_long, html, gzip, truncate_body, big_delta, many_events
    } what = none;
    long n = 0;       // fail-times count, slow (slow-once) milliseconds, big-delta bytes, many-events count
    std::string arg;  // error name
};

inline scenario parse_scenario(std::string_view id)
{
    scenario s;
    const auto colon = id.find(':');
    const std::string_view key = id.substr(0, colon);
    const std::string_view rest = colon == std::string_view::npos ? std::string_view{} : id.substr(colon + 1);
    const auto number = [](std::string_view t, long& out) {
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
        return ec == std::errc{} && end == t.data() + t.size() && out >= 0;
    };
    if (key == "throttle-once")
        s.what = scenario::throttle_once;
    else if (key == "unavailable-once")
        s.what = scenario::unavailable_once;
    else if (key.starts_with("fail-times-") && number(key.substr(11), s.n))
        s.what = scenario::fail_times;
    else if (key == "always-500")
        s.what = scenario::always_500;
    else if ((key == "error" || key == "stream-error") && !rest.empty()) {
        s.what = key == "error" ? scenario::error : scenario::stream_error;
        s.arg = std::string(rest.substr(0, rest.find(':')));
    } else if (key.starts_with("slow-once-") && number(key.substr(10), s.n))
        s.what = scenario::slow_once;
    else if (key.starts_with("slow-events-") && number(key.substr(12), s.n))
        s.what = scenario::slow_events;
    else if (key.starts_with("slow-") && number(key.substr(5), s.n))
        s.what = scenario::slow;
    else if (key.starts_with("split-") && number(key.substr(6), s.n) && s.n > 0)
        s.what = scenario::split;
    else if (key == "stall")
        s.what = scenario::stall;
    else if (key == "stall-body")
        s.what = scenario::stall_body;
    else if (key == "stall-head")
        s.what = scenario::stall_head;
    else if (key == "reset")
        s.what = scenario::reset;
    else if (key == "reset-body")
        s.what = scenario::reset_body;
    else if (key == "bad-json")
        s.what = scenario::bad_json;
    else if (key == "end-early")
        s.what = scenario::end_early;
    else if (key.starts_with("clock-ahead-") && number(key.substr(12), s.n))
        s.what = scenario::clock_ahead;
    else if (key.starts_with("clock-behind-") && number(key.substr(13), s.n))
        s.what = scenario::clock_behind;
    else if (key == "huge-frame")
        s.what = scenario::huge_frame;
    else if (key == "headers-overrun")
        s.what = scenario::headers_overrun;
    else if (key == "header-value-overrun")
        s.what = scenario::header_value_overrun;
    else if (key == "chunk-truncated")
        s.what = scenario::chunk_truncated;
    else if (key == "chunk-malformed")
        s.what = scenario::chunk_malformed;
    else if (key == "length-short")
        s.what = scenario::length_short;
    else if (key == "length-long")
        s.what = scenario::length_long;
    else if (key == "html")
        s.what = scenario::html;
    else if (key == "gzip")
        s.what = scenario::gzip;
    else if (key == "truncate-body")
        s.what = scenario::truncate_body;
    else if (key.starts_with("big-delta-") && number(key.substr(10), s.n) && s.n <= 64L * 1024 * 1024)
        s.what = scenario::big_delta;
    else if (key.starts_with("many-events-") && number(key.substr(12), s.n) && s.n <= 1000000)
        s.what = scenario::many_events;
    return s;
}

/// The emulated service's clock for a model id: off by minutes for the clock-ahead-/-behind- scenarios.
inline std::chrono::minutes clock_offset_of(std::string_view model_id)
{
    const scenario s = parse_scenario(model_id);
    if (s.what == scenario::clock_ahead)
        return std::chrono::minutes(s.n);
    if (s.what == scenario::clock_behind)
        return -std::chrono::minutes(s.n);
    return std::chrono::minutes(0);
}

// ---------------------------------------------------------------------------------------------
// Hostile bodies for the fault scenarios.

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

// ---------------------------------------------------------------------------------------------
// The echo model.

struct echo_answer {
    std::string text;           // the reply, when not a tool call
    bool tool = false;
    std::string tool_name;
    std::string tool_use_id;
    std::string tool_text;      // {"text": ...}
    bedrock::stop_reason stop = bedrock::stop_reason::end_turn;
    std::int32_t input_tokens = 0;
    std::int32_t output_tokens = 0;
};

inline std::string joined_text(const message& m)
{
    std::string t;
    for (const auto& block : m.content)
        if (const auto* text = std::get_if<content_block_text>(&block))
            t += text->value;
    return t;
}

template <class Req>
std::size_t conversation_words(const Req& in)
{
    std::size_t n = 0;
    for (const auto& m : in.messages)
        for (const auto& block : m.content)
            if (const auto* text = std::get_if<content_block_text>(&block))
                n += count_words(text->value);
    for (const auto& block : in.system)
        if (const auto* text = std::get_if<system_content_block_text>(&block))
            n += count_words(text->value);
    return n;
}

/// Bedrock's own complaint about a conversation it cannot start, or nothing.
template <class Req>
std::optional<std::string> conversation_problem(const Req& in)
{
    if (in.messages.empty() || !(in.messages.front().role == conversation_role::user))
        return std::string("A conversation must start with a user message. Try again with a conversation "
                           "that starts with a user message.");
    return std::nullopt;
}

/// The reply text, truncated to `max_tokens` words.
inline void finish_text(echo_answer& a, std::string reply, std::optional<std::int32_t> max_tokens)
{
    const std::size_t words = count_words(reply);
    if (max_tokens && *max_tokens >= 0 && words > static_cast<std::size_t>(*max_tokens)) {
        a.text = first_words(reply, static_cast<std::size_t>(*max_tokens));
        a.stop = bedrock::stop_reason::max_tokens;
        a.output_tokens = *max_tokens;
    } else {
        a.text = std::move(reply);
        a.output_tokens = static_cast<std::int32_t>(words);
    }
}

template <class Req>
echo_answer echo_conversation(const Req& in, std::uint64_t id)
{
    echo_answer a;
    a.input_tokens = static_cast<std::int32_t>(conversation_words(in));
    std::string last;
    for (auto it = in.messages.rbegin(); it != in.messages.rend(); ++it)
        if (it->role == conversation_role::user) {
            last = joined_text(*it);
            break;
        }
    if (in.tool_config && last.starts_with("use tool")) {
        for (const auto& t : in.tool_config->tools)
            if (const auto* spec = std::get_if<tool_tool_spec>(&t)) {
                a.tool = true;
                a.tool_name = spec->value.name;
                break;
            }
    }
    if (a.tool) {
        std::string_view rest = std::string_view(last).substr(8);
        while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
            rest.remove_prefix(1);
        a.tool_text = std::string(rest);
        a.tool_use_id = "tooluse_emulator" + std::to_string(id);
        a.stop = bedrock::stop_reason::tool_use;
        a.output_tokens = static_cast<std::int32_t>(count_words(rest) + 1);
        return a;
    }
    std::optional<std::int32_t> max_tokens;
    if (in.inference_config)
        max_tokens = in.inference_config->max_tokens;
    finish_text(a, "echo: " + last, max_tokens);
    return a;
}

inline document tool_input(const echo_answer& a)
{
    boost::json::object o;
    o["text"] = a.tool_text;
    return o;
}

/// The milliseconds the emulated model "took".
inline std::int64_t latency_of(const scenario& s) { return s.what == scenario::slow ? s.n + 1 : 1; }

// ---------------------------------------------------------------------------------------------
// Event streams.

/// Padding like the service's "p" member: letters and digits, a length that varies with the event.
inline std::string padding(std::size_t seed)
{
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    return std::string(alphabet.substr(0, 1 + (seed * 7 + 3) % 40));
}

/// `{...}` + `,"p":"..."` before its closing brace.
inline std::string with_padding(std::string json, std::size_t seed)
{
    if (json.size() < 2 || json.back() != '}')
        return json;
    json.pop_back();
    if (json.size() > 1)
        json.push_back(',');
    json.append("\"p\":\"").append(padding(seed)).append("\"}");
    return json;
}

inline std::string frame(std::string_view message_type, std::string_view type_header, std::string_view type,
                         std::string_view payload)
{
    const std::array<eventstream::header_view, 3> headers{{
        {type_header, std::string_view(type)},
        {":content-type", std::string_view("application/json")},
        {":message-type", message_type},
    }};
    std::vector<std::uint8_t> out;
    const eventstream::byte_view bytes(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    (void)eventstream::encode(headers, bytes, out);
    return std::string(out.begin(), out.end());
}

inline std::string event_frame(std::string_view type, std::string_view payload)
{
    return frame("event", ":event-type", type, payload);
}

inline std::string exception_frame(const service_error& e)
{
    return frame("exception", ":exception-type", lower_camel(e.name()), json::serialize(e));
}

/// Appends a converse-stream event (padded, as the service sends them).
inline void add_event(call& c, const converse_stream_output& ev)
{
    std::string payload;
    const auto h = json::serialize_event(ev, payload);
    c.reply.pieces.push_back({std::chrono::milliseconds(0),
                              event_frame(h.type, with_padding(std::move(payload), c.reply.pieces.size()))});
}

/// Starts a streamed answer: 200 and the event-stream content type.
inline void stream_head(call& c)
{
    c.reply.how = delivery::stream;
    c.reply.res.result(200);
    c.reply.res.set(boost::beast::http::field::content_type, "application/vnd.amazon.eventstream");
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages bodies (InvokeModel on the echo model).

struct anthropic_input {
    bool is_anthropic = false;
    std::string problem;            // a malformed Anthropic body
    std::string last_user_text;
    std::size_t input_words = 0;
    std::optional<std::int32_t> max_tokens;
};

inline std::size_t anthropic_content_words(const boost::json::value& content, std::string* text)
{
    std::size_t n = 0;
    if (content.is_string()) {
        n += count_words(content.get_string());
        if (text)
            text->append(content.get_string());
    } else if (content.is_array()) {
        for (const auto& block : content.get_array()) {
            if (!block.is_object())
                continue;
            const auto* t = block.get_object().if_contains("text");
            if (t && t->is_string()) {
                n += count_words(t->get_string());
                if (text)
                    text->append(t->get_string());
            }
        }
    }
    return n;
}

inline anthropic_input read_anthropic(std::string_view body)
{
    anthropic_input a;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec);
    if (ec || !v.is_object() || !v.get_object().contains("anthropic_version"))
        return a;
    a.is_anthropic = true;
    const auto& o = v.get_object();
    const auto* messages = o.if_contains("messages");
    if (!messages || !messages->is_array() || messages->get_array().empty()) {
        a.problem = "Malformed input request: #: required key [messages] not found, please reformat your input "
                    "and try again.";
        return a;
    }
    for (const auto& m : messages->get_array()) {
        if (!m.is_object() || !m.get_object().contains("role") || !m.get_object().contains("content")) {
            a.problem = "Malformed input request: #/messages: each message needs a role and content, please "
                        "reformat your input and try again.";
            return a;
        }
        const auto& mo = m.get_object();
        const bool user = mo.at("role").is_string() && mo.at("role").get_string() == "user";
        std::string text;
        a.input_words += anthropic_content_words(mo.at("content"), user ? &text : nullptr);
        if (user)
            a.last_user_text = std::move(text);
    }
    if (const auto* system = o.if_contains("system"))
        a.input_words += anthropic_content_words(*system, nullptr);
    if (const auto* mt = o.if_contains("max_tokens"); mt && mt->is_int64())
        a.max_tokens = static_cast<std::int32_t>(mt->get_int64());
    return a;
}

inline std::string anthropic_message(const echo_answer& a, std::string_view model_id, std::uint64_t id)
{
    boost::json::object o;
    o["id"] = "msg_emulator" + std::to_string(id);
    o["type"] = "message";
    o["role"] = "assistant";
    o["model"] = model_id;
    boost::json::object text;
    text["type"] = "text";
    text["text"] = a.text;
    o["content"] = boost::json::array{text};
    o["stop_reason"] = a.stop.str();
    o["stop_sequence"] = nullptr;
    boost::json::object usage;
    usage["input_tokens"] = a.input_tokens;
    usage["output_tokens"] = a.output_tokens;
    o["usage"] = usage;
    return boost::json::serialize(o);
}

/// The Anthropic streaming events of an answer, each as a JSON text.
inline std::vector<std::string> anthropic_stream(const echo_answer& a, std::string_view model_id, std::uint64_t id,
                                                 std::int64_t latency)
{
    std::vector<std::string> events;
    boost::json::object start;
    start["type"] = "message_start";
    boost::json::object msg;
    msg["id"] = "msg_emulator" + std::to_string(id);
    msg["type"] = "message";
    msg["role"] = "assistant";
    msg["model"] = model_id;
    msg["content"] = boost::json::array{};
    msg["stop_reason"] = nullptr;
    msg["stop_sequence"] = nullptr;
    boost::json::object usage;
    usage["input_tokens"] = a.input_tokens;
    usage["output_tokens"] = 1;
    msg["usage"] = usage;
    start["message"] = msg;
    events.push_back(boost::json::serialize(start));
    events.push_back(R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
    for (const auto& piece : word_pieces(a.text)) {
        boost::json::object d;
        d["type"] = "content_block_delta";
        d["index"] = 0;
        boost::json::object delta;
        delta["type"] = "text_delta";
        delta["text"] = piece;
        d["delta"] = delta;
        events.push_back(boost::json::serialize(d));
    }
    events.push_back(R"({"type":"content_block_stop","index":0})");
    boost::json::object md;
    md["type"] = "message_delta";
    boost::json::object delta;
    delta["stop_reason"] = a.stop.str();
    delta["stop_sequence"] = nullptr;
    md["delta"] = delta;
    boost::json::object out_usage;
    out_usage["output_tokens"] = a.output_tokens;
    md["usage"] = out_usage;
    events.push_back(boost::json::serialize(md));
    boost::json::object stop;
    stop["type"] = "message_stop";
    boost::json::object metrics;
    metrics["inputTokenCount"] = a.input_tokens;
    metrics["outputTokenCount"] = a.output_tokens;
    metrics["invocationLatency"] = latency;
    metrics["firstByteLatency"] = latency;
    stop["amazon-bedrock-invocationMetrics"] = metrics;
    events.push_back(boost::json::serialize(stop));
    return events;
}

/// A recorded answer, byte for byte: its status and headers, and its body in random pieces (each
/// its own chunk and socket write) when the recording asks for that.
inline void play_recording(call& c, const recorded_answer& a, std::uint64_t seed)
{
    c.reply.res.result(a.status);
    for (const auto& [name, value] : a.headers)
        c.reply.res.set(name, value);
    if (a.max_piece == 0) {
        c.reply.how = delivery::stream;
        c.reply.pieces.push_back({std::chrono::milliseconds(0), a.body});
        return;
    }
    c.reply.how = delivery::stream;
    std::minstd_rand random(static_cast<std::uint_fast32_t>(seed + 1));
    std::uniform_int_distribution<std::size_t> size(1, a.max_piece);
    for (std::size_t at = 0; at < a.body.size();) {
        const std::size_t n = std::min(size(random), a.body.size() - at);
        c.reply.pieces.push_back({std::chrono::milliseconds(0), a.body.substr(at, n)});
        at += n;
    }
}

// ---------------------------------------------------------------------------------------------
// The operations. Each one is called with its parsed input; it answers through `c.reply`.

inline void serve_converse(call& c, const converse_request& in, const scenario& s)
{
    if (auto problem = conversation_problem(in))
        return validation_error(c, *problem);
    const echo_answer a = echo_conversation(in, c.core.next_id());
    message m;
    m.role = conversation_role::assistant;
    if (a.tool)
        m.content.push_back(content_block_tool_use{tool_use_block{a.tool_use_id, a.tool_name, tool_input(a), std::nullopt}});
    else
        m.content.push_back(content_block_text{a.text});
    converse_response out;
    out.output = converse_output_message{std::move(m)};
    out.stop_reason = a.stop;
    out.usage.input_tokens = a.input_tokens;
    out.usage.output_tokens = a.output_tokens;
    out.usage.total_tokens = a.input_tokens + a.output_tokens;
    out.metrics.latency_ms = latency_of(s);
    out.performance_config = in.performance_config;
    out.service_tier = in.service_tier;
    write_output<operations::converse>(c, out);
}

inline void serve_converse_stream(call& c, const converse_stream_request& in, const scenario& s)
{
    if (auto problem = conversation_problem(in))
        return validation_error(c, *problem);
    const echo_answer a = echo_conversation(in, c.core.next_id());
    stream_head(c);
    add_event(c, converse_stream_output_message_start{message_start_event{conversation_role::assistant}});
    const auto text_delta = [](std::string text) {
        return converse_stream_output_content_block_delta{
            content_block_delta_event{content_block_delta_text{std::move(text)}, 0}};
    };
    if (s.what == scenario::big_delta) {
        // The payload written by hand: the text needs no escaping, and the JSON writer would take
        // its time over 17 MiB of it.
        std::string payload = R"({"contentBlockIndex":0,"delta":{"text":")" +
                              pattern_text(static_cast<std::size_t>(s.n)) + R"("}})";
        c.reply.pieces.push_back({std::chrono::milliseconds(0),
                                  event_frame("contentBlockDelta", with_padding(std::move(payload), 1))});
    } else if (s.what == scenario::many_events) {
        for (long i = 0; i < s.n; ++i)
            add_event(c, text_delta(std::to_string(i)));
    } else if (a.tool) {
        add_event(c, converse_stream_output_content_block_start{content_block_start_event{
                         content_block_start_tool_use{tool_use_block_start{a.tool_use_id, a.tool_name, std::nullopt}}, 0}});
        // The tool input arrives as partial JSON text, split in two.
        const std::string input = boost::json::serialize(tool_input(a));
        const std::size_t half = input.size() / 2;
        for (const auto& part : {input.substr(0, half), input.substr(half)})
            add_event(c, converse_stream_output_content_block_delta{
                             content_block_delta_event{content_block_delta_tool_use{tool_use_block_delta{part}}, 0}});
    } else {
        for (auto& piece : word_pieces(a.text))
            add_event(c, text_delta(std::move(piece)));
    }
    if (s.what == scenario::stream_error) {
        // The error arrives inside the stream, after the first events, as the service sends it.
        c.reply.pieces.push_back({std::chrono::milliseconds(0), exception_frame(scenario_error(s.arg, c.model_id))});
        return;
    }
    add_event(c, converse_stream_output_content_block_stop{content_block_stop_event{0}});
    if (s.what == scenario::end_early)
        return; // a clean end of the body, but no messageStop: the answer is cut short
    add_event(c, converse_stream_output_message_stop{message_stop_event{a.stop, std::nullopt}});
    converse_stream_metadata_event md;
    md.usage.input_tokens = a.input_tokens;
    md.usage.output_tokens = a.output_tokens;
    md.usage.total_tokens = a.input_tokens + a.output_tokens;
    md.metrics.latency_ms = latency_of(s);
    md.performance_config = in.performance_config;
    md.service_tier = in.service_tier;
    add_event(c, converse_stream_output_metadata{std::move(md)});
}

/// The echo of an InvokeModel-style body: the answer's bytes, content type and token counts.
struct invoke_echo {
    echo_answer answer;
    bool anthropic = false;
    std::string body;
    std::string content_type;
};

template <class In>
std::optional<invoke_echo> echo_invoke(call& c, const In& in)
{
    const std::string_view body(reinterpret_cast<const char*>(in.body.data()), in.body.size());
    invoke_echo e;
    const anthropic_input a = read_anthropic(body);
    if (!a.problem.empty()) {
        validation_error(c, a.problem);
        return std::nullopt;
    }
    if (a.is_anthropic) {
        e.anthropic = true;
        e.answer.input_tokens = static_cast<std::int32_t>(a.input_words);
        finish_text(e.answer, "echo: " + a.last_user_text, a.max_tokens);
        e.content_type = "application/json";
    } else {
        e.body = std::string(body);
        e.content_type = in.content_type.value_or("application/json");
        e.answer.input_tokens = static_cast<std::int32_t>(count_words(body));
        e.answer.output_tokens = e.answer.input_tokens;
    }
    return e;
}

inline void invocation_metrics(call& c, const echo_answer& a, std::int64_t latency)
{
    c.reply.res.set("X-Amzn-Bedrock-Input-Token-Count", std::to_string(a.input_tokens));
    c.reply.res.set("X-Amzn-Bedrock-Output-Token-Count", std::to_string(a.output_tokens));
    c.reply.res.set("X-Amzn-Bedrock-Invocation-Latency", std::to_string(latency));
}

inline void serve_invoke(call& c, const invoke_model_request& in, const scenario& s)
{
    auto e = echo_invoke(c, in);
    if (!e)
        return;
    invoke_model_response out;
    const std::string body = e->anthropic ? anthropic_message(e->answer, in.model_id, c.core.next_id()) : e->body;
    out.body.assign(body.begin(), body.end());
    out.content_type = e->content_type;
    out.performance_config_latency = in.performance_config_latency;
    out.service_tier = in.service_tier;
    write_output<operations::invoke_model>(c, out);
    invocation_metrics(c, e->answer, latency_of(s));
}

inline void serve_invoke_stream(call& c, const invoke_model_with_response_stream_request& in, const scenario& s)
{
    auto e = echo_invoke(c, in);
    if (!e)
        return;
    stream_head(c);
    invoke_model_with_response_stream_response out;
    out.content_type = e->content_type;
    out.performance_config_latency = in.performance_config_latency;
    out.service_tier = in.service_tier;
    std::apply(
        [&](const auto&... binding) {
            [[maybe_unused]] const auto one = [&](const auto& b) {
                if (auto text = bound_to_text(out.*(b.member)))
                    c.reply.res.set(b.name, *text);
            };
            (one(binding), ...);
        },
        operations::invoke_model_with_response_stream::output_bindings);
    const auto chunk = [&](std::string_view json_bytes) {
        // {"bytes": base64, "p": padding}, as the recordings show.
        std::string payload = "{\"bytes\":\"" + json::base64_encode(json_bytes) + "\"}";
        c.reply.pieces.push_back({std::chrono::milliseconds(0),
                                  event_frame("chunk", with_padding(std::move(payload), c.reply.pieces.size()))});
    };
    if (e->anthropic) {
        const auto events = anthropic_stream(e->answer, in.model_id, c.core.next_id(), latency_of(s));
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (s.what == scenario::stream_error && i == 3) {
                c.reply.pieces.push_back({std::chrono::milliseconds(0), exception_frame(scenario_error(s.arg, c.model_id))});
                return;
            }
            chunk(events[i]);
        }
    } else {
        chunk(e->body);
        if (s.what == scenario::stream_error)
            c.reply.pieces.push_back({std::chrono::milliseconds(0), exception_frame(scenario_error(s.arg, c.model_id))});
    }
}

inline void serve_count_tokens(call& c, const count_tokens_request& in)
{
    count_tokens_response out;
    if (const auto* conv = std::get_if<count_tokens_input_converse>(&in.input)) {
        out.input_tokens = static_cast<std::int32_t>(conversation_words(conv->value));
    } else if (const auto* inv = std::get_if<count_tokens_input_invoke_model>(&in.input)) {
        const std::string_view body(reinterpret_cast<const char*>(inv->value.body.data()), inv->value.body.size());
        const anthropic_input a = read_anthropic(body);
        if (!a.problem.empty())
            return validation_error(c, a.problem);
        out.input_tokens = static_cast<std::int32_t>(a.is_anthropic ? a.input_words : count_words(body));
    } else {
        return validation_error(c, "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                                   "Member must have one of converse or invokeModel");
    }
    write_output<operations::count_tokens>(c, out);
}

inline void serve_apply_guardrail(call& c, const apply_guardrail_request& in)
{
    apply_guardrail_response out;
    std::size_t words = 0;
    for (const auto& block : in.content)
        if (const auto* t = std::get_if<guardrail_content_block_text>(&block))
            words += count_words(t->value.text);
    if (in.guardrail_identifier == "block") {
        out.action = guardrail_action::guardrail_intervened;
        out.action_reason = "Guardrail blocked.";
        out.outputs.push_back(guardrail_output_content{std::string("Sorry, blocked.")});
        guardrail_assessment assessment;
        guardrail_word_policy_assessment words_policy;
        guardrail_custom_word w;
        w.match = "blocked";
        w.action = guardrail_word_policy_action::blocked;
        w.detected = true;
        words_policy.custom_words.push_back(std::move(w));
        assessment.word_policy = std::move(words_policy);
        out.assessments.push_back(std::move(assessment));
        out.usage.word_policy_units = 1;
    } else {
        out.action = guardrail_action::none;
        out.assessments.emplace_back();
    }
    out.usage.content_policy_units = static_cast<std::int32_t>(words > 0 ? 1 : 0);
    write_output<operations::apply_guardrail>(c, out);
}

/// Every requested check runs and finds nothing.
inline void serve_guardrail_checks(call& c, const invoke_guardrail_checks_request& in)
{
    invoke_guardrail_checks_response out;
    const auto units = static_cast<std::int32_t>(in.messages.size());
    if (in.checks.content_filter) {
        out.results.content_filter.emplace();
        out.usage.content_filter.emplace().text_units = units;
    }
    if (in.checks.prompt_attack) {
        out.results.prompt_attack.emplace();
        out.usage.prompt_attack.emplace().text_units = units;
    }
    if (in.checks.sensitive_information) {
        out.results.sensitive_information.emplace().truncated = false;
        out.usage.sensitive_information.emplace().text_units = units;
    }
    write_output<operations::invoke_guardrail_checks>(c, out);
}

inline std::string random_job_id()
{
    static constexpr std::string_view chars = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id;
    for (int i = 0; i < 12; ++i)
        id.push_back(chars[::bedrock::detail::random_engine()() % chars.size()]);
    return id;
}

inline async_invoke_status status_of(const async_job& j)
{
    return j.completed ? async_invoke_status::completed : async_invoke_status::in_progress;
}

inline void serve_start_async(call& c, const start_async_invoke_request& in)
{
    auto& core = c.core;
    std::string identity = json::serialize(in);
    if (in.client_request_token) {
        const auto it = core.tokens().find(*in.client_request_token);
        if (it != core.tokens().end()) {
            const async_job& job = core.jobs().at(it->second);
            if (job.request_json != identity)
                return send_error(c, named_error("ConflictException",
                                                 "The clientRequestToken " + *in.client_request_token +
                                                     " was already used with a different request."));
            return write_output<operations::start_async_invoke>(c, start_async_invoke_response{job.arn});
        }
    }
    async_job job;
    job.arn = "arn:aws:bedrock:" + core.options().region + ":123456789012:async-invoke/" + random_job_id();
    job.model_arn = in.model_id.starts_with("arn:")
                        ? in.model_id
                        : "arn:aws:bedrock:" + core.options().region + "::foundation-model/" + in.model_id;
    job.client_request_token = in.client_request_token.value_or("");
    job.request_json = std::move(identity);
    job.output_data_config = in.output_data_config;
    job.submit_time = core.now();
    job.sequence = core.next_id();
    if (in.client_request_token)
        core.tokens()[*in.client_request_token] = job.arn;
    const std::string arn = job.arn;
    core.jobs().emplace(arn, std::move(job));
    write_output<operations::start_async_invoke>(c, start_async_invoke_response{arn});
}

inline void serve_get_async(call& c, const get_async_invoke_request& in)
{
    const auto it = c.core.jobs().find(in.invocation_arn);
    if (it == c.core.jobs().end())
        return validation_error(c, "The specified invocation " + in.invocation_arn + " does not exist.");
    async_job& job = it->second;
    // The first look finds the job running; any later one finds it done.
    if (job.gets++ > 0 && !job.completed) {
        job.completed = true;
        job.end_time = c.core.now();
    }
    get_async_invoke_response out;
    out.invocation_arn = job.arn;
    out.model_arn = job.model_arn;
    if (!job.client_request_token.empty())
        out.client_request_token = job.client_request_token;
    out.status = status_of(job);
    out.submit_time = job.submit_time;
    out.last_modified_time = job.completed ? job.end_time : job.submit_time;
    if (job.completed)
        out.end_time = job.end_time;
    out.output_data_config = job.output_data_config;
    write_output<operations::get_async_invoke>(c, out);
}

inline void serve_list_async(call& c, const list_async_invokes_request& in)
{
    const std::int32_t max = in.max_results.value_or(1000);
    if (max < 1 || max > 1000)
        return validation_error(c, "1 validation error detected: Value '" + std::to_string(max) +
                                       "' at 'maxResults' failed to satisfy constraint: Member must have value "
                                       "less than or equal to 1000 and greater than or equal to 1");
    std::size_t offset = 0;
    if (in.next_token) {
        // The token is the base64 of "emulator:<offset>": opaque to clients, checked here.
        std::vector<std::uint8_t> raw;
        std::string_view text;
        if (!json::base64_decode(*in.next_token, raw))
            text = std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size());
        long n = -1;
        if (text.starts_with("emulator:")) {
            auto [end, ec] = std::from_chars(text.data() + 9, text.data() + text.size(), n);
            if (ec != std::errc{} || end != text.data() + text.size())
                n = -1;
        }
        if (n < 0)
            return validation_error(c, "The pagination token is invalid.");
        offset = static_cast<std::size_t>(n);
    }
    std::vector<const async_job*> found;
    for (const auto& [arn, job] : c.core.jobs()) {
        if (in.status_equals && !(status_of(job) == *in.status_equals))
            continue;
        if (in.submit_time_after && !(job.submit_time > *in.submit_time_after))
            continue;
        if (in.submit_time_before && !(job.submit_time < *in.submit_time_before))
            continue;
        found.push_back(&job);
    }
    const bool ascending = in.sort_order && *in.sort_order == sort_order::ascending;
    std::sort(found.begin(), found.end(), [&](const async_job* a, const async_job* b) {
        if (a->submit_time != b->submit_time)
            return ascending ? a->submit_time < b->submit_time : a->submit_time > b->submit_time;
        return ascending ? a->sequence < b->sequence : a->sequence > b->sequence;
    });
    list_async_invokes_response out;
    for (std::size_t i = offset; i < found.size() && i < offset + static_cast<std::size_t>(max); ++i) {
        const async_job& job = *found[i];
        async_invoke_summary s;
        s.invocation_arn = job.arn;
        s.model_arn = job.model_arn;
        if (!job.client_request_token.empty())
            s.client_request_token = job.client_request_token;
        s.status = status_of(job);
        s.submit_time = job.submit_time;
        s.last_modified_time = job.completed ? job.end_time : job.submit_time;
        if (job.completed)
            s.end_time = job.end_time;
        s.output_data_config = job.output_data_config;
        out.async_invoke_summaries.push_back(std::move(s));
    }
    if (offset + static_cast<std::size_t>(max) < found.size())
        out.next_token = json::base64_encode("emulator:" + std::to_string(offset + static_cast<std::size_t>(max)));
    write_output<operations::list_async_invokes>(c, out);
}

// ---------------------------------------------------------------------------------------------
// Routing.

/// The id scenarios and counters key on: the model id, or the guardrail id.
template <class In>
std::string subject_of(const In& in)
{
    if constexpr (requires { in.model_id; })
        return in.model_id;
    else if constexpr (requires { in.guardrail_identifier; })
        return in.guardrail_identifier;
    else
        return {};
}

template <class Op>
void serve(call& c)
{
    using input = typename Op::input_type;
    if constexpr (std::is_same_v<Op, operations::invoke_model_with_bidirectional_stream>) {
        return validation_error(c, "InvokeModelWithBidirectionalStream requires HTTP/2; the emulator serves "
                                   "HTTP/1.1 only.");
    } else {
        input in{};
        std::string problem;
        if (!read_input<Op>(c, in, problem))
            return validation_error(c, std::move(problem));
        c.model_id = subject_of(in);
        scenario s;
        if (!c.model_id.empty()) {
            s = parse_scenario(c.model_id);
            if (auto e = scenario_failure(c, s))
                return send_error(c, std::move(*e));
        }
        if constexpr (std::is_same_v<Op, operations::converse>)
            serve_converse(c, in, s);
        else if constexpr (std::is_same_v<Op, operations::converse_stream>)
            serve_converse_stream(c, in, s);
        else if constexpr (std::is_same_v<Op, operations::invoke_model>)
            serve_invoke(c, in, s);
        else if constexpr (std::is_same_v<Op, operations::invoke_model_with_response_stream>)
            serve_invoke_stream(c, in, s);
        else if constexpr (std::is_same_v<Op, operations::count_tokens>)
            serve_count_tokens(c, in);
        else if constexpr (std::is_same_v<Op, operations::apply_guardrail>)
            serve_apply_guardrail(c, in);
        else if constexpr (std::is_same_v<Op, operations::invoke_guardrail_checks>)
            serve_guardrail_checks(c, in);
        else if constexpr (std::is_same_v<Op, operations::start_async_invoke>)
            serve_start_async(c, in);
        else if constexpr (std::is_same_v<Op, operations::get_async_invoke>)
            serve_get_async(c, in);
        else if constexpr (std::is_same_v<Op, operations::list_async_invokes>)
            serve_list_async(c, in);
        else
            static_assert(sizeof(Op) == 0, "an operation the emulator does not serve");
        // An error is an error: only successful answers get the transport scenarios.
        if (c.reply.res.result_int() < 300 && s.what != scenario::stream_error)
            shape_delivery(c, s);
    }
}

struct route {
    std::string_view name;
    std::string_view method;
    std::string_view uri;
    void (*fn)(call&);
};

template <class... Ops>
constexpr std::array<route, sizeof...(Ops)> make_routes(std::tuple<Ops...>*)
{
    return {route{Ops::name, Ops::method, Ops::uri, &serve<Ops>}...};
}

inline const auto& routes()
{
    static constexpr auto table = make_routes(static_cast<operations::all*>(nullptr));
    return table;
}

/// Matches the path against a URI template; fills the decoded labels.
inline bool match_uri(std::string_view uri, std::string_view path,
                      std::vector<std::pair<std::string, std::string>>& labels)
{
    labels.clear();
    while (true) {
        if (uri.empty() || path.empty())
            return uri.empty() && path.empty();
        if (uri.front() != '/' || path.front() != '/')
            return false;
        uri.remove_prefix(1);
        path.remove_prefix(1);
        const std::string_view useg = uri.substr(0, uri.find('/'));
        const std::string_view pseg = path.substr(0, path.find('/'));
        uri.remove_prefix(useg.size());
        path.remove_prefix(pseg.size());
        if (useg.size() > 2 && useg.front() == '{' && useg.back() == '}') {
            if (pseg.empty())
                return false;
            labels.emplace_back(std::string(useg.substr(1, useg.size() - 2)), verifier_detail::percent_decode(pseg));
        } else if (useg != pseg) {
            return false;
        }
    }
}

} // namespace bedrock::testing::detail::emu

namespace bedrock::testing::detail {

BEDROCK_DECL emulator_core::emulator_core(emulator_options options)
    : options_(std::move(options)), verifier_([&] {
          verifier_options v;
          v.region = options_.region;
          v.credentials = credentials_list(options_.credentials);
          v.bearer_tokens = options_.bearer_tokens;
          return v;
      }())
{
    if (!options_.clock)
        options_.clock = [] { return std::chrono::system_clock::now(); };
}

BEDROCK_DECL emulator_reply emulator_core::handle(const request& req)
{
    std::lock_guard lock(mutex_);
    recorded_request rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    for (const auto& f : req)
        rec.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    rec.body = req.body();

    emu::call c{*this, req, {}, {}, ::bedrock::detail::random_uuid(), {}, {}, parser_, 0};

    const std::string_view target = req.target();
    const auto qmark = target.find('?');
    const std::string_view path = target.substr(0, qmark);
    if (qmark != std::string_view::npos) {
        for (std::string_view q = target.substr(qmark + 1); !q.empty();) {
            const auto amp = q.find('&');
            const std::string_view pair = q.substr(0, amp);
            q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
            if (pair.empty())
                continue;
            const auto eq = pair.find('=');
            c.query.emplace_back(verifier_detail::percent_decode(pair.substr(0, eq)),
                                 eq == std::string_view::npos ? std::string() : verifier_detail::percent_decode(pair.substr(eq + 1)));
        }
    }

    const emu::route* matched = nullptr;
    for (const auto& r : emu::routes()) {
        if (r.method == req.method_string() && emu::match_uri(r.uri, path, c.labels)) {
            matched = &r;
            break;
        }
    }
    if (matched) {
        rec.operation = std::string(matched->name);
        ++operation_counts_[rec.operation];
        if (auto id = c.label("modelId"); !id.empty())
            c.model_id = std::string(id);
        else if (auto g = c.label("guardrailIdentifier"); !g.empty())
            c.model_id = std::string(g);
    }

    const auto server_now = now() + emu::clock_offset_of(c.model_id);
    verification_result auth;
    if (options_.require_auth) {
        std::vector<auth::http_header> headers;
        headers.reserve(rec.headers.size());
        for (const auto& [n, v] : rec.headers)
            headers.push_back({n, v});
        received_request rr;
        rr.method = req.method_string();
        rr.target = target;
        rr.headers = headers;
        rr.body = req.body();
        auth = verifier_.verify(rr, server_now);
    }
    if (!auth.ok()) {
        unknown_service_error e;
        e.error_name = std::string(error_type_name(auth.failure));
        e.message = auth.message;
        e.http_status = http_status(auth.failure);
        emu::send_error(c, e);
    } else if (!matched) {
        unknown_service_error e;
        e.error_name = "UnknownOperationException";
        e.message = "No operation matches " + std::string(req.method_string()) + " " + std::string(path) + ".";
        e.http_status = 404;
        emu::send_error(c, e);
    } else if (auto played = recordings_.find(c.model_id); played != recordings_.end()) {
        emu::play_recording(c, played->second, ids_++);
    } else {
        matched->fn(c);
    }

    c.reply.res.set("x-amzn-RequestId", c.request_id);
    c.reply.res.set(boost::beast::http::field::date, emu::http_date(server_now));
    c.reply.res.version(11);
    rec.model_id = c.model_id;
    if (!c.model_id.empty()) // from the URI, or from the body (StartAsyncInvoke)
        ++model_counts_[c.model_id];
    rec.status = (c.reply.how == delivery::stall || c.reply.how == delivery::reset) ? 0 : c.reply.res.result_int();
    log_.push_back(std::move(rec));
    while (log_.size() > options_.log_capacity)
        log_.pop_front();
    return std::move(c.reply);
}

BEDROCK_DECL std::vector<recorded_request> emulator_core::requests() const
{
    std::lock_guard lock(mutex_);
    return {log_.begin(), log_.end()};
}

BEDROCK_DECL std::size_t emulator_core::operation_attempts(std::string_view operation) const
{
    std::lock_guard lock(mutex_);
    const auto it = operation_counts_.find(operation);
    return it == operation_counts_.end() ? 0 : it->second;
}

BEDROCK_DECL std::size_t emulator_core::model_attempts(std::string_view model_id) const
{
    std::lock_guard lock(mutex_);
    const auto it = model_counts_.find(model_id);
    return it == model_counts_.end() ? 0 : it->second;
}

BEDROCK_DECL std::size_t emulator_core::async_jobs() const
{
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

BEDROCK_DECL void emulator_core::reset_state()
{
    std::lock_guard lock(mutex_);
    log_.clear();
    operation_counts_.clear();
    model_counts_.clear();
    scenario_counts_.clear();
    jobs_.clear();
    tokens_.clear();
}

} // namespace bedrock::testing::detail

#endif
