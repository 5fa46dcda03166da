// Heap allocations per warm request on the client side. Global operator new is replaced in this
// executable with a thread-local counter, so the server's thread (it runs on its own) is not
// counted. Skipped under AddressSanitizer, which owns operator new.
#include "http_support.hpp"

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>
#include <bedrock/transport/transport.hpp>

#include "support/vectors.hpp"

#include <cstdio>
#include <iterator>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define HTTP_ALLOC_COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HTTP_ALLOC_COUNTING 0
#endif
#endif
#ifndef HTTP_ALLOC_COUNTING
#define HTTP_ALLOC_COUNTING 1
#endif

#if HTTP_ALLOC_COUNTING
// gcc 12 at -O3 flags free() in these replacements as mismatched with operator new, though this
// operator new allocates with malloc: the replacements are consistent by construction.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
thread_local std::size_t thread_allocations = 0;
}

void* operator new(std::size_t size)
{
    ++thread_allocations;
    if (void* p = std::malloc(size ? size : 1))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace http_alloc_test {

using namespace http_test;
namespace bhttp = boost::beast::http;

TEST_CASE("http: heap allocations per warm request", "[http][integration][alloc]")
{
#if !HTTP_ALLOC_COUNTING
    WARN("allocation counting is off under AddressSanitizer");
#else
    // A Bedrock-like answer: JSON body and the usual handful of headers.
    const std::string json(1500, 'j');
    bt::https_server server([&](const bt::request& req, bt::response_writer& w) -> awaitable {
        if (req.target() == "/events") { // 100 small chunks, each its own TLS record
            co_await w.write_head(head());
            for (int i = 0; i < 100; ++i)
                co_await w.write_body(std::string(200, 'e'));
            co_await w.finish();
            co_return;
        }
        bt::response res{bhttp::status::ok, 11};
        res.set(bhttp::field::content_type, "application/json");
        res.set("x-amzn-requestid", "0b2b4a0c-1111-2222-3333-444455556666");
        res.set(bhttp::field::date, "Mon, 01 Jan 2024 00:00:00 GMT");
        res.body() = json;
        co_await w.respond(std::move(res));
    });
    asio::io_context ioc(1);
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    auto req = make_request(pool, "/model/anthropic.claude/converse", std::string(1900, 'r'));
    bh::response res;
    const auto t = quick();
    int completed = 0;
    error_code last;
    auto once = [&] {
        pool.async_exchange(req, res, t, [&](error_code ec) {
            last = ec;
            ++completed;
        });
        ioc.restart();
        while (ioc.run_one() && completed == 0) {
        }
        ioc.restart();
        ioc.poll(); // what is left of the exchange (nothing should be)
    };

    for (int i = 0; i < 50; ++i) { // warm: connection open, buffers and caches grown
        completed = 0;
        once();
        REQUIRE_FALSE(last);
    }
    constexpr int n = 200;
    const std::size_t before = thread_allocations;
    for (int i = 0; i < n; ++i) {
        completed = 0;
        once();
        REQUIRE_FALSE(last);
    }
    const double unary = double(thread_allocations - before) / n;
    REQUIRE(res.body() == json);

    // The same through a response_stream (head, then the body read in 4 KiB pieces).
    char buffer[4096];
    bh::response_stream stream;
    struct reader {
        bh::response_stream* s;
        char* b;
        void operator()(error_code e, std::size_t) const
        {
            if (!e)
                s->async_read_some(asio::buffer(b, 4096), *this);
        }
    };
    auto stream_once = [&] {
        bool done = false;
        pool.async_open(req, t, [&](error_code ec, bh::response_stream s) {
            REQUIRE_FALSE(ec);
            stream = std::move(s);
            done = true;
            reader{&stream, buffer}(error_code{}, 0);
        });
        ioc.restart();
        ioc.run();
        REQUIRE(done);
        REQUIRE(stream.done());
    };
    for (int i = 0; i < 20; ++i)
        stream_once();
    const std::size_t before_stream = thread_allocations;
    for (int i = 0; i < n; ++i)
        stream_once();
    const double streamed = double(thread_allocations - before_stream) / n;

    // Per read of a streamed body: count reads and allocations over whole responses.
    auto events_req = make_request(pool, "/events");
    std::size_t reads = 0;
    struct counting_reader {
        bh::response_stream* s;
        char* b;
        std::size_t* reads;
        void operator()(error_code e, std::size_t) const
        {
            if (e)
                return;
            ++*reads;
            s->async_read_some(asio::buffer(b, 4096), *this);
        }
    };
    auto events_once = [&] {
        pool.async_open(events_req, t, [&](error_code ec, bh::response_stream s) {
            REQUIRE_FALSE(ec);
            stream = std::move(s);
            stream.async_read_some(asio::buffer(buffer), counting_reader{&stream, buffer, &reads});
        });
        ioc.restart();
        ioc.run();
        REQUIRE(stream.done());
    };
    for (int i = 0; i < 5; ++i)
        events_once();
    reads = 0;
    const std::size_t before_events = thread_allocations;
    for (int i = 0; i < 20; ++i)
        events_once();
    const double per_response = double(thread_allocations - before_events) / 20;
    const double reads_per_response = double(reads) / 20;

    // The same body read through the transport interface, as a stream's next() reads it: an erased
    // handler whose executor is an any_io_executor (a coroutine's, a composed operation's), the
    // transport's own. Asio, asked for that executor by the socket's operations, would wrap it in an
    // any_completion_executor twice per read (two heap allocations); told that it may run the
    // handler on its own executor, the transport does not ask.
    const auto endpoint = bh::parse_endpoint(server.url());
    REQUIRE(endpoint.has_value());
    auto erased = bedrock::transport::make_http1_transport(ioc.get_executor(), *endpoint, trusting(server.ca_pem()));
    bedrock::transport::request events_request;
    events_request.method = "GET";
    events_request.path = "/events";
    std::unique_ptr<bedrock::transport::response_body> body;
    std::size_t body_allocations = 0, erased_reads = 0;
    struct erased_reader {
        bedrock::transport::response_body* body;
        char* b;
        std::size_t* reads;
        std::size_t* allocations;
        std::size_t started;
        asio::any_io_executor ex;

        using executor_type = asio::any_io_executor;
        executor_type get_executor() const noexcept { return ex; }
        void operator()(error_code e, std::size_t) const
        {
            if (e) {
                *allocations += thread_allocations - started;
                return;
            }
            ++*reads;
            body->async_read_some_on_transport_executor(
                asio::buffer(b, 4096), bedrock::transport::handler<void(error_code, std::size_t)>(*this));
        }
    };
    auto erased_once = [&] {
        erased->async_open(events_request, t,
                           [&](error_code ec, std::unique_ptr<bedrock::transport::response_body> b) {
                               REQUIRE_FALSE(ec);
                               body = std::move(b);
                               erased_reader{body.get(), buffer, &erased_reads, &body_allocations,
                                             thread_allocations, ioc.get_executor()}(error_code{}, 0);
                           });
        ioc.restart();
        ioc.run();
    };
    for (int i = 0; i < 5; ++i)
        erased_once();
    body_allocations = erased_reads = 0;
    for (int i = 0; i < 20; ++i)
        erased_once();
    const double erased_reads_per_response = double(erased_reads) / 20;

    // A unary exchange through the transport, as the client makes it: a neutral request of eight
    // headers (what a signed Converse carries) is written out in one string, not as a Beast message
    // (an allocation per header field, and one for the target).
    bedrock::transport::request unary_request;
    unary_request.method = "POST";
    unary_request.path = "/model/anthropic.claude/converse";
    unary_request.body = std::string(1900, 'r');
    for (const char* name : {"Content-Type", "Content-Length", "amz-sdk-invocation-id", "amz-sdk-request",
                             "User-Agent", "X-Amz-Date", "x-amz-content-sha256", "Authorization"})
        unary_request.headers.push_back({name, std::string(40, 'v')});
    unary_request.set("Content-Length", "1900");
    bedrock::transport::response unary_response;
    std::size_t transport_unary_allocations = 0;
    auto transport_once = [&] {
        bool done = false;
        const std::size_t started = thread_allocations;
        erased->async_exchange(unary_request, unary_response, t, [&](error_code ec) {
            REQUIRE_FALSE(ec);
            transport_unary_allocations += thread_allocations - started;
            done = true;
        });
        ioc.restart();
        while (!done && ioc.run_one()) {
        }
        REQUIRE(done);
    };
    for (int i = 0; i < 20; ++i)
        transport_once();
    transport_unary_allocations = 0;
    for (int i = 0; i < n; ++i)
        transport_once();
    const double transport_unary = double(transport_unary_allocations) / n;
    REQUIRE(unary_response.body() == json);

    std::printf("http allocations per warm request: unary %.2f, response_stream %.2f "
                "(response headers: 4 fields); streamed body: %.2f per response of %.1f reads; "
                "through the transport: %.2f while reading %.1f reads, unary %.2f\n",
                unary, streamed, per_response, reads_per_response, double(body_allocations) / 20,
                erased_reads_per_response, transport_unary);
    CHECK(pool.stats().opened == 1);
    // Beast allocates a node per header field of the answer and a buffer for its reason phrase;
    // the transport itself allocates nothing more per request, nor per read. The JSON answer has the
    // 4 fields set above; the event answer's head 1 (Transfer-Encoding).
    const auto fields = [](const auto& head) { return static_cast<double>(std::distance(head.begin(), head.end())); };
    CHECK(fields(res) == 4);
    CHECK(unary == fields(res) + 1);
    CHECK(streamed == fields(res) + 1); // the same answer through a response_stream: no more
    CHECK(fields(stream.head()) == 1);
    CHECK(per_response == fields(stream.head()) + 1); // 100 chunks, each its own TLS record: none per read
    CHECK(reads_per_response >= 5); // 20,000 bytes in reads of at most 4 KiB (chunks may arrive together)
    CHECK(reads_per_response <= 100);
    CHECK(erased_reads_per_response >= 5);
    CHECK(body_allocations == 0); // through the erased interface too: none per read
    // Through the transport: the answer's as above, the written-out request and its string, and
    // what Asio's erased handlers cost (their storage, and the any_completion_executor that an
    // any_io_executor is wrapped in each time one is asked for its executor: 6 in all, today); none
    // per header field of the request (as a Beast message it took 10 more).
    CHECK(transport_unary <= fields(unary_response) + 1 + 2 + 6);
#endif
}

template <class Request>
Request say_hello(std::string model_id)
{
    Request request;
    request.model_id = std::move(model_id);
    request.messages = {bedrock::user_text("hello")};
    return request;
}

TEST_CASE("client: heap allocations of a warm unary call", "[client][alloc]")
{
#if !HTTP_ALLOC_COUNTING
    WARN("allocation counting is off under AddressSanitizer");
#else
    // Converse calls one after the other on a kept-alive connection, each started from the last
    // one's handler, signed with long-term keys. Counted: operator new on this thread (OpenSSL's
    // own mallocs are not). What a call cannot do without: its frame, the Beast fields of the
    // answer, the answer's request id and content; the two erased copies of its
    // handler come from Asio's recycling allocator (whose two cached blocks per thread the socket's
    // operations share: one of them stays a malloc), and the request is built into a recycled one,
    // whose strings keep their storage.
    bedrock::testing::emulator emu;
    emu.start();
    asio::io_context io(1);
    bedrock::client client{io.get_executor(), emu.client_config()};
    const auto request = say_hello<bedrock::converse_request>("anthropic.claude-3-haiku-20240307-v1:0");

    struct caller {
        bedrock::client* client;
        const bedrock::converse_request* request;
        int left = 0;
        error_code failure;
        void next()
        {
            client->converse(*request, [this](error_code ec, bedrock::converse_response) {
                if (ec)
                    failure = ec;
                else if (--left > 0)
                    next();
            });
        }
    } c{&client, &request, 0, {}};
    const auto run = [&](int calls) {
        c.left = calls;
        c.next();
        io.restart();
        io.run();
        REQUIRE_FALSE(c.failure);
    };
    run(20); // warm: connection, TLS, signing key, recycled objects
    // What a call's request costs the caller before the library sees it (the copy this loop makes).
    const std::size_t copy_before = thread_allocations;
    { const bedrock::converse_request copy = request; }
    const std::size_t per_copy = thread_allocations - copy_before;
    const std::size_t before = thread_allocations;
    run(100);
    const double per_call = double(thread_allocations - before) / 100 - double(per_copy);
    std::printf("warm unary converse: %.2f allocations per call (besides the request's copy, %zu)\n", per_call,
                per_copy);
    CHECK(per_call <= 9.5);
#endif
}

TEST_CASE("stream: no heap allocation per read of a stream's body", "[stream][alloc]")
{
#if !HTTP_ALLOC_COUNTING
    WARN("allocation counting is off under AddressSanitizer");
#else
    // A recorded ConverseStream (32 events) sent in 64-byte pieces, each its own TLS record and
    // chunk: several reads per event. Once the first event is in, what a stream allocates may not
    // grow with its reads. (Asio asked an erased handler for its executor twice per read, and
    // erasing the next() operation for each read took a malloc: 30 allocations per event.)
    const auto body = bedrock::test::read_bytes(bedrock::test::vector_path("recorded/dd-trace-py/bedrock_converse_stream.0.bin"));
    bedrock::testing::emulator emu;
    bedrock::testing::recorded_answer answer;
    answer.body.assign(body.begin(), body.end());
    answer.max_piece = 64;
    emu.add_recording("alloc.pieces", answer);
    emu.start();

    asio::io_context io(1);
    bedrock::client client{io.get_executor(), emu.client_config()};
    const auto request = say_hello<bedrock::converse_stream_request>("alloc.pieces");

    struct reader {
        bedrock::converse_event_stream stream;
        std::size_t events = 0;
        std::size_t at_first = 0;
        std::size_t after_first = 0;
        bool done = false;
        error_code failure;
    } r;
    struct on_event { // small and without an executor: a callback, as a game loop would pass
        reader* r;
        void operator()(error_code ec, std::optional<bedrock::converse_stream_output> ev) const
        {
            if (ec || !ev) {
                r->failure = ec;
                r->after_first = thread_allocations - r->at_first;
                r->done = true;
                return;
            }
            if (r->events++ == 0)
                r->at_first = thread_allocations;
            r->stream.next(*this);
        }
    };
    for (int round = 0; round < 3; ++round) { // the last round counts: the connection is warm
        r.events = 0;
        r.done = false;
        client.converse_stream(request, [&](error_code ec, bedrock::converse_event_stream s) {
            REQUIRE_FALSE(ec);
            r.stream = std::move(s);
            r.stream.next(on_event{&r});
        });
        io.restart();
        while (!r.done && io.run_one()) {
        }
        REQUIRE_FALSE(r.failure);
        REQUIRE(r.events == 32);
    }
    const double per_event = double(r.after_first) / 31;
    std::printf("stream in 64-byte pieces: %zu allocations after the first of 32 events (%.2f per event)\n",
                r.after_first, per_event);
    CHECK(per_event < 0.5); // a frame split across reads is gathered in a buffer that grows a few times
#endif
}

} // namespace http_alloc_test

#undef HTTP_ALLOC_COUNTING
