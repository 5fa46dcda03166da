#ifndef BEDROCK_TRANSPORT_HTTP2_HPP
#define BEDROCK_TRANSPORT_HTTP2_HPP

// HTTP/2 behind the transport interface: nghttp2 drives the protocol (frames, HPACK, flow control)
// as a pure state machine fed from, and flushed to, our own TLS stream by one read loop and one
// write loop per connection. Requests are streams multiplexed on a connection; a connection takes
// streams up to min(max_streams_per_connection, the server's SETTINGS_MAX_CONCURRENT_STREAMS), and
// then another connection is opened (up to pool_options::max_connections; beyond that streams queue
// on the least loaded one).
//
// Flow control follows the reader: the body bytes of a streamed answer are acknowledged
// (WINDOW_UPDATE) as the caller reads them, so a slow reader slows the server down and a stream
// never buffers more than its window. A duplex body's writes complete once nghttp2 has taken their
// bytes, which it does only within the send windows: that is the back-pressure.
//
// TLS endpoints must agree to "h2" by ALPN (otherwise every stream fails with
// client_errc::http2_required); plain-TCP endpoints get HTTP/2 with prior knowledge (RFC 9113 §3.3).
//
// While a connection has streams, a read is pending on it: io_context::run() returns once the
// client (or the transport) is closed or destroyed, or the connection has been idle for
// pool_options::idle_timeout (it is then closed with GOAWAY).

#include <bedrock/detail/config.hpp>
#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/options.hpp>
#include <bedrock/transport/transport.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace bedrock::transport {

struct http2_options {
    /// How many body bytes of one answer the server may send ahead of the reader (SETTINGS_INITIAL_WINDOW_SIZE).
    std::uint32_t stream_window = 256 * 1024;
    /// The same for all the streams of a connection together.
    std::uint32_t connection_window = 16 * 1024 * 1024;
    /// Streams per connection at most, whatever the server allows.
    std::uint32_t max_streams_per_connection = 100;
    /// While streams are open and nothing has arrived for this long, PING the server; if nothing
    /// arrives for as long again, the connection is dead: its streams fail with idle_timeout
    /// (a half-open TCP connection is found in seconds, not at the streams' own timeouts). Zero: never.
    std::chrono::milliseconds ping_after{30'000};
};

/// An HTTP/2 transport to `target` (connections, proxy and TLS as in `options`).
BEDROCK_DECL std::shared_ptr<transport> make_http2_transport(boost::asio::any_io_executor ex,
                                                             const http::endpoint& target,
                                                             http::pool_options options,
                                                             http2_options h2 = {});

} // namespace bedrock::transport

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/transport/impl/http2.ipp>
#endif

#endif
