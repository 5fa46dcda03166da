// The hand-written parts of the model layer: base64, the JSON writer, timestamps, the reader's
// errors and member paths, unknown values (enums, union members, event types, fields), reuse of
// parsed objects, error bodies, and the operation descriptors.

#include "model/json_compare.hpp"

#include <bedrock/json/base64.hpp>
#include <bedrock/json/writer.hpp>
#include <bedrock/model/json.hpp>

#include <random>

namespace json_runtime_test {

namespace {

using bedrock::json::diagnostics;
using bedrock::json::error;
using bedrock::test::test_parser;

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

template <class T>
diagnostics parse_fails(std::string_view json,
                        bedrock::json::required_members required = bedrock::json::required_members::zero_fill)
{
    T out{};
    diagnostics diag;
    const auto ec = bedrock::json::parse(test_parser(), json, out, &diag, required);
    CHECK(ec);
    CHECK(diag.ec == ec);
    return diag;
}

std::string write_with(void (*fn)(bedrock::json::writer&))
{
    std::string out;
    bedrock::json::writer w(out);
    fn(w);
    return out;
}

} // namespace

TEST_CASE("model: base64 encodes and decodes RFC 4648 vectors", "[model][json]")
{
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (auto [plain, encoded] : vectors) {
        CHECK(bedrock::json::base64_encode(std::string_view(plain)) == encoded);
        std::vector<std::uint8_t> out;
        CHECK_FALSE(bedrock::json::base64_decode(encoded, out));
        CHECK(out == bytes_of(plain));
    }
    std::mt19937 rng(7);
    for (std::size_t n = 0; n < 300; ++n) {
        std::vector<std::uint8_t> data(n);
        for (auto& b : data)
            b = static_cast<std::uint8_t>(rng());
        const auto text = bedrock::json::base64_encode(data);
        CHECK(text.size() == bedrock::json::base64_encoded_size(n));
        std::vector<std::uint8_t> back;
        CHECK_FALSE(bedrock::json::base64_decode(text, back));
        CHECK(back == data);
    }
}

TEST_CASE("model: base64 decoding is strict", "[model][json]")
{
    for (const char* bad : {"Zg=", "Zg", "Zg===", "Z===", "====", "Zh==", "Zm9=", "Zm9v YQ==", "Zm=v",
                            "Zm9v\n", "@@@@", "Zm9vYg=a", "Zg==Zg=="}) {
        INFO(bad);
        std::vector<std::uint8_t> out{1, 2, 3};
        CHECK(bedrock::json::base64_decode(bad, out) == error::invalid_base64);
        CHECK(out.empty());
    }
}

TEST_CASE("model: the writer escapes strings per RFC 8259", "[model][json]")
{
    std::string out;
    bedrock::json::writer::append_escaped(out, std::string_view("a\"b\\c/\b\f\n\r\t\x01\x1f\x7f caf\xc3\xa9", 20));
    CHECK(out == "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f caf\xc3\xa9\"");
    const auto parsed = bedrock::test::parse_reference(out);
    CHECK(parsed.get_string() == boost::json::string_view("a\"b\\c/\b\f\n\r\t\x01\x1f\x7f caf\xc3\xa9", 20));
}

TEST_CASE("model: the writer's numbers are the shortest that read back", "[model][json]")
{
    CHECK(write_with([](auto& w) { w.number(0.1); }) == "0.1");
    CHECK(write_with([](auto& w) { w.number(0.7f); }) == "0.7");
    CHECK(write_with([](auto& w) { w.number(1e21); }) == "1e+21");
    CHECK(write_with([](auto& w) { w.number(2.0); }) == "2");
    CHECK(write_with([](auto& w) { w.number(std::numeric_limits<double>::quiet_NaN()); }) == "null");
    CHECK(write_with([](auto& w) { w.integer(std::numeric_limits<std::int64_t>::min()); }) ==
          "-9223372036854775808");
    CHECK(write_with([](auto& w) { w.document(boost::json::value(1.0)); }) == "1.0");
    CHECK(write_with([](auto& w) { w.document(boost::json::value(1e300)); }) == "1e+300");
    CHECK(write_with([](auto& w) { w.document(boost::json::value(std::uint64_t(-1))); }) ==
          "18446744073709551615");
    CHECK(write_with([](auto& w) {
              w.begin_object();
              w.member("a");
              w.begin_array();
              w.integer(1);
              w.boolean(true);
              w.null();
              w.end_array();
              w.key("b\"");
              w.string("c");
              w.end_object();
          }) == R"({"a":[1,true,null],"b\"":"c"})");
}

