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

// Reads one response to its end; returns the bytes read (head included). Throws on a non-200.
template <class Stream>
std::size_t read_response(Stream& s, std::array<char, 16384>& buf)
{
    std::string head;           // until the blank line only
    std::size_t total = 0;
    std::size_t body_seen = 0;
    std::size_t content_length = 0;
    bool have_head = false;
    bool chunked = false;
    std::array<char, 5> tail{}; // the body's last 5 bytes: "0\r\n\r\n" ends a chunked body
    std::size_t tail_len = 0;
    auto feed_body = [&](const char* p, std::size_t n) {
        body_seen += n;
        if (n >= tail.size()) {
            std::memcpy(tail.data(), p + n - tail.size(), tail.size());
            tail_len = tail.size();
        } else {
            const std::size_t keep = std::min(tail_len, tail.size() - n);
            std::memmove(tail.data(), tail.data() + tail_len - keep, keep);
            std::memcpy(tail.data() + keep, p, n);
            tail_len = keep + n;
        }
    };
    auto done = [&] {
        if (!have_head)
            return false;
        if (chunked)
            return tail_len == tail.size() && std::string_view(tail.data(), tail.size()) == "0\r\n\r\n";
        return body_seen >= content_length;
    };
    while (!done()) {
        const std::size_t n = s.read_some(asio::buffer(buf));
        total += n;
        if (have_head) {
            feed_body(buf.data(), n);
            continue;
        }
        const std::size_t before = head.size();
        head.append(buf.data(), n);
        const auto end = head.find("\r\n\r\n");
        if (end == std::string::npos)
            continue;
        if (head.compare(0, 12, "HTTP/1.1 200") != 0)
            throw std::runtime_error("response: " + head.substr(0, head.find('\r')));
        std::string_view h(head.data(), end + 2);
        for (std::size_t at = 0; at < h.size();) {
            const auto eol = h.find("\r\n", at);
            const std::string_view line = h.substr(at, eol - at);
            if (iequals_prefix(line, "content-length:"))
                content_length = std::strtoull(std::string(line.substr(15)).c_str(), nullptr, 10);
            else if (iequals_prefix(line, "transfer-encoding:") && line.find("chunked") != std::string_view::npos)
                chunked = true;
            at = eol + 2;
        }
        have_head = true;
        const std::size_t body_at = end + 4 - before; // within this read
        feed_body(buf.data() + body_at, n - body_at);
    }
    return total;
}

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

        std::array<char, 16384> buf{};
        const std::string req =
            stream ? request_bytes(hostport, "/model/many-events-" + std::to_string(args->size) + "%3Apeers/converse-stream")
                : request_bytes(hostport, "/model/peers.echo/converse");
        for (long i = 0; i < args->warmup; ++i) { // connection, TLS handshake, first buffers
            asio::write(s, asio::buffer(req));
            read_response(s, buf);
        }

        const long rounds = stream ? args->streams : args->size;
        std::size_t bytes = 0;
        const auto m = peers::measure([&] {
            for (long i = 0; i < rounds; ++i) {
                asio::write(s, asio::buffer(req));
                bytes += read_response(s, buf);
            }
        });
        // No parsing, but a sanity check: a contentBlockDelta frame takes more than 64 bytes.
        if (stream && bytes < static_cast<std::size_t>(args->units()) * 64)
            throw std::runtime_error("fewer bytes (" + std::to_string(bytes) + ") than " +
                                     std::to_string(args->units()) + " events take");
        peers::print_result("bare_loop", *args, m, "\"bytes\":" + std::to_string(bytes));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bare_loop: %s\n", e.what());
        return 1;
    }
}
