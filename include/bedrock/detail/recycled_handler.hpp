#ifndef BEDROCK_DETAIL_RECYCLED_HANDLER_HPP
#define BEDROCK_DETAIL_RECYCLED_HANDLER_HPP

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/recycling_allocator.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace bedrock::detail {

/// An operation's intermediate handler (a composed operation's `self`) as it is handed to a
/// type-erased interface: the same executor and cancellation slot, and, when the handler brings no
/// allocator of its own, Asio's per-thread recycling allocator, so that the erased copy
/// (any_completion_handler) is not a malloc per read of a stream's body.
template <class Handler>
struct recycled_handler {
    Handler handler;

    using executor_type = boost::asio::associated_executor_t<Handler>;
    executor_type get_executor() const noexcept { return boost::asio::get_associated_executor(handler); }

    using cancellation_slot_type = boost::asio::associated_cancellation_slot_t<Handler>;
    cancellation_slot_type get_cancellation_slot() const noexcept
    {
        return boost::asio::get_associated_cancellation_slot(handler);
    }

    using own_allocator = boost::asio::associated_allocator_t<Handler>;
    using allocator_type = std::conditional_t<std::is_same_v<own_allocator, std::allocator<void>>,
                                              boost::asio::recycling_allocator<void>, own_allocator>;
    allocator_type get_allocator() const noexcept
    {
        if constexpr (std::is_same_v<own_allocator, std::allocator<void>>)
            return {};
        else
            return boost::asio::get_associated_allocator(handler);
    }

    template <class... Args>
    void operator()(Args&&... args)
    {
        std::move(handler)(std::forward<Args>(args)...);
    }
};

template <class Handler>
recycled_handler<std::decay_t<Handler>> recycled(Handler&& h)
{
    return {std::forward<Handler>(h)};
}

} // namespace bedrock::detail

#endif
