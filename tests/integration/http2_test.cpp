// The HTTP/2 transport against the loopback test server and the emulator over real TLS: ALPN,
// streams multiplexed on one connection, a reset that stays one stream's business, flow control
// that holds a fast server back while its reader is slow. (Every client test also runs over
// HTTP/2 as a whole: ctest's "integration h2:" entries, BEDROCK_HTTP_VERSION=2.)

#include "coroutine_support.hpp"
#include "emulator_support.hpp"

#include <bedrock/client.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/tls.hpp>
#include <bedrock/testing/https_server.hpp>
#include <bedrock/transport/http2.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <memory>
#include <string>

namespace http2_test {

namespace {

namespace asio = boost::asio;
namespace bt = bedrock::testing;
namespace tr = bedrock::transport;
using boost::system::error_code;
using namespace std::chrono_literals;

struct h2_file {};
bt::emulator& emu() { return bedrock::test::started_emulator<h2_file>(); }

// The transport's operations take type-erased handlers; these await them.
template <class Signature, class Start>
auto await_op(Start start)
{
    return asio::async_initiate<const asio::as_tuple_t<asio::use_awaitable_t<>>&, Signature>(
        [start](auto h) mutable { start(tr::handler<Signature>(std::move(h))); }, asio::as_tuple(asio::use_awaitable));
}

std::shared_ptr<tr::transport> h2_transport(asio::io_context& io, const std::string& url, const std::string& ca_pem,
                                            tr::http2_options h2 = {})
{
    auto ctx = bedrock::http::make_tls_context({true, {}, ca_pem});
    REQUIRE(ctx.has_value());
    bedrock::http::pool_options options;
    options.tls = *ctx;
    auto target = bedrock::http::parse_endpoint(url);
    REQUIRE(target.has_value());
    return tr::make_http2_transport(io.get_executor(), *target, options, h2);
}

tr::request get(std::string path)
{
    tr::request r;
    r.method = "GET";
    r.path = std::move(path);
    return r;
}

bedrock::timeouts quick()
{
    bedrock::timeouts t;
    t.connect = 2s;
    t.tls_handshake = 2s;
    t.first_byte = 2s;
    t.idle = 2s;
    t.total = 10s;
    return t;
}

bedrock::config h2_config()
{
    auto cfg = emu().client_config();
    cfg.http_version = bedrock::http_version::http2;
    return cfg;
}

} // namespace

TEST_CASE("h2: a server that does not agree to h2 by ALPN is refused with http2_required", "[h2]")
{
    bt::server_options options;
    options.http2 = false;
    bt::https_server server(
        [](const bt::request&, bt::response_writer& w) -> asio::awaitable<void> {
            bt::response res{boost::beast::http::status::ok, 11};
            res.body() = "http/1.1";
            co_await w.respond(std::move(res));
        },
        options);
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto wire = h2_transport(io, server.url(), server.ca_pem());
        tr::response res;
        const auto req = get("/");
        auto [ec] = co_await await_op<void(error_code)>(
            [&](auto h) { wire->async_exchange(req, res, quick(), std::move(h)); });
        CHECK(ec == bedrock::client_errc::http2_required);
        wire->close();
    });
}

