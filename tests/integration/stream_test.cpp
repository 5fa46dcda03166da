// Streaming operations end to end: the client against the emulator over real TLS on loopback, with
// the recorded streams of the shared vectors replayed byte for byte.

#include <bedrock/client.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/testing/emulator.hpp>

#include "coroutine_support.hpp"
#include "emulator_support.hpp"
#include "support/vectors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace stream_test {

namespace asio = boost::asio;
using bedrock::client_errc;
using bedrock::service_errc;

namespace {

bedrock::testing::emulator& stream_emulator()
{
    return bedrock::test::started_emulator<struct stream_tests>();
}

using bedrock::test::run;

bedrock::converse_stream_request stream_hello(std::string model, std::string text = "hello there world")
{
    bedrock::converse_stream_request r;
    r.model_id = std::move(model);
    r.messages = std::vector{bedrock::user_text(std::move(text))};
    return r;
}

bedrock::invoke_model_with_response_stream_request invoke_hello(std::string model)
{
    const std::string body =
        R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"hi there"}]})";
    bedrock::invoke_model_with_response_stream_request r;
    r.model_id = std::move(model);
    r.body.assign(body.begin(), body.end());
    r.content_type = "application/json";
    return r;
}

std::string text_of(const bedrock::converse_stream_output& ev)
{
    if (auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&ev))
        if (auto* t = std::get_if<bedrock::content_block_delta_text>(&d->value.delta))
            return t->value;
    return {};
}

// Reads a stream with callbacks to its end: the text of its deltas, then `at_end` (if set).
struct callback_reader {
    bedrock::converse_event_stream stream;
    std::string text;
    bool ended = false;
    std::function<void()> at_end;

    void next()
    {
        stream.next([this](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
            REQUIRE_FALSE(ec);
            if (!ev) {
                ended = true;
                if (at_end)
                    at_end();
                return;
            }
            text += text_of(*ev);
            next();
        });
    }
};

struct read_outcome {
    std::size_t events = 0;
    std::string text;
    boost::system::error_code failure;
};

/// Reads a stream that must fail: every event up to the failure (a clean end fails the test).
asio::awaitable<read_outcome> read_until_failure(bedrock::event_stream<bedrock::operations::converse_stream>& stream)
{
    read_outcome out;
    for (;;) {
        auto [ec, ev] = co_await stream.next(asio::as_tuple(asio::deferred));
        if (ec) {
            out.failure = ec;
            co_return out;
        }
        REQUIRE(ev); // a clean end would be an empty optional without an error
        out.text += text_of(*ev);
        ++out.events;
    }
}

// The error each exception of a stream is (by its :exception-type, the union member's name).
bedrock::service_errc stream_exception_code(const std::string& type)
{
    static const std::map<std::string, bedrock::service_errc> codes = {
        {"internalServerException", service_errc::internal_server},
        {"modelStreamErrorException", service_errc::model_stream_error},
        {"validationException", service_errc::validation},
        {"throttlingException", service_errc::throttling},
        {"modelTimeoutException", service_errc::model_timeout},
        {"serviceUnavailableException", service_errc::service_unavailable},
    };
    return codes.at(type);
}

// What a frame of a recording should come out as: its type and message type, and its payload as
// JSON without the service's "p" padding.
struct expected_frame {
    std::string message_type;
    std::string type; // :event-type or :exception-type
    boost::json::value payload;
};

std::vector<expected_frame> expected_frames(const boost::json::array& frames)
{
    std::vector<expected_frame> out;
    for (const auto& f : frames) {
        const auto& o = f.as_object();
        const auto& headers = o.at("headers").as_object();
        const auto header = [&](const char* name) -> std::string {
            const auto* h = headers.if_contains(name);
            return h ? std::string(h->as_object().at("value").as_string()) : std::string();
        };
        expected_frame e;
        e.message_type = header(":message-type");
        e.type = e.message_type == "exception" ? header(":exception-type") : header(":event-type");
        e.payload = boost::json::parse(o.at("payload_utf8").as_string());
        if (e.payload.is_object())
            e.payload.as_object().erase("p");
        out.push_back(std::move(e));
    }
    return out;
}

// A recorded ConverseStream answer (32 frames), written in one piece for `model`: after the first
// event, every next() finds its event already buffered.
void add_recorded_stream_in_one_write(bedrock::testing::emulator& emu, const std::string& model)
{
    const auto body = bedrock::test::read_bytes(bedrock::test::vector_path("recorded/dd-trace-py/bedrock_converse_stream.0.bin"));
    bedrock::testing::recorded_answer answer;
    answer.body.assign(body.begin(), body.end());
    emu.add_recording(model, answer);
}

