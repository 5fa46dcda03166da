// The request engine through a scripted transport: what the caller gets when a failure (or a
// cancellation) is injected at each step of a unary call and of a stream, that no completion
// handler runs inside its initiating function, runs twice or is lost, and that nothing is left
// behind (every body handed out read to its end or closed).

#include <bedrock/client.hpp>

#include "coroutine_support.hpp"
#include "scripted_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

namespace engine_test {

namespace asio = boost::asio;
using boost::system::error_code;
using bedrock::client_errc;
using bedrock::service_errc;
using bedrock::test::scripted_answer;
using bedrock::test::scripted_transport;
using bedrock::test::event_frame;

namespace {

bedrock::config scripted_config()
{
    bedrock::config cfg;
    cfg.region = "us-east-1";
    cfg.endpoint_url = "https://bedrock.test";
    cfg.credentials = bedrock::auth::credentials{"AKIDEXAMPLE", "secret", "", std::nullopt};
    cfg.max_attempts = 3;
    return cfg;
}

const std::string converse_answer =
    R"({"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn",)"
    R"("usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3},"metrics":{"latencyMs":5}})";

bedrock::converse_request converse_hello()
{
    bedrock::converse_request r;
    r.model_id = "m";
    r.messages = std::vector{bedrock::user_text("hello")};
    return r;
}

bedrock::converse_stream_request stream_hello()
{
    bedrock::converse_stream_request r;
    r.model_id = "m";
    r.messages = std::vector{bedrock::user_text("hello")};
    return r;
}

std::vector<std::string> three_events()
{
    return {event_frame("messageStart", R"({"role":"assistant"})"),
            event_frame("contentBlockDelta", R"({"delta":{"text":"Hi"},"contentBlockIndex":0})"),
            event_frame("messageStop", R"({"stopReason":"end_turn"})")};
}

struct fixture {
    asio::io_context io;
    std::shared_ptr<scripted_transport> wire = std::make_shared<scripted_transport>(io.get_executor());
    bedrock::client client{io.get_executor(), scripted_config(), wire};
};

// Calls `start(callback)`; the callback must run once, after `start` has returned.
template <class Start>
void completes_after_return(asio::io_context& io, Start start, std::function<void(error_code)> check)
{
    bool returned = false;
    int calls = 0;
    start([&](error_code ec, auto&&...) {
        CHECK(returned);
        ++calls;
        check(ec);
    });
    returned = true;
    io.run();
    io.restart();
    CHECK(calls == 1);
}

} // namespace

TEST_CASE("engine: a unary call, a reset, a 503, then the answer, one invocation id, three signatures")
{
    fixture f;
    f.wire->script = {scripted_answer::fail(asio::error::connection_reset),
                      scripted_answer::json(503, R"({"message":"busy"})", "ServiceUnavailableException"),
                      scripted_answer::json(200, converse_answer)};
    bedrock::diagnostics diag;
    int calls = 0;
    f.client.converse(converse_hello(), diag, [&](error_code ec, bedrock::converse_response out) {
        ++calls;
        REQUIRE_FALSE(ec);
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) == "Hi");
    });
    f.io.run();
    CHECK(calls == 1);
    CHECK(diag.attempts == 3);
    CHECK(diag.http_status == 200);
    CHECK(diag.request_id == "req-200");
    REQUIRE(f.wire->sent.size() == 3);
    for (int i = 0; i < 3; ++i) {
        const auto& r = f.wire->sent[i];
        CHECK(r.method == "POST");
        CHECK(r.target() == "/model/m/converse");
        CHECK(*r.find("amz-sdk-request") == "attempt=" + std::to_string(i + 1) + "; max=3");
        CHECK(*r.find("amz-sdk-invocation-id") == *f.wire->sent[0].find("amz-sdk-invocation-id"));
    }
    CHECK(*f.wire->sent[0].find("authorization") != *f.wire->sent[1].find("authorization"));
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("engine: final errors are not retried, an unreadable 200 is invalid_response")
{
    fixture f;
    f.wire->script = {scripted_answer::json(400, R"({"message":"no such model"})", "ValidationException"),
                      scripted_answer::json(200, R"({"output":)")};
    for (auto expected : {error_code(service_errc::validation), error_code(client_errc::invalid_response)}) {
        bedrock::diagnostics diag;
        completes_after_return(
            f.io, [&](auto cb) { f.client.converse(converse_hello(), diag, cb); },
            [&](error_code ec) { CHECK(ec == expected); });
        CHECK(diag.attempts == 1);
    }
    CHECK(f.wire->sent.size() == 2);
    CHECK(f.wire->script.empty());
}

