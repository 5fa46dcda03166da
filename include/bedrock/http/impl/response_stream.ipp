#ifndef BEDROCK_HTTP_IMPL_RESPONSE_STREAM_IPP
#define BEDROCK_HTTP_IMPL_RESPONSE_STREAM_IPP

#include <bedrock/http/detail/connection.hpp>
#include <bedrock/http/detail/pool.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/http/response_stream.hpp>

namespace bedrock::http {

BEDROCK_DECL response_stream::response_stream(std::shared_ptr<detail::pool_impl> pool,
                                              std::shared_ptr<detail::connection> conn, response_head&& head,
                                              std::chrono::milliseconds idle,
                                              std::chrono::steady_clock::time_point total_deadline) noexcept
    : ex_(pool->ex), pool_(std::move(pool)), conn_(std::move(conn)), head_(std::move(head)), idle_(idle),
      total_deadline_(total_deadline)
{
    conn_->owner = this;
}

BEDROCK_DECL response_stream::response_stream(response_stream&& other) noexcept
    : ex_(std::move(other.ex_)), pool_(std::move(other.pool_)), conn_(std::move(other.conn_)),
      head_(std::move(other.head_)), idle_(other.idle_), total_deadline_(other.total_deadline_),
      done_(other.done_)
{
    if (conn_)
        conn_->owner = this;
}

BEDROCK_DECL response_stream& response_stream::operator=(response_stream&& other) noexcept
{
    if (this != &other) {
        close();
        ex_ = std::move(other.ex_);
        pool_ = std::move(other.pool_);
        conn_ = std::move(other.conn_);
        head_ = std::move(other.head_);
        idle_ = other.idle_;
        total_deadline_ = other.total_deadline_;
        done_ = other.done_;
        if (conn_)
            conn_->owner = this;
    }
    return *this;
}

BEDROCK_DECL response_stream::~response_stream() { close(); }

BEDROCK_DECL bool response_stream::holds_tls_buffers() const noexcept
{
    return conn_ && conn_->holds_tls_buffers();
}

BEDROCK_DECL void response_stream::close() noexcept
{
    if (!conn_)
        return;
    // A body that happens to be complete (say Content-Length: 0, or the last bytes already parsed)
    // may go back to the pool; anything else is closed.
    const bool reusable = !conn_->reading && conn_->reusable();
    done_ = done_ || conn_->parser->is_done();
    conn_->owner = nullptr;
    if (!reusable)
        conn_->close(); // a pending read completes with operation_aborted
    pool_->release(std::move(conn_), reusable);
}

BEDROCK_DECL std::size_t response_stream::read_buffered(boost::asio::mutable_buffer buffer,
                                                       boost::system::error_code& ec)
{
    ec = {};
    if (!conn_) {
        if (done_)
            ec = error::end_of_stream;
        return 0; // closed: the read reports it
    }
    if (conn_->reading || buffer.size() == 0 || conn_->rbuf.size() == 0)
        return 0;
    const std::size_t n = conn_->parse_body(static_cast<char*>(buffer.data()), buffer.size(), ec);
    if (ec) {
        fail();
        return 0;
    }
    if (n == 0 && conn_->parser->is_done()) {
        finish_body(); // the read that reports the end gives the connection back to the pool
        ec = error::end_of_stream;
    }
    return n;
}

BEDROCK_DECL void response_stream::abandon() noexcept
{
    if (conn_)
        fail(); // a pending read completes with operation_aborted
}

BEDROCK_DECL void response_stream::finish_body() noexcept
{
    done_ = true;
    const bool reusable = conn_->reusable();
    conn_->owner = nullptr;
    pool_->release(std::move(conn_), reusable);
}

BEDROCK_DECL void response_stream::fail() noexcept
{
    conn_->owner = nullptr;
    conn_->close();
    pool_->release(std::move(conn_), false);
}

} // namespace bedrock::http

#endif
