// Faults on the wire, end to end: the emulator's fault scenarios (hostile frames, framing that lies,
// answers that are not what was asked for, a TLS stream cut short, very large and very many events)
// against the client over real TLS on loopback. Each one must end the operation with its own
// error_code (or be read intact), quickly, without allocating what a hostile length announces, and
// leave the client able to serve the next request.

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include "coroutine_support.hpp"
#include "emulator_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <unistd.h>
#endif

namespace fault_test {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using bedrock::client_errc;
using boost::system::error_code;

namespace {

bedrock::testing::emulator& fault_emulator()
{
    return bedrock::test::started_emulator<struct fault_tests>();
}

using bedrock::test::run;

// What a fault test may take in all. Unoptimized and sanitized builds (CI's clang Debug build with
// AddressSanitizer) take several times longer over the 10,000 events.
#if defined(__SANITIZE_ADDRESS__)
#define FAULT_TEST_SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULT_TEST_SLOW_BUILD 1
#endif
#endif
#if !defined(FAULT_TEST_SLOW_BUILD) && !defined(NDEBUG)
#define FAULT_TEST_SLOW_BUILD 1
#endif
#ifdef FAULT_TEST_SLOW_BUILD
constexpr auto fast = 30s;
#else
constexpr auto fast = 5s;
#endif

// Every fault test runs under these limits: none of them should ever be reached (a test ended by a
// timeout gets the timeout's error, never the one it expects), they only make a hang impossible.
// A stall is caught within 3 s; the total bounds one attempt, a stream included. Two attempts, so
// that a retried failure shows in diagnostics().attempts.
bedrock::config fault_config()
{
    auto cfg = fault_emulator().client_config();
    cfg.max_attempts = 2;
    cfg.timeout.connect = 2s;
    cfg.timeout.tls_handshake = 2s;
    cfg.timeout.first_byte = 3s;
    cfg.timeout.first_event = 3s;
    cfg.timeout.idle = 3s;
    cfg.timeout.total = fast;
    return cfg;
}

bedrock::converse_request hello(std::string model, std::string text = "hello there")
{
    bedrock::converse_request r;
    r.model_id = std::move(model);
    r.messages = {bedrock::user_text(std::move(text))};
    return r;
}

bedrock::converse_stream_request stream_hello(std::string model)
{
    bedrock::converse_stream_request r;
    r.model_id = std::move(model);
    r.messages = std::vector{bedrock::user_text("hello there world")};
    return r;
}

std::string text_of(const bedrock::converse_response& out)
{
    return bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value);
}

// The text of a contentBlockDelta event; nullptr for any other event.
const std::string* delta_text(const bedrock::converse_stream_output& ev)
{
    if (auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&ev))
        if (auto* t = std::get_if<bedrock::content_block_delta_text>(&d->value.delta))
            return &t->value;
    return nullptr;
}

// The events of a stream up to its end or its error.
struct drained {
    std::vector<bedrock::converse_stream_output> events;
    error_code ec;
};

asio::awaitable<drained> drain(bedrock::converse_event_stream& stream)
{
    drained out;
    for (;;) {
        auto [ec, ev] = co_await stream.next(asio::as_tuple(asio::deferred));
        if (ec) {
            out.ec = ec;
            break;
        }
        if (!ev)
            break;
        out.events.push_back(std::move(*ev));
    }
    co_return out;
}

// The echo stream of stream_hello: messageStart, four deltas ("echo:", " hello", " there",
// " world"), contentBlockStop, messageStop, metadata.
constexpr std::size_t echo_stream_events = 8;

// The client serves the next request: a unary call and a stream, both read to their end.
asio::awaitable<void> still_works(bedrock::client& client, const std::string& tag)
{
    auto [ec, out] = co_await client.converse(hello("fault.after." + tag, "still there"), asio::as_tuple(asio::deferred));
    REQUIRE_FALSE(ec);
    CHECK(text_of(out) == "echo: still there");
    auto [open_ec, stream] =
        co_await client.converse_stream(stream_hello("fault.after-stream." + tag), asio::as_tuple(asio::deferred));
    REQUIRE_FALSE(open_ec);
    auto all = co_await drain(stream);
    CHECK_FALSE(all.ec);
    CHECK(all.events.size() == echo_stream_events);
}

