// The transport over loopback with keep-alive, against the test server on its own thread: unary round
// trips (TLS and plain HTTP) and streamed body reads. Client CPU time is measured on the benchmark's
// thread alone (getrusage(RUSAGE_THREAD)), so the server's work is not counted.
#include <bedrock/http.hpp>
#include <bedrock/testing/https_server.hpp>

#include <boost/asio/io_context.hpp>

#include <benchmark/benchmark.h>

#include "thread_cpu.hpp"

namespace {

namespace asio = boost::asio;
namespace bh = bedrock::http;
namespace bt = bedrock::testing;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

bh::pool_options options_for(const bt::https_server& server)
{
    bh::pool_options options;
    if (!server.ca_pem().empty())
        options.tls = *bh::make_tls_context({true, {}, server.ca_pem()});
    return options;
}

bh::request converse_request(const bh::connection_pool& pool)
{
    bh::request req{bhttp::verb::post, "/model/anthropic.claude-3-haiku/converse", 11};
    req.set(bhttp::field::host, bh::host_header(pool.target()));
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/bedrock/aws4_request, "
                                          "SignedHeaders=content-type;host;x-amz-date, Signature=0123456789abcdef");
    req.set("x-amz-date", "20240101T000000Z");
    req.body() = std::string(1900, 'r'); // the size of a typical converse request
    req.prepare_payload();
    return req;
}

void unary_round_trip(benchmark::State& state, bool tls)
{
    const std::string json(1200, 'j');
    bt::server_options so;
    so.tls = tls;
    bt::https_server server(
        [&](const bt::request&, bt::response_writer& w) -> asio::awaitable<void> {
            bt::response res{bhttp::status::ok, 11};
            res.set(bhttp::field::content_type, "application/json");
            res.set("x-amzn-requestid", "0b2b4a0c-1111-2222-3333-444455556666");
            res.body() = json;
            co_await w.respond(std::move(res));
        },
        so);
    asio::io_context ioc(1);
    bh::connection_pool pool(ioc.get_executor(), server.url(), options_for(server));
    const auto req = converse_request(pool);
    bh::response res;
    const bh::timeouts limits;
    bool failed = false;
    auto once = [&] {
        bool done = false;
        pool.async_exchange(req, res, limits, [&](error_code ec) {
            failed = failed || ec;
            done = true;
        });
        ioc.restart();
        while (!done && ioc.run_one()) {
        }
    };
    for (int i = 0; i < 100; ++i)
        once();
    const double cpu0 = bench::thread_cpu_seconds();
    for (auto _ : state)
        once();
    const double cpu = bench::thread_cpu_seconds() - cpu0;
    if (failed || res.body() != json)
        state.SkipWithError("exchange failed");
    state.counters["client_cpu_us_per_call"] = cpu * 1e6 / double(state.iterations());
    state.counters["calls_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["connections"] = double(pool.stats().opened);
}

// Bedrock-like streaming: 200 events of ~200 bytes, each its own chunk and TLS record, read through a
// response_stream with a 16 KiB buffer.
void streamed_events(benchmark::State& state)
{
    constexpr int events = 200;
    const std::string event(200, 'e');
    bt::https_server server([&](const bt::request&, bt::response_writer& w) -> asio::awaitable<void> {
        bt::response_head head;
        head.result(bhttp::status::ok);
        head.set(bhttp::field::content_type, "application/vnd.amazon.eventstream");
        co_await w.write_head(head);
        for (int i = 0; i < events; ++i)
            co_await w.write_body(event);
        co_await w.finish();
    });
    asio::io_context ioc(1);
    bh::connection_pool pool(ioc.get_executor(), server.url(), options_for(server));
    const auto req = converse_request(pool);
    const bh::timeouts limits;
    std::size_t reads = 0, bytes = 0;
    bool failed = false;
    bh::response_stream stream;
    static char buffer[16384];
    struct reader {
        bh::response_stream* s;
        std::size_t* reads;
        std::size_t* bytes;
        bool* failed;
        void operator()(error_code ec, std::size_t n) const
        {
            *bytes += n;
            if (ec) {
                *failed = *failed || ec != bh::error::end_of_stream;
                return;
            }
            ++*reads;
            s->async_read_some(asio::buffer(buffer), *this);
        }
    };
    auto once = [&] {
        pool.async_open(req, limits, [&](error_code ec, bh::response_stream s) {
            if (ec) {
                failed = true;
                return;
            }
            stream = std::move(s);
            stream.async_read_some(asio::buffer(buffer), reader{&stream, &reads, &bytes, &failed});
        });
        ioc.restart();
        ioc.run();
    };
    for (int i = 0; i < 10; ++i)
        once();
    reads = bytes = 0;
    const double cpu0 = bench::thread_cpu_seconds();
    for (auto _ : state)
        once();
    const double cpu = bench::thread_cpu_seconds() - cpu0;
    if (failed || bytes != std::size_t(events) * event.size() * state.iterations())
        state.SkipWithError("stream failed");
    state.counters["client_cpu_us_per_event"] = cpu * 1e6 / double(state.iterations() * events);
    state.counters["reads_per_response"] = double(reads) / double(state.iterations());
}

} // namespace

BENCHMARK_CAPTURE(unary_round_trip, tls, true)->Iterations(3000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(unary_round_trip, plain, false)->Iterations(3000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(streamed_events)->Iterations(200)->UseRealTime()->Unit(benchmark::kMicrosecond);
