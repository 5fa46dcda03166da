// The client end to end against the emulator over real TLS on loopback.

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>
#include <bedrock/version.hpp>

#include "coroutine_support.hpp"
#include "emulator_support.hpp"
#include "support/vectors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <boost/version.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace client_test {

namespace asio = boost::asio;
using bedrock::client_errc;
using bedrock::service_errc;

namespace {

// One emulator for the whole file (own thread); each test uses its own model ids.
bedrock::testing::emulator& emulator()
{
    static bedrock::testing::emulator emu;
    return emu;
}

bedrock::testing::emulator& started()
{
    static bool once = [] {
        emulator().start();
        return true;
    }();
    (void)once;
    return emulator();
}

bedrock::converse_request hello(std::string model, std::string text = "hello there")
{
    bedrock::converse_request r;
    r.model_id = std::move(model);
    r.messages = {bedrock::user_text(std::move(text))};
    return r;
}

using bedrock::test::run;

// ApplyGuardrail on the emulator's `block` guardrail: it intervenes.
bedrock::apply_guardrail_request blocked_guardrail_request()
{
    bedrock::apply_guardrail_request guard;
    guard.guardrail_identifier = "block";
    guard.guardrail_version = "DRAFT";
    guard.source = bedrock::guardrail_content_source::input;
    guard.content = {bedrock::guardrail_content_block{
        bedrock::guardrail_content_block_text{bedrock::guardrail_text_block{.text = "bad words"}}}};
    return guard;
}

// The headers the client signs: a POST's and a GET's (which has no body, so no Content-Type or -Length).
constexpr std::string_view signed_post =
    "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date";
constexpr std::string_view signed_get = "amz-sdk-invocation-id;amz-sdk-request;host;x-amz-content-sha256;x-amz-date";

bool signed_by_client(const bedrock::testing::recorded_request& r)
{
    return bedrock::test::is_emulator_sigv4(r.header("authorization"), r.header("x-amz-date"),
                                            r.method == "GET" ? signed_get : signed_post);
}

// What the client says it is (config::app_id unset).
std::string user_agent()
{
    return "bedrock-asio/" BEDROCK_VERSION_STRING " ua/2.1 os/linux lang/cpp#20 md/boost#" +
           std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) +
           " api/bedrock-runtime#2023-09-30";
}

// An async job's ARN as the emulator makes it: its region and account, and a 12-character job id.
bool is_job_arn(std::string_view arn)
{
    constexpr std::string_view prefix = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/";
    return arn.size() == prefix.size() + 12 && arn.starts_with(prefix) &&
           arn.substr(prefix.size()).find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string_view::npos;
}

bedrock::config fast_retries(bedrock::config cfg)
{
    cfg.max_attempts = 3;
    return cfg;
}

} // namespace

TEST_CASE("client: converse with SigV4 and with a bearer token")
{
    auto& emu = started();
    emu.reset_state(); // the log then holds this test's two requests only
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        auto out = co_await client.converse(hello("anthropic.claude-3-haiku-20240307-v1:0", "hello there world"));
        auto* msg = std::get_if<bedrock::converse_output_message>(&out.output);
        REQUIRE(msg);
        CHECK(bedrock::message_text(msg->value) == "echo: hello there world");
        CHECK(msg->value.role == bedrock::conversation_role::assistant);
        CHECK(msg->value.content.size() == 1);
        CHECK(out.stop_reason == bedrock::stop_reason::end_turn);
        CHECK(out.usage.input_tokens == 3);  // the words of the conversation
        CHECK(out.usage.output_tokens == 4); // the words of the reply
        CHECK(out.usage.total_tokens == 7);
        CHECK(out.metrics.latency_ms == 1);

        auto cfg = emu.client_config();
        cfg.credentials.reset();
        cfg.bearer_token = "emulator-api-key";
        bedrock::client bearer{io.get_executor(), cfg};
        out = co_await bearer.converse(hello("bearer-model", "with a key"));
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) == "echo: with a key");
    });
    auto log = emu.requests();
    REQUIRE(log.size() == 2);
    CHECK(log[0].target == "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    CHECK(signed_by_client(log[0]));
    CHECK(log[0].status == 200);
    CHECK(log[1].header("authorization") == "Bearer emulator-api-key");
    CHECK(log[1].header("x-amz-date").empty());
    CHECK(log[1].target == "/model/bearer-model/converse");
    CHECK(log[1].status == 200);
}

TEST_CASE("client: the request on the wire is the official SDK's")
{
    auto& emu = started();
    const auto sdk = boost::json::parse(bedrock::test::read_text(
        bedrock::test::vector_path("sdk-behaviour/sdk_harness_results.json")));
    const auto& expected = sdk.at("results").at("Converse").at("request");
    bedrock::converse_request request;
    request.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    request.messages = {bedrock::user_text("Say hello")};
    request.inference_config = bedrock::inference_configuration{};
    request.inference_config->max_tokens = 64;
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        (void)co_await client.converse(request);
    });
    const auto sent = emu.requests().back();
    CHECK(sent.method == std::string_view(expected.at("method").as_string()));
    CHECK(sent.target == std::string_view(expected.at("path").as_string()));
    CHECK(boost::json::parse(sent.body) == boost::json::parse(expected.at("body").as_string()));
    for (const char* name : {"content-type", "content-length"})
        CHECK(sent.header(name) == std::string_view(expected.at("headers").at(name).as_string()));
    CHECK(sent.header("amz-sdk-request") == "attempt=1; max=3");
    CHECK(bedrock::test::is_uuid_v4(sent.header("amz-sdk-invocation-id")));
    CHECK(sent.header("x-amz-content-sha256") ==
          std::string_view(expected.at("headers").at("x-amz-content-sha256").as_string()));
    CHECK(signed_by_client(sent));
    CHECK(sent.header("user-agent") == user_agent());
    CHECK(sent.header("host") == "127.0.0.1:" + std::to_string(emu.port()));
}

