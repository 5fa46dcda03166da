// The transport's success paths over real TLS on loopback: unary exchanges, keep-alive reuse, plain
// HTTP, streamed bodies, response_stream ownership rules, completion tokens.
#include "http_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <thread>

namespace http_exchange_test {

using namespace http_test;
namespace bhttp = boost::beast::http;

TEST_CASE("http: unary exchange over TLS", "[http][integration]")
{
    std::string seen_host, seen_body, seen_target;
    bt::https_server server([&](const bt::request& req, bt::response_writer& w) -> awaitable {
        seen_host = std::string(req[bhttp::field::host]);
        seen_body = req.body();
        seen_target = std::string(req.target());
        bt::response res{bhttp::status::ok, 11};
        res.set("x-amzn-requestid", "req-1");
        res.body() = R"({"output":"hello"})";
        co_await w.respond(std::move(res));
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    auto req = make_request(pool);
    bh::response res;
    REQUIRE_FALSE(exchange(ioc, pool, req, res));
    CHECK(res.result() == bhttp::status::ok);
    CHECK(res.body() == R"({"output":"hello"})");
    CHECK(res["x-amzn-requestid"] == "req-1");
    CHECK(seen_host == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(seen_body == req.body());
    CHECK(seen_target == "/model/invoke");
    auto stats = pool.stats();
    CHECK(stats.opened == 1);
    CHECK(stats.live == 1);
    CHECK(stats.idle == 1);
}

TEST_CASE("http: keep-alive reuse over 1000 sequential requests", "[http][integration]")
{
    bt::https_server server(ok());
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    auto req = make_request(pool);
    bh::response res;
    for (int i = 0; i < 1000; ++i) {
        REQUIRE_FALSE(exchange(ioc, pool, req, res));
        REQUIRE(res.body() == R"({"ok":true})");
    }
    auto stats = pool.stats();
    CHECK(stats.opened <= 2);
    CHECK(stats.reused >= 998);
    CHECK(server.connections_accepted() <= 2);
    CHECK(server.requests_served() == 1000);
}

TEST_CASE("http: localhost by name (resolution, SNI, DNS name check)", "[http][integration]")
{
    bt::https_server server(ok());
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.localhost_url(), trusting(server.ca_pem()));
    auto req = make_request(pool);
    bh::response res;
    REQUIRE_FALSE(exchange(ioc, pool, req, res));
    CHECK(res.body() == R"({"ok":true})");
}

TEST_CASE("http: the test server on the caller's io_context", "[http][integration]")
{
    asio::io_context ioc;
    bh::response res;
    {
        bt::https_server server(ioc.get_executor(), ok("same thread"));
        bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
        auto req = make_request(pool);
        for (int i = 0; i < 3; ++i) {
            REQUIRE_FALSE(exchange(ioc, pool, req, res));
            CHECK(res.body() == "same thread");
        }
        CHECK(server.connections_accepted() == 1);
        CHECK(server.open_connections() == 1);
        server.stop();
        run_until(ioc, [&] { return server.open_connections() == 0; });
        // The pool finds its idle connection closed and opens none: the server is gone.
        CHECK(exchange(ioc, pool, req, res) == asio::error::connection_refused);
    }
    ioc.restart();
    ioc.run(); // whatever the server left finishes; nothing is pending for ever
}

TEST_CASE("http: plain http:// endpoint", "[http][integration]")
{
    bt::server_options options;
    options.tls = false;
    bt::https_server server(ok("plain"), options);
    REQUIRE(server.url().rfind("http://127.0.0.1:", 0) == 0);
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url());
    auto req = make_request(pool);
    bh::response res;
    for (int i = 0; i < 3; ++i) {
        REQUIRE_FALSE(exchange(ioc, pool, req, res));
        CHECK(res.body() == "plain");
    }
    CHECK(pool.stats().opened == 1);
}

TEST_CASE("http: a small request is written at once and a larger one through the event loop", "[http][integration]")
{
    // The server holds each answer until the test lets it go, so what the client's event loop runs
    // before any answer can arrive is fixed: the exchange's first step, and, for a request written
    // asynchronously, the write's completion (more than one if the kernel took it in parts). A
    // request of a few KiB is written inside the first step; one over the limit (8 KiB) is not.
    for (const bool tls : {true, false}) {
        bt::server_options options;
        options.tls = tls;
        std::atomic<bool> answer{false};
        std::atomic<int> requests{0};
        std::vector<std::size_t> bodies; // written on the server's thread before it answers
        bt::https_server server(
            [&](const bt::request& req, bt::response_writer& w) -> awaitable {
                bodies.push_back(req.body().size());
                ++requests;
                asio::steady_timer wait(co_await asio::this_coro::executor);
                while (!answer) {
                    wait.expires_after(1ms);
                    co_await wait.async_wait(asio::use_awaitable);
                }
                bt::response res{boost::beast::http::status::ok, 11};
                res.body() = R"({"ok":true})";
                co_await w.respond(std::move(res));
            },
            options);
        asio::io_context ioc;
        bh::connection_pool pool(ioc.get_executor(), server.url(), tls ? trusting(server.ca_pem()) : bh::pool_options{});
        // Handlers run before the answer could arrive.
        auto handlers_before_answer = [&](const bh::request& req) {
            answer = false;
            const int before = requests;
            bh::response res;
            std::optional<error_code> result;
            pool.async_exchange(req, res, quick(), [&](error_code ec) { result = ec; });
            ioc.restart();
            std::size_t handlers = 0;
            for (std::size_t n; (n = ioc.poll()) != 0;)
                handlers += n;
            run_until(ioc, [&] { return requests == before + 1; });
            answer = true;
            run_until(ioc, [&] { return result.has_value(); });
            REQUIRE_FALSE(*result);
            CHECK(res.body() == R"({"ok":true})");
            ioc.restart();
            ioc.poll(); // what the exchange left for later (the pooled connection's timer)
            return handlers;
        };
        const auto small = make_request(pool);
        const auto large = make_request(pool, "/model/invoke", std::string(12 * 1024, 'x'));
        handlers_before_answer(small); // the connection opens: from here on every exchange reuses it
        for (int i = 0; i < 3; ++i) {
            CHECK(handlers_before_answer(small) == 1);
            CHECK(handlers_before_answer(large) >= 2);
        }
        CHECK(pool.stats().opened == 1);
        std::vector<std::size_t> expected_bodies{small.body().size()};
        for (int i = 0; i < 3; ++i)
            expected_bodies.insert(expected_bodies.end(), {small.body().size(), large.body().size()});
        CHECK(bodies == expected_bodies);
    }
}

TEST_CASE("http: large request bodies, chunked requests, HEAD", "[http][integration]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> awaitable {
        bt::response res{bhttp::status::ok, 11};
        res.set("x-received", std::to_string(req.body().size()));
        res.set("x-chunked", req.chunked() ? "yes" : "no");
        res.body() = req.method() == bhttp::verb::head ? std::string() : req.body().substr(0, 16);
        if (req.method() == bhttp::verb::head)
            res.set(bhttp::field::content_length, "12345"); // what a GET would have returned
        co_await w.respond(std::move(res));
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    bh::response res;

    std::string big(300 * 1024, 'b');
    big[0] = 'B';
    auto req = make_request(pool, "/big", big); // written from the caller's string, not copied
    REQUIRE_FALSE(exchange(ioc, pool, req, res));
    CHECK(res["x-received"] == std::to_string(big.size()));
    CHECK(res.body() == big.substr(0, 16));

    req = make_request(pool, "/chunked", "{\"chunked\":true}");
    req.erase(bhttp::field::content_length);
    req.chunked(true);
    REQUIRE_FALSE(exchange(ioc, pool, req, res));
    CHECK(res["x-chunked"] == "yes");
    CHECK(res["x-received"] == "16");

    req = make_request(pool, "/no-length", "{}");
    req.erase(bhttp::field::content_length); // the transport adds it
    REQUIRE_FALSE(exchange(ioc, pool, req, res));
    CHECK(res["x-received"] == "2");

    bh::request head_req{bhttp::verb::head, "/head", 11};
    head_req.set(bhttp::field::host, bh::host_header(pool.target()));
    REQUIRE_FALSE(exchange(ioc, pool, head_req, res));
    CHECK(res.body().empty());
    CHECK(res[bhttp::field::content_length] == "12345");
    REQUIRE_FALSE(exchange(ioc, pool, req, res)); // the connection is still in step
    CHECK(pool.stats().opened == 1);
}

TEST_CASE("http: chunked unary response and a body over the limit", "[http][integration]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> awaitable {
        if (req.target() == "/chunked") {
            co_await w.write_head(head());
            for (int i = 0; i < 40; ++i)
                co_await w.write_body(std::string(100, static_cast<char>('a' + i % 26)));
            co_await w.finish();
        } else if (req.target() == "/big-chunked") {
            co_await w.write_head(head());
            for (int i = 0; i < 20; ++i)
                co_await w.write_body(std::string(1000, 'x'));
            co_await w.finish();
        } else {
            bt::response res{bhttp::status::ok, 11};
            res.body() = std::string(5000, 'y');
            co_await w.respond(std::move(res));
        }
    });
    asio::io_context ioc;
    bh::pool_options options = trusting(server.ca_pem());
    options.max_body_size = 4096;
    bh::connection_pool pool(ioc.get_executor(), server.url(), options);
    bh::response res;

