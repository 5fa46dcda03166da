// client::invoke_guardrail_checks end to end against the emulator (which runs every requested
// check and finds nothing), signed with SigV4 and with a bearer token.

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include "coroutine_support.hpp"
#include "emulator_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

namespace guardrail_checks_test {

namespace asio = boost::asio;

namespace {

struct file_tag {};

bedrock::invoke_guardrail_checks_request checks_request()
{
    bedrock::invoke_guardrail_checks_request r;
    r.messages = {bedrock::guardrail_checks_message{
        .role = bedrock::guardrail_checks_role::user,
        .content = {bedrock::guardrail_checks_content_block{bedrock::guardrail_checks_content_block_text{"hello"}}}}};
    r.checks.content_filter.emplace().categories = {{bedrock::guardrail_checks_content_filter_category::violence}};
    r.checks.sensitive_information.emplace().entities = {
        {bedrock::guardrail_checks_sensitive_information_entity_type::email}};
    return r; // no prompt-attack check: its result and usage stay absent
}

void check_nothing_found(const bedrock::invoke_guardrail_checks_response& out)
{
    REQUIRE(out.results.content_filter);
    CHECK(out.results.content_filter->results.empty());
    REQUIRE(out.results.sensitive_information);
    CHECK(out.results.sensitive_information->results.empty());
    CHECK(out.results.sensitive_information->truncated == false);
    CHECK_FALSE(out.results.prompt_attack);
    REQUIRE(out.usage.content_filter);
    CHECK(out.usage.content_filter->text_units == 1);
    REQUIRE(out.usage.sensitive_information);
    CHECK(out.usage.sensitive_information->text_units == 1);
    CHECK_FALSE(out.usage.prompt_attack);
}

} // namespace

TEST_CASE("client: invoke_guardrail_checks with SigV4 and with a bearer token")
{
    auto& emu = bedrock::test::started_emulator<file_tag>();
    emu.reset_state();
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        bedrock::client client{io.get_executor(), emu.client_config()};
        bedrock::diagnostics diag;
        const auto out = co_await client.invoke_guardrail_checks(checks_request(), diag);
        check_nothing_found(out);
        CHECK(diag.http_status == 200);
        CHECK(diag.attempts == 1);
        CHECK_FALSE(diag.request_id.empty());

        auto cfg = emu.client_config();
        cfg.credentials.reset();
        cfg.bearer_token = "emulator-api-key";
        bedrock::client bearer{io.get_executor(), cfg};
        const auto keyed = co_await bearer.invoke_guardrail_checks(checks_request());
        check_nothing_found(keyed);
    });
    const auto log = emu.requests();
    REQUIRE(log.size() == 2);
    for (const auto& r : log) {
        CHECK(r.method == "POST");
        CHECK(r.target == "/guardrail-checks/invoke");
        CHECK(r.operation == "InvokeGuardrailChecks");
        CHECK(r.status == 200);
    }
    CHECK(log[0].header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDEMULATOR/"));
    CHECK(log[1].header("authorization") == "Bearer emulator-api-key");
}

} // namespace guardrail_checks_test
