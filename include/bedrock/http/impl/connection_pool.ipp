#ifndef BEDROCK_HTTP_IMPL_CONNECTION_POOL_IPP
#define BEDROCK_HTTP_IMPL_CONNECTION_POOL_IPP

#include <bedrock/http/connection_pool.hpp>
#include <bedrock/http/detail/executor_blind.hpp>
#include <bedrock/http/detail/pool.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/consign.hpp>

#include <memory>
#include <variant>

namespace bedrock::http {

BEDROCK_DECL connection_pool::connection_pool(executor_type ex, const endpoint& target, pool_options options)
    : impl_(std::make_shared<detail::pool_impl>(std::move(ex), target, std::move(options)))
{
}

BEDROCK_DECL connection_pool::connection_pool(executor_type ex, std::string_view url, pool_options options)
    : impl_(std::make_shared<detail::pool_impl>(std::move(ex), parse_endpoint(url), std::move(options)))
{
}

BEDROCK_DECL connection_pool::~connection_pool()
{
    if (impl_)
        impl_->close();
}

BEDROCK_DECL connection_pool::executor_type connection_pool::get_executor() const noexcept { return impl_->ex; }

BEDROCK_DECL const endpoint& connection_pool::target() const noexcept { return impl_->target; }

BEDROCK_DECL void connection_pool::close() { impl_->close(); }

namespace detail {

/// The request an owned exchange keeps alive until it completes (none: a serialized request is its
/// caller's).
using owned_request = std::variant<std::monostate, std::unique_ptr<request>>;

/// What an owned exchange completes: a handler that shows the exchange only its cancellation slot,
/// so that the exchange runs on the pool's executor (six allocations fewer per unary call).
using pool_side_handler = executor_blind<void(boost::system::error_code)>;

/// The pool's erased exchanges (unary, serialized, stream opens) all run this one instantiation of
/// the exchange: only their requests and where the answer goes differ.
inline void run_owned_exchange(exchange_op<false> op, owned_request owned, const boost::asio::any_io_executor& ex,
                               pool_side_handler handler)
{
    auto token = boost::asio::consign(std::move(handler), std::move(owned));
    boost::asio::async_compose<decltype(token), void(boost::system::error_code)>(std::move(op), token, ex);
}

} // namespace detail

BEDROCK_DECL void connection_pool::async_exchange_owned(
    std::unique_ptr<request> req, response& res, const timeouts& limits,
    boost::asio::any_completion_handler<void(boost::system::error_code)> handler)
{
    detail::exchange_op<false> op(impl_, *req, &res, limits); // the request's address does not move with it
    detail::run_owned_exchange(std::move(op), std::move(req), impl_->ex,
                               detail::blind_handler(std::move(handler), impl_->ex, false));
}

BEDROCK_DECL void connection_pool::async_exchange_serialized(
    const serialized_request& req, response& res, const timeouts& limits,
    boost::asio::any_completion_handler<void(boost::system::error_code)> handler, bool handler_on_pool_executor)
{
    detail::exchange_op<false> op(impl_, req, &res, limits);
    detail::run_owned_exchange(std::move(op), std::monostate{}, impl_->ex,
                               detail::blind_handler(std::move(handler), impl_->ex, handler_on_pool_executor));
}

BEDROCK_DECL void connection_pool::async_open_owned(
    std::unique_ptr<request> req, response_stream& out, const timeouts& limits,
    boost::asio::any_completion_handler<void(boost::system::error_code)> handler)
{
    detail::exchange_op<false> op(impl_, *req, nullptr, limits, &out);
    detail::run_owned_exchange(std::move(op), std::move(req), impl_->ex,
                               detail::blind_handler(std::move(handler), impl_->ex, false));
}

BEDROCK_DECL pool_stats connection_pool::stats() const noexcept { return impl_->stats(); }

} // namespace bedrock::http

#endif
