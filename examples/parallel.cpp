// Many ConverseStream calls at once from one thread, with a bounded number in flight: a counter and
// a completion handler that starts the next call when one ends (no coroutines, plain callbacks, as a
// game loop or a server's request handler would do it). Prints the throughput; exits 0 when every
// call succeeded.
//
// With AWS credentials (or AWS_BEARER_TOKEN_BEDROCK) and a region it talks to Amazon Bedrock (mind
// your quotas); without them to the local emulator, started in-process.
//
//   parallel [--calls N] [--in-flight K] [--model-id ID] [--http2]     (default: 1000 calls, 64)

#include <bedrock/client.hpp>

#include "aws_or_emulator.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

/// Starts `total` calls, at most `in_flight` at a time: each call's last handler starts the next.
class runner {
public:
    runner(bedrock::client& client, std::string model_id, int total, int in_flight)
        : client_(client), model_id_(std::move(model_id)), total_(total), in_flight_(in_flight)
    {
    }

    void start()
    {
        while (started_ < total_ && started_ < in_flight_)
            start_one();
    }

    int succeeded() const { return succeeded_; }
    int failed() const { return failed_; }
    long events() const { return events_; }
    int peak() const { return peak_; }

private:
    using stream_ptr = std::shared_ptr<bedrock::converse_event_stream>;

    void start_one()
    {
        const int id = started_++;
        peak_ = std::max(peak_, started_ - succeeded_ - failed_);
        bedrock::converse_stream_request request;
        request.model_id = model_id_;
        request.inference_config = bedrock::inference_configuration{.max_tokens = 20};
        request.messages.push_back(bedrock::user_text("call " + std::to_string(id) + ": say hello"));
        client_.converse_stream(std::move(request), [this](boost::system::error_code ec, bedrock::converse_event_stream s) {
            if (ec)
                return finish(ec, nullptr);
            read(std::make_shared<bedrock::converse_event_stream>(std::move(s)));
        });
    }

    void read(stream_ptr stream)
    {
        auto& s = *stream;
        s.next([this, stream = std::move(stream)](boost::system::error_code ec,
                                                  std::optional<bedrock::converse_stream_output> event) mutable {
            if (ec || !event)
                return finish(ec, stream.get());
            ++events_;
            read(std::move(stream));
        });
    }

    void finish(boost::system::error_code ec, const bedrock::converse_event_stream* stream)
    {
        if (ec) {
            if (failed_++ < 5) // the first few, not a thousand lines
                std::fprintf(stderr, "call failed: %s %s\n", ec.message().c_str(),
                             stream ? stream->diagnostics().service_message.c_str() : "");
        } else {
            ++succeeded_;
        }
        if (started_ < total_)
            start_one();
    }

    bedrock::client& client_;
    std::string model_id_;
    int total_, in_flight_;
    int started_ = 0, succeeded_ = 0, failed_ = 0, peak_ = 0;
    long events_ = 0;
};

} // namespace

int main(int argc, char** argv)
{
    int calls = 1000, in_flight = 64;
    std::string model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    bool http2 = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--calls" && has_value)
            calls = std::atoi(argv[++i]);
        else if (arg == "--in-flight" && has_value)
            in_flight = std::atoi(argv[++i]);
        else if (arg == "--model-id" && has_value)
            model_id = argv[++i];
        else if (arg == "--http2")
            http2 = true;
        else {
            std::fprintf(stderr, "usage: %s [--calls N] [--in-flight K] [--model-id ID] [--http2]\n", argv[0]);
            return 2;
        }
    }
    if (calls < 1 || in_flight < 1) {
        std::fprintf(stderr, "--calls and --in-flight need positive numbers\n");
        return 2;
    }

    std::optional<bedrock::testing::emulator> emulator;
    bedrock::config cfg = examples::aws_or_emulator(emulator);
    if (emulator)
        std::printf("(no AWS credentials found: talking to the local Bedrock emulator at %s)\n",
                    emulator->endpoint_url().c_str());
    if (http2)
        cfg.http_version = bedrock::http_version::http2;
    // One HTTP/1.1 connection per call in flight (HTTP/2 multiplexes them on a few).
    cfg.max_connections = static_cast<std::size_t>(in_flight);

    boost::asio::io_context io(1); // one thread: this one
    bedrock::client client{io.get_executor(), cfg};
    runner run(client, model_id, calls, in_flight);
    const auto t0 = std::chrono::steady_clock::now();
    run.start();
    while (run.succeeded() + run.failed() < calls && io.run_one() > 0) {
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const auto stats = client.connection_stats();
    std::printf("%d calls (%d in flight at most, %s), %d succeeded, %d failed, %ld events in %.2f s: "
                "%.0f calls/s, %.0f events/s; %llu connections opened\n",
                calls, run.peak(), http2 ? "HTTP/2" : "HTTP/1.1", run.succeeded(), run.failed(), run.events(),
                seconds, calls / seconds, static_cast<double>(run.events()) / seconds,
                static_cast<unsigned long long>(stats.opened));
    return run.failed() == 0 && run.succeeded() == calls ? 0 : 1;
}
