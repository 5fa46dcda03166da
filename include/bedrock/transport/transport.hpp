#ifndef BEDROCK_TRANSPORT_TRANSPORT_HPP
#define BEDROCK_TRANSPORT_TRANSPORT_HPP

// The seam between the client and the wire. The client's request engine (bedrock/engine/) builds,
// signs and retries; a transport only moves one signed request and its answer. Three shapes:
//
//   exchange    the whole request out, the whole answer in (unary operations);
//   open        the whole request out, then the answer's head, then its body as it arrives
//               (ConverseStream, InvokeModelWithResponseStream);
//   open_duplex the request's head out, then its body written piece by piece while the answer's
//               head and body are read (InvokeModelWithBidirectionalStream).
//
// The HTTP/1.1 keep-alive pool (make_http1_transport) implements the first two and refuses the
// third. What an HTTP/2 transport must provide:
//  - write `request` as HEADERS with :method, :scheme https, :authority (its endpoint's host, the
//    one the request was signed with), :path = request.target(), then request.headers with their
//    names lowercased, leaving out connection-specific ones (Connection, Keep-Alive,
//    Transfer-Encoding; Host becomes :authority); then DATA with request.body (END_STREAM after it)
//    or, for open_duplex, DATA frames as async_write is called and END_STREAM on async_finish;
//  - honour `timeouts` as HTTP/1.1 does (connect and TLS for a new connection; first_byte from the
//    request's end to the response's HEADERS; idle between reads; total for the exchange);
//  - back-pressure: async_write completes only once the bytes fit in the stream's and the
//    connection's send windows (never an unbounded queue);
//  - report a stream reset (RST_STREAM) as an error of that stream only, and a GOAWAY as an error
//    of the streams it names, retryable when the server says it did not process them;
//  - call no completion handler from inside the initiating function, honour each handler's
//    cancellation slot (terminal: the stream is reset and its body never reused), and run handlers
//    on their associated executors (any_completion_handler carries them), except a body read's
//    started with async_read_some_on_transport_executor and an exchange started with
//    async_exchange_on_transport_executor.
//
// Every handler runs at most once; an object handed out (response_body, duplex_body) may outlive
// the transport's owner and fails its operations with http::error::pool_closed then.

#include <bedrock/detail/config.hpp>
#include <bedrock/http/detail/executor_blind.hpp>
#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/message_fwd.hpp>
#include <bedrock/http/options.hpp>
#include <bedrock/transport/request.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

