#ifndef BEDROCK_HTTP_IMPL_CONNECTION_POOL_IPP
#define BEDROCK_HTTP_IMPL_CONNECTION_POOL_IPP

#include <bedrock/http/connection_pool.hpp>
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

/// The request an owned exchange keeps alive until it completes, whichever form it has.
using owned_request = std::variant<std::unique_ptr<request>, std::unique_ptr<serialized_request>>;

/// Both owned exchanges run this one instantiation of the exchange: only their requests differ.
inline void run_owned_exchange(exchange_op<true> op, owned_request owned, const boost::asio::any_io_executor& ex,
                               boost::asio::any_completion_handler<void(boost::system::error_code)> handler)
{
    auto token = boost::asio::consign(std::move(handler), std::move(owned));
    boost::asio::async_compose<decltype(token), void(boost::system::error_code)>(std::move(op), token, ex);
}

} // namespace detail

BEDROCK_DECL void connection_pool::async_exchange_owned(
    std::unique_ptr<request> req, response& res, const timeouts& limits,
    boost::asio::any_completion_handler<void(boost::system::error_code)> handler)
{
    detail::exchange_op<true> op(impl_, *req, &res, limits); // the request's address does not move with it
    detail::run_owned_exchange(std::move(op), std::move(req), impl_->ex, std::move(handler));
}

BEDROCK_DECL void connection_pool::async_exchange_serialized(
    std::unique_ptr<serialized_request> req, response& res, const timeouts& limits,
    boost::asio::any_completion_handler<void(boost::system::error_code)> handler)
{
    detail::exchange_op<true> op(impl_, *req, &res, limits);
    detail::run_owned_exchange(std::move(op), std::move(req), impl_->ex, std::move(handler));
}

BEDROCK_DECL pool_stats connection_pool::stats() const noexcept { return impl_->stats(); }

} // namespace bedrock::http

#endif
