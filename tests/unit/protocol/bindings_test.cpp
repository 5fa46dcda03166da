#include <bedrock/messages.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/model/operations.hpp>
#include <bedrock/protocol/bindings.hpp>

#include "support/vectors.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

namespace bindings_test {

namespace http = boost::beast::http;
using bedrock::protocol::build_request;

namespace {

const boost::json::object& sdk_request(std::string_view name)
{
    static const boost::json::value results = boost::json::parse(
        bedrock::test::read_text(bedrock::test::vector_path("sdk-behaviour/sdk_harness_results.json")));
    return results.at("results").at(name).at("request").as_object();
}

std::string header(const boost::json::object& request, std::string_view name)
{
    const auto& headers = request.at("headers").as_object();
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value().as_string());
}

// The request we build must be the SDK's: method, path, content type, the bound headers, and a body
// equal as JSON (or byte for byte for raw bodies).
void check_like_sdk(std::string_view name, const bedrock::protocol::http_request& ours, bool json_body)
{
    INFO(name);
    const auto& sdk = sdk_request(name);
    CHECK(ours.method == std::string_view(sdk.at("method").as_string()));
    CHECK(ours.target() == std::string_view(sdk.at("path").as_string()));
    for (const auto& [key, value] : sdk.at("headers").as_object()) {
        const std::string k(key);
        if (k == "content-type" || k == "accept" || k.starts_with("x-amzn-bedrock-")) {
            INFO(k);
            REQUIRE(ours.find(k));
            CHECK(*ours.find(k) == std::string_view(value.as_string()));
        }
    }
    if (json_body)
        CHECK(boost::json::parse(ours.body) == boost::json::parse(sdk.at("body").as_string()));
    else
        CHECK(ours.body == std::string_view(sdk.at("body").as_string()));
    REQUIRE(ours.find("content-length"));
    CHECK(*ours.find("content-length") == header(sdk, "content-length"));
}

template <class Input>
Input parse_body(std::string_view name)
{
    simdjson::ondemand::parser parser;
    Input in;
    std::string body(sdk_request(name).at("body").as_string());
    REQUIRE_FALSE(bedrock::json::parse(parser, bedrock::json::source(body), in));
    return in;
}

} // namespace

TEST_CASE("converse and converse_stream requests match the official SDK's")
{
    for (const char* name : {"Converse", "Error_header_x-amzn-errortype"}) {
        auto in = parse_body<bedrock::converse_request>(name);
        in.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
        bedrock::protocol::http_request req;
        REQUIRE_FALSE(build_request<bedrock::operations::converse>(in, "", req));
        check_like_sdk(name, req, true);
    }
    auto in = parse_body<bedrock::converse_stream_request>("ConverseStream_generated_text");
    in.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    bedrock::protocol::http_request req;
    REQUIRE_FALSE(build_request<bedrock::operations::converse_stream>(in, "", req));
    check_like_sdk("ConverseStream_generated_text", req, true);
}

TEST_CASE("invoke_model requests carry their raw body and bound headers")
{
    const auto& sdk = sdk_request("InvokeModel");
    bedrock::invoke_model_request in;
    in.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    const std::string body(sdk.at("body").as_string());
    in.body.assign(body.begin(), body.end());
    in.content_type = "application/json";
    in.accept = "application/json";
    bedrock::protocol::http_request req;
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(in, "", req));
    check_like_sdk("InvokeModel", req, false);

    // Without a content type the body is sent as bytes, as the SDK does.
    in.content_type.reset();
    in.accept.reset();
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(in, "", req = {}));
    check_like_sdk("Error_ModelErrorException", req, false);

    bedrock::invoke_model_with_response_stream_request streamed;
    streamed.model_id = in.model_id;
    streamed.body = in.body;
    streamed.content_type = "application/json";
    streamed.accept = "application/json";
    streamed.trace = bedrock::trace::enabled;
    streamed.guardrail_identifier = "gr-123";
    streamed.guardrail_version = "DRAFT";
    streamed.performance_config_latency = bedrock::performance_config_latency::standard;
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model_with_response_stream>(streamed, "", req = {}));
    check_like_sdk("InvokeModelWithResponseStream_generated", req, false);
}

