// The sans-I/O half of a response event stream: frames from bytes however they are cut, exception
// and error frames as typed failures, corrupt input as the decoder's error; and the accumulator that
// turns a converse stream's events into the Converse-shaped answer.

#include "support/vectors.hpp"

#include <bedrock/detail/stream_core.hpp>
#include <bedrock/error.hpp>
#include <bedrock/eventstream/crc32.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/model/json/converse_stream.hpp>
#include <bedrock/stream_accumulator.hpp>

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

namespace stream_core_test {

namespace {

struct frame_seen {
    std::string type;    // event type, or the error type for a failure
    std::string payload; // an event's payload, or the service's message for a failure
    boost::system::error_code ec;
};

// Feeds `body` to a stream_core in pieces of `piece` bytes, the way the client does (each read into
// prepare(), then frames until need_more), and lists what comes out.
std::vector<frame_seen> run_core(const std::string& body, std::size_t piece)
{
    bedrock::detail::stream_core core;
    bedrock::diagnostics diag;
    std::vector<frame_seen> out;
    std::size_t at = 0;
    for (;;) {
        boost::system::error_code ec;
        const auto kind = core.next_frame(ec, diag);
        if (kind == bedrock::detail::stream_core::frame_kind::event) {
            out.push_back({std::string(core.event_type()), std::string(core.payload()), {}});
            continue;
        }
        if (kind == bedrock::detail::stream_core::frame_kind::failure) {
            out.push_back({diag.error_type, diag.service_message, ec});
            return out;
        }
        if (at == body.size()) {
            if (auto e = core.finish())
                out.push_back({"finish", {}, e});
            return out;
        }
        auto buffer = core.prepare();
        const std::size_t n = std::min({piece, buffer.size(), body.size() - at});
        std::memcpy(buffer.data(), body.data() + at, n);
        core.commit(n);
        at += n;
    }
}

std::string frame_bytes(std::vector<bedrock::eventstream::header_view> headers, std::string_view payload)
{
    std::vector<std::uint8_t> out;
    REQUIRE_FALSE(bedrock::eventstream::encode(
        headers, bedrock::eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
        out));
    return std::string(out.begin(), out.end());
}

} // namespace

TEST_CASE("stream core: the recorded converse stream, cut anywhere, gives the same 32 events", "[stream]")
{
    const std::string body =
        bedrock::test::read_text(bedrock::test::vector_path("recorded/dd-trace-py/bedrock_converse_stream.0.bin"));
    const auto whole = run_core(body, body.size());
    REQUIRE(whole.size() == 32);
    // Every event as the cassette's own decoding (a Python decoder, in the .decoded.json) has it.
    const auto decoded = boost::json::parse(
        bedrock::test::read_text(bedrock::test::vector_path("recorded/dd-trace-py/bedrock_converse_stream.decoded.json")));
    const auto& frames = decoded.at("interactions").at(0).at("frames").as_array();
    REQUIRE(frames.size() == 32);
    std::vector<std::string> types;
    for (std::size_t i = 0; i < whole.size(); ++i) {
        INFO("event " << i);
        CHECK(whole[i].type == std::string_view(frames[i].at("headers").at(":event-type").at("value").as_string()));
        CHECK(whole[i].payload == std::string_view(frames[i].at("payload_utf8").as_string()));
        CHECK_FALSE(whole[i].ec);
        types.push_back(whole[i].type);
    }
    std::vector<std::string> expected{"messageStart"};
    expected.insert(expected.end(), 20, "contentBlockDelta");
    expected.insert(expected.end(), {"contentBlockStop", "contentBlockStart"});
    expected.insert(expected.end(), 6, "contentBlockDelta");
    expected.insert(expected.end(), {"contentBlockStop", "messageStop", "metadata"});
    CHECK(types == expected);
    for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{100}, std::size_t{4096}}) {
        INFO("pieces of " << piece);
        const auto cut = run_core(body, piece);
        REQUIRE(cut.size() == whole.size());
        for (std::size_t i = 0; i < cut.size(); ++i) {
            CHECK(cut[i].type == whole[i].type);
            CHECK(cut[i].payload == whole[i].payload);
            CHECK_FALSE(cut[i].ec);
        }
    }
}

