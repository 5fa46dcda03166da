// This library as a peer of benchmarks/peers: the same workloads as bare_loop.cpp through
// bedrock::client (callbacks, HTTP/1.1, one io_context on this thread), signing every request
// (the emulator runs with --no-auth for the bare loop's sake and does not check).
//
//   bedrock_peer stream <events> <streams>   <streams> ConverseStreams of many-events-<events>
//   bedrock_peer unary <calls> <warm-up>     <calls> sequential Converse calls (keep-alive), each from
//                                            the last one's handler, after <warm-up> unmeasured ones
//
// Configuration: bedrock::config::from_environment() (the emulator's printed environment).
// Prints one JSON line: {"peer","workload","units","cpu_s","wall_s"}; exit 1 on any failure, or when
// a stream's contentBlockDelta count or an answer's text is not the expected one.
// CPU is the whole process's (getrusage RUSAGE_SELF, user + sys) around the measured part, after a
// warm-up (one stream, or <warm-up> calls: connection, TLS handshake, signing key, first buffers).

#include <bedrock/client.hpp>

#include <boost/asio/io_context.hpp>

#include "../event_forwarding.hpp"
#include "peer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace {

using bench::event_callback;
using bench::forward_to;

using answer_callback = std::function<void(boost::system::error_code, bedrock::converse_response)>;

struct forward_answer {
    answer_callback* f;
    void operator()(boost::system::error_code ec, bedrock::converse_response r) const { (*f)(ec, std::move(r)); }
};

// One ConverseStream read to its end; returns the number of contentBlockDelta events.
long one_stream(boost::asio::io_context& io, bedrock::client& client, const bedrock::converse_stream_request& request)
{
    bool done = false;
    std::string error;
    long deltas = 0;
    bedrock::converse_event_stream stream;
    event_callback on_event = [&](boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) {
        if (ec || !ev) {
            if (ec)
                error = ec.message();
            done = true;
            return;
        }
        if (std::get_if<bedrock::converse_stream_output_content_block_delta>(&*ev))
            ++deltas;
        stream.next(forward_to{&on_event});
    };
    client.converse_stream(request, [&](boost::system::error_code ec, bedrock::converse_event_stream s) {
        if (ec) {
            error = ec.message();
            done = true;
            return;
        }
        stream = std::move(s);
        stream.next(forward_to{&on_event});
    });
    io.restart();
    while (!done && io.run_one()) {
    }
    if (!error.empty() || !done)
        throw std::runtime_error("converse_stream: " + (error.empty() ? std::string("did not finish") : error));
    return deltas;
}

// `n` sequential Converse calls, each started by the previous one's completion handler, as an
// Asio program chains them (from inside io.run(), so an operation starts on its executor).
void calls(boost::asio::io_context& io, bedrock::client& client, const bedrock::converse_request& request, long n)
{
    long left = n;
    std::string error;
    answer_callback on_answer =
        [&](boost::system::error_code ec, bedrock::converse_response r) {
            if (ec)
                error = ec.message();
            else if (auto* m = std::get_if<bedrock::converse_output_message>(&r.output); !m || m->value.content.empty())
                error = "no message in the answer";
            if (error.empty() && --left > 0)
                client.converse(request, forward_answer{&on_answer});
        };
    client.converse(request, forward_answer{&on_answer});
    io.restart();
    io.run();
    if (!error.empty() || left != 0)
        throw std::runtime_error("converse: " + (error.empty() ? std::string("did not finish") : error));
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const auto args = peers::parse_arguments(argc, argv);
        if (!args)
            return 2;
        const bool stream = args->workload == "stream";

        boost::asio::io_context io(1);
        bedrock::config cfg = bedrock::config::from_environment();
        cfg.http_version = bedrock::http_version::http1_1;
        bedrock::client client{io.get_executor(), cfg};

        peers::measurement m;
        if (stream) {
            bedrock::converse_stream_request request;
            request.model_id = "many-events-" + std::to_string(args->size) + ":peers";
            request.messages = {bedrock::user_text("benchmark")};
            if (one_stream(io, client, request) != args->size) // warm-up
                throw std::runtime_error("warm-up stream: wrong number of deltas");
            long deltas = 0;
            m = peers::measure([&] {
                for (long i = 0; i < args->streams; ++i)
                    deltas += one_stream(io, client, request);
            });
            if (deltas != args->units())
                throw std::runtime_error("wrong number of deltas: " + std::to_string(deltas));
        } else {
            bedrock::converse_request request;
            request.model_id = "peers.echo";
            request.messages = {bedrock::user_text("benchmark")};
            calls(io, client, request, args->warmup); // connection, TLS handshake, signing key, buffers
            m = peers::measure([&] { calls(io, client, request, args->size); });
        }
        peers::print_result("bedrock_peer", *args, m,
                            "\"connections\":" + std::to_string(client.connection_stats().opened));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bedrock_peer: %s\n", e.what());
        return 1;
    }
}
