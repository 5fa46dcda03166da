// Soak: many converse_stream calls against an in-process emulator (loopback TLS only), a bounded
// number in flight, each one a seeded random choice among the ways a stream ends: read to its end,
// cancelled part-way, cut by a tight timeout, broken by an injected fault. Every stream must be
// accounted for (completed, failed with an error expected for its scenario, or cancelled) and the
// resident set must not grow past a bound once warmed up. See benchmarks/README.md.
//
//     bedrock_soak [--streams N] [--concurrency C] [--seed S] [--max-rss-growth-mib M] [--max-seconds T]
//
// Exit status: 0 when every stream is accounted for, every error is one its scenario expects and the
// RSS grew by at most M MiB between the warm-up and the end; 1 otherwise (or when T seconds pass);
// 2 on bad arguments.

#include <bedrock/client.hpp>
#include <bedrock/eventstream/error.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "resident_set.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

// ------------------------------------------------------------------------------------------------
// What a stream is asked to do, and what may come of it.

enum class scenario {
    echo,              // read to its end
    cancel_next,       // after its first event, next() cancelled through its cancellation slot
    close_next,        // after its first event, close() while next() is pending
    cancel_open,       // the open itself cancelled while the emulator holds the head back
    idle_slow_events,  // slow-events-<ms> with a tight idle timeout
    idle_stall_body,   // stall-body: the first event, then silence; tight idle timeout
    first_event_stall, // stall-head: the head, then silence; tight first-event timeout
    reset_body,        // reset-body: half a frame, then a TCP reset
    bad_json,          // bad-json: the first frame's CRC is wrong
    stream_error,      // stream-error:ThrottlingException inside the stream, after some events
    throttle_once,     // 429 once before the head: reopened, then read to its end
    count_
};

constexpr std::array<std::string_view, static_cast<std::size_t>(scenario::count_)> scenario_names{
    "echo",         "cancel next()",      "close() in next()", "cancel open",   "idle: slow-events",
    "idle: stall-body", "first-event: stall-head", "fault: reset-body", "fault: bad-json",
    "fault: stream-error", "fault: throttle-once"};

// Weights in percent: half the streams end well, the rest is spread over the ways they do not.
constexpr std::array<int, static_cast<std::size_t>(scenario::count_)> weights{40, 7, 7, 4, 5, 5, 5, 7, 6, 7, 7};

enum class outcome { unaccounted, completed, failed, cancelled };

struct plan {
    scenario what = scenario::echo;
    int words = 1;                           // of the prompt: the echo streams one event per word
    std::chrono::milliseconds cancel_after{}; // cancel_*, close_next: from the moment next() waits
};

struct record {
    outcome result = outcome::unaccounted;
    error_code ec;
    std::size_t events = 0;
    int attempts = 0;
    std::string text; // the streamed text, for the echo check
    std::string why;  // set when the result is not one the scenario expects
};

constexpr auto tight = 150ms;         // the idle and first-event limits of the timeout clients
constexpr auto slow_events_gap = 600; // ms between events: well past `tight`
constexpr auto held_head = 5000;      // ms the emulator holds the head of a cancel_open stream

// One model id per scenario, except throttle-once, whose counter is per exact id: the emulator keeps
// a counter per id it has seen, and that growth would count against the RSS bound.
std::string model_for(scenario s, std::size_t i)
{
    const std::string tag = ":soak";
    switch (s) {
    case scenario::echo: return "soak.echo";
    case scenario::cancel_next:
    case scenario::close_next:
    case scenario::idle_stall_body: return "stall-body" + tag;
    case scenario::cancel_open: return "slow-" + std::to_string(held_head) + tag;
    case scenario::idle_slow_events: return "slow-events-" + std::to_string(slow_events_gap) + tag;
    case scenario::first_event_stall: return "stall-head" + tag;
    case scenario::reset_body: return "reset-body" + tag;
    case scenario::bad_json: return "bad-json" + tag;
    case scenario::stream_error: return "stream-error:ThrottlingException" + tag;
    case scenario::throttle_once: return "throttle-once:soak-" + std::to_string(i);
    case scenario::count_: break;
    }
    return "soak.echo";
}

// The errors a reset in the middle of a TLS stream shows up as, depending on where the reset meets
// the reads: the socket's reset, or (should the reset be seen as the end of the TLS stream without
// close_notify) the end of file the transport reports for that.
bool is_reset_error(const error_code& ec)
{
    return ec == asio::error::connection_reset || ec == asio::error::eof;
}