TEST_CASE("model: timestamps as RFC 3339 date-times and epoch seconds", "[model][json]")
{
    using namespace std::chrono;
    bedrock::timestamp t{};
    REQUIRE(bedrock::json::parse_date_time("2025-01-15T12:30:45Z", t));
    CHECK(t.time_since_epoch() == seconds{1736944245});
    std::string out;
    bedrock::json::writer w(out);
    w.timestamp_date_time(t);
    CHECK(out == "\"2025-01-15T12:30:45Z\"");

    REQUIRE(bedrock::json::parse_date_time("2025-01-15t13:30:45.5+01:00", t));
    CHECK(t.time_since_epoch() == seconds{1736944245} + milliseconds{500});
    out.clear();
    bedrock::json::writer w2(out);
    w2.timestamp_date_time(t);
    CHECK(out == "\"2025-01-15T12:30:45.5Z\"");
    out.clear();
    bedrock::json::writer w3(out);
    w3.timestamp_epoch_seconds(t);
    CHECK(out == "1736944245.5");

    REQUIRE(bedrock::json::parse_date_time("1969-12-31T23:59:59.123456789123z", t));
    CHECK(t.time_since_epoch() == -nanoseconds{876543211});

    for (const char* bad : {"2025-01-15T12:30:45", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                            "2025-01-15T24:00:00Z", "2025-01-15 12:30:45Z", "2025-01-15T12:30:45Zx",
                            "2025-01-15T12:30:45.Z", "9999-01-01T00:00:00Z", "2025-01-15T12:30:45+0100",
                            "", "2025-1-15T12:30:45Z"}) {
        INFO(bad);
        CHECK_FALSE(bedrock::json::parse_date_time(bad, t));
    }
}

TEST_CASE("model: a wrong type names the member path", "[model][json]")
{
    const auto diag = parse_fails<bedrock::converse_response>(R"({
        "output": {"message": {"role": "assistant", "content": [
            {"text": "a"}, {"text": "b"}, {"toolUse": {"toolUseId": "t", "name": 5, "input": {}}}]}},
        "stopReason": "tool_use", "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
        "metrics": {"latencyMs": 4}})");
    CHECK(diag.ec == error::type_mismatch);
    CHECK(diag.path == "output.message.content[2].toolUse.name");
    CHECK(diag.detail == "expected string, found number");
    CHECK(diag.to_string() ==
          "JSON type mismatch at output.message.content[2].toolUse.name: expected string, found number");
}

TEST_CASE("model: a missing required member reads as its zero value, a server enforcing it gets its path",
          "[model][json]")
{
    using bedrock::json::required_members;
    const std::string no_stop_reason =
        R"({"output":{"message":{"role":"assistant","content":[]}},"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3},"metrics":{"latencyMs":4}})";
    bedrock::converse_response response;
    response.stop_reason = bedrock::stop_reason::tool_use; // read into a used object: reset
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), no_stop_reason, response));
    CHECK(response.stop_reason == bedrock::stop_reason{});
    CHECK(response.usage.total_tokens == 3);
    auto diag = parse_fails<bedrock::converse_response>(no_stop_reason, required_members::enforce);
    CHECK(diag.ec == error::missing_required_member);
    CHECK(diag.path == "stopReason");

    const std::string no_tool_use_id =
        R"({"output":{"message":{"role":"assistant","content":[{"toolUse":{"name":"n","input":{}}}]}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3},"metrics":{"latencyMs":4}})";
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), no_tool_use_id, response));
    const auto& message = std::get<bedrock::converse_output_message>(response.output).value;
    REQUIRE(message.content.size() == 1);
    CHECK(std::get<bedrock::content_block_tool_use>(message.content[0]).value.tool_use_id.empty());
    CHECK(std::get<bedrock::content_block_tool_use>(message.content[0]).value.name == "n");
    diag = parse_fails<bedrock::converse_response>(no_tool_use_id, required_members::enforce);
    CHECK(diag.ec == error::missing_required_member);
    CHECK(diag.path == "output.message.content[0].toolUse.toolUseId");

    // null counts as absent
    bedrock::content_block_delta_event delta;
    delta.content_block_index = 9;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"delta":{"text":"x"},"contentBlockIndex":null})", delta));
    CHECK(delta.content_block_index == 0);
    diag = parse_fails<bedrock::content_block_delta_event>(R"({"delta":{"text":"x"},"contentBlockIndex":null})",
                                                           required_members::enforce);
    CHECK(diag.ec == error::missing_required_member);
    CHECK(diag.path == "contentBlockIndex");

    // An absent required union is the union's unknown member, with an empty tag.
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"contentBlockIndex":2})", delta));
    CHECK(delta.content_block_index == 2);
    REQUIRE(std::holds_alternative<bedrock::content_block_delta_unknown>(delta.delta));
    CHECK(std::get<bedrock::content_block_delta_unknown>(delta.delta).tag.empty());

    // A present member of the wrong type is still an error, with its path, in both modes.
    for (auto mode : {required_members::zero_fill, required_members::enforce}) {
        diag = parse_fails<bedrock::converse_response>(
            R"({"output":{"message":{"role":"assistant","content":[]}},"stopReason":"end_turn","usage":{"inputTokens":"1","outputTokens":2,"totalTokens":3}})",
            mode);
        CHECK(diag.ec == error::type_mismatch);
        CHECK(diag.path == "usage.inputTokens");
    }
}

