#ifndef BEDROCK_TESTING_HTTPS_SERVER_HPP
#define BEDROCK_TESTING_HTTPS_SERVER_HPP

#include <bedrock/detail/config.hpp>
#include <bedrock/testing/certificate.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>

namespace bedrock::testing {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;
using response_head = boost::beast::http::response_header<>;

namespace detail {
class server_session;
class server_impl;
class h2_connection;
struct h2_stream;
} // namespace detail

/// How a handler answers one request. Each write is a coroutine step: handlers are coroutines, so a
/// streaming route can produce its body over time. Writes throw boost::system::system_error when the
/// client has gone or the server is stopping, which unwinds the handler.
///
/// Scripts it can play: a whole response (respond); a head then body pieces with pauses between them
/// (write_head, write_body, sleep, finish), optionally cut into random small socket writes
/// (split_writes) so pieces and chunk framing straddle TCP segments and TLS records; a stall (send
/// nothing, or the head and then nothing: stall); an abrupt reset (RST) at any point (reset); a
/// close after the response (close_after_response); a body that ends with the connection
/// (write_head_until_close); framing that lies (write_raw after a head, then close_connection); a
/// TLS stream cut without close_notify (truncate).
///
/// Over HTTP/2 (see server_options::http2) the same script maps onto the request's stream: respond
/// is HEADERS + DATA + END_STREAM; write_head is HEADERS (connection-specific fields such as
/// Connection, Transfer-Encoding and Keep-Alive are dropped, Content-Length kept only when given);
/// write_body is DATA, and completes once nghttp2 has taken its bytes, which waits for the client's
/// flow-control window; finish is END_STREAM; reset is RST_STREAM (INTERNAL_ERROR) of this stream
/// only; close_connection is GOAWAY, then the connection closes once it is flushed; truncate cuts
/// the TCP connection without GOAWAY or close_notify; stall waits until the client resets the stream
/// or the connection ends; sleep as over HTTP/1.1. The HTTP/1.1 framing faults take these meanings:
/// write_raw sends its bytes as DATA (after a 200 head when none was written; dropped once the
/// stream has ended); write_head_until_close is write_head, and its finish() closes the connection
/// (GOAWAY) without ever ending the stream, so the body is cut short; split_writes and cork shape the
/// connection's socket writes (every stream's frames), as over HTTP/1.1.
class response_writer {
public:
    /// 1-based index of this request on its connection, and of the connection on the server.
    std::size_t request_index() const noexcept { return request_index_; }
    std::size_t connection_index() const noexcept { return connection_index_; }
    /// The request arrived over HTTP/2 (its request's version() is then 20).
    bool http2() const noexcept { return h2_ != nullptr; }

    /// The next bytes of a streamed request body (HTTP/2, a request with
    /// `x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-EVENTS` or an event-stream Content-Type:
    /// the handler got it with an empty body as soon as its headers arrived). Waits for bytes; an
    /// empty string once the client has ended the stream. The client's flow-control window reopens
    /// only as bytes are taken here, so a handler that stops reading stops the client. Throws
    /// boost::system::system_error when the stream is reset or the connection ends. For any other
    /// request (whose body came whole): an empty string.
    BEDROCK_DECL boost::asio::awaitable<std::string> read_body_some();

    /// A complete response; Content-Length is set from the body unless the head says otherwise.
    BEDROCK_DECL boost::asio::awaitable<void> respond(response res);

    /// The status line and headers. Without Content-Length, Transfer-Encoding: chunked is added and
    /// each write_body piece becomes one chunk.
    BEDROCK_DECL boost::asio::awaitable<void> write_head(response_head head);
    /// One piece of the body (one chunk when chunked; raw bytes otherwise).
    BEDROCK_DECL boost::asio::awaitable<void> write_body(std::string_view piece);
    /// Ends the body (the last chunk when chunked).
    BEDROCK_DECL boost::asio::awaitable<void> finish();
    /// Bytes exactly as given, for malformed or hand-framed responses.
    BEDROCK_DECL boost::asio::awaitable<void> write_raw(std::string_view bytes);
    /// The status line and headers of a body that ends with the connection: neither Content-Length
    /// nor chunked (both are removed), `Connection: close`. write_body pieces go out as they are, and
    /// finish() closes the connection cleanly (see close_connection).
    BEDROCK_DECL boost::asio::awaitable<void> write_head_until_close(response_head head);

    /// From now on every socket write is cut into pieces of 1..max_piece bytes (random, seeded), each
    /// its own write: with TCP_NODELAY, its own segment, and under TLS its own record.
    BEDROCK_DECL void split_writes(std::size_t max_piece, std::uint32_t seed = 1);

    /// Linux: while corked (TCP_CORK), socket writes are held back and leave together, in as few TCP
    /// segments as they fit, once uncorked: several TLS records then arrive in one read of the
    /// client. Elsewhere: does nothing.
    BEDROCK_DECL void cork(bool on);