// The process's virtual size: a buffer reserved for a hostile length would show here, touched or not.
std::size_t virtual_size()
{
#if defined(__linux__)
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0;
    statm >> pages;
    return pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
#else
    return 0;
#endif
}

// Runs one fault test: the coroutine, then the check that it was fast.
template <class F>
void run_fast(F f)
{
    const auto start = std::chrono::steady_clock::now();
    run(std::move(f));
    CHECK(std::chrono::steady_clock::now() - start < fast);
}

} // namespace

TEST_CASE("fault: a frame announcing 2 GiB ends the stream with message_too_long, nothing allocated for it",
          "[fault][stream]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        const std::size_t before = virtual_size();
        auto stream = co_await client.converse_stream(stream_hello("huge-frame:a"));
        auto all = co_await drain(stream);
        CHECK(all.events.size() == 1); // messageStart, then the frame
        CHECK(all.ec == bedrock::eventstream::error::message_too_long);
        CHECK(stream.diagnostics().client_message == "event stream: " + all.ec.message());
        CHECK(stream.diagnostics().attempts == 1);
        // Still holding the stream (its decoder, its buffers): nothing near 2 GiB was reserved.
        CHECK(virtual_size() < before + 256 * 1024 * 1024);
        // The error is sticky, and the connection was closed, not pooled.
        auto [again, none] = co_await stream.next(asio::as_tuple(asio::deferred));
        CHECK(again == bedrock::eventstream::error::message_too_long);
        CHECK_FALSE(none);
        CHECK(client.connection_stats().idle == 0);
        co_await still_works(client, "huge-frame");
    });
}

TEST_CASE("fault: header lengths running past the frame end the stream with the decoder's own errors",
          "[fault][stream]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        // The prelude's headers length is larger than the frame (both CRCs right).
        auto s1 = co_await client.converse_stream(stream_hello("headers-overrun:a"));
        auto a1 = co_await drain(s1);
        CHECK(a1.events.size() == 1);
        CHECK(a1.ec == bedrock::eventstream::error::headers_length_exceeds_message);
        // A header value's length runs past the headers block (both CRCs right).
        auto s2 = co_await client.converse_stream(stream_hello("header-value-overrun:a"));
        auto a2 = co_await drain(s2);
        CHECK(a2.events.size() == 1);
        CHECK(a2.ec == bedrock::eventstream::error::header_value_truncated);
        CHECK(client.connection_stats().idle == 0);
        co_await still_works(client, "headers-overrun");
    });
}

TEST_CASE("fault: chunked framing that lies ends unary calls and streams with an HTTP error", "[fault][http]")
{
    auto& emu = fault_emulator();
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        bedrock::diagnostics diag;

        // A chunk announcing more bytes than come before the close: the body is incomplete. A
        // transport failure before the answer was read, so it is retried, and fails again.
        auto [ec1, out1] = co_await client.converse(hello("chunk-truncated:unary"), diag, asio::as_tuple(asio::deferred));
        CHECK(ec1 == bhttp::error::partial_message);
        CHECK(diag.attempts == 2);
        CHECK(emu.model_attempts("chunk-truncated:unary") == 2);

        // A chunk-size line that is not hexadecimal: the parser refuses it; not retried.
        auto [ec2, out2] = co_await client.converse(hello("chunk-malformed:unary"), diag, asio::as_tuple(asio::deferred));
        CHECK(ec2 == bhttp::error::bad_chunk);
        CHECK(diag.attempts == 1);

        // Streams: every event whose bytes came is delivered, then the stream fails; never a clean end.
        auto s3 = co_await client.converse_stream(stream_hello("chunk-truncated:stream"));
        auto a3 = co_await drain(s3);
        CHECK(a3.events.size() == echo_stream_events);
        CHECK(a3.ec == bhttp::error::partial_message);
        CHECK(s3.diagnostics().attempts == 1); // events were delivered: not reopened

        auto s4 = co_await client.converse_stream(stream_hello("chunk-malformed:stream"));
        auto a4 = co_await drain(s4);
        CHECK(a4.events.size() == 1);
        CHECK(a4.ec == bhttp::error::bad_chunk);

        CHECK(client.connection_stats().idle == 0);
        co_await still_works(client, "chunk");
    });
}

