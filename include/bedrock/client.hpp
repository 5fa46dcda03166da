#ifndef BEDROCK_CLIENT_HPP
#define BEDROCK_CLIENT_HPP

// The Bedrock Runtime client. Every operation is an Asio initiating function: the default token,
// bedrock::default_token (asio::use_awaitable that throws error_with_diagnostics, see
// with_diagnostics.hpp), makes `co_await client.converse(request)` work inside an asio::awaitable;
// any other token works too (a callback, asio::use_future, asio::as_tuple(...), ...). No operation
// ever calls its handler from inside the initiating function, not even for an error found at once.
//
//     boost::asio::io_context io;
//     bedrock::client client{io.get_executor(), bedrock::config::from_environment()};
//     bedrock::converse_request request{.model_id = "anthropic.claude-3-5-sonnet-20240620-v1:0",
//                                       .messages = {bedrock::user_text("Hello")}};
//     auto out = co_await client.converse(request);
//
// (The request is its own statement for gcc 12, which rejects a braced list of messages inside a
// co_await expression with "array used as initializer"; clang takes it inline.)
//
// Completion signature: `void(error_code, Output)`. The overloads taking a `diagnostics&` fill it with
// what the error code cannot say (the service's message, request id, status, attempts, modeled extra
// members) — and, on success, with the request id, attempts and usage headers.
//
// Errors: service_errc (the service's answer), client_errc (configuration, credentials, a response
// that cannot be read), http::error (named timeouts, pool closed...), and Asio/OpenSSL errors from
// the connection. Retryable failures are retried per config.max_attempts with the standard retry mode;
// config.retry = retry_mode::adaptive adds the SDKs' client-side rate limit, which delays attempts
// (the first included) once the service has throttled the client.
//
// Cancellation (per operation, through the token's cancellation slot): terminal and partial. The
// operation completes with operation_aborted; a request in flight is abandoned and its connection
// closed, never reused.
//
// Thread safety: like an Asio I/O object; nothing inside is locked but what every executor shares
// (credentials cache, retry quota, signer). With io_context::run() on several threads:
//  - give the client a strand: `bedrock::client client{asio::make_strand(io), cfg};` — the pool, its
//    connections and timers run there, and so does every step of an operation whose completion
//    handler has no executor of its own (a plain callback);
//  - run the handlers on that strand too: Asio runs an operation's intermediate steps on its
//    handler's executor, so co_spawn the coroutines that use the client on client.get_executor()
//    (not on the bare io_context), and bind any other token that carries an executor to it,
//    asio::use_future included: asio::bind_executor(client.get_executor(), asio::use_future);
//  - a stream's next(), close() and destructor, and a cancellation signal's emit(), on the strand.
// Starting an operation is safe from any thread: it moves to the client's executor before touching
// the pool (config.log may then be called from several threads). See README, "Threads".

#include <bedrock/bidirectional_stream.hpp>
#include <bedrock/config.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/error.hpp>
#include <bedrock/event_stream.hpp>
#include <bedrock/stream_accumulator.hpp>
#include <bedrock/http/options.hpp>
#include <bedrock/interceptor.hpp>
#include <bedrock/model.hpp>
#include <bedrock/retry.hpp>
#include <bedrock/transport/transport.hpp>
#include <bedrock/with_diagnostics.hpp>

#include <bedrock/messages.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/deferred.hpp>

#include <memory>
#include <optional>

namespace bedrock {

namespace detail {
struct client_state;
struct paginator_next_op;
}

class list_async_invokes_paginator;

class client {
public:
    using executor_type = boost::asio::any_io_executor;

