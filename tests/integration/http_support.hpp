// Shared helpers of the tests/integration/http_*.cpp files: a client io_context with a pool that
// trusts a test server, request builders, and bounded run loops (no test can hang).
#ifndef BEDROCK_TESTS_INTEGRATION_HTTP_SUPPORT_HPP
#define BEDROCK_TESTS_INTEGRATION_HTTP_SUPPORT_HPP

#include <bedrock/http.hpp>
#include <bedrock/testing/https_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace http_test {

namespace asio = boost::asio;
namespace bh = bedrock::http;
namespace bt = bedrock::testing;
using namespace std::chrono_literals;
using boost::system::error_code;
using awaitable = asio::awaitable<void>;

/// Pool options trusting the server's throwaway CA.
inline bh::pool_options trusting(const std::string& ca_pem, bh::pool_options options = {})
{
    auto ctx = bh::make_tls_context({true, {}, ca_pem});
    REQUIRE(ctx.has_value());
    options.tls = *ctx;
    return options;
}

inline bh::request make_request(const bh::connection_pool& pool, std::string target = "/model/invoke",
                                std::string body = R"({"messages":[{"role":"user","content":"hi"}]})")
{
    bh::request req{boost::beast::http::verb::post, target, 11};
    req.set(boost::beast::http::field::host, bh::host_header(pool.target()));
    req.set(boost::beast::http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

/// Short timeouts so failure tests finish fast; success paths never come near them.
inline bh::timeouts quick()
{
    bh::timeouts t;
    t.connect = 2s;
    t.tls_handshake = 2s;
    t.first_byte = 2s;
    t.idle = 2s;
    t.total = 5s;
    return t;
}

/// Runs `ioc` until `done()` or the limit (which fails the test): no test can hang.
template <class Done>
void run_until(asio::io_context& ioc, Done done, std::chrono::milliseconds limit = 5s)
{
    const auto end = std::chrono::steady_clock::now() + limit;
    ioc.restart();
    while (!done() && std::chrono::steady_clock::now() < end)
        ioc.run_one_for(20ms);
    REQUIRE(done());
}

/// Runs `ioc` for a while (lets timers fire, servers close connections). A timer keeps it busy:
/// io_context::run_for returns at once when there is no work.
inline void run_for(asio::io_context& ioc, std::chrono::milliseconds d)
{
    asio::steady_timer timer(ioc, d);
    bool fired = false;
    timer.async_wait([&](error_code) { fired = true; });
    ioc.restart();
    while (!fired)
        ioc.run_one();
}

/// One exchange through the callback token, run to completion.
inline error_code exchange(asio::io_context& ioc, bh::connection_pool& pool, const bh::request& req,
                           bh::response& res, const bh::timeouts& t = quick())
{
    std::optional<error_code> result;
    pool.async_exchange(req, res, t, [&](error_code ec) { result = ec; });
    run_until(ioc, [&] { return result.has_value(); }, 10s);
    return *result;
}

inline std::pair<error_code, bh::response_stream> open_stream(asio::io_context& ioc, bh::connection_pool& pool,
                                                       const bh::request& req, const bh::timeouts& t = quick())
{
    std::optional<std::pair<error_code, bh::response_stream>> result;
    pool.async_open(req, t, [&](error_code ec, bh::response_stream s) { result.emplace(ec, std::move(s)); });
    run_until(ioc, [&] { return result.has_value(); }, 10s);
    return std::move(*result);
}

inline std::pair<error_code, std::size_t> read_some(asio::io_context& ioc, bh::response_stream& s,
                                                    asio::mutable_buffer b)
{
    std::optional<std::pair<error_code, std::size_t>> result;
    s.async_read_some(b, [&](error_code ec, std::size_t n) { result.emplace(ec, n); });
    run_until(ioc, [&] { return result.has_value(); }, 10s);
    return *result;
}

/// Reads the whole body through `buffer_size`-byte reads; the error that ended it in `ec`.
inline std::string read_all(asio::io_context& ioc, bh::response_stream& s, std::size_t buffer_size,
                            error_code& ec)
{
    std::string body;
    std::string buffer(buffer_size, '\0');
    for (;;) {
        auto [e, n] = read_some(ioc, s, asio::buffer(buffer));
        body.append(buffer.data(), n);
        if (e) {
            ec = e;
            return body;
        }
    }
}

/// A handler answering 200 with `body` (JSON), echoing nothing.
inline bt::request_handler ok(std::string body = R"({"ok":true})")
{
    return [body](const bt::request&, bt::response_writer& w) -> awaitable {
        bt::response res{boost::beast::http::status::ok, 11};
        res.set(boost::beast::http::field::content_type, "application/json");
        res.body() = body;
        co_await w.respond(std::move(res));
    };
}

inline bt::response_head head(boost::beast::http::status status = boost::beast::http::status::ok)
{
    bt::response_head h;
    h.version(11);
    h.result(status);
    return h;
}

} // namespace http_test

#endif
