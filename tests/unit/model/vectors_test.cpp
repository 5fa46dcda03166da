// Every JSON body the official SDKs sent and the service (or the SDK harness's fake service)
// returned, in ../shared/vectors: parsed into the model types and written back, equal as JSON.

#include "model/json_compare.hpp"
#include "support/vectors.hpp"

#include <bedrock/http/message.hpp>
#include <bedrock/model/json/converse.hpp>
#include <bedrock/model/json/converse_stream.hpp>
#include <bedrock/model/json/errors.hpp>
#include <bedrock/model/json/invoke_model.hpp>
#include <bedrock/model/json/bidirectional_stream.hpp>
#include <bedrock/client.hpp> // detail::read_usage_headers: how the client reads the token-count headers
#include <bedrock/protocol/bindings.hpp>

#include <filesystem>
#include <variant>
#include <vector>

namespace vectors_test {

namespace {

using bedrock::test::check_event_roundtrip;
using bedrock::test::check_roundtrip;
using bedrock::test::test_parser;

boost::json::value load(const std::string& relative)
{
    return bedrock::test::parse_reference(bedrock::test::read_text(bedrock::test::vector_path(relative)));
}

std::string header_value(const boost::json::object& headers, std::string_view name)
{
    for (const auto& kv : headers) {
        std::string key(kv.key());
        if (key.size() == name.size() &&
            std::equal(key.begin(), key.end(), name.begin(),
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                   std::tolower(static_cast<unsigned char>(b)); })) {
            const auto& v = kv.value();
            if (v.is_array())
                return std::string(v.get_array().at(0).get_string());
            if (v.is_object())
                return std::string(v.get_object().at("value").get_string());
            return std::string(v.get_string());
        }
    }
    return {};
}

bool ends_with(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// One event-stream frame of `operation` (by its :message-type and :event-type / :exception-type).
void check_frame(std::string_view operation, const boost::json::object& frame)
{
    const auto& headers = frame.at("headers").get_object();
    const std::string message_type = header_value(headers, ":message-type");
    const std::string type =
        header_value(headers, message_type == "exception" ? ":exception-type" : ":event-type");
    const std::string payload(frame.at("payload_utf8").get_string());
    INFO(operation << " frame " << type << ": " << payload);
    if (operation == "ConverseStream" || operation == "any event-stream output") {
        check_event_roundtrip<bedrock::converse_stream_output>(type, payload);
        bedrock::converse_stream_output ev;
        REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), type, payload, ev));
        CHECK_FALSE(std::holds_alternative<bedrock::converse_stream_output_unknown>(ev));
        std::string out;
        CHECK(bedrock::json::serialize_event(ev, out).message_type == message_type);
    } else if (operation == "InvokeModelWithResponseStream") {
        check_event_roundtrip<bedrock::response_stream>(type, payload);
        bedrock::response_stream ev;
        REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), type, payload, ev));
        CHECK_FALSE(std::holds_alternative<bedrock::response_stream_unknown>(ev));
        if (const auto* decoded = frame.if_contains("payload_bytes_decoded")) {
            const auto* chunk = std::get_if<bedrock::response_stream_chunk>(&ev);
            REQUIRE(chunk);
            REQUIRE(chunk->value.bytes);
            const auto& bytes = *chunk->value.bytes;
            CHECK(std::string(bytes.begin(), bytes.end()) == decoded->get_string());
        }
    } else if (operation == "InvokeModelWithBidirectionalStream (output)") {
        check_event_roundtrip<bedrock::invoke_model_with_bidirectional_stream_output>(type, payload);
    } else {
        FAIL("no event union for " << operation);
    }
}

std::string operation_of_uri(std::string_view uri)
{
    if (ends_with(uri, "/converse"))
        return "Converse";
    if (ends_with(uri, "/converse-stream"))
        return "ConverseStream";
    if (ends_with(uri, "/invoke"))
        return "InvokeModel";
    if (ends_with(uri, "/invoke-with-response-stream"))
        return "InvokeModelWithResponseStream";
    if (ends_with(uri, "/invoke-with-bidirectional-stream"))
        return "InvokeModelWithBidirectionalStream";
    return {};
}

void check_request_body(const std::string& operation, std::string_view body)
{
    INFO(operation << " request: " << body);
    if (operation == "Converse")
        check_roundtrip<bedrock::converse_request>(body);
    else if (operation == "ConverseStream")
        check_roundtrip<bedrock::converse_stream_request>(body);
    // InvokeModel*: the body is the model's own JSON, carried as bytes (no shape to check).
}

