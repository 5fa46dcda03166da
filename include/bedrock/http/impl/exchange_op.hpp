#ifndef BEDROCK_HTTP_IMPL_EXCHANGE_OP_HPP
#define BEDROCK_HTTP_IMPL_EXCHANGE_OP_HPP

// One request/response exchange on a pooled connection. Unary: the whole response is read into the
// caller's response object. Streaming: once the head is in, the connection goes to a response_stream.
//
// Two forms, one per completion: exchange_op<false> completes void(error_code) and puts a streamed
// answer where it was told to (`stream_out`): the library's own unary exchanges and stream opens
// both run it with the same erased handler, so Asio's socket, SSL and timer operations are
// instantiated for it once (connection_pool.ipp). exchange_op<true> completes
// void(error_code, response_stream): the pool's templated async_open for callers that want the
// stream as the completion's argument.
//
// start -> dispatched -> [waiting] -> [connecting] -> writing -> reading_head -> [reading_body] -> done
// A dead pooled connection found while writing or before the first response byte sends the op back
// to `connecting` once, on a fresh connection.

#include <bedrock/http/detail/connection.hpp>
#include <bedrock/http/detail/pool.hpp>
#include <bedrock/http/impl/connect_op.hpp>
#include <bedrock/http/response_stream.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>

#include <algorithm>
#include <memory>
#include <type_traits>

namespace bedrock::http::detail {

/// The errors a server's close of an idle keep-alive connection shows up as (after translate()).
inline bool is_dead_connection_error(const boost::system::error_code& ec) noexcept
{
    namespace ae = boost::asio::error;
    return ec == ae::eof || ec == ae::connection_reset || ec == ae::connection_aborted ||
           ec == ae::broken_pipe || ec == ae::not_connected || ec == ae::bad_descriptor;
}

template <bool CompletesWithStream>
class exchange_op {
public:
    /// Unary when `res` is given, else streamed (into `stream_out`, or as the completion's argument).
    exchange_op(std::shared_ptr<pool_impl> pool, const request& req, response* res, const timeouts& limits,
                response_stream* stream_out = nullptr)
        : pool_(std::move(pool)), req_(&req), res_(res), stream_out_(stream_out), limits_(limits)
    {
    }
    exchange_op(std::shared_ptr<pool_impl> pool, const serialized_request& req, response* res, const timeouts& limits)
        : pool_(std::move(pool)), serialized_(req), res_(res), limits_(limits)
    {
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0)
    {
        if (state_ != state::start && state_ != state::dispatched)
            async_ = true;
        switch (state_) {
        case state::start:
            self.reset_cancellation_state(boost::asio::enable_partial_cancellation(), partial_as_terminal{});
            total_ = limits_.total.count() > 0 ? clock::now() + limits_.total : clock::time_point::max();
            // The pool is touched only on its executor: an operation started from another thread
            // (a use_future caller, say) moves there first.
            state_ = state::dispatched;
            if (!running_in_this_thread(pool_->ex))
                return boost::asio::dispatch(pool_->ex, std::move(self));
            [[fallthrough]];
        case state::dispatched:
            if (pool_->init_error)
                return finish(self, pool_->init_error);
            return acquire(self);
        case state::waiting: return on_woken(self);
        case state::connecting: return on_connected(self, ec);
        case state::writing: return on_written(self, ec);
        case state::reading_head: return on_head_bytes(self, ec, n);
        case state::reading_body: return on_body_bytes(self, ec, n);
        case state::posted: return deliver(self);
        }
    }

private:
    enum class state { start, dispatched, waiting, connecting, writing, reading_head, reading_body, posted };

    template <class Self>
    static bool cancelled(Self& self) noexcept
    {
        return self.cancelled() != boost::asio::cancellation_type::none;
    }

    template <class Self>
    void acquire(Self& self)
    {
        switch (pool_->try_acquire(conn_)) {
        case pool_impl::acquired::reuse: return write(self);
        case pool_impl::acquired::open: return open(self);
        case pool_impl::acquired::closed: return finish(self, error::pool_closed);
        case pool_impl::acquired::wait: break;
        }
        // Only a request that finds the pool full allocates: its place in the queue.
        waiter_ = std::make_unique<waiter>(*pool_);
        pool_->enqueue(*waiter_);
        // The total timeout counts the wait: the timer wakes us then, unless the pool does first.
        waiter_->timer.expires_at(total_);
        // Nothing has been sent while waiting, so even total cancellation can be honoured here.
        self.reset_cancellation_state(boost::asio::enable_total_cancellation(), partial_as_terminal{});
        state_ = state::waiting;
        waiter_->timer.async_wait(std::move(self));
    }

