// Latency: from the server's write of an event to the client having it, for events that arrive one
// at a time, 1 ms apart, as a model's tokens do. A loopback TLS server in this process (its own
// thread) notes the steady_clock time just before it writes each contentBlockDelta frame (its own
// chunk, its own TLS record); the client notes the time its handler has the event. Both clocks are
// the same clock, so the difference is the whole path: the server's TLS write and send, the
// kernel's wake-up of the client, the read, and whatever the client does before its handler runs.
//
// Two clients read the same answers, in one run:
//   bare   Asio + OpenSSL only: an ssl::stream reading into 16 KiB and finding each event's end by
//          counting bytes against the frame sizes it knows (no HTTP parser, no decoding, no JSON).
//          The floor: what any client on Asio and OpenSSL pays.
//   client bedrock::client::converse_stream, next() chained from each event's handler: the HTTP/1.1
//          chunked body, the event-stream decoder and CRCs, the typed JSON parse, the completion.
// Reported: median and 99th percentile latency (µs) and client CPU per event (its thread only).

#include <bedrock/client.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/testing/https_server.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "bare_tls.hpp"
#include "event_forwarding.hpp"
#include "thread_cpu.hpp"

namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

constexpr int deltas_per_stream = 200;
constexpr auto gap = std::chrono::milliseconds(1);

std::string event_frame(std::string_view type, std::string_view payload)
{
    const std::array<bedrock::eventstream::header_view, 3> headers{{
        {":event-type", type},
        {":content-type", std::string_view("application/json")},
        {":message-type", std::string_view("event")},
    }};
    std::vector<std::uint8_t> out;
    const bedrock::eventstream::byte_view bytes(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    (void)bedrock::eventstream::encode(headers, bytes, out);
    return std::string(out.begin(), out.end());
}

// One ConverseStream answer as the service shapes it (its "p" padding included): messageStart, the
// deltas (the timed events), contentBlockStop, messageStop.
struct answer {
    std::string start = event_frame("messageStart", R"({"p":"abcdefgh","role":"assistant"})");
    std::vector<std::string> deltas;
    std::string stop = event_frame("contentBlockStop", R"({"contentBlockIndex":0,"p":"abcdefghijkl"})");
    std::string message_stop = event_frame("messageStop", R"({"p":"abcdefghijklmn","stopReason":"end_turn"})");

    answer()
    {
        for (int i = 0; i < deltas_per_stream; ++i)
            deltas.push_back(event_frame(
                "contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":" token)" + std::to_string(i) +
                                         R"("},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"})"));
    }
};

// The times the server wrote each delta of the stream it is serving (one stream at a time). Written
// on the server's thread, read on the client's once the bytes are in: atomics, so that the order the
// socket gives is one the memory model knows too.
struct write_log {
    std::array<std::atomic<steady::rep>, deltas_per_stream> ticks{};

    void note(int i) { ticks[static_cast<std::size_t>(i)].store(steady::now().time_since_epoch().count(), std::memory_order_release); }
    steady::time_point at(std::size_t i) const
    {
        return steady::time_point(steady::duration(ticks[i].load(std::memory_order_acquire)));
    }
};

bedrock::testing::request_handler serve(const answer& a, write_log& log)
{
    return [&a, &log](const bedrock::testing::request&,
                      bedrock::testing::response_writer& w) -> asio::awaitable<void> {
        bedrock::testing::response_head head;
        head.result(boost::beast::http::status::ok);
        head.set(boost::beast::http::field::content_type, "application/vnd.amazon.eventstream");
        head.set("x-amzn-requestid", "00000000-0000-0000-0000-000000000000");
        co_await w.write_head(std::move(head));
        co_await w.write_body(a.start);
        for (int i = 0; i < deltas_per_stream; ++i) {
            co_await w.sleep(gap); // the client is idle, waiting, as between a model's tokens
            log.note(i);
            co_await w.write_body(a.deltas[static_cast<std::size_t>(i)]);
        }
        co_await w.write_body(a.stop);
        co_await w.write_body(a.message_stop);
        co_await w.finish();
    };
}

struct latencies {
    std::vector<double> us; // one per delta read

    void add(steady::time_point written, steady::time_point read)
    {
        us.push_back(std::chrono::duration<double, std::micro>(read - written).count());
    }

    void report(benchmark::State& state, double cpu_seconds)
    {
        if (us.empty()) {
            state.SkipWithError("no event was read");
            return;
        }
        std::sort(us.begin(), us.end());
        const auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * double(us.size())))]; };
        state.counters["latency_p50_us"] = at(0.50);
        state.counters["latency_p99_us"] = at(0.99);
        state.counters["client_cpu_us_per_event"] = cpu_seconds * 1e6 / double(us.size());
        state.counters["events"] = double(us.size());
    }
};

// One unmeasured stream (warm-up), then one per iteration, timed and counted: `read_one(latencies*)`
// reads a whole answer, noting each delta's latency when given where to.
template <class ReadOne>
void measure(benchmark::State& state, ReadOne read_one, const bool& failed, const char* failure)
{
    latencies measured;
    read_one(nullptr);
    const double cpu0 = bench::thread_cpu_seconds();
    for (auto _ : state)
        read_one(&measured);
    const double cpu = bench::thread_cpu_seconds() - cpu0;
    if (failed)
        state.SkipWithError(failure);
    else
        measured.report(state, cpu);
}