// Replays `body` for a fresh model id and reads it with the streaming operation `Op`, checking each
// event against `frames`: the same type, and the same values (the typed event written back as JSON
// equals the recorded payload). An exception frame must end the stream with its typed error.
// `max_piece` and `together` as in recorded_answer: pieces each as written, or all arrived at once
// (the client then finds many TLS records, and frames across them, in one read).
template <class Op>
void check_replay(const std::string& name, const std::string& body, const boost::json::array& frames,
                  std::size_t max_piece, bool together = false)
{
    auto& emu = stream_emulator();
    const std::string model = "replay." + name + "." + std::to_string(max_piece) + (together ? ".together" : "");
    bedrock::testing::recorded_answer answer;
    answer.body = body;
    answer.max_piece = max_piece;
    answer.pieces_together = together;
    emu.add_recording(model, answer);
    const auto expected = expected_frames(frames);

    run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu.client_config();
        cfg.max_attempts = 2;
        bedrock::client client{io.get_executor(), cfg};
        typename Op::input_type request;
        request.model_id = model;
        if constexpr (std::is_same_v<Op, bedrock::operations::converse_stream>)
            request.messages = std::vector{bedrock::user_text("replay")};
        else
            request.body = {'{', '}'};
        bedrock::diagnostics open_diag;
        auto [open_ec, stream] =
            co_await client.template open_stream<Op>(std::move(request), &open_diag, asio::as_tuple(asio::deferred));
        std::size_t i = 0;
        // An exception as the very first frame fails the open... no: the open completes at the
        // head; the exception then comes from next(), after the retries.
        REQUIRE_FALSE(open_ec);
        for (;;) {
            auto [ec, ev] = co_await stream.next(asio::as_tuple(asio::deferred));
            if (ec) {
                INFO(name << ": error " << ec.message() << " after " << i << " events");
                REQUIRE(i < expected.size());
                CHECK(expected[i].message_type == "exception");
                CHECK(ec == stream_exception_code(expected[i].type));
                CHECK(stream.diagnostics().error_type == expected[i].type);
                if (const auto* m = expected[i].payload.as_object().if_contains("message"))
                    CHECK(stream.diagnostics().service_message == m->as_string());
                // Retried only when nothing had been delivered and the error is retryable.
                CHECK(stream.diagnostics().attempts ==
                      ((i == 0 && bedrock::is_retryable(ec)) ? cfg.max_attempts : 1));
                ++i;
                break;
            }
            if (!ev)
                break;
            REQUIRE(i < expected.size());
            INFO(name << ": event " << i);
            std::string payload;
            const auto h = bedrock::json::serialize_event(*ev, payload);
            CHECK(h.type == expected[i].type);
            CHECK(boost::json::parse(payload) == expected[i].payload);
            ++i;
        }
        CHECK(i == expected.size());
    });
}

} // namespace

TEST_CASE("stream: every recorded stream replays to exactly its events", "[stream][vectors]")
{
    namespace fs = std::filesystem;
    const auto dir = bedrock::test::vectors_dir() / "recorded";
    std::size_t replayed = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        const auto path = entry.path();
        if (!path.string().ends_with(".decoded.json"))
            continue;
        const auto doc = boost::json::parse(bedrock::test::read_text(path));
        for (const auto& interaction : doc.at("interactions").as_array()) {
            const auto& it = interaction.as_object();
            if (!it.contains("frames") || !it.contains("response_body_file"))
                continue;
            const std::string body =
                bedrock::test::read_text(path.parent_path() / std::string(it.at("response_body_file").as_string()));
            const std::string uri(it.at("uri").as_string());
            const std::string name = path.filename().string();
            const std::pair<std::size_t, bool> deliveries[] = {{0, false}, {7, false}, {7, true}};
            for (const auto& [piece, together] : deliveries) {
                if (uri.ends_with("/converse-stream"))
                    check_replay<bedrock::operations::converse_stream>(name, body, it.at("frames").as_array(), piece,
                                                                       together);
                else if (uri.ends_with("/invoke-with-response-stream"))
                    check_replay<bedrock::operations::invoke_model_with_response_stream>(
                        name, body, it.at("frames").as_array(), piece, together);
                else
                    FAIL("a recorded stream of an unexpected operation: " << uri);
            }
            ++replayed;
        }
    }
    CHECK(replayed == 3);
}

