// The emulator tells when a client gave up a stream mid-answer (streams_abandoned_by_client()): what
// a test of a relay (examples/sse_server.cpp) checks to know that closing the browser's tab closed
// the Bedrock stream. Over HTTP/1.1 closing the stream closes the connection; over HTTP/2 (the
// "integration h2:" run) it resets the stream.

#include "coroutine_support.hpp"
#include "emulator_support.hpp"

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

namespace emulator_abandoned_test {

using namespace bedrock;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

struct abandoned_tag;

testing::emulator& emu() { return test::started_emulator<abandoned_tag>(); }

converse_stream_request long_echo(std::string model_id)
{
    converse_stream_request r;
    r.model_id = std::move(model_id);
    r.messages.push_back(user_text("one two three four five six seven eight nine ten eleven twelve"));
    return r;
}

/// Polls the counter until it reaches `at_least` or 5 s pass: the emulator notices at its next write.
asio::awaitable<std::size_t> abandoned_after_wait(std::size_t at_least)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::size_t n = emu().streams_abandoned_by_client();
    while (n < at_least && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(20ms);
        co_await timer.async_wait(asio::use_awaitable);
        n = emu().streams_abandoned_by_client();
    }
    co_return n;
}

} // namespace

TEST_CASE("emulator: counts the streams a client abandons mid-answer", "[integration][emulator][stream]")
{
    test::run([](asio::io_context& io) -> asio::awaitable<void> {
        client c{io.get_executor(), emu().client_config()};
        const std::size_t before = emu().streams_abandoned_by_client();

        // Read to its end: not abandoned.
        {
            auto stream = co_await c.converse_stream(long_echo("slow-events-5:abandon-whole"));
            while (auto event = co_await stream.next())
                (void)event;
        }
        CHECK(emu().streams_abandoned_by_client() == before);

        // Closed after the first event, with a dozen more to come: the emulator sees it.
        {
            auto stream = co_await c.converse_stream(long_echo("slow-events-30:abandon-cut"));
            auto first = co_await stream.next();
            REQUIRE(first.has_value());
            stream.close();
        }
        const std::size_t after = co_await abandoned_after_wait(before + 1);
        CHECK(after == before + 1);

        // reset_state() forgets it.
        emu().reset_state();
        CHECK(emu().streams_abandoned_by_client() == 0);
    });
}

} // namespace emulator_abandoned_test