    /// Throws boost::system::system_error when the configuration cannot work (no region and no
    /// endpoint, a malformed endpoint URL, an unreadable CA bundle).
    BEDROCK_DECL client(executor_type ex, config cfg);
    /// The same without exceptions: on error, `ec` is set and every operation fails with it.
    BEDROCK_DECL client(executor_type ex, config cfg, boost::system::error_code& ec);
    /// Over a transport of the caller's (see bedrock/transport/transport.hpp): a test double, a
    /// transport with its own connection policy. `cfg` still gives the endpoint's host and path,
    /// which are signed. Throws as the first constructor.
    BEDROCK_DECL client(executor_type ex, config cfg, std::shared_ptr<transport::transport> transport);
    client(client&&) noexcept = default;
    client& operator=(client&&) noexcept = default;

    BEDROCK_DECL executor_type get_executor() const noexcept;
    BEDROCK_DECL const config& configuration() const noexcept;
    /// The endpoint requests go to, e.g. https://bedrock-runtime.us-east-1.amazonaws.com.
    BEDROCK_DECL const std::string& endpoint() const noexcept;
    /// Connection pool counters (connections opened, reused, ...).
    BEDROCK_DECL http::pool_stats connection_stats() const noexcept;
    /// Closes the client's connections once the calls running on them have ended, and fails later
    /// calls with http::error::pool_closed; destroying the client (and every call and stream it
    /// started) does the same. Over HTTP/2 an idle connection keeps a read pending (the server may
    /// send a PING or a GOAWAY at any time), so an io_context::run() that outlasts the client's
    /// calls returns only once that connection is closed: after close(), after the client is gone,
    /// or after config::idle_connection_timeout. (HTTP/1.1 keeps nothing pending between calls.)
    BEDROCK_DECL void close() noexcept;
    /// Adaptive retry mode: the client-side rate limiter every attempt goes through (its state()
    /// says whether it limits yet, and to what rate). Null in standard mode.
    BEDROCK_DECL const adaptive_rate_limiter* rate_limiter() const noexcept;

    /// Converse: one message exchange with any model.
    template <class Token = default_token>
    auto converse(converse_request request, Token&& token = {});
    template <class Token = default_token>
    auto converse(converse_request request, diagnostics& diag, Token&& token = {});

    /// InvokeModel: a model-specific request body, answered by a model-specific body.
    template <class Token = default_token>
    auto invoke_model(invoke_model_request request, Token&& token = {});
    template <class Token = default_token>
    auto invoke_model(invoke_model_request request, diagnostics& diag, Token&& token = {});

    /// ConverseStream: Converse with the answer streamed as it is generated. Completes with
    /// `void(error_code, converse_event_stream)` once the service has accepted the request (the
    /// response head); the events are then read with next() (see bedrock/event_stream.hpp).
    template <class Token = default_token>
    auto converse_stream(converse_stream_request request, Token&& token = {});
    template <class Token = default_token>
    auto converse_stream(converse_stream_request request, diagnostics& diag, Token&& token = {});

    /// InvokeModelWithResponseStream: a model-specific body answered by a stream of chunks in the
    /// model's own format. Completes with `void(error_code, invoke_event_stream)`.
    template <class Token = default_token>
    auto invoke_model_with_response_stream(invoke_model_with_response_stream_request request, Token&& token = {});
    template <class Token = default_token>
    auto invoke_model_with_response_stream(invoke_model_with_response_stream_request request, diagnostics& diag,
                                           Token&& token = {});

    /// InvokeModelWithBidirectionalStream (HTTP/2 only): events sent while the model's events
    /// arrive, e.g. Nova Sonic's speech to speech. Completes with `void(error_code,
    /// bidirectional_stream)` once the service has accepted the request (the response head); then
    /// send(), finish() and next() (see bedrock/bidirectional_stream.hpp). An HTTP/1.1 transport
    /// refuses it with client_errc::http2_required.
    template <class Token = default_token>
    auto invoke_model_with_bidirectional_stream(invoke_model_with_bidirectional_stream_request request,
                                                Token&& token = {});
    template <class Token = default_token>
    auto invoke_model_with_bidirectional_stream(invoke_model_with_bidirectional_stream_request request,
                                                diagnostics& diag, Token&& token = {});