    template <class Self>
    void on_woken(Self& self)
    {
        const bool was_cancelled = cancelled(self);
        self.reset_cancellation_state(boost::asio::enable_partial_cancellation(), partial_as_terminal{});
        const auto outcome = waiter_->result;
        conn_ = std::move(waiter_->conn);
        pool_->dequeue(*waiter_); // still queued when cancelled or timed out
        waiter_.reset();
        switch (outcome) {
        case waiter::outcome::connection:
            if (was_cancelled) { // woken and cancelled at once: pass the connection on
                pool_->release(std::move(conn_), true);
                return finish(self, boost::asio::error::operation_aborted);
            }
            return write(self);
        case waiter::outcome::permit:
            if (was_cancelled) {
                pool_->release_slot();
                return finish(self, boost::asio::error::operation_aborted);
            }
            return open(self);
        case waiter::outcome::closed: return finish(self, error::pool_closed);
        case waiter::outcome::none: break;
        }
        finish(self, was_cancelled ? boost::system::error_code(boost::asio::error::operation_aborted)
                                   : boost::system::error_code(error::total_timeout));
    }

    template <class Self>
    void open(Self& self)
    {
        conn_ = pool_->make_connection();
        state_ = state::connecting;
        // Everything taken from this op before `self` (and this op with it) moves into the handler.
        pool_impl& pool = *pool_;
        connection& conn = *conn_;
        const timeouts limits = limits_;
        const clock::time_point total = total_;
        async_connect(pool, conn, limits, total,
                      boost::asio::any_completion_handler<void(boost::system::error_code)>(std::move(self)));
    }

    template <class Self>
    void on_connected(Self& self, boost::system::error_code ec)
    {
        if (cancelled(self))
            return fail(self, boost::asio::error::operation_aborted);
        if (ec)
            return fail(self, ec);
        ++pool_->counters.opened;
        write(self);
    }

    template <class Self>
    void write(Self& self)
    {
        reused_ = conn_->requests > 0;
        if (reused_)
            ++pool_->counters.reused;
        if (serialized_.write_head)
            conn_->prepare_request(serialized_, pool_->options, unary());
        else
            conn_->prepare_request(*req_, pool_->options, unary());
        conn_->hold_tls_buffers(pool_->holds_tls_buffers(unary()));
        state_ = state::writing;
        boost::system::error_code ec;
        if (conn_->write_request_now(ec)) // no watchdog: the kernel takes it at once (see there)
            return on_written(self, ec);
        conn_->arm(limits_.idle, error::idle_timeout, total_);
        conn_->async_write_request(std::move(self));
    }

    template <class Self>
    void on_written(Self& self, boost::system::error_code ec)
    {
        if (cancelled(self))
            return fail(self, boost::asio::error::operation_aborted);
        if (ec)
            return retry_or_fail(self, conn_->translate(ec));
        read_head(self);
    }

    bool nothing_received() const noexcept { return conn_->rbuf.size() == 0 && !conn_->parser->got_some(); }

    template <class Self>
    void read_head(Self& self)
    {
        if (auto ec = conn_->parse_head())
            return fail(self, ec);
        if (conn_->parser->is_header_done())
            return on_head(self);
        if (nothing_received())
            conn_->arm(limits_.first_byte, error::first_byte_timeout, total_);
        else
            conn_->arm(limits_.idle, error::idle_timeout, total_);
        state_ = state::reading_head;
        conn_->async_fill(std::move(self));
    }

    template <class Self>
    void on_head_bytes(Self& self, boost::system::error_code ec, std::size_t n)
    {
        conn_->rbuf.commit(n);
        if (!ec)
            conn_->take_arrived_records();
        if (cancelled(self))
            return fail(self, boost::asio::error::operation_aborted);
        if (ec) {
            ec = conn_->translate(ec);
            if (ec == boost::asio::error::eof && !nothing_received())
                ec = conn_->on_eof(); // the head was cut short: partial_message
            return retry_or_fail(self, ec);
        }
        read_head(self);
    }

    template <class Self>
    void retry_or_fail(Self& self, boost::system::error_code ec)
    {
        // Only a reused connection that failed before any response byte: the server most likely
        // closed it while it idled, and never saw the request. Once, on a fresh connection.
        if (!reused_ || retried_ || !nothing_received() || !is_dead_connection_error(ec))
            return fail(self, ec);
        retried_ = true;
        ++pool_->counters.retried;
        conn_->close();
        conn_->leased = false;
        open(self); // keeps the slot
    }

