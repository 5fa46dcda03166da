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
class response_writer {
public:
    /// 1-based index of this request on its connection, and of the connection on the server.
    std::size_t request_index() const noexcept { return request_index_; }
    std::size_t connection_index() const noexcept { return connection_index_; }

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
    void split_writes(std::size_t max_piece, std::uint32_t seed = 1)
    {
        max_piece_ = max_piece;
        rng_.seed(seed);
    }

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
    response_writer(detail::server_session& session, std::size_t request_index, std::size_t connection_index)
        : session_(&session), request_index_(request_index), connection_index_(connection_index)
    {
    }
    BEDROCK_DECL boost::asio::awaitable<void> send(std::string_view bytes);

    detail::server_session* session_;
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

/// A loopback HTTP/1.1 server (TLS or plain) for tests: binds 127.0.0.1 on an ephemeral port,
/// keeps connections alive, parses each request and hands it to the handler. Runs either on its own
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
