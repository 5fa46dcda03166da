#ifndef BEDROCK_RETRY_HPP
#define BEDROCK_RETRY_HPP

// The AWS SDKs' "standard" retry mode, sans-I/O: which failures are retried, how long to wait
// (exponential backoff with full jitter), and the retry quota, a token bucket shared by every
// request of a client so that an outage does not multiply the load on the service.

#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
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
    /// is left as it is and `quota_exhausted()` says so). `jitter` is uniform in [0, 1).
    BEDROCK_DECL std::optional<std::chrono::milliseconds> on_failure(const boost::system::error_code& ec,
                                                                     int attempt, double jitter) noexcept;

    /// A successful attempt: returns what its retry took from the quota, or a token if none.
    BEDROCK_DECL void on_success(int attempt) noexcept;

    int max_attempts() const noexcept { return max_attempts_; }
    int available_tokens() const noexcept { return tokens_.load(std::memory_order_relaxed); }
    bool quota_exhausted() const noexcept { return quota_exhausted_.load(std::memory_order_relaxed); }

private:
    int max_attempts_;
    std::atomic<int> tokens_{initial_tokens};
    std::atomic<int> last_cost_{0};
    std::atomic<bool> quota_exhausted_{false};
};

} // namespace bedrock

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/impl/retry.ipp>
#endif

#endif