TEST_CASE("h2: streams share one connection, a reset is one stream's error only", "[h2]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> asio::awaitable<void> {
        if (req.target() == "/reset") {
            bt::response_head head;
            head.result(boost::beast::http::status::ok);
            co_await w.write_head(std::move(head));
            co_await w.write_body("partial");
            co_await w.sleep(50ms);
            w.reset();
            co_return;
        }
        co_await w.sleep(100ms); // still open while the other is reset
        bt::response res{boost::beast::http::status::ok, 11};
        res.body() = "fine " + std::string(req.target());
        co_await w.respond(std::move(res));
    });
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto wire = h2_transport(io, server.url(), server.ca_pem());
        int finished = 0;
        error_code reset_error;
        std::string fine_body;
        auto reset_one = [&]() -> asio::awaitable<void> {
            tr::response res;
            const auto req = get("/reset");
            auto [ec] = co_await await_op<void(error_code)>(
                [&](auto h) { wire->async_exchange(req, res, quick(), std::move(h)); });
            reset_error = ec;
            ++finished;
        };
        auto fine_one = [&]() -> asio::awaitable<void> {
            tr::response res;
            const auto req = get("/fine");
            auto [ec] = co_await await_op<void(error_code)>(
                [&](auto h) { wire->async_exchange(req, res, quick(), std::move(h)); });
            CHECK_FALSE(ec);
            fine_body = res.body();
            ++finished;
        };
        asio::co_spawn(io, reset_one(), asio::detached);
        asio::co_spawn(io, fine_one(), asio::detached);
        asio::steady_timer t(io);
        while (finished < 2) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        CHECK(reset_error == bedrock::http::error::stream_reset);
        CHECK(fine_body == "fine /fine");
        CHECK(wire->stats().opened == 1);
        CHECK(server.connections_accepted() == 1);
        // And the connection still carries new streams.
        tr::response again;
        const auto req = get("/again");
        auto [ec] = co_await await_op<void(error_code)>(
            [&](auto h) { wire->async_exchange(req, again, quick(), std::move(h)); });
        CHECK_FALSE(ec);
        CHECK(again.body() == "fine /again");
        CHECK(server.connections_accepted() == 1);
        wire->close();
    });
}

TEST_CASE("h2: a slow reader holds a fast server back: flow control, not memory", "[h2]")
{
    constexpr std::size_t piece = 16 * 1024;
    constexpr std::size_t pieces = 512; // 8 MiB
    auto written = std::make_shared<std::atomic<std::size_t>>(0);
    bt::https_server server([written](const bt::request&, bt::response_writer& w) -> asio::awaitable<void> {
        bt::response_head head;
        head.result(boost::beast::http::status::ok);
        co_await w.write_head(std::move(head));
        const std::string bytes(piece, 'x');
        for (std::size_t i = 0; i < pieces; ++i) {
            co_await w.write_body(bytes);
            *written += bytes.size();
        }
        co_await w.finish();
    });
    tr::http2_options h2;
    h2.stream_window = 64 * 1024;
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto wire = h2_transport(io, server.url(), server.ca_pem(), h2);
        const auto req = get("/big");
        auto opened = co_await await_op<void(error_code, std::unique_ptr<tr::response_body>)>(
            [&](auto h) { wire->async_open(req, quick(), std::move(h)); });
        REQUIRE_FALSE(std::get<0>(opened));
        // (Not a structured binding: clang 14 cannot capture one in the lambdas below.)
        std::unique_ptr<tr::response_body> body = std::move(std::get<1>(opened));
        std::string buffer(piece, '\0');
        auto [ec1, n1] = co_await await_op<void(error_code, std::size_t)>(
            [&](auto h) { body->async_read_some(asio::buffer(buffer), std::move(h)); });
        REQUIRE_FALSE(ec1);
        // The reader pauses: the server can get no further than the stream's window ahead of it
        // (plus what sits in its own buffers: one piece).
        asio::steady_timer pause(io);
        pause.expires_after(300ms);
        co_await pause.async_wait(asio::use_awaitable);
        const std::size_t ahead = written->load();
        INFO("the server wrote " << ahead << " bytes while the client had read " << n1);
        CHECK(ahead <= h2.stream_window + 2 * piece);
        std::size_t total = n1;
        for (;;) {
            auto [e, n] = co_await await_op<void(error_code, std::size_t)>(
                [&](auto h) { body->async_read_some(asio::buffer(buffer), std::move(h)); });
            total += n;
            if (e) {
                CHECK(e == bedrock::http::error::end_of_stream);
                break;
            }
        }
        CHECK(total == piece * pieces);
        wire->close();
    });
}

