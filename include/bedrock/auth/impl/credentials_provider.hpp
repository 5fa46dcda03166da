#ifndef BEDROCK_AUTH_IMPL_CREDENTIALS_PROVIDER_HPP
#define BEDROCK_AUTH_IMPL_CREDENTIALS_PROVIDER_HPP

#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/error.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

namespace bedrock::auth {
namespace detail {

// Completes a type-erased handler on its own executor (or `fallback`), never inline.
inline void complete_later(const boost::asio::any_io_executor& fallback, credentials_handler handler,
                           boost::system::error_code ec, credentials c)
{
    // post() through `fallback` hands over to the handler's associated executor, if it has one.
    boost::asio::post(fallback, boost::asio::append(std::move(handler), ec, std::move(c)));
}

} // namespace detail

inline void static_credentials_provider::async_fetch(credentials_handler handler)
{
    if (credentials_.complete())
        detail::complete_later(executor_, std::move(handler), {}, credentials_);
    else
        detail::complete_later(executor_, std::move(handler), client_errc::no_credentials, {});
}

inline void credentials_chain::async_fetch(credentials_handler handler) { try_from(0, {}, std::move(handler)); }

inline void credentials_chain::try_from(std::size_t index, std::string reasons, credentials_handler handler)
{
    if (index == providers_.size()) {
        // Every provider said "not here". Reached from a provider's completion, so not inline.
        {
            std::lock_guard lock(mutex_);
            last_error_ = std::move(reasons);
        }
        std::move(handler)(make_error_code(client_errc::no_credentials), credentials{});
        return;
    }
    providers_[index]->async_fetch([this, index, reasons = std::move(reasons),
                                    h = std::move(handler)](boost::system::error_code ec, credentials c) mutable {
        const auto& provider = *providers_[index];
        if (ec) {
            std::string why = std::string(provider.name()) + ": ";
            const std::string detail = provider.last_error();
            why += detail.empty() ? ec.message() : detail;
            if (ec == client_errc::no_credentials) {
                if (!reasons.empty())
                    reasons += "; ";
                reasons += why;
                return try_from(index + 1, std::move(reasons), std::move(h));
            }
            std::lock_guard lock(mutex_);
            last_error_ = std::move(why);
        } else {
            std::lock_guard lock(mutex_);
            last_error_.clear();
        }
        std::move(h)(ec, std::move(c));
    });
}

inline std::string credentials_chain::last_error() const
{
    std::lock_guard lock(mutex_);
    return last_error_;
}

inline void credentials_cache::get(credentials_handler handler)
{
    std::unique_lock lock(mutex_);
    if (cached_ && !cached_->expires_before(std::chrono::system_clock::now(), margin_)) {
        credentials c = *cached_;
        lock.unlock();
        detail::complete_later(executor_, std::move(handler), {}, std::move(c));
        return;
    }
    waiters_.push_back(std::move(handler));
    if (fetching_)
        return;
    fetching_ = true;
    ++fetches_;
    lock.unlock();
    provider_->async_fetch(boost::asio::bind_executor(
        executor_, [self = shared_from_this()](boost::system::error_code ec, credentials c) {
            self->on_fetched(ec, std::move(c));
        }));
}

inline void credentials_cache::on_fetched(boost::system::error_code ec, credentials c)
{
    std::vector<credentials_handler> waiters;
    {
        std::lock_guard lock(mutex_);
        fetching_ = false;
        waiters.swap(waiters_);
        if (!ec && c.expires_before(std::chrono::system_clock::now()))
            ec = client_errc::credentials_expired;
        if (!ec)
            cached_ = c;
    }
    for (auto& w : waiters)
        detail::complete_later(executor_, std::move(w), ec, c);
}

inline void credentials_cache::invalidate()
{
    std::lock_guard lock(mutex_);
    cached_.reset();
}

inline std::size_t credentials_cache::fetches() const
{
    std::lock_guard lock(mutex_);
    return fetches_;
}

} // namespace bedrock::auth

#endif
