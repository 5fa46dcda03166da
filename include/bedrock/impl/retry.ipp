#ifndef BEDROCK_IMPL_RETRY_IPP
#define BEDROCK_IMPL_RETRY_IPP

#include <bedrock/error.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/retry.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>
#include <cmath>

namespace bedrock {
namespace detail {

inline bool is_timeout(const boost::system::error_code& ec) noexcept
{
    return ec == boost::asio::error::timed_out || ec == std::errc::timed_out || http::is_timeout(ec);
}

} // namespace detail

BEDROCK_DECL std::optional<std::chrono::milliseconds>
retry_strategy::on_failure(const boost::system::error_code& ec, int attempt, double jitter) noexcept
{
    quota_exhausted_.store(false, std::memory_order_relaxed);
    if (attempt >= max_attempts_ || !is_retryable(ec))
        return std::nullopt;
    const int cost = detail::is_timeout(ec) ? timeout_retry_cost : retry_cost;
    int available = tokens_.load(std::memory_order_relaxed);
    do {
        if (available < cost) {
            quota_exhausted_.store(true, std::memory_order_relaxed);
            return std::nullopt;
        }
    } while (!tokens_.compare_exchange_weak(available, available - cost, std::memory_order_relaxed));
    last_cost_.store(cost, std::memory_order_relaxed);

    const auto base = is_throttling(ec) ? throttling_base_delay : base_delay;
    // attempt 1 failed → up to base, attempt 2 → up to 2 × base, ... capped at max_backoff.
    const double ceiling = std::min(static_cast<double>(max_backoff.count()),
                                    static_cast<double>(base.count()) * std::ldexp(1.0, attempt - 1));
    const double j = std::clamp(jitter, 0.0, 1.0);
    return std::chrono::milliseconds{static_cast<std::int64_t>(j * ceiling)};
}

BEDROCK_DECL void retry_strategy::on_success(int attempt) noexcept
{
    const int refund = attempt > 1 ? last_cost_.load(std::memory_order_relaxed) : no_retry_increment;
    int available = tokens_.load(std::memory_order_relaxed);
    int next;
    do {
        next = std::min(initial_tokens, available + refund);
    } while (!tokens_.compare_exchange_weak(available, next, std::memory_order_relaxed));
}

} // namespace bedrock

#endif