TEST_CASE("model: malformed input gives errors, never a crash", "[model][json]")
{
    using E = bedrock::content_block_delta_event;
    CHECK(parse_fails<E>(R"({"delta":{"text":"x"},"contentBlockIndex":0)").ec == error::invalid_json);
    CHECK(parse_fails<E>("").ec == error::invalid_json);
    CHECK(parse_fails<E>("   ").ec == error::invalid_json);
    CHECK(parse_fails<E>(R"({"delta":{"text":"x"},"contentBlockIndex":0} {})").ec == error::trailing_content);
    CHECK(parse_fails<E>(R"({"delta":{"text":"x"},"contentBlockIndex":0} x)").ec);
    CHECK(parse_fails<E>("[]").ec == error::type_mismatch);
    CHECK(parse_fails<E>(R"("text")").ec == error::type_mismatch);
    CHECK(parse_fails<E>("\x7b\x22\xff\x22\x3a\x31\x7d").ec == error::invalid_json); // not UTF-8

    auto diag = parse_fails<E>(R"({"delta":{"text":"x"},"contentBlockIndex":4294967296})");
    CHECK(diag.ec == error::number_out_of_range);
    CHECK(diag.path == "contentBlockIndex");
    diag = parse_fails<E>(R"({"delta":{"text":"x"},"contentBlockIndex":1.5})");
    CHECK(diag.ec == error::type_mismatch);
    CHECK(diag.detail == "expected integer, found number");
    diag = parse_fails<E>(R"({"delta":{"text":"x","toolUse":{"input":"{}"}},"contentBlockIndex":0})");
    CHECK(diag.ec == error::union_member_conflict);
    CHECK(diag.path == "delta.toolUse");
    // A union without a member: the unknown member when read leniently, an error when enforced.
    E empty_delta;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"delta":{},"contentBlockIndex":0})", empty_delta));
    CHECK(std::get<bedrock::content_block_delta_unknown>(empty_delta.delta).tag.empty());
    diag = parse_fails<E>(R"({"delta":{},"contentBlockIndex":0})", bedrock::json::required_members::enforce);
    CHECK(diag.ec == error::empty_union);
    CHECK(diag.path == "delta");
    diag = parse_fails<E>(R"({"delta":{"text":null},"contentBlockIndex":0})", bedrock::json::required_members::enforce);
    CHECK(diag.ec == error::empty_union);

    diag = parse_fails<bedrock::image_block>(R"({"format":"png","source":{"bytes":"not base64!"}})");
    CHECK(diag.ec == error::invalid_base64);
    CHECK(diag.path == "source.bytes");
    diag = parse_fails<bedrock::async_invoke_summary>(
        R"({"invocationArn":"a","modelArn":"m","submitTime":"yesterday","outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"s3://b"}}})");
    CHECK(diag.ec == error::invalid_timestamp);
    CHECK(diag.path == "submitTime");
    diag = parse_fails<bedrock::converse_stream_metadata_event>(
        R"({"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3},"metrics":{"latencyMs":4},"trace":{"guardrail":{"inputAssessment":{"g\"1":{"topicPolicy":{"topics":[{"name":"n","type":"DENY","action":7}]}}}}}})");
    CHECK(diag.ec == error::type_mismatch);
    CHECK(diag.path == R"(trace.guardrail.inputAssessment["g\"1"].topicPolicy.topics[0].action)");
}

