#ifndef BEDROCK_HTTP_DETAIL_CONNECTION_HPP
#define BEDROCK_HTTP_DETAIL_CONNECTION_HPP

// One HTTP/1.1 connection: TCP, optionally TLS on top, and the buffers and parser reused by every
// request it carries. Not a public type: the pool owns connections and lends them to operations.

#include <bedrock/detail/config.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace bedrock::http {
class response_stream;
}

namespace bedrock::http::detail {

using clock = std::chrono::steady_clock;
using response_parser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

/// Bodies up to this size are copied behind the head and written in one go (one TLS record, one
/// syscall); larger ones are written from the caller's string.
inline constexpr std::size_t inline_body_limit = 64 * 1024;
/// Bytes asked of the socket per read: one full TLS record.
inline constexpr std::size_t read_chunk = 16 * 1024;

class connection : public std::enable_shared_from_this<connection> {
public:
    using executor_type = boost::asio::any_io_executor;

    /// `tls` null: plain TCP.
    BEDROCK_DECL connection(const executor_type& ex, boost::asio::ssl::context* tls);

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    executor_type get_executor() { return socket_.get_executor(); }
    boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }
    bool is_tls() const noexcept { return tls_.has_value(); }
    /// Null without TLS. Const: asking Asio's stream for its handle changes nothing, though its
    /// native_handle() is not const.
    SSL* native_tls_handle() const noexcept
    {
        return tls_ ? const_cast<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>&>(*tls_).native_handle()
                    : nullptr;
    }
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>& tls_stream() noexcept { return *tls_; }

    /// Sets the deadline of the I/O about to start: the earlier of now + `limit` (zero: none) and
    /// `total`, remembering which timeout that deadline stands for. When it passes with the I/O still
    /// pending, the watchdog closes the socket and the I/O fails; translate() then names the timeout.
    BEDROCK_DECL void arm(std::chrono::milliseconds limit, error kind, clock::time_point total);
    /// Same, with an absolute deadline for the phase.
    BEDROCK_DECL void arm_until(clock::time_point deadline, error kind, clock::time_point total);
    /// No I/O in progress (a response_stream between reads): nothing to time out. Free: the timer is
    /// left alone and does nothing when it fires.
    void pause_deadline() noexcept { deadline_ = clock::time_point::max(); }
    /// No deadline, and no pending timer either (it would keep io_context::run() from returning
    /// while the connection idles).
    BEDROCK_DECL void disarm() noexcept;
    /// Back in the pool: no deadline now, and the timer cancelled by a handler posted for later,
    /// unless the connection has been leased again by then. A caller that chains its next request
    /// from the completion of the last one (the usual way) re-arms a timer that is still waiting:
    /// no cancel, no new timer wait, no timerfd_settime per request.
    BEDROCK_DECL void disarm_soon();

    /// Translates a transport error: after the watchdog fired, whatever failed failed because of it
    /// (the armed timeout is returned); a TLS stream truncated by the peer counts as end of file.
    BEDROCK_DECL boost::system::error_code translate(boost::system::error_code ec) const noexcept;

    template <class Handler>
    void async_read_some(boost::asio::mutable_buffer buffer, Handler&& handler)
    {
        if (tls_)
            tls_->async_read_some(buffer, std::forward<Handler>(handler));
        else
            socket_.async_read_some(buffer, std::forward<Handler>(handler));
    }

    /// Reads more response bytes into the read buffer. A failure met by take_arrived_records() is
    /// reported here, through a post, as this read's.
    template <class Handler>
    void async_fill(Handler&& handler)
    {
        if (arrived_error_) {
            const auto ec = std::exchange(arrived_error_, {});
            return boost::asio::post(socket_.get_executor(),
                                     boost::asio::append(std::forward<Handler>(handler), ec, std::size_t{0}));
        }
        async_read_some(rbuf.prepare(read_chunk), std::forward<Handler>(handler));
    }

    /// After a read into rbuf (n bytes committed): decrypts the TLS records that arrived with it
    /// into rbuf too. A TLS read returns one record, and completing each read costs a pass through
    /// the event loop, so a burst of small records (a stream's events, or a head and its body in
    /// records of their own) would cost one pass per record; these records need no I/O. Stops at a
    /// record that has not wholly arrived (the socket is non-blocking for this synchronous read
    /// only; asynchronous reads are unaffected). A failure is kept for the next async_fill.
    BEDROCK_DECL void take_arrived_records();

    /// Writes the serialized request (see prepare_request()).
    template <class Handler>
    void async_write_request(Handler&& handler)
    {
        // Always two buffers, the second empty when the body is inline: one buffer type, so Asio's
        // write operations (TLS and TCP) are instantiated once per handler, not twice.
        const std::array<boost::asio::const_buffer, 2> buffers{boost::asio::buffer(wbuf),
                                                                boost::asio::buffer(pending_body_)};
        write_buffers(buffers, std::forward<Handler>(handler));
    }

    /// Writes the prepared request now, on this thread, when it is small and the socket is in its
    /// default mode; returns false (nothing written) otherwise: then async_write_request(). An
    /// asynchronous write completes through the event loop, which costs an extra epoll_wait and a
    /// pass through the handler chain per request although the kernel took the bytes at once.
    BEDROCK_DECL bool write_request_now(boost::system::error_code& ec);

    /// Serializes `req` into `wbuf` (the body too, unless it is large) and resets the response parser.
    BEDROCK_DECL void prepare_request(const request& req, const pool_options& options, bool unary);
    /// The same for a request its caller wrote out (the body is written from the caller's bytes
    /// when it is large, as above).
    BEDROCK_DECL void prepare_request(const serialized_request& req, const pool_options& options, bool unary);
    /// Resets the response parser for the answer to the request just prepared (its limits; a HEAD
    /// request's answer has no body) and counts the request.
    BEDROCK_DECL void expect_response(const pool_options& options, bool unary, bool head_method);