TEST_CASE("h2: 1,000 concurrent converse_stream calls on one HTTP/2 connection", "[h2][load]")
{
    auto cfg = h2_config();
    cfg.max_connections = 1;
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client(io.get_executor(), cfg);
        constexpr int calls = 1000;
        int done = 0, right = 0;
        for (int i = 0; i < calls; ++i) {
            asio::co_spawn(
                io,
                [&, i]() -> asio::awaitable<void> {
                    bedrock::converse_stream_request request;
                    request.model_id = "h2-load";
                    request.messages = {bedrock::user_text("call " + std::to_string(i))};
                    auto stream = co_await client.converse_stream(request);
                    bedrock::converse_stream_accumulator acc;
                    while (auto ev = co_await stream.next())
                        acc.add(*ev);
                    if (acc.text() == "echo: call " + std::to_string(i))
                        ++right;
                    ++done;
                },
                [&](std::exception_ptr e) {
                    if (e)
                        ++done;
                });
        }
        asio::steady_timer t(io);
        for (int waited = 0; done < calls && waited < 6000; ++waited) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        CHECK(done == calls);
        CHECK(right == calls);
        CHECK(client.connection_stats().opened == 1);
    });
}

TEST_CASE("h2: closing a stream mid-way resets it alone, the connection carries on", "[h2]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client(io.get_executor(), h2_config());
        bedrock::converse_stream_request slow;
        slow.model_id = "slow-events-20:h2-close";
        slow.messages = {bedrock::user_text("one two three four five six")};
        auto first = co_await client.converse_stream(slow);
        auto second = co_await client.converse_stream(slow);
        auto ev = co_await first.next();
        CHECK(ev.has_value());
        first.close();
        bedrock::converse_stream_accumulator acc;
        while (auto e = co_await second.next())
            acc.add(*e);
        CHECK(acc.text() == "echo: one two three four five six");
        bedrock::converse_request unary;
        unary.model_id = "h2-close";
        unary.messages = {bedrock::user_text("after")};
        auto out = co_await client.converse(unary);
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) == "echo: after");
        CHECK(client.connection_stats().opened == 1);
    });
}

TEST_CASE("h2: a peer that goes silent is found by PING, sooner than the stream's own timeouts", "[h2]")
{
    // A plain-TCP peer (HTTP/2 by prior knowledge) that reads everything and never answers, as a
    // half-open connection looks: nothing acknowledges the client's PING.
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                auto peer = co_await acceptor.async_accept(asio::use_awaitable);
                std::array<char, 4096> sink;
                for (;;) {
                    auto [ec, n] = co_await peer.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
                    if (ec)
                        co_return;
                }
            },
            asio::detached);
        tr::http2_options h2;
        h2.ping_after = 100ms;
        auto target = bedrock::http::parse_endpoint("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
        REQUIRE(target.has_value());
        auto wire = tr::make_http2_transport(io.get_executor(), *target, {}, h2);
        auto limits = quick();
        limits.first_byte = 5s;
        tr::response res;
        const auto req = get("/silent");
        const auto start = std::chrono::steady_clock::now();
        auto [ec] = co_await await_op<void(error_code)>(
            [&](auto h) { wire->async_exchange(req, res, limits, std::move(h)); });
        const auto took = std::chrono::steady_clock::now() - start;
        CHECK(ec == bedrock::http::error::idle_timeout);
        CHECK(took < 2s);
        wire->close();
        acceptor.close();
    });
}

TEST_CASE("h2: after a GOAWAY the next request goes on a new connection", "[h2]")
{
    bt::https_server server([](const bt::request& req, bt::response_writer& w) -> asio::awaitable<void> {
        bt::response res{boost::beast::http::status::ok, 11};
        res.body() = std::string(req.target());
        co_await w.respond(std::move(res));
        if (req.target() == "/bye")
            co_await w.close_connection(); // GOAWAY after the answer, then the end of the connection
    });
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto wire = h2_transport(io, server.url(), server.ca_pem());
        for (const char* path : {"/bye", "/next"}) {
            tr::response res;
            const auto req = get(path);
            auto [ec] = co_await await_op<void(error_code)>(
                [&](auto h) { wire->async_exchange(req, res, quick(), std::move(h)); });
            CHECK_FALSE(ec);
            CHECK(res.body() == path);
            asio::steady_timer settle(io); // the GOAWAY and the close arrive
            settle.expires_after(50ms);
            co_await settle.async_wait(asio::use_awaitable);
        }
        CHECK(wire->stats().opened == 2);
        CHECK(server.connections_accepted() == 2);
        wire->close();
    });
}

} // namespace http2_test
