// InvokeModelWithBidirectionalStream against the emulator over loopback TLS and HTTP/2: one session
// sends events (a 32 ms Nova Sonic audioInput chunk each, 1,024 bytes of audio, signed and chained)
// while another coroutine reads the echoes. Reported: events per second each way and the client's
// CPU per event each way (the benchmark thread alone; the emulator runs on its own thread). Then
// memory: heap in use per open bidirectional session and per open HTTP/2 response stream (both
// sides, client and emulator, since they share the process: an upper bound for the client).

#include <bedrock/bidirectional_stream.hpp>
#include <bedrock/client.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <benchmark/benchmark.h>

#include <malloc.h>
#include "thread_cpu.hpp"

#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;

bedrock::invoke_model_with_bidirectional_stream_input audio_chunk()
{
    const std::string audio = bedrock::json::base64_encode(std::string(1024, '\x11'));
    const std::string json = R"({"event":{"audioInput":{"promptName":"p","contentName":"a","content":")" + audio +
                             R"("}}})";
    bedrock::invoke_model_with_bidirectional_stream_input_chunk part;
    part.value.bytes = bedrock::bytes(json.begin(), json.end());
    return bedrock::invoke_model_with_bidirectional_stream_input{std::move(part)};
}

void bidi_echo_events(benchmark::State& state)
{
    bedrock::testing::emulator emu;
    emu.start();
    asio::io_context io(1);
    bedrock::client client{io.get_executor(), emu.client_config()};
    const auto event = audio_chunk();
    const int per_session = static_cast<int>(state.range(0));
    bool failed = false;
    std::size_t events = 0;

    auto session = [&]() -> asio::awaitable<void> {
        bedrock::invoke_model_with_bidirectional_stream_request request;
        request.model_id = "amazon.nova-sonic-v1:0";
        auto stream = co_await client.invoke_model_with_bidirectional_stream(request);
        bool sent = false;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                for (int i = 0; i < per_session; ++i)
                    co_await stream.send(event);
                co_await stream.finish();
            },
            [&](std::exception_ptr e) {
                failed = failed || e;
                sent = true;
            });
        while (auto out = co_await stream.next())
            ++events;
        while (!sent) // the sender uses `stream`: it must be done first
            co_await asio::post(io, asio::use_awaitable);
    };
    // Not io.run(): an HTTP/2 connection keeps a read pending while it is open.
    auto run_one = [&] {
        bool done = false;
        asio::co_spawn(io, session(), [&](std::exception_ptr e) {
            failed = failed || e;
            done = true;
        });
        io.restart();
        while (!done && io.run_one()) {
        }
    };
    run_one(); // warm: the connection, the signing key
    events = 0;
    const double cpu0 = bench::thread_cpu_seconds();
    for (auto _ : state)
        run_one();
    const double cpu = bench::thread_cpu_seconds() - cpu0;
    if (failed || events != std::size_t(per_session) * state.iterations())
        state.SkipWithError("the session failed or lost events");
    state.counters["client_cpu_us_per_event_pair"] = cpu * 1e6 / double(events ? events : 1);
    state.counters["events_per_s_each_way"] = benchmark::Counter(double(events), benchmark::Counter::kIsRate);
}

std::size_t heap_in_use()
{
    malloc_trim(0);
    return mallinfo2().uordblks;
}

// Opens `n` sessions (bidirectional) or streams (converse_stream on a model that sends the head and
// its first event, then nothing) over one HTTP/2 connection, and reports the heap they hold.
void h2_memory_per_open_stream(benchmark::State& state)
{
    const bool bidi = state.range(0) == 1;
    constexpr int n = 100;
    bedrock::testing::emulator emu;
    emu.start();
    asio::io_context io(1);
    auto cfg = emu.client_config();
    cfg.http_version = bedrock::http_version::http2;
    cfg.max_connections = 1;
    bedrock::client client{io.get_executor(), cfg};
    double per_stream = 0;
    bool failed = false;
    for (auto _ : state) {
        std::vector<bedrock::bidirectional_stream> sessions;
        std::vector<bedrock::converse_event_stream> streams;
        auto open = [&]() -> asio::awaitable<void> {
            // One first, so that the connection itself is not counted.
            bedrock::converse_request warm;
            warm.model_id = "warm";
            warm.messages = {bedrock::user_text("hi")};
            co_await client.converse(warm);
            const std::size_t before = heap_in_use();
            for (int i = 0; i < n; ++i) {
                if (bidi) {
                    bedrock::invoke_model_with_bidirectional_stream_request request;
                    request.model_id = "amazon.nova-sonic-v1:0";
                    sessions.push_back(co_await client.invoke_model_with_bidirectional_stream(request));
                } else {
                    bedrock::converse_stream_request request;
                    request.model_id = "stall-body:memory";
                    request.messages = {bedrock::user_text("hi")};
                    streams.push_back(co_await client.converse_stream(request));
                }
            }
            per_stream = double(heap_in_use() - before) / n;
            sessions.clear();
            streams.clear();
        };
        bool done = false;
        asio::co_spawn(io, open(), [&](std::exception_ptr e) {
            failed = failed || e;
            done = true;
        });
        io.restart();
        while (!done && io.run_one()) {
        }
    }
    if (failed)
        state.SkipWithError("opening the streams failed");
    state.counters["heap_bytes_per_open_stream"] = per_stream;
}

} // namespace

BENCHMARK(bidi_echo_events)->Arg(2000)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(h2_memory_per_open_stream)
    ->ArgName("bidirectional")
    ->Arg(1)
    ->Arg(0)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
