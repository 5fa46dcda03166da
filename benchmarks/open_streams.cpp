// How much memory an open stream holds in the client. N ConverseStreams are opened from one thread
// against an emulator in another process (so that only the client's memory is counted), each read
// past its first event and then left waiting with a next() pending (the emulator's stall-body
// model: the head and one event, then nothing), as streams waiting for a model's next tokens are.
// The resident set size is read before and after; the difference per stream is printed.
//
//   python3 examples/with_emulator.py build/release/tools/bedrock-emulator/bedrock-emulator --
//       build/release/benchmarks/bedrock_open_streams [--streams N] [--http2]      (one command line)
//
// Exits 1 if a stream fails to open or to deliver its first event, 2 on bad arguments.

#include <bedrock/client.hpp>

#include <boost/asio/io_context.hpp>

#include "resident_set.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

class opener {
public:
    opener(bedrock::client& client, int total) : client_(client), total_(total) {}

    /// Opens one stream; `then` runs once it has delivered its first event (or failed).
    void open(int id)
    {
        bedrock::converse_stream_request request;
        request.model_id = "stall-body:open-streams-" + std::to_string(id);
        request.messages.push_back(bedrock::user_text("hold this stream open"));
        client_.converse_stream(std::move(request), [this](boost::system::error_code ec, bedrock::converse_event_stream s) {
            if (ec)
                return failed(ec);
            streams_.push_back(std::make_unique<bedrock::converse_event_stream>(std::move(s)));
            auto* stream = streams_.back().get();
            stream->next([this, stream](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
                if (ec || !ev)
                    return failed(ec ? ec : bedrock::client_errc::stream_closed);
                ++ready_;
                // The second next() stays pending: the emulator sends nothing more.
                stream->next([this](boost::system::error_code ec, std::optional<bedrock::converse_stream_output>) {
                    if (ec != boost::asio::error::operation_aborted)
                        failed(ec ? ec : bedrock::client_errc::stream_closed);
                });
            });
        });
    }

    int ready() const { return ready_; }
    int failures() const { return failures_; }
    bool done() const { return ready_ + failures_ >= total_; }

    void close_all()
    {
        for (auto& s : streams_)
            s->close();
    }

private:
    void failed(boost::system::error_code ec)
    {
        if (failures_++ == 0)
            std::fprintf(stderr, "a stream failed: %s\n", ec.message().c_str());
    }

    bedrock::client& client_;
    int total_;
    int ready_ = 0;
    int failures_ = 0;
    std::vector<std::unique_ptr<bedrock::converse_event_stream>> streams_;
};

/// Runs `io` until `done()` (bounded by ten minutes).
template <class Done>
bool run_until(boost::asio::io_context& io, Done done)
{
    io.restart(); // a poll() that ran out of work stopped it
    const auto end = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    while (!done() && std::chrono::steady_clock::now() < end)
        io.run_one_for(std::chrono::milliseconds(100));
    return done();
}

} // namespace

int main(int argc, char** argv)
{
    int streams = 1000;
    bool http2 = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--streams" && i + 1 < argc)
            streams = std::atoi(argv[++i]);
        else if (arg == "--http2")
            http2 = true;
        else {
            std::fprintf(stderr, "usage: bedrock_open_streams [--streams N] [--http2]\n");
            return 2;
        }
    }
    if (streams <= 0)
        return 2;

    boost::system::error_code ec;
    bedrock::config cfg = bedrock::config::from_environment(bedrock::process_environment(), ec);
    if (ec || cfg.endpoint_url.empty()) {
        std::fprintf(stderr, "needs an emulator's environment (examples/with_emulator.py): %s\n", ec.message().c_str());
        return 2;
    }
    cfg.http_version = http2 ? bedrock::http_version::http2 : bedrock::http_version::http1_1;
    cfg.max_connections = static_cast<std::size_t>(streams); // HTTP/1.1: one connection per open stream

    boost::asio::io_context io(1);
    bedrock::client client{io.get_executor(), cfg};

    // One stream first, closed again: the TLS context, the pools and the allocator's first arenas
    // are not what a stream holds.
    {
        opener warm(client, 1);
        warm.open(-1);
        if (!run_until(io, [&] { return warm.done(); }) || warm.failures())
            return 1;
        warm.close_all();
        io.poll();
    }

    const long before = bench::resident_kib();
    const auto start = std::chrono::steady_clock::now();
    opener all(client, streams);
    for (int i = 0; i < streams; ++i)
        all.open(i);
    const bool finished = run_until(io, [&] { return all.done(); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long after = bench::resident_kib();

    std::printf("%s: %d streams open (%d failed) in %.1f s; resident set %ld -> %ld KiB: %.1f KiB per open stream\n",
                http2 ? "HTTP/2" : "HTTP/1.1", all.ready(), all.failures(), seconds, before, after,
                static_cast<double>(after - before) / streams);
    all.close_all();
    io.poll();
    io.stop(); // open HTTP/2 connections keep a read pending
    return finished && all.failures() == 0 ? 0 : 1;
}