namespace bedrock::transport {

using http::response;      ///< a whole answer (head and body)
using http::response_head; ///< status line and headers
using http::timeouts;

template <class Signature>
using handler = boost::asio::any_completion_handler<Signature>;

namespace detail {
/// A handler that may run on the transport's executor, as the Asio operations beneath a transport
/// see it (response_body::async_read_some_on_transport_executor).
using http::detail::executor_blind;
} // namespace detail

/// True if a handler whose associated executor is `handler_executor` may as well run on the
/// transport's executor, because it is that same executor (a coroutine or a callback on the
/// client's io_context: the usual case). Work tracking does not change where a handler runs, and a
/// composed operation's executor tracks work where the client's does not: both are compared
/// untracked. Cheap for an io_context's executor, which the caller has before it erases its
/// handler; false for an executor that any_io_executor cannot hold.
template <class Executor>
bool same_executor(const Executor& handler_executor, const boost::asio::any_io_executor& transport_executor)
{
    if constexpr (std::is_constructible_v<boost::asio::any_io_executor, const Executor&>) {
        const auto untracked = boost::asio::execution::outstanding_work.untracked;
        return boost::asio::prefer(boost::asio::any_io_executor(handler_executor), untracked) ==
               boost::asio::prefer(transport_executor, untracked);
    } else {
        return false;
    }
}

/// An answer whose body is read as it arrives. Reads are one at a time. A body read to its end
/// (the read that reports http::error::end_of_stream) releases the connection for reuse; close()
/// or destruction before that abandons it (the connection or stream is closed, never reused).
class response_body {
public:
    virtual ~response_body() = default;
    virtual const response_head& head() const noexcept = 0;
    /// Completes with `(error_code, bytes)` once some bytes are in `buffer`; http::error::end_of_stream
    /// after the last byte. Named timeouts, cancellation and read_in_progress as http::response_stream.
    virtual void async_read_some(boost::asio::mutable_buffer buffer, handler<void(boost::system::error_code, std::size_t)> h) = 0;
    /// As async_read_some, for a caller whose handler's executor is the transport's (same_executor):
    /// the handler may then run there without being asked for its executor. Asked, an erased handler
    /// wraps it in an any_completion_executor, which an any_io_executor does not fit without the
    /// heap: two allocations per read, on a stream's hot path. The default is async_read_some.
    virtual void async_read_some_on_transport_executor(boost::asio::mutable_buffer buffer,
                                                       handler<void(boost::system::error_code, std::size_t)> h)
    {
        async_read_some(buffer, std::move(h));
    }
    /// Copies body bytes that have already arrived into `buffer`, at once, without I/O: what a read
    /// would complete with, without the trip through the event loop that completing it costs. 0 with
    /// no error: nothing is here yet (then async_read_some). An error (end_of_stream included) is what
    /// the next read would have reported. Not while a read is pending. The default says "nothing
    /// here": a transport that buffers nothing need not override it.
    virtual std::size_t read_buffered(boost::asio::mutable_buffer buffer, boost::system::error_code& ec)
    {
        (void)buffer;
        ec = {};
        return 0;
    }
    /// The idle limit of the reads started from now on (zero: none).
    virtual void set_idle_timeout(std::chrono::milliseconds idle) noexcept = 0;
    /// Abandons the body; a pending read completes with operation_aborted. Idempotent.
    virtual void close() noexcept = 0;
    /// Abandons the body after what it carried failed (a corrupt frame, a cancelled read): like
    /// close(), but an HTTP/1.1 connection is closed even when its body happens to have arrived
    /// whole, and an HTTP/2 stream is reset: an answer that could not be used does not vouch for
    /// its connection. The default is close().
    virtual void abandon() noexcept { close(); }
};

/// A request whose body is written while its answer is read. The write side and the read side
/// are independent: one async_write (or async_finish) and one async_read_some may be pending at
/// the same time.
class duplex_body : public response_body {
public:
    /// Writes `bytes` as the next piece of the request body; completes once the transport has
    /// taken them (the caller may reuse the buffer then), waiting while the send window is shut.
    virtual void async_write(boost::asio::const_buffer bytes, handler<void(boost::system::error_code)> h) = 0;
    /// Ends the request body (HTTP/2: END_STREAM). Writes after it fail.
    virtual void async_finish(handler<void(boost::system::error_code)> h) = 0;
};

class transport {
public:
    using executor_type = boost::asio::any_io_executor;

    virtual ~transport() = default;
    virtual executor_type get_executor() const noexcept = 0;
    /// "http/1.1" or "h2": what this transport speaks (for logs and diagnostics).
    virtual std::string_view protocol() const noexcept = 0;

    /// Sends `req` and reads the whole answer into `res`. `req` and `res` must outlive the operation.
    virtual void async_exchange(const request& req, response& res, const timeouts& limits,
                                handler<void(boost::system::error_code)> h) = 0;
    /// As async_exchange, for a caller whose handler's executor is the transport's (same_executor):
    /// the handler may then run there without being asked for its executor (see
    /// response_body::async_read_some_on_transport_executor; for an exchange, six allocations per
    /// call). The default is async_exchange.
    virtual void async_exchange_on_transport_executor(const request& req, response& res, const timeouts& limits,
                                                      handler<void(boost::system::error_code)> h)
    {
        async_exchange(req, res, limits, std::move(h));
    }
    /// Sends `req` and completes with its answer's head; the body is read from the response_body.
    /// Any status is a success here: the caller interprets it.
    virtual void async_open(const request& req, const timeouts& limits,
                            handler<void(boost::system::error_code, std::unique_ptr<response_body>)> h) = 0;
    /// Sends `req`'s head and completes with the answer's head; `req.body`, if any, is written first.
    virtual void async_open_duplex(const request& req, const timeouts& limits,
                                   handler<void(boost::system::error_code, std::unique_ptr<duplex_body>)> h) = 0;

    /// Closes idle connections and fails later operations with http::error::pool_closed.
    virtual void close() noexcept = 0;
    virtual http::pool_stats stats() const noexcept = 0;
};

/// The HTTP/1.1 keep-alive pool (http::connection_pool) as a transport. Its async_open_duplex
/// fails with client_errc::http2_required (through a post).
BEDROCK_DECL std::shared_ptr<transport> make_http1_transport(boost::asio::any_io_executor ex,
                                                             const http::endpoint& target,
                                                             http::pool_options options);

} // namespace bedrock::transport

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/transport/impl/http1.ipp>
#endif

#endif
