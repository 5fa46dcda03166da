#ifndef BEDROCK_HTTP_IMPL_CONNECT_OP_IPP
#define BEDROCK_HTTP_IMPL_CONNECT_OP_IPP

#include <bedrock/http/impl/connect_op.hpp>

#include <boost/asio/compose.hpp>

namespace bedrock::http::detail {

BEDROCK_DECL void async_connect(pool_impl& pool, connection& conn, const timeouts& limits, clock::time_point total,
                                boost::asio::any_completion_handler<void(boost::system::error_code)> handler)
{
    boost::asio::async_compose<decltype(handler), void(boost::system::error_code)>(
        connect_op(pool, conn, limits, total), handler, pool.ex);
}

} // namespace bedrock::http::detail

#endif
