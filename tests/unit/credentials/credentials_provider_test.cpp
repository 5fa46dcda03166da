#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <catch2/catch.hpp>

namespace credentials_provider_test {

namespace asio = boost::asio;
using bedrock::auth::credentials;

namespace {

// A provider that answers after a short timer, with what the test tells it, and counts calls.
class scripted_provider final : public bedrock::auth::credentials_provider {
public:
    scripted_provider(asio::io_context& io, boost::system::error_code ec, credentials c)
        : ec_(ec), credentials_(std::move(c)), io_(io)
    {
    }
    std::string_view name() const noexcept override { return "scripted"; }
    void async_fetch(bedrock::auth::credentials_handler handler) override
    {
        ++calls;
        auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(5));
        timer->async_wait([timer, h = std::move(handler), ec = ec_, c = credentials_](auto) mutable {
            std::move(h)(ec, c);
        });
    }
    int calls = 0;
    boost::system::error_code ec_;
    credentials credentials_;

private:
    asio::io_context& io_;
};

credentials keys(std::string id, std::optional<std::chrono::system_clock::time_point> expiration = {})
{
    return {std::move(id), "secret", std::string("token"), expiration};
}

} // namespace

TEST_CASE("credentials cache: one fetch for concurrent callers, reuse until near expiry")
{
    asio::io_context io;
    auto provider = std::make_shared<scripted_provider>(io, boost::system::error_code{},
                                                        keys("AKID1", std::chrono::system_clock::now() + std::chrono::hours(1)));
    auto cache = std::make_shared<bedrock::auth::credentials_cache>(io.get_executor(), provider);

    int completed = 0;
    for (int i = 0; i < 10; ++i)
        cache->async_get([&](boost::system::error_code ec, credentials c) {
            CHECK_FALSE(ec);
            CHECK(c.access_key_id == "AKID1");
            ++completed;
        });
    CHECK(completed == 0); // never inline
    io.run();
    CHECK(completed == 10);
    CHECK(provider->calls == 1);

    // Cached: no new fetch.
    io.restart();
    cache->async_get([&](boost::system::error_code ec, credentials) { CHECK_FALSE(ec); ++completed; });
    io.run();
    CHECK(completed == 11);
    CHECK(provider->calls == 1);

    // Within the refresh margin: fetched again.
    provider->credentials_ = keys("AKID2", std::chrono::system_clock::now() + std::chrono::hours(2));
    auto soon = std::make_shared<scripted_provider>(io, boost::system::error_code{},
                                                    keys("AKID3", std::chrono::system_clock::now() + std::chrono::minutes(2)));
    auto short_lived = std::make_shared<bedrock::auth::credentials_cache>(io.get_executor(), soon);
    io.restart();
    short_lived->async_get([](auto, auto) {});
    io.run();
    io.restart();
    short_lived->async_get([](auto, auto) {});
    io.run();
    CHECK(soon->calls == 2);

    cache->invalidate();
    io.restart();
    std::string id;
    cache->async_get([&](boost::system::error_code, credentials c) { id = c.access_key_id; });
    io.run();
    CHECK(id == "AKID2");
    CHECK(cache->fetches() == 2);
}

TEST_CASE("credentials cache: failures are not cached, expired answers are refused")
{
    asio::io_context io;
    auto provider = std::make_shared<scripted_provider>(io, bedrock::client_errc::credentials_provider_failed,
                                                        credentials{});
    auto cache = std::make_shared<bedrock::auth::credentials_cache>(io.get_executor(), provider);
    boost::system::error_code got;
    cache->async_get([&](boost::system::error_code ec, credentials) { got = ec; });
    io.run();
    CHECK(got == bedrock::client_errc::credentials_provider_failed);

    provider->ec_ = {};
    provider->credentials_ = keys("OLD", std::chrono::system_clock::now() - std::chrono::minutes(1));
    io.restart();
    cache->async_get([&](boost::system::error_code ec, credentials) { got = ec; });
    io.run();
    CHECK(got == bedrock::client_errc::credentials_expired);
    CHECK(provider->calls == 2);
}

TEST_CASE("credentials chain: skips unconfigured sources, stops at a failing one")
{
    asio::io_context io;
    auto none = std::make_shared<scripted_provider>(io, bedrock::client_errc::no_credentials, credentials{});
    auto good = std::make_shared<scripted_provider>(io, boost::system::error_code{}, keys("AKIDCHAIN"));
    auto broken = std::make_shared<scripted_provider>(io, bedrock::client_errc::credentials_provider_failed,
                                                      credentials{});
    bedrock::auth::credentials_chain chain({none, good, broken});
    std::string id;
    chain.async_fetch([&](boost::system::error_code ec, credentials c) {
        CHECK_FALSE(ec);
        id = c.access_key_id;
    });
    io.run();
    CHECK(id == "AKIDCHAIN");
    CHECK(broken->calls == 0);

    bedrock::auth::credentials_chain failing({none, broken, good});
    boost::system::error_code got;
    io.restart();
    failing.async_fetch([&](boost::system::error_code ec, credentials) { got = ec; });
    io.run();
    CHECK(got == bedrock::client_errc::credentials_provider_failed);
    CHECK(good->calls == 1);

    bedrock::auth::credentials_chain empty({none, none});
    io.restart();
    empty.async_fetch([&](boost::system::error_code ec, credentials) { got = ec; });
    io.run();
    CHECK(got == bedrock::client_errc::no_credentials);

    bedrock::auth::static_credentials_provider fixed(io.get_executor(), keys("STATIC"));
    io.restart();
    fixed.async_fetch([&](boost::system::error_code ec, credentials c) {
        got = ec;
        id = c.access_key_id;
    });
    io.run();
    CHECK_FALSE(got);
    CHECK(id == "STATIC");
}

TEST_CASE("credentials chain: last_error says why each provider had nothing, or which one failed")
{
    asio::io_context io;
    auto none = std::make_shared<scripted_provider>(io, bedrock::client_errc::no_credentials, credentials{});
    auto broken = std::make_shared<scripted_provider>(io, bedrock::client_errc::credentials_provider_failed,
                                                      credentials{});
    bedrock::auth::credentials_chain empty({none, none});
    empty.async_fetch([](boost::system::error_code, credentials) {});
    io.run();
    CHECK(empty.last_error() == "scripted: no AWS credentials found by any provider; "
                                "scripted: no AWS credentials found by any provider");
    bedrock::auth::credentials_chain failing({none, broken});
    io.restart();
    failing.async_fetch([](boost::system::error_code, credentials) {});
    io.run();
    CHECK(failing.last_error() == "scripted: a credentials provider failed");
}

} // namespace credentials_provider_test