TEST_CASE("stream core: the buffer starts small and grows only while reads fill it", "[stream]")
{
    using core_t = bedrock::detail::stream_core;
    using hv = bedrock::eventstream::header_view;
    // Many small frames, more than the largest buffer holds.
    std::string body;
    for (int i = 0; body.size() < 3 * core_t::read_size; ++i)
        body += frame_bytes({hv{":event-type", std::string_view("contentBlockDelta")},
                             hv{":message-type", std::string_view("event")}},
                            R"({"contentBlockIndex":0,"delta":{"text":")" + std::to_string(i) + R"("}})");

    // A stream fed as a socket in bulk would feed it: every read fills the buffer, which doubles up
    // to read_size; every frame comes out once, in order, whichever buffer it was read into.
    {
        core_t core;
        bedrock::diagnostics diag;
        std::vector<std::size_t> sizes;
        std::size_t at = 0;
        int events = 0;
        std::string texts;
        for (;;) {
            boost::system::error_code ec;
            const auto kind = core.next_frame(ec, diag);
            REQUIRE(kind != core_t::frame_kind::failure);
            if (kind == core_t::frame_kind::event) {
                ++events;
                continue;
            }
            if (at == body.size())
                break;
            auto buffer = core.prepare();
            if (sizes.empty() || sizes.back() != core.capacity())
                sizes.push_back(core.capacity());
            const std::size_t n = std::min(buffer.size(), body.size() - at);
            std::memcpy(buffer.data(), body.data() + at, n);
            core.commit(n);
            at += n;
        }
        CHECK_FALSE(core.finish());
        CHECK(events > 0);
        CHECK(run_core(body, body.size()).size() == static_cast<std::size_t>(events));
        CHECK(sizes == std::vector<std::size_t>{core_t::initial_read_size, 2 * core_t::initial_read_size,
                                                4 * core_t::initial_read_size, core_t::read_size});
    }
    // Events that arrive one at a time (a model's tokens) never fill it: it stays at its first size.
    {
        core_t core;
        bedrock::diagnostics diag;
        std::size_t at = 0;
        while (at < body.size()) {
            boost::system::error_code ec;
            while (core.next_frame(ec, diag) == core_t::frame_kind::event) {
            }
            REQUIRE_FALSE(ec);
            auto buffer = core.prepare();
            const std::size_t n = std::min<std::size_t>(100, body.size() - at);
            std::memcpy(buffer.data(), body.data() + at, n);
            core.commit(n);
            at += n;
        }
        CHECK(core.capacity() == core_t::initial_read_size);
    }
}

TEST_CASE("stream core: payloads parse in place with simdjson's padding, and as copies", "[stream]")
{
    const std::string body =
        bedrock::test::read_text(bedrock::test::vector_path("bedrock-streams/converse_stream_text.bin"));
    for (std::size_t piece : {body.size(), std::size_t{5}}) {
        bedrock::detail::stream_core core;
        bedrock::diagnostics diag;
        auto buffer = core.prepare();
        std::size_t at = 0;
        std::vector<std::string> texts;
        simdjson::ondemand::parser parser;
        while (true) {
            boost::system::error_code ec;
            const auto kind = core.next_frame(ec, diag);
            REQUIRE(kind != bedrock::detail::stream_core::frame_kind::failure);
            if (kind == bedrock::detail::stream_core::frame_kind::event) {
                bedrock::converse_stream_output ev;
                REQUIRE_FALSE(bedrock::json::parse_event(parser, core.event_type(), bedrock::json::source(core.payload(), core.payload_capacity()), ev));
                if (auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&ev))
                    texts.push_back(std::get<bedrock::content_block_delta_text>(d->value.delta).value);
                continue;
            }
            if (at == body.size())
                break;
            buffer = core.prepare();
            const std::size_t n = std::min({piece, buffer.size(), body.size() - at});
            std::memcpy(buffer.data(), body.data() + at, n);
            core.commit(n);
            at += n;
        }
        CHECK(texts == std::vector<std::string>{"Hello", ", world",
                                                "! caf\u00e9 \u2713 \u65e5\u672c \U0001F600 \"quoted\" \\ back\nslash"});
    }
}