TEST_CASE("fault: bytes beyond Content-Length never reach the next request on the connection", "[fault][http]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        // The answer is whole as its Content-Length frames it; a bogus response follows it.
        bedrock::diagnostics diag;
        auto out = co_await client.converse(hello("length-short:unary"), diag);
        CHECK(text_of(out) == "echo: hello there");
        CHECK(diag.attempts == 1);
        // That connection is not pooled: the bogus bytes would be the next request's answer.
        CHECK(client.connection_stats().idle == 0);
        auto next = co_await client.converse(hello("fault.after-length-short", "next one"));
        CHECK(text_of(next) == "echo: next one");
        CHECK(client.connection_stats().reused == 0);
        CHECK(client.connection_stats().opened == 2);

        // The same under a stream read to its end.
        auto stream = co_await client.converse_stream(stream_hello("length-short:stream"));
        auto all = co_await drain(stream);
        CHECK_FALSE(all.ec);
        CHECK(all.events.size() == echo_stream_events);
        CHECK(client.connection_stats().reused == 1); // the stream went out on the echo's connection
        CHECK(client.connection_stats().idle == 0); // and it was not pooled either
        co_await still_works(client, "length-short");
        CHECK(client.connection_stats().opened == 3);
    });
}

TEST_CASE("fault: a body shorter than its Content-Length is a truncated body, not a short answer", "[fault][http]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        bedrock::diagnostics diag;
        auto [ec, out] = co_await client.converse(hello("length-long:unary"), diag, asio::as_tuple(asio::deferred));
        CHECK(ec == bhttp::error::partial_message);
        CHECK(diag.attempts == 2);

        auto stream = co_await client.converse_stream(stream_hello("length-long:stream"));
        auto all = co_await drain(stream);
        CHECK(all.events.size() == echo_stream_events);
        CHECK(all.ec == bhttp::error::partial_message);
        CHECK(client.connection_stats().idle == 0);
        co_await still_works(client, "length-long");
    });
}

TEST_CASE("fault: a 200 with a web page is not understood, and says what came", "[fault][content]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        bedrock::diagnostics diag;
        auto [ec, out] = co_await client.converse(hello("html:unary"), diag, asio::as_tuple(asio::deferred));
        CHECK(ec == client_errc::invalid_response);
        CHECK(ec.message() == "the service's response could not be understood");
        CHECK(diag.http_status == 200);
        CHECK(diag.attempts == 1);
        INFO(diag.client_message);
        CHECK(diag.client_message.find("text/html") != std::string::npos);
        CHECK_FALSE(diag.request_id.empty());

        // A stream: refused at its head, before any byte of the page is taken for a frame.
        auto [open_ec, stream] =
            co_await client.converse_stream(stream_hello("html:stream"), diag, asio::as_tuple(asio::deferred));
        CHECK(open_ec == client_errc::invalid_response);
        CHECK(diag.http_status == 200);
        CHECK(diag.attempts == 1);
        INFO(diag.client_message);
        CHECK(diag.client_message.find("text/html") != std::string::npos);
        CHECK(diag.client_message.find("application/vnd.amazon.eventstream") != std::string::npos);
        CHECK(stream.done());
        // The stream went out on the unary call's pooled connection, and closed it, its body unread.
        CHECK(client.connection_stats().idle == 0);
        co_await still_works(client, "html");
    });
}

