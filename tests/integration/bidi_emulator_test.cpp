// InvokeModelWithBidirectionalStream end to end: the client against the emulator's HTTP/2 route over
// real TLS, which verifies the whole chunk-signature chain and echoes each input chunk as it comes.

#include "coroutine_support.hpp"
#include "emulator_support.hpp"

#include <bedrock/bidirectional_stream.hpp>
#include <bedrock/client.hpp>
#include <bedrock/eventstream/crc32.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/tls.hpp>
#include <bedrock/testing/https_server.hpp>
#include <bedrock/transport/http2.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace bidi_emulator_test {

namespace {

namespace asio = boost::asio;
namespace bt = bedrock::testing;
namespace tr = bedrock::transport;
using boost::system::error_code;
using namespace std::chrono_literals;

struct bidi_file {};
bt::emulator& emu() { return bedrock::test::started_emulator<bidi_file>(); }

bedrock::invoke_model_with_bidirectional_stream_input chunk(std::string_view text)
{
    bedrock::invoke_model_with_bidirectional_stream_input_chunk part;
    part.value.bytes = bedrock::bytes(text.begin(), text.end());
    return bedrock::invoke_model_with_bidirectional_stream_input{std::move(part)};
}

std::string text_of(const bedrock::invoke_model_with_bidirectional_stream_output& out)
{
    auto c = std::get_if<bedrock::invoke_model_with_bidirectional_stream_output_chunk>(&out);
    if (!c || !c->value.bytes)
        return "<not a chunk>";
    return std::string(c->value.bytes->begin(), c->value.bytes->end());
}

bedrock::invoke_model_with_bidirectional_stream_request session(std::string model_id)
{
    bedrock::invoke_model_with_bidirectional_stream_request r;
    r.model_id = std::move(model_id);
    return r;
}

/// Waits until `done()` (the test fails after `limit`).
template <class Done>
asio::awaitable<void> until(Done done, std::chrono::milliseconds limit = 20s)
{
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (auto waited = 0ms; !done() && waited < limit; waited += 5ms) {
        t.expires_after(5ms);
        co_await t.async_wait(asio::use_awaitable);
    }
    CHECK(done());
}

// A transport in front of the real HTTP/2 one that corrupts the `:chunk-signature` of the n-th
// frame written on a duplex body (both CRCs made right again), as a man in the middle would.
class tampering_transport final : public tr::transport {
public:
    tampering_transport(std::shared_ptr<tr::transport> inner, int nth) : inner_(std::move(inner)), nth_(nth) {}
    executor_type get_executor() const noexcept override { return inner_->get_executor(); }
    std::string_view protocol() const noexcept override { return inner_->protocol(); }
    void async_exchange(const tr::request& r, tr::response& res, const tr::timeouts& l,
                        tr::handler<void(error_code)> h) override
    {
        inner_->async_exchange(r, res, l, std::move(h));
    }
    void async_open(const tr::request& r, const tr::timeouts& l,
                    tr::handler<void(error_code, std::unique_ptr<tr::response_body>)> h) override
    {
        inner_->async_open(r, l, std::move(h));
    }
    void async_open_duplex(const tr::request& r, const tr::timeouts& l,
                           tr::handler<void(error_code, std::unique_ptr<tr::duplex_body>)> h) override
    {
        inner_->async_open_duplex(
            r, l, [h = std::move(h), nth = nth_](error_code ec, std::unique_ptr<tr::duplex_body> body) mutable {
                if (body)
                    body = std::make_unique<tampering_body>(std::move(body), nth);
                std::move(h)(ec, std::move(body));
            });
    }
    void close() noexcept override { inner_->close(); }
    bedrock::http::pool_stats stats() const noexcept override { return inner_->stats(); }

private:
    class tampering_body final : public tr::duplex_body {
    public:
        tampering_body(std::unique_ptr<tr::duplex_body> inner, int nth) : inner_(std::move(inner)), nth_(nth) {}
        const tr::response_head& head() const noexcept override { return inner_->head(); }
        void async_read_some(asio::mutable_buffer b, tr::handler<void(error_code, std::size_t)> h) override
        {
            inner_->async_read_some(b, std::move(h));
        }
        void set_idle_timeout(std::chrono::milliseconds idle) noexcept override { inner_->set_idle_timeout(idle); }
        void close() noexcept override { inner_->close(); }
        void async_finish(tr::handler<void(error_code)> h) override { inner_->async_finish(std::move(h)); }
        void async_write(asio::const_buffer bytes, tr::handler<void(error_code)> h) override
        {
            copy_.assign(static_cast<const std::uint8_t*>(bytes.data()),
                         static_cast<const std::uint8_t*>(bytes.data()) + bytes.size());
            // Outer frame: prelude (12), `:date` (1 + 5 + 1 + 8 = 15), then `:chunk-signature`:
            // name length, 16 name bytes, type, 2 length bytes, and its 32 bytes from offset 47.
            if (++writes_ == nth_ && copy_.size() > 47 + 32 + 4) {
                copy_[47] ^= 0x01;
                const auto crc = bedrock::eventstream::crc32(copy_.data(), copy_.size() - 4);
                for (int i = 0; i < 4; ++i)
                    copy_[copy_.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
            }
            inner_->async_write(asio::buffer(copy_), std::move(h));
        }

    private:
        std::unique_ptr<tr::duplex_body> inner_;
        std::vector<std::uint8_t> copy_;
        int nth_;
        int writes_ = 0;
    };

