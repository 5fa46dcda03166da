// The transport's failure paths over loopback: each named timeout, resets, dead pooled connections,
// eviction, the bounded queue, cancellation, certificate refusals, the proxy tunnel.
#include "http_support.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/x509_vfy.h>

#include <sys/socket.h>

#include <mutex>
#include <vector>

namespace http_failure_test {

using namespace http_test;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// What a timeout of 150-200 ms (or a cancellation) may take to be reported: far beyond its own
// length, since a sanitized build on a loaded 2-core machine is slow, yet far below "never".
constexpr std::chrono::seconds timing_bound{3};

namespace {

bh::timeouts with(std::chrono::milliseconds bh::timeouts::*which, std::chrono::milliseconds value)
{
    auto t = quick();
    t.*which = value;
    return t;
}

bool is_reset_or_eof(const error_code& ec)
{
    return ec == asio::error::connection_reset || ec == asio::error::eof || ec == bhttp::error::partial_message ||
           ec == asio::error::broken_pipe;
}

} // namespace

TEST_CASE("http: connect timeout (accept queue full)", "[http][integration][timeout]")
{
    asio::io_context ioc;
    // A listener with a zero backlog that never accepts: once its queue holds a connection, Linux
    // drops further SYNs and the client's connect hangs until it gives up.
    tcp::acceptor full(ioc);
    full.open(tcp::v4());
    full.bind({asio::ip::make_address("127.0.0.1"), 0});
    full.listen(0);
    const auto ep = full.local_endpoint();
    std::vector<tcp::socket> fillers;
    for (int i = 0; i < 4; ++i) {
        tcp::socket s(ioc);
        s.open(tcp::v4());
        s.non_blocking(true);
        // Not asio's connect: it would wait for completion. EINPROGRESS is expected.
        (void)::connect(s.native_handle(), ep.data(), static_cast<socklen_t>(ep.size()));
        fillers.push_back(std::move(s));
    }
    bh::connection_pool pool(ioc.get_executor(), "http://127.0.0.1:" + std::to_string(ep.port()));
    auto req = make_request(pool);
    bh::response res;
    const auto start = std::chrono::steady_clock::now();
    CHECK(exchange(ioc, pool, req, res, with(&bh::timeouts::connect, 150ms)) == bh::error::connect_timeout);
    CHECK(std::chrono::steady_clock::now() - start < timing_bound);
    CHECK(pool.stats().live == 0);
}

TEST_CASE("http: connection refused is reported, not a timeout", "[http][integration]")
{
    asio::io_context ioc;
    unsigned short port;
    {
        tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    bh::connection_pool pool(ioc.get_executor(), "http://127.0.0.1:" + std::to_string(port));
    auto req = make_request(pool);
    bh::response res;
    CHECK(exchange(ioc, pool, req, res) == asio::error::connection_refused);
    CHECK(pool.stats().live == 0);
}

TEST_CASE("http: a bad endpoint fails every request, through a post", "[http][integration]")
{
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), "htp://nope");
    bh::request req;
    bh::response res;
    CHECK(exchange(ioc, pool, req, res) == bh::error::bad_endpoint);
}

TEST_CASE("http: TLS handshake timeout (server accepts TCP, never speaks TLS)", "[http][integration][timeout]")
{
    asio::io_context ioc;
    tcp::acceptor silent(ioc, {asio::ip::make_address("127.0.0.1"), 0}); // the kernel completes TCP
    bh::pool_options options = trusting(bt::certificate_authority().certificate_pem());
    bh::connection_pool pool(ioc.get_executor(), "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port()),
                             options);
    auto req = make_request(pool);
    bh::response res;
    CHECK(exchange(ioc, pool, req, res, with(&bh::timeouts::tls_handshake, 150ms)) == bh::error::tls_handshake_timeout);
    CHECK(pool.stats().live == 0);
}

