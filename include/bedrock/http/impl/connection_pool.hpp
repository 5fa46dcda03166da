#ifndef BEDROCK_HTTP_IMPL_CONNECTION_POOL_HPP
#define BEDROCK_HTTP_IMPL_CONNECTION_POOL_HPP

#include <bedrock/http/connection_pool.hpp>
#include <bedrock/http/impl/exchange_op.hpp>

#include <boost/asio/compose.hpp>

namespace bedrock::http {

template <class Token>
auto connection_pool::async_exchange(const request& req, response& res, const timeouts& limits, Token&& token)
{
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        detail::exchange_op<false>(impl_, req, &res, limits), token, impl_->ex);
}

template <class Token>
auto connection_pool::async_open(const request& req, const timeouts& limits, Token&& token)
{
    return boost::asio::async_compose<Token, void(boost::system::error_code, response_stream)>(
        detail::exchange_op<true>(impl_, req, nullptr, limits), token, impl_->ex);
}

} // namespace bedrock::http

#endif