// Empty when the record is what the scenario allows; else why not.
std::string check(const plan& p, const record& r, const std::string& prompt)
{
    const auto failed_with = [&](auto expected_ok, const char* what) -> std::string {
        if (r.result != outcome::failed)
            return std::string("expected to fail with ") + what;
        return expected_ok ? std::string() : std::string("expected ") + what;
    };
    switch (p.what) {
    case scenario::echo:
        if (r.result != outcome::completed)
            return "expected to complete";
        if (r.text != "echo: " + prompt)
            return "streamed text differs: \"" + r.text + "\"";
        return r.attempts == 1 ? std::string() : "expected one attempt";
    case scenario::throttle_once:
        if (r.result != outcome::completed)
            return "expected to complete after one retry";
        if (r.text != "echo: " + prompt)
            return "streamed text differs: \"" + r.text + "\"";
        return r.attempts == 2 ? std::string() : "expected two attempts";
    case scenario::cancel_next:
    case scenario::close_next:
        if (r.result != outcome::cancelled)
            return "expected to be cancelled";
        return r.events == 1 ? std::string() : "expected one event before the cancellation";
    case scenario::cancel_open:
        if (r.result != outcome::cancelled)
            return "expected to be cancelled";
        return r.events == 0 ? std::string() : "expected no event";
    case scenario::idle_slow_events:
    case scenario::idle_stall_body:
        return failed_with(r.ec == bedrock::http::error::idle_timeout, "http::error::idle_timeout");
    case scenario::first_event_stall:
        if (auto why = failed_with(r.ec == bedrock::http::error::first_event_timeout, "first_event_timeout");
            !why.empty())
            return why;
        return r.events == 0 ? std::string() : "expected no event";
    case scenario::reset_body: return failed_with(is_reset_error(r.ec), "a connection reset");
    case scenario::bad_json:
        if (auto why = failed_with(r.ec.category() == bedrock::eventstream::error_category(), "an eventstream error");
            !why.empty())
            return why;
        return r.events == 0 ? std::string() : "expected no event";
    case scenario::stream_error:
        return failed_with(r.ec == bedrock::service_errc::throttling, "service_errc::throttling");
    case scenario::count_: break;
    }
    return "unknown scenario";
}

// ------------------------------------------------------------------------------------------------
// The run.

struct options {
    std::size_t streams = 100'000;
    std::size_t concurrency = 32;
    std::uint64_t seed = 1;
    double max_rss_growth_mib = 16;
    int max_seconds = 1800;
};

double rss_mib()
{
    const long kib = bench::resident_kib();
    return kib < 0 ? -1 : static_cast<double>(kib) / 1024.0;
}

std::string prompt_of(std::size_t i, int words)
{
    std::string text = "soak" + std::to_string(i);
    for (int w = 1; w < words; ++w)
        text += " w" + std::to_string(w);
    return text;
}

struct soak {
    soak(options o, asio::io_context& ctx, bedrock::client& p, bedrock::client& i, bedrock::client& f)
        : opt(o), io(ctx), plain(p), idle(i), first_event(f)
    {
    }

    options opt;
    asio::io_context& io;
    bedrock::client& plain;       // default timeouts
    bedrock::client& idle;        // tight idle timeout
    bedrock::client& first_event; // tight first-event timeout
    std::vector<plan> plans;
    std::vector<record> records;
    std::size_t next = 0;
    std::size_t finished = 0;
    std::size_t warmup = 0;
    double rss_warm = -1;

    bedrock::client& client_for(scenario s)
    {
        if (s == scenario::idle_slow_events || s == scenario::idle_stall_body)
            return idle;
        if (s == scenario::first_event_stall)
            return first_event;
        return plain;
    }