TEST_CASE("stream: the Bedrock-shaped streams replay to their events and errors", "[stream][vectors]")
{
    const auto doc = boost::json::parse(bedrock::test::read_text(bedrock::test::vector_path("bedrock-streams/streams.json")));
    std::size_t replayed = 0;
    for (const auto& [name, v] : doc.at("streams").as_object()) {
        const auto& s = v.as_object();
        const std::string op(s.at("operation").as_string());
        const std::string body =
            bedrock::test::read_text(bedrock::test::vector_path("bedrock-streams/" + std::string(s.at("file").as_string())));
        for (std::size_t piece : {std::size_t{0}, std::size_t{3}}) {
            // "any event-stream output": an exception alone, read here as a converse stream.
            if (op == "ConverseStream" || op.starts_with("any "))
                check_replay<bedrock::operations::converse_stream>(std::string(name), body, s.at("frames").as_array(), piece);
            else if (op == "InvokeModelWithResponseStream")
                check_replay<bedrock::operations::invoke_model_with_response_stream>(std::string(name), body,
                                                                                    s.at("frames").as_array(), piece);
            else
                continue; // the bidirectional stream's output: not a response stream
            replayed += piece == 0;
        }
    }
    CHECK(replayed == 8);
}

TEST_CASE("stream: converse_stream echo, tool use and the accumulator", "[stream]")
{
    auto& emu = stream_emulator();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        auto stream = co_await client.converse_stream(stream_hello("stream.echo"));
        bedrock::converse_stream_accumulator acc;
        std::string text;
        while (auto ev = co_await stream.next()) {
            text += text_of(*ev);
            CHECK_FALSE(acc.add(*ev));
        }
        CHECK(text == "echo: hello there world");
        CHECK(stream.done());
        CHECK(bedrock::test::is_uuid_v4(stream.diagnostics().request_id));
        CHECK(stream.diagnostics().http_status == 200);
        CHECK(stream.diagnostics().attempts == 1);
        const auto answer = acc.response();
        CHECK(acc.stopped());
        CHECK(acc.has_metadata());
        CHECK(answer.stop_reason == bedrock::stop_reason::end_turn);
        CHECK(answer.usage.input_tokens == 3);
        CHECK(answer.usage.output_tokens == 4);
        CHECK(answer.usage.total_tokens == 7);
        CHECK(answer.metrics.latency_ms == 1);
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(answer.output).value) == text);
        // The connection went back to the pool once the body was read to its end.
        CHECK(client.connection_stats().idle == 1);

        // Tool use: the input arrives as partial JSON and is assembled.
        auto req = stream_hello("stream.tool", "use tool weather in Paris");
        bedrock::tool_specification spec;
        spec.name = "weather";
        spec.input_schema = bedrock::tool_input_schema_json{boost::json::parse(R"({"type":"object"})")};
        bedrock::tool_configuration tools;
        tools.tools.push_back(bedrock::tool_tool_spec{spec});
        req.tool_config = tools;
        auto tool_stream = co_await client.converse_stream(std::move(req));
        bedrock::converse_stream_accumulator tool_acc;
        std::size_t tool_deltas = 0;
        while (auto ev = co_await tool_stream.next()) {
            if (auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&*ev))
                tool_deltas += std::holds_alternative<bedrock::content_block_delta_tool_use>(d->value.delta);
            CHECK_FALSE(tool_acc.add(*ev));
        }
        CHECK(tool_deltas == 2);
        const auto tool_answer = tool_acc.response();
        CHECK(tool_answer.stop_reason == bedrock::stop_reason::tool_use);
        const auto& content = std::get<bedrock::converse_output_message>(tool_answer.output).value.content;
        REQUIRE(content.size() == 1);
        const auto& use = std::get<bedrock::content_block_tool_use>(content[0]).value;
        CHECK(use.name == "weather");
        CHECK(use.input == boost::json::parse(R"({"text":"weather in Paris"})"));
    });
}

