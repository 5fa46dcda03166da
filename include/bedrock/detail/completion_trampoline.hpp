#ifndef BEDROCK_DETAIL_COMPLETION_TRAMPOLINE_HPP
#define BEDROCK_DETAIL_COMPLETION_TRAMPOLINE_HPP

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/recycling_allocator.hpp>

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace bedrock::detail {

/// Completes a stream operation that was ready at once (its event already buffered) without a trip
/// through the event loop, when that is allowed.
///
/// Asio's rule is that a handler never runs inside its initiating function, so such a completion is
/// normally posted, and every post costs a pass of the scheduler over the reactor (one epoll_wait)
/// before the handler runs: one system call per event for a caller that reads a buffered burst
/// with `next()`. But that caller starts each `next()` from inside the previous one's completion
/// handler (a callback loop, or a coroutine resumed by it). While such a handler runs, a trampoline
/// is open for its stream on this thread; an operation of the same stream that is ready at once
/// parks its continuation there instead of posting it, and the trampoline runs it once the handler
/// has returned. So the handler still runs after its initiating function returned, on the same
/// thread and in the same executor context as the handler before it (a continuation whose handler
/// has another associated executor, another strand say, is posted as before), and without
/// recursion: the continuation's own completion finds the trampoline open and leaves the next one
/// parked for the same loop.
///
/// A trampoline runs at most `max_inline` continuations before posting the rest, so that one
/// stream with a full buffer does not keep other work on the io_context waiting; what is still
/// parked when it closes (a handler threw, or the limit was reached) is posted.
class completion_trampoline {
public:
    static constexpr int max_inline = 32;

    /// Opens the trampoline of `stream` on this thread around the completion of a handler whose
    /// associated executor is `handler_executor`, unless one is open already (the operation
    /// completing now was itself run by a trampoline): then this one does nothing.
    template <class Executor>
    completion_trampoline(const void* stream, const Executor& handler_executor) : outer_(current())
    {
        // An executor that any_io_executor cannot hold is not compared: its completions are posted.
        if constexpr (std::is_constructible_v<boost::asio::any_io_executor, const Executor&>) {
            if (!stream || (outer_ && outer_->stream_ == stream))
                return;
            stream_ = stream;
            executor_ = handler_executor;
            current() = this;
            open_ = true;
        }
    }

    completion_trampoline(const completion_trampoline&) = delete;
    completion_trampoline& operator=(const completion_trampoline&) = delete;

    ~completion_trampoline()
    {
        if (!open_)
            return;
        current() = outer_;
        if (parked_) { // out of this frame's storage first: it is about to go
            parked_base* p = parked_.release();
            p->post_to(p, executor_);
        }
    }

    /// Runs what the completed handler started and parked, up to the limit.
    void run_parked()
    {
        for (int n = 0; open_ && parked_ && n < max_inline; ++n)
            run(std::move(parked_));
    }

    /// True if a trampoline of `stream` is open on this thread, has room, and runs handlers in the
    /// context of `handler_executor`: then `park` may be called.
    template <class Executor>
    static bool can_park(const void* stream, const Executor& handler_executor)
    {
        const completion_trampoline* t = current();
        if (!t || !stream || t->stream_ != stream || t->parked_)
            return false;
        if constexpr (std::is_same_v<Executor, boost::asio::any_io_executor>)
            return t->executor_ == handler_executor;
        else if constexpr (std::is_constructible_v<boost::asio::any_io_executor, const Executor&>)
            return t->executor_ == boost::asio::any_io_executor(handler_executor);
        else
            return false;
    }

    /// Leaves a ready operation to the open trampoline (can_park() was true); it will be called
    /// with no arguments. Kept in the trampoline's own storage (on the stack of the completion that
    /// opened it) when it fits, so that a loop over buffered events allocates nothing.
    template <class Operation>
    static void park(Operation&& op)
    {
        using stored = parked<std::decay_t<Operation>>;
        completion_trampoline& t = *current();
        // An operation's move does not throw.
        if constexpr (sizeof(stored) <= inline_storage && alignof(stored) <= alignof(std::max_align_t)) {
            t.parked_.reset(::new (static_cast<void*>(t.storage_)) stored(std::forward<Operation>(op), true));
        } else {
            typename stored::allocator alloc;
            stored* p = std::allocator_traits<typename stored::allocator>::allocate(alloc, 1);
            t.parked_.reset(::new (static_cast<void*>(p)) stored(std::forward<Operation>(op), false));
        }
    }

private:
    // A parked operation, type-erased without any_completion_handler: Boost 1.81's cannot be
    // moved (its converting constructor takes itself and wraps itself forever).
    struct parked_base {
        void (*run_and_free)(parked_base*);
        void (*discard)(parked_base*) noexcept;
        void (*post_to)(parked_base*, const boost::asio::any_io_executor&);
    };

    template <class Operation>
    struct parked : parked_base {
        // Asio's own per-thread cache of recently freed blocks, as its post() uses: no malloc per
        // event once a stream is running.
        using allocator = boost::asio::recycling_allocator<parked>;

        parked(Operation&& o, bool in_place)
            : parked_base{&run_and_free_impl, &discard_impl, &post_to_impl}, op(std::move(o)), inline_(in_place)
        {
        }

        static void destroy(parked* p) noexcept
        {
            const bool in_place = p->inline_;
            p->~parked();
            if (!in_place) {
                allocator alloc;
                std::allocator_traits<allocator>::deallocate(alloc, p, 1);
            }
        }
        // Moves the operation out and frees its block, before the operation runs (it may park the
        // next one in the same storage).
        static Operation take(parked_base* base)
        {
            auto* p = static_cast<parked*>(base);
            Operation op(std::move(p->op));
            destroy(p);
            return op;
        }
        static void discard_impl(parked_base* base) noexcept { destroy(static_cast<parked*>(base)); }
        static void post_to_impl(parked_base* base, const boost::asio::any_io_executor& ex)
        {
            boost::asio::post(ex, [op = take(base)]() mutable { std::move(op)(); });
        }
        static void run_and_free_impl(parked_base* base) { take(base)(); }

        Operation op;
        bool inline_;
    };

    struct discard_parked {
        void operator()(parked_base* p) const noexcept { p->discard(p); }
    };
    using parked_ptr = std::unique_ptr<parked_base, discard_parked>;

    static void run(parked_ptr next)
    {
        parked_base* p = next.release();
        p->run_and_free(p);
    }

    static completion_trampoline*& current() noexcept
    {
        static thread_local completion_trampoline* open = nullptr;
        return open;
    }

    static constexpr std::size_t inline_storage = 1024;

    alignas(std::max_align_t) unsigned char storage_[inline_storage];
    const void* stream_ = nullptr;
    boost::asio::any_io_executor executor_;
    completion_trampoline* outer_;
    parked_ptr parked_;
    bool open_ = false;
};

} // namespace bedrock::detail

#endif
