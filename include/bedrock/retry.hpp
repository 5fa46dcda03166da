#ifndef BEDROCK_RETRY_HPP
#define BEDROCK_RETRY_HPP

// The AWS SDKs' retry modes, sans-I/O.
//
// retry_strategy, the "standard" mode: which failures are retried, how long to wait (exponential
// backoff with full jitter), and the retry quota, a token bucket shared by every request of a client
// so that an outage does not multiply the load on the service.
//
// adaptive_rate_limiter, what "adaptive" adds: a client-side rate limit on every attempt, the first
// included. Nothing is limited until the service first throttles the client; from then on each
// attempt takes a token from a bucket whose fill rate follows CUBIC congestion control — cut to 70 %
// of the measured send rate at each throttling answer, then grown back along a cubic curve.

#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>

namespace bedrock {

class retry_strategy {
public:
    static constexpr int initial_tokens = 500;
    static constexpr int retry_cost = 5;
    static constexpr int timeout_retry_cost = 10;
    static constexpr int no_retry_increment = 1;
    static constexpr std::chrono::milliseconds base_delay{100};
    static constexpr std::chrono::milliseconds throttling_base_delay{500};
    static constexpr std::chrono::milliseconds max_backoff{20'000};

    explicit retry_strategy(int max_attempts = 3) noexcept : max_attempts_(max_attempts) {}

    /// A failed attempt number `attempt` (1 = the first): the delay before the next one, or nothing
    /// when the error is not retryable, the attempts are used up, or the quota is empty (then `ec`
    /// is left as it is, and `*quota_ran_out`, when given, is set). `jitter` is uniform in [0, 1).
    BEDROCK_DECL std::optional<std::chrono::milliseconds> on_failure(const boost::system::error_code& ec,
                                                                     int attempt, double jitter,
                                                                     bool* quota_ran_out = nullptr) noexcept;

    /// A successful attempt: returns what its retry took from the quota, or a token if none.
    BEDROCK_DECL void on_success(int attempt) noexcept;

    int max_attempts() const noexcept { return max_attempts_; }
    int available_tokens() const noexcept { return tokens_.load(std::memory_order_relaxed); }
    /// Whether the latest on_failure() of any operation found the quota empty. Operations share the
    /// strategy: to know about one's own call, pass `quota_ran_out` to on_failure().
    bool quota_exhausted() const noexcept { return quota_exhausted_.load(std::memory_order_relaxed); }

private:
    int max_attempts_;
    std::atomic<int> tokens_{initial_tokens};
    std::atomic<int> last_cost_{0};
    std::atomic<bool> quota_exhausted_{false};
};

/// The adaptive mode's client-side rate limiter, shared by every request of a client. It never
/// reads a clock: the caller passes the time (the client passes steady_clock::now(), tests pin it).
class adaptive_rate_limiter {
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    static constexpr double beta = 0.7;           ///< the rate kept after a throttling answer
    static constexpr double scale_constant = 0.4; ///< how fast the rate grows back (CUBIC's C)
    static constexpr double smoothing = 0.8;      ///< weight of the newest send-rate measurement
    static constexpr double min_fill_rate = 0.5;  ///< tokens per second, never less
    static constexpr double min_capacity = 1.0;   ///< tokens the bucket holds, never less
    static constexpr double rate_bucket = 0.5;    ///< seconds: the send rate is measured per half second

    /// `start` stands for the last throttling answer until there is one.
    BEDROCK_DECL explicit adaptive_rate_limiter(time_point start) noexcept;

    /// Before an attempt is sent: takes its token and returns how long to wait before sending (zero
    /// until the service has first throttled the client). The token is taken at once, even when
    /// the bucket holds less than one — it then goes below zero — so that callers that arrive
    /// together are spaced one token apart rather than woken together; a caller that gives up
    /// while waiting does not give its token back.
    BEDROCK_DECL clock::duration acquire(time_point now) noexcept;

    /// After an attempt's answer: `throttled` when the service throttled it (bedrock::is_throttling).
    BEDROCK_DECL void on_response(bool throttled, time_point now) noexcept;

    /// What the limiter holds, for tests and diagnostics (rates in requests per second).
    struct status {
        bool enabled = false;        ///< a throttling answer has been seen
        double fill_rate = 0;        ///< the bucket's fill rate
        double max_capacity = 0;     ///< the bucket's size
        double capacity = 0;         ///< tokens at the last refill (below zero: owed)
        double measured_rate = 0;    ///< the smoothed rate of answers
        double calculated_rate = 0;  ///< CUBIC's rate at the last answer, before the 2 × measured cap
        double last_max_rate = 0;    ///< CUBIC's W_max: the rate at the last throttling answer
        double time_window = 0;      ///< CUBIC's K: seconds from that answer back to W_max
    };
    BEDROCK_DECL status state() const noexcept;

private:
    BEDROCK_DECL void refill(double now) noexcept;
    BEDROCK_DECL void update_rate(double new_rate, double now) noexcept;
    BEDROCK_DECL void update_measured_rate(double now) noexcept;

    // A small mutex rather than atomics (retry_strategy's way): an update reads and writes a dozen
    // values that only make sense together (bucket, rates, CUBIC parameters), and operations may
    // run on several threads of one io_context. It is held for a few arithmetic steps, never while
    // waiting, and a client in standard mode has no limiter at all.
    mutable std::mutex mutex_;
    bool enabled_ = false;
    double fill_rate_ = min_fill_rate;
    double max_capacity_ = min_capacity;
    double capacity_ = 0;
    std::optional<double> last_refill_;
    double measured_rate_ = 0;
    double last_rate_bucket_;
    long long request_count_ = 0;
    double calculated_rate_ = 0;
    double last_max_rate_ = 0;
    double last_throttle_;
    double time_window_ = 0;
};

} // namespace bedrock

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/impl/retry.ipp>
#endif

#endif