TEST_CASE("stream core: exception and error frames are typed failures, other kinds are refused", "[stream]")
{
    using hv = bedrock::eventstream::header_view;
    const std::string event = frame_bytes({hv{":event-type", std::string_view("messageStart")},
                                           hv{":message-type", std::string_view("event")}},
                                          R"({"role":"assistant"})");
    {
        const std::string body =
            event + frame_bytes({hv{":exception-type", std::string_view("throttlingException")},
                                 hv{":message-type", std::string_view("exception")}},
                                R"({"message":"slow down"})");
        const auto seen = run_core(body, 3);
        REQUIRE(seen.size() == 2);
        CHECK(seen[0].type == "messageStart");
        CHECK(seen[0].payload == R"({"role":"assistant"})");
        CHECK_FALSE(seen[0].ec);
        CHECK(seen[1].ec == bedrock::service_errc::throttling);
        CHECK(seen[1].type == "throttlingException");
        CHECK(seen[1].payload == "slow down");
    }
    {
        const std::string body = frame_bytes({hv{":error-code", std::string_view("InternalFailure")},
                                              hv{":error-message", std::string_view("boom")},
                                              hv{":message-type", std::string_view("error")}},
                                             "");
        const auto seen = run_core(body, body.size());
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].ec == bedrock::service_errc::unknown); // a code the model does not name
        CHECK(seen[0].type == "InternalFailure");
        CHECK(seen[0].payload == "boom");
    }
    {
        const std::string body =
            frame_bytes({hv{":event-type", std::string_view("x")}, hv{":message-type", std::string_view("mystery")}}, "{}");
        bedrock::detail::stream_core core;
        bedrock::diagnostics diag;
        auto buffer = core.prepare();
        std::memcpy(buffer.data(), body.data(), body.size());
        core.commit(body.size());
        boost::system::error_code ec;
        CHECK(core.next_frame(ec, diag) == bedrock::detail::stream_core::frame_kind::failure);
        CHECK(ec == bedrock::client_errc::invalid_response);
        CHECK(diag.client_message ==
              R"(event stream: a frame with :message-type "mystery" (expected event, exception or error))");
    }
}

TEST_CASE("stream core: corrupt and truncated input end with the decoder's error", "[stream]")
{
    const std::string body =
        bedrock::test::read_text(bedrock::test::vector_path("bedrock-streams/converse_stream_text.bin"));
    {
        std::string bad = body;
        bad[200] ^= 0x01; // inside the second frame's headers (it spans bytes 165 to 343)
        const auto seen = run_core(bad, 64);
        REQUIRE(seen.size() == 2);
        CHECK(seen[0].type == "messageStart");
        CHECK_FALSE(seen[0].ec);
        CHECK(seen[1].ec == bedrock::eventstream::error::message_crc_mismatch);
    }
    {
        // Seven frames; the last one loses its last 10 bytes: six events, then the truncation.
        const auto seen = run_core(body.substr(0, body.size() - 10), 64);
        REQUIRE(seen.size() == 7);
        for (std::size_t i = 0; i < 6; ++i)
            CHECK_FALSE(seen[i].ec);
        CHECK(seen[5].type == "messageStop");
        CHECK(seen[6].type == "finish");
        CHECK(seen[6].ec == bedrock::eventstream::error::truncated_stream);
    }
    {
        // A hostile length with a valid prelude CRC: refused at the prelude, before any payload is
        // buffered (a length with a wrong CRC is corruption, not a hostile size).
        std::string hostile = body.substr(0, 12);
        hostile[0] = '\x7f';
        const std::uint32_t crc = bedrock::eventstream::crc32(hostile.data(), 8);
        for (int i = 0; i < 4; ++i)
            hostile[static_cast<std::size_t>(8 + i)] = static_cast<char>(crc >> (24 - 8 * i));
        const auto seen = run_core(hostile + std::string(100, 'x'), 5);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].ec == bedrock::eventstream::error::message_too_long);
    }
    {
        // The same bytes without the CRC fixed: a prelude CRC mismatch.
        std::string flipped = body.substr(0, 12);
        flipped[0] = '\x7f';
        const auto seen = run_core(flipped + std::string(100, 'x'), 5);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].ec == bedrock::eventstream::error::prelude_crc_mismatch);
    }
}

namespace {

// The events the official SDK parsed for one harness case, as typed events.
std::vector<bedrock::converse_stream_output> harness_events(const std::string& name)
{
    const auto doc =
        boost::json::parse(bedrock::test::read_text(bedrock::test::vector_path("sdk-behaviour/sdk_harness_results.json")));
    std::vector<bedrock::converse_stream_output> out;
    simdjson::ondemand::parser parser;
    for (const auto& e : doc.at("results").at(name).at("output").at("events").as_array()) {
        const auto& member = *e.as_object().begin();
        bedrock::converse_stream_output ev;
        const std::string text = boost::json::serialize(member.value());
        const std::string type(member.key());
        REQUIRE_FALSE(bedrock::json::parse_event(parser, type, text, ev));
        out.push_back(std::move(ev));
    }
    return out;
}

} // namespace