TEST_CASE("http: first-byte, idle and total timeouts", "[http][integration][timeout]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> awaitable {
        if (req.target() == "/stall-before-head") {
            co_await w.stall();
        } else if (req.target() == "/stall-mid-body") {
            co_await w.write_head(head());
            co_await w.write_body("some");
            co_await w.stall();
        } else if (req.target() == "/stall-mid-head") {
            co_await w.write_raw("HTTP/1.1 200 OK\r\nContent-");
            co_await w.stall();
        } else if (req.target() == "/trickle") {
            co_await w.write_head(head());
            for (int i = 0; i < 40; ++i) {
                co_await w.write_body("drop");
                co_await w.sleep(25ms);
            }
            co_await w.finish();
        } else {
            bt::response res{bhttp::status::ok, 11};
            res.body() = "fine";
            co_await w.respond(std::move(res));
        }
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    bh::response res;

    auto req = make_request(pool, "/stall-before-head");
    auto start = std::chrono::steady_clock::now();
    CHECK(exchange(ioc, pool, req, res, with(&bh::timeouts::first_byte, 150ms)) == bh::error::first_byte_timeout);
    CHECK(std::chrono::steady_clock::now() - start < timing_bound);

    req = make_request(pool, "/stall-mid-head");
    CHECK(exchange(ioc, pool, req, res, with(&bh::timeouts::idle, 150ms)) == bh::error::idle_timeout);

    req = make_request(pool, "/stall-mid-body");
    CHECK(exchange(ioc, pool, req, res, with(&bh::timeouts::idle, 150ms)) == bh::error::idle_timeout);

    {
        auto [ec, stream] = open_stream(ioc, pool, req, with(&bh::timeouts::idle, 150ms));
        REQUIRE_FALSE(ec);
        char b[16];
        auto [e1, n1] = read_some(ioc, stream, asio::buffer(b));
        REQUIRE_FALSE(e1);
        CHECK(std::string(b, n1) == "some");
        auto [e2, n2] = read_some(ioc, stream, asio::buffer(b));
        CHECK(e2 == bh::error::idle_timeout);
        CHECK_FALSE(stream.is_open());
        auto [e3, n3] = read_some(ioc, stream, asio::buffer(b));
        CHECK(e3 == bh::error::stream_closed);
    }

    req = make_request(pool, "/trickle"); // never idle for long, but never done in time
    auto t = with(&bh::timeouts::total, 200ms);
    t.idle = 1s;
    start = std::chrono::steady_clock::now();
    CHECK(exchange(ioc, pool, req, res, t) == bh::error::total_timeout);
    CHECK(std::chrono::steady_clock::now() - start < timing_bound);
    {
        auto [ec, stream] = open_stream(ioc, pool, req, t);
        REQUIRE_FALSE(ec);
        error_code end;
        read_all(ioc, stream, 64, end);
        CHECK(end == bh::error::total_timeout);
    }

    CHECK(pool.stats().live == 0); // every timed-out connection was closed, none pooled
    req = make_request(pool, "/fine");
    REQUIRE_FALSE(exchange(ioc, pool, req, res));
    CHECK(res.body() == "fine");
}

// A connection back in the pool cancels its watchdog from a posted handler, so that a request
// chained from the last one's completion finds the timer still waiting and re-arms nothing.
TEST_CASE("http: a connection reused from inside the last completion keeps its timeouts", "[http][integration][timeout]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> awaitable {
        if (req.target() == "/stall-before-head")
            co_await w.stall();
        else
            co_await w.respond(bt::response{bhttp::status::ok, 11});
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    bh::response first_res, second_res;
    const auto fine = make_request(pool, "/fine");
    const auto stall = make_request(pool, "/stall-before-head");

    SECTION("a stalled request after a quick one times out at its own deadline, not the earlier one's")
    {
        // The first request leaves the timer waiting for its own first-byte deadline (300 ms on);
        // the second, started from its completion, has 600 ms, so the timer fires early, finds the
        // deadline moved and waits again.
        std::optional<error_code> first, second;
        std::chrono::steady_clock::time_point second_started;
        pool.async_exchange(fine, first_res, with(&bh::timeouts::first_byte, 300ms), [&](error_code ec) {
            first = ec;
            second_started = std::chrono::steady_clock::now();
            pool.async_exchange(stall, second_res, with(&bh::timeouts::first_byte, 600ms),
                                [&](error_code ec2) { second = ec2; });
        });
        run_until(ioc, [&] { return second.has_value(); }, 10s);
        const auto waited = std::chrono::steady_clock::now() - second_started;
        CHECK_FALSE(*first);
        CHECK(*second == bh::error::first_byte_timeout);
        CHECK(waited >= 600ms);
        CHECK(waited < 600ms + timing_bound);
        CHECK(pool.stats().reused == 1);
    }

    SECTION("an idle pool leaves io_context::run() nothing to wait for")
    {
        // Timeouts of a minute: a watchdog left waiting would hold run() that long.
        bh::timeouts t;
        t.connect = t.tls_handshake = t.first_byte = t.idle = t.total = 60s;
        int answered = 0;
        pool.async_exchange(fine, first_res, t, [&](error_code ec) {
            CHECK_FALSE(ec);
            ++answered;
            pool.async_exchange(fine, second_res, t, [&](error_code ec2) {
                CHECK_FALSE(ec2);
                ++answered;
            });
        });
        const auto start = std::chrono::steady_clock::now();
        ioc.run();
        CHECK(answered == 2);
        CHECK(std::chrono::steady_clock::now() - start < timing_bound);
        CHECK(pool.stats().idle == 1);
    }
}