TEST_CASE("stream: invoke_model_with_response_stream yields the model's chunks", "[stream]")
{
    auto& emu = stream_emulator();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        auto stream = co_await client.invoke_model_with_response_stream(invoke_hello("stream.invoke"));
        CHECK(stream.response().content_type == "application/json");
        CHECK_FALSE(stream.response().performance_config_latency);
        CHECK_FALSE(stream.response().service_tier);
        std::string text;
        std::vector<std::string> types;
        while (auto ev = co_await stream.next()) {
            auto* chunk = std::get_if<bedrock::response_stream_chunk>(&*ev);
            REQUIRE(chunk);
            REQUIRE(chunk->value.bytes);
            const auto json = boost::json::parse(bedrock::chunk_text(*chunk));
            types.emplace_back(json.at("type").as_string());
            if (json.at("type") == "content_block_delta")
                text += json.at("delta").at("text").as_string();
        }
        // The Anthropic Messages stream: one delta per word of "echo: hi there".
        CHECK(types == std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                                "content_block_delta", "content_block_delta", "content_block_stop",
                                                "message_delta", "message_stop"});
        CHECK(text == "echo: hi there");
    });
}

TEST_CASE("stream: an exception mid-stream ends it with the typed error after the events before it", "[stream]")
{
    auto& emu = stream_emulator();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        auto stream = co_await client.converse_stream(stream_hello("stream-error:ModelStreamErrorException:a"));
        const auto [events, text, failure] = co_await read_until_failure(stream);
        CHECK(events == 5); // messageStart and the four deltas
        CHECK(text == "echo: hello there world");
        CHECK(failure == service_errc::model_stream_error);
        CHECK(stream.diagnostics().error_type == "modelStreamErrorException");
        CHECK(stream.diagnostics().service_message == "Emulated ModelStreamErrorException.");
        CHECK(stream.diagnostics().extra.at("originalStatusCode") == 500);
        CHECK(stream.diagnostics().extra.at("originalMessage") == "The model failed while streaming.");
        CHECK(stream.diagnostics().extra.size() == 2);
        CHECK(stream.diagnostics().attempts == 1); // events had been delivered: not retried
        CHECK(stream.done());
        // The error is sticky.
        auto [again, none] = co_await stream.next(asio::as_tuple(asio::deferred));
        CHECK(again == service_errc::model_stream_error);
        CHECK_FALSE(none);
    });
}

TEST_CASE("stream: a ConverseStream body that ends before messageStop is an incomplete answer, not a short one",
          "[stream]")
{
    auto& emu = stream_emulator();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        auto stream = co_await client.converse_stream(stream_hello("end-early:a"));
        const auto [events, text, failure] = co_await read_until_failure(stream);
        // Every event that came is delivered (messageStart, four deltas, contentBlockStop), then the error.
        CHECK(events == 6);
        CHECK(text == "echo: hello there world");
        CHECK(failure == client_errc::incomplete_stream);
        CHECK(stream.diagnostics().client_message == "event stream: the body ended after 6 events, without messageStop");
        CHECK(stream.diagnostics().attempts == 1); // events had been delivered: not reopened
        CHECK(stream.done());
        auto [again, none] = co_await stream.next(asio::as_tuple(asio::deferred));
        CHECK(again == client_errc::incomplete_stream); // sticky
        CHECK_FALSE(none);

        // A failure of the transport after some events says that the answer is incomplete too.
        auto cfg = emu.client_config();
        cfg.max_attempts = 1;
        bedrock::client one_try{io.get_executor(), cfg};
        auto cut = co_await one_try.converse_stream(stream_hello("reset-body:incomplete"));
        auto [first_ec, first] = co_await cut.next(asio::as_tuple(asio::deferred));
        REQUIRE_FALSE(first_ec);
        auto [cut_ec, cut_ev] = co_await cut.next(asio::as_tuple(asio::deferred));
        CHECK(cut_ec == asio::error::connection_reset);
        CHECK_FALSE(cut_ev);
        CHECK(cut.diagnostics().client_message ==
              "event stream: failed after 1 events, before messageStop: the answer is incomplete");

        // InvokeModelWithResponseStream has no last event: its clean end is the end.
        auto chunks = co_await client.invoke_model_with_response_stream(invoke_hello("end-early:b"));
        std::size_t n = 0;
        while (auto ev = co_await chunks.next())
            ++n;
        CHECK(n == 8); // the whole Anthropic stream of "echo: hi there" (see the test above)
    });
}

