// StartAsyncInvoke's idempotency end to end: whatever the retries, one call starts one job. The
// client fills a missing clientRequestToken before the first attempt and sends it on every retry;
// the emulator answers a repeated token with the job it already has.

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include "coroutine_support.hpp"
#include "emulator_support.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace async_invoke_test {

namespace asio = boost::asio;

namespace {

bedrock::testing::emulator& async_emulator()
{
    return bedrock::test::started_emulator<struct async_tests>();
}

using bedrock::test::run;

bedrock::start_async_invoke_request video_job(std::string model)
{
    bedrock::start_async_invoke_request start;
    start.model_id = std::move(model);
    start.model_input = boost::json::parse(R"({"taskType":"TEXT_VIDEO","text":"a cat"})");
    start.output_data_config = bedrock::async_invoke_output_data_config{
        bedrock::async_invoke_output_data_config_s3_output_data_config{{.s3_uri = "s3://bucket/out"}}};
    return start;
}

// The clientRequestToken of every StartAsyncInvoke the emulator received, in order.
std::vector<std::string> sent_tokens(const bedrock::testing::emulator& emu)
{
    std::vector<std::string> tokens;
    for (const auto& r : emu.requests()) {
        if (r.operation != "StartAsyncInvoke")
            continue;
        const auto body = boost::json::parse(r.body).as_object();
        const auto* token = body.if_contains("clientRequestToken");
        tokens.push_back(token ? std::string(token->as_string()) : std::string("<none>"));
    }
    return tokens;
}

using bedrock::test::is_uuid_v4;

} // namespace

TEST_CASE("async invoke: a start cut by the first-byte timeout is retried with its token, one job", "[async_invoke]")
{
    auto& emu = async_emulator();
    emu.reset_state();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu.client_config();
        cfg.max_attempts = 3;
        cfg.timeout.first_byte = std::chrono::milliseconds(250);
        bedrock::client client{io.get_executor(), cfg};

        // The emulator creates the job, then holds the answer back past the client's first-byte
        // timeout: the client cannot know that the job exists, and tries again.
        bedrock::diagnostics diag;
        const auto started = co_await client.start_async_invoke(video_job("slow-once-3000:async-timeout"), diag);
        CHECK(diag.attempts == 2);
        CHECK(started.invocation_arn.find(":async-invoke/") != std::string::npos);

        const auto tokens = sent_tokens(emu);
        REQUIRE(tokens.size() == 2);
        CHECK(is_uuid_v4(tokens[0]));
        CHECK(tokens[1] == tokens[0]);
        CHECK(emu.async_jobs() == 1);

        // The service's own view agrees: one job, under the token the client made up.
        bedrock::list_async_invokes_request all;
        const auto listed = co_await client.list_async_invokes(all);
        REQUIRE(listed.async_invoke_summaries.size() == 1);
        CHECK(listed.async_invoke_summaries[0].invocation_arn == started.invocation_arn);
        CHECK(listed.async_invoke_summaries[0].client_request_token == tokens[0]);
    });
}

TEST_CASE("async invoke: a missing token is one UUID for every attempt, a given one is kept", "[async_invoke]")
{
    auto& emu = async_emulator();
    emu.reset_state();
    run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu.client_config();
        cfg.max_attempts = 3;
        bedrock::client client{io.get_executor(), cfg};

        // Two 500s, then the job: three attempts, one token, filled in before the first.
        bedrock::diagnostics diag;
        auto start = video_job("fail-times-2:async-token");
        REQUIRE_FALSE(start.client_request_token);
        const auto started = co_await client.start_async_invoke(start, diag);
        CHECK(diag.attempts == 3);
        auto tokens = sent_tokens(emu);
        REQUIRE(tokens.size() == 3);
        CHECK(is_uuid_v4(tokens[0]));
        CHECK(tokens[1] == tokens[0]);
        CHECK(tokens[2] == tokens[0]);
        CHECK(emu.async_jobs() == 1);
        bedrock::get_async_invoke_request get;
        get.invocation_arn = started.invocation_arn;
        const auto got = co_await client.get_async_invoke(get); // not inside CHECK: see emulator_support.hpp
        CHECK(got.client_request_token == tokens[0]);

        // An empty token counts as missing; each call gets its own, so two calls are two jobs.
        auto empty = video_job("amazon.nova-reel-v1:0");
        empty.client_request_token = "";
        (void)co_await client.start_async_invoke(empty);
        (void)co_await client.start_async_invoke(video_job("amazon.nova-reel-v1:0"));
        tokens = sent_tokens(emu);
        REQUIRE(tokens.size() == 5);
        CHECK(is_uuid_v4(tokens[3]));
        CHECK(is_uuid_v4(tokens[4]));
        CHECK(tokens[3] != tokens[4]);
        CHECK(tokens[3] != tokens[0]);
        CHECK(emu.async_jobs() == 3);

        // A token the caller chose is sent as it is, on every attempt, and names one job.
        auto mine = video_job("throttle-once:async-own-token");
        mine.client_request_token = "caller-token-0001";
        diag = {};
        const auto first = co_await client.start_async_invoke(mine, diag);
        CHECK(diag.attempts == 2);
        const auto again = co_await client.start_async_invoke(mine);
        CHECK(again.invocation_arn == first.invocation_arn);
        tokens = sent_tokens(emu);
        REQUIRE(tokens.size() == 8);
        CHECK(tokens[5] == "caller-token-0001");
        CHECK(tokens[6] == "caller-token-0001");
        CHECK(tokens[7] == "caller-token-0001");
        CHECK(emu.async_jobs() == 4);
    });
}

} // namespace async_invoke_test
