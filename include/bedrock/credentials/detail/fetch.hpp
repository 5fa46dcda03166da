#ifndef BEDROCK_CREDENTIALS_DETAIL_FETCH_HPP
#define BEDROCK_CREDENTIALS_DETAIL_FETCH_HPP

// What every provider in credentials/ shares: the state a provider keeps between fetches (its
// executor and its last_error() text) and the way a fetch reports its result.
//
// The fetches are callback state machines, not coroutines, on purpose: gcc 12 transforms and emits
// the body of every non-template coroutine a translation unit parses, used or not, with everything
// it reaches (the pool's whole exchange, TLS and HTTP/1.1 parsing). In header-only mode that cost
// each user TU including <bedrock/client.hpp> about 6 s of CPU and 1 MB of object code; plain inline
// functions cost nothing until something calls them.

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace bedrock::auth::detail {

/// What a provider keeps between fetches; shared with the fetches in flight.
struct provider_state {
    boost::asio::any_io_executor executor;
    mutable std::mutex mutex;
    std::string last_error;

    void set_last_error(std::string why)
    {
        std::lock_guard lock(mutex);
        last_error = std::move(why);
    }
    std::string get_last_error() const
    {
        std::lock_guard lock(mutex);
        return last_error;
    }
};

/// How a fetch ended.
struct fetch_result {
    boost::system::error_code ec;
    credentials creds;
    std::string why; ///< for last_error(); never a secret
};

inline fetch_result fail(client_errc e, std::string why)
{
    return {make_error_code(e), {}, std::move(why)};
}

/// Ends a fetch: `why` becomes the provider's last_error(), and the caller's handler gets the rest,
/// posted (never from inside async_fetch).
inline void report(provider_state& st, credentials_handler handler, fetch_result r)
{
    st.set_last_error(std::move(r.why));
    complete_later(st.executor, std::move(handler), r.ec, std::move(r.creds));
}

/// A completion handler that resumes a fetch at one of its steps. Its type depends on the step's
/// arguments only, not on the fetch: the fetches that wait for the same kind of result (four
/// providers wait for an HTTP answer) hand the operations beneath one handler type, erased and
/// compiled once rather than once per provider.
template <class... Args>
struct resumer {
    std::shared_ptr<void> op; ///< keeps the fetch alive while the completion is pending
    void (*step)(void* op, Args... args);

    void operator()(Args... args) { step(op.get(), std::forward<Args>(args)...); }
};

/// One fetch in flight: `Derived` has a `start()` and ends by `report`ing. It lives as long as a
/// pending completion handler made by `resume` holds it.
template <class Derived, class State>
struct fetch_op : std::enable_shared_from_this<Derived> {
    std::shared_ptr<State> st;
    credentials_handler handler;

    fetch_op(std::shared_ptr<State> state, credentials_handler h) : st(std::move(state)), handler(std::move(h)) {}

    /// A completion handler that resumes this fetch at `Step`, one of its member functions.
    template <auto Step>
    auto resume()
    {
        return resume_at<Step>(Step);
    }

private:
    template <auto Step, class... Args>
    resumer<Args...> resume_at(void (Derived::*)(Args...))
    {
        return {this->shared_from_this(),
                [](void* op, Args... args) { (static_cast<Derived*>(op)->*Step)(std::forward<Args>(args)...); }};
    }
};

/// Starts a fetch on the provider's executor (its first step may already end it: never inline).
template <class Op, class State>
void launch(std::shared_ptr<State> st, credentials_handler handler)
{
    auto op = std::make_shared<Op>(std::move(st), std::move(handler));
    const auto executor = op->st->executor;
    boost::asio::post(executor, [op = std::move(op)] { op->start(); });
}

} // namespace bedrock::auth::detail

#endif
