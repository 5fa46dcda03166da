#ifndef BEDROCK_DETAIL_CLIENT_STATE_HPP
#define BEDROCK_DETAIL_CLIENT_STATE_HPP

// What every operation of one client shares: the configuration, the transport, the signer, the
// credentials cache, the retry quota and, in adaptive mode, the client-side rate limiter. What one
// operation keeps (its request, signature, attempts, share of the quota) is engine::call_state.

#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/auth/sigv4.hpp>
#include <bedrock/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/http/endpoint.hpp>
#include <bedrock/retry.hpp>
#include <bedrock/transport/transport.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace bedrock::detail {

struct client_state {
    boost::asio::any_io_executor executor;
    bedrock::config cfg;
    boost::system::error_code config_error; ///< set when the configuration cannot work
    std::string endpoint_url;
    http::endpoint target;
    std::string host;       ///< the Host (HTTP/2: :authority) the transport sends, signed as `host`
    std::string user_agent;
    std::shared_ptr<transport::transport> transport; ///< null when the configuration cannot work
    /// The bidirectional stream's: HTTP/2 (the same object as `transport` when that is HTTP/2 or
    /// the caller's own).
    std::shared_ptr<transport::transport> duplex_transport;
    http::timeouts limits;
    std::shared_ptr<auth::credentials_cache> credentials; ///< null with a bearer token
    std::optional<auth::credentials> static_credentials;  ///< given in the config: no provider hop
    retry_strategy retry;
    /// Adaptive mode only: standard mode has none, so its attempts take no lock and set no timer.
    std::optional<adaptive_rate_limiter> limiter;

    /// Added to the local clock when signing: corrected from the service's `Date` after an answer
    /// that showed the local clock off (protocol::clock_skew). Shared by every request of the client.
    std::atomic<std::int64_t> clock_offset_ms{0};

    std::chrono::system_clock::time_point now() const noexcept
    {
        return std::chrono::system_clock::now() +
               std::chrono::milliseconds(clock_offset_ms.load(std::memory_order_relaxed));
    }

    /// The signer caches the signing key and keeps scratch buffers, so calls on several threads
    /// take turns (for about a microsecond); each call keeps its own signing_result.
    std::mutex signer_mutex;
    auth::signer signer;
    /// Signatures no longer needed (finished unary calls, streams past their first event; under
    /// signer_mutex), whose strings the next calls sign into: sign() rewrites every field, and a
    /// call then allocates none of the seven.
    std::vector<auth::signing_result> spare_signatures;
    static constexpr std::size_t max_spare_signatures = 8;
    /// Answers of finished unary calls (under signer_mutex, at most max_spare_signatures), which the
    /// next calls read into: the object and its body's capacity, up to spare_body_capacity (a
    /// large answer's memory is not held for later).
    std::vector<std::unique_ptr<transport::response>> spare_responses;
    static constexpr std::size_t spare_body_capacity = 64 * 1024;
    /// Requests of finished unary calls (under signer_mutex, at most max_spare_signatures), which
    /// the next calls build theirs into (transport::request::clear()): their strings' storage, the
    /// body's up to spare_body_capacity.
    std::vector<transport::request> spare_requests;

    /// `custom`: a transport of the caller's (null: the HTTP/1.1 pool for the configured endpoint).
    BEDROCK_DECL client_state(boost::asio::any_io_executor ex, bedrock::config c,
                              std::shared_ptr<transport::transport> custom = nullptr);
    BEDROCK_DECL ~client_state();
    /// Closes the connections once their calls have ended; later calls fail with pool_closed.
    BEDROCK_DECL void close_transports() noexcept;

