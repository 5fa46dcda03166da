// The floor of benchmarks/peers: Asio + OpenSSL and nothing else. It sends fixed request bytes
// (unsigned: the emulator runs with --no-auth for every peer) and reads each response to its end
// into a 16 KiB buffer, finding that end with the least HTTP/1.1 framing there is (Content-Length,
// or the chunked terminator at the tail of the body), no event-stream decoding, no JSON. What any
// client must spend on TLS and the socket; the other peers are measured against it.
//
//   bare_loop stream <events> <streams>   <streams> ConverseStreams of many-events-<events>
//   bare_loop unary <calls> <warm-up>     <calls> sequential Converse calls on one connection,
//                                         after <warm-up> unmeasured ones
//
// Environment: AWS_ENDPOINT_URL_BEDROCK_RUNTIME (https://127.0.0.1:PORT), AWS_CA_BUNDLE.
// Prints one JSON line: {"peer","workload","units","cpu_s","wall_s"}; exit 1 on any failure.
// CPU is the whole process's (getrusage RUSAGE_SELF, user + sys) around the measured part, after a
// warm-up (one stream, or <warm-up> calls: connection, TLS handshake, first buffers).

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include "peer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string env(const char* name)
{
    const char* v = std::getenv(name);
    if (!v || !*v)
        throw std::runtime_error(std::string(name) + " is not set");
    return v;
}

std::string request_bytes(std::string_view host, std::string_view path)
{
    const std::string_view body = R"({"messages":[{"role":"user","content":[{"text":"benchmark"}]}]})";
    std::string r = "POST ";
    r.append(path).append(" HTTP/1.1\r\nHost: ").append(host);
    r.append("\r\nContent-Type: application/json\r\nAccept: */*\r\nContent-Length: ");
    r.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return r;
}

bool iequals_prefix(std::string_view s, std::string_view prefix)
{
    return s.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), s.begin(),
                      [](char p, char c) { return std::tolower(static_cast<unsigned char>(c)) == p; });
}

// The least HTTP/1.1 framing there is, fed with the bytes of one response as they arrive: finds
// the end of the head, then the end of the body (Content-Length, or the chunked terminator at the
// body's tail). Throws on a non-200.
class response_end {
public:
    /// Takes the next `n` bytes of the response; true once it is complete.
    bool feed(const char* p, std::size_t n)
    {
        total_ += n;
        if (!have_head_) {
            const std::size_t before = head_.size();
            head_.append(p, n);
            const auto end = head_.find("\r\n\r\n");
            if (end == std::string::npos)
                return false;
            read_head(end);
            const std::size_t body_at = end + 4 - before; // within these bytes
            p += body_at;
            n -= body_at;
        }
        feed_body(p, n);
        return done();
    }

    /// The response's bytes, head included.
    std::size_t total() const noexcept { return total_; }

private:
    void read_head(std::size_t end)
    {
        if (head_.compare(0, 12, "HTTP/1.1 200") != 0)
            throw std::runtime_error("response: " + head_.substr(0, head_.find('\r')));
        std::string_view h(head_.data(), end + 2);
        for (std::size_t at = 0; at < h.size();) {
            const auto eol = h.find("\r\n", at);
            const std::string_view line = h.substr(at, eol - at);
            if (iequals_prefix(line, "content-length:"))
                content_length_ = std::strtoull(std::string(line.substr(15)).c_str(), nullptr, 10);
            else if (iequals_prefix(line, "transfer-encoding:") && line.find("chunked") != std::string_view::npos)
                chunked_ = true;
            at = eol + 2;
        }
        have_head_ = true;
    }

    void feed_body(const char* p, std::size_t n)
    {
        body_seen_ += n;
        if (n >= tail_.size()) {
            std::memcpy(tail_.data(), p + n - tail_.size(), tail_.size());
            tail_len_ = tail_.size();
        } else {
            const std::size_t keep = std::min(tail_len_, tail_.size() - n);
            std::memmove(tail_.data(), tail_.data() + tail_len_ - keep, keep);
            std::memcpy(tail_.data() + keep, p, n);
            tail_len_ = keep + n;
        }
    }

    bool done() const
    {
        if (chunked_)
            return tail_len_ == tail_.size() && std::string_view(tail_.data(), tail_.size()) == "0\r\n\r\n";
        return body_seen_ >= content_length_;
    }

    std::string head_; // until the blank line only
    std::size_t total_ = 0;
    std::size_t body_seen_ = 0;
    std::size_t content_length_ = 0;
    bool have_head_ = false;
    bool chunked_ = false;
    std::array<char, 5> tail_{}; // the body's last 5 bytes: "0\r\n\r\n" ends a chunked body
    std::size_t tail_len_ = 0;
};