TEST_CASE("stream: failures before the first event are retried, later ones are not", "[stream]")
{
    auto& emu = stream_emulator();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        // 429 on the first request, then the echo.
        auto stream = co_await client.converse_stream(stream_hello("throttle-once:stream"));
        std::string text;
        while (auto ev = co_await stream.next())
            text += text_of(*ev);
        CHECK(text == "echo: hello there world");
        CHECK(stream.diagnostics().attempts == 2);
        CHECK(emu.model_attempts("throttle-once:stream") == 2);

        // A 400 is not retried; the open fails with it.
        bedrock::diagnostics diag;
        auto [ec, bad] = co_await client.converse_stream(stream_hello("error:ValidationException"), diag,
                                                         asio::as_tuple(asio::deferred));
        CHECK(ec == service_errc::validation);
        CHECK(diag.http_status == 400);
        CHECK(diag.attempts == 1);
        CHECK(diag.service_message == "Emulated ValidationException.");

        // A 500 every time: each attempt's error body is read afresh, so the last one's message is
        // the service's words (not the earlier attempts' leftovers).
        auto [failed_ec, failed] =
            co_await client.converse_stream(stream_hello("always-500:stream"), diag, asio::as_tuple(asio::deferred));
        CHECK(failed_ec == service_errc::internal_server);
        CHECK(diag.attempts == 3);
        CHECK(diag.service_message == "The server encountered an internal error while processing the request.");

        // A connection reset before any answer: retried, then the error.
        auto [reset_ec, reset] =
            co_await client.converse_stream(stream_hello("reset:stream"), diag, asio::as_tuple(asio::deferred));
        CHECK(reset_ec == asio::error::connection_reset);
        CHECK(diag.attempts == 3);
    });
}

TEST_CASE("stream: stalls end with the named timeout, a reset with a transport error", "[stream]")
{
    auto& emu = stream_emulator();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu.client_config();
        cfg.timeout.idle = std::chrono::milliseconds(300);
        cfg.timeout.first_event = std::chrono::milliseconds(200);
        cfg.max_attempts = 1;
        bedrock::client client{io.get_executor(), cfg};

        // The head, then nothing: the first event never comes.
        auto start = std::chrono::steady_clock::now();
        auto s1 = co_await client.converse_stream(stream_hello("stall-head:a"));
        auto [ec1, ev1] = co_await s1.next(asio::as_tuple(asio::deferred));
        CHECK(ec1 == bedrock::http::error::first_event_timeout);
        CHECK_FALSE(ev1);
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));

        // The first event, then nothing: the idle timeout.
        auto s2 = co_await client.converse_stream(stream_hello("stall-body:a"));
        auto [ec2a, ev2a] = co_await s2.next(asio::as_tuple(asio::deferred));
        CHECK_FALSE(ec2a);
        CHECK(ev2a);
        auto [ec2b, ev2b] = co_await s2.next(asio::as_tuple(asio::deferred));
        CHECK(ec2b == bedrock::http::error::idle_timeout);

        // The first event, half of the next, then a reset.
        auto s3 = co_await client.converse_stream(stream_hello("reset-body:a"));
        auto [ec3a, ev3a] = co_await s3.next(asio::as_tuple(asio::deferred));
        CHECK_FALSE(ec3a);
        auto [ec3b, ev3b] = co_await s3.next(asio::as_tuple(asio::deferred));
        CHECK(ec3b == asio::error::connection_reset);
        CHECK_FALSE(ev3b);

        // A corrupt frame (bad CRC): a clear decoder error, not a crash or a hang.
        auto s4 = co_await client.converse_stream(stream_hello("bad-json:a"));
        auto [ec4, ev4] = co_await s4.next(asio::as_tuple(asio::deferred));
        CHECK(ec4 == bedrock::eventstream::error::message_crc_mismatch);
        CHECK_FALSE(ev4);
        CHECK(s4.diagnostics().client_message == "event stream: event-stream message checksum mismatch");

        // None of those connections went back to the pool.
        CHECK(client.connection_stats().idle == 0);
        bedrock::converse_request after;
        after.model_id = "stream.after";
        after.messages = std::vector{bedrock::user_text("ok")};
        auto ok = co_await client.converse(std::move(after));
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(ok.output).value) == "echo: ok");
    });
}

