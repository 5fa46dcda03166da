#ifndef BEDROCK_HTTP_DETAIL_EXECUTOR_BLIND_HPP
#define BEDROCK_HTTP_DETAIL_EXECUTOR_BLIND_HPP

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>

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

/// A handler whose executor may not be the I/O object's (a strand of the caller's, a future's):
/// the operation runs on the I/O object's executor, and this completes the handler through its own.
template <class Signature>
struct dispatch_back;

template <class... Args>
struct dispatch_back<void(Args...)> {
    boost::asio::any_completion_handler<void(Args...)> handler;
    boost::asio::any_io_executor io_executor;

    using cancellation_slot_type = boost::asio::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept { return handler.get_cancellation_slot(); }
    void operator()(Args... args)
    {
        const auto ex = boost::asio::get_associated_executor(handler, io_executor);
        boost::asio::dispatch(ex, boost::asio::append(std::move(handler), std::move(args)...));
    }
};

/// The one handler type the operations beneath see, whichever executor the caller's handler has:
/// as it is when that is the I/O object's (`on_io_executor`), otherwise through dispatch_back (one
/// allocation more). So those operations are instantiated once, not once per kind of caller.
template <class... Args>
executor_blind<void(Args...)> blind_handler(boost::asio::any_completion_handler<void(Args...)> handler,
                                            const boost::asio::any_io_executor& io_executor, bool on_io_executor)
{
    if (on_io_executor)
        return {std::move(handler)};
    return {boost::asio::any_completion_handler<void(Args...)>(
        dispatch_back<void(Args...)>{std::move(handler), io_executor})};
}

} // namespace bedrock::http::detail

#endif