TEST_CASE("http: resets", "[http][integration]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> awaitable {
        if (req.target() == "/reset-before-head") {
            w.reset();
        } else if (req.target() == "/reset-after-head") {
            co_await w.write_head(head());
            co_await w.sleep(20ms);
            w.reset();
        } else if (req.target() == "/reset-mid-body") {
            auto h = head();
            h.set(bhttp::field::content_length, "100");
            co_await w.write_head(h);
            co_await w.write_body("only part of it");
            co_await w.sleep(20ms);
            w.reset();
        } else {
            bt::response res{bhttp::status::ok, 11};
            res.body() = "fine";
            co_await w.respond(std::move(res));
        }
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    bh::response res;
    for (const char* target : {"/reset-before-head", "/reset-after-head", "/reset-mid-body"}) {
        INFO(target);
        auto req = make_request(pool, target);
        const auto ec = exchange(ioc, pool, req, res);
        CHECK(is_reset_or_eof(ec));
        CHECK(pool.stats().live == 0);
    }
    CHECK(pool.stats().retried == 0); // fresh connections are never retried
    {
        auto req = make_request(pool, "/reset-mid-body");
        auto [ec, stream] = open_stream(ioc, pool, req);
        REQUIRE_FALSE(ec);
        error_code end;
        CHECK(read_all(ioc, stream, 64, end) == "only part of it");
        CHECK(is_reset_or_eof(end));
    }
    auto req = make_request(pool, "/fine");
    REQUIRE_FALSE(exchange(ioc, pool, req, res));
    CHECK(res.body() == "fine");
}

TEST_CASE("http: a dead pooled connection is retried once on a fresh one", "[http][integration]")
{
    SECTION("reset before the head on a reused connection")
    {
        int resets = 0;
        bt::https_server server([&](const bt::request&, bt::response_writer& w) -> awaitable {
            if (w.request_index() == 2 && resets++ == 0) {
                w.reset(); // as a server dropping its side of an idle connection, racing our request
                co_return;
            }
            bt::response res{bhttp::status::ok, 11};
            res.body() = "fine";
            co_await w.respond(std::move(res));
        });
        asio::io_context ioc;
        bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
        auto req = make_request(pool);
        bh::response res;
        REQUIRE_FALSE(exchange(ioc, pool, req, res));
        REQUIRE_FALSE(exchange(ioc, pool, req, res));
        CHECK(res.body() == "fine");
        auto stats = pool.stats();
        CHECK(stats.retried == 1);
        CHECK(stats.opened == 2);
        CHECK(server.requests_served() == 3);
    }

    SECTION("the server closes idle keep-alive connections")
    {
        bt::server_options options;
        options.keep_alive_timeout = 50ms;
        bt::https_server server(ok("fine"), options);
        asio::io_context ioc;
        bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
        auto req = make_request(pool);
        bh::response res;
        for (int i = 0; i < 3; ++i) {
            REQUIRE_FALSE(exchange(ioc, pool, req, res));
            CHECK(res.body() == "fine");
            run_for(ioc, 150ms);
        }
        auto stats = pool.stats();
        CHECK(stats.opened == 3);
        CHECK(stats.evicted + stats.retried == 2); // found dead before reuse, or on first use
    }

    SECTION("the server closes after the response without saying so")
    {
        bt::https_server server([](const bt::request&, bt::response_writer& w) -> awaitable {
            w.close_after_response();
            bt::response res{bhttp::status::ok, 11};
            res.body() = "fine";
            co_await w.respond(std::move(res));
        });
        asio::io_context ioc;
        bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
        auto req = make_request(pool);
        bh::response res;
        for (int i = 0; i < 5; ++i) {
            REQUIRE_FALSE(exchange(ioc, pool, req, res));
            CHECK(res.body() == "fine");
        }
        CHECK(pool.stats().opened == 5);
    }
}