    asio::awaitable<void> one(std::size_t i)
    {
        const plan& p = plans[i];
        record& r = records[i];
        bedrock::converse_stream_request request;
        request.model_id = model_for(p.what, i);
        request.messages = {bedrock::user_text(prompt_of(i, p.words))};

        asio::cancellation_signal signal;
        asio::steady_timer timer(io);
        const auto arm = [&](auto action) {
            timer.expires_after(p.cancel_after);
            timer.async_wait([action](error_code ec) {
                if (!ec)
                    action();
            });
        };
        if (p.what == scenario::cancel_open)
            arm([&signal] { signal.emit(asio::cancellation_type::terminal); });

        bedrock::diagnostics diag;
        auto opened = co_await client_for(p.what).converse_stream(
            std::move(request), diag, asio::bind_cancellation_slot(signal.slot(), asio::as_tuple(asio::use_awaitable)));
        timer.cancel();
        error_code ec = std::get<0>(opened);
        bedrock::converse_event_stream& stream = std::get<1>(opened);
        r.attempts = diag.attempts;
        if (!ec) {
            bedrock::converse_stream_accumulator acc;
            while (true) {
                if (r.events == 1 && p.what == scenario::cancel_next)
                    arm([&signal] { signal.emit(asio::cancellation_type::terminal); });
                else if (r.events == 1 && p.what == scenario::close_next)
                    arm([&stream] { stream.close(); });
                auto [e, event] = co_await stream.next(asio::bind_cancellation_slot(signal.slot(), asio::as_tuple(asio::use_awaitable)));
                timer.cancel();
                if (e || !event) {
                    ec = e;
                    break;
                }
                ++r.events;
                if (auto bad = acc.add(*event)) {
                    ec = bad;
                    break;
                }
            }
            r.text = acc.text();
            r.attempts = stream.diagnostics().attempts;
        }
        r.ec = ec;
        r.result = !ec ? outcome::completed
                       : ec == asio::error::operation_aborted ? outcome::cancelled : outcome::failed;
        r.why = check(p, r, prompt_of(i, p.words));
        std::string().swap(r.text); // checked: the records should not grow with the run
        if (++finished == warmup)
            rss_warm = rss_mib();
    }

    asio::awaitable<void> worker()
    {
        while (next < plans.size()) {
            const std::size_t i = next++;
            co_await one(i);
        }
    }
};

bool parse(int argc, char** argv, options& o)
{
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (i + 1 >= argc)
            return false;
        const char* v = argv[++i];
        char* end = nullptr;
        if (a == "--streams")
            o.streams = std::strtoull(v, &end, 10);
        else if (a == "--concurrency")
            o.concurrency = std::strtoull(v, &end, 10);
        else if (a == "--seed")
            o.seed = std::strtoull(v, &end, 10);
        else if (a == "--max-rss-growth-mib")
            o.max_rss_growth_mib = std::strtod(v, &end);
        else if (a == "--max-seconds")
            o.max_seconds = static_cast<int>(std::strtol(v, &end, 10));
        else
            return false;
        if (!end || *end != '\0')
            return false;
    }
    return o.streams > 0 && o.concurrency > 0 && o.max_seconds > 0;
}

std::string describe(const error_code& ec)
{
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + " (" + ec.message() + ")";
}

} // namespace