    template <class Self>
    void on_head(Self& self)
    {
        auto& head = conn_->parser->get().base();
        if (unary()) {
            res_->base() = std::move(head);
            auto& body = res_->body();
            body.clear(); // keeps the capacity of a reused response object
            used_ = 0;
            if (auto length = conn_->parser->content_length(); length && *length > 0)
                body.resize(static_cast<std::size_t>(*length)); // the parser has checked the limit
            return read_body(self);
        }
        conn_->pause_deadline(); // until the first read: the caller may take its time
        stream() = response_stream(pool_, std::move(conn_), std::move(head), limits_.idle, total_);
        finish(self, {});
    }

    template <class Self>
    void read_body(Self& self)
    {
        auto& body = res_->body();
        while (!conn_->parser->is_done()) {
            if (used_ == body.size() && !grow(body))
                return fail(self, error::body_too_large);
            boost::system::error_code ec;
            used_ += conn_->parse_body(body.data() + used_, body.size() - used_, ec);
            if (ec)
                return fail(self, ec);
            if (conn_->parser->is_done())
                break;
            if (used_ < body.size() && !conn_->body_error_pending()) { // input used up: read more
                conn_->arm(limits_.idle, error::idle_timeout, total_);
                state_ = state::reading_body;
                conn_->async_fill(std::move(self));
                return;
            }
        }
        body.resize(used_);
        const bool reusable = conn_->reusable();
        pool_->release(std::move(conn_), reusable);
        finish(self, {});
    }

    // Room for a body of unknown length (chunked or ended by the close): the capacity a reused
    // response already has, then doubling, never past the limit the parser enforces.
    bool grow(std::string& body) const
    {
        const std::size_t limit = std::max<std::size_t>(pool_->options.max_body_size, 1);
        if (body.size() >= limit)
            return false;
        std::size_t size = body.size() < 4096 ? std::max<std::size_t>(4096, body.capacity()) : body.size() * 2;
        body.resize(std::min(size, limit));
        return true;
    }

    template <class Self>
    void on_body_bytes(Self& self, boost::system::error_code ec, std::size_t n)
    {
        conn_->rbuf.commit(n);
        if (!ec)
            conn_->take_arrived_records();
        if (cancelled(self))
            return fail(self, boost::asio::error::operation_aborted);
        if (ec) {
            const bool truncated = ec == boost::asio::ssl::error::stream_truncated;
            ec = conn_->translate(ec);
            if (ec != boost::asio::error::eof)
                return fail(self, ec);
            if (auto eof_ec = conn_->on_eof(truncated)) // complete only if the body ends with a clean close
                return fail(self, eof_ec);
        }
        read_body(self);
    }

    template <class Self>
    void fail(Self& self, boost::system::error_code ec)
    {
        if (conn_) {
            conn_->close();
            pool_->release(std::move(conn_), false);
        }
        if (cancelled(self))
            ec = boost::asio::error::operation_aborted;
        finish(self, ec);
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec)
    {
        ec_ = ec;
        if (!async_) { // still inside the initiating function: never complete inline
            state_ = state::posted;
            // To the I/O executor: Boost 1.81 cannot post to an any_completion_executor.
            boost::asio::post(self.get_io_executor(), std::move(self));
            return;
        }
        deliver(self);
    }

    template <class Self>
    void deliver(Self& self)
    {
        if constexpr (CompletesWithStream)
            self.complete(ec_, std::move(stream_));
        else
            self.complete(ec_);
    }

    bool unary() const noexcept { return res_ != nullptr; }

    response_stream& stream() noexcept
    {
        if constexpr (CompletesWithStream)
            return stream_;
        else
            return *stream_out_;
    }

    // Declared first, destroyed last: the waiter and the connection refer to the pool.
    std::shared_ptr<pool_impl> pool_;
    const request* req_ = nullptr; // the request: this, or the one serialized_ writes
    serialized_request serialized_;
    response* res_;                         // unary: the answer goes here
    response_stream* stream_out_ = nullptr; // streamed, completing without it: the stream goes here
    timeouts limits_;
    clock::time_point total_{};
    std::shared_ptr<connection> conn_;
    std::unique_ptr<waiter> waiter_;
    struct no_stream {};
    // Only where the stream is the completion's argument; nothing to move around with the op otherwise.
    [[no_unique_address]] std::conditional_t<CompletesWithStream, response_stream, no_stream> stream_;
    std::size_t used_ = 0;   // unary: body bytes in res_->body()
    boost::system::error_code ec_;
    state state_ = state::start;
    bool async_ = false;   // some step completed asynchronously: completing now is not inline
    bool reused_ = false;  // the current connection carried requests before
    bool retried_ = false; // the one retry is spent
};

} // namespace bedrock::http::detail

#endif