    auto req = make_request(pool, "/chunked");
    REQUIRE_FALSE(exchange(ioc, pool, req, res));
    REQUIRE(res.body().size() == 4000); // under the 4096-byte limit
    CHECK(res.body().substr(0, 100) == std::string(100, 'a'));
    CHECK(res.body().substr(3900) == std::string(100, static_cast<char>('a' + 39 % 26)));

    req = make_request(pool, "/big-chunked");
    CHECK(exchange(ioc, pool, req, res) == bh::error::body_too_large);
    req = make_request(pool, "/content-length");
    CHECK(exchange(ioc, pool, req, res) == bh::error::body_too_large);
    // Over-limit responses close their connection; the pool still works.
    req = make_request(pool, "/chunked");
    CHECK_FALSE(exchange(ioc, pool, req, res));
}

namespace {

std::string random_bytes(std::size_t n, std::uint32_t seed)
{
    std::minstd_rand rng(seed);
    std::string s(n, '\0');
    for (auto& c : s)
        c = static_cast<char>(rng() & 0xFF);
    return s;
}

} // namespace

TEST_CASE("http: streamed body pieces arrive in order and intact", "[http][integration]")
{
    const std::string body = random_bytes(30000, 7);
    bt::https_server server([&](const bt::request& req, bt::response_writer& w) -> awaitable {
        std::minstd_rand rng(11);
        w.split_writes(23, 3); // every socket write (and TLS record) is 1..23 bytes
        auto h = head();
        if (req.target() == "/content-length")
            h.set(bhttp::field::content_length, std::to_string(body.size()));
        co_await w.write_head(h);
        std::size_t offset = 0;
        while (offset < body.size()) {
            const std::size_t n = std::min<std::size_t>(body.size() - offset, 1 + rng() % 700);
            co_await w.write_body(std::string_view(body).substr(offset, n));
            offset += n;
            if (rng() % 16 == 0)
                co_await w.sleep(1ms);
        }
        co_await w.finish();
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    for (const char* target : {"/chunked", "/content-length"}) {
        for (std::size_t buffer_size : {std::size_t{13}, std::size_t{4096}}) {
            INFO(target << " read buffer " << buffer_size);
            auto req = make_request(pool, target);
            auto [ec, stream] = open_stream(ioc, pool, req);
            REQUIRE_FALSE(ec);
            CHECK(stream.status() == 200);
            error_code end;
            const std::string got = read_all(ioc, stream, buffer_size, end);
            CHECK(end == bh::error::end_of_stream);
            CHECK(got.size() == body.size());
            CHECK(got == body);
            CHECK(stream.done());
            CHECK_FALSE(stream.is_open()); // read to its end: the connection is back in the pool
            CHECK(pool.stats().idle == 1);
        }
    }
    CHECK(pool.stats().opened == 1);
}

TEST_CASE("http: an owned open puts its stream where it is told and shares the unary connections", "[http][integration]")
{
    // The transport opens streams this way: the erased exchange that unary calls run.
    const std::string body = random_bytes(20000, 5);
    bt::https_server server([&](const bt::request& req, bt::response_writer& w) -> awaitable {
        if (req.target() == "/unary") {
            co_await w.write_head(head());
            co_await w.write_body(R"({"ok":true})");
            co_return co_await w.finish();
        }
        w.split_writes(700, 1);
        co_await w.write_head(head());
        co_await w.write_body(body);
        co_await w.finish();
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));

    const auto open_owned = [&](std::string target, bh::response_stream& into) {
        std::optional<error_code> result;
        pool.async_open_owned(std::make_unique<bh::request>(make_request(pool, std::move(target))), into, quick(),
                              [&](error_code ec) {
                                  CHECK_FALSE(result.has_value()); // once
                                  result = ec;
                              });
        CHECK_FALSE(result.has_value()); // never inside the initiating function
        run_until(ioc, [&] { return result.has_value(); }, 10s);
        return *result;
    };

    for (int round = 0; round < 2; ++round) {
        INFO("round " << round);
        bh::response_stream stream;
        REQUIRE_FALSE(open_owned("/stream", stream));
        CHECK(stream.status() == 200);
        error_code end;
        CHECK(read_all(ioc, stream, 4096, end) == body);
        CHECK(end == bh::error::end_of_stream);
        CHECK(stream.done());
        bh::response res;
        auto unary = make_request(pool, "/unary");
        REQUIRE_FALSE(exchange(ioc, pool, unary, res));
        CHECK(res.body() == R"({"ok":true})");
    }
    CHECK(pool.stats().opened == 1); // the streams and the unary calls, one after the other on one connection

    pool.close();
    bh::response_stream refused;
    CHECK(open_owned("/stream", refused) == bh::error::pool_closed);
    CHECK_FALSE(refused.is_open());
}

TEST_CASE("http: a stream keeps its TLS buffers while few connections are open", "[http][integration]")
{
    // Two answers at once, each held open until the test has looked at both streams.
    std::atomic<bool> release{false};
    const std::string body = random_bytes(20000, 5);
    bt::https_server server([&](const bt::request&, bt::response_writer& w) -> awaitable {
        co_await w.write_head(head());
        co_await w.write_body(std::string_view(body).substr(0, 100));
        while (!release.load())
            co_await w.sleep(1ms);
        co_await w.write_body(std::string_view(body).substr(100));
        co_await w.finish();
    });
    for (std::size_t held_up_to : {std::size_t{64}, std::size_t{1}}) {
        INFO("tls_buffers_held_up_to " << held_up_to);
        release = false;
        asio::io_context ioc;
        bh::pool_options options;
        options.tls_buffers_held_up_to = held_up_to;
        bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem(), options));
        auto first_req = make_request(pool, "/first");
        auto [first_ec, first] = open_stream(ioc, pool, first_req);
        REQUIRE_FALSE(first_ec);
        auto second_req = make_request(pool, "/second");
        auto [second_ec, second] = open_stream(ioc, pool, second_req);
        REQUIRE_FALSE(second_ec);
        CHECK(pool.stats().live == 2);
        CHECK(first.holds_tls_buffers()); // opened with one connection live
        CHECK(second.holds_tls_buffers() == (held_up_to >= 2));
        release = true;
        for (auto* stream : {&first, &second}) { // held or let go, the bytes are the same
            error_code end;
            CHECK(read_all(ioc, *stream, 4096, end) == body);
            CHECK(end == bh::error::end_of_stream);
            CHECK_FALSE(stream->holds_tls_buffers()); // back in the pool: not the stream's
        }
    }
}