    /// Asio asks OpenSSL to free a connection's record buffers whenever they run empty, and OpenSSL
    /// allocates them again for the next record: three allocations per request and answer, and a
    /// 16 KiB one per event of a stream whose events arrive one by one. Held, they are allocated
    /// once per connection. The pool decides per request (pool_impl::holds_tls_buffers): a unary
    /// exchange holds them; a response stream holds them while few connections are open, and lets
    /// them go when thousands are, mostly idle between events; an HTTP/2 connection lets them go
    /// (held, they cost 0.9 KiB more per open stream at 100 streams per connection).
    BEDROCK_DECL void hold_tls_buffers(bool hold) noexcept;
    /// Whether the record buffers are held (hold_tls_buffers()); false without TLS.
    BEDROCK_DECL bool holds_tls_buffers() const noexcept;

    /// Feeds buffered bytes to the parser until the response head is complete or more bytes are
    /// needed (then `parser->is_header_done()` is false and no error is returned).
    BEDROCK_DECL boost::system::error_code parse_head();

    /// Feeds buffered bytes to the parser as body into `[data, data + size)`; returns the body bytes
    /// written there. Stops when the buffer is full, the input is used up, or the body ends. An
    /// error met after some bytes were written (a malformed chunk after good ones) is returned by
    /// the next call, with 0: body_error_pending() says so meanwhile.
    BEDROCK_DECL std::size_t parse_body(char* data, std::size_t size, boost::system::error_code& ec);
    bool body_error_pending() const noexcept { return static_cast<bool>(body_error_); }

    /// The server closed the connection: ends a body delimited by the close, otherwise an error.
    /// `truncated`: the close came without TLS close_notify (ssl::error::stream_truncated, which
    /// translate() reports as eof); then not even a body delimited by the close is complete.
    BEDROCK_DECL boost::system::error_code on_eof(bool truncated = false);

    /// After a complete response: may this connection carry another request? Not when any byte came
    /// after the response, whether in the read buffer or still inside the TLS layer.
    BEDROCK_DECL bool reusable() const noexcept;

    /// True when the idle connection has something to read: the server closed it, or sent data it
    /// should not have. Either way it must not be reused. A zero-timeout poll: never blocks.
    BEDROCK_DECL bool readable_while_idle() noexcept;

    /// Closes the socket at once (no TLS close_notify: HTTP/1.1 needs none), cancelling pending I/O.
    BEDROCK_DECL void close() noexcept;

    /// Maps an OpenSSL handshake failure to its certificate verification reason when there is one.
    BEDROCK_DECL boost::system::error_code handshake_error(boost::system::error_code ec) noexcept;

    boost::beast::flat_buffer rbuf;
    std::string wbuf;
    std::optional<response_parser> parser;
    std::optional<boost::asio::ip::tcp::resolver> resolver; ///< only while connecting
    clock::time_point idle_since{};
    std::size_t requests = 0;        ///< requests sent on this connection
    bool reading = false;            ///< a response_stream read is pending
    response_stream* owner = nullptr; ///< the response_stream holding this connection, if any
    bool leased = false;             ///< counted by the pool as handed out

private:
    template <class Buffers, class Handler>
    void write_buffers(const Buffers& buffers, Handler&& handler)
    {
        if (tls_)
            boost::asio::async_write(*tls_, buffers, std::forward<Handler>(handler));
        else
            boost::asio::async_write(socket_, buffers, std::forward<Handler>(handler));
    }

    /// Received bytes still inside the TLS layer: records read from the socket, not yet decrypted.
    BEDROCK_DECL bool tls_input_pending() const noexcept;
    BEDROCK_DECL void start_watchdog(clock::time_point at);
    BEDROCK_DECL void on_watchdog();

    boost::asio::ip::tcp::socket socket_;
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    std::string_view pending_body_; ///< a large body written from the caller's request

    // One timer per connection bounds every I/O. It is lazy: arming a later deadline than the one
    // the timer waits for changes a variable only; when the timer fires it re-arms itself for the
    // current deadline if that has moved. So a request costs one timer wait, not one per read, and
    // a streamed body's reads cost none. (Beast's tcp_stream arms and cancels a timer per I/O.)
    boost::asio::steady_timer watchdog_;
    clock::time_point deadline_ = clock::time_point::max(); ///< max: no I/O to time out
    error timeout_kind_ = error::idle_timeout;
    bool watchdog_armed_ = false;
    bool disarm_posted_ = false;
    bool timed_out_ = false;
    bool non_blocking_ = false;                ///< set for take_arrived_records()
    boost::system::error_code arrived_error_; ///< met by take_arrived_records(), for the next read
    boost::system::error_code body_error_;    ///< met by parse_body() after bytes it returned
};

/// True when the caller already runs inside `ex`'s io_context on this thread: then an operation
/// that must run on `ex` can go on at once. A dispatch would too, but not cheaply: the handlers of
/// this library's composed operations have executors of their own (the engine's type-erased one),
/// so Asio's dispatch wraps them in a work_dispatcher, and that one posts. False when unsure (an
/// executor that is not a plain io_context one): then dispatch.
inline bool running_in_this_thread(const boost::asio::any_io_executor& ex) noexcept
{
    const auto* io = ex.target<boost::asio::io_context::executor_type>();
    return io && io->running_in_this_thread();
}

/// SNI for host names (never for IP literals, RFC 6066) and the name the certificate must carry.
BEDROCK_DECL boost::system::error_code prepare_tls(SSL* ssl, const std::string& host, bool verify) noexcept;

} // namespace bedrock::http::detail

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/connection.ipp>
#endif

#endif
