#ifndef BEDROCK_TESTING_IMPL_EMULATOR_SCENARIO_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_SCENARIO_IPP

// The scenario language: what a model id asks the emulator to do (throttle-once:<tag>,
// fail-times-<n>:<tag>, slow-<ms>:<tag>, ...; the table is in bedrock/testing/emulator.hpp).

#include <charconv>
#include <chrono>
#include <string>
#include <string_view>

namespace bedrock::testing::detail::emu {

struct scenario {
    enum kind {
        none, throttle_once, unavailable_once, fail_times, always_500, error, stream_error,
        slow, slow_once, slow_events, split, stall, stall_head, stall_body, reset, reset_body, bad_json,
        end_early, clock_ahead, clock_behind,
        // Faults: hostile frames, lying framing, answers that are not what was asked for.
        huge_frame, headers_overrun, header_value_overrun, chunk_truncated, chunk_malformed,
        length_short, length_long, html, gzip, truncate_body, big_delta, many_events,
        // The bidirectional stream's own.
        bidi_speak_first, reset_stream, stop_reading
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
    else if (key == "bidi-speak-first")
        s.what = scenario::bidi_speak_first;
    else if (key == "reset-stream")
        s.what = scenario::reset_stream;
    else if (key == "stop-reading")
        s.what = scenario::stop_reading;
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

} // namespace bedrock::testing::detail::emu

#endif