TEST_CASE("http: response_stream ownership rules", "[http][integration]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> awaitable {
        co_await w.write_head(head());
        co_await w.write_body("first piece;");
        if (req.target() == "/slow")
            co_await w.sleep(300ms);
        co_await w.write_body("second piece");
        co_await w.finish();
    });
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));

    SECTION("closing early returns nothing half-read to the pool")
    {
        auto req = make_request(pool, "/slow");
        auto [ec, stream] = open_stream(ioc, pool, req);
        REQUIRE_FALSE(ec);
        char buffer[64];
        auto [e1, n1] = read_some(ioc, stream, asio::buffer(buffer));
        REQUIRE_FALSE(e1);
        CHECK(std::string(buffer, n1) == "first piece;");
        stream.close();
        CHECK_FALSE(stream.is_open());
        CHECK(pool.stats().live == 0);
        auto [e2, n2] = read_some(ioc, stream, asio::buffer(buffer));
        CHECK(e2 == bh::error::stream_closed);
        CHECK(n2 == 0);
        // The next request opens a fresh connection.
        bh::response res;
        auto req2 = make_request(pool, "/fast");
        REQUIRE_FALSE(exchange(ioc, pool, req2, res));
        CHECK(res.body() == "first piece;second piece");
        CHECK(pool.stats().opened == 2);
    }

    SECTION("destroying the stream mid-body closes the connection")
    {
        {
            auto req = make_request(pool, "/slow");
            auto [ec, stream] = open_stream(ioc, pool, req);
            REQUIRE_FALSE(ec);
        }
        CHECK(pool.stats().live == 0);
    }

    SECTION("a second concurrent read fails cleanly; the first one is unaffected")
    {
        auto req = make_request(pool, "/slow");
        auto [ec, stream] = open_stream(ioc, pool, req);
        REQUIRE_FALSE(ec);
        char b1[64], b2[64];
        auto [e1, n1] = read_some(ioc, stream, asio::buffer(b1));
        REQUIRE_FALSE(e1);
        std::optional<std::pair<error_code, std::size_t>> r1, r2;
        stream.async_read_some(asio::buffer(b1), [&](error_code e, std::size_t n) { r1.emplace(e, n); });
        stream.async_read_some(asio::buffer(b2), [&](error_code e, std::size_t n) { r2.emplace(e, n); });
        CHECK_FALSE(r2.has_value()); // never inline, even for an immediate error
        run_until(ioc, [&] { return r1 && r2; });
        CHECK(r2->first == bh::error::read_in_progress);
        REQUIRE_FALSE(r1->first);
        CHECK(std::string(b1, r1->second) == "second piece");
        error_code end;
        CHECK(read_all(ioc, stream, 64, end).empty());
        CHECK(end == bh::error::end_of_stream);
        CHECK(pool.stats().idle == 1);
    }

    SECTION("a stream may be moved while a read is pending")
    {
        auto req = make_request(pool, "/slow");
        auto [ec, stream] = open_stream(ioc, pool, req);
        REQUIRE_FALSE(ec);
        char b[64];
        auto [e1, n1] = read_some(ioc, stream, asio::buffer(b));
        REQUIRE_FALSE(e1);
        std::optional<std::pair<error_code, std::size_t>> r;
        stream.async_read_some(asio::buffer(b), [&](error_code e, std::size_t n) { r.emplace(e, n); });
        bh::response_stream moved = std::move(stream);
        run_until(ioc, [&] { return r.has_value(); });
        REQUIRE_FALSE(r->first);
        CHECK(std::string(b, r->second) == "second piece");
        CHECK(moved.is_open());
        CHECK_FALSE(stream.is_open());
        error_code end;
        read_all(ioc, moved, 64, end);
        CHECK(end == bh::error::end_of_stream);
        CHECK(pool.stats().idle == 1);
    }

    SECTION("an empty body: the stream ends at once and the connection is reused")
    {
        server.set_handler([](const bt::request&, bt::response_writer& w) -> awaitable {
            bt::response res{bhttp::status::no_content, 11};
            co_await w.respond(std::move(res));
        });
        auto req = make_request(pool);
        auto [ec, stream] = open_stream(ioc, pool, req);
        REQUIRE_FALSE(ec);
        CHECK(stream.status() == 204);
        char b[8];
        auto [e, n] = read_some(ioc, stream, asio::buffer(b));
        CHECK(e == bh::error::end_of_stream);
        CHECK(pool.stats().idle == 1);
    }
}

