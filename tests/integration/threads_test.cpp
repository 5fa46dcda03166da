// One client shared by the threads of a multi-threaded io_context, used as README "Threads" says:
// the client's executor is a strand, the coroutines that use it run on that strand, callbacks (no
// executor of their own) default to it, futures are bound to it, and operations may be started from
// any thread.
// Built and run under ThreadSanitizer in CI (.ci/run), so a data race anywhere on these paths fails.
//
// Catch's assertions are not thread-safe: the handlers record what went wrong under a mutex, and the
// test checks the record once every thread has been joined.

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include "emulator_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace threads_test {

namespace asio = boost::asio;

namespace {

bedrock::testing::emulator& threads_emulator()
{
    return bedrock::test::started_emulator<struct threads_tests>();
}

bedrock::converse_request hello(std::string model, std::string text)
{
    bedrock::converse_request r;
    r.model_id = std::move(model);
    r.messages = {bedrock::user_text(std::move(text))};
    return r;
}

bedrock::converse_stream_request stream_hello(std::string model, std::string text)
{
    bedrock::converse_stream_request r;
    r.model_id = std::move(model);
    r.messages = {bedrock::user_text(std::move(text))};
    return r;
}

std::string reply_text(const bedrock::converse_response& out)
{
    const auto* m = std::get_if<bedrock::converse_output_message>(&out.output);
    return m ? bedrock::message_text(m->value) : std::string();
}

// What the handlers saw, written from any thread.
struct tally {
    std::atomic<int> ok{0};
    std::mutex mutex;
    std::vector<std::string> failures;

    void fail(std::string what)
    {
        std::lock_guard lock(mutex);
        failures.push_back(std::move(what));
    }
    void expect(bool good, const std::string& what)
    {
        if (good)
            ++ok;
        else
            fail(what);
    }
};

// A coroutine that checks its own result; any exception is a failure too.
template <class F>
void spawn(const bedrock::client& client, tally& t, std::string name, F f)
{
    asio::co_spawn(client.get_executor(), std::move(f), [&t, name](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            t.fail(name + ": " + x.what());
        }
    });
}

asio::awaitable<void> converse_once(bedrock::client& client, tally& t, int i)
{
    const std::string text = "unary " + std::to_string(i);
    auto out = co_await client.converse(hello("threads.converse", text));
    t.expect(reply_text(out) == "echo: " + text, "converse " + std::to_string(i) + ": " + reply_text(out));
}

asio::awaitable<void> stream_once(bedrock::client& client, tally& t, int i)
{
    const std::string text = "streamed words " + std::to_string(i);
    auto stream = co_await client.converse_stream(stream_hello("threads.stream", text));
    bedrock::converse_stream_accumulator acc;
    while (auto event = co_await stream.next())
        if (acc.add(*event))
            t.fail("stream " + std::to_string(i) + ": an event the accumulator refused");
    t.expect(acc.text() == "echo: " + text && acc.stopped(), "stream " + std::to_string(i) + ": " + acc.text());
}

// A stream given up part-way, by a cancellation signal (emitted on the strand) or by close().
asio::awaitable<void> stream_abandoned(bedrock::client& client, tally& t, int i)
{
    auto stream = co_await client.converse_stream(stream_hello("stall-body:threads-" + std::to_string(i), "never ends"));
    auto first = co_await stream.next();
    asio::steady_timer timer(client.get_executor(), std::chrono::milliseconds(1 + i % 7));
    asio::cancellation_signal signal;
    if (i % 2 == 0)
        timer.async_wait([&signal](boost::system::error_code ec) {
            if (!ec)
                signal.emit(asio::cancellation_type::terminal);
        });
    else
        timer.async_wait([&stream](boost::system::error_code ec) {
            if (!ec)
                stream.close();
        });
    auto [ec, event] = co_await stream.next(asio::bind_cancellation_slot(signal.slot(), asio::as_tuple(asio::use_awaitable)));
    t.expect(first && ec == asio::error::operation_aborted && !event,
             "abandoned stream " + std::to_string(i) + ": " + ec.message());
}

} // namespace

TEST_CASE("threads: one client on a strand serves hundreds of calls from an io_context run by 4 threads", "[threads]")
{
    auto& emu = threads_emulator();
    asio::io_context io(4);
    auto work = asio::make_work_guard(io); // until the futures below are in
    auto cfg = emu.client_config();
    cfg.max_connections = 24; // fewer than the calls: some wait in the pool's queue
    bedrock::client client{asio::make_strand(io), cfg};
    // A second client on the same io_context, with its own strand.
    bedrock::client other{asio::make_strand(io), emu.client_config()};

    tally t;
    constexpr int unary = 200, streams = 200, abandoned = 20, callbacks = 100, futures = 20, others = 60;
    for (int i = 0; i < unary; ++i)
        spawn(client, t, "converse", converse_once(client, t, i));
    for (int i = 0; i < streams; ++i)
        spawn(client, t, "stream", stream_once(client, t, i));
    for (int i = 0; i < abandoned; ++i)
        spawn(client, t, "abandoned", stream_abandoned(client, t, i));
    for (int i = 0; i < others; ++i)
        spawn(other, t, "other client", i % 2 ? converse_once(other, t, i) : stream_once(other, t, i));

    // Started from whichever io thread runs the post (not the strand); the callbacks, having no
    // executor of their own, run on the client's strand.
    for (int i = 0; i < callbacks; ++i)
        asio::post(io, [&client, &t, i] {
            const std::string text = "callback " + std::to_string(i);
            client.converse(hello("threads.callback", text),
                            [&t, text](boost::system::error_code ec, bedrock::converse_response out) {
                                t.expect(!ec && reply_text(out) == "echo: " + text,
                                         text + ": " + ec.message() + " " + reply_text(out));
                            });
        });

    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&io] { io.run(); });

    // Started from this thread, which does not run the io_context, while the others do. use_future's
    // handler has an executor of its own (a system executor): bound to the strand, as it must be.
    std::vector<std::future<bedrock::converse_response>> pending;
    for (int i = 0; i < futures; ++i)
        pending.push_back(client.converse(hello("threads.future", "future " + std::to_string(i)),
                                          asio::bind_executor(client.get_executor(), asio::use_future)));
    for (int i = 0; i < futures; ++i) {
        try {
            const auto out = pending[static_cast<std::size_t>(i)].get();
            t.expect(reply_text(out) == "echo: future " + std::to_string(i), "future " + std::to_string(i));
        } catch (const std::exception& x) {
            t.fail("future " + std::to_string(i) + ": " + x.what());
        }
    }
    work.reset();
    for (auto& th : threads)
        th.join();

    for (const auto& f : t.failures)
        UNSCOPED_INFO(f);
    CHECK(t.failures.empty());
    CHECK(t.ok.load() == unary + streams + abandoned + callbacks + futures + others);
    const auto stats = client.connection_stats();
    CHECK(stats.live <= cfg.max_connections);
    CHECK(stats.waiting == 0);
}

} // namespace threads_test
