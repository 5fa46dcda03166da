#ifndef BEDROCK_HTTP_DETAIL_EXECUTOR_BLIND_HPP
#define BEDROCK_HTTP_DETAIL_EXECUTOR_BLIND_HPP

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <utility>

namespace bedrock::http::detail {

/// An erased handler as the Asio operations beneath it see it when it may run on their I/O
/// object's executor: its cancellation slot, and neither its executor nor its allocator. Asked for
/// its executor, an erased handler wraps the one it has in an any_completion_executor, which an
/// any_io_executor does not fit without the heap: an allocation per socket operation and per level
/// of erasure. Used where the caller's handler runs on that executor anyway (a stream's body reads,
/// a unary exchange: transport::same_executor), or is dispatched back to its own at the end.
template <class Signature>
struct executor_blind;

template <class... Args>
struct executor_blind<void(Args...)> {
    boost::asio::any_completion_handler<void(Args...)> h;

    using cancellation_slot_type = boost::asio::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept { return h.get_cancellation_slot(); }
    void operator()(Args... args) { std::move(h)(std::move(args)...); }
};

} // namespace bedrock::http::detail

#endif
