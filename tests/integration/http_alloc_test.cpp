// Heap allocations per warm request on the client side. Global operator new is replaced in this
// executable with a thread-local counter, so the server's thread (it runs on its own) is not
// counted. Skipped under AddressSanitizer, which owns operator new.
#include "http_support.hpp"

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

    std::printf("http allocations per warm request: unary %.2f, response_stream %.2f "
                "(response headers: 4 fields); streamed body: %.2f per response of %.1f reads\n",
                unary, streamed, per_response, reads_per_response);
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
#endif
}

} // namespace http_alloc_test

#undef HTTP_ALLOC_COUNTING