TEST_CASE("client: the app id joins the user agent as a token, whatever the environment held")
{
    auto& emu = started();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu.client_config();
        cfg.app_id = "my app/1.0\r\nX-Injected: yes";
        bedrock::client client{io.get_executor(), cfg};
        (void)co_await client.converse(hello("anthropic.claude-3-haiku-20240307-v1:0", "who am I"));
    });
    const auto sent = emu.requests().back();
    CHECK(sent.status == 200);
    CHECK(sent.header("user-agent") == user_agent() + " app/my-app-1.0--X-Injected--yes");
    CHECK(sent.header("x-injected").empty());
}

TEST_CASE("client: every operation end to end")
{
    auto& emu = started();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};

        bedrock::invoke_model_request invoke;
        invoke.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
        const std::string body =
            R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]})";
        invoke.body.assign(body.begin(), body.end());
        invoke.content_type = "application/json";
        bedrock::diagnostics diag;
        auto invoked = co_await client.invoke_model(invoke, diag);
        CHECK(invoked.content_type == "application/json");
        CHECK_FALSE(invoked.performance_config_latency);
        CHECK_FALSE(invoked.service_tier);
        auto answer = boost::json::parse(std::string(invoked.body.begin(), invoked.body.end())).as_object();
        // The Anthropic Messages answer; its id counts the emulator's answers, whatever ran before.
        CHECK(answer.at("id").as_string().starts_with("msg_emulator"));
        answer.erase("id");
        CHECK(answer == boost::json::parse(R"({"type":"message","role":"assistant",)"
                                           R"("model":"anthropic.claude-3-haiku-20240307-v1:0",)"
                                           R"("content":[{"type":"text","text":"echo: Say hello"}],)"
                                           R"("stop_reason":"end_turn","stop_sequence":null,)"
                                           R"("usage":{"input_tokens":2,"output_tokens":3}})"));
        CHECK(diag.input_token_count == 2);  // "Say hello"
        CHECK(diag.output_token_count == 3); // "echo: Say hello"
        CHECK(diag.invocation_latency_ms == 1);
        CHECK(diag.attempts == 1);
        CHECK(diag.http_status == 200);
        CHECK(bedrock::test::is_uuid_v4(diag.request_id));

        auto guard = blocked_guardrail_request();
        auto guarded = co_await client.apply_guardrail(guard);
        CHECK(guarded.action == bedrock::guardrail_action::guardrail_intervened);
        guard.guardrail_identifier = "allow";
        const auto allowed = co_await client.apply_guardrail(guard); // (never co_await inside CHECK)
        CHECK(allowed.action == bedrock::guardrail_action::none);

        bedrock::count_tokens_request count;
        count.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
        bedrock::converse_tokens_request converse_input;
        converse_input.messages = {bedrock::user_text("one two three four")};
        count.input = bedrock::count_tokens_input{bedrock::count_tokens_input_converse{converse_input}};
        const auto counted = co_await client.count_tokens(count);
        CHECK(counted.input_tokens == 4);

        bedrock::start_async_invoke_request start;
        start.model_id = "amazon.nova-reel-v1:0";
        start.model_input = boost::json::parse(R"({"taskType":"TEXT_VIDEO"})");
        start.output_data_config = bedrock::async_invoke_output_data_config{
            bedrock::async_invoke_output_data_config_s3_output_data_config{{.s3_uri = "s3://bucket/out"}}};
        auto started_job = co_await client.start_async_invoke(start);
        CHECK(is_job_arn(started_job.invocation_arn));
        const auto sent = emu.requests().back();
        auto sent_body = boost::json::parse(sent.body);
        CHECK(bedrock::test::is_uuid_v4(sent_body.at("clientRequestToken").as_string())); // filled in for idempotency

        bedrock::get_async_invoke_request get;
        get.invocation_arn = started_job.invocation_arn;
        auto job = co_await client.get_async_invoke(get);
        CHECK(job.invocation_arn == started_job.invocation_arn);
        CHECK(job.model_arn == "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:0");
        CHECK(job.status == bedrock::async_invoke_status::in_progress);
        job = co_await client.get_async_invoke(get); // the second look: the emulator's job is done
        CHECK(job.status == bedrock::async_invoke_status::completed);
    });
}