    /// `out` = `base` with User-Agent and the attempt headers, ready to be signed (two steps, so
    /// that interceptors see and change the request between them).
    BEDROCK_DECL void prepare(const transport::request& base, std::string_view invocation_id, int attempt,
                              transport::request& out) const;
    /// The second half of prepare(): User-Agent and the attempt headers, set on `out`.
    BEDROCK_DECL void add_attempt_headers(std::string_view invocation_id, int attempt, transport::request& out) const;
    /// Adds the authentication to `out`: a bearer token, or SigV4 over every header but the user
    /// agent, `host` included; `signature` is what the signer computed. `creds` is unused with a
    /// bearer token.
    BEDROCK_DECL boost::system::error_code authorize(transport::request& out, const auth::credentials* creds,
                                                     auth::signing_result& signature);
    /// A signature its call no longer needs, kept for the next call's (see spare_signatures).
    BEDROCK_DECL void recycle(auth::signing_result&& signature) noexcept;
    /// The same, and what a finished unary call built and read: its request (see spare_requests) and
    /// its answer, taken from `answer` (see spare_responses; by reference: where this is called,
    /// transport::response is an incomplete type). One lock for the three.
    BEDROCK_DECL void recycle(auth::signing_result&& signature, transport::request&& request,
                              std::unique_ptr<transport::response>& answer) noexcept;
    /// A response for a unary call to read its answer into: a recycled one (its last answer still
    /// in it, for the caller to clear) when there is.
    BEDROCK_DECL std::unique_ptr<transport::response> take_response();
    /// Moves a recycled request (see spare_requests) into `out`, if there is one.
    BEDROCK_DECL void take_request(transport::request& out);

    /// Logs through cfg.log when set.
    BEDROCK_DECL void log(log_level level, std::string_view text) const;

    /// A non-2xx answer (its head and body) as an error and diagnostics; credentials the service
    /// called expired are dropped from the cache, so that a retry fetches fresh ones; a `Date` far
    /// from the local clock corrects the clock offset.
    BEDROCK_DECL boost::system::error_code error_from_answer(const transport::response_head& head,
                                                             std::string_view body, int attempt, diagnostics& d);

    /// Adaptive mode: how long attempt `attempt` of `operation` waits for the client-side rate limit
    /// before it is sent (its token is taken now). Zero in standard mode.
    std::chrono::steady_clock::duration send_delay(std::string_view operation, int attempt)
    {
        return limiter ? limiter_delay(operation, attempt) : std::chrono::steady_clock::duration::zero();
    }

    /// Adaptive mode: an attempt's outcome — an answer, or a failure that took its place — updates
    /// the rate limit (as the SDKs do, anything but throttling counts as a success). Not for a
    /// cancelled attempt, which got no answer.
    void record_answer(const boost::system::error_code& ec)
    {
        if (limiter)
            limiter_answer(ec);
    }

    /// After failed attempt `attempt` of `operation`: the backoff before the next one, or none when
    /// the error is final (then `d` says so if the retry quota ran out). Logs the decision. An answer
    /// that corrected the clock (d.clock_correction_ms) is retried at once, once per operation
    /// (`clock_retried` remembers it), whatever its error. `op` is the operation's share of the quota.
    BEDROCK_DECL std::optional<std::chrono::milliseconds> retry_after(std::string_view operation,
                                                                      const boost::system::error_code& ec,
                                                                      int attempt, diagnostics& d,
                                                                      bool& clock_retried, retry_strategy::token& op);

private:
    BEDROCK_DECL std::chrono::steady_clock::duration limiter_delay(std::string_view operation, int attempt);
    BEDROCK_DECL void limiter_answer(const boost::system::error_code& ec);
};

/// The X-Amzn-Bedrock-{Input,Output}-Token-Count and -Invocation-Latency headers of a 2xx answer
/// into `d` (a header that is absent or not a number leaves its member empty).
BEDROCK_DECL void read_usage_headers(const transport::response& answer, diagnostics& d);

/// The credential chain for a configuration without static credentials.
BEDROCK_DECL std::shared_ptr<auth::credentials_provider>
default_credentials_provider(const boost::asio::any_io_executor& ex, const bedrock::config& cfg);

} // namespace bedrock::detail

#endif