TEST_CASE("stream: closing early or cancelling next() releases the connection, never half-read", "[stream]")
{
    auto& emu = stream_emulator();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        {
            auto stream = co_await client.converse_stream(stream_hello("slow-events-50:close"));
            auto first = co_await stream.next();
            CHECK(first);
            stream.close();
            auto [ec, ev] = co_await stream.next(asio::as_tuple(asio::deferred));
            CHECK(ec == client_errc::stream_closed);
        }
        {
            // Destroyed with events unread.
            auto stream = co_await client.converse_stream(stream_hello("slow-events-50:drop"));
            const auto first = co_await stream.next(); // (never co_await inside CHECK)
            CHECK(first);
        }
        {
            asio::cancellation_signal signal;
            auto stream = co_await client.converse_stream(stream_hello("slow-events-200:cancel"));
            const auto first = co_await stream.next();
            CHECK(first);
            asio::steady_timer timer(io, std::chrono::milliseconds(50));
            timer.async_wait([&](auto) { signal.emit(asio::cancellation_type::terminal); });
            auto [ec, ev] = co_await stream.next(asio::bind_cancellation_slot(signal.slot(), asio::as_tuple(asio::use_awaitable)));
            CHECK(ec == asio::error::operation_aborted);
            CHECK(stream.done());
        }
        auto stats = client.connection_stats();
        CHECK(stats.idle == 0); // every one of them was closed
        CHECK(stats.live == 0);
        // The client still works, and its next stream is read to the end.
        auto stream = co_await client.converse_stream(stream_hello("stream.after-close"));
        std::string text;
        while (auto ev = co_await stream.next())
            text += text_of(*ev);
        CHECK(text == "echo: hello there world");
        CHECK(client.connection_stats().idle == 1);
    });
}

TEST_CASE("stream: next() with a callback, and a second next() while one is pending", "[stream]")
{
    auto& emu = stream_emulator();
    asio::io_context io;
    bedrock::client client{io.get_executor(), emu.client_config()};
    callback_reader reader;
    boost::system::error_code busy;
    client.converse_stream(stream_hello("stream.callbacks"),
                           [&](boost::system::error_code ec, bedrock::converse_event_stream s) {
                               REQUIRE_FALSE(ec);
                               reader.stream = std::move(s);
                               reader.next();
                               reader.stream.next([&](boost::system::error_code ec2, auto) { busy = ec2; });
                           });
    io.run();
    CHECK(reader.ended);
    CHECK(reader.text == "echo: hello there world");
    CHECK(busy == client_errc::stream_busy);
}

TEST_CASE("stream: an event already buffered completes next() after the call, without recursion or a trip through "
          "the event loop",
          "[stream]")
{
    // A recorded answer (32 frames) written in one piece: after the first event every next() finds
    // its event in the buffer. Its handler must still run after next() has returned (Asio's rule), so
    // that a callback loop does not recurse: the depth of nested handlers stays 1. And a next() started
    // by the previous one's handler is run by that completion once the handler has returned, not
    // posted: the io_context runs far fewer handlers than there are events.
    auto& emu = stream_emulator();
    add_recorded_stream_in_one_write(emu, "stream.buffered");

    asio::io_context io;
    bedrock::client client{io.get_executor(), emu.client_config()};
    bedrock::converse_event_stream stream;
    std::size_t events = 0, inline_completions = 0;
    int depth = 0, deepest = 0;
    bool inside_next = false, ended = false;
    std::function<void(boost::system::error_code, std::optional<bedrock::converse_stream_output>)> on_event;
    const auto next = [&] {
        inside_next = true;
        stream.next([&](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
            if (inside_next)
                ++inline_completions;
            on_event(ec, std::move(ev));
        });
        inside_next = false;
    };
    on_event = [&](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
        ++depth;
        deepest = std::max(deepest, depth);
        REQUIRE_FALSE(ec);
        if (ev) {
            ++events;
            next();
        } else {
            ended = true;
        }
        --depth;
    };
    client.converse_stream(stream_hello("stream.buffered"), [&](boost::system::error_code ec, bedrock::converse_event_stream s) {
        REQUIRE_FALSE(ec);
        stream = std::move(s);
        next();
    });
    const std::size_t handlers_run = io.run();
    CHECK(ended);
    CHECK(events == 32);
    CHECK(inline_completions == 0);
    CHECK(deepest == 1);
    // Connect, handshake, write, the head, the body's reads: a handful; one post per event would be 33 more.
    CHECK(handlers_run < 32);
}