    /// Waits (the server's stop cancels it).
    BEDROCK_DECL boost::asio::awaitable<void> sleep(std::chrono::milliseconds duration);
    /// Sends nothing more until the client closes the connection or the server stops.
    BEDROCK_DECL boost::asio::awaitable<void> stall();
    /// Resets the connection now (SO_LINGER 0 then close: the client sees ECONNRESET).
    BEDROCK_DECL void reset();
    /// Closes the connection cleanly now, whatever the head announced: TLS close_notify (without
    /// waiting for the client's), then TCP FIN. The client sees the end of the stream (eof).
    BEDROCK_DECL boost::asio::awaitable<void> close_connection();
    /// Closes the TCP connection now without TLS close_notify (FIN, not RST): the client sees a
    /// truncated TLS stream, as when a peer or a middlebox cuts the connection.
    BEDROCK_DECL void truncate();
    /// Closes the connection once this response is complete, without saying so in the head (as a
    /// server dropping an idle keep-alive connection does).
    void close_after_response() noexcept { close_after_ = true; }

    bool head_written() const noexcept { return head_written_; }
    bool finished() const noexcept { return finished_; }

private:
    friend class detail::server_session;
    friend class detail::h2_connection;
    response_writer(detail::server_session& session, std::size_t request_index, std::size_t connection_index,
                    detail::h2_stream* h2 = nullptr)
        : session_(&session), h2_(h2), request_index_(request_index), connection_index_(connection_index)
    {
    }
    BEDROCK_DECL boost::asio::awaitable<void> send(std::string_view bytes);

    detail::server_session* session_;
    detail::h2_stream* h2_; // the HTTP/2 stream answered; null over HTTP/1.1
    std::size_t request_index_;
    std::size_t connection_index_;
    std::size_t max_piece_ = 0;
    std::minstd_rand rng_;
    std::string scratch_;
    bool head_written_ = false;
    bool chunked_ = false;
    bool until_close_ = false;
    bool finished_ = false;
    bool close_after_ = false;
    bool reset_ = false;
};

/// Handles one request; the coroutine runs on the server's executor (a strand).
using request_handler = std::function<boost::asio::awaitable<void>(const request&, response_writer&)>;

struct server_options {
    /// TLS (default) or plain HTTP.
    bool tls = true;
    /// Under TLS, offer HTTP/2 by ALPN ("h2", then "http/1.1"): a client that picks h2 is served
    /// HTTP/2, any other HTTP/1.1. Plain HTTP is always HTTP/1.1.
    bool http2 = true;
    /// HTTP/2: SETTINGS_INITIAL_WINDOW_SIZE, the receive window of each stream (the protocol's
    /// default unless set).
    std::uint32_t h2_initial_window_size = 65535;
    /// HTTP/2: SETTINGS_MAX_CONCURRENT_STREAMS.
    std::uint32_t h2_max_concurrent_streams = 100;
    /// The server's certificate; default: one issued by a fresh certificate_authority for
    /// localhost, 127.0.0.1 and ::1 (trust https_server::ca_pem()).
    std::optional<certificate> server_certificate;
    /// Close a keep-alive connection that waits longer than this for its next request (0: never).
    std::chrono::milliseconds keep_alive_timeout{0};
    /// Requests with a larger body are refused (the connection is closed).
    std::size_t max_request_body = 64 * 1024 * 1024;
    /// The port to bind on 127.0.0.1; 0 picks a free one.
    unsigned short port = 0;
};

/// A loopback HTTP/1.1 and HTTP/2 server (TLS or plain) for tests: binds 127.0.0.1 on an ephemeral
/// port, keeps connections alive, parses each request and hands it to the handler. HTTP/2 is chosen
/// by ALPN under TLS (server_options::http2); each of its streams is one request (method, target and
/// Host from :method, :path and :authority; version() 20), handled concurrently with the others of
/// its connection. Request bodies come whole, except streamed ones (see
/// response_writer::read_body_some). Runs either on its own
/// thread (first constructor) or on a given executor. stop() (and the destructor) close the acceptor
/// and every connection and cancel handlers' sleeps; with its own thread the destructor then waits
/// until every coroutine has finished.
class https_server {
public:
    /// Runs on its own thread and io_context.
    BEDROCK_DECL explicit https_server(request_handler handler, server_options options = {});
    /// Runs on `ex` (through a strand); the caller runs its io_context.
    BEDROCK_DECL https_server(boost::asio::any_io_executor ex, request_handler handler,
                              server_options options = {});
    BEDROCK_DECL ~https_server();
    https_server(const https_server&) = delete;
    https_server& operator=(const https_server&) = delete;

    /// Replaces the handler for requests read from now on. Thread-safe.
    BEDROCK_DECL void set_handler(request_handler handler);

    BEDROCK_DECL unsigned short port() const noexcept;
    /// `https://127.0.0.1:PORT` (`http://` without TLS).
    BEDROCK_DECL std::string url() const;
    /// `https://localhost:PORT`.
    BEDROCK_DECL std::string localhost_url() const;
    /// PEM of the CA that issued the default certificate (empty when a certificate was given).
    BEDROCK_DECL const std::string& ca_pem() const noexcept;

    BEDROCK_DECL std::size_t connections_accepted() const noexcept;
    BEDROCK_DECL std::size_t requests_served() const noexcept;
    /// Connections open now.
    BEDROCK_DECL std::size_t open_connections() const noexcept;

    /// Closes the acceptor and all connections. Thread-safe, idempotent, does not wait.
    BEDROCK_DECL void stop();

private:
    std::unique_ptr<boost::asio::io_context> own_context_;
    std::shared_ptr<detail::server_impl> impl_;
    std::thread thread_;
};

} // namespace bedrock::testing

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/testing/impl/https_server.ipp>
#endif

#endif