void check_error_body(std::string_view error_type, std::string_view body, std::string_view expected_name)
{
    bedrock::service_error err;
    bedrock::json::diagnostics diag;
    INFO("error " << error_type << ": " << body);
    REQUIRE_FALSE(bedrock::json::parse_error(test_parser(), error_type, body, err, &diag));
    CHECK(err.name() == expected_name);
    const auto reference = bedrock::test::parse_reference(body);
    if (const auto* m = reference.get_object().if_contains("message"))
        CHECK(err.message() == m->get_string());
    auto expected = reference;
    expected.get_object().erase("__type");
    expected.get_object().erase("code");
    BEDROCK_CHECK_JSON_EQUAL(boost::json::serialize(expected), bedrock::json::serialize(err));
}

/// The recorded InvokeModel answer (dd-trace-py's anthropic_message_invoke, Claude 3 Sonnet): read as
/// the client reads it, the body is the recorded bytes, the bound Content-Type and the token-count and
/// latency headers the recorded values.
void check_recorded_invoke_model(const boost::json::object& headers, const std::string& body)
{
    bedrock::protocol::http_response res;
    res.result(200);
    for (const auto& kv : headers)
        res.set(std::string_view(kv.key()), header_value(headers, kv.key()));
    res.body() = body;
    bedrock::invoke_model_response out;
    bedrock::diagnostics diag;
    REQUIRE_FALSE(bedrock::protocol::parse_response<bedrock::operations::invoke_model>(res, test_parser(), out, diag));
    CHECK(std::string(out.body.begin(), out.body.end()) ==
          R"({"id":"msg_01E6sPP1ksqicYCaBrkvzna8","type":"message","role":"assistant","content":[{"type":"text",)"
          R"("text":"Hobbits embark on epic quest to destroy powerful ring, battling dark forces."}],)"
          R"("model":"claude-3-sonnet-28k-20240229","stop_reason":"end_turn","stop_sequence":null,)"
          R"("usage":{"input_tokens":21,"output_tokens":22}})");
    CHECK(out.content_type == "application/json");
    CHECK_FALSE(out.performance_config_latency.has_value());
    CHECK_FALSE(out.service_tier.has_value());
    bedrock::detail::read_usage_headers(res, diag);
    CHECK(diag.input_token_count == 21);
    CHECK(diag.output_token_count == 22);
    CHECK(diag.invocation_latency_ms == 886);
    CHECK(res["x-amzn-RequestId"] == "cfb79f63-67cf-45b5-8a3c-9f5bf02064f5");
}

} // namespace

TEST_CASE("model: recorded cassettes round-trip", "[model][vectors]")
{
    const auto dir = bedrock::test::vectors_dir() / "recorded";
    std::size_t cassettes = 0, frames = 0, bodies = 0, invoke_model_answers = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (!ends_with(name, ".decoded.json"))
            continue;
        ++cassettes;
        INFO(name);
        const auto doc = bedrock::test::parse_reference(bedrock::test::read_text(entry.path()));
        for (const auto& iv : doc.at("interactions").get_array()) {
            const auto& it = iv.get_object();
            const std::string operation = operation_of_uri(it.at("uri").get_string());
            REQUIRE_FALSE(operation.empty());
            if (const auto* body = it.if_contains("request_body"); body && !body->get_string().empty()) {
                check_request_body(operation, body->get_string());
                ++bodies;
            }
            const auto status = it.at("status").at("code").to_number<int>();
            const auto& rh = it.at("response_headers").get_object();
            if (const auto* body = it.if_contains("response_body"); body && !body->get_string().empty()) {
                const std::string text(body->get_string());
                if (status != 200) {
                    const auto type = header_value(rh, "x-amzn-ErrorType");
                    check_error_body(type, text, bedrock::json::sanitize_error_type(type));
                    bedrock::service_error err;
                    REQUIRE_FALSE(bedrock::json::parse_error(test_parser(), type, text, err));
                    err.set_response(static_cast<unsigned>(status), header_value(rh, "x-amzn-RequestId"));
                    CHECK(std::holds_alternative<bedrock::unknown_service_error>(err));
                    CHECK(err.http_status() == 403);
                    CHECK(err.request_id() == "402bd639-607f-433b-aa01-2852fc75287a");
                } else if (operation == "Converse") {
                    check_roundtrip<bedrock::converse_response>(text);
                } else if (operation == "InvokeModel") {
                    check_recorded_invoke_model(rh, text);
                    ++invoke_model_answers;
                }
                ++bodies;
            }
            if (const auto* fr = it.if_contains("frames")) {
                for (const auto& f : fr->get_array()) {
                    check_frame(operation, f.get_object());
                    ++frames;
                }
            }
        }
    }
    CHECK(cassettes == 6);
    CHECK(frames == 32 + 23 + 60);
    CHECK(bodies == 9);
    CHECK(invoke_model_answers == 1);
}