TEST_CASE("http: completion tokens", "[http][integration]")
{
    bt::https_server server(ok("tokens"));
    asio::io_context ioc;
    bh::connection_pool pool(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
    auto req = make_request(pool);

    SECTION("co_await with the default token (deferred)")
    {
        std::string got;
        std::string streamed;
        bool finished = false;
        asio::co_spawn(ioc, [&]() -> awaitable {
            bh::response res;
            co_await pool.async_exchange(req, res, quick());
            got = res.body();
            auto stream = co_await pool.async_open(req, quick());
            char b[4];
            for (;;) {
                auto [ec, n] = co_await stream.async_read_some(asio::buffer(b), asio::as_tuple(asio::deferred));
                streamed.append(b, n);
                if (ec)
                    break;
            }
            finished = true;
        }, asio::detached);
        run_until(ioc, [&] { return finished; });
        CHECK(got == "tokens");
        CHECK(streamed == "tokens");
    }

    SECTION("as_tuple(use_awaitable) and redirect_error")
    {
        error_code ec1 = asio::error::fault, ec2 = asio::error::fault;
        bool finished = false;
        asio::co_spawn(ioc, [&]() -> awaitable {
            bh::response res;
            auto [ec] = co_await pool.async_exchange(req, res, quick(), asio::as_tuple(asio::use_awaitable));
            ec1 = ec;
            co_await pool.async_exchange(req, res, quick(), asio::redirect_error(asio::use_awaitable, ec2));
            finished = true;
        }, asio::detached);
        run_until(ioc, [&] { return finished; });
        CHECK_FALSE(ec1);
        CHECK_FALSE(ec2);
    }

    SECTION("errors throw through use_awaitable")
    {
        bh::connection_pool closed(ioc.get_executor(), server.url(), trusting(server.ca_pem()));
        closed.close();
        std::optional<error_code> caught;
        asio::co_spawn(ioc, [&]() -> awaitable {
            bh::response res;
            try {
                co_await closed.async_exchange(req, res, quick(), asio::use_awaitable);
            } catch (const boost::system::system_error& e) {
                caught = e.code();
            }
        }, asio::detached);
        run_until(ioc, [&] { return caught.has_value(); });
        CHECK(*caught == bh::error::pool_closed);
    }

    SECTION("use_future with the io_context on another thread")
    {
        auto guard = asio::make_work_guard(ioc);
        std::thread runner([&] { ioc.run(); });
        struct joiner { // a failed check must not leave the thread joinable
            std::thread& t;
            decltype(guard)& g;
            ~joiner() { g.reset(); if (t.joinable()) t.join(); }
        } join_at_exit{runner, guard};
        bh::response res;
        auto fut = pool.async_exchange(req, res, quick(), asio::use_future);
        REQUIRE(fut.wait_for(5s) == std::future_status::ready);
        CHECK_NOTHROW(fut.get());
        CHECK(res.body() == "tokens");
        auto sfut = pool.async_open(req, quick(), asio::use_future);
        REQUIRE(sfut.wait_for(5s) == std::future_status::ready);
        bh::response_stream stream = sfut.get();
        CHECK(stream.status() == 200);
        char b[16];
        auto rfut = stream.async_read_some(asio::buffer(b), asio::use_future);
        REQUIRE(rfut.wait_for(5s) == std::future_status::ready);
        CHECK(std::string(b, rfut.get()) == "tokens");
        asio::post(ioc, [&] { stream.close(); });
        guard.reset();
        runner.join();
    }

    SECTION("the pool being closed completes through a post, never inline")
    {
        pool.close();
        bh::response res;
        std::optional<error_code> r;
        pool.async_exchange(req, res, quick(), [&](error_code ec) { r = ec; });
        CHECK_FALSE(r.has_value());
        run_until(ioc, [&] { return r.has_value(); });
        CHECK(*r == bh::error::pool_closed);
    }
}

} // namespace http_exchange_test
