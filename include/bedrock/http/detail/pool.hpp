#ifndef BEDROCK_HTTP_DETAIL_POOL_HPP
#define BEDROCK_HTTP_DETAIL_POOL_HPP

// The shared state of a connection_pool: idle connections, the count of live ones, and the FIFO
// queue of requests waiting for one. Operations and response streams hold it by shared_ptr so that
// the pool object itself may go away while they finish. Not thread-safe: everything runs on the
// pool's executor (or one strand).

#include <bedrock/detail/config.hpp>
#include <bedrock/http/detail/connection.hpp>
#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/options.hpp>
#include <bedrock/http/proxy.hpp>

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace bedrock::http::detail {

class pool_impl;

/// Idle connections are probed (a zero-timeout poll) before reuse only after this long in the pool.
inline constexpr std::chrono::milliseconds idle_probe_after{100};

/// A request waiting for a connection. The timer is the condition variable: set to the far future,
/// cancelled by the pool to wake the waiter (or by the waiter's cancellation slot).
struct waiter {
    enum class outcome { none, connection, permit, closed };

    BEDROCK_DECL explicit waiter(pool_impl& pool);
    BEDROCK_DECL ~waiter();
    waiter(const waiter&) = delete;
    waiter& operator=(const waiter&) = delete;

    pool_impl* pool;
    boost::asio::steady_timer timer;
    outcome result = outcome::none;
    std::shared_ptr<connection> conn; ///< with outcome::connection
    waiter* prev = nullptr;
    waiter* next = nullptr;
    bool queued = false;
};

class pool_impl : public std::enable_shared_from_this<pool_impl> {
public:
    using executor_type = boost::asio::any_io_executor;

    BEDROCK_DECL pool_impl(executor_type ex, boost::system::result<endpoint> target, pool_options options);
    BEDROCK_DECL ~pool_impl();

    enum class acquired { reuse, open, wait, closed };

    /// Takes an idle connection (reuse: `out` set), or a slot to open a new one (open), or tells the
    /// caller to queue (wait), or closed.
    BEDROCK_DECL acquired try_acquire(std::shared_ptr<connection>& out);
    BEDROCK_DECL void enqueue(waiter& w);
    BEDROCK_DECL void dequeue(waiter& w) noexcept;

    /// A new, unconnected connection for a slot the caller holds.
    BEDROCK_DECL std::shared_ptr<connection> make_connection();

    /// Returns a leased connection: back to the pool (or straight to the first waiter) when
    /// `reusable`, closed otherwise (its slot then goes to the first waiter, if any).
    BEDROCK_DECL void release(std::shared_ptr<connection> conn, bool reusable);
    /// Gives back a slot obtained with acquired::open or outcome::permit but not used.
    BEDROCK_DECL void release_slot();

    BEDROCK_DECL void close();
    BEDROCK_DECL pool_stats stats() const noexcept;
    /// Whether a connection about to carry a request keeps its TLS record buffers between reads
    /// (connection::hold_tls_buffers): a unary exchange always, a response stream while few
    /// connections are open (pool_options::tls_buffers_held_up_to).
    bool holds_tls_buffers(bool unary) const noexcept { return unary || live_ <= options.tls_buffers_held_up_to; }

    executor_type ex;
    boost::system::error_code init_error; ///< bad endpoint, TLS options or proxy: every request fails
    endpoint target;
    pool_options options;
    std::optional<proxy_endpoint> proxy;
    pool_stats counters; ///< opened, reused, retried, evicted; the rest computed by stats()

private:
    void wake(waiter::outcome result, std::shared_ptr<connection> conn);
    void evict_stale(clock::time_point now); // (`now`: the caller's reading of the clock, one per call)
    void arm_sweeper();
    void sweep();

    std::vector<std::shared_ptr<connection>> idle_; ///< oldest first; reuse takes the newest
    waiter* head_ = nullptr;
    waiter* tail_ = nullptr;
    std::size_t live_ = 0;
    std::size_t waiting_ = 0;
    bool closed_ = false;
    boost::asio::steady_timer sweeper_;
    bool sweeper_armed_ = false;
};

} // namespace bedrock::http::detail

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/pool.ipp>
#endif

#endif