    /// ApplyGuardrail: checks content against a guardrail without invoking a model.
    template <class Token = default_token>
    auto apply_guardrail(apply_guardrail_request request, Token&& token = {});
    template <class Token = default_token>
    auto apply_guardrail(apply_guardrail_request request, diagnostics& diag, Token&& token = {});

    /// InvokeGuardrailChecks: runs the checks the request names (content filter, prompt attack,
    /// sensitive information) on messages, without a guardrail resource and without a model.
    template <class Token = default_token>
    auto invoke_guardrail_checks(invoke_guardrail_checks_request request, Token&& token = {});
    template <class Token = default_token>
    auto invoke_guardrail_checks(invoke_guardrail_checks_request request, diagnostics& diag, Token&& token = {});

    /// CountTokens: how many input tokens a converse or invoke request would use.
    template <class Token = default_token>
    auto count_tokens(count_tokens_request request, Token&& token = {});
    template <class Token = default_token>
    auto count_tokens(count_tokens_request request, diagnostics& diag, Token&& token = {});

    /// StartAsyncInvoke. A missing client_request_token is filled with a fresh UUID before the first
    /// attempt, so that a retry never starts a second job.
    template <class Token = default_token>
    auto start_async_invoke(start_async_invoke_request request, Token&& token = {});
    template <class Token = default_token>
    auto start_async_invoke(start_async_invoke_request request, diagnostics& diag, Token&& token = {});

    /// GetAsyncInvoke.
    template <class Token = default_token>
    auto get_async_invoke(get_async_invoke_request request, Token&& token = {});
    template <class Token = default_token>
    auto get_async_invoke(get_async_invoke_request request, diagnostics& diag, Token&& token = {});

    /// ListAsyncInvokes: one page. See paginate_async_invokes for all of them.
    template <class Token = default_token>
    auto list_async_invokes(list_async_invokes_request request, Token&& token = {});
    template <class Token = default_token>
    auto list_async_invokes(list_async_invokes_request request, diagnostics& diag, Token&& token = {});

    /// Walks every page of ListAsyncInvokes, following nextToken:
    ///     auto pages = client.paginate_async_invokes({});
    ///     while (auto page = co_await pages.next()) for (auto& s : page->async_invoke_summaries) ...
    BEDROCK_DECL list_async_invokes_paginator paginate_async_invokes(list_async_invokes_request first);

    /// Any operation by its descriptor (bedrock/model/operations.hpp); `diag` may be null.
    template <class Operation, class Token = default_token>
    auto call(typename Operation::input_type request, diagnostics* diag, Token&& token = {});
    /// Any response-streaming operation by its descriptor; `diag` may be null.
    template <class Operation, class Token = default_token>
    auto open_stream(typename Operation::input_type request, diagnostics* diag, Token&& token = {});

private:
    friend class list_async_invokes_paginator;
    std::shared_ptr<detail::client_state> state_;
};

/// The pages of ListAsyncInvokes. `next()` completes with `void(error_code, optional<page>)`: a page,
/// or an empty optional after the last one. One next() at a time (client_errc::stream_busy).
class list_async_invokes_paginator {
public:
    template <class Token = default_token>
    auto next(Token&& token = {});

    /// Whether every page has been handed out.
    bool done() const noexcept { return done_; }

private:
    friend class client;
    friend struct detail::paginator_next_op;
    list_async_invokes_paginator(std::shared_ptr<detail::client_state> state, list_async_invokes_request first)
        : state_(std::move(state)), request_(std::move(first))
    {
    }
    std::shared_ptr<detail::client_state> state_;
    list_async_invokes_request request_;
    bool done_ = false;
    bool busy_ = false;
};

} // namespace bedrock

#include <bedrock/impl/client.hpp>

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/impl/client.ipp>
#endif

#endif
