#ifndef BEDROCK_IMPL_BIDIRECTIONAL_STREAM_HPP
#define BEDROCK_IMPL_BIDIRECTIONAL_STREAM_HPP

// The initiating functions only: each hands the caller's handler, type-erased, to an operation
// compiled once with the library (impl/bidirectional_stream.ipp). An event every 32 ms of audio
// does not need a state machine instantiated per completion token in every caller's translation unit.

#include <bedrock/bidirectional_stream.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <optional>

namespace bedrock {

class bidirectional_stream;

namespace detail {

struct client_state;

template <class Signature>
using bidi_handler = boost::asio::any_completion_handler<Signature>;
using bidi_event = std::optional<invoke_model_with_bidirectional_stream_output>;

// `diag` (may be null) gets the stream's diagnostics when the operation fails.
BEDROCK_DECL void bidi_open(std::shared_ptr<client_state> client, invoke_model_with_bidirectional_stream_request request,
                            diagnostics* diag, bidi_handler<void(boost::system::error_code, bidirectional_stream)> h);
BEDROCK_DECL void bidi_send(std::shared_ptr<bidi_state> s, boost::asio::any_io_executor ex,
                            invoke_model_with_bidirectional_stream_input event, diagnostics* diag,
                            bidi_handler<void(boost::system::error_code)> h);
BEDROCK_DECL void bidi_finish(std::shared_ptr<bidi_state> s, boost::asio::any_io_executor ex, diagnostics* diag,
                              bidi_handler<void(boost::system::error_code)> h);
BEDROCK_DECL void bidi_next(std::shared_ptr<bidi_state> s, boost::asio::any_io_executor ex, diagnostics* diag,
                            bidi_handler<void(boost::system::error_code, bidi_event)> h);

BEDROCK_DECL boost::asio::any_io_executor bidi_executor(const bidi_state& s) noexcept;

// The client's executor; for an empty stream (no client), the handler's own, so that its refusal
// is not run on the system executor behind the caller's back when it has one.
template <class Handler>
boost::asio::any_io_executor bidi_executor(const std::shared_ptr<bidi_state>& s, const Handler& h)
{
    if (s)
        return bidi_executor(*s);
    return boost::asio::get_associated_executor(h, boost::asio::system_executor());
}

} // namespace detail

// Initiations take `diagnostics*` first (with_diagnostics_t hands them one of its own).

template <class Token>
auto bidirectional_stream::send(input_event_type event, Token&& token)
{
    auto initiation = [state = state_](auto handler, bedrock::diagnostics* diag, input_event_type ev) {
        auto ex = detail::bidi_executor(state, handler);
        detail::bidi_send(state, std::move(ex), std::move(ev), diag, std::move(handler));
    };
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        initiation, token, static_cast<bedrock::diagnostics*>(nullptr), std::move(event));
}

template <class Token>
auto bidirectional_stream::finish(Token&& token)
{
    auto initiation = [state = state_](auto handler, bedrock::diagnostics* diag) {
        auto ex = detail::bidi_executor(state, handler);
        detail::bidi_finish(state, std::move(ex), diag, std::move(handler));
    };
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        initiation, token, static_cast<bedrock::diagnostics*>(nullptr));
}

template <class Token>
auto bidirectional_stream::next(Token&& token)
{
    auto initiation = [state = state_](auto handler, bedrock::diagnostics* diag) {
        auto ex = detail::bidi_executor(state, handler);
        detail::bidi_next(state, std::move(ex), diag, std::move(handler));
    };
    return boost::asio::async_initiate<Token, void(boost::system::error_code, detail::bidi_event)>(
        initiation, token, static_cast<bedrock::diagnostics*>(nullptr));
}

} // namespace bedrock

#endif
