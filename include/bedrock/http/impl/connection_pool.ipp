#ifndef BEDROCK_HTTP_IMPL_CONNECTION_POOL_IPP
#define BEDROCK_HTTP_IMPL_CONNECTION_POOL_IPP

#include <bedrock/http/connection_pool.hpp>
#include <bedrock/http/detail/pool.hpp>

#include <boost/asio/consign.hpp>

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

BEDROCK_DECL void connection_pool::async_exchange_owned(
    std::unique_ptr<request> req, response& res, const timeouts& limits,
    boost::asio::any_completion_handler<void(boost::system::error_code)> handler)
{
    auto& ref = *req;
    async_exchange(ref, res, limits, boost::asio::consign(std::move(handler), std::move(req)));
}

BEDROCK_DECL pool_stats connection_pool::stats() const noexcept { return impl_->stats(); }

} // namespace bedrock::http

#endif