TEST_CASE("model: unknown fields are skipped, nulls are absent", "[model][json]")
{
    bedrock::converse_response r;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({
        "p": "padding", "future": {"deep": [1, {"x": [true, null]}]}, "output": {"message": {
        "role": "assistant", "content": [null, {"text": "hi", "citations": null}], "extra": 1}},
        "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
        "metrics": {"latencyMs": 4}, "trace": null})", r));
    const auto& msg = std::get<bedrock::converse_output_message>(r.output).value;
    REQUIRE(msg.content.size() == 1);
    CHECK(std::get<bedrock::content_block_text>(msg.content[0]).value == "hi");
    CHECK_FALSE(r.trace);
    CHECK(r.stop_reason == bedrock::stop_reason::end_turn);
}

TEST_CASE("model: member names with escapes are unescaped", "[model][json]")
{
    bedrock::content_block_delta_event ev;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(),
                                       R"({"delt\u0061":{"t\u0065xt":"x"},"contentBlock\u0049ndex":2,"\"p\"":1})", ev));
    CHECK(ev.content_block_index == 2);
    CHECK(std::get<bedrock::content_block_delta_text>(ev.delta).value == "x");
    bedrock::tool_use_block tool;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"toolUseId":"t","name":"n","input":{"a\"b":1,"\u00e9":2}})", tool));
    CHECK(tool.input.at("a\"b").as_int64() == 1);
    CHECK(tool.input.at("\xc3\xa9").as_int64() == 2);
}

TEST_CASE("model: unknown enum values, union members and event types are kept", "[model][json]")
{
    bedrock::message_stop_event stop;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"stopReason":"paused_for_lunch"})", stop));
    CHECK_FALSE(stop.stop_reason.is_known());
    CHECK(stop.stop_reason.value() == bedrock::stop_reason::unknown);
    CHECK(stop.stop_reason.str() == "paused_for_lunch");
    CHECK(bedrock::json::serialize(stop) == R"({"stopReason":"paused_for_lunch"})");

    bedrock::content_block block;
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"hologram" : { "frames" : [1, 2.50] } })", block));
    const auto& u = std::get<bedrock::content_block_unknown>(block);
    CHECK(u.tag == "hologram");
    CHECK(u.json == R"({ "frames" : [1, 2.50] })");
    CHECK(bedrock::json::serialize(block) == R"({"hologram":{ "frames" : [1, 2.50] }})");

    // A known member wins over unknown ones.
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"hologram":1,"text":"t","smell":2})", block));
    CHECK(std::get<bedrock::content_block_text>(block).value == "t");

    bedrock::converse_stream_output ev;
    REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), "telepathy", R"({"thought":"x"})", ev));
    CHECK(std::get<bedrock::converse_stream_output_unknown>(ev).tag == "telepathy");
    CHECK(std::get<bedrock::converse_stream_output_unknown>(ev).json == R"({"thought":"x"})");
    std::string payload;
    const auto header = bedrock::json::serialize_event(ev, payload);
    CHECK(header.type == "telepathy");
    CHECK(header.message_type == "event");
    CHECK(payload == R"({"thought":"x"})");

    // An empty payload reads as {}.
    REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), "telepathy", "", ev));
    CHECK(std::get<bedrock::converse_stream_output_unknown>(ev).json == "{}");
    // An event without its required members reads them as zero (the service omits them at times).
    REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), "contentBlockStop", "", ev));
    CHECK(std::get<bedrock::converse_stream_output_content_block_stop>(ev).value.content_block_index == 0);

    // Exceptions inside the stream, named by :exception-type.
    REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), "modelStreamErrorException",
                                             R"({"message":"m","originalStatusCode":500})", ev));
    const auto& ex = std::get<bedrock::converse_stream_output_model_stream_error_exception>(ev).value;
    CHECK(ex.message == "m");
    CHECK(ex.original_status_code == 500);
    payload.clear();
    CHECK(bedrock::json::serialize_event(ev, payload).message_type == "exception");
}

TEST_CASE("model: parsing into the same object again reuses its storage", "[model][json]")
{
    bedrock::converse_stream_output ev;
    REQUIRE_FALSE(bedrock::json::parse_event(
        test_parser(), "contentBlockDelta",
        R"({"contentBlockIndex":0,"delta":{"text":"a long first piece of text, longer than SSO"},"p":"abc"})", ev));
    const auto* text = &std::get<bedrock::content_block_delta_text>(
        std::get<bedrock::converse_stream_output_content_block_delta>(ev).value.delta);
    const char* storage = text->value.data();
    REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), "contentBlockDelta",
                                             R"({"contentBlockIndex":1,"delta":{"text":"short"}})", ev));
    const auto& delta = std::get<bedrock::converse_stream_output_content_block_delta>(ev).value;
    CHECK(delta.content_block_index == 1);
    CHECK(&std::get<bedrock::content_block_delta_text>(delta.delta) == text);
    CHECK(text->value == "short");
    CHECK(text->value.data() == storage);
}

