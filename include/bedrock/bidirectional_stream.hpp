#ifndef BEDROCK_BIDIRECTIONAL_STREAM_HPP
#define BEDROCK_BIDIRECTIONAL_STREAM_HPP

// InvokeModelWithBidirectionalStream (e.g. Nova Sonic speech-to-speech): the client sends events
// while the model's events arrive, both on one HTTP/2 stream.
//
//     auto stream = co_await client.invoke_model_with_bidirectional_stream(request);
//     co_await stream.send(bedrock::invoke_model_with_bidirectional_stream_input{std::move(chunk)});
//     ...
//     co_await stream.finish();                       // no more input
//     while (auto out = co_await stream.next()) ...   // in another coroutine, or after finish()
//
// The two directions are independent, like a Beast websocket's read and write: one send() (or
// finish()) and one next() may be pending at the same time, from different coroutines on the
// client's executor. A second one of the same kind fails with client_errc::stream_busy.
//
// send(event): `void(error_code)`, once the transport has taken the event's frame (it waits while
//   HTTP/2 flow control holds the stream: that is the back-pressure). With SigV4 each event is
//   signed, chained on the request's signature, with the client's clock (clock-skew corrected).
// finish(): `void(error_code)`. Sends the end frame (signed, empty), then ends the request body.
//   send() or finish() after it: client_errc::stream_finished. The answer is still read with next().
// next(): `void(error_code, std::optional<output_event_type>)`: an event, or an empty optional once
//   the answer has ended. Errors end the stream as for event_stream (see event_stream.hpp): an
//   exception frame is its service_errc with the service's words in diagnostics(); a corrupt frame
//   its eventstream::error; a stall http::error::first_event_timeout or idle_timeout. An event
//   type this version does not know arrives as invoke_model_with_bidirectional_stream_output_unknown.
//
// A failure of either direction ends the stream: later calls of both repeat it. Nothing is retried
// once the stream is open (what was sent cannot be replayed); opening it is retried per the
// client's policy. close(), the destructor, or a terminal cancellation of send(), finish() or
// next() abandons both directions (the transport resets the HTTP/2 stream): pending operations
// complete with operation_aborted. Any completion token works; no handler runs inside its
// initiating function. Used from one thread, or from the client's strand (see client.hpp).

#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/model/bidirectional_stream.hpp>
#include <bedrock/with_diagnostics.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <memory>
#include <optional>

namespace bedrock {

namespace detail {
struct bidi_state;
struct bidi_access;
} // namespace detail

class bidirectional_stream {
public:
    using input_event_type = invoke_model_with_bidirectional_stream_input;
    using output_event_type = invoke_model_with_bidirectional_stream_output;
    using executor_type = boost::asio::any_io_executor;

    /// An empty stream: every operation fails with client_errc::stream_closed (completing on the
    /// handler's associated executor: there is no client's).
    bidirectional_stream() noexcept = default;
    bidirectional_stream(bidirectional_stream&&) noexcept = default;
    BEDROCK_DECL bidirectional_stream& operator=(bidirectional_stream&& other) noexcept;
    ~bidirectional_stream() { close(); }

    /// Sends one event: `void(error_code)`.
    template <class Token = default_token>
    auto send(input_event_type event, Token&& token = {});
    /// Ends the input: `void(error_code)`.
    template <class Token = default_token>
    auto finish(Token&& token = {});
    /// The next event of the answer: `void(error_code, std::optional<output_event_type>)`.
    template <class Token = default_token>
    auto next(Token&& token = {});

    template <class Token = default_token>
    auto async_send(input_event_type event, Token&& token = {})
    {
        return send(std::move(event), std::forward<Token>(token));
    }
    template <class Token = default_token>
    auto async_finish(Token&& token = {})
    {
        return finish(std::forward<Token>(token));
    }
    template <class Token = default_token>
    auto async_next(Token&& token = {})
    {
        return next(std::forward<Token>(token));
    }

    /// Abandons both directions; pending operations complete with operation_aborted. Never blocks.
    /// Idempotent.
    BEDROCK_DECL void close() noexcept;

    /// Whether no more events will come: the answer ended, the stream failed, or it was closed.
    BEDROCK_DECL bool done() const noexcept;
    /// Whether finish() has been called.
    BEDROCK_DECL bool finished() const noexcept;
    /// Events sent (taken by the transport) and received so far.
    BEDROCK_DECL std::size_t sent() const noexcept;
    BEDROCK_DECL std::size_t events() const noexcept;
    /// Request id, HTTP status and attempts; after a failure, what the service (or the decoder) said.
    BEDROCK_DECL const bedrock::diagnostics& diagnostics() const noexcept;
    BEDROCK_DECL executor_type get_executor() const noexcept;

private:
    friend struct detail::bidi_access;
    explicit bidirectional_stream(std::shared_ptr<detail::bidi_state> state) noexcept : state_(std::move(state)) {}
    std::shared_ptr<detail::bidi_state> state_;
};

} // namespace bedrock

#include <bedrock/impl/bidirectional_stream.hpp>

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/impl/bidirectional_stream.ipp>
#endif

#endif
