// InvokeModelWithBidirectionalStream over a scripted transport's duplex body: what send(), finish()
// and next() put on the wire and hand back, with both directions pending at once, when the answer
// is an error, an exception frame, a close or a cancellation, and under a bearer token.

#include <bedrock/auth/event_signer.hpp>
#include <bedrock/client.hpp>
#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/json/base64.hpp>

#include "scripted_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <ctime>
#include <functional>

namespace bidi_stream_test {

namespace asio = boost::asio;
using boost::system::error_code;
using bedrock::client_errc;
using bedrock::service_errc;
using bedrock::test::duplex_channel;
using bedrock::test::scripted_answer;
using bedrock::test::scripted_transport;

namespace {

const bedrock::auth::credentials test_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};

bedrock::config bidi_config(bool bearer = false)
{
    bedrock::config cfg;
    cfg.region = "us-east-1";
    cfg.endpoint_url = "https://bedrock.test";
    if (bearer)
        cfg.bearer_token = "api-key";
    else
        cfg.credentials = test_credentials;
    cfg.max_attempts = 3;
    return cfg;
}

struct fixture {
    explicit fixture(bool bearer = false) : client(io.get_executor(), bidi_config(bearer), wire) {}
    asio::io_context io;
    std::shared_ptr<scripted_transport> wire = std::make_shared<scripted_transport>(io.get_executor());
    bedrock::client client;

    duplex_channel& far_end() { return *wire->duplexes.back(); }
};

bedrock::invoke_model_with_bidirectional_stream_request sonic()
{
    bedrock::invoke_model_with_bidirectional_stream_request r;
    r.model_id = "amazon.nova-sonic-v1:0";
    return r;
}

bedrock::invoke_model_with_bidirectional_stream_input chunk(std::string_view json)
{
    bedrock::invoke_model_with_bidirectional_stream_input_chunk part;
    part.value.bytes = bedrock::bytes(json.begin(), json.end());
    return bedrock::invoke_model_with_bidirectional_stream_input{std::move(part)};
}

// The text a received chunk carries.
std::string text_of(const bedrock::invoke_model_with_bidirectional_stream_output& out)
{
    const auto* c = std::get_if<bedrock::invoke_model_with_bidirectional_stream_output_chunk>(&out);
    REQUIRE(c);
    REQUIRE(c->value.bytes);
    return std::string(c->value.bytes->begin(), c->value.bytes->end());
}

// One `chunk` event of the answer, carrying `json`.
std::string output_chunk(std::string_view json)
{
    return bedrock::test::event_frame("chunk", R"({"bytes":")" + bedrock::json::base64_encode(json) + R"("})");
}

std::string frame_of(std::vector<bedrock::eventstream::header_view> headers, std::string_view payload)
{
    std::vector<std::uint8_t> out;
    REQUIRE_FALSE(bedrock::eventstream::encode(
        headers, bedrock::eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
        out));
    return std::string(out.begin(), out.end());
}

std::string exception_frame(std::string_view type, std::string_view json)
{
    return frame_of({{":exception-type", type},
                     {":content-type", std::string_view("application/json")},
                     {":message-type", std::string_view("exception")}},
                    json);
}

// An open answer: a 200 event-stream head, `pieces`, then (unless `ends`) whatever the test pushes.
scripted_answer duplex_answer(std::vector<std::string> pieces = {}, bool ends = false)
{
    auto a = scripted_answer::events(std::move(pieces));
    a.hang_after_pieces = !ends;
    return a;
}

// A decoded frame, copied out.
struct frame {
    std::vector<bedrock::eventstream::header> headers;
    std::vector<std::uint8_t> payload;

