// The adaptive retry mode's client-side rate limiter, on pinned times, against values worked out by
// hand from the algorithm the AWS SDKs document: a token bucket (at least 0.5 token/s, at least 1
// token), its rate set by CUBIC (beta 0.7, C 0.4) and capped at twice the measured rate, the rate of
// answers measured per half second with smoothing 0.8, and nothing limited before a throttle.

#include <bedrock/retry.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>

namespace adaptive_retry_test {

namespace {

using limiter = bedrock::adaptive_rate_limiter;

// A pinned instant, `s` seconds after the steady clock's epoch.
limiter::time_point at(double s)
{
    return limiter::time_point{} + std::chrono::round<limiter::clock::duration>(std::chrono::duration<double>(s));
}

double seconds(limiter::clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Started at 10 s; four answers at 10.1–10.4 s (one half second, so no rate yet), then a throttling
// answer at 10.5 s: the half second [10, 10.5) held five answers → 10/s, smoothed from 0 → 8/s.
// CUBIC: W_max = 8, the new rate 0.7 × 8 = 5.6/s (under 2 × 8), K = cbrt(8 × 0.3 / 0.4) = cbrt(6).
// The bucket filled at 0.5/s from the first refill at 10.1 s: 0.4 s → 0.2 token.
void throttled_at_10_5(limiter& l)
{
    for (double t : {10.1, 10.2, 10.3, 10.4})
        l.on_response(false, at(t));
    l.on_response(true, at(10.5));
}

} // namespace

TEST_CASE("adaptive limiter: nothing is limited until the first throttling answer", "[retry][adaptive]")
{
    limiter l{at(10.0)};
    for (int i = 0; i < 100; ++i) // a burst: no wait, however many
        CHECK(l.acquire(at(10.0)) == limiter::clock::duration::zero());
    for (double t : {10.1, 10.2, 10.3, 10.6}) {
        l.on_response(false, at(t));
        CHECK(l.acquire(at(t)) == limiter::clock::duration::zero());
    }
    const auto s = l.state();
    CHECK_FALSE(s.enabled);
    CHECK(s.measured_rate == Approx(6.4)); // 4 answers in [10, 10.5) → 8/s × 0.8
    // CUBIC from W_max 0 since the start: 0.4 × 0.6³ = 0.0864/s, so the minimums hold.
    CHECK(s.calculated_rate == Approx(0.0864));
    CHECK(s.fill_rate == Approx(0.5));
    CHECK(s.max_capacity == Approx(1.0));

    l.on_response(true, at(11.0));
    CHECK(l.state().enabled);
    CHECK(l.acquire(at(11.0)) > limiter::clock::duration::zero());
}

TEST_CASE("adaptive limiter: the measured rate, per half second, smoothed", "[retry][adaptive]")
{
    limiter l{at(10.0)};
    for (double t : {10.1, 10.2, 10.3})
        l.on_response(false, at(t));
    CHECK(l.state().measured_rate == 0); // still in the first half second
    l.on_response(false, at(10.7));      // [10, 10.5): 4 answers → 8/s; 0.8 × 8 + 0.2 × 0
    CHECK(l.state().measured_rate == Approx(6.4));
    l.on_response(false, at(10.8)); // same half second: counted, no new measurement
    CHECK(l.state().measured_rate == Approx(6.4));
    l.on_response(false, at(12.0)); // 2 answers over [10.5, 12) → 4/3 /s; 0.8 × 4/3 + 0.2 × 6.4
    CHECK(l.state().measured_rate == Approx(0.8 * 4.0 / 3.0 + 0.2 * 6.4));
    CHECK(l.state().measured_rate == Approx(2.346667).epsilon(1e-6));

    // The SDKs' quirk, kept: the first bucket starts at the whole second of the start, so a limiter
    // started at 20.7 s measures an answer at 20.8 s (bucket 20.5) over [20, 20.5): 2/s → 1.6/s.
    limiter late{at(20.7)};
    late.on_response(false, at(20.8));
    CHECK(late.state().measured_rate == Approx(1.6));
}

TEST_CASE("adaptive limiter: CUBIC after a throttle", "[retry][adaptive]")
{
    const double k = std::cbrt(6.0); // 1.81712...
    {
        limiter l{at(10.0)};
        throttled_at_10_5(l);
        const auto s = l.state();
        CHECK(s.enabled);
        CHECK(s.measured_rate == Approx(8.0));
        CHECK(s.last_max_rate == Approx(8.0));
        CHECK(s.time_window == Approx(1.8171205928));
        CHECK(s.calculated_rate == Approx(5.6));
        CHECK(s.fill_rate == Approx(5.6));
        CHECK(s.max_capacity == Approx(5.6));
        CHECK(s.capacity == Approx(0.2));
    }
    {
        // A success at the throttle's own instant sits on the curve's start: C (0 − K)³ + W_max =
        // 8 − 0.4 × 6 = 5.6, the rate the throttle set.
        limiter l{at(10.0)};
        throttled_at_10_5(l);
        l.on_response(false, at(10.5));
        CHECK(l.state().calculated_rate == Approx(5.6));
    }
    {
        // 1 s later: 0.4 × (1 − 1.81712)³ + 8 = 7.78177; but one answer over [10.5, 11.5) measures
        // 1/s → 0.8 × 1 + 0.2 × 8 = 2.4/s, and the bucket may not exceed twice that: 4.8/s.
        limiter l{at(10.0)};
        throttled_at_10_5(l);
        l.on_response(false, at(11.5));
        auto s = l.state();
        CHECK(s.calculated_rate == Approx(7.781768).epsilon(1e-6));
        CHECK(s.measured_rate == Approx(2.4));
        CHECK(s.fill_rate == Approx(4.8));
        CHECK(s.max_capacity == Approx(4.8));

        // K after the throttle the curve is back at W_max (plateau), and grows beyond it after.
        l.on_response(false, at(10.5 + k));
        CHECK(l.state().calculated_rate == Approx(8.0));
        l.on_response(false, at(10.5 + k + 1.0));
        CHECK(l.state().calculated_rate == Approx(8.4)); // 0.4 × 1³ + 8

        // Throttled again while limiting: W_max is the lower of the measured rate and the bucket's.
        limiter m{at(10.0)};
        throttled_at_10_5(m);
        m.on_response(false, at(11.5)); // fill 4.8/s, measured 2.4/s
        m.on_response(true, at(12.0));  // [11.5, 12): 1 answer → 2/s; 0.8 × 2 + 0.2 × 2.4 = 2.08/s
        s = m.state();
        CHECK(s.measured_rate == Approx(2.08));
        CHECK(s.last_max_rate == Approx(2.08)); // min(2.08, 4.8)
        CHECK(s.calculated_rate == Approx(1.456));
        CHECK(s.fill_rate == Approx(1.456));
        CHECK(s.time_window == Approx(std::cbrt(2.08 * 0.3 / 0.4)));
    }
}

TEST_CASE("adaptive limiter: the bucket refuses, then permits after the computed wait", "[retry][adaptive]")
{
    limiter l{at(10.0)};
    throttled_at_10_5(l); // 0.2 token, 5.6 tokens/s
    // The first caller is short of 0.8 token: 0.8 / 5.6 = 1/7 s. Its token is taken now, so the
    // bucket owes 0.8, and the second caller waits for 1.8 tokens: 1.8 / 5.6 = 9/28 s.
    CHECK(seconds(l.acquire(at(10.5))) == Approx(1.0 / 7.0));
    CHECK(l.state().capacity == Approx(-0.8));
    CHECK(seconds(l.acquire(at(10.5))) == Approx(9.0 / 28.0));
    CHECK(l.state().capacity == Approx(-1.8));
    // At 10.9 s the bucket holds −1.8 + 0.4 × 5.6 = 0.44: refused, 0.56 / 5.6 = 0.1 s to go.
    CHECK(seconds(l.acquire(at(10.9))) == Approx(0.1));

    // The same history, asked at 11.05 s: −1.8 + 0.55 × 5.6 = 1.28 tokens: one is taken at once.
    limiter m{at(10.0)};
    throttled_at_10_5(m);
    CHECK(m.acquire(at(10.5)) > limiter::clock::duration::zero());
    CHECK(m.acquire(at(10.5)) > limiter::clock::duration::zero());
    CHECK(m.acquire(at(11.05)) == limiter::clock::duration::zero());
    CHECK(m.state().capacity == Approx(0.28));

    // A wait is rounded up to the clock's tick, never down: a caller is not sent early.
    limiter n{at(10.0)};
    throttled_at_10_5(n);
    const auto wait = n.acquire(at(10.5));
    CHECK(seconds(wait) >= 1.0 / 7.0);
    CHECK(seconds(wait) - 1.0 / 7.0 < 1e-8);

    // The bucket never holds more than its size, however long it rests.
    CHECK(m.acquire(at(1000.0)) == limiter::clock::duration::zero());
    CHECK(m.state().capacity == Approx(5.6 - 1.0));
}

} // namespace adaptive_retry_test