namespace {

void check_same_request(const bedrock::protocol::http_request& a, const bedrock::protocol::http_request& b)
{
    CHECK(a.method == b.method);
    CHECK(a.path == b.path);
    CHECK(a.query == b.query);
    REQUIRE(a.headers.size() == b.headers.size());
    for (std::size_t i = 0; i < a.headers.size(); ++i) {
        CHECK(a.headers[i].name == b.headers[i].name);
        CHECK(a.headers[i].value == b.headers[i].value);
    }
    CHECK(a.body == b.body);
}

// Where the request's heap-held strings live (those too long for the string's own bytes).
std::vector<const char*> storage_of(const bedrock::protocol::http_request& r)
{
    std::vector<const char*> at{r.path.data(), r.body.data()};
    for (const auto& h : r.headers) {
        if (h.name.size() > 15)
            at.push_back(h.name.data());
        if (h.value.size() > 15)
            at.push_back(h.value.data());
    }
    return at;
}

} // namespace

TEST_CASE("a request built into a used one is the one built afresh and reuses its storage")
{
    bedrock::invoke_model_request small;
    small.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    small.body = {'{', '}'};
    bedrock::invoke_model_request large = small;
    large.content_type = "application/json";
    large.accept = "application/json";
    large.trace = bedrock::trace::enabled_full;
    large.guardrail_identifier = "arn:aws:bedrock:us-east-1:123456789012:guardrail/abcdefghijkl";
    large.guardrail_version = "DRAFT";
    large.body.assign(3000, 'x');

    bedrock::protocol::http_request fresh_small, fresh_large, used;
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(small, "", fresh_small));
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(large, "/base", fresh_large));
    // Each built over the other, in both orders: no header of the last request stays behind.
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(large, "/base", used));
    used.set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request");
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(small, "", used));
    check_same_request(used, fresh_small);
    CHECK_FALSE(used.find("Authorization"));
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(large, "/base", used));
    check_same_request(used, fresh_large);

    // The same request again: every string that lives on the heap is where it was.
    const auto before = storage_of(used);
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(large, "/base", used));
    check_same_request(used, fresh_large);
    CHECK(storage_of(used) == before);

    // set() replaces in place, or adds at the end.
    used.set("x-amzn-bedrock-trace", "DISABLED");
    CHECK(*used.find("X-Amzn-Bedrock-Trace") == "DISABLED");
    CHECK(used.headers.size() == fresh_large.headers.size());
    used.set("x-new", "1");
    CHECK(used.headers.back().name == "x-new");

    // A value taken from another header of the same request, added as the list grows: copied
    // before the list moves. Short strings keep their characters inside the header, which moves
    // with the list: AddressSanitizer would see a read of the freed list otherwise.
    bedrock::protocol::http_request shorts;
    for (const char* name : {"a", "b", "c", "d"})
        shorts.set(name, "1");
    shorts.clear(); // four spare headers, their strings all short
    shorts.headers.shrink_to_fit();
    shorts.set("a", "short");
    while (shorts.headers.size() < shorts.headers.capacity())
        shorts.set("h" + std::to_string(shorts.headers.size()), "x");
    shorts.set("b", *shorts.find("a"));
    CHECK(*shorts.find("b") == "short");
}