TEST_CASE("stream: a buffered event's handler still runs in its own strand, whatever strand the previous one ran in",
          "[stream]")
{
    auto& emu = stream_emulator();
    add_recorded_stream_in_one_write(emu, "stream.strands");

    asio::io_context io;
    bedrock::client client{io.get_executor(), emu.client_config()};
    auto first = asio::make_strand(io);
    auto second = asio::make_strand(io);
    bedrock::converse_event_stream stream;
    std::size_t events = 0, outside_strand = 0, inline_completions = 0;
    bool inside_next = false, ended = false;
    std::function<void(boost::system::error_code, std::optional<bedrock::converse_stream_output>)> on_event;
    const auto next = [&] {
        // Alternate: even events on `first`, odd ones on `second`; a throwing handler's exception
        // would propagate out of io.run() and fail the test.
        auto& strand = events % 2 == 0 ? first : second;
        inside_next = true;
        stream.next(asio::bind_executor(strand, [&, strand](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
            if (!strand.running_in_this_thread())
                ++outside_strand;
            if (inside_next)
                ++inline_completions;
            on_event(ec, std::move(ev));
        }));
        inside_next = false;
    };
    on_event = [&](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
        REQUIRE_FALSE(ec);
        if (!ev) {
            ended = true;
            return;
        }
        ++events;
        next();
    };
    client.converse_stream(stream_hello("stream.strands"), [&](boost::system::error_code ec, bedrock::converse_event_stream s) {
        REQUIRE_FALSE(ec);
        stream = std::move(s);
        next();
    });
    io.run();
    CHECK(ended);
    CHECK(events == 32);
    CHECK(outside_strand == 0);
    CHECK(inline_completions == 0);
}

TEST_CASE("stream: a read runs on the transport's executor only for a handler whose executor is that one",
          "[stream]")
{
    // next() asks same_executor() before each read; a composed operation's executor tracks work,
    // the client's does not, and that must not make them differ. A strand on the same io_context
    // is another executor.
    namespace tr = bedrock::transport;
    asio::io_context io, other;
    const asio::any_io_executor client_executor = io.get_executor();
    const auto tracked = asio::prefer(io.get_executor(), asio::execution::outstanding_work.tracked);
    const auto strand = asio::make_strand(io);
    CHECK(tr::same_executor(io.get_executor(), client_executor));
    CHECK(tr::same_executor(tracked, client_executor));
    CHECK(tr::same_executor(asio::any_io_executor(tracked), client_executor));
    CHECK(tr::same_executor(strand, asio::any_io_executor(strand)));
    CHECK_FALSE(tr::same_executor(strand, client_executor));
    CHECK_FALSE(tr::same_executor(asio::make_strand(io), asio::any_io_executor(strand)));
    CHECK_FALSE(tr::same_executor(other.get_executor(), client_executor));
    CHECK_FALSE(tr::same_executor(asio::system_executor(), client_executor));
}