    const bedrock::eventstream::header_value* find(std::string_view name) const
    {
        for (const auto& h : headers)
            if (h.name == name)
                return &h.value;
        return nullptr;
    }
};

frame decode(std::string_view bytes)
{
    bedrock::eventstream::decoder d;
    const auto r = d.feed(bedrock::eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    REQUIRE(r.state == bedrock::eventstream::decoder::status::message);
    REQUIRE(r.consumed == bytes.size());
    frame f;
    for (const auto& h : d.message().headers)
        f.headers.push_back({std::string(h.name), bedrock::eventstream::to_owned(h.value)});
    f.payload.assign(d.message().payload.begin(), d.message().payload.end());
    return f;
}

// The request's Signature=, the seed of the events' chain.
std::string request_signature(const bedrock::transport::request& r)
{
    const auto* auth = r.find("Authorization");
    REQUIRE(auth);
    const auto at = auth->find("Signature=");
    REQUIRE(at != std::string::npos);
    return auth->substr(at + 10);
}

// Every write is a signed outer frame, chained from the request's signature with the client's
// credentials, and re-signing its payload at its :date gives the same bytes. Returns the payloads.
std::vector<std::vector<std::uint8_t>> check_signed_chain(const bedrock::transport::request& request,
                                                          const std::vector<std::string>& writes)
{
    bedrock::auth::event_signer signer(request_signature(request), test_credentials, "us-east-1", "bedrock");
    std::vector<std::vector<std::uint8_t>> payloads;
    for (const auto& w : writes) {
        const frame outer = decode(w);
        REQUIRE(outer.headers.size() == 2);
        CHECK(outer.headers[0].name == ":date");
        CHECK(outer.headers[1].name == ":chunk-signature");
        const auto* date = std::get_if<bedrock::eventstream::timestamp>(outer.find(":date"));
        REQUIRE(date);
        std::vector<std::uint8_t> again;
        REQUIRE_FALSE(signer.sign_frame(outer.payload, *date, again));
        CHECK(std::string(again.begin(), again.end()) == w);
        payloads.push_back(outer.payload);
    }
    return payloads;
}

// The JSON an input event frame carried (its inner message's `bytes`, decoded).
std::string sent_json(const std::vector<std::uint8_t>& inner_message)
{
    const frame inner = decode(std::string_view(reinterpret_cast<const char*>(inner_message.data()), inner_message.size()));
    CHECK(std::get<std::string>(*inner.find(":event-type")) == "chunk");
    CHECK(std::get<std::string>(*inner.find(":message-type")) == "event");
    CHECK(std::get<std::string>(*inner.find(":content-type")) == "application/json");
    const std::string payload(inner.payload.begin(), inner.payload.end());
    const std::string prefix = R"({"bytes":")";
    REQUIRE(payload.starts_with(prefix));
    std::vector<std::uint8_t> raw;
    REQUIRE_FALSE(bedrock::json::base64_decode(std::string_view(payload).substr(prefix.size(), payload.size() - prefix.size() - 2), raw));
    return std::string(raw.begin(), raw.end());
}

// Runs `body` as a coroutine on f.io to its end; its exception fails the test.
template <class F>
void run(fixture& f, F body)
{
    std::exception_ptr failure;
    asio::co_spawn(f.io, body(), [&](std::exception_ptr e) { failure = e; });
    f.io.run();
    f.io.restart();
    if (failure)
        std::rethrow_exception(failure);
}

// Opens a stream with a callback (no coroutine), running the context until it is open.
bedrock::bidirectional_stream open(fixture& f)
{
    std::optional<bedrock::bidirectional_stream> out;
    f.client.invoke_model_with_bidirectional_stream(sonic(), [&](error_code ec, bedrock::bidirectional_stream s) {
        REQUIRE_FALSE(ec);
        out.emplace(std::move(s));
    });
    f.io.run();
    f.io.restart();
    REQUIRE(out);
    return std::move(*out);
}

std::string http_date(std::chrono::system_clock::time_point t)
{
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return text;
}

} // namespace