TEST_CASE("model: generated bedrock streams round-trip", "[model][vectors]")
{
    const auto doc = load("bedrock-streams/streams.json");
    std::size_t frames = 0;
    for (const auto& kv : doc.at("streams").get_object()) {
        INFO(std::string(kv.key()));
        const auto& stream = kv.value().get_object();
        const std::string operation(stream.at("operation").get_string());
        for (const auto& f : stream.at("frames").get_array()) {
            check_frame(operation, f.get_object());
            ++frames;
        }
    }
    CHECK(frames == 7 + 10 + 3 + 2 + 7 + 2 + 1 + 1 + 3);
}

TEST_CASE("model: SDK harness requests, responses, events and errors", "[model][vectors]")
{
    const auto doc = load("sdk-behaviour/sdk_harness_results.json");
    std::size_t events = 0, errors = 0;
    for (const auto& kv : doc.at("results").get_object()) {
        const std::string name(kv.key());
        INFO(name);
        const auto& result = kv.value().get_object();
        const auto& request = result.at("request").get_object();
        const std::string operation = operation_of_uri(request.at("path").get_string());
        REQUIRE_FALSE(operation.empty());
        if (const auto* body = request.if_contains("body"); body && body->is_string())
            check_request_body(operation, body->get_string());

        if (const auto* error = result.if_contains("error")) {
            const auto& e = error->get_object();
            boost::json::object body;
            body["message"] = e.at("message");
            for (const auto& x : e.at("extra").get_object())
                body[x.key()] = x.value();
            // Error_body___type and Error_body_code: the body names the error, no header.
            const bool in_body = body.contains("__type") || body.contains("code");
            check_error_body(in_body ? std::string() : std::string(e.at("name").get_string()),
                             boost::json::serialize(body), e.at("name").get_string());
            bedrock::service_error err;
            REQUIRE_FALSE(bedrock::json::parse_error(test_parser(), in_body ? "" : e.at("name").get_string(),
                                                     boost::json::serialize(body), err));
            if (const auto* model_error = std::get_if<bedrock::model_error_exception>(&err)) {
                CHECK(model_error->original_status_code == 500);
                CHECK(model_error->resource_name == "arn:aws:bedrock:us-east-1::foundation-model/x");
                CHECK(model_error->http_status == 424);
            }
            if (const auto* status = e.if_contains("httpStatusCode"); status && !std::holds_alternative<bedrock::unknown_service_error>(err))
                CHECK(err.http_status() == status->to_number<unsigned>()); // the model's status
            ++errors;
            continue;
        }
        const auto& output = result.at("output").get_object();
        if (operation == "Converse") {
            check_roundtrip<bedrock::converse_response>(boost::json::serialize(output));
        } else if (operation == "InvokeModel") {
            // A blob body: nothing to parse; the model's JSON passes through as bytes.
            CHECK(output.at("contentType") == "application/json");
        }
        if (const auto* evs = output.if_contains("events")) {
            for (const auto& ev : evs->get_array()) {
                const auto& obj = ev.get_object();
                REQUIRE(obj.size() == 1);
                const auto& [type_key, payload_value] = *obj.begin();
                std::string type(type_key);
                boost::json::object payload = payload_value.get_object();
                if (type == "$thrown") {
                    // A modeled exception of the stream: its member name is the shape name in camelCase.
                    std::string shape(payload.at("name").get_string());
                    type = shape;
                    type[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(type[0])));
                    payload.erase("name");
                    payload.erase("$fault");
                }
                std::string bytes_text;
                if (auto* bytes = payload.if_contains("bytes"); bytes && bytes->is_object()) {
                    bytes_text = bytes->get_object().at("$bytes_utf8").get_string();
                    *bytes = bedrock::json::base64_encode(bytes_text);
                }
                const std::string text = boost::json::serialize(payload);
                INFO(type << ": " << text);
                if (operation == "ConverseStream") {
                    check_event_roundtrip<bedrock::converse_stream_output>(type, text);
                    bedrock::converse_stream_output parsed;
                    REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), type, text, parsed));
                    CHECK_FALSE(std::holds_alternative<bedrock::converse_stream_output_unknown>(parsed));
                } else if (operation == "InvokeModelWithResponseStream") {
                    check_event_roundtrip<bedrock::response_stream>(type, text);
                    bedrock::response_stream parsed;
                    REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), type, text, parsed));
                    const auto& chunk = std::get<bedrock::response_stream_chunk>(parsed);
                    CHECK(std::string(chunk.value.bytes->begin(), chunk.value.bytes->end()) == bytes_text);
                } else if (operation == "InvokeModelWithBidirectionalStream") {
                    check_event_roundtrip<bedrock::invoke_model_with_bidirectional_stream_output>(type, text);
                } else {
                    FAIL("events for " << operation);
                }
                ++events;
            }
        }
    }
    CHECK(events == 64);
    CHECK(errors == 6);
}