TEST_CASE("stream: events that each arrive alone complete next() in the caller's strand", "[stream]")
{
    // A read whose handler's executor is the client's runs on the transport's executor without
    // asking the (erased) handler for it; any other handler must still run on its own. Each event
    // here is its own read. Two callers on a client whose executor is the io_context's: callbacks
    // bound to a strand, and a coroutine spawned on another strand (its executor an
    // any_io_executor, as the client's, but not an equal one).
    auto& emu = stream_emulator();
    asio::io_context io;
    bedrock::client client{io.get_executor(), emu.client_config()};
    auto callbacks = asio::make_strand(io);
    auto coroutine = asio::make_strand(io);
    bedrock::converse_event_stream stream;
    std::size_t callback_events = 0, coroutine_events = 0, outside_strand = 0;
    bool callbacks_ended = false, coroutine_ended = false;
    std::function<void()> next = [&] {
        stream.next(asio::bind_executor(
            callbacks, [&](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
                if (!callbacks.running_in_this_thread())
                    ++outside_strand;
                REQUIRE_FALSE(ec);
                if (!ev) {
                    callbacks_ended = true;
                    return;
                }
                ++callback_events;
                next();
            }));
    };
    client.converse_stream(stream_hello("slow-events-2:strand-callbacks"),
                           asio::bind_executor(callbacks, [&](boost::system::error_code ec, bedrock::converse_event_stream s) {
                               REQUIRE_FALSE(ec);
                               stream = std::move(s);
                               next();
                           }));
    const auto check_coroutine_strand = [&] {
        if (!coroutine.running_in_this_thread())
            ++outside_strand;
    };
    asio::co_spawn(
        coroutine,
        [&]() -> asio::awaitable<void> {
            auto events = co_await client.converse_stream(stream_hello("slow-events-2:strand-coroutine"));
            check_coroutine_strand();
            while (auto ev = co_await events.next()) {
                check_coroutine_strand();
                ++coroutine_events;
            }
            check_coroutine_strand();
            coroutine_ended = true;
        },
        [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    io.run();
    CHECK(callbacks_ended);
    CHECK(coroutine_ended);
    CHECK(callback_events > 3); // the echo of "hello there world": several events, each read alone
    CHECK(coroutine_events == callback_events);
    CHECK(outside_strand == 0);
}

TEST_CASE("stream: client.close() lets run() return while the client lives, a stream open on it ends whole",
          "[stream]")
{
    // Over HTTP/2 an idle connection keeps a read pending, so without close() this run() would
    // last until the connection's idle limit (50 s); over HTTP/1.1 it returns at once either way.
    auto& emu = stream_emulator();
    asio::io_context io;
    bedrock::client client{io.get_executor(), emu.client_config()};
    callback_reader reader;
    boost::system::error_code later;
    reader.at_end = [&] { // closed: a later call fails at once, not retried
        client.converse_stream(stream_hello("stream.after-close"),
                               [&](boost::system::error_code e, bedrock::converse_event_stream) { later = e; });
    };
    client.converse_stream(stream_hello("stream.close-client"),
                           [&](boost::system::error_code ec, bedrock::converse_event_stream s) {
                               REQUIRE_FALSE(ec);
                               reader.stream = std::move(s);
                               client.close(); // the open stream still reads to its end
                               reader.next();
                           });
    const auto start = std::chrono::steady_clock::now();
    io.run();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK(reader.ended);
    CHECK(reader.text == "echo: hello there world");
    CHECK(later == bedrock::http::error::pool_closed);
}

TEST_CASE("stream: 1,000 concurrent streams on one io_context", "[stream][load]")
{
    auto& emu = stream_emulator();
    asio::io_context io;
    auto cfg = emu.client_config();
    cfg.max_connections = 32;
    bedrock::client client{io.get_executor(), cfg};
    constexpr int n = 1000;
    int correct = 0;
    std::vector<std::string> failures;
    for (int i = 0; i < n; ++i) {
        asio::co_spawn(
            io,
            [&, i]() -> asio::awaitable<void> {
                const std::string word = "w" + std::to_string(i);
                auto stream = co_await client.converse_stream(stream_hello("stream.many", "say " + word));
                std::string text;
                while (auto ev = co_await stream.next())
                    text += text_of(*ev);
                if (text == "echo: say " + word)
                    ++correct;
            },
            [&](std::exception_ptr e) {
                if (e)
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& x) {
                        failures.push_back(x.what());
                    }
            });
    }
    io.run();
    CHECK(failures.empty());
    if (!failures.empty())
        WARN(failures.front());
    CHECK(correct == n);
    CHECK(client.connection_stats().opened <= 32);
}

TEST_CASE("stream: an event type this version does not know arrives as the unknown member", "[stream]")
{
    auto& emu = stream_emulator();
    using hv = bedrock::eventstream::header_view;
    const auto frame = [](std::string_view type, std::string_view payload) {
        const std::array<hv, 3> headers{{{":event-type", type},
                                         {":content-type", std::string_view("application/json")},
                                         {":message-type", std::string_view("event")}}};
        std::vector<std::uint8_t> out;
        REQUIRE_FALSE(bedrock::eventstream::encode(
            headers, bedrock::eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
            out));
        return std::string(out.begin(), out.end());
    };
    bedrock::testing::recorded_answer answer;
    answer.body = frame("messageStart", R"({"role":"assistant"})") +
                  frame("somethingNew", R"({"future":[1,2,{"x":"y"}],"p":"abc"})") +
                  frame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"hi"}})") +
                  frame("messageStop", R"({"stopReason":"end_turn"})"); // a whole answer
    answer.max_piece = 5;
    emu.add_recording("stream.unknown-event", answer);
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        auto stream = co_await client.converse_stream(stream_hello("stream.unknown-event"));
        std::vector<bedrock::converse_stream_output> events;
        while (auto ev = co_await stream.next())
            events.push_back(std::move(*ev));
        REQUIRE(events.size() == 4);
        const auto* unknown = std::get_if<bedrock::converse_stream_output_unknown>(&events[1]);
        REQUIRE(unknown);
        CHECK(unknown->tag == "somethingNew");
        CHECK(boost::json::parse(unknown->json) == boost::json::parse(R"({"future":[1,2,{"x":"y"}],"p":"abc"})"));
        CHECK(text_of(events[2]) == "hi");
    });
}

} // namespace stream_test