TEST_CASE("accumulator: text and tool use as the official SDK parsed them", "[stream][accumulator]")
{
    bedrock::converse_stream_accumulator acc;
    for (const auto& ev : harness_events("ConverseStream_generated_tool_use"))
        REQUIRE_FALSE(acc.add(ev));
    CHECK(acc.stopped());
    CHECK(acc.has_metadata());
    CHECK(acc.text() == "Let me check.");
    const auto r = acc.response();
    CHECK(r.stop_reason == bedrock::stop_reason::tool_use);
    CHECK(r.usage.input_tokens == 236);
    CHECK(r.usage.output_tokens == 58);
    CHECK(r.metrics.latency_ms == 1176);
    const auto& m = std::get<bedrock::converse_output_message>(r.output).value;
    CHECK(m.role == bedrock::conversation_role::assistant);
    REQUIRE(m.content.size() == 2);
    CHECK(std::get<bedrock::content_block_text>(m.content[0]).value == "Let me check.");
    const auto& use = std::get<bedrock::content_block_tool_use>(m.content[1]).value;
    CHECK(use.tool_use_id == "tooluse_5ZK6mS1fRdW3xC0a9NqLrA");
    CHECK(use.name == "get_weather");
    CHECK(use.input == boost::json::parse(R"({"city":"Paris","unit":"C"})"));

    bedrock::converse_stream_accumulator text_only;
    for (const auto& ev : harness_events("ConverseStream_generated_text"))
        REQUIRE_FALSE(text_only.add(ev));
    CHECK(text_only.text() == "Hello, world! caf\u00e9 \u2713 \u65e5\u672c \U0001F600 \"quoted\" \\ back\nslash");
    CHECK(text_only.response().stop_reason == bedrock::stop_reason::end_turn);
}

TEST_CASE("accumulator: bad tool input, reasoning, and a tool without input", "[stream][accumulator]")
{
    using namespace bedrock;
    const auto start = [](int index, std::string id) {
        return converse_stream_output{converse_stream_output_content_block_start{
            content_block_start_event{content_block_start_tool_use{tool_use_block_start{std::move(id), "t", std::nullopt}}, index}}};
    };
    const auto tool_delta = [](int index, std::string input) {
        return converse_stream_output{converse_stream_output_content_block_delta{
            content_block_delta_event{content_block_delta_tool_use{tool_use_block_delta{std::move(input)}}, index}}};
    };
    const auto stop = [](int index) {
        return converse_stream_output{converse_stream_output_content_block_stop{content_block_stop_event{index}}};
    };

    converse_stream_accumulator acc;
    CHECK_FALSE(acc.add(start(0, "a")));
    CHECK_FALSE(acc.add(tool_delta(0, R"({"x": )")));
    CHECK(acc.add(stop(0)) == client_errc::invalid_response); // `{"x": ` is not JSON

    CHECK_FALSE(acc.add(start(1, "b")));
    CHECK_FALSE(acc.add(stop(1))); // no input at all: {}
    CHECK_FALSE(acc.add(converse_stream_output{converse_stream_output_content_block_delta{content_block_delta_event{
        content_block_delta_reasoning_content{reasoning_content_block_delta_text{"thinking"}}, 2}}}));
    CHECK_FALSE(acc.add(converse_stream_output{converse_stream_output_content_block_delta{content_block_delta_event{
        content_block_delta_reasoning_content{reasoning_content_block_delta_signature{"sig"}}, 2}}}));
    // A text delta for the reasoning block contradicts it.
    CHECK(acc.add(converse_stream_output{converse_stream_output_content_block_delta{
              content_block_delta_event{content_block_delta_text{"x"}, 2}}}) == client_errc::invalid_response);

    const auto r = acc.response();
    const auto& content = std::get<converse_output_message>(r.output).value.content;
    REQUIRE(content.size() == 3);
    CHECK(std::get<content_block_tool_use>(content[0]).value.input.is_null());
    CHECK(std::get<content_block_tool_use>(content[1]).value.input == boost::json::object{});
    const auto& reasoning = std::get<reasoning_content_block_reasoning_text>(
        std::get<content_block_reasoning_content>(content[2]).value);
    CHECK(reasoning.value.text == "thinking");
    CHECK(reasoning.value.signature == "sig");
}

} // namespace stream_core_test