TEST_CASE("bidi: send and next from two coroutines, events in order, finish: end frame, then end of body")
{
    fixture f;
    f.wire->script = {duplex_answer()};
    std::optional<bedrock::bidirectional_stream> stream;
    std::vector<std::string> received;
    bool reader_ended = false;
    std::exception_ptr reader_failure;

    // The reader: its own coroutine, next() pending while the writer sends. (A named lambda: a
    // coroutine's captures live in the lambda object, which must outlive it.)
    auto reader = [&]() -> asio::awaitable<void> {
        while (auto out = co_await stream->next())
            received.push_back(text_of(*out));
        reader_ended = true;
    };
    run(f, [&]() -> asio::awaitable<void> {
        stream.emplace(co_await f.client.invoke_model_with_bidirectional_stream(sonic()));
        asio::co_spawn(f.io, reader(), [&](std::exception_ptr e) { reader_failure = e; });
        for (int i = 0; i < 3; ++i) {
            co_await stream->send(chunk(R"({"event":{"n":)" + std::to_string(i) + "}}"));
            CHECK(f.far_end().read_pending()); // next() waited all along
            f.far_end().push(output_chunk("answer " + std::to_string(i)));
        }
        co_await stream->finish();
        f.far_end().end();
    });
    if (reader_failure)
        std::rethrow_exception(reader_failure);

    CHECK(reader_ended);
    CHECK(received == std::vector<std::string>{"answer 0", "answer 1", "answer 2"});
    CHECK(stream->sent() == 3);
    CHECK(stream->events() == 3);
    CHECK(stream->finished());
    CHECK(stream->done());
    CHECK(stream->diagnostics().request_id == "req-stream");

    // The request: its head only, signed for an event-stream body.
    REQUIRE(f.wire->sent.size() == 1);
    const auto& request = f.wire->sent[0];
    CHECK(request.target() == "/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream");
    CHECK(*request.find("Content-Type") == "application/vnd.amazon.eventstream");
    CHECK(*request.find("x-amz-content-sha256") == "STREAMING-AWS4-HMAC-SHA256-EVENTS");
    CHECK(request.find("Content-Length") == nullptr);
    CHECK(request.body.empty());

    // The body: three signed events, then the signed empty end frame, then the end of the body.
    auto& end = f.far_end();
    REQUIRE(end.writes.size() == 4);
    CHECK(end.finished);
    CHECK(end.writes_at_finish == 4);
    const auto payloads = check_signed_chain(request, end.writes);
    for (int i = 0; i < 3; ++i)
        CHECK(sent_json(payloads[i]) == R"({"event":{"n":)" + std::to_string(i) + "}}");
    CHECK(payloads[3].empty());
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("bidi: send or finish after finish fails with stream_finished, the answer is still read")
{
    fixture f;
    f.wire->script = {duplex_answer({output_chunk("late")}, true)};
    auto stream = open(f);
    run(f, [&]() -> asio::awaitable<void> {
        co_await stream.send(chunk("{}"));
        co_await stream.finish();
        auto [e1] = co_await stream.send(chunk("{}"), asio::as_tuple(asio::use_awaitable));
        CHECK(e1 == client_errc::stream_finished);
        auto [e2] = co_await stream.finish(asio::as_tuple(asio::use_awaitable));
        CHECK(e2 == client_errc::stream_finished);
        try {
            co_await stream.send(chunk("{}")); // the default token throws, with words
            FAIL("send after finish succeeded");
        } catch (const bedrock::error_with_diagnostics& e) {
            CHECK(e.code() == client_errc::stream_finished);
        }
        auto first = co_await stream.next();
        REQUIRE(first);
        CHECK(text_of(*first) == "late");
        auto last = co_await stream.next();
        CHECK_FALSE(last);
    });
    CHECK(f.far_end().writes.size() == 2); // the event and the end frame: nothing after
    CHECK(stream.sent() == 1);
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("bidi: a second send (or finish) while one is pending is stream_busy, so is a second next")
{
    fixture f;
    f.wire->script = {duplex_answer()};
    auto stream = open(f);
    f.far_end().hold_writes = true; // the send window is shut: the first send waits

    std::vector<error_code> sends, nexts;
    stream.send(chunk(R"({"first":1})"), [&](error_code ec) { sends.push_back(ec); });
    stream.send(chunk(R"({"second":2})"), [&](error_code ec) { sends.push_back(ec); });
    stream.finish([&](error_code ec) { sends.push_back(ec); });
    stream.next([&](error_code ec, auto) { nexts.push_back(ec); });
    stream.next([&](error_code ec, auto) { nexts.push_back(ec); });
    f.io.poll(); // (run() would wait for the pending operations)
    CHECK(sends == std::vector<error_code>{client_errc::stream_busy, client_errc::stream_busy});
    CHECK(nexts == std::vector<error_code>{client_errc::stream_busy});
    CHECK(f.far_end().write_pending());
    CHECK(f.far_end().read_pending());

    // The window opens: the first send completes; the pending next() is untouched.
    f.far_end().release_writes();
    f.io.poll();
    CHECK(sends.size() == 3);
    CHECK_FALSE(sends[2]);
    REQUIRE(f.far_end().writes.size() == 1);
    CHECK(sent_json(check_signed_chain(f.wire->sent[0], f.far_end().writes)[0]) == R"({"first":1})");

    f.far_end().push(output_chunk("hi"));
    f.far_end().end();
    f.io.run();
    CHECK(nexts.size() == 2);
    CHECK_FALSE(nexts[1]);
}

TEST_CASE("bidi: an exception frame ends next() with its service_errc and the service's words, sticky")
{
    fixture f;
    f.wire->script = {duplex_answer({output_chunk("one"),
                                     exception_frame("modelStreamErrorException",
                                                     R"({"message":"The model broke","originalStatusCode":500})")})};
    auto stream = open(f);
    run(f, [&]() -> asio::awaitable<void> {
        co_await stream.send(chunk("{}"));
        auto first = co_await stream.next();
        REQUIRE(first);
        CHECK(text_of(*first) == "one");
        try {
            co_await stream.next();
            FAIL("an event after the exception");
        } catch (const bedrock::error_with_diagnostics& e) {
            CHECK(e.code() == service_errc::model_stream_error);
            CHECK(e.diagnostics().service_message == "The model broke");
            CHECK(e.diagnostics().error_type == "modelStreamErrorException");
        }
        // Sticky, for both directions.
        auto [e1, none] = co_await stream.next(asio::as_tuple(asio::use_awaitable));
        CHECK(e1 == service_errc::model_stream_error);
        CHECK_FALSE(none);
        auto [e2] = co_await stream.send(chunk("{}"), asio::as_tuple(asio::use_awaitable));
        CHECK(e2 == service_errc::model_stream_error);
    });
    CHECK(stream.done());
    CHECK(stream.diagnostics().service_message == "The model broke");
    CHECK(f.far_end().closed()); // the stream was reset, never left half-open
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("bidi: a :message-type error frame ends the stream too, an unknown event type is _unknown")
{
    fixture f;
    f.wire->script = {duplex_answer(
        {bedrock::test::event_frame("somethingNew", R"({"x":1})"),
         frame_of({{":error-code", std::string_view("ThrottlingException")},
                   {":error-message", std::string_view("Too many requests")},
                   {":message-type", std::string_view("error")}},
                  "")},
        true)};
    auto stream = open(f);
    run(f, [&]() -> asio::awaitable<void> {
        auto first = co_await stream.next();
        REQUIRE(first);
        const auto* unknown = std::get_if<bedrock::invoke_model_with_bidirectional_stream_output_unknown>(&*first);
        REQUIRE(unknown);
        CHECK(unknown->tag == "somethingNew");
        auto [ec, none] = co_await stream.next(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == service_errc::throttling);
        CHECK_FALSE(none);
    });
    CHECK(stream.diagnostics().service_message == "Too many requests");
}

TEST_CASE("bidi: close() mid-way aborts a pending send and a pending next, later calls: stream_closed")
{
    fixture f;
    f.wire->script = {duplex_answer()};
    auto stream = open(f);
    f.far_end().hold_writes = true;
    error_code sent, read;
    int calls = 0;
    stream.send(chunk("{}"), [&](error_code ec) { sent = ec, ++calls; });
    stream.next([&](error_code ec, auto) { read = ec, ++calls; });
    f.io.poll(); // both reach the transport and wait
    CHECK(f.far_end().write_pending());
    CHECK(f.far_end().read_pending());
    stream.close();
    f.io.run();
    f.io.restart();
    CHECK(calls == 2);
    CHECK(sent == asio::error::operation_aborted);
    CHECK(read == asio::error::operation_aborted);
    CHECK(f.far_end().closed());
    CHECK(stream.done());

    error_code later;
    stream.send(chunk("{}"), [&](error_code ec) { later = ec; });
    f.io.run();
    CHECK(later == client_errc::stream_closed);
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("bidi: destroying the stream closes it, a moved-from stream is empty")
{
    fixture f;
    f.wire->script = {duplex_answer()};
    error_code read;
    {
        auto stream = open(f);
        stream.next([&](error_code ec, auto) { read = ec; });
        f.io.poll();
        auto moved = std::move(stream);
        error_code empty;
        stream.next(asio::bind_executor(f.io.get_executor(), [&](error_code ec, auto) { empty = ec; }));
        f.io.poll();
        CHECK(empty == client_errc::stream_closed);
    }
    f.io.run();
    CHECK(read == asio::error::operation_aborted);
    CHECK(f.far_end().closed());
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("bidi: cancelling a pending send closes the stream (terminal), the pending next ends too")
{
    fixture f;
    f.wire->script = {duplex_answer()};
    auto stream = open(f);
    f.far_end().hold_writes = true;
    asio::cancellation_signal signal;
    error_code sent, read;
    stream.send(chunk("{}"), asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) { sent = ec; }));
    stream.next([&](error_code ec, auto) { read = ec; });
    f.io.poll();
    signal.emit(asio::cancellation_type::terminal);
    f.io.run();
    CHECK(sent == asio::error::operation_aborted);
    CHECK(read == asio::error::operation_aborted);
    CHECK(stream.done());
    CHECK(f.far_end().closed());
    CHECK(f.far_end().writes.empty());
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("bidi: cancelling a pending next closes the stream")
{
    fixture f;
    f.wire->script = {duplex_answer()};
    auto stream = open(f);
    asio::cancellation_signal signal;
    error_code read, sent;
    stream.next(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, auto) { read = ec; }));
    f.io.poll();
    signal.emit(asio::cancellation_type::terminal);
    f.io.run();
    f.io.restart();
    CHECK(read == asio::error::operation_aborted);
    stream.send(chunk("{}"), [&](error_code ec) { sent = ec; });
    f.io.run();
    CHECK(sent == client_errc::stream_closed);
}

TEST_CASE("bidi: no handler runs inside its initiating function (callbacks)")
{
    fixture f;
    f.wire->script = {duplex_answer({output_chunk("a")}, true)};
    bool returned = false;
    int calls = 0;
    const auto expect_after_return = [&](auto start) {
        returned = false;
        start();
        returned = true;
        f.io.run();
        f.io.restart();
    };
    std::optional<bedrock::bidirectional_stream> stream;
    expect_after_return([&] {
        f.client.invoke_model_with_bidirectional_stream(sonic(), [&](error_code ec, bedrock::bidirectional_stream s) {
            CHECK(returned);
            REQUIRE_FALSE(ec);
            stream.emplace(std::move(s));
            ++calls;
        });
    });
    REQUIRE(stream);
    expect_after_return([&] { stream->send(chunk("{}"), [&](error_code) { CHECK(returned); ++calls; }); });
    expect_after_return([&] { stream->next([&](error_code, auto) { CHECK(returned); ++calls; }); });
    expect_after_return([&] { stream->finish([&](error_code) { CHECK(returned); ++calls; }); });
    // Refusals known at once complete through a post too.
    expect_after_return([&] { stream->send(chunk("{}"), [&](error_code ec) { CHECK(returned); CHECK(ec); ++calls; }); });
    expect_after_return([&] { stream->next([&](error_code, auto) { CHECK(returned); ++calls; }); }); // the end
    expect_after_return([&] { stream->next([&](error_code, auto) { CHECK(returned); ++calls; }); }); // still the end
    // An empty stream has no executor of its own: the callback is bound to one.
    bedrock::bidirectional_stream empty;
    expect_after_return([&] {
        empty.send(chunk("{}"), asio::bind_executor(f.io.get_executor(), [&](error_code ec) {
                       CHECK(returned);
                       CHECK(ec == client_errc::stream_closed);
                       ++calls;
                   }));
    });
    expect_after_return([&] {
        f.client.invoke_model_with_bidirectional_stream({}, [&](error_code ec, bedrock::bidirectional_stream) {
            CHECK(returned);
            CHECK(ec == client_errc::invalid_request);
            ++calls;
        });
    });
    CHECK(calls == 9);
}

TEST_CASE("bidi: an error answer completes the open with the typed error, 5xx is retried first")
{
    fixture f;
    f.wire->script = {scripted_answer::json(400, R"({"message":"Model not supported"})", "ValidationException")};
    bedrock::diagnostics diag;
    error_code opened;
    f.client.invoke_model_with_bidirectional_stream(sonic(), diag,
                                                    [&](error_code ec, bedrock::bidirectional_stream) { opened = ec; });
    f.io.run();
    f.io.restart();
    CHECK(opened == service_errc::validation);
    CHECK(diag.service_message == "Model not supported");
    CHECK(diag.http_status == 400);
    CHECK(diag.attempts == 1);

    f.wire->script = {scripted_answer::json(503, R"({"message":"busy"})", "ServiceUnavailableException"),
                      scripted_answer::json(500, R"({"message":"oops"})", "InternalServerException"),
                      scripted_answer::json(503, R"({"message":"still busy"})", "ServiceUnavailableException")};
    f.client.invoke_model_with_bidirectional_stream(sonic(), diag,
                                                    [&](error_code ec, bedrock::bidirectional_stream) { opened = ec; });
    f.io.run();
    CHECK(opened == service_errc::service_unavailable);
    CHECK(diag.service_message == "still busy");
    CHECK(diag.attempts == 3);
    CHECK(f.wire->sent.size() == 4);
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("bidi: a request without a model id is refused before anything is sent")
{
    fixture f;
    run(f, [&]() -> asio::awaitable<void> {
        // No model id: the URI has nothing to address.
        bedrock::invoke_model_with_bidirectional_stream_request nameless;
        auto [ec, stream] =
            co_await f.client.invoke_model_with_bidirectional_stream(nameless, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == client_errc::invalid_request);
        CHECK(stream.done()); // an empty stream
    });
    CHECK(f.wire->sent.empty());
}

TEST_CASE("bidi: bearer token: the events go unsigned, and finish ends the body without an end frame")
{
    fixture f(true);
    f.wire->script = {duplex_answer({}, true)};
    auto stream = open(f);
    run(f, [&]() -> asio::awaitable<void> {
        co_await stream.send(chunk(R"({"event":{"sessionEnd":{}}})"));
        co_await stream.finish();
        auto none = co_await stream.next();
        CHECK_FALSE(none);
    });
    const auto& request = f.wire->sent.at(0);
    CHECK(*request.find("Authorization") == "Bearer api-key");
    auto& end = f.far_end();
    REQUIRE(end.writes.size() == 1);
    const auto& w = end.writes[0];
    CHECK(sent_json(std::vector<std::uint8_t>(w.begin(), w.end())) == R"({"event":{"sessionEnd":{}}})"); // the inner message itself
    CHECK(end.finished);
    CHECK(end.writes_at_finish == 1);
}

TEST_CASE("bidi: the events' :date is the client's clock, skew-corrected like the request's")
{
    fixture f;
    // The service says the signature is from the past and that its clock reads an hour later: the
    // engine corrects the client's clock and retries at once.
    const auto service_now = std::chrono::system_clock::now() + std::chrono::hours(1);
    auto skewed = scripted_answer::json(403, R"({"message":"Signature expired: 20250101T000000Z is now earlier than ..."})",
                                        "InvalidSignatureException");
    skewed.headers.emplace_back("Date", http_date(service_now));
    f.wire->script = {skewed, duplex_answer({}, true)};
    auto stream = open(f);
    run(f, [&]() -> asio::awaitable<void> { co_await stream.send(chunk("{}")); });
    REQUIRE(f.far_end().writes.size() == 1);
    check_signed_chain(f.wire->sent.at(1), f.far_end().writes);
    const frame outer = decode(f.far_end().writes[0]);
    const auto date = std::get<bedrock::eventstream::timestamp>(*outer.find(":date"));
    const auto off = std::chrono::abs(date - std::chrono::time_point_cast<std::chrono::milliseconds>(service_now));
    CHECK(off < std::chrono::seconds(10));
}

} // namespace bidi_stream_test