TEST_CASE("a member bound to a header that holds a line break or a NUL is refused before it is sent")
{
    bedrock::invoke_model_request in;
    in.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    in.body = {'{', '}'};
    in.content_type = "application/json";
    bedrock::protocol::http_request req;
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(in, "", req));
    in.accept = "text/plain\tcharset"; // a tab is allowed in a header value
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model>(in, "", req = {}));

    for (const std::string& bad : {std::string("application/json\r\nX-Injected: 1"), std::string("a\nb"),
                                  std::string("a\rb"), std::string("a\0b", 3)}) {
        in.content_type = bad;
        bedrock::diagnostics diag;
        CHECK(build_request<bedrock::operations::invoke_model>(in, "", req = {}, &diag) ==
              bedrock::client_errc::invalid_request);
        CHECK(diag.client_message.find("Content-Type") != std::string::npos);
    }

    bedrock::invoke_model_with_response_stream_request streamed;
    streamed.model_id = in.model_id;
    streamed.body = in.body;
    streamed.guardrail_identifier = "gr-1\r\n\r\nGET / HTTP/1.1";
    bedrock::diagnostics diag;
    CHECK(build_request<bedrock::operations::invoke_model_with_response_stream>(streamed, "", req = {}, &diag) ==
          bedrock::client_errc::invalid_request);
    CHECK(diag.client_message.find("X-Amzn-Bedrock-GuardrailIdentifier") != std::string::npos);
}

TEST_CASE("URI labels are encoded as one segment, query parameters in the string")
{
    bedrock::protocol::http_request req;
    bedrock::get_async_invoke_request get;
    get.invocation_arn = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc def";
    REQUIRE_FALSE(build_request<bedrock::operations::get_async_invoke>(get, "/base", req));
    CHECK(req.method == "GET");
    CHECK(req.target() == "/base/async-invoke/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aasync-invoke%2Fabc%20def");
    CHECK(req.body.empty());
    CHECK_FALSE(req.find("content-length"));

    bedrock::list_async_invokes_request list;
    REQUIRE_FALSE(build_request<bedrock::operations::list_async_invokes>(list, "", req = {}));
    CHECK(req.target() == "/async-invoke");
    list.max_results = 10;
    list.next_token = "tok/en+=";
    list.status_equals = bedrock::async_invoke_status::completed;
    list.submit_time_after = std::chrono::sys_days{std::chrono::year{2025} / 1 / 15} + std::chrono::hours{12} +
                             std::chrono::minutes{30} + std::chrono::seconds{45};
    REQUIRE_FALSE(build_request<bedrock::operations::list_async_invokes>(list, "", req = {}));
    const std::string target(req.target());
    // The query decoded, as the signer and the transports take it ...
    CHECK(req.query == std::vector<std::pair<std::string, std::string>>{{"submitTimeAfter", "2025-01-15T12:30:45Z"},
                                                                        {"statusEquals", "Completed"},
                                                                        {"maxResults", "10"},
                                                                        {"nextToken", "tok/en+="}});
    // ... and the whole of it encoded: every parameter, in the model's member order.
    CHECK(target ==
          "/async-invoke?submitTimeAfter=2025-01-15T12%3A30%3A45Z&statusEquals=Completed&maxResults=10&nextToken=tok%2Fen%2B%3D");

    // A fraction of a second is kept (the JS SDK sends milliseconds; it was once cut off here).
    list = {};
    list.submit_time_before = std::chrono::sys_days{std::chrono::year{2025} / 1 / 15} + std::chrono::milliseconds{500};
    REQUIRE_FALSE(build_request<bedrock::operations::list_async_invokes>(list, "", req = {}));
    CHECK(req.target() == "/async-invoke?submitTimeBefore=2025-01-15T00%3A00%3A00.500Z");

    bedrock::apply_guardrail_request guard;
    guard.guardrail_identifier = "gr-1";
    guard.guardrail_version = "DRAFT";
    guard.source = bedrock::guardrail_content_source::input;
    REQUIRE_FALSE(build_request<bedrock::operations::apply_guardrail>(guard, "", req = {}));
    CHECK(req.target() == "/guardrail/gr-1/version/DRAFT/apply");
    auto body = boost::json::parse(req.body);
    CHECK(body.at("source") == "INPUT");
    CHECK_FALSE(body.as_object().contains("guardrailIdentifier")); // bound to the URI, not the body

    guard.guardrail_identifier.clear();
    CHECK(build_request<bedrock::operations::apply_guardrail>(guard, "", req = {}) ==
          bedrock::client_errc::invalid_request);
}

