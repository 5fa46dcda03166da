#ifndef BEDROCK_EVENT_STREAM_HPP
#define BEDROCK_EVENT_STREAM_HPP

// The events of a streaming response (ConverseStream, InvokeModelWithResponseStream), read one at a
// time as the model produces them:
//
//     auto stream = co_await client.converse_stream(request);
//     while (auto event = co_await stream.next())
//         if (auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&*event)) ...
//
// next() completes with `void(error_code, std::optional<event>)`: an event, or an empty optional
// once the stream has ended cleanly. Any completion token works (`stream.next(callback)`,
// `asio::as_tuple(asio::deferred)`, ...); async_next() is the same operation under Asio's name.
//
// Errors end the stream, and every later next() repeats them:
//  - an exception the service sends inside the stream (throttlingException, modelStreamErrorException,
//    validationException, ...) is its service_errc, with the service's words in diagnostics(); an
//    `:message-type error` frame likewise. These never arrive as events.
//  - a corrupt frame is its eventstream::error (bad CRC, hostile length, body cut inside a frame).
//  - a stalled stream ends with http::error::first_event_timeout (no first event in
//    config.timeout.first_event) or http::error::idle_timeout (config.timeout.idle between reads).
// An event type this version does not know arrives as the union's `..._unknown` member.
//
// Retries: a stream that fails before its first event reached the caller (an error status, a reset,
// an exception frame first) is opened again per the client's retry policy. Once an event has been
// delivered, a failure is the caller's to handle: replaying would repeat what was already seen.
//
// close(), destroying the stream, or cancelling next() (terminal or partial cancellation) stops
// reading: the connection is closed, never pooled half-read. A stream read to its end gives its
// connection back to the pool for the next request.
//
// One next() at a time (a second one fails with client_errc::stream_busy). Like an Asio I/O object,
// a stream is used from one thread, or, on a multi-threaded io_context, from its client's strand
// (next(), close(), the destructor; see client.hpp). It may be moved, also while next() is pending.

#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/with_diagnostics.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/deferred.hpp>

#include <cstddef>
#include <memory>
#include <optional>

namespace bedrock {

class client;

namespace detail {
template <class Operation>
struct stream_state;
template <class Operation>
class stream_open_op;
} // namespace detail

template <class Operation>
class event_stream {
public:
    using event_type = typename Operation::output_event_type;
    /// The members of the response bound to headers (InvokeModelWithResponseStream: contentType...).
    using response_type = typename Operation::output_type;
    using executor_type = boost::asio::any_io_executor;

    /// An empty stream: next() fails with client_errc::stream_closed.
    event_stream() noexcept = default;
    event_stream(event_stream&&) noexcept = default;
    event_stream& operator=(event_stream&& other) noexcept
    {
        if (this != &other) {
            close();
            state_ = std::move(other.state_);
        }
        return *this;
    }
    ~event_stream() { close(); }

    /// The next event: `void(error_code, std::optional<event_type>)`.
    template <class Token = default_token>
    auto next(Token&& token = {});
    template <class Token = default_token>
    auto async_next(Token&& token = {})
    {
        return next(std::forward<Token>(token));
    }

    /// Stops reading and gives the connection up (back to the pool only if the body was read to
    /// its end). A pending next() completes with operation_aborted. Idempotent.
    void close() noexcept;

    /// Whether the stream has ended: read to its end, failed, or closed.
    bool done() const noexcept;
    /// Events delivered so far.
    std::size_t events() const noexcept;
    const response_type& response() const noexcept;
    /// Request id, HTTP status and attempts; after a failure, what the service (or the decoder) said.
    const bedrock::diagnostics& diagnostics() const noexcept;
    executor_type get_executor() const noexcept;

private:
    friend class client;
    template <class>
    friend class detail::stream_open_op;
    explicit event_stream(std::shared_ptr<detail::stream_state<Operation>> state) noexcept : state_(std::move(state)) {}
    std::shared_ptr<detail::stream_state<Operation>> state_;
};

namespace operations {
struct converse_stream;
struct invoke_model_with_response_stream;
} // namespace operations

/// ConverseStream's events: converse_stream_output.
using converse_event_stream = event_stream<operations::converse_stream>;
/// InvokeModelWithResponseStream's events: response_stream (chunks of the model's own format).
using invoke_event_stream = event_stream<operations::invoke_model_with_response_stream>;

} // namespace bedrock

#endif