TEST_CASE("http: idle eviction", "[http][integration]")
{
    bt::https_server server(ok());
    asio::io_context ioc;

    SECTION("at the pool's next use")
    {
        bh::pool_options options = trusting(server.ca_pem());
        options.idle_timeout = 100ms;
        bh::connection_pool pool(ioc.get_executor(), server.url(), options);
        auto req = make_request(pool);
        bh::response res;
        REQUIRE_FALSE(exchange(ioc, pool, req, res));
        REQUIRE_FALSE(exchange(ioc, pool, req, res));
        CHECK(pool.stats().opened == 1);
        run_for(ioc, 200ms);
        REQUIRE_FALSE(exchange(ioc, pool, req, res));
        auto stats = pool.stats();
        CHECK(stats.evicted == 1);
        CHECK(stats.opened == 2);
    }

    SECTION("in the background")
    {
        bh::pool_options options = trusting(server.ca_pem());
        options.idle_timeout = 100ms;
        options.evict_in_background = true;
        bh::connection_pool pool(ioc.get_executor(), server.url(), options);
        auto req = make_request(pool);
        bh::response res;
        REQUIRE_FALSE(exchange(ioc, pool, req, res));
        CHECK(pool.stats().idle == 1);
        run_until(ioc, [&] { return pool.stats().live == 0; }, 2s);
        CHECK(pool.stats().evicted == 1);
        const auto end = std::chrono::steady_clock::now() + 2s;
        while (server.open_connections() != 0 && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(5ms);
        CHECK(server.open_connections() == 0);
    }
}

TEST_CASE("http: the bounded pool queues requests in FIFO order", "[http][integration]")
{
    // Written by the server's thread, read by the test's: under a lock.
    std::mutex order_mutex;
    std::vector<std::string> order;
    bt::https_server server([&](const bt::request& req, bt::response_writer& w) -> awaitable {
        {
            std::lock_guard lock(order_mutex);
            order.push_back(req.body());
        }
        co_await w.sleep(20ms);
        bt::response res{bhttp::status::ok, 11};
        res.body() = req.body();
        co_await w.respond(std::move(res));
    });
    asio::io_context ioc;

    for (std::size_t max : {std::size_t{1}, std::size_t{2}}) {
        INFO("max_connections " << max);
        {
            std::lock_guard lock(order_mutex);
            order.clear();
        }
        bh::pool_options options = trusting(server.ca_pem());
        options.max_connections = max;
        bh::connection_pool pool(ioc.get_executor(), server.url(), options);
        constexpr int n = 5;
        std::vector<bh::request> reqs;
        std::vector<bh::response> responses(n);
        for (int i = 0; i < n; ++i)
            reqs.push_back(make_request(pool, "/", std::to_string(i)));
        int completed = 0;
        std::vector<error_code> results(n, asio::error::fault);
        for (int i = 0; i < n; ++i)
            pool.async_exchange(reqs[i], responses[i], quick(), [&, i](error_code ec) {
                results[i] = ec;
                ++completed;
            });
        run_until(ioc, [&] { return pool.stats().waiting == n - max; });
        run_until(ioc, [&] { return completed == n; });
        for (int i = 0; i < n; ++i) {
            CHECK_FALSE(results[i]);
            CHECK(responses[i].body() == std::to_string(i));
        }
        CHECK(pool.stats().opened == max);
        CHECK(pool.stats().waiting == 0);
        if (max == 1) {
            std::lock_guard lock(order_mutex);
            CHECK(order == std::vector<std::string>{"0", "1", "2", "3", "4"});
        }
    }
}

TEST_CASE("http: cancellation", "[http][integration][cancel]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> awaitable {
        if (req.target() == "/stall")
            co_await w.stall();
        else if (req.target() == "/slow")
            co_await w.sleep(300ms);
        else if (req.target() == "/stream") {
            co_await w.write_head(head());
            co_await w.write_body("piece");
            co_await w.stall();
        }
        bt::response res{bhttp::status::ok, 11};
        res.body() = "fine";
        co_await w.respond(std::move(res));
    });
    asio::io_context ioc;
    bh::pool_options options = trusting(server.ca_pem());
    bh::connection_pool pool(ioc.get_executor(), server.url(), options);
    bh::response res;
    auto fine = make_request(pool, "/fine");

    SECTION("mid-request, terminal and partial")
    {
        for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial}) {
            auto req = make_request(pool, "/stall");
            asio::cancellation_signal signal;
            std::optional<error_code> result;
            pool.async_exchange(req, res, quick(),
                                asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) { result = ec; }));
            run_for(ioc, 100ms);
            REQUIRE_FALSE(result.has_value());
            signal.emit(type);
            run_until(ioc, [&] { return result.has_value(); }, timing_bound);
            CHECK(*result == asio::error::operation_aborted);
            CHECK(pool.stats().live == 0); // the connection was closed, not pooled
            REQUIRE_FALSE(exchange(ioc, pool, fine, res));
            CHECK(res.body() == "fine");
        }
        CHECK(pool.stats().opened == 3);
    }

    SECTION("a response_stream read")
    {
        auto req = make_request(pool, "/stream");
        auto [ec, stream] = open_stream(ioc, pool, req);
        REQUIRE_FALSE(ec);
        char b[16];
        auto [e1, n1] = read_some(ioc, stream, asio::buffer(b));
        REQUIRE_FALSE(e1);
        asio::cancellation_signal signal;
        std::optional<error_code> result;
        stream.async_read_some(asio::buffer(b),
                               asio::bind_cancellation_slot(signal.slot(), [&](error_code e, std::size_t) { result = e; }));
        run_for(ioc, 50ms);
        signal.emit(asio::cancellation_type::terminal);
        run_until(ioc, [&] { return result.has_value(); }, timing_bound);
        CHECK(*result == asio::error::operation_aborted);
        CHECK_FALSE(stream.is_open());
        CHECK(pool.stats().live == 0);
        REQUIRE_FALSE(exchange(ioc, pool, fine, res));
    }

    SECTION("a request waiting for a connection")
    {
        bh::pool_options one = trusting(server.ca_pem());
        one.max_connections = 1;
        bh::connection_pool small(ioc.get_executor(), server.url(), one);
        auto slow = make_request(small, "/slow");
        bh::response slow_res, waiting_res;
        std::optional<error_code> first, second;
        small.async_exchange(slow, slow_res, quick(), [&](error_code ec) { first = ec; });
        asio::cancellation_signal signal;
        small.async_exchange(fine, waiting_res, quick(),
                             asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) { second = ec; }));
        run_until(ioc, [&] { return small.stats().waiting == 1; });
        signal.emit(asio::cancellation_type::total); // nothing sent yet: even total is honoured
        run_until(ioc, [&] { return second.has_value(); }, timing_bound);
        CHECK(*second == asio::error::operation_aborted);
        CHECK_FALSE(first.has_value());
        CHECK(small.stats().waiting == 0);
        run_until(ioc, [&] { return first.has_value(); });
        CHECK_FALSE(*first);
        REQUIRE_FALSE(exchange(ioc, small, fine, res));
        CHECK(small.stats().opened == 1);
    }

    SECTION("closing the pool fails waiting requests")
    {
        bh::pool_options one = trusting(server.ca_pem());
        one.max_connections = 1;
        bh::connection_pool small(ioc.get_executor(), server.url(), one);
        auto slow = make_request(small, "/slow");
        bh::response slow_res, waiting_res;
        std::optional<error_code> first, second;
        small.async_exchange(slow, slow_res, quick(), [&](error_code ec) { first = ec; });
        small.async_exchange(fine, waiting_res, quick(), [&](error_code ec) { second = ec; });
        run_until(ioc, [&] { return small.stats().waiting == 1; });
        small.close();
        run_until(ioc, [&] { return second.has_value(); }, timing_bound);
        CHECK(*second == bh::error::pool_closed);
        run_until(ioc, [&] { return first.has_value(); });
        CHECK_FALSE(*first); // the exchange in flight finishes
        CHECK(small.stats().live == 0);
    }
}