TEST_CASE("client: list_async_invokes pages through nextToken")
{
    auto& emu = started();
    emu.reset_state();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        for (int i = 0; i < 5; ++i) {
            bedrock::start_async_invoke_request start;
            start.model_id = "amazon.nova-reel-v1:0";
            start.model_input = boost::json::object{{"n", i}};
            start.output_data_config = bedrock::async_invoke_output_data_config{
                bedrock::async_invoke_output_data_config_s3_output_data_config{{.s3_uri = "s3://bucket/out"}}};
            (void)co_await client.start_async_invoke(start);
        }
        bedrock::list_async_invokes_request first;
        first.max_results = 2;
        auto pages = client.paginate_async_invokes(first);
        std::vector<std::size_t> sizes;
        std::set<std::string> arns;
        while (auto page = co_await pages.next()) {
            sizes.push_back(page->async_invoke_summaries.size());
            for (const auto& s : page->async_invoke_summaries)
                arns.insert(s.invocation_arn);
        }
        CHECK(sizes == std::vector<std::size_t>{2, 2, 1});
        CHECK(arns.size() == 5);
        CHECK(pages.done());
        const auto after_end = co_await pages.next();
        CHECK_FALSE(after_end); // after the end: still empty, no error
    });
}

TEST_CASE("client: modeled errors are typed, with the service's words")
{
    auto& emu = started();
    struct error_case {
        const char* name;
        service_errc code;
        unsigned status;     // the model's HTTP status for the error
        const char* message; // the emulator's words for it
    };
    const error_case cases[] = {
        {"ValidationException", service_errc::validation, 400, "Emulated ValidationException."},
        {"AccessDeniedException", service_errc::access_denied, 403, "Emulated AccessDeniedException."},
        {"ResourceNotFoundException", service_errc::resource_not_found, 404, "Emulated ResourceNotFoundException."},
        {"ModelTimeoutException", service_errc::model_timeout, 408, "Emulated ModelTimeoutException."},
        {"ModelErrorException", service_errc::model_error, 424, "Emulated ModelErrorException."},
        {"ServiceQuotaExceededException", service_errc::service_quota_exceeded, 400,
         "Emulated ServiceQuotaExceededException."},
        {"ModelNotReadyException", service_errc::model_not_ready, 429, "Emulated ModelNotReadyException."},
        {"ThrottlingException", service_errc::throttling, 429, "Too many requests, please wait before trying again."},
        {"InternalServerException", service_errc::internal_server, 500,
         "The server encountered an internal error while processing the request."},
        {"ServiceUnavailableException", service_errc::service_unavailable, 503,
         "Bedrock is unable to process your request."},
        {"ExpiredTokenException", service_errc::expired_token, 403, "The security token included in the request is expired"},
    };
    asio::io_context io;
    auto cfg = emu.client_config();
    cfg.max_attempts = 1; // the retryable ones too: one attempt, one answer
    bedrock::client client{io.get_executor(), cfg};
    for (const auto& [name, code, status, message] : cases) {
        INFO(name);
        bedrock::diagnostics diag;
        boost::system::error_code ec;
        client.converse(hello(std::string("error:") + name), diag, [&](auto e, auto) { ec = e; });
        io.restart();
        io.run();
        CHECK(ec == code);
        CHECK(diag.error_type == name);
        CHECK(diag.service_message == message);
        CHECK(bedrock::test::is_uuid_v4(diag.request_id));
        CHECK(diag.http_status == status);
        CHECK(diag.attempts == 1);
        if (code == service_errc::model_error) {
            CHECK(diag.extra.at("originalStatusCode") == 500);
            CHECK(diag.extra.at("resourceName") == "error:ModelErrorException");
            CHECK(diag.extra.size() == 2);
        } else {
            CHECK(diag.extra.empty());
        }
    }
}

TEST_CASE("client: retries throttling once, never a 400, the quota and counts show it")
{
    auto& emu = started();
    asio::io_context io;
    bedrock::client client{io.get_executor(), fast_retries(emu.client_config())};
    bedrock::diagnostics diag;
    boost::system::error_code ec;
    bedrock::converse_response out;
    client.converse(hello("throttle-once:retry-test"), diag, [&](auto e, auto r) {
        ec = e;
        out = std::move(r);
    });
    io.run();
    CHECK_FALSE(ec);
    CHECK(diag.attempts == 2);
    CHECK(emu.model_attempts("throttle-once:retry-test") == 2);

    io.restart();
    client.converse(hello("fail-times-5:exhaust"), diag, [&](auto e, auto) { ec = e; });
    io.run();
    CHECK(ec == service_errc::internal_server);
    CHECK(diag.attempts == 3);
    CHECK(emu.model_attempts("fail-times-5:exhaust") == 3);

    io.restart();
    client.converse(hello("error:ValidationException"), diag, [&](auto e, auto) { ec = e; });
    io.run();
    CHECK(ec == service_errc::validation);
    CHECK(diag.attempts == 1);
}

