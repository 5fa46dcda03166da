#ifndef BEDROCK_ENGINE_RUN_HPP
#define BEDROCK_ENGINE_RUN_HPP

// The attempt machine (attempt.hpp) on Asio: timers for the rate limit and the backoff, the
// client's credentials cache, its transport. Not a template: compiled once, whatever the operation
// and whatever the caller's completion token (the handler is type-erased), so each operation's own
// code is only its build and parse steps.

#include <bedrock/detail/config.hpp>
#include <bedrock/engine/attempt.hpp>
#include <bedrock/transport/transport.hpp>

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

namespace bedrock::engine {

/// How an attempt goes over the transport.
enum class exchange_kind {
    unary,  ///< the whole answer is read (into call_io::response)
    open,   ///< the answer's head is read; its body stays open (call_io::body)
    duplex, ///< as open, and the request body stays open for writing (call_io::duplex)
};

/// What the driver reads and writes for one call, owned by the caller: its address must not change
/// while the call runs. close() abandons it from outside (a stream closed by its user).
struct call_io {
    // Out of line: transport::response is only declared here (http/message_fwd.hpp), so that the
    // operations' templates compile without Beast's headers.
    BEDROCK_DECL explicit call_io(const boost::asio::any_io_executor& ex);
    BEDROCK_DECL ~call_io();
    call_io(const call_io&) = delete;
    call_io& operator=(const call_io&) = delete;

    boost::asio::steady_timer timer;           ///< rate limit and backoff waits
    /// exchange_kind::unary: the 2xx answer (made by the first unary attempt; streams have none)
    std::unique_ptr<transport::response> response;
    std::unique_ptr<transport::response_body> body; ///< exchange_kind::open: the 2xx answer, open
    std::unique_ptr<transport::duplex_body> duplex; ///< exchange_kind::duplex: the 2xx answer, open both ways
    std::string error_body;                    ///< a non-2xx answer's body, while it is read
    bool closed = false;

    /// A non-2xx answer's body is read up to this much (the service's are a few hundred bytes).
    static constexpr std::size_t max_error_body = 1024 * 1024;

    void close() noexcept
    {
        closed = true;
        timer.cancel();
        if (body)
            body->close();
        if (duplex)
            duplex->close();
    }
};

/// Runs `call`'s attempts until one is answered 2xx (the operation goes on from `io`) or the call
/// fails. Completes with `void(error_code)` through `h`, never inside this function, honouring
/// h's cancellation slot (terminal and partial) at every step. `call.base` must be built.
BEDROCK_DECL void async_run(std::shared_ptr<detail::client_state> client, call_state& call, call_io& io,
                            exchange_kind kind, transport::handler<void(boost::system::error_code)> h);

/// The same, resuming after `failure`: an attempt whose 2xx answer failed before anything of it
/// reached the caller (a stream that breaks before its first event). Retried or final per policy.
BEDROCK_DECL void async_rerun(std::shared_ptr<detail::client_state> client, call_state& call, call_io& io,
                              exchange_kind kind, boost::system::error_code failure,
                              transport::handler<void(boost::system::error_code)> h);

} // namespace bedrock::engine

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/engine/impl/run.ipp>
#endif

#endif