// ---- Real answers with members removed: the service omits "required" members at times ----------

namespace {

using json_path = std::vector<std::variant<std::string, std::size_t>>;

/// The path of every object member, at every depth, of `v`.
void member_paths(const boost::json::value& v, json_path& at, std::vector<json_path>& out)
{
    if (v.is_object()) {
        for (const auto& kv : v.get_object()) {
            at.emplace_back(std::string(kv.key()));
            out.push_back(at);
            member_paths(kv.value(), at, out);
            at.pop_back();
        }
    } else if (v.is_array()) {
        for (std::size_t i = 0; i < v.get_array().size(); ++i) {
            at.emplace_back(i);
            member_paths(v.get_array()[i], at, out);
            at.pop_back();
        }
    }
}

/// The value at `path` in `v`, or null if there is none.
boost::json::value* find_at(boost::json::value& v, const json_path& path, std::size_t depth)
{
    boost::json::value* p = &v;
    for (std::size_t i = 0; i < depth; ++i) {
        if (const auto* key = std::get_if<std::string>(&path[i])) {
            if (!p->is_object() || !(p = p->get_object().if_contains(*key)))
                return nullptr;
        } else {
            const auto index = std::get<std::size_t>(path[i]);
            if (!p->is_array() || index >= p->get_array().size())
                return nullptr;
            p = &p->get_array()[index];
        }
    }
    return p;
}

/// Removes the member at `path`; false if it is not there.
bool erase_at(boost::json::value& v, const json_path& path)
{
    auto* parent = find_at(v, path, path.size() - 1);
    return parent && parent->is_object() && parent->get_object().erase(std::get<std::string>(path.back())) == 1;
}

/// A value our writer gives a required member read as absent: "", 0, false, [], {}, null, a union's
/// unknown member with no tag ({"": null}), or a structure of such values.
bool zero_like(const boost::json::value& v)
{
    if (v.is_null() || (v.is_bool() && !v.get_bool()) || (v.is_string() && v.get_string().empty()))
        return true;
    if (v.is_number())
        return v.to_number<double>() == 0.0;
    if (v.is_array())
        return v.get_array().empty();
    if (v.is_object()) {
        for (const auto& kv : v.get_object())
            if (!zero_like(kv.value()))
                return false;
        return true;
    }
    return false;
}

/// `{"": null}` (a union read with no member) compares as `{}` (the JSON it was read from).
void empty_unions_as_empty_objects(boost::json::value& v)
{
    if (v.is_object()) {
        auto& o = v.get_object();
        if (o.size() == 1 && o.begin()->key().empty() && o.begin()->value().is_null()) {
            o.clear();
            return;
        }
        for (auto& kv : o)
            empty_unions_as_empty_objects(kv.value());
    } else if (v.is_array()) {
        for (auto& e : v.get_array())
            empty_unions_as_empty_objects(e);
    }
}

/// Each member of `original` (at any depth) removed in turn: the answer still reads without error,
/// and writes back as the JSON it was read from, with the removed member either absent or a zero
/// value in its place. `parse(text, out_json)` parses into the model type and serializes it.
template <class Parse>
std::size_t check_members_removed(std::string_view original, Parse parse)
{
    const auto reference = bedrock::test::parse_reference(original);
    json_path at;
    std::vector<json_path> paths;
    member_paths(reference, at, paths);
    for (const auto& path : paths) {
        auto lacking = reference;
        REQUIRE(erase_at(lacking, path));
        const std::string text = boost::json::serialize(lacking);
        INFO("without a member: " << text);
        std::string written;
        bedrock::json::diagnostics diag;
        const auto ec = parse(text, written, diag);
        INFO("parse: " << diag.to_string());
        REQUIRE_FALSE(ec);
        auto ours = bedrock::test::without_padding(written);
        if (auto* zero = find_at(ours, path, path.size())) {
            INFO("zero-filled: " << boost::json::serialize(*zero));
            CHECK(zero_like(*zero));
            erase_at(ours, path);
        }
        empty_unions_as_empty_objects(ours);
        lacking = bedrock::test::without_padding(boost::json::serialize(lacking));
        INFO("written: " << boost::json::serialize(ours));
        CHECK(bedrock::test::json_equal(bedrock::test::without_omitted_empty(lacking, ours), ours));
    }
    return paths.size();
}

} // namespace

