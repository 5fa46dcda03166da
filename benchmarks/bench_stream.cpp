// A converse stream end to end: the emulator replays a recorded ConverseStream body (32 real frames
// with the service's padding) over loopback TLS; the client opens the stream and reads every event.
// Reported: client CPU ns per event (socket bytes to typed event, the open amortized), events per
// second, and heap allocations per event in the steady state on the client's thread. The same bytes
// are read by a bare Asio + OpenSSL loop (the floor), whole and in small pieces (benchmarks/README.md,
// "Frames split across reads").

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <fstream>
#include <iterator>
#include <new>

#include "bare_tls.hpp"
#include "event_forwarding.hpp"
#include "thread_cpu.hpp"

namespace {

thread_local std::size_t stream_bench_allocations = 0;

using bench::event_callback;
using bench::forward_to;

std::string recorded_stream()
{
    const char* dir = std::getenv("BEDROCK_VECTORS_DIR");
    std::ifstream in(std::string(dir && *dir ? dir : BEDROCK_VECTORS_DIR) +
                         "/recorded/dd-trace-py/bedrock_converse_stream.0.bin",
                     std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Arguments of both benchmarks: the largest piece (0: the body in one write; else each piece of
// 1..n bytes its own chunk, TLS record and socket write), and whether the pieces leave together
// (held back in the kernel, so that every record has arrived before the client reads) or each as it
// is written (the client, faster than the emulator, wakes up for nearly every piece).
bedrock::testing::recorded_answer recording(const benchmark::State& state, const std::string& body)
{
    bedrock::testing::recorded_answer answer;
    answer.body = body;
    answer.max_piece = static_cast<std::size_t>(state.range(0));
    answer.pieces_together = state.range(1) != 0;
    return answer;
}

// The bare loop sends unsigned bytes; the library signs anyway.
bedrock::testing::emulator_options unsigned_welcome()
{
    bedrock::testing::emulator_options options;
    options.require_auth = false;
    return options;
}

// Event-stream messages in a body: each prelude's total length, walked to the end.
std::size_t frames_in(const std::string& body)
{
    std::size_t frames = 0;
    for (std::size_t at = 0; at + 4 <= body.size(); ++frames) {
        const auto* p = reinterpret_cast<const unsigned char*>(body.data() + at);
        const std::size_t total = (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) | (std::size_t(p[2]) << 8) | p[3];
        if (total == 0)
            break;
        at += total;
    }
    return frames;
}

// The floor for the same answers: Asio + OpenSSL on one keep-alive connection, fixed request bytes,
// each body read into 16 KiB until the chunked terminator, nothing parsed or decoded. Client CPU per
// event of the recording (what the library's figure is divided by too).
void bare_read_stream(benchmark::State& state)
{
    namespace asio = boost::asio;
    const std::string body = recorded_stream();
    if (body.empty()) {
        state.SkipWithError("set BEDROCK_VECTORS_DIR to shared/vectors");
        return;
    }
    bedrock::testing::emulator emu(unsigned_welcome());
    emu.add_recording("bench.stream", recording(state, body));
    emu.start();

    asio::io_context io(1);
    bench::bare_tls_connection connection(io, emu.ca_pem(), emu.port());
    auto& stream = connection.stream;
    const std::string json = R"({"messages":[{"role":"user","content":[{"text":"benchmark"}]}]})";
    const std::string request = "POST /model/bench.stream/converse-stream HTTP/1.1\r\nHost: 127.0.0.1:" +
                                std::to_string(emu.port()) +
                                "\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(json.size()) + "\r\n\r\n" + json;

    std::array<char, 16 * 1024> buffer;
    bool failed = false;
    std::size_t total = 0; // bytes of the last answer, head included
    auto once = [&] {
        asio::write(stream, asio::buffer(request));
        std::string tail; // the last bytes read, for the chunked terminator
        total = 0;
        std::function<void(boost::system::error_code, std::size_t)> on_read;
        on_read = [&](boost::system::error_code ec, std::size_t n) {
            if (ec) {
                failed = true;
                return;
            }
            total += n;
            tail.append(buffer.data(), n);
            if (tail.size() > 7)
                tail.erase(0, tail.size() - 7);
            if (total < body.size() || tail != "\r\n0\r\n\r\n")
                stream.async_read_some(asio::buffer(buffer), on_read);
        };
        stream.async_read_some(asio::buffer(buffer), on_read);
        io.restart();
        io.run();
    };
    for (int i = 0; i < 20; ++i)
        once();
    const double cpu0 = bench::thread_cpu_seconds();
    for (auto _ : state)
        once();
    const double cpu = bench::thread_cpu_seconds() - cpu0;
    if (failed || total < body.size()) {
        state.SkipWithError("the bare loop did not read the whole answer");
        return;
    }
    const double events = double(frames_in(body)) * double(state.iterations());
    state.counters["client_cpu_ns_per_event"] = cpu * 1e9 / events;
    state.counters["events_per_s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
}

void client_converse_stream_events(benchmark::State& state)
{
    const std::string body = recorded_stream();
    if (body.empty()) {
        state.SkipWithError("set BEDROCK_VECTORS_DIR to shared/vectors");
        return;
    }
    bedrock::testing::emulator emu(unsigned_welcome());
    const auto answer = recording(state, body);
    emu.add_recording("bench.stream", answer);
    emu.start();
    boost::asio::io_context io(1);
    bedrock::client client{io.get_executor(), emu.client_config()};
    bedrock::converse_stream_request request;
    request.model_id = "bench.stream";
    request.messages = {bedrock::user_text("benchmark")};

    bool failed = false;
    std::size_t events = 0;      // all events read
    std::size_t steady_events = 0; // events after each stream's first
    std::size_t steady_allocations = 0;
    std::size_t open_allocations = 0;
    std::chrono::steady_clock::duration buffered_gaps{}; // between deliveries of buffered events
    std::size_t buffered_count = 0;
    auto once = [&] {
        bool done = false;
        bedrock::converse_event_stream stream;
        std::size_t at_first = 0;
        std::size_t n = 0;
        const std::size_t at_open = stream_bench_allocations;
        std::chrono::steady_clock::time_point last{};
        event_callback on_event;
        on_event = [&](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
            if (ec || !ev) {
                failed = failed || ec;
                done = true;
                return;
            }
            const auto now = std::chrono::steady_clock::now();
            if (n++ == 0) {
                at_first = stream_bench_allocations;
            } else if (answer.max_piece == 0) {
                // The whole body came in one write and the first read took it: every later event
                // is already buffered, so the gap is what the client adds between bytes in hand
                // and next() completing (decode, CRC, parse, post, dispatch).
                buffered_gaps += now - last;
                ++buffered_count;
            }
            last = now;
            stream.next(forward_to{&on_event});
        };
        client.converse_stream(request, [&](boost::system::error_code ec, bedrock::converse_event_stream s) {
            if (ec) {
                failed = true;
                done = true;
                return;
            }
            open_allocations += stream_bench_allocations - at_open;
            stream = std::move(s);
            stream.next(forward_to{&on_event});
        });
        io.restart();
        while (!done && io.run_one()) {
        }
        events += n;
        if (n > 1) {
            steady_events += n - 1;
            steady_allocations += stream_bench_allocations - at_first;
        }
    };
    for (int i = 0; i < 20; ++i)
        once(); // warm: connection, signing key, parser and read buffers
    events = steady_events = steady_allocations = open_allocations = buffered_count = 0;
    buffered_gaps = {};
    const double cpu0 = bench::thread_cpu_seconds();
    for (auto _ : state)
        once();
    const double cpu = bench::thread_cpu_seconds() - cpu0;
    if (failed || events == 0) {
        state.SkipWithError("stream failed");
        return;
    }
    // Client CPU per event, the open (signing, request, head) amortized over the stream's events.
    state.counters["client_cpu_ns_per_event"] = cpu * 1e9 / double(events);
    state.counters["events_per_s"] = benchmark::Counter(double(events), benchmark::Counter::kIsRate);
    // Heap allocations per event after the first one of each stream (reads, decoding, parsing,
    // next()'s own operation, and the event's strings), and per stream open.
    state.counters["allocs_per_event"] = double(steady_allocations) / double(steady_events);
    state.counters["allocs_per_open"] = double(open_allocations) / double(state.iterations());
    state.counters["events_per_stream"] = double(events) / double(state.iterations());
    if (buffered_count > 0)
        state.counters["buffered_next_ns"] =
            double(std::chrono::duration_cast<std::chrono::nanoseconds>(buffered_gaps).count()) / double(buffered_count);
}

} // namespace

// Counts this thread's heap allocations (the emulator's thread counts its own, unused).
void* operator new(std::size_t n)
{
    ++stream_bench_allocations;
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

// {largest piece, pieces together}: whole body; 64-byte pieces as written; 64-byte pieces together.
BENCHMARK(bare_read_stream)->Args({0, 0})->Args({64, 0})->Args({64, 1})->Iterations(300)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(client_converse_stream_events)->Args({0, 0})->Args({64, 0})->Args({64, 1})->Iterations(300)->UseRealTime()->Unit(benchmark::kMillisecond);