TEST_CASE("http: certificate refusals", "[http][integration][tls]")
{
    asio::io_context ioc;
    bt::certificate_authority trusted;

    SECTION("a certificate from an untrusted CA")
    {
        bt::https_server server(ok()); // its own CA, not `trusted`
        bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(trusted.certificate_pem()));
        auto req = make_request(pool);
        bh::response res;
        const auto ec = exchange(ioc, pool, req, res);
        CHECK(bh::is_certificate_error(ec));
        CHECK(ec.value() == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        INFO(ec.message());
        CHECK(ec.message().find("certificate verify failed") == 0);
        CHECK(server.requests_served() == 0);

        // The system's CAs do not trust it either.
        bh::connection_pool defaults(ioc.get_executor(), server.url());
        CHECK(bh::is_certificate_error(exchange(ioc, defaults, req, res)));

        // Without verification it works (never do this outside tests).
        auto ctx = bh::make_tls_context({false, {}, {}});
        REQUIRE(ctx.has_value());
        bh::pool_options insecure;
        insecure.tls = *ctx;
        bh::connection_pool unverified(ioc.get_executor(), server.url(), insecure);
        CHECK_FALSE(exchange(ioc, unverified, req, res));
    }

    SECTION("a certificate for another host name")
    {
        bt::server_options options;
        options.server_certificate = trusted.issue({"example.invalid"});
        bt::https_server server(ok(), options);
        bh::connection_pool by_ip(ioc.get_executor(), server.url(), trusting(trusted.certificate_pem()));
        auto req = make_request(by_ip);
        bh::response res;
        auto ec = exchange(ioc, by_ip, req, res);
        CHECK(ec.value() == X509_V_ERR_IP_ADDRESS_MISMATCH);
        CHECK(bh::is_certificate_error(ec));

        bh::connection_pool by_name(ioc.get_executor(), server.localhost_url(), trusting(trusted.certificate_pem()));
        ec = exchange(ioc, by_name, req, res);
        CHECK(ec.value() == X509_V_ERR_HOSTNAME_MISMATCH);
        CHECK(ec.message() == "certificate verify failed: hostname mismatch");
        CHECK(server.requests_served() == 0);
    }

    SECTION("a bad CA bundle is a configuration error")
    {
        CHECK(bh::make_tls_context({true, "/nonexistent/ca.pem", {}}).error() == bh::error::bad_tls_options);
        CHECK(bh::make_tls_context({true, {}, "not a certificate"}).error() == bh::error::bad_tls_options);
    }
}