TEST_CASE("model: recorded answers with any member removed still read, zero-filled where required",
          "[model][vectors][required]")
{
    const auto dir = bedrock::test::vectors_dir() / "recorded";
    std::size_t answers = 0, removals = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (!ends_with(name, ".decoded.json"))
            continue;
        INFO(name);
        const auto doc = bedrock::test::parse_reference(bedrock::test::read_text(entry.path()));
        for (const auto& iv : doc.at("interactions").get_array()) {
            const auto& it = iv.get_object();
            const std::string operation = operation_of_uri(it.at("uri").get_string());
            const auto* body = it.if_contains("response_body");
            if (operation == "Converse" && it.at("status").at("code").to_number<int>() == 200 && body &&
                !body->get_string().empty()) {
                removals += check_members_removed(
                    body->get_string(), [](std::string_view text, std::string& out, bedrock::json::diagnostics& d) {
                        bedrock::converse_response response;
                        auto ec = bedrock::json::parse(test_parser(), text, response, &d);
                        out = bedrock::json::serialize(response);
                        return ec;
                    });
                ++answers;
            }
            const auto* frames = it.if_contains("frames");
            if (operation != "ConverseStream" || !frames)
                continue;
            for (const auto& f : frames->get_array()) {
                const auto& frame = f.get_object();
                const std::string type = header_value(frame.at("headers").get_object(), ":event-type");
                removals += check_members_removed(
                    frame.at("payload_utf8").get_string(),
                    [&](std::string_view text, std::string& out, bedrock::json::diagnostics& d) {
                        bedrock::converse_stream_output ev;
                        auto ec = bedrock::json::parse_event(test_parser(), type, text, ev, &d);
                        bedrock::json::serialize_event(ev, out);
                        return ec;
                    });
                ++answers;
            }
        }
    }
    CHECK(answers == 1 + 32);
    CHECK(removals > 0);
}

TEST_CASE("model: a guardrail trace without its 'required' regexes reads (as the JS and Python SDKs do)",
          "[model][vectors][required]")
{
    // The shape of a real ConverseStream metadata event whose guardrail assessment lacked
    // sensitiveInformationPolicy.regexes, which the model marks required: a whole answer was lost.
    const std::string payload = R"({"metrics":{"latencyMs":812},"usage":{"inputTokens":21,"outputTokens":9,"totalTokens":30},)"
                                R"("trace":{"guardrail":{"outputAssessments":{"gr-1":[{"sensitiveInformationPolicy":)"
                                R"({"piiEntities":[{"action":"ANONYMIZED","match":"a@b.c","type":"EMAIL","detected":true}]}}]}}}})";
    bedrock::converse_stream_output ev;
    bedrock::json::diagnostics diag;
    INFO(diag.to_string());
    REQUIRE_FALSE(bedrock::json::parse_event(test_parser(), "metadata", payload, ev, &diag));
    const auto& meta = std::get<bedrock::converse_stream_output_metadata>(ev).value;
    REQUIRE(meta.trace);
    REQUIRE(meta.trace->guardrail);
    const auto& assessments = meta.trace->guardrail->output_assessments.at("gr-1");
    REQUIRE(assessments.size() == 1);
    REQUIRE(assessments[0].sensitive_information_policy);
    const auto& policy = *assessments[0].sensitive_information_policy;
    CHECK(policy.regexes.empty());
    REQUIRE(policy.pii_entities.size() == 1);
    CHECK(policy.pii_entities[0].match == "a@b.c");
    CHECK(meta.usage.total_tokens == 30);
}

} // namespace vectors_test