    std::shared_ptr<tr::transport> inner_;
    int nth_;
};

} // namespace

TEST_CASE("bidi: 10,000 events each way at once, in order, the signature chain verified", "[bidi][load]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client(io.get_executor(), emu().client_config());
        auto stream = co_await client.invoke_model_with_bidirectional_stream(session("amazon.nova-sonic-v1:0"));
        constexpr int events = 10'000;
        bool sent_all = false;
        error_code send_error;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                for (int i = 0; i < events && !send_error; ++i) {
                    auto [ec] = co_await stream.send(chunk("{\"n\":" + std::to_string(i) + "}"),
                                                     asio::as_tuple(asio::use_awaitable));
                    send_error = ec;
                }
                auto [ec] = co_await stream.finish(asio::as_tuple(asio::use_awaitable));
                if (!send_error)
                    send_error = ec;
                sent_all = true;
            },
            asio::detached);
        int received = 0, in_order = 0;
        while (auto out = co_await stream.next()) {
            if (text_of(*out) == "{\"n\":" + std::to_string(received) + "}")
                ++in_order;
            ++received;
        }
        co_await until([&] { return sent_all; });
        CHECK_FALSE(send_error);
        CHECK(received == events);
        CHECK(in_order == events);
    });
}

TEST_CASE("bidi: a tampered chunk signature is refused by the service", "[bidi]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu().client_config();
        auto ctx = bedrock::http::make_tls_context({true, {}, cfg.ca_pem});
        REQUIRE(ctx.has_value());
        bedrock::http::pool_options options;
        options.tls = *ctx;
        auto target = bedrock::http::parse_endpoint(cfg.endpoint_url);
        REQUIRE(target.has_value());
        auto wire = std::make_shared<tampering_transport>(
            tr::make_http2_transport(io.get_executor(), *target, options), 2);
        bedrock::client client(io.get_executor(), cfg, wire);
        bedrock::diagnostics diag;
        auto stream = co_await client.invoke_model_with_bidirectional_stream(session("amazon.nova-sonic-v1:0"), diag);
        co_await stream.send(chunk("first"));
        auto first = co_await stream.next();
        REQUIRE(first.has_value());
        CHECK(text_of(*first) == "first");
        auto [send_ec] = co_await stream.send(chunk("second"), asio::as_tuple(asio::use_awaitable));
        (void)send_ec; // the frame goes out; the service answers it with an exception
        auto [ec, out] = co_await stream.next(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == bedrock::service_errc::validation);
        CHECK_FALSE(out.has_value());
        CHECK_FALSE(stream.diagnostics().service_message.empty());
    });
}

TEST_CASE("bidi: finish() ends the session, nothing can be sent after it", "[bidi]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client(io.get_executor(), emu().client_config());
        auto stream = co_await client.invoke_model_with_bidirectional_stream(session("amazon.nova-sonic-v1:0"));
        co_await stream.send(chunk("only"));
        co_await stream.finish();
        std::vector<std::string> got;
        while (auto out = co_await stream.next())
            got.push_back(text_of(*out));
        CHECK(got == std::vector<std::string>{"only"});
        auto [ec] = co_await stream.send(chunk("late"), asio::as_tuple(asio::use_awaitable));
        CHECK(ec);
    });
}

TEST_CASE("bidi: close() mid-way resets that stream alone, the connection serves the others", "[bidi]")
{
    auto cfg = emu().client_config();
    cfg.http_version = bedrock::http_version::http2;
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client(io.get_executor(), cfg);
        auto a = co_await client.invoke_model_with_bidirectional_stream(session("amazon.nova-sonic-v1:0"));
        auto b = co_await client.invoke_model_with_bidirectional_stream(session("amazon.nova-sonic-v1:0"));
        co_await a.send(chunk("a1"));
        co_await b.send(chunk("b1"));
        auto a1 = co_await a.next();
        REQUIRE(a1.has_value());
        a.close();
        auto [closed_ec, nothing] = co_await a.next(asio::as_tuple(asio::use_awaitable));
        CHECK(closed_ec);
        CHECK_FALSE(nothing.has_value());
        auto b1 = co_await b.next();
        REQUIRE(b1.has_value());
        CHECK(text_of(*b1) == "b1");
        co_await b.send(chunk("b2"));
        co_await b.finish();
        auto b2 = co_await b.next();
        REQUIRE(b2.has_value());
        CHECK(text_of(*b2) == "b2");
        auto end = co_await b.next();
        CHECK_FALSE(end.has_value());
        bedrock::converse_request unary;
        unary.model_id = "bidi-neighbour";
        unary.messages = {bedrock::user_text("still here")};
        auto out = co_await client.converse(unary);
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) ==
              "echo: still here");
        CHECK(client.connection_stats().opened == 1);
    });
}

