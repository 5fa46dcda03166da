#ifndef BEDROCK_AUTH_CREDENTIALS_PROVIDER_HPP
#define BEDROCK_AUTH_CREDENTIALS_PROVIDER_HPP

// Where credentials come from when they are not given in code: a provider fetches them (from a
// container endpoint, the instance metadata service, ...), a chain tries providers in order, and a
// cache hands out the last ones until shortly before they expire, fetching once for any number of
// concurrent callers.

#include <bedrock/auth/credentials.hpp>
#include <bedrock/detail/exceptions.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::auth {

using credentials_handler =
    boost::asio::any_completion_handler<void(boost::system::error_code, credentials)>;

/// A source of credentials. `async_fetch` completes with client_errc::no_credentials when the
/// source is not configured here (so that a chain moves on), with another error when it is
/// configured but failed (so that a chain stops and says why), or with the credentials.
class credentials_provider {
public:
    virtual ~credentials_provider() = default;
    virtual std::string_view name() const noexcept = 0;
    virtual void async_fetch(credentials_handler handler) = 0;
    /// Why the last fetch found nothing or failed, in words (never a secret); empty if it worked or
    /// the provider says nothing more than its error code.
    virtual std::string last_error() const { return {}; }
};

/// Always the same credentials.
class static_credentials_provider final : public credentials_provider {
public:
    static_credentials_provider(boost::asio::any_io_executor ex, credentials c)
        : executor_(std::move(ex)), credentials_(std::move(c))
    {
    }
    std::string_view name() const noexcept override { return "static"; }
    void async_fetch(credentials_handler handler) override;

private:
    boost::asio::any_io_executor executor_;
    credentials credentials_;
};

/// Tries providers in order: the first with credentials wins; one that is configured but fails
/// ends the search with its error. Needs at least one provider (std::invalid_argument otherwise).
class credentials_chain final : public credentials_provider {
public:
    explicit credentials_chain(std::vector<std::shared_ptr<credentials_provider>> providers)
        : providers_(std::move(providers))
    {
        if (providers_.empty())
            boost::throw_exception(std::invalid_argument("bedrock::auth::credentials_chain needs a provider"));
    }
    std::string_view name() const noexcept override { return "chain"; }
    void async_fetch(credentials_handler handler) override;
    /// "<provider>: <why>" for the provider that failed, or every provider's reason when none had
    /// credentials.
    std::string last_error() const override;

private:
    void try_from(std::size_t index, std::string reasons, credentials_handler handler);
    std::vector<std::shared_ptr<credentials_provider>> providers_;
    mutable std::mutex mutex_;
    std::string last_error_;
};

/// Caches a provider's credentials. Credentials without an expiration are kept forever; others are
/// refreshed once fewer than `refresh_margin` remain, so a request signed now is not received after
/// the expiry. Concurrent callers during a fetch share it. Thread-safe.
class credentials_cache : public std::enable_shared_from_this<credentials_cache> {
public:
    static constexpr std::chrono::minutes default_refresh_margin{5};

    credentials_cache(boost::asio::any_io_executor ex, std::shared_ptr<credentials_provider> provider,
                      std::chrono::seconds refresh_margin = default_refresh_margin)
        : executor_(std::move(ex)), provider_(std::move(provider)), margin_(refresh_margin)
    {
    }

    /// Completes with `void(error_code, credentials)`; never inline.
    template <class CompletionToken = boost::asio::deferred_t>
    auto async_get(CompletionToken&& token = {})
    {
        return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, credentials)>(
            [self = shared_from_this()](auto handler) { self->get(credentials_handler(std::move(handler))); },
            token);
    }

    /// Forgets the cached credentials (e.g. after the service said they expired).
    void invalidate();

    /// How many fetches the provider has served (for tests and diagnostics).
    std::size_t fetches() const;

    /// The provider's explanation of its last failure (see credentials_provider::last_error).
    std::string last_error() const { return provider_->last_error(); }

private:
    void get(credentials_handler handler);
    void on_fetched(boost::system::error_code ec, credentials c);

    boost::asio::any_io_executor executor_;
    std::shared_ptr<credentials_provider> provider_;
    std::chrono::seconds margin_;
    mutable std::mutex mutex_;
    std::optional<credentials> cached_;
    bool fetching_ = false;
    std::size_t fetches_ = 0;
    std::vector<credentials_handler> waiters_;
};

} // namespace bedrock::auth

#include <bedrock/auth/impl/credentials_provider.hpp>

#endif