// The floor: Asio + OpenSSL, the request's bytes fixed, each delta's end found by counting bytes.
void bare_read_loop(benchmark::State& state)
{
    const answer a;
    write_log log;
    bedrock::testing::server_options options;
    options.http2 = false;
    bedrock::testing::https_server server(serve(a, log), options);

    asio::io_context io(1);
    bench::bare_tls_connection connection(io, server.ca_pem(), server.port());
    auto& stream = connection.stream;
    const std::string host = "127.0.0.1:" + std::to_string(server.port());
    const std::string body = R"({"messages":[{"role":"user","content":[{"text":"benchmark"}]}]})";
    const std::string request = "POST /model/bench/converse-stream HTTP/1.1\r\nHost: " + host +
                                "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\n\r\n" + body;

    // Where each delta ends in the chunked body (after the head), and where the body ends.
    const auto chunk_size = [](const std::string& frame) {
        char hex[16];
        return static_cast<std::size_t>(std::snprintf(hex, sizeof hex, "%zx", frame.size())) + 2 + frame.size() + 2;
    };
    std::vector<std::size_t> delta_ends;
    std::size_t offset = chunk_size(a.start);
    for (const auto& d : a.deltas)
        delta_ends.push_back(offset += chunk_size(d));
    const std::size_t body_end = offset + chunk_size(a.stop) + chunk_size(a.message_stop) + 5; // 0\r\n\r\n

    std::array<char, 16 * 1024> buffer;
    bool failed = false;
    auto once = [&](latencies* into) {
        asio::write(stream, asio::buffer(request));
        std::string head;    // until its end is found
        std::size_t body = 0; // body bytes after the head
        std::size_t next_delta = 0;
        bool in_body = false;
        std::function<void(boost::system::error_code, std::size_t)> on_read;
        on_read = [&](boost::system::error_code ec, std::size_t n) {
            const auto now = steady::now();
            if (ec) {
                failed = true;
                return;
            }
            std::size_t fresh = n;
            if (!in_body) {
                head.append(buffer.data(), n);
                const auto end = head.find("\r\n\r\n");
                if (end == std::string::npos)
                    return stream.async_read_some(asio::buffer(buffer), on_read);
                in_body = true;
                fresh = head.size() - (end + 4);
            }
            body += fresh;
            for (; next_delta < delta_ends.size() && body >= delta_ends[next_delta]; ++next_delta)
                if (into)
                    into->add(log.at(next_delta), now);
            if (body < body_end)
                stream.async_read_some(asio::buffer(buffer), on_read);
        };
        stream.async_read_some(asio::buffer(buffer), on_read);
        io.restart();
        io.run();
        failed = failed || next_delta != delta_ends.size() || body != body_end;
    };
    measure(state, once, failed, "the bare loop did not read the whole answer");
}

using bench::event_callback;
using bench::forward_to;

// The library: converse_stream, each next() started from the last event's handler.
void client_next(benchmark::State& state)
{
    const answer a;
    write_log log;
    bedrock::testing::server_options options;
    options.http2 = false; // the same server as the bare loop's
    bedrock::testing::https_server server(serve(a, log), options);

    asio::io_context io(1);
    bedrock::config cfg;
    cfg.region = "us-east-1";
    cfg.endpoint_url = server.url();
    cfg.ca_pem = server.ca_pem();
    cfg.credentials = bedrock::auth::credentials{"AKIDBENCHMARK", "benchmark-secret", std::nullopt, std::nullopt};
    bedrock::client client{io.get_executor(), cfg};
    bedrock::converse_stream_request request;
    request.model_id = "bench";
    request.messages = {bedrock::user_text("benchmark")};

    bool failed = false;
    auto once = [&](latencies* into) {
        bedrock::converse_event_stream stream;
        std::size_t deltas = 0;
        bool done = false;
        event_callback on_event = [&](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
            const auto now = steady::now();
            if (ec || !ev) {
                failed = failed || ec || deltas != a.deltas.size();
                done = true;
                return;
            }
            if (std::get_if<bedrock::converse_stream_output_content_block_delta>(&*ev)) {
                if (into && deltas < a.deltas.size())
                    into->add(log.at(deltas), now);
                ++deltas;
            }
            stream.next(forward_to{&on_event});
        };
        client.converse_stream(request, [&](boost::system::error_code ec, bedrock::converse_event_stream s) {
            if (ec) {
                failed = done = true;
                return;
            }
            stream = std::move(s);
            stream.next(forward_to{&on_event});
        });
        io.restart();
        while (!done && io.run_one()) {
        }
    };
    measure(state, once, failed, "the stream failed"); // its warm-up: connection, TLS, signing key
}

} // namespace

// Each iteration is one stream of 200 deltas 1 ms apart (0.2 s).
BENCHMARK(bare_read_loop)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(client_next)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);