TEST_CASE("responses: JSON bodies, raw bodies and bound headers")
{
    simdjson::ondemand::parser parser;
    bedrock::diagnostics diag;
    bedrock::protocol::http_response res;
    res.body() = R"({"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn",)"
                 R"("usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3},"metrics":{"latencyMs":5}})";
    bedrock::converse_response out;
    REQUIRE_FALSE(bedrock::protocol::parse_response<bedrock::operations::converse>(res, parser, out, diag));
    CHECK(out.stop_reason == bedrock::stop_reason::end_turn);
    CHECK(out.usage.total_tokens == 3);

    res.body() = R"({"output":{"message":{"role":"assistant","content":[{"text":7}]}}})";
    CHECK(bedrock::protocol::parse_response<bedrock::operations::converse>(res, parser, out, diag) ==
          bedrock::client_errc::invalid_response);
    CHECK(diag.client_message.find("output.message.content[0].text") != std::string::npos);

    bedrock::protocol::http_response raw;
    raw.body() = R"({"anything":"at all"})";
    raw.set(http::field::content_type, "application/json");
    raw.set("X-Amzn-Bedrock-PerformanceConfig-Latency", "optimized");
    raw.set("X-Amzn-Bedrock-Service-Tier", "some-future-tier");
    bedrock::invoke_model_response invoked;
    REQUIRE_FALSE(bedrock::protocol::parse_response<bedrock::operations::invoke_model>(raw, parser, invoked, diag));
    CHECK(std::string(invoked.body.begin(), invoked.body.end()) == raw.body());
    CHECK(invoked.content_type == "application/json");
    CHECK(invoked.performance_config_latency == bedrock::performance_config_latency::optimized);
    REQUIRE(invoked.service_tier);
    CHECK_FALSE(invoked.service_tier->is_known());
    CHECK(invoked.service_tier->str() == "some-future-tier");
}