namespace {

/// A minimal HTTP CONNECT proxy on loopback (tunnels only to 127.0.0.1).
class tiny_proxy {
public:
    explicit tiny_proxy(asio::io_context& ioc) : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0})
    {
        asio::co_spawn(ioc, accept_loop(), asio::detached);
    }
    ~tiny_proxy() { acceptor_.close(); }

    std::string url() const { return "http://user:pa%3Ass@127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

    int tunnels = 0;
    bool refuse = false;
    std::string last_request;

private:
    struct pair {
        explicit pair(tcp::socket c) : client(std::move(c)), upstream(client.get_executor()) {}
        tcp::socket client;
        tcp::socket upstream;
        void close()
        {
            error_code ignored;
            client.close(ignored);
            upstream.close(ignored);
        }
    };

    awaitable accept_loop()
    {
        for (;;) {
            error_code ec;
            auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec)
                co_return;
            asio::co_spawn(acceptor_.get_executor(), tunnel(std::make_shared<pair>(std::move(socket))), asio::detached);
        }
    }

    awaitable tunnel(std::shared_ptr<pair> p)
    {
        error_code ec;
        std::string head;
        co_await asio::async_read_until(p->client, asio::dynamic_buffer(head), "\r\n\r\n",
                                        asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
            co_return;
        last_request = head;
        if (refuse || head.rfind("CONNECT 127.0.0.1:", 0) != 0) {
            co_await asio::async_write(p->client, asio::buffer(std::string_view("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")),
                                       asio::redirect_error(asio::use_awaitable, ec));
            co_return;
        }
        const auto port = std::stoi(head.substr(18, head.find(' ', 18) - 18));
        co_await p->upstream.async_connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
                                           asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
            co_return;
        co_await asio::async_write(p->client, asio::buffer(std::string_view("HTTP/1.1 200 Connection established\r\n\r\n")),
                                   asio::redirect_error(asio::use_awaitable, ec));
        ++tunnels;
        asio::co_spawn(acceptor_.get_executor(), pump(p, p->client, p->upstream), asio::detached);
        co_await pump(p, p->upstream, p->client);
    }

    static awaitable pump(std::shared_ptr<pair> p, tcp::socket& from, tcp::socket& to)
    {
        char buffer[4096];
        for (;;) {
            error_code ec;
            const std::size_t n = co_await from.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
            if (!ec)
                co_await asio::async_write(to, asio::buffer(buffer, n), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                p->close();
                co_return;
            }
        }
    }

    tcp::acceptor acceptor_;
};

} // namespace

