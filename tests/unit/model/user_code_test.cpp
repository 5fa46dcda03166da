// The code a user writes against the model types: optional lists and maps are plain containers
// (absent and empty are one state), so braced initializers and range-for need no std::vector{...}
// and no `*`. Also the rule on the wire: an empty optional list or map is not written, a required
// one always is; reading fills them when present and leaves them empty when absent or null.

#include "model/json_compare.hpp"

#include <bedrock/client.hpp>
#include <bedrock/messages.hpp>
#include <bedrock/model/json.hpp>

#include <boost/asio/awaitable.hpp>

#include <type_traits>

namespace user_code_test {

namespace {

using bedrock::test::test_parser;

// The snippet at the top of <bedrock/client.hpp>, exactly. Compiled, never run here (the
// integration tests run the client against the emulator).
[[maybe_unused]] boost::asio::awaitable<std::size_t> client_hpp_snippet(bedrock::client& client)
{
    bedrock::converse_request request{.model_id = "anthropic.claude-3-5-sonnet-20240620-v1:0",
                                      .messages = {bedrock::user_text("Hello")}};
    auto out = co_await client.converse(request);
    std::size_t blocks = 0;
    for (auto& block : std::get<bedrock::converse_output_message>(out.output).value.content)
        blocks += std::holds_alternative<bedrock::content_block_text>(block);
    co_return blocks;
}

#if defined(__clang__)
// The request inline in the co_await: fine with clang; gcc 12 rejects any braced list of elements
// (an std::initializer_list) inside a co_await expression ("array used as initializer").
[[maybe_unused]] boost::asio::awaitable<void> inline_request(bedrock::client& client)
{
    auto out = co_await client.converse({.model_id = "anthropic.claude-3-5-sonnet-20240620-v1:0",
                                         .messages = {bedrock::user_text("Hello")}});
    (void)out;
}
#endif

static_assert(std::is_same_v<decltype(bedrock::converse_request::messages), std::vector<bedrock::message>>);
static_assert(std::is_same_v<decltype(bedrock::converse_request::request_metadata),
                             std::map<std::string, std::string>>);
static_assert(std::is_same_v<decltype(bedrock::inference_configuration::stop_sequences), std::vector<std::string>>);
static_assert(std::is_same_v<decltype(bedrock::list_async_invokes_response::async_invoke_summaries),
                             std::vector<bedrock::async_invoke_summary>>);
// What stays optional: structures, strings, numbers, enums, documents.
static_assert(std::is_same_v<decltype(bedrock::converse_request::inference_config),
                             std::optional<bedrock::inference_configuration>>);
static_assert(std::is_same_v<decltype(bedrock::inference_configuration::max_tokens), std::optional<std::int32_t>>);
static_assert(std::is_same_v<decltype(bedrock::converse_request::additional_model_request_fields),
                             std::optional<bedrock::document>>);

} // namespace

TEST_CASE("model: optional lists take braced initializers and range-for", "[model][json]")
{
    bedrock::converse_request req{.model_id = "m", .messages = {bedrock::user_text("Hello")}};
    REQUIRE(req.messages.size() == 1);
    CHECK(bedrock::message_text(req.messages[0]) == "Hello");
    req.messages.push_back(bedrock::assistant_text("Hi"));
    req.system = {bedrock::system_content_block_text{"Be brief."}};
    req.request_metadata = {{"team", "a"}};
    CHECK(bedrock::json::serialize(req) ==
          R"({"messages":[{"role":"user","content":[{"text":"Hello"}]},{"role":"assistant","content":[{"text":"Hi"}]}],)"
          R"("system":[{"text":"Be brief."}],"requestMetadata":{"team":"a"}})");

    bedrock::converse_response out;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"output":{"message":{"role":"assistant","content":[
        {"text":"one"},{"text":"two"}]}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":2,
        "totalTokens":3},"metrics":{"latencyMs":4}})", out));
    std::string text;
    for (auto& block : std::get<bedrock::converse_output_message>(out.output).value.content)
        text += std::get<bedrock::content_block_text>(block).value;
    CHECK(text == "onetwo");
}

