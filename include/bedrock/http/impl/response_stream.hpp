#ifndef BEDROCK_HTTP_IMPL_RESPONSE_STREAM_HPP
#define BEDROCK_HTTP_IMPL_RESPONSE_STREAM_HPP

#include <bedrock/http/detail/connection.hpp>
#include <bedrock/http/detail/pool.hpp>
#include <bedrock/http/impl/connect_op.hpp>
#include <bedrock/http/response_stream.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/system_executor.hpp>

namespace bedrock::http::detail {

/// response_stream::async_read_some. Reads the stream object only in the initiating function;
/// afterwards it goes through the connection's `owner` back-pointer (kept current by the stream's
/// moves, cleared by its close), so the stream may be moved or destroyed while a read is pending.
class read_op {
public:
    // Everything needed from the stream is taken now, in the initiating function: once the op runs
    // (maybe later, on the stream's executor) the stream may have been moved.
    read_op(response_stream& stream, boost::asio::mutable_buffer buffer) noexcept
        : buffer_(buffer), conn_(stream.conn_), idle_(stream.idle_), total_(stream.total_deadline_),
          lease_(conn_ ? conn_->requests : 0), was_done_(stream.done_)
    {
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0)
    {
        switch (state_) {
        case state::start:
            self.reset_cancellation_state(boost::asio::enable_partial_cancellation(), partial_as_terminal{});
            // Like the pool's operations: a read started from another thread moves to the
            // stream's executor first.
            state_ = state::dispatched;
            if (!running_in_this_thread(self.get_io_executor()))
                return boost::asio::dispatch(self.get_io_executor(), std::move(self));
            [[fallthrough]];
        case state::dispatched:
            if (!conn_)
                return finish(self, was_done_ ? error::end_of_stream : error::stream_closed);
            // Closed since the call (the connection may even carry another request by now).
            if (!conn_->owner || conn_->requests != lease_) {
                conn_.reset();
                return finish(self, error::stream_closed);
            }
            if (conn_->reading) { // leave the pending read alone
                conn_.reset();
                return finish(self, error::read_in_progress);
            }
            conn_->reading = true;
            if (buffer_.size() == 0)
                return done(self, {});
            return step(self);
        case state::reading:
            async_ = true;
            conn_->rbuf.commit(n);
            if (!ec)
                conn_->take_arrived_records();
            if (self.cancelled() != boost::asio::cancellation_type::none)
                return done(self, boost::asio::error::operation_aborted);
            if (ec) {
                const bool truncated = ec == boost::asio::ssl::error::stream_truncated;
                ec = conn_->translate(ec);
                if (ec == boost::asio::error::eof)
                    ec = conn_->on_eof(truncated); // fine if the body ends with a clean close
                if (ec)
                    return done(self, ec);
            }
            return step(self);
        case state::posted: return deliver(self);
        }
    }

private:
    enum class state { start, dispatched, reading, posted };

    template <class Self>
    void step(Self& self)
    {
        boost::system::error_code ec;
        n_ = conn_->parse_body(static_cast<char*>(buffer_.data()), buffer_.size(), ec);
        if (ec || n_ > 0 || conn_->parser->is_done())
            return done(self, ec);
        if (!conn_->owner) // closed meanwhile
            return done(self, boost::asio::error::operation_aborted);
        conn_->arm(idle_, error::idle_timeout, total_);
        state_ = state::reading;
        conn_->async_fill(std::move(self));
    }

    template <class Self>
    void done(Self& self, boost::system::error_code ec)
    {
        conn_->pause_deadline(); // between reads nothing times out
        response_stream* owner = conn_->owner;
        if (!ec && n_ == 0 && conn_->parser->is_done()) {
            // The read that reports the end gives the connection back to the pool; one that still
            // returns bytes keeps it, so that a caller who cannot use them can still abandon it.
            if (owner)
                owner->finish_body();
            ec = error::end_of_stream;
            conn_.reset();
        } else if (ec) {
            if (owner)
                owner->fail();
            else if (ec != error::end_of_stream)
                ec = boost::asio::error::operation_aborted; // the stream was closed under us
            conn_.reset();
        }
        finish(self, ec);
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec)
    {
        ec_ = ec;
        if (!async_) { // data that was already buffered: complete through a post, never inline
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
        if (conn_) // still the stream's connection: the read is over
            conn_->reading = false;
        conn_.reset();
        self.complete(ec_, ec_ ? std::size_t{0} : n_);
    }

    boost::asio::mutable_buffer buffer_;
    std::shared_ptr<connection> conn_;
    std::chrono::milliseconds idle_{};
    clock::time_point total_{};
    std::size_t lease_;   // the connection's request count when the read was started
    bool was_done_;
    std::size_t n_ = 0;
    boost::system::error_code ec_;
    state state_ = state::start;
    bool async_ = false;
};

} // namespace bedrock::http::detail

namespace bedrock::http {

template <class Token>
auto response_stream::async_read_some(boost::asio::mutable_buffer buffer, Token&& token)
{
    executor_type ex = ex_ ? ex_ : executor_type(boost::asio::system_executor());
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        detail::read_op(*this, buffer), token, std::move(ex));
}

} // namespace bedrock::http

#endif