TEST_CASE("engine: cancelling a unary call while it waits for its answer, and while it backs off")
{
    fixture f;
    asio::cancellation_signal signal;
    asio::steady_timer later(f.io);

    // Waiting for the answer.
    f.wire->script = {scripted_answer::never()};
    int calls = 0;
    f.client.converse(converse_hello(), asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, auto) {
                          ++calls;
                          CHECK(ec == asio::error::operation_aborted);
                      }));
    later.expires_after(std::chrono::milliseconds(20));
    later.async_wait([&](error_code) { signal.emit(asio::cancellation_type::terminal); });
    f.io.run();
    f.io.restart();
    CHECK(calls == 1);
    CHECK(f.wire->sent.size() == 1);

    // Backing off after a throttle (up to 500 ms): cancelled at once, no second attempt.
    f.wire->script = {scripted_answer::json(429, R"({"message":"slow down"})", "ThrottlingException"),
                      scripted_answer::json(200, converse_answer)};
    f.client.converse(converse_hello(), asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, auto) {
                          ++calls;
                          CHECK(ec == asio::error::operation_aborted);
                      }));
    later.expires_after(std::chrono::milliseconds(1));
    later.async_wait([&](error_code) { signal.emit(asio::cancellation_type::terminal); });
    f.io.run();
    CHECK(calls == 2);
    CHECK(f.wire->sent.size() == 2);
    CHECK(f.wire->script.size() == 1); // the 200 was never asked for
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("engine: every operation's early errors complete through a post, once (callbacks)")
{
    // A configuration that cannot work: every operation fails before sending anything.
    asio::io_context io;
    error_code config_ec;
    auto bad = scripted_config();
    bad.endpoint_url = "ftp://nowhere";
    bedrock::client broken{io.get_executor(), bad, config_ec};
    REQUIRE(config_ec);
    auto expect_config = [&](error_code ec) { CHECK(ec == config_ec); };
    completes_after_return(io, [&](auto cb) { broken.converse(converse_hello(), cb); }, expect_config);
    completes_after_return(io, [&](auto cb) { broken.invoke_model({.model_id = "m"}, cb); }, expect_config);
    completes_after_return(io, [&](auto cb) { broken.apply_guardrail({}, cb); }, expect_config);
    completes_after_return(io, [&](auto cb) { broken.count_tokens({}, cb); }, expect_config);
    completes_after_return(io, [&](auto cb) { broken.start_async_invoke({}, cb); }, expect_config);
    completes_after_return(io, [&](auto cb) { broken.get_async_invoke({}, cb); }, expect_config);
    completes_after_return(io, [&](auto cb) { broken.list_async_invokes({}, cb); }, expect_config);
    completes_after_return(io, [&](auto cb) { broken.converse_stream(stream_hello(), cb); }, expect_config);
    completes_after_return(io, [&](auto cb) { broken.invoke_model_with_response_stream({.model_id = "m"}, cb); },
                           expect_config);
    auto pages = broken.paginate_async_invokes({});
    completes_after_return(io, [&](auto cb) { pages.next(cb); }, expect_config);

    // Requests that cannot be built (a required member missing): refused before sending.
    fixture f;
    auto expect_invalid = [&](error_code ec) { CHECK(ec == client_errc::invalid_request); };
    completes_after_return(f.io, [&](auto cb) { f.client.converse({}, cb); }, expect_invalid);
    completes_after_return(f.io, [&](auto cb) { f.client.invoke_model({}, cb); }, expect_invalid);
    completes_after_return(f.io, [&](auto cb) { f.client.apply_guardrail({}, cb); }, expect_invalid);
    completes_after_return(f.io, [&](auto cb) { f.client.count_tokens({}, cb); }, expect_invalid);
    completes_after_return(f.io, [&](auto cb) { f.client.start_async_invoke({}, cb); }, expect_invalid);
    completes_after_return(f.io, [&](auto cb) { f.client.get_async_invoke({}, cb); }, expect_invalid);
    completes_after_return(f.io, [&](auto cb) { f.client.converse_stream({}, cb); }, expect_invalid);
    completes_after_return(f.io, [&](auto cb) { f.client.invoke_model_with_response_stream({}, cb); },
                           expect_invalid);
    CHECK(f.wire->sent.empty());

    // A stream's next() with nothing to wait for: an empty stream, one read to its end.
    // (An empty stream has no executor of its own: its next() completes on the handler's.)
    bedrock::converse_event_stream empty;
    completes_after_return(f.io, [&](auto cb) { empty.next(asio::bind_executor(f.io, cb)); },
                           [](error_code ec) { CHECK(ec == client_errc::stream_closed); });
    f.wire->script = {scripted_answer::events(three_events())};
    bedrock::converse_event_stream stream;
    f.client.converse_stream(stream_hello(), [&](error_code ec, bedrock::converse_event_stream s) {
        REQUIRE_FALSE(ec);
        stream = std::move(s);
    });
    f.io.run();
    f.io.restart();
    for (int i = 0; i < 3; ++i)
        completes_after_return(f.io, [&](auto cb) { stream.next(cb); }, [](error_code ec) { CHECK_FALSE(ec); });
    completes_after_return(f.io, [&](auto cb) { stream.next(cb); }, [](error_code ec) { CHECK_FALSE(ec); });
    CHECK(stream.events() == 3);
    CHECK(stream.done());

    // The paginator after its last page.
    f.wire->script = {scripted_answer::json(200, R"({"asyncInvokeSummaries":[]})")};
    auto all = f.client.paginate_async_invokes({});
    completes_after_return(f.io, [&](auto cb) { all.next(cb); }, [](error_code ec) { CHECK_FALSE(ec); });
    REQUIRE(all.done());
    completes_after_return(f.io, [&](auto cb) { all.next(cb); }, [](error_code ec) { CHECK_FALSE(ec); });
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("engine: a stream that breaks before its first event is opened again, after it, not")
{
    fixture f;
    auto broken = scripted_answer::events({});
    broken.read_error = asio::error::connection_reset; // the body breaks before any frame
    auto refused = scripted_answer::json(500, R"({"message":"oops"})", "InternalServerException");
    auto cut = scripted_answer::events({three_events()[0]});
    cut.read_error = asio::error::connection_reset; // breaks after the first event
    f.wire->script = {broken, refused, scripted_answer::events(three_events()), cut};

    bool done = false;
    asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
        auto stream = co_await f.client.converse_stream(stream_hello());
        int events = 0;
        while (auto ev = co_await stream.next())
            ++events;
        CHECK(events == 3);
        CHECK(stream.diagnostics().attempts == 3);
        CHECK(stream.diagnostics().request_id == "req-stream");

        auto second = co_await f.client.converse_stream(stream_hello());
        auto first = co_await second.next();
        CHECK(first);
        auto [ec, none] = co_await second.next(asio::as_tuple(asio::deferred));
        CHECK(ec == asio::error::connection_reset); // not replayed: an event was delivered
        CHECK_FALSE(none);
        CHECK(second.diagnostics().client_message ==
              "event stream: failed after 1 events, before messageStop: the answer is incomplete");
        done = true;
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    f.io.run();
    CHECK(done);
    CHECK(f.wire->sent.size() == 4);
    CHECK(f.wire->count->opened == 4); // the 500 too: its body (the error) is read, then closed
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("engine: close() and cancellation end a pending next(), the body is abandoned, never reused")
{
    fixture f;
    auto stalled = scripted_answer::events({three_events()[0]});
    stalled.hang_after_pieces = true;
    f.wire->script = {stalled, stalled};
    asio::cancellation_signal signal;
    int calls = 0;
    asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
        auto a = co_await f.client.converse_stream(stream_hello());
        auto got1 = co_await a.next(); // (a CHECK may evaluate its expression more than once)
        CHECK(got1);
        asio::steady_timer t(f.io, std::chrono::milliseconds(10));
        t.async_wait([&](error_code) { a.close(); });
        auto [ec, ev] = co_await a.next(asio::as_tuple(asio::deferred));
        CHECK(ec == asio::error::operation_aborted);
        ++calls;

        auto b = co_await f.client.converse_stream(stream_hello());
        auto got2 = co_await b.next(); // (a CHECK may evaluate its expression more than once)
        CHECK(got2);
        b.next(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec2, auto) {
            CHECK(ec2 == asio::error::operation_aborted);
            ++calls;
        }));
        t.expires_after(std::chrono::milliseconds(10));
        co_await t.async_wait(asio::use_awaitable);
        signal.emit(asio::cancellation_type::terminal);
        t.expires_after(std::chrono::milliseconds(10));
        co_await t.async_wait(asio::use_awaitable);
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    f.io.run();
    CHECK(calls == 2);
    CHECK(f.wire->count->opened == 2);
    CHECK(f.wire->count->abandoned == 2);
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("engine: with the default token, an error is thrown with the service's words")
{
    fixture f;
    f.wire->script = {scripted_answer::json(400, R"({"message":"The model is not available"})", "ValidationException")};
    bool caught = false;
    asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
        try {
            (void)co_await f.client.converse(converse_hello());
        } catch (const bedrock::error_with_diagnostics& e) {
            caught = true;
            CHECK(e.code() == service_errc::validation);
            CHECK(e.diagnostics().service_message == "The model is not available");
            CHECK(e.diagnostics().request_id == "req-400");
            CHECK(e.diagnostics().attempts == 1);
            CHECK(std::string(e.what()).find("The model is not available") != std::string::npos);
            CHECK(std::string(e.what()).find("req-400") != std::string::npos);
        }
        // Still a system_error for code that catches that; the caller's diagnostics filled too.
        f.wire->script = {scripted_answer::json(429, R"({"message":"slow"})", "ThrottlingException"),
                          scripted_answer::json(429, R"({"message":"slow"})", "ThrottlingException"),
                          scripted_answer::json(429, R"({"message":"slower"})", "ThrottlingException")};
        bedrock::diagnostics diag;
        try {
            (void)co_await f.client.converse(converse_hello(), diag);
        } catch (const boost::system::system_error& e) {
            CHECK(e.code() == service_errc::throttling);
            CHECK(dynamic_cast<const bedrock::error_with_diagnostics&>(e).diagnostics().service_message == "slower");
        }
        CHECK(diag.service_message == "slower");
        CHECK(diag.attempts == 3);

        // A stream's next() too.
        auto broken = scripted_answer::events({event_frame("messageStart", R"({"role":"assistant"})")});
        broken.read_error = asio::error::connection_reset;
        f.wire->script = {broken};
        auto stream = co_await f.client.converse_stream(stream_hello());
        auto got3 = co_await stream.next(); // (a CHECK may evaluate its expression more than once)
        CHECK(got3);
        try {
            (void)co_await stream.next();
            CHECK(false);
        } catch (const bedrock::error_with_diagnostics& e) {
            CHECK(e.code() == asio::error::connection_reset);
            CHECK(e.diagnostics().client_message ==
                  "event stream: failed after 1 events, before messageStop: the answer is incomplete");
        }
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    f.io.run();
    CHECK(caught);
}

TEST_CASE("engine: the HTTP/1.1 transport refuses a duplex open, through a post")
{
    asio::io_context io;
    auto endpoint = bedrock::http::parse_endpoint("https://bedrock.test");
    REQUIRE(endpoint.has_value());
    auto t = bedrock::transport::make_http1_transport(io.get_executor(), *endpoint, {});
    CHECK(t->protocol() == "http/1.1");
    bedrock::transport::request req;
    bool returned = false;
    int calls = 0;
    t->async_open_duplex(req, {}, [&](error_code ec, std::unique_ptr<bedrock::transport::duplex_body> body) {
        CHECK(returned);
        CHECK(ec == client_errc::http2_required);
        CHECK_FALSE(body);
        ++calls;
    });
    returned = true;
    io.run();
    CHECK(calls == 1);
}

} // namespace engine_test