TEST_CASE("bidi: 100 concurrent sessions on one HTTP/2 connection", "[bidi][load]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu().client_config();
        cfg.max_connections = 1;
        bedrock::client client(io.get_executor(), cfg);
        constexpr int sessions = 100;
        int done = 0, right = 0;
        for (int i = 0; i < sessions; ++i) {
            asio::co_spawn(
                io,
                [&, i]() -> asio::awaitable<void> {
                    auto s = co_await client.invoke_model_with_bidirectional_stream(session("amazon.nova-sonic-v1:0"));
                    const std::string mine = "session " + std::to_string(i);
                    co_await s.send(chunk(mine));
                    co_await s.send(chunk(mine + " again"));
                    co_await s.finish();
                    std::vector<std::string> got;
                    while (auto out = co_await s.next())
                        got.push_back(text_of(*out));
                    if (got == std::vector<std::string>{mine, mine + " again"})
                        ++right;
                },
                [&](std::exception_ptr) { ++done; });
        }
        co_await until([&] { return done == sessions; });
        CHECK(right == sessions);
        CHECK(client.connection_stats().opened == 1);
    });
}

TEST_CASE("bidi: a service that stops reading holds send() back instead of a growing buffer", "[bidi]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client(io.get_executor(), emu().client_config());
        auto stream = co_await client.invoke_model_with_bidirectional_stream(session("stop-reading:bidi"));
        const std::string payload(4096, 'a');
        std::size_t sent = 0;
        bool blocked = false;
        error_code last;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                for (;;) {
                    auto [ec] = co_await stream.send(chunk(payload), asio::as_tuple(asio::use_awaitable));
                    last = ec;
                    if (ec)
                        co_return;
                    sent += payload.size();
                }
            },
            asio::detached);
        // Sends go out until the service's window (64 KiB) and ours are used up, then one waits.
        std::size_t before = 0;
        asio::steady_timer t(io);
        for (int i = 0; i < 100 && !blocked; ++i) {
            before = sent;
            t.expires_after(50ms);
            co_await t.async_wait(asio::use_awaitable);
            blocked = sent == before && sent > 0;
        }
        CHECK(blocked);
        INFO("sent before the window shut: " << sent);
        CHECK(sent < 512 * 1024);
        stream.close();
        co_await until([&] { return last == asio::error::operation_aborted; });
    });
}

TEST_CASE("bidi: an exception frame from the model ends the stream with its typed error", "[bidi]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client(io.get_executor(), emu().client_config());
        auto stream =
            co_await client.invoke_model_with_bidirectional_stream(session("stream-error:modelStreamErrorException"));
        co_await stream.send(chunk("one"));
        co_await stream.send(chunk("two"));
        co_await stream.send(chunk("three"));
        std::vector<std::string> got;
        error_code ec;
        for (;;) {
            auto [e, out] = co_await stream.next(asio::as_tuple(asio::use_awaitable));
            if (e || !out) {
                ec = e;
                break;
            }
            got.push_back(text_of(*out));
        }
        CHECK(got == std::vector<std::string>{"one", "two"});
        CHECK(ec == bedrock::service_errc::model_stream_error);
    });
}

TEST_CASE("bidi: with a bearer token the frames go unsigned and are accepted", "[bidi][auth]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu().client_config();
        cfg.credentials.reset();
        cfg.bearer_token = emu().options().bearer_tokens.at(0);
        bedrock::client client(io.get_executor(), cfg);
        auto stream = co_await client.invoke_model_with_bidirectional_stream(session("amazon.nova-sonic-v1:0"));
        co_await stream.send(chunk("with a key"));
        co_await stream.finish();
        auto out = co_await stream.next();
        REQUIRE(out.has_value());
        CHECK(text_of(*out) == "with a key");
        auto end = co_await stream.next();
        CHECK_FALSE(end.has_value());
    });
}

TEST_CASE("bidi: the emulator answers Nova Sonic's audioInput with audioOutput, other bytes as sent", "[bidi]")
{
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client(io.get_executor(), emu().client_config());
        auto stream = co_await client.invoke_model_with_bidirectional_stream(session("amazon.nova-sonic-v1:0"));
        co_await stream.send(chunk(R"({"event":{"audioInput":{"promptName":"p","contentName":"c","content":"AAEC"}}})"));
        co_await stream.send(chunk(R"({"event":{"textInput":{"promptName":"p","contentName":"t","content":"hi"}}})"));
        co_await stream.send(chunk(R"({"event":{"contentEnd":{"promptName":"p","contentName":"c"}}})"));
        co_await stream.finish();
        std::vector<std::string> got;
        while (auto out = co_await stream.next())
            got.push_back(text_of(*out));
        CHECK(got == std::vector<std::string>{
                         R"({"event":{"audioOutput":{"promptName":"p","contentName":"c","content":"AAEC"}}})",
                         R"({"event":{"textOutput":{"promptName":"p","contentName":"t","content":"hi"}}})",
                         R"({"event":{"contentEnd":{"promptName":"p","contentName":"c"}}})"});
    });
}

} // namespace bidi_emulator_test