TEST_CASE("a request without a member the model requires is refused before it is sent, with its path")
{
    bedrock::protocol::http_request req;
    bedrock::diagnostics diag;
    bedrock::converse_request in;
    in.model_id = "m";
    in.messages = {bedrock::user_text("hi")};
    REQUIRE_FALSE(build_request<bedrock::operations::converse>(in, "", req, &diag));
    CHECK(diag.client_message.empty());

    // A tool use without its id, in the second message's second block.
    bedrock::tool_use_block use;
    use.name = "weather";
    use.input = boost::json::object{{"city", "Lyon"}};
    in.messages.push_back({bedrock::conversation_role::assistant,
                           {bedrock::content_block{bedrock::content_block_text{"let me look"}},
                            bedrock::content_block{bedrock::content_block_tool_use{use}}}});
    CHECK(build_request<bedrock::operations::converse>(in, "", req, &diag) == bedrock::client_errc::invalid_request);
    CHECK(diag.client_message == "the request lacks a required member: messages[1].content[1].toolUse.toolUseId");
    bedrock::json::diagnostics why;
    CHECK(bedrock::json::validate_required(in, &why) == bedrock::json::error::missing_required_member);
    CHECK(why.path == "messages[1].content[1].toolUse.toolUseId");

    // Its input: a null document is absent.
    std::get<bedrock::content_block_tool_use>(in.messages[1].content[1]).value.tool_use_id = "t1";
    std::get<bedrock::content_block_tool_use>(in.messages[1].content[1]).value.input = nullptr;
    CHECK(bedrock::json::validate_required(in, &why) == bedrock::json::error::missing_required_member);
    CHECK(why.path == "messages[1].content[1].toolUse.input");
    std::get<bedrock::content_block_tool_use>(in.messages[1].content[1]).value.input = boost::json::object{};
    CHECK_FALSE(bedrock::json::validate_required(in, &why));

    // A message without a role (an enum with no value).
    in.messages.push_back({});
    CHECK(bedrock::json::validate_required(in, &why) == bedrock::json::error::missing_required_member);
    CHECK(why.path == "messages[2].role");
    in.messages.pop_back();

    // A required union that holds nothing (its unknown member without a tag): a tool's input schema.
    bedrock::tool_specification spec;
    spec.name = "weather";
    spec.input_schema = bedrock::tool_input_schema_unknown{};
    in.tool_config.emplace().tools = {bedrock::tool{bedrock::tool_tool_spec{spec}}};
    CHECK(build_request<bedrock::operations::converse>(in, "", req, &diag) == bedrock::client_errc::invalid_request);
    CHECK(diag.client_message == "the request lacks a required member: toolConfig.tools[0].toolSpec.inputSchema");
    // ... but an unknown member that has a name is the user's choice to send (a newer service's member).
    std::get<bedrock::tool_tool_spec>(in.tool_config->tools[0]).value.input_schema =
        bedrock::tool_input_schema_unknown{"futureSchema", R"({"x":1})"};
    CHECK_FALSE(build_request<bedrock::operations::converse>(in, "", req, &diag));

    // A required string that the model says may not be empty: a document block's name.
    bedrock::document_block doc;
    doc.format = bedrock::document_format::txt;
    doc.source = bedrock::document_source_text{"body"};
    in.messages[0].content.push_back(bedrock::content_block{bedrock::content_block_document{doc}});
    CHECK(bedrock::json::validate_required(in, &why) == bedrock::json::error::missing_required_member);
    CHECK(why.path == "messages[0].content[1].document.name");

    // A URI label is required too: an empty model id.
    bedrock::converse_request no_model;
    no_model.messages = {bedrock::user_text("hi")};
    CHECK(build_request<bedrock::operations::converse>(no_model, "", req, &diag) == bedrock::client_errc::invalid_request);
    CHECK(diag.client_message == "the request lacks a required member: modelId");
}

TEST_CASE("format_date_time: ISO 8601 in UTC, the fraction of a second in groups of three digits when there is one")
{
    using namespace std::chrono;
    using bedrock::protocol::format_date_time;
    const auto day = sys_days{year{2025} / 1 / 15} + hours{12} + minutes{30} + seconds{45};
    CHECK(format_date_time(day) == "2025-01-15T12:30:45Z");
    CHECK(format_date_time(day + milliseconds{123}) == "2025-01-15T12:30:45.123Z");
    CHECK(format_date_time(day + milliseconds{500}) == "2025-01-15T12:30:45.500Z");
    CHECK(format_date_time(day + microseconds{1}) == "2025-01-15T12:30:45.000001Z");
    CHECK(format_date_time(day + microseconds{123450}) == "2025-01-15T12:30:45.123450Z");
    CHECK(format_date_time(day + nanoseconds{7}) == "2025-01-15T12:30:45.000000007Z");
    CHECK(format_date_time(bedrock::timestamp{}) == "1970-01-01T00:00:00Z");
    CHECK(format_date_time(sys_days{year{1969} / 12 / 31} + hours{23} + minutes{59} + seconds{59} +
                           milliseconds{250}) == "1969-12-31T23:59:59.250Z");
}

TEST_CASE("an event-stream request announces no Content-Length: its frames are sent as they come")
{
    bedrock::invoke_model_with_bidirectional_stream_request in;
    in.model_id = "amazon.nova-sonic-v1:0";
    bedrock::protocol::http_request req;
    REQUIRE_FALSE(build_request<bedrock::operations::invoke_model_with_bidirectional_stream>(in, "", req));
    CHECK(req.target() == "/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream");
    REQUIRE(req.find("content-type"));
    CHECK(*req.find("content-type") == "application/vnd.amazon.eventstream");
    CHECK_FALSE(req.find("content-length"));
    CHECK(req.body.empty());
}

} // namespace bindings_test