TEST_CASE("client: adaptive retry mode — after a throttle, attempts wait for the client-side rate limit",
          "[retry][adaptive]")
{
    using clock = std::chrono::steady_clock;
    auto& emu = started();
    asio::io_context io;
    CHECK(bedrock::client(io.get_executor(), emu.client_config()).rate_limiter() == nullptr); // standard
    auto cfg = fast_retries(emu.client_config());
    cfg.retry = bedrock::retry_mode::adaptive;
    // The waits the limiter hands out, in milliseconds (rounded up), as the client logs them.
    // When each was logged: a wait is counted from the moment the limiter computed it, so a burst
    // whose thread is preempted between two calls gets a shorter second wait, not a later send.
    std::vector<long> waits;
    std::vector<clock::time_point> logged_at;
    cfg.log = [&](bedrock::log_level, std::string_view text) {
        static const std::string_view marker = ": waiting ";
        if (auto at = text.find(marker); at != std::string_view::npos &&
                                         text.find(" ms for the client-side rate limit") != std::string_view::npos) {
            waits.push_back(std::stol(std::string(text.substr(at + marker.size()))));
            logged_at.push_back(clock::now());
        }
    };
    bedrock::client client{io.get_executor(), cfg};
    const bedrock::adaptive_rate_limiter* limiter = client.rate_limiter();
    REQUIRE(limiter);

    boost::system::error_code ec;
    client.converse(hello("adaptive-before"), [&](auto e, auto) { ec = e; });
    io.run();
    CHECK_FALSE(ec);
    CHECK_FALSE(limiter->state().enabled); // no throttle yet: no limit
    CHECK(waits.empty());

    // Throttled once, then retried (after the backoff and the limiter's wait) and answered.
    bedrock::diagnostics diag;
    io.restart();
    client.converse(hello("throttle-once:adaptive"), diag, [&](auto e, auto) { ec = e; });
    io.run();
    CHECK_FALSE(ec);
    CHECK(diag.attempts == 2);
    CHECK(waits.size() <= 1); // the retry's own wait, if the bucket was short of a token
    const auto s = limiter->state();
    REQUIRE(s.enabled);
    INFO("fill rate " << s.fill_rate << "/s, bucket size " << s.max_capacity << ", measured " << s.measured_rate);

    // A burst started together: each takes its token at once, the bucket holds at most its size and
    // fills at its rate, so the last of n is sent no sooner than (n - size) / rate seconds on, and
    // the waits the limiter computes are one token's time, 1 / rate, apart. (The attempts take their
    // tokens inside the initiating calls, so the waits logged by then are the burst's.)
    constexpr int n = 3;
    REQUIRE(s.max_capacity < n);
    const double at_least = (n - s.max_capacity) / s.fill_rate;
    waits.clear();
    logged_at.clear();
    int done = 0;
    int failed = 0;
    clock::time_point last_answer;
    io.restart();
    const auto start = clock::now();
    for (int i = 0; i < n; ++i)
        client.converse(hello("adaptive-burst-" + std::to_string(i)), [&](auto e, auto) {
            failed += e ? 1 : 0;
            if (++done == n)
                last_answer = clock::now();
        });
    const std::vector<long> burst_waits = waits;
    const std::vector<clock::time_point> burst_logged_at = logged_at;

    // Behind the burst, a unary call and a stream open wait for tokens further on; that wait is
    // cancellable: both end with operation_aborted, never having reached the service.
    REQUIRE(s.fill_rate < 50); // a token takes more than the 20 ms before the cancellation
    asio::cancellation_signal cancel_unary, cancel_stream;
    asio::steady_timer timer(io, std::chrono::milliseconds(20));
    timer.async_wait([&](auto) {
        cancel_unary.emit(asio::cancellation_type::terminal);
        cancel_stream.emit(asio::cancellation_type::terminal);
    });
    boost::system::error_code unary_ec, stream_ec;
    client.converse(hello("adaptive-cancelled"),
                    asio::bind_cancellation_slot(cancel_unary.slot(), [&](auto e, auto) { unary_ec = e; }));
    bedrock::converse_stream_request stream_request;
    stream_request.model_id = "adaptive-stream-cancelled";
    stream_request.messages = {bedrock::user_text("hello")};
    client.converse_stream(stream_request,
                           asio::bind_cancellation_slot(cancel_stream.slot(), [&](auto e, auto) { stream_ec = e; }));
    CHECK(waits.size() == burst_waits.size() + 2); // both wait
    io.run();

    CHECK(done == n);
    CHECK(failed == 0);
    const double took = std::chrono::duration<double>(last_answer - start).count();
    INFO("the burst took " << took << " s; the limiter's bound is " << at_least << " s");
    CHECK(took >= at_least);
    REQUIRE(burst_waits.size() >= n - 1); // the first may find a whole token
    const double token_ms = 1000.0 / s.fill_rate;
    // The sends the waits schedule are one token's time apart (each wait is rounded up to a ms).
    const auto send_ms = [&](std::size_t i) {
        return std::chrono::duration<double, std::milli>(burst_logged_at[i] - start).count() +
               static_cast<double>(burst_waits[i]);
    };
    for (std::size_t i = 1; i < burst_waits.size(); ++i)
        CHECK(std::abs(send_ms(i) - send_ms(i - 1) - token_ms) <= 2.0);
    CHECK(send_ms(burst_waits.size() - 1) / 1000.0 >= at_least - 0.001);
    CHECK(took >= (burst_waits.back() - 1) / 1000.0); // the last request was sent only after its wait
    for (int i = 0; i < n; ++i)
        CHECK(emu.model_attempts("adaptive-burst-" + std::to_string(i)) == 1);

    CHECK(unary_ec == asio::error::operation_aborted);
    CHECK(emu.model_attempts("adaptive-cancelled") == 0);
    CHECK(stream_ec == asio::error::operation_aborted);
    CHECK(emu.model_attempts("adaptive-stream-cancelled") == 0);

    // Not cancelled, the stream opens once its token is there.
    stream_request.model_id = "adaptive-stream";
    io.restart();
    client.converse_stream(stream_request, [&](auto e, auto) { ec = e; });
    io.run();
    CHECK_FALSE(ec);
    CHECK(emu.model_attempts("adaptive-stream") == 1);
}