TEST_CASE("http: HTTPS through an HTTP CONNECT proxy", "[http][integration][proxy]")
{
    bt::https_server server(ok("via proxy"));
    asio::io_context ioc;
    tiny_proxy proxy(ioc);
    bh::pool_options options = trusting(server.ca_pem());
    options.proxy.https_proxy = proxy.url();
    bh::response res;

    {
        bh::connection_pool pool(ioc.get_executor(), server.url(), options);
        auto req = make_request(pool);
        for (int i = 0; i < 3; ++i) {
            REQUIRE_FALSE(exchange(ioc, pool, req, res));
            CHECK(res.body() == "via proxy");
        }
        CHECK(proxy.tunnels == 1);
        CHECK(pool.stats().opened == 1);
        const std::string port = std::to_string(server.port());
        CHECK(proxy.last_request.rfind("CONNECT 127.0.0.1:" + port + " HTTP/1.1\r\n", 0) == 0);
        CHECK(proxy.last_request.find("Host: 127.0.0.1:" + port + "\r\n") != std::string::npos);
        CHECK(proxy.last_request.find("Proxy-Authorization: Basic dXNlcjpwYTpzcw==\r\n") != std::string::npos);
    }
    {
        options.proxy.no_proxy = "localhost,127.0.0.1";
        bh::connection_pool bypass(ioc.get_executor(), server.url(), options);
        auto req = make_request(bypass);
        REQUIRE_FALSE(exchange(ioc, bypass, req, res));
        CHECK(proxy.tunnels == 1); // went direct
        options.proxy.no_proxy.clear();
    }
    {
        proxy.refuse = true;
        bh::connection_pool refused(ioc.get_executor(), server.url(), options);
        auto req = make_request(refused);
        CHECK(exchange(ioc, refused, req, res) == bh::error::proxy_connect_failed);
        CHECK(refused.stats().live == 0);
    }
}

TEST_CASE("http: a response head over the limit", "[http][integration]")
{
    bt::https_server server([](const bt::request&, bt::response_writer& w) -> awaitable {
        co_await w.write_raw("HTTP/1.1 200 OK\r\nX-Big: " + std::string(70000, 'a') + "\r\nContent-Length: 0\r\n\r\n");
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    auto req = make_request(pool);
    bh::response res;
    CHECK(exchange(ioc, pool, req, res) == bh::error::header_too_large);
}

} // namespace http_failure_test