int main(int argc, char** argv)
{
    options opt;
    if (!parse(argc, argv, opt)) {
        std::fprintf(stderr, "usage: %s [--streams N] [--concurrency C] [--seed S] [--max-rss-growth-mib M] "
                             "[--max-seconds T]\n",
                     argv[0]);
        return 2;
    }
    const auto started = std::chrono::steady_clock::now();
    std::printf("soak: %zu streams, concurrency %zu, seed %llu\n", opt.streams, opt.concurrency,
                static_cast<unsigned long long>(opt.seed));

    int status = 0;
    {
        bedrock::testing::emulator emu; // its own thread, 127.0.0.1 only
        emu.start();
        asio::io_context io(1);

        auto plain_cfg = emu.client_config();
        plain_cfg.max_connections = opt.concurrency;
        auto idle_cfg = plain_cfg;
        idle_cfg.timeout.idle = tight;
        auto first_event_cfg = plain_cfg;
        first_event_cfg.timeout.first_event = tight;
        bedrock::client plain{io.get_executor(), plain_cfg};
        bedrock::client idle{io.get_executor(), idle_cfg};
        bedrock::client first_event{io.get_executor(), first_event_cfg};

        soak s{opt, io, plain, idle, first_event};
        std::mt19937_64 rng(opt.seed);
        std::discrete_distribution<int> pick(weights.begin(), weights.end());
        s.plans.resize(opt.streams);
        for (auto& p : s.plans) {
            p.what = static_cast<scenario>(pick(rng));
            p.words = std::uniform_int_distribution<int>(1, 12)(rng);
            p.cancel_after = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 5)(rng));
        }
        s.records.resize(opt.streams);
        s.warmup = std::min(opt.streams, std::max<std::size_t>(opt.streams / 10, 4 * opt.concurrency));

        std::size_t workers_left = std::min(opt.concurrency, opt.streams);
        std::exception_ptr crashed;
        asio::steady_timer deadline(io, std::chrono::seconds(opt.max_seconds));
        bool timed_out = false;
        deadline.async_wait([&](error_code ec) {
            if (ec)
                return;
            timed_out = true;
            io.stop();
        });
        for (std::size_t w = 0, n = workers_left; w < n; ++w)
            asio::co_spawn(io, s.worker(), [&](std::exception_ptr e) {
                if (e && !crashed)
                    crashed = e;
                if (--workers_left == 0)
                    deadline.cancel();
            });
        io.run();
        const double rss_end = rss_mib();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

        // Per scenario, per outcome; failures by code.
        std::array<std::array<std::size_t, 4>, static_cast<std::size_t>(scenario::count_)> table{};
        std::map<std::string, std::size_t> failed_by_code;
        std::size_t unaccounted = 0, unexpected = 0, events = 0;
        std::array<std::size_t, 4> totals{};
        for (std::size_t i = 0; i < opt.streams; ++i) {
            const auto& r = s.records[i];
            const auto k = static_cast<std::size_t>(r.result);
            ++table[static_cast<std::size_t>(s.plans[i].what)][k];
            ++totals[k];
            events += r.events;
            if (r.result == outcome::unaccounted) {
                ++unaccounted;
                continue;
            }
            if (r.result == outcome::failed)
                ++failed_by_code[describe(r.ec)];
            if (!r.why.empty() && ++unexpected <= 20)
                std::printf("UNEXPECTED stream %zu (%s): %s; got %s, %zu events, %d attempts\n", i,
                            std::string(scenario_names[static_cast<std::size_t>(s.plans[i].what)]).c_str(),
                            r.why.c_str(), r.ec ? describe(r.ec).c_str() : "success", r.events, r.attempts);
        }

        std::printf("\n%-24s %8s %10s %8s %10s %12s\n", "scenario", "streams", "completed", "failed", "cancelled",
                    "unaccounted");
        for (std::size_t k = 0; k < table.size(); ++k) {
            const auto& row = table[k];
            std::printf("%-24s %8zu %10zu %8zu %10zu %12zu\n", std::string(scenario_names[k]).c_str(),
                        row[0] + row[1] + row[2] + row[3], row[1], row[2], row[3], row[0]);
        }
        const std::size_t sum = totals[1] + totals[2] + totals[3];
        std::printf("%-24s %8zu %10zu %8zu %10zu %12zu\n", "total", opt.streams, totals[1], totals[2], totals[3],
                    totals[0]);
        std::printf("\nfailed, by code:\n");
        for (const auto& [code, n] : failed_by_code)
            std::printf("  %6zu  %s\n", n, code.c_str());
        std::printf("\ncompleted + failed + cancelled = %zu of %zu streams%s; %zu events; %zu unexpected outcomes\n",
                    sum, opt.streams, sum == opt.streams ? "" : " (SOME UNACCOUNTED)", events, unexpected);
        const auto stats = plain.connection_stats();
        std::printf("plain client's pool: %zu opened, %zu reused, %zu live, %zu idle\n", stats.opened, stats.reused,
                    stats.live, stats.idle);
        const double growth = rss_end - s.rss_warm;
        std::printf("RSS after warm-up (%zu streams): %.1f MiB; at the end: %.1f MiB; growth %.1f MiB (bound %.1f MiB)\n",
                    s.warmup, s.rss_warm, rss_end, growth, opt.max_rss_growth_mib);
        std::printf("duration %.1f s (%.0f streams/s)\n", seconds, double(s.finished) / seconds);

        if (crashed) {
            try {
                std::rethrow_exception(crashed);
            } catch (const std::exception& e) {
                std::printf("FAIL: a stream threw: %s\n", e.what());
            }
            status = 1;
        }
        if (timed_out) {
            std::printf("FAIL: not done after %d s\n", opt.max_seconds);
            status = 1;
        }
        if (unaccounted > 0 || sum != opt.streams) {
            std::printf("FAIL: %zu streams unaccounted for\n", unaccounted);
            status = 1;
        }
        if (unexpected > 0) {
            std::printf("FAIL: %zu streams ended in a way their scenario does not allow\n", unexpected);
            status = 1;
        }
        if (s.rss_warm < 0 || rss_end < 0 || growth > opt.max_rss_growth_mib) {
            std::printf("FAIL: RSS grew by %.1f MiB after the warm-up (bound %.1f MiB)\n", growth, opt.max_rss_growth_mib);
            status = 1;
        }
    } // clients, io_context and emulator gone: LeakSanitizer sees a clean exit
    std::printf("%s\n", status == 0 ? "soak: PASS" : "soak: FAIL");
    return status;
}