TEST_CASE("client: completion tokens — callback, use_future, as_tuple, redirect_error")
{
    auto& emu = started();
    asio::io_context io;
    bedrock::client client{io.get_executor(), emu.client_config()};
    std::thread runner;
    {
        auto work = asio::make_work_guard(io);
        runner = std::thread([&] { io.run(); });
        auto future = client.converse(hello("future-model", "via future"), asio::use_future);
        auto out = future.get();
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) == "echo: via future");
        auto failing = client.converse(hello("error:AccessDeniedException"), asio::use_future);
        CHECK_THROWS_AS(failing.get(), boost::system::system_error);
    }
    runner.join();

    io.restart();
    run([&](asio::io_context& io2) -> asio::awaitable<void> {
        bedrock::client c2{io2.get_executor(), emu.client_config()};
        auto [ec, out] = co_await c2.converse(hello("error:ValidationException"), asio::as_tuple(asio::use_awaitable));
        CHECK(ec == service_errc::validation);
        boost::system::error_code redirected;
        (void)co_await c2.converse(hello("error:ThrottlingException"),
                                   asio::redirect_error(asio::use_awaitable, redirected));
        CHECK(redirected == service_errc::throttling);
    });
}

TEST_CASE("client: a unary call's handler runs on its own executor, and on the client's when it has none")
{
    // A handler on the client's executor is completed by the exchange where it runs, without being
    // asked for its executor; any other (a strand's callback, a coroutine on a strand) is
    // dispatched back to its own. Chained calls, so that each starts from the last one's handler.
    auto& emu = started();
    asio::io_context io;
    auto client_strand = asio::make_strand(io);
    bedrock::client client{client_strand, emu.client_config()};
    auto callbacks = asio::make_strand(io);
    auto coroutine = asio::make_strand(io);
    int outside = 0, plain = 0, bound = 0, awaited = 0;
    std::function<void()> next_plain = [&] {
        client.converse(hello("plain"), [&](boost::system::error_code ec, bedrock::converse_response) {
            REQUIRE_FALSE(ec);
            if (!client_strand.running_in_this_thread())
                ++outside;
            if (++plain < 3)
                next_plain();
        });
    };
    std::function<void()> next_bound = [&] {
        client.converse(hello("bound"), asio::bind_executor(callbacks, [&](boost::system::error_code ec, bedrock::converse_response) {
            REQUIRE_FALSE(ec);
            if (!callbacks.running_in_this_thread())
                ++outside;
            if (++bound < 3)
                next_bound();
        }));
    };
    asio::post(client_strand, next_plain);
    asio::post(callbacks, next_bound);
    asio::co_spawn(
        coroutine,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 3; ++i) {
                auto out = co_await client.converse(hello("awaited"));
                if (!coroutine.running_in_this_thread())
                    ++outside;
                CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) ==
                      "echo: hello there");
                ++awaited;
            }
        },
        [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    // One thread is enough: a strand says it is running only inside a handler it runs itself.
    io.run();
    CHECK(plain == 3);
    CHECK(bound == 3);
    CHECK(awaited == 3);
    CHECK(outside == 0);
}

TEST_CASE("client: timeouts, cancellation, and a healthy pool afterwards")
{
    auto& emu = started();
    asio::io_context io;
    auto cfg = emu.client_config();
    cfg.max_attempts = 1;
    cfg.timeout.first_byte = std::chrono::milliseconds(200);
    bedrock::client client{io.get_executor(), cfg};
    boost::system::error_code ec;
    client.converse(hello("stall:timeout-test"), [&](auto e, auto) { ec = e; });
    io.run();
    CHECK(ec == bedrock::http::error::first_byte_timeout);

    // Cancel a stalled request mid-flight; the next request on the same client works.
    asio::cancellation_signal cancel;
    asio::steady_timer timer(io, std::chrono::milliseconds(50));
    timer.async_wait([&](auto) { cancel.emit(asio::cancellation_type::terminal); });
    io.restart();
    client.converse(hello("stall:cancel-test"),
                    asio::bind_cancellation_slot(cancel.slot(), [&](auto e, auto) { ec = e; }));
    io.run();
    CHECK(ec == asio::error::operation_aborted);

    bedrock::converse_response out;
    io.restart();
    client.converse(hello("after-cancel"), [&](auto e, auto r) {
        ec = e;
        out = std::move(r);
    });
    io.run();
    CHECK_FALSE(ec);
    CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) == "echo: hello there");
}

TEST_CASE("client: a reset connection is a transport error, retried")
{
    auto& emu = started();
    asio::io_context io;
    auto cfg = emu.client_config();
    cfg.max_attempts = 2;
    bedrock::client client{io.get_executor(), cfg};
    bedrock::diagnostics diag;
    boost::system::error_code ec;
    client.converse(hello("reset:reset-test"), diag, [&](auto e, auto) { ec = e; });
    io.run();
    CHECK(ec == asio::error::connection_reset); // the emulator's reset is a TCP RST, on both attempts
    CHECK(bedrock::is_retryable(ec));
    CHECK(diag.attempts == 2);
    CHECK(emu.model_attempts("reset:reset-test") == 2);
}

