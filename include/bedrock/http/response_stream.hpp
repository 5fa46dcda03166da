#ifndef BEDROCK_HTTP_RESPONSE_STREAM_HPP
#define BEDROCK_HTTP_RESPONSE_STREAM_HPP

#include <bedrock/detail/config.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/deferred.hpp>

#include <chrono>
#include <memory>

namespace bedrock::http {
namespace detail {
class connection;
class pool_impl;
template <bool Unary>
class exchange_op;
class read_op;
} // namespace detail

/// A response whose body is read as it arrives (chunked or Content-Length framing undone), from
/// connection_pool::async_open. It owns its connection: once the body has been read to its end the
/// connection goes back to the pool (when keep-alive holds); closing or destroying the stream
/// earlier closes the connection, so nothing half-read is ever reused.
///
/// Movable, also while a read is pending (the read completes through the connection, not through
/// this object); destroying it while a read is pending cancels the read (operation_aborted).
class response_stream {
public:
    using executor_type = boost::asio::any_io_executor;

    /// An empty stream: reads fail with error::stream_closed.
    response_stream() noexcept = default;
    BEDROCK_DECL response_stream(response_stream&& other) noexcept;
    BEDROCK_DECL response_stream& operator=(response_stream&& other) noexcept;
    BEDROCK_DECL ~response_stream();

    /// Status line and headers.
    const response_head& head() const noexcept { return head_; }
    unsigned status() const noexcept { return head_.result_int(); }

    /// True after the body has been read to its end.
    bool done() const noexcept { return done_; }
    /// True while the stream holds its connection (not done, closed or failed).
    bool is_open() const noexcept { return conn_ != nullptr; }
    /// Whether its connection keeps its TLS record buffers between reads, which a stream does while
    /// few connections are open (pool_options::tls_buffers_held_up_to). False when not open.
    BEDROCK_DECL bool holds_tls_buffers() const noexcept;

    executor_type get_executor() const noexcept { return ex_; }

    /// Reads body bytes into `buffer`: completes with `(error_code, bytes)` as soon as some bytes
    /// are there (bytes already received complete at once, through a post). After the last byte,
    /// the next read completes with error::end_of_stream and 0. Each read is bounded by the idle
    /// timeout, and all of them by the total timeout, of the exchange. One read at a time: a second
    /// concurrent read fails with error::read_in_progress.
    ///
    /// Any error, timeout or cancellation closes the connection; later reads fail with
    /// error::stream_closed. Cancellation: terminal and partial (the stream is then closed).
    template <class Token = boost::asio::deferred_t>
    auto async_read_some(boost::asio::mutable_buffer buffer, Token&& token = {});

    /// Copies body bytes already received into `buffer`, at once and without I/O; 0 with no error
    /// if a read would have to wait. An error (end_of_stream after the last byte) is what the next
    /// read would report; the connection goes back to the pool when the body ends here. Not while
    /// an async_read_some is pending.
    BEDROCK_DECL std::size_t read_buffered(boost::asio::mutable_buffer buffer, boost::system::error_code& ec);

    /// The idle limit of the reads started from now on (zero: none; the total timeout still holds).
    /// An event stream shortens it until its first event has arrived.
    void set_idle_timeout(std::chrono::milliseconds idle) noexcept { idle_ = idle; }
    std::chrono::milliseconds idle_timeout() const noexcept { return idle_; }

    /// Gives the connection back (to the pool if the body was read to its end and keep-alive holds,
    /// else it is closed). A pending read completes with operation_aborted.
    BEDROCK_DECL void close() noexcept;
    /// Closes the connection, whether or not the body has arrived whole (close() would pool a
    /// complete one): for a body whose content could not be used.
    BEDROCK_DECL void abandon() noexcept;

private:
    template <bool Unary>
    friend class detail::exchange_op;
    friend class detail::read_op;

    BEDROCK_DECL response_stream(std::shared_ptr<detail::pool_impl> pool, std::shared_ptr<detail::connection> conn,
                                 response_head&& head, std::chrono::milliseconds idle,
                                 std::chrono::steady_clock::time_point total_deadline) noexcept;
    /// The body ended: the connection goes back to the pool.
    BEDROCK_DECL void finish_body() noexcept;
    /// A read failed: the connection is closed.
    BEDROCK_DECL void fail() noexcept;

    executor_type ex_;
    std::shared_ptr<detail::pool_impl> pool_;
    std::shared_ptr<detail::connection> conn_;
    response_head head_;
    std::chrono::milliseconds idle_{};
    std::chrono::steady_clock::time_point total_deadline_{};
    bool done_ = false;
};

} // namespace bedrock::http

#include <bedrock/http/impl/response_stream.hpp>

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/response_stream.ipp>
#endif

#endif
