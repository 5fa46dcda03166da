// The whole client against the emulator over loopback TLS with keep-alive: a unary converse round
// trip (build + JSON + SigV4 + exchange + parse). The emulator serves on its own thread; client CPU
// time is measured on the benchmark's thread alone (getrusage(RUSAGE_THREAD)).

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/io_context.hpp>

#include <benchmark/benchmark.h>

#include <sys/resource.h>

namespace {

double client_thread_cpu_seconds()
{
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void client_converse_round_trip(benchmark::State& state)
{
    bedrock::testing::emulator emu;
    emu.start();
    boost::asio::io_context io(1);
    bedrock::client client{io.get_executor(), emu.client_config()};
    bedrock::converse_request request;
    request.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    request.messages = {bedrock::user_text(std::string(1500, 'x') + " a typical prompt")};
    request.inference_config = bedrock::inference_configuration{.max_tokens = 64};

    bool failed = false;
    auto once = [&] {
        bool done = false;
        client.converse(request, [&](boost::system::error_code ec, bedrock::converse_response) {
            failed = failed || ec;
            done = true;
        });
        io.restart();
        while (!done && io.run_one()) {
        }
    };
    for (int i = 0; i < 50; ++i)
        once(); // warm: connection, signing key, parser buffers
    const double cpu0 = client_thread_cpu_seconds();
    for (auto _ : state)
        once();
    const double cpu = client_thread_cpu_seconds() - cpu0;
    if (failed)
        state.SkipWithError("converse failed");
    state.counters["client_cpu_us_per_call"] = cpu * 1e6 / double(state.iterations());
    state.counters["calls_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["connections"] = double(client.connection_stats().opened);
}

} // namespace

BENCHMARK(client_converse_round_trip)->Iterations(2000)->UseRealTime()->Unit(benchmark::kMicrosecond);