TEST_CASE("client: 1,000 sequential requests reuse a handful of connections")
{
    auto& emu = started();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        for (int i = 0; i < 1000; ++i)
            (void)co_await client.converse(hello("keep-alive-model", "ping"));
        const auto stats = client.connection_stats();
        CHECK(stats.opened == 1); // one connection, kept alive, for all of them
        CHECK(stats.reused == 999);
    });
}

TEST_CASE("client: a wrong certificate is refused, a bad signature is refused")
{
    auto& emu = started();
    asio::io_context io;
    auto cfg = emu.client_config();
    cfg.ca_pem.clear(); // trust only the system store: the emulator's CA is not in it
    cfg.max_attempts = 1;
    bedrock::client untrusting{io.get_executor(), cfg};
    boost::system::error_code ec;
    untrusting.converse(hello("cert-test"), [&](auto e, auto) { ec = e; });
    io.run();
    CHECK(bedrock::http::is_certificate_error(ec));

    cfg = emu.client_config();
    cfg.credentials->secret_access_key = "wrong-secret";
    bedrock::client wrong{io.get_executor(), cfg};
    bedrock::diagnostics diag;
    io.restart();
    wrong.converse(hello("sig-test"), diag, [&](auto e, auto) { ec = e; });
    io.run();
    CHECK(ec == service_errc::invalid_signature);
    CHECK(diag.http_status == 403);
}

TEST_CASE("client: configuration errors are reported, not thrown, on request")
{
    asio::io_context io;
    bedrock::config cfg; // no region, no endpoint
    CHECK_THROWS_AS(bedrock::client(io.get_executor(), cfg), boost::system::system_error);
    boost::system::error_code ec;
    bedrock::client broken{io.get_executor(), cfg, ec};
    CHECK(ec == client_errc::missing_region);
    boost::system::error_code got;
    broken.converse(hello("x"), [&](auto e, auto) { got = e; });
    io.run();
    CHECK(got == client_errc::missing_region);

    cfg.region = "us-east-1"; // no credentials anywhere (and no instance metadata, even on EC2)
    cfg.env = bedrock::map_environment({{"AWS_EC2_METADATA_DISABLED", "true"}});
    bedrock::client anonymous{io.get_executor(), cfg};
    io.restart();
    anonymous.converse(hello("x"), [&](auto e, auto) { got = e; });
    io.run();
    CHECK(got == client_errc::no_credentials);
}

namespace {

// The seven unary operations, each checking its answer; `tag` keeps ids apart between runs.
using unary_call = std::function<asio::awaitable<void>(bedrock::client&, const std::string& tag)>;

std::vector<std::pair<std::string, unary_call>> unary_operations()
{
    std::vector<std::pair<std::string, unary_call>> ops;
    ops.emplace_back("converse", [](bedrock::client& c, const std::string& tag) -> asio::awaitable<void> {
        auto out = co_await c.converse(hello("converse-" + tag, "table test"));
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) == "echo: table test");
    });
    ops.emplace_back("invoke_model", [](bedrock::client& c, const std::string& tag) -> asio::awaitable<void> {
        bedrock::invoke_model_request invoke;
        invoke.model_id = "invoke-" + tag;
        const std::string body = R"({"anything":"goes back"})";
        invoke.body.assign(body.begin(), body.end());
        invoke.content_type = "application/json";
        auto out = co_await c.invoke_model(invoke);
        CHECK(std::string(out.body.begin(), out.body.end()) == body);
    });
    ops.emplace_back("apply_guardrail", [](bedrock::client& c, const std::string&) -> asio::awaitable<void> {
        const auto guard = blocked_guardrail_request();
        const auto guarded = co_await c.apply_guardrail(guard);
        CHECK(guarded.action == bedrock::guardrail_action::guardrail_intervened);
    });
    ops.emplace_back("count_tokens", [](bedrock::client& c, const std::string& tag) -> asio::awaitable<void> {
        bedrock::count_tokens_request count;
        count.model_id = "count-" + tag;
        bedrock::converse_tokens_request input;
        input.messages = std::vector{bedrock::user_text("one two three")};
        count.input = bedrock::count_tokens_input{bedrock::count_tokens_input_converse{input}};
        const auto counted = co_await c.count_tokens(count);
        CHECK(counted.input_tokens == 3);
    });
    // start, get and list share the job the first one starts.
    auto arn = std::make_shared<std::string>();
    ops.emplace_back("start_async_invoke", [arn](bedrock::client& c, const std::string& tag) -> asio::awaitable<void> {
        bedrock::start_async_invoke_request start;
        start.model_id = "amazon.nova-reel-v1:0";
        start.model_input = boost::json::object{{"tag", tag}};
        start.output_data_config = bedrock::async_invoke_output_data_config{
            bedrock::async_invoke_output_data_config_s3_output_data_config{{.s3_uri = "s3://bucket/out"}}};
        *arn = (co_await c.start_async_invoke(start)).invocation_arn;
        CHECK(is_job_arn(*arn));
    });
    ops.emplace_back("get_async_invoke", [arn](bedrock::client& c, const std::string&) -> asio::awaitable<void> {
        bedrock::get_async_invoke_request get;
        get.invocation_arn = *arn;
        const auto job = co_await c.get_async_invoke(get);
        CHECK(job.invocation_arn == *arn);
    });
    ops.emplace_back("list_async_invokes", [arn](bedrock::client& c, const std::string&) -> asio::awaitable<void> {
        auto page = co_await c.list_async_invokes({});
        bool found = false;
        for (const auto& s : page.async_invoke_summaries)
            found = found || s.invocation_arn == *arn;
        CHECK(found);
    });
    return ops;
}

} // namespace

