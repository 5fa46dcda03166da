#ifndef BEDROCK_HTTP_IMPL_POOL_IPP
#define BEDROCK_HTTP_IMPL_POOL_IPP

#include <bedrock/http/detail/pool.hpp>
#include <bedrock/http/tls.hpp>

namespace bedrock::http::detail {

BEDROCK_DECL waiter::waiter(pool_impl& p) : pool(&p), timer(p.ex, clock::time_point::max()) {}

BEDROCK_DECL waiter::~waiter()
{
    // Only reached without a wake-up being consumed when the operation is destroyed unfinished
    // (its io_context shutting down): give back what the pool handed over, quietly.
    if (queued)
        pool->dequeue(*this);
    if (conn) {
        conn->close();
        conn->leased = false;
    }
}

BEDROCK_DECL pool_impl::pool_impl(executor_type executor, boost::system::result<endpoint> ep,
                                  pool_options opts)
    : ex(std::move(executor)), options(std::move(opts)), sweeper_(ex)
{
    if (!ep) {
        init_error = ep.error();
        return;
    }
    target = std::move(*ep);
    if (target.is_tls() && !options.tls) {
        auto ctx = make_tls_context();
        if (!ctx) {
            init_error = ctx.error();
            return;
        }
        options.tls = std::move(*ctx);
    }
    auto selected = select_proxy(options.proxy, target);
    if (!selected) {
        init_error = selected.error();
        return;
    }
    proxy = std::move(*selected);
    if (options.max_connections == 0)
        options.max_connections = 1;
}

BEDROCK_DECL pool_impl::~pool_impl()
{
    for (auto& c : idle_)
        c->close();
}

BEDROCK_DECL pool_impl::acquired pool_impl::try_acquire(std::shared_ptr<connection>& out)
{
    if (closed_)
        return acquired::closed;
    const auto now = clock::now();
    evict_stale(now);
    while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        // A connection the server closed while it idled is readable (EOF): catching it here saves
        // a write into the void and the retry. Servers close idle connections after seconds, so
        // a connection back only briefly is not checked (the retry still covers it).
        if (now - c->idle_since >= idle_probe_after && c->readable_while_idle()) {
            c->close();
            --live_;
            ++counters.evicted;
            continue;
        }
        c->leased = true;
        out = std::move(c);
        return acquired::reuse;
    }
    if (live_ < options.max_connections) {
        ++live_;
        return acquired::open;
    }
    return acquired::wait;
}

BEDROCK_DECL void pool_impl::enqueue(waiter& w)
{
    w.prev = tail_;
    w.next = nullptr;
    if (tail_)
        tail_->next = &w;
    else
        head_ = &w;
    tail_ = &w;
    w.queued = true;
    ++waiting_;
}

BEDROCK_DECL void pool_impl::dequeue(waiter& w) noexcept
{
    if (!w.queued)
        return;
    (w.prev ? w.prev->next : head_) = w.next;
    (w.next ? w.next->prev : tail_) = w.prev;
    w.prev = w.next = nullptr;
    w.queued = false;
    --waiting_;
}

BEDROCK_DECL std::shared_ptr<connection> pool_impl::make_connection()
{
    auto c = std::make_shared<connection>(ex, target.is_tls() ? options.tls.get() : nullptr);
    c->leased = true;
    return c;
}

BEDROCK_DECL void pool_impl::wake(waiter::outcome result, std::shared_ptr<connection> conn)
{
    waiter& w = *head_;
    dequeue(w);
    w.result = result;
    w.conn = std::move(conn);
    w.timer.cancel();
}

BEDROCK_DECL void pool_impl::release(std::shared_ptr<connection> conn, bool reusable)
{
    conn->owner = nullptr;
    conn->reading = false;
    if (reusable && !closed_) {
        if (head_) {
            wake(waiter::outcome::connection, std::move(conn));
            return;
        }
        conn->leased = false;
        conn->disarm_soon();
        const auto now = clock::now();
        conn->idle_since = now;
        idle_.push_back(std::move(conn));
        evict_stale(now);
        if (options.evict_in_background)
            arm_sweeper();
        return;
    }
    conn->leased = false;
    conn->close();
    release_slot();
}

BEDROCK_DECL void pool_impl::release_slot()
{
    if (head_ && !closed_)
        wake(waiter::outcome::permit, nullptr); // the slot passes to the first waiter
    else
        --live_;
}

BEDROCK_DECL void pool_impl::close()
{
    if (closed_)
        return;
    closed_ = true;
    for (auto& c : idle_)
        c->close();
    live_ -= idle_.size();
    idle_.clear();
    while (head_)
        wake(waiter::outcome::closed, nullptr);
    sweeper_.cancel();
}

BEDROCK_DECL pool_stats pool_impl::stats() const noexcept
{
    pool_stats s = counters;
    s.live = live_;
    s.idle = idle_.size();
    s.waiting = waiting_;
    return s;
}

BEDROCK_DECL void pool_impl::arm_sweeper()
{
    if (sweeper_armed_ || idle_.empty() || closed_)
        return;
    sweeper_armed_ = true;
    sweeper_.expires_at(idle_.front()->idle_since + options.idle_timeout);
    sweeper_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (!self)
            return;
        self->sweeper_armed_ = false;
        if (!ec)
            self->sweep();
    });
}

BEDROCK_DECL void pool_impl::evict_stale(clock::time_point now)
{
    std::size_t stale = 0;
    while (stale < idle_.size() && now - idle_[stale]->idle_since >= options.idle_timeout) {
        idle_[stale]->close();
        ++stale;
    }
    if (stale == 0)
        return;
    idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(stale));
    live_ -= stale;
    counters.evicted += stale;
}

BEDROCK_DECL void pool_impl::sweep()
{
    evict_stale(clock::now());
    arm_sweeper();
}

} // namespace bedrock::http::detail

#endif
