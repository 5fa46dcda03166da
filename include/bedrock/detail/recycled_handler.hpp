#ifndef BEDROCK_DETAIL_RECYCLED_HANDLER_HPP
#define BEDROCK_DETAIL_RECYCLED_HANDLER_HPP

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/recycling_allocator.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace bedrock::detail {

/// An operation's intermediate handler (a composed operation's `self`) as it is handed to a
/// type-erased interface: when it brings no allocator of its own, bound to Asio's per-thread
/// recycling allocator (bind_allocator keeps its executor and cancellation slot), so that the
/// erased copy (any_completion_handler) is not a malloc per read of a stream's body.
template <class Handler>
auto recycled(Handler&& h)
{
    using handler_type = std::decay_t<Handler>;
    if constexpr (std::is_same_v<boost::asio::associated_allocator_t<handler_type>, std::allocator<void>>)
        return boost::asio::bind_allocator(boost::asio::recycling_allocator<void>(), std::forward<Handler>(h));
    else
        return handler_type(std::forward<Handler>(h));
}

} // namespace bedrock::detail

#endif
