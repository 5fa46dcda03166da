// The whole client against the emulator over loopback TLS with keep-alive: a unary converse round
// trip (build + JSON + SigV4 + exchange + parse), one at a time, 16 and 64 at once, over HTTP/1.1
// (argument 1) and HTTP/2 (argument 2). The emulator serves on its own thread; client CPU time is
// measured on the benchmark's thread alone (getrusage(RUSAGE_THREAD)).

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/io_context.hpp>

#include <benchmark/benchmark.h>

#include "thread_cpu.hpp"

namespace {

void client_converse_round_trip(benchmark::State& state)
{
    bedrock::testing::emulator emu;
    emu.start();
    boost::asio::io_context io(1);
    auto cfg = emu.client_config();
    cfg.http_version = state.range(0) == 2 ? bedrock::http_version::http2 : bedrock::http_version::http1_1;
    const int concurrent = static_cast<int>(state.range(1));
    bedrock::client client{io.get_executor(), cfg};
    bedrock::converse_request request;
    request.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    request.messages = {bedrock::user_text(std::string(1500, 'x') + " a typical prompt")};
    request.inference_config = bedrock::inference_configuration{.max_tokens = 64};

    bool failed = false;
    auto once = [&] {
        int done = 0;
        for (int i = 0; i < concurrent; ++i)
            client.converse(request, [&](boost::system::error_code ec, bedrock::converse_response) {
                failed = failed || ec;
                ++done;
            });
        io.restart();
        while (done < concurrent && io.run_one()) {
        }
    };
    for (int i = 0; i < 50; ++i)
        once(); // warm: connection, signing key, parser buffers
    const double cpu0 = bench::thread_cpu_seconds();
    for (auto _ : state)
        once();
    const double cpu = bench::thread_cpu_seconds() - cpu0;
    if (failed)
        state.SkipWithError("converse failed");
    const double calls = double(state.iterations()) * concurrent;
    state.counters["client_cpu_us_per_call"] = cpu * 1e6 / calls;
    state.counters["calls_per_s"] = benchmark::Counter(calls, benchmark::Counter::kIsRate);
    state.counters["connections"] = double(client.connection_stats().opened);
}

} // namespace

BENCHMARK(client_converse_round_trip)
    ->ArgNames({"http", "concurrent"})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Args({1, 16})
    ->Args({2, 16})
    ->Args({1, 64})
    ->Args({2, 64})
    ->Iterations(500)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