TEST_CASE("model: an empty optional list or map is not written, a required one is", "[model][json]")
{
    // Optional: ConverseRequest.messages/system/requestMetadata, InferenceConfiguration.stopSequences.
    bedrock::converse_request req;
    req.model_id = "m";
    req.inference_config = bedrock::inference_configuration{.max_tokens = 5};
    CHECK(req.inference_config->stop_sequences.empty());
    CHECK(bedrock::json::serialize(req) == R"({"inferenceConfig":{"maxTokens":5}})");
    req.inference_config->stop_sequences = {"END"};
    CHECK(bedrock::json::serialize(req) == R"({"inferenceConfig":{"maxTokens":5,"stopSequences":["END"]}})");

    // Required: Message.content, ToolConfiguration.tools, ApplyGuardrailRequest.content.
    const bedrock::message empty{.role = bedrock::conversation_role::user};
    CHECK(bedrock::json::serialize(empty) == R"({"role":"user","content":[]})");
    CHECK(bedrock::json::serialize(bedrock::tool_configuration{}) == R"({"tools":[]})");
    const bedrock::apply_guardrail_request g{.guardrail_identifier = "gr", .guardrail_version = "1",
                                             .source = bedrock::guardrail_content_source::output};
    CHECK(bedrock::json::serialize(g) == R"({"source":"OUTPUT","content":[]})");
}

TEST_CASE("model: optional lists read as empty when absent, null or []", "[model][json]")
{
    bedrock::inference_configuration absent, null, empty, full;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"maxTokens":1})", absent));
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"maxTokens":1,"stopSequences":null})", null));
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"maxTokens":1,"stopSequences":[]})", empty));
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"maxTokens":1,"stopSequences":["a","b"]})", full));
    CHECK(absent.stop_sequences.empty());
    CHECK(absent == null);
    CHECK(absent == empty);
    CHECK(full.stop_sequences == std::vector<std::string>{"a", "b"});

    // Reading into a used object: an absent (or null) list ends up empty, as in a fresh one.
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"maxTokens":1,"stopSequences":null})", full));
    CHECK(full == absent);

    bedrock::converse_request req;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"requestMetadata":{"k":"v"},"messages":null})", req));
    CHECK(req.messages.empty());
    CHECK(req.request_metadata == std::map<std::string, std::string>{{"k", "v"}});
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({})", req));
    CHECK(req.request_metadata.empty());

    // A required list is still required where it is enforced (a server reading requests): absent is
    // an error there, [] is not. Read leniently, as a client reads answers, absent is empty.
    bedrock::message m;
    CHECK(bedrock::json::parse(test_parser(), R"({"role":"user"})", m, nullptr,
                               bedrock::json::required_members::enforce) ==
          bedrock::json::error::missing_required_member);
    m.content.emplace_back();
    CHECK_FALSE(bedrock::json::parse(test_parser(), R"({"role":"user"})", m));
    CHECK(m.content.empty());
    CHECK_FALSE(bedrock::json::parse(test_parser(), R"({"role":"user","content":[]})", m));
}

TEST_CASE("model: the round trip check allows only absent-equivalent empty members", "[model][json]")
{
    using bedrock::test::parse_reference;
    using bedrock::test::without_omitted_empty;
    // What the recorded dd-trace-py request sends: an empty optional list, which we leave out.
    bedrock::test::check_roundtrip<bedrock::inference_configuration>(R"({"maxTokens":1000,"stopSequences":[]})");
    // Only members of `expected` that are empty and missing from `actual` are dropped.
    CHECK(bedrock::test::json_equal(
        without_omitted_empty(parse_reference(R"({"a":[],"b":{},"c":[1],"d":{"e":[]},"f":[{"g":{}}]})"),
                              parse_reference(R"({"d":{},"f":[{}]})")),
        parse_reference(R"({"c":[1],"d":{},"f":[{}]})")));
    CHECK(bedrock::test::json_equal(without_omitted_empty(parse_reference(R"({"a":[]})"), parse_reference(R"({"a":[]})")),
                                    parse_reference(R"({"a":[]})")));
}

} // namespace user_code_test
