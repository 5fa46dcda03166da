#ifndef BEDROCK_ENGINE_ATTEMPT_HPP
#define BEDROCK_ENGINE_ATTEMPT_HPP

// One operation's attempts, sans-I/O: build → (rate limit) → credentials → sign → send → classify
// the answer → back off → again, or finish. The machine decides; a driver (engine/run.hpp, or a
// test) performs what it asks for — waits, fetches credentials, hands the signed request to a
// transport — and reports back. The same machine drives the unary call, the opening of a response
// stream and the opening of a duplex stream, so their retry, signing, logging and diagnostics
// cannot drift apart.
//
// The steps are where the SDKs' interceptor phases fire (engine/intercept.hpp): before/after
// serialization and completion around the operation's build and parse; per attempt, before the
// attempt (after the rate limit), before/after signing (in sign()), after transmit and before
// deserialization (intercept_answer(), error_answer()), and the attempt's end (retry_or_finish(),
// or the operation's end_attempt() once it has parsed a 2xx answer).

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/sigv4.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/interceptor.hpp>
#include <bedrock/retry.hpp>
#include <bedrock/transport/request.hpp>
#include <bedrock/transport/transport.hpp>

#include <boost/system/error_code.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::detail {
struct client_state;
}

namespace bedrock::engine {

/// What the driver is to do next.
struct action {
    enum kind_type {
        pace,        ///< wait `delay` (the client-side rate limit), then paced()
        credentials, ///< fetch credentials from the client's cache, then credentials_ready()
        transmit,    ///< send call.request; then answered(), error_answer() or transport_failed()
        backoff,     ///< wait `delay`, then backed_off()
        done,        ///< finish with `ec` (success when empty)
    };
    kind_type kind = done;
    std::chrono::steady_clock::duration delay{};
    boost::system::error_code ec;
};

/// What one call keeps across its attempts. Per call, never per client: many calls of one client
/// sign and retry at the same time.
struct call_state {
    explicit call_state(std::string_view operation_name, diagnostics* user = nullptr) noexcept
        : operation(operation_name), diag(user ? user : &own_diag)
    {
    }
    call_state(const call_state&) = delete;
    call_state& operator=(const call_state&) = delete;

    std::string_view operation;      ///< "Converse": for logs
    transport::request base;         ///< built once, before start()
    transport::request request;      ///< the current attempt's, signed
    /// Without interceptors nothing needs `base` and the attempt's request apart: the first attempt
    /// takes `base` over, and each later one drops what the last added (the headers past this
    /// many) instead of copying the request again. npos: not taken over.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::size_t base_headers = npos;
    auth::signing_result signature;  ///< the current attempt's (a duplex stream chains from it)
    /// Set before start() by an operation whose caller's handler runs on the transport's executor
    /// (transport::same_executor): the exchange may then complete it there without asking it for
    /// its executor.
    bool handler_on_transport_executor = false;
    /// Set before start() by a duplex stream, which signs its events with the credentials its
    /// request was signed with; other calls do not pay for the copy.
    bool keep_credentials = false;
    std::optional<auth::credentials> credentials; ///< the current attempt's, when keep_credentials
    std::array<char, 36> invocation_id_text{}; ///< amz-sdk-invocation-id: one per call, on every attempt
    std::string_view invocation_id() const noexcept { return {invocation_id_text.data(), invocation_id_text.size()}; }
    int attempt = 0;                 ///< 1 = the first
    bool clock_retried = false;      ///< one immediate retry after the clock was corrected
    bool awaiting_answer = false;    ///< adaptive mode: an attempt went out and its outcome is owed
    retry_strategy::token retry;     ///< this call's share of the retry quota
    /// The client's interceptors, set by intercept_before_serialization when there are any: null,
    /// every hook site is one test of a pointer.
    const std::vector<std::shared_ptr<interceptor>>* interceptors = nullptr;
    interceptor_context seen;        ///< what the hooks see (kept only with interceptors)
    bool attempt_open = false;       ///< read_before_attempt ran, read_after_attempt not yet
    diagnostics own_diag;
    diagnostics* diag;
};

class attempt_machine {
public:
    attempt_machine(detail::client_state& client, call_state& call) noexcept : client_(&client), call_(&call) {}

    /// The first attempt (call.base built). Fails at once with the configuration's error.
    BEDROCK_DECL action start();
    /// The wait asked for by action::pace is over.
    BEDROCK_DECL action paced();
    /// After action::credentials: what the cache gave.
    BEDROCK_DECL action credentials_ready(const boost::system::error_code& ec, const auth::credentials& creds);
    /// After action::transmit: the transport failed before an answer (or the answer was unusable).
    BEDROCK_DECL action transport_failed(boost::system::error_code ec);
    /// After action::transmit: a non-2xx answer, its head and (up to a limit) its body.
    BEDROCK_DECL action error_answer(const transport::response_head& head, std::string_view body);
    /// After action::transmit: a 2xx head. Fills the diagnostics from it; what follows is the
    /// operation's (parse the body, read the stream).
    BEDROCK_DECL void answered(const transport::response_head& head);
    /// After answered(): the after-transmit and before-deserialization hooks on the 2xx answer
    /// (`body`: a unary answer's). Done, with a hook's error or none: the operation parses then.
    BEDROCK_DECL action intercept_answer(const transport::response_head& head, std::string_view body);
    /// The operation's result reached the caller (a unary answer parsed, a stream's first event):
    /// the retry quota gets back what this call's retries took.
    BEDROCK_DECL void succeeded();
    /// A failure after a 2xx head, before anything reached the caller (a stream's body that fails
    /// before its first event): retried like a failed transmit.
    BEDROCK_DECL action failed_after_answer(boost::system::error_code ec);
    /// The wait asked for by action::backoff is over: the next attempt.
    BEDROCK_DECL action backed_off();
    /// The caller cancelled (or closed) at any step: finish with operation_aborted. An attempt in
    /// flight gives the rate limiter no outcome (it got no answer).
    BEDROCK_DECL action cancelled();

private:
    action next_attempt();
    void read_head(const transport::response_head& head);
    action sign(const auth::credentials* creds);
    action retry_or_finish(boost::system::error_code ec);
    action fail_attempt(boost::system::error_code ec);

    detail::client_state* client_;
    call_state* call_;
};

} // namespace bedrock::engine

#ifdef BEDROCK_HEADER_ONLY
// The machine's bodies call the hooks' entry points: intercept.hpp declares them, then includes them.
#include <bedrock/engine/intercept.hpp>
#endif

#endif