TEST_CASE("fault: a gzip-encoded answer the client never asked for is refused by name", "[fault][content]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        bedrock::diagnostics diag;
        auto [ec, out] = co_await client.converse(hello("gzip:unary"), diag, asio::as_tuple(asio::deferred));
        CHECK(ec == client_errc::unsupported_content_encoding);
        CHECK(diag.http_status == 200);
        CHECK(diag.attempts == 1);
        INFO(diag.client_message);
        CHECK(diag.client_message.find("gzip") != std::string::npos);

        auto [open_ec, stream] =
            co_await client.converse_stream(stream_hello("gzip:stream"), diag, asio::as_tuple(asio::deferred));
        CHECK(open_ec == client_errc::unsupported_content_encoding);
        CHECK(diag.http_status == 200);
        CHECK(diag.client_message.find("gzip") != std::string::npos);
        co_await still_works(client, "gzip");
    });
}

TEST_CASE("fault: a TLS stream cut without close_notify is a truncation, never a clean end", "[fault][tls]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        // The body is delimited by the close, so only close_notify tells its end from a cut.
        bedrock::diagnostics diag;
        auto [ec, out] = co_await client.converse(hello("truncate-body:unary"), diag, asio::as_tuple(asio::deferred));
        CHECK(ec == asio::ssl::error::stream_truncated);
        CHECK(diag.attempts == 2); // a transport failure: retried

        // A stream cut between two frames: the events before the cut, then the error.
        auto stream = co_await client.converse_stream(stream_hello("truncate-body:stream"));
        auto all = co_await drain(stream);
        CHECK(all.events.size() == echo_stream_events / 2);
        CHECK(all.ec == asio::ssl::error::stream_truncated);
        CHECK(stream.diagnostics().attempts == 1);
        co_await still_works(client, "truncate");
    });
}

TEST_CASE("fault: a 1 MiB event arrives intact, a 17 MiB frame is refused at its prelude", "[fault][stream]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        constexpr std::size_t mib = 1024 * 1024;
        auto big = co_await client.converse_stream(stream_hello("big-delta-" + std::to_string(mib) + ":a"));
        auto all = co_await drain(big);
        CHECK_FALSE(all.ec);
        REQUIRE(all.events.size() == 5); // messageStart, the delta, contentBlockStop, messageStop, metadata
        const std::string* text = delta_text(all.events[1]);
        REQUIRE(text);
        REQUIRE(text->size() == mib);
        static constexpr std::string_view alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < text->size(); ++i)
            wrong += (*text)[i] != alphabet[i % alphabet.size()];
        CHECK(wrong == 0);
        CHECK(client.connection_stats().idle == 1); // read to its end: pooled

        // Over the 16 MiB default limit: refused once its prelude is in.
        auto huge = co_await client.converse_stream(stream_hello("big-delta-" + std::to_string(17 * mib) + ":a"));
        auto cut = co_await drain(huge);
        CHECK(cut.events.size() == 1);
        CHECK(cut.ec == bedrock::eventstream::error::message_too_long);
        co_await still_works(client, "big-delta");
    });
}

TEST_CASE("fault: 10,000 tiny events in one stream all arrive, in order", "[fault][stream]")
{
    run_fast([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), fault_config()};
        constexpr std::size_t n = 10'000;
        auto stream = co_await client.converse_stream(stream_hello("many-events-" + std::to_string(n) + ":a"));
        auto all = co_await drain(stream);
        CHECK_FALSE(all.ec);
        REQUIRE(all.events.size() == n + 4); // messageStart, n deltas, contentBlockStop, messageStop, metadata
        std::size_t out_of_order = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::string* text = delta_text(all.events[i + 1]);
            out_of_order += !text || *text != std::to_string(i);
        }
        CHECK(out_of_order == 0);
        CHECK(std::holds_alternative<bedrock::converse_stream_output_metadata>(all.events.back()));
        CHECK(stream.events() == n + 4);
        CHECK(client.connection_stats().idle == 1);
        co_await still_works(client, "many-events");
    });
}

} // namespace fault_test

#undef FAULT_TEST_SLOW_BUILD