TEST_CASE("client: every unary operation with SigV4 and with a bearer token")
{
    auto& emu = started();
    for (const bool bearer : {false, true}) {
        auto cfg = emu.client_config();
        if (bearer) {
            cfg.credentials.reset();
            cfg.bearer_token = "emulator-api-key";
        }
        const std::string tag = bearer ? "bearer" : "sigv4";
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        for (const auto& operation : unary_operations()) {
            const auto& call = operation.second;
            INFO(operation.first << " with " << tag);
            run([&](asio::io_context& io) -> asio::awaitable<void> {
                bedrock::client client{io.get_executor(), cfg};
                co_await call(client, tag);
            });
            const auto sent = emu.requests().back();
            CHECK(sent.status == 200);
            const std::string authorization(sent.header("authorization"));
            if (bearer) {
                CHECK(authorization == "Bearer emulator-api-key");
                CHECK(sent.header("x-amz-date").empty());
            } else {
                CHECK(signed_by_client(sent));
            }
        }
    }
}

TEST_CASE("client: the log hook never receives a secret, a token or a signature")
{
    const std::string secret = "log-test-secret-access-key-0123456789";
    const std::string session = "log-test-session-token-abcdefghij";
    const std::string bearer = "log-test-bearer-token-klmnopqrst";
    bedrock::testing::emulator_options options;
    options.credentials = {{"AKIDLOGTEST", secret, session, std::nullopt}};
    options.bearer_tokens = {bearer};
    bedrock::testing::emulator emu(options);
    emu.start();

    std::mutex mutex;
    std::vector<std::pair<bedrock::log_level, std::string>> lines;
    auto logging = [&](bedrock::config cfg) {
        cfg.max_attempts = 3;
        cfg.log = [&](bedrock::log_level level, std::string_view text) {
            std::lock_guard lock(mutex);
            lines.emplace_back(level, std::string(text));
        };
        return cfg;
    };
    auto sigv4 = logging(emu.client_config());
    REQUIRE(sigv4.credentials);
    CHECK(sigv4.credentials->session_token == session);
    auto with_bearer = logging(emu.client_config());
    with_bearer.credentials.reset();
    with_bearer.bearer_token = bearer;

    for (auto* cfg : {&sigv4, &with_bearer}) {
        const std::string tag = cfg == &sigv4 ? "log-sigv4" : "log-bearer";
        for (const auto& operation : unary_operations())
            run([&](asio::io_context& io) -> asio::awaitable<void> {
                bedrock::client client{io.get_executor(), *cfg};
                co_await operation.second(client, tag);
            });
        // A retry, a refusal and a failure that is not retried log more.
        run([&](asio::io_context& io) -> asio::awaitable<void> {
            bedrock::client client{io.get_executor(), *cfg};
            (void)co_await client.converse(hello("throttle-once:" + tag));
            auto [ec, out] = co_await client.converse(hello("error:AccessDeniedException"),
                                                      asio::as_tuple(asio::use_awaitable));
            CHECK(ec == service_errc::access_denied);
        });
    }
    auto wrong = sigv4;
    wrong.credentials->secret_access_key = secret + "-wrong";
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), wrong};
        auto [ec, out] = co_await client.converse(hello("sig-log"), asio::as_tuple(asio::use_awaitable));
        CHECK(ec == service_errc::invalid_signature);
    });

    // Everything secret that went over the wire: keys, tokens, every Authorization value and signature.
    std::vector<std::string> forbidden{secret, session, bearer, "AWS4-HMAC-SHA256", "Bearer "};
    for (const auto& r : emu.requests()) {
        const std::string authorization(r.header("authorization"));
        REQUIRE_FALSE(authorization.empty());
        forbidden.push_back(authorization);
        if (auto sig = authorization.find("Signature="); sig != std::string::npos)
            forbidden.push_back(authorization.substr(sig + 10));
    }
    std::lock_guard lock(mutex);
    // Per configuration: the request line and the status of each of the seven operations; the
    // throttled call's two attempts and its retry; the refused call and its "not retried". Then the
    // bad signature's three lines.
    CHECK(lines.size() == 2 * (7 * 2 + (2 * 2 + 1) + (2 + 1)) + 3);
    std::size_t debug_lines = 0, retry_lines = 0;
    for (const auto& [level, text] : lines) {
        INFO(text);
        debug_lines += level == bedrock::log_level::debug;
        retry_lines += text.starts_with("retrying Converse after request throttled in ");
        for (const auto& f : forbidden)
            CHECK(text.find(f) == std::string::npos);
        CHECK(text.find("uthorization:") == std::string::npos);
        CHECK(text.find("x-amz-security-token") == std::string::npos);
    }
    CHECK(retry_lines == 2);
    CHECK(debug_lines == lines.size() - retry_lines); // a retry is news; the rest is debug detail
}