TEST_CASE("model: input with and without room for simdjson's padding", "[model][json]")
{
    const std::string_view payload = R"({"contentBlockIndex":3,"delta":{"text":"x"}})";
    bedrock::content_block_delta_event ev;
    // A frame buffer: the payload followed by more bytes (CRC, next frames): parsed in place.
    std::string frame(payload);
    frame.append(64, '\xff');
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), {std::string_view(frame.data(), payload.size()), frame.size()}, ev));
    CHECK(ev.content_block_index == 3);
    // No capacity known: copied into a padded buffer first.
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), payload, ev));
    CHECK(ev.content_block_index == 3);
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), simdjson::padded_string(payload), ev));
    const std::string owned(payload);
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), owned, ev));
    CHECK(std::get<bedrock::content_block_delta_text>(ev.delta).value == "x");
}

TEST_CASE("model: documents are any JSON, kept exactly", "[model][json]")
{
    bedrock::tool_use_block tool;
    CHECK(bedrock::json::parse(test_parser(), R"({"toolUseId":"t","name":"n","input":{"a":[1e400000000]}})", tool));
    REQUIRE_FALSE(bedrock::json::parse(test_parser(), R"({"toolUseId":"t","name":"n","input":
        {"a":[1,-2,3.5,0.1,18446744073709551615,123456789012345678901234567890,"\u00e9\ud83d\ude00",true,null,{}]}})",
                                       tool));
    const auto& a = tool.input.at("a").as_array();
    CHECK(a[0].as_int64() == 1);
    CHECK(a[2].as_double() == 3.5);
    CHECK(a[3].as_double() == 0.1);
    CHECK(a[4].as_uint64() == 18446744073709551615ull);
    CHECK(a[5].as_double() == 1.2345678901234568e29);
    CHECK(a[6].as_string() == "\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(bedrock::json::serialize(tool) ==
          R"({"toolUseId":"t","name":"n","input":{"a":[1,-2,3.5,0.1,18446744073709551615,1.2345678901234568e+29,"é😀",true,null,{}]}})");

    std::string deep(600, '[');
    deep += std::string(600, ']');
    const auto diag = parse_fails<bedrock::tool_use_block>(R"({"toolUseId":"t","name":"n","input":)" + deep + "}");
    CHECK(diag.ec == error::invalid_json);
}

TEST_CASE("model: error bodies become typed errors", "[model][json]")
{
    bedrock::service_error err;
    REQUIRE_FALSE(bedrock::json::parse_error(
        test_parser(), "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.service/",
        R"({"message":"slow down"})", err));
    CHECK(std::holds_alternative<bedrock::throttling_exception>(err));
    CHECK(err.name() == "ThrottlingException");
    CHECK(err.message() == "slow down");
    CHECK(err.http_status() == 429);
    CHECK_FALSE(err.server_fault());
    err.set_response(429, "req-1");
    CHECK(err.request_id() == "req-1");

    REQUIRE_FALSE(bedrock::json::parse_error(test_parser(), "",
                                             R"({"__type":"com.amazonaws.bedrockruntime#InternalServerException","message":"oops"})",
                                             err));
    CHECK(std::holds_alternative<bedrock::internal_server_exception>(err));
    CHECK(err.server_fault());
    REQUIRE_FALSE(bedrock::json::parse_error(test_parser(), "", R"({"code":"ValidationException","Message":"bad"})", err));
    CHECK(std::holds_alternative<bedrock::validation_exception>(err));
    REQUIRE_FALSE(bedrock::json::parse_error(test_parser(), "UnrecognizedClientException", R"({"Message":"who?"})", err));
    REQUIRE(std::holds_alternative<bedrock::unknown_service_error>(err));
    CHECK(err.name() == "UnrecognizedClientException");
    CHECK(err.message() == "who?");
    REQUIRE_FALSE(bedrock::json::parse_error(test_parser(), "ModelNotReadyException", "", err));
    CHECK(std::holds_alternative<bedrock::model_not_ready_exception>(err));
    CHECK(bedrock::model_not_ready_exception::retryable);
    CHECK_FALSE(bedrock::model_not_ready_exception::throttling);
    CHECK(bedrock::json::serialize(bedrock::make_service_error("ModelErrorException")) == "{}");
    CHECK(bedrock::json::sanitize_error_type(" aws#Foo:bar ") == "Foo");
}