using tls_stream = ssl::stream<tcp::socket>;
using buffer = std::array<char, 16384>;

#ifndef BARE_LOOP_ASYNC
// The synchronous floor: write, then block in read_some until the response is complete (each wait
// for bytes is a blocking recv, no event loop). Returns the bytes read.
std::size_t exchange(tls_stream& s, const std::string& req, buffer& buf)
{
    asio::write(s, asio::buffer(req));
    response_end r;
    while (!r.feed(buf.data(), s.read_some(asio::buffer(buf)))) {
    }
    return r.total();
}
#else
// The asynchronous floor, what any Asio program pays for the same bytes: `rounds` exchanges, each
// an async_write then async_read_some until the response is complete, each started from the last
// one's completion handler and run by io.run() (a wait for bytes is then epoll_wait, then recv).
// Returns the bytes read.
std::size_t exchanges_async(asio::io_context& io, tls_stream& s, const std::string& req, buffer& buf, long rounds)
{
    struct loop {
        tls_stream& s;
        const std::string& req;
        buffer& buf;
        long left;
        std::size_t bytes = 0;
        response_end r;

        void start()
        {
            r = {};
            asio::async_write(s, asio::buffer(req), [this](boost::system::error_code ec, std::size_t) {
                if (ec)
                    throw boost::system::system_error(ec, "write");
                read();
            });
        }
        void read()
        {
            s.async_read_some(asio::buffer(buf), [this](boost::system::error_code ec, std::size_t n) {
                if (ec)
                    throw boost::system::system_error(ec, "read");
                if (!r.feed(buf.data(), n))
                    return read();
                bytes += r.total();
                if (--left > 0)
                    start();
            });
        }
    };
    if (rounds <= 0)
        return 0;
    loop l{s, req, buf, rounds, 0, {}};
    l.start();
    io.restart();
    io.run();
    if (l.left != 0)
        throw std::runtime_error("the asynchronous loop stopped early");
    return l.bytes;
}
#endif

} // namespace

int main(int argc, char** argv)
{
    try {
        const auto args = peers::parse_arguments(argc, argv);
        if (!args)
            return 2;
        const bool stream = args->workload == "stream";
        std::string endpoint = env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
        if (endpoint.rfind("https://", 0) != 0)
            throw std::runtime_error("endpoint is not https://host:port");
        const std::string hostport = endpoint.substr(8, endpoint.find('/', 8) - 8);
        const auto colon = hostport.rfind(':');
        const std::string host = hostport.substr(0, colon);
        const std::string port = colon == std::string::npos ? "443" : hostport.substr(colon + 1);

        asio::io_context io(1);
        ssl::context ctx(ssl::context::tls_client);
        ctx.load_verify_file(env("AWS_CA_BUNDLE"));
        ctx.set_verify_mode(ssl::verify_peer);
        ssl::stream<tcp::socket> s(io, ctx);
        static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        SSL_set_alpn_protos(s.native_handle(), alpn, sizeof alpn);
        asio::connect(s.next_layer(), tcp::resolver(io).resolve(host, port));
        s.next_layer().set_option(tcp::no_delay(true));
        s.handshake(ssl::stream_base::client);

        buffer buf{};
        const std::string req =
            stream ? request_bytes(hostport, "/model/many-events-" + std::to_string(args->size) + "%3Apeers/converse-stream")
                : request_bytes(hostport, "/model/peers.echo/converse");
        const long rounds = stream ? args->streams : args->size;
        std::size_t bytes = 0;
        peers::measurement m;
#ifdef BARE_LOOP_ASYNC
        const char* peer = "bare_async";
        exchanges_async(io, s, req, buf, args->warmup); // connection, TLS handshake, first buffers
        m = peers::measure([&] { bytes = exchanges_async(io, s, req, buf, rounds); });
#else
        const char* peer = "bare_loop";
        for (long i = 0; i < args->warmup; ++i) // connection, TLS handshake, first buffers
            exchange(s, req, buf);
        m = peers::measure([&] {
            for (long i = 0; i < rounds; ++i)
                bytes += exchange(s, req, buf);
        });
#endif
        // No parsing, but a sanity check: a contentBlockDelta frame takes more than 64 bytes.
        if (stream && bytes < static_cast<std::size_t>(args->units()) * 64)
            throw std::runtime_error("fewer bytes (" + std::to_string(bytes) + ") than " +
                                     std::to_string(args->units()) + " events take");
        peers::print_result(peer, *args, m, "\"bytes\":" + std::to_string(bytes));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bare_loop: %s\n", e.what());
        return 1;
    }
}