TEST_CASE("client: a service clock an hour off is corrected from its Date header, the call retried once")
{
    auto& emu = started();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        std::vector<std::string> logs;
        auto cfg = emu.client_config();
        cfg.log = [&](bedrock::log_level, std::string_view text) { logs.emplace_back(text); };
        bedrock::client client{io.get_executor(), cfg};

        // The service is an hour ahead: the first attempt is refused for its time, the second,
        // signed with the corrected clock, is answered.
        bedrock::diagnostics diag;
        auto out = co_await client.converse(hello("clock-ahead-60:a", "on time"), diag, asio::deferred);
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) == "echo: on time");
        CHECK(diag.attempts == 2);
        CHECK(emu.model_attempts("clock-ahead-60:a") == 2);
        auto sent = emu.requests();
        std::vector<bedrock::testing::recorded_request> mine;
        for (auto& r : sent)
            if (r.model_id == "clock-ahead-60:a")
                mine.push_back(r);
        REQUIRE(mine.size() == 2);
        CHECK(mine[0].status == 403);
        CHECK(mine[1].status == 200);
        // One call: the invocation id is the same on both attempts, the attempt header counts.
        CHECK(mine[0].header("amz-sdk-invocation-id") == mine[1].header("amz-sdk-invocation-id"));
        CHECK(mine[0].header("amz-sdk-request") == "attempt=1; max=3");
        CHECK(mine[1].header("amz-sdk-request") == "attempt=2; max=3");
        // The second attempt is signed an hour later than the first.
        const auto first = mine[0].header("x-amz-date"), second = mine[1].header("x-amz-date");
        REQUIRE(first.size() == 16);
        REQUIRE(second.size() == 16);
        const auto hours = [](std::string_view d) { return std::stoi(std::string(d.substr(9, 2))); };
        CHECK((hours(second) - hours(first) + 24) % 24 == 1);
        CHECK(std::any_of(logs.begin(), logs.end(), [](const std::string& l) {
            return l.find("signing with the corrected time") != std::string::npos;
        }));

        // Later calls of the client use the corrected clock at once: no refusal.
        diag = {};
        co_await client.converse(hello("clock-ahead-60:b"), diag, asio::deferred);
        CHECK(diag.attempts == 1);
        CHECK(emu.model_attempts("clock-ahead-60:b") == 1);

        // A stream too: back to a service on the machine's time, the clock is corrected back.
        bedrock::converse_stream_request sr;
        sr.model_id = "clock-now:c";
        sr.messages = {bedrock::user_text("streamed")};
        auto stream = co_await client.converse_stream(sr);
        std::size_t events = 0;
        while (auto ev = co_await stream.next())
            ++events;
        CHECK(events == 6); // messageStart, "echo: " and "streamed", contentBlockStop, messageStop, metadata
        CHECK(stream.diagnostics().attempts == 2);

        // Refused for its time on every attempt (a service whose clock runs away): retried once only
        // for the clock, and the error says why.
        auto one_try = emu.client_config();
        one_try.max_attempts = 1;
        bedrock::client no_retries{io.get_executor(), one_try};
        auto [ec, none] = co_await no_retries.converse(hello("clock-behind-30:d"), diag, asio::as_tuple(asio::deferred));
        CHECK(ec == service_errc::invalid_signature);
        CHECK(diag.attempts == 1); // max_attempts bounds the clock retry as well
        // The service's Date says whole seconds: the correction is half an hour back, to a second or so.
        CHECK(std::abs(diag.clock_correction_ms + 30 * 60'000) <= 2'000);
        // "Signature not yet current: <the request's X-Amz-Date> is still later than <its now + 15 min>
        // (<its now> + 15 min.)", each date 16 characters (AWS allows a skew of 15 minutes).
        std::string amz_date;
        for (const auto& r : emu.requests())
            if (r.model_id == "clock-behind-30:d")
                amz_date = r.header("x-amz-date");
        REQUIRE(amz_date.size() == 16);
        const std::string& said = diag.service_message;
        CHECK(said.starts_with("Signature not yet current: " + amz_date + " is still later than "));
        INFO(said);
        CHECK(said.ends_with(" + 15 min.)"));
        CHECK(said.size() == std::string_view("Signature not yet current:  is still later than  ( + 15 min.)").size() + 3 * 16);
    });
}

TEST_CASE("client: the invocation id is constant across the retries of one call, new for the next call")
{
    auto& emu = started();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        co_await client.converse(hello("fail-times-2:invocation-id"));
        co_await client.converse(hello("invocation-id-next"));
        std::vector<bedrock::testing::recorded_request> mine;
        for (auto& r : emu.requests())
            if (r.model_id == "fail-times-2:invocation-id" || r.model_id == "invocation-id-next")
                mine.push_back(r);
        REQUIRE(mine.size() == 4);
        for (int i = 0; i < 3; ++i) {
            CHECK(mine[i].header("amz-sdk-invocation-id") == mine[0].header("amz-sdk-invocation-id"));
            CHECK(mine[i].header("amz-sdk-request") == "attempt=" + std::to_string(i + 1) + "; max=3");
        }
        CHECK(mine[3].header("amz-sdk-invocation-id") != mine[0].header("amz-sdk-invocation-id"));
        CHECK(mine[3].header("amz-sdk-request") == "attempt=1; max=3");
        for (const auto& r : mine)
            CHECK(bedrock::test::is_uuid_v4(r.header("amz-sdk-invocation-id")));
    });
}

} // namespace client_test
