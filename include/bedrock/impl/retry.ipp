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
retry_strategy::on_failure(const boost::system::error_code& ec, int attempt, double jitter,
                           bool* quota_ran_out) noexcept
{
    quota_exhausted_.store(false, std::memory_order_relaxed);
    if (quota_ran_out)
        *quota_ran_out = false;
    if (attempt >= max_attempts_ || !is_retryable(ec))
        return std::nullopt;
    const int cost = detail::is_timeout(ec) ? timeout_retry_cost : retry_cost;
    int available = tokens_.load(std::memory_order_relaxed);
    do {
        if (available < cost) {
            quota_exhausted_.store(true, std::memory_order_relaxed);
            if (quota_ran_out)
                *quota_ran_out = true;
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

namespace detail {

// The limiter's arithmetic is in seconds, as a double, from the clock's epoch.
inline double seconds_of(adaptive_rate_limiter::time_point t) noexcept
{
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

} // namespace detail

BEDROCK_DECL adaptive_rate_limiter::adaptive_rate_limiter(time_point start) noexcept
    : last_rate_bucket_(std::floor(detail::seconds_of(start))), last_throttle_(detail::seconds_of(start))
{
}

BEDROCK_DECL adaptive_rate_limiter::clock::duration adaptive_rate_limiter::acquire(time_point now) noexcept
{
    std::lock_guard lock(mutex_);
    if (!enabled_)
        return clock::duration::zero();
    refill(detail::seconds_of(now));
    // Short of a whole token: wait until the bucket has filled up to one (and, when it is below
    // zero, first up to what the callers before this one were promised).
    const double wait = capacity_ >= 1.0 ? 0.0 : (1.0 - capacity_) / fill_rate_;
    capacity_ -= 1.0;
    // Rounded up, so that a caller that waits exactly this long finds its token there.
    return std::chrono::ceil<clock::duration>(std::chrono::duration<double>(wait));
}

BEDROCK_DECL void adaptive_rate_limiter::on_response(bool throttled, time_point now) noexcept
{
    std::lock_guard lock(mutex_);
    const double t = detail::seconds_of(now);
    update_measured_rate(t);
    if (throttled) {
        // The rate that was too much becomes CUBIC's W_max; the bucket's own rate, once it limits,
        // is what was really sent when it is the lower one.
        const double rate = enabled_ ? std::min(measured_rate_, fill_rate_) : measured_rate_;
        last_max_rate_ = rate;
        time_window_ = std::cbrt(last_max_rate_ * (1.0 - beta) / scale_constant);
        last_throttle_ = t;
        calculated_rate_ = rate * beta;
        enabled_ = true;
    } else {
        // CUBIC's window: W(t) = C (t - K)^3 + W_max, with t the time since the last throttling
        // answer and K the time at which W_max is reached again, K = cbrt(W_max (1 - beta) / C):
        // time_window_, set when W_max was (and 0 = cbrt(0) before any throttle).
        const double dt = t - last_throttle_ - time_window_;
        calculated_rate_ = scale_constant * dt * dt * dt + last_max_rate_;
    }
    // Never more than twice what the client actually sends: a rate grown during a lull must not
    // unleash a burst.
    update_rate(std::min(calculated_rate_, 2.0 * measured_rate_), t);
}

BEDROCK_DECL adaptive_rate_limiter::status adaptive_rate_limiter::state() const noexcept
{
    std::lock_guard lock(mutex_);
    status s;
    s.enabled = enabled_;
    s.fill_rate = fill_rate_;
    s.max_capacity = max_capacity_;
    s.capacity = capacity_;
    s.measured_rate = measured_rate_;
    s.calculated_rate = calculated_rate_;
    s.last_max_rate = last_max_rate_;
    s.time_window = time_window_;
    return s;
}

BEDROCK_DECL void adaptive_rate_limiter::refill(double now) noexcept
{
    if (!last_refill_) {
        last_refill_ = now;
        return;
    }
    if (now <= *last_refill_) // a caller that read the clock before the previous one: no time passed
        return;
    capacity_ = std::min(max_capacity_, capacity_ + (now - *last_refill_) * fill_rate_);
    last_refill_ = now;
}

BEDROCK_DECL void adaptive_rate_limiter::update_rate(double new_rate, double now) noexcept
{
    refill(now); // what accrued so far accrued at the old rate
    fill_rate_ = std::max(new_rate, min_fill_rate);
    max_capacity_ = std::max(new_rate, min_capacity);
    capacity_ = std::min(capacity_, max_capacity_);
}

BEDROCK_DECL void adaptive_rate_limiter::update_measured_rate(double now) noexcept
{
    // Answers are counted per half second; when a new half second begins, the count since the last
    // one becomes a rate, blended into the smoothed one.
    const double bucket = std::floor(now / rate_bucket) * rate_bucket;
    ++request_count_;
    if (bucket > last_rate_bucket_) {
        const double current = static_cast<double>(request_count_) / (bucket - last_rate_bucket_);
        measured_rate_ = current * smoothing + measured_rate_ * (1.0 - smoothing);
        request_count_ = 0;
        last_rate_bucket_ = bucket;
    }
}

} // namespace bedrock

#endif