TEST_CASE("model: enums", "[model][json]")
{
    bedrock::conversation_role role = bedrock::conversation_role::assistant;
    CHECK(role == bedrock::conversation_role::assistant);
    CHECK(role.str() == "assistant");
    CHECK(role.is_known());
    role.assign("user");
    CHECK(role.value() == bedrock::conversation_role::user);
    CHECK(bedrock::conversation_role("user") == role);
    CHECK(bedrock::conversation_role("robot") != role);
    CHECK(bedrock::conversation_role("robot") == bedrock::conversation_role("robot"));
    CHECK(bedrock::conversation_role("robot") != bedrock::conversation_role("droid"));
    CHECK(bedrock::cache_ttl::_5m == bedrock::cache_ttl("5m"));
    CHECK(bedrock::cache_point_type(bedrock::cache_point_type::default_).str() == "default");
    CHECK(bedrock::video_format::known_values().size() == 9);
    bedrock::stop_reason none;
    CHECK(none.str().empty());
    CHECK_FALSE(none.is_known());
}

TEST_CASE("model: requests serialize without their HTTP-bound members", "[model][json]")
{
    bedrock::converse_request req;
    req.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    req.messages = {bedrock::message{.role = bedrock::conversation_role::user,
                                     .content = {bedrock::content_block_text{"Say hello"}}}};
    req.inference_config = bedrock::inference_configuration{.max_tokens = 64};
    CHECK(bedrock::json::serialize(req) ==
          R"({"messages":[{"role":"user","content":[{"text":"Say hello"}]}],"inferenceConfig":{"maxTokens":64}})");

    bedrock::apply_guardrail_request g;
    g.guardrail_identifier = "gr";
    g.guardrail_version = "1";
    g.source = bedrock::guardrail_content_source::input;
    g.content = {bedrock::guardrail_content_block_text{{.text = "hi"}}};
    CHECK(bedrock::json::serialize(g) == R"({"source":"INPUT","content":[{"text":{"text":"hi"}}]})");
}

TEST_CASE("model: operation descriptors", "[model][json]")
{
    using namespace bedrock;
    static_assert(operations::converse::uri == "/model/{modelId}/converse");
    static_assert(operations::converse::method == "POST");
    static_assert(operations::converse::input_body == body_kind::json);
    static_assert(std::is_same_v<operations::converse_stream::output_event_type, converse_stream_output>);
    static_assert(operations::converse_stream::output_body == body_kind::event_stream);
    static_assert(std::is_same_v<operations::invoke_model_with_bidirectional_stream::input_event_type,
                                 invoke_model_with_bidirectional_stream_input>);
    static_assert(operations::invoke_model::input_payload == &invoke_model_request::body);
    static_assert(operations::get_async_invoke::method == "GET");
    static_assert(operations::list_async_invokes::input_body == body_kind::empty);
    static_assert(operations::list_async_invokes::input_token == &list_async_invokes_request::next_token);
    static_assert(operations::list_async_invokes::result_key == &list_async_invokes_response::async_invoke_summaries);
    static_assert(operations::start_async_invoke::idempotency_token == &start_async_invoke_request::client_request_token);
    static_assert(std::tuple_size_v<operations::all> == 11);
    static_assert(std::tuple_size_v<operations::invoke_model::error_types> == 10);
    constexpr auto header = std::get<0>(operations::invoke_model::input_bindings);
    static_assert(header.location == http_location::header && header.name == "Content-Type");
    static_assert(header.member == &invoke_model_request::content_type);
    CHECK(std::get<0>(operations::apply_guardrail::input_bindings).name == "guardrailIdentifier");
}

TEST_CASE("model: an object cut short after a member name is an error, not undefined behaviour", "[model][json]")
{
    // Found by fuzz_converse_stream_event: the document's span was outside the input.
    for (const char* text : {R"( {"pppppp'":)", R"({"message":)", R"({"a":)", "{\"a\"", "{"}) {
        INFO(text);
        bedrock::converse_stream_output ev;
        CHECK(bedrock::json::parse_event(test_parser(), "throttlingException", text, ev));
        bedrock::converse_response r;
        CHECK(bedrock::json::parse(test_parser(), text, r));
    }
}

} // namespace json_runtime_test
