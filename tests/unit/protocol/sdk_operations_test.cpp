// Every operation against the official JS SDK (tests/vectors/sdk_operations.json, written by
// tools/sdk-oracle/operations.mjs; the SDK's version is in the file): for the same input our request
// is the SDK's (method, path, query, the headers that are not volatile, the body as JSON); for the same
// answer, event or exception our parse is the SDK's. Our parse is written back with our writer and
// compared as JSON with what the SDK parsed, put in wire form by the script: a member our reader or
// writer misspells, drops or swaps with another makes it differ. Members bound to the URI, the query
// string and headers are set and read here by hand, member by member, not through the bindings table.

#include "model/json_compare.hpp"
#include "support/vectors.hpp"

#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/model/operations.hpp>
#include <bedrock/protocol/bindings.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace sdk_operations_test {

namespace {

using namespace bedrock;
using text_map = std::map<std::string, std::string>;

const boost::json::object& vectors()
{
    static const boost::json::value doc = boost::json::parse(
        test::read_text(std::filesystem::path(BEDROCK_TEST_DATA_DIR) / "sdk_operations.json"));
    return doc.as_object();
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

bytes unbase64(const boost::json::value& v)
{
    bytes out;
    REQUIRE_FALSE(json::base64_decode(v.as_string(), out));
    return out;
}

std::string as_text(const bytes& b) { return std::string(b.begin(), b.end()); }

text_map to_map(const boost::json::object& o)
{
    text_map out;
    for (const auto& [k, v] : o)
        out.emplace(std::string(k), str(v));
    return out;
}

// --- members bound to the URI, the query string or headers, by their model names ---------------------

void set(std::string& m, std::string_view t) { m.assign(t); }
template <class E>
    requires requires(E& e) { e.assign(std::string_view{}); e.str(); }
void set(E& m, std::string_view t) { m.assign(t); }
void set(std::int32_t& m, std::string_view t)
{
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), m);
    REQUIRE((ec == std::errc{} && end == t.data() + t.size()));
}
void set(timestamp& m, std::string_view t) { REQUIRE(json::parse_date_time(t, m)); }
template <class T>
void set(std::optional<T>& m, std::string_view t)
{
    T v{};
    set(v, t);
    m = std::move(v);
}

std::optional<std::string> text(const std::string& m) { return m; }
template <class E>
    requires requires(const E& e) { e.str(); }
std::optional<std::string> text(const E& m) { return std::string(m.str()); }
template <class T>
std::optional<std::string> text(const std::optional<T>& m) { return m ? text(*m) : std::nullopt; }

// Sets the input member named `name`; false when this input has no such bound member.
bool bind(std::string_view name, std::string_view t, converse_request& in) { return name == "modelId" && (set(in.model_id, t), true); }
bool bind(std::string_view name, std::string_view t, converse_stream_request& in) { return name == "modelId" && (set(in.model_id, t), true); }
bool bind(std::string_view name, std::string_view t, count_tokens_request& in) { return name == "modelId" && (set(in.model_id, t), true); }
bool bind(std::string_view name, std::string_view t, invoke_model_with_bidirectional_stream_request& in)
{
    return name == "modelId" && (set(in.model_id, t), true);
}
bool bind(std::string_view name, std::string_view t, get_async_invoke_request& in)
{
    return name == "invocationArn" && (set(in.invocation_arn, t), true);
}
bool bind(std::string_view, std::string_view, start_async_invoke_request&) { return false; }
bool bind(std::string_view, std::string_view, invoke_guardrail_checks_request&) { return false; }
bool bind(std::string_view name, std::string_view t, apply_guardrail_request& in)
{
    if (name == "guardrailIdentifier") set(in.guardrail_identifier, t);
    else if (name == "guardrailVersion") set(in.guardrail_version, t);
    else return false;
    return true;
}
template <class In>
    requires std::is_same_v<In, invoke_model_request> || std::is_same_v<In, invoke_model_with_response_stream_request>
bool bind(std::string_view name, std::string_view t, In& in)
{
    if (name == "modelId") set(in.model_id, t);
    else if (name == "contentType") set(in.content_type, t);
    else if (name == "accept") set(in.accept, t);
    else if (name == "trace") set(in.trace, t);
    else if (name == "guardrailIdentifier") set(in.guardrail_identifier, t);
    else if (name == "guardrailVersion") set(in.guardrail_version, t);
    else if (name == "performanceConfigLatency") set(in.performance_config_latency, t);
    else if (name == "serviceTier") set(in.service_tier, t);
    else if (name == "requestMetadata") set(in.request_metadata, t);
    else return false;
    return true;
}
bool bind(std::string_view name, std::string_view t, list_async_invokes_request& in)
{
    if (name == "submitTimeAfter") set(in.submit_time_after, t);
    else if (name == "submitTimeBefore") set(in.submit_time_before, t);
    else if (name == "statusEquals") set(in.status_equals, t);
    else if (name == "maxResults") set(in.max_results, t);
    else if (name == "nextToken") set(in.next_token, t);
    else if (name == "sortBy") set(in.sort_by, t);
    else if (name == "sortOrder") set(in.sort_order, t);
    else return false;
    return true;
}

// The output members bound to headers, by model name, as text.
template <class Out>
text_map bound_output(const Out&) { return {}; }
template <class Out>
    requires std::is_same_v<Out, invoke_model_response> || std::is_same_v<Out, invoke_model_with_response_stream_response>
text_map bound_output(const Out& out)
{
    text_map m;
    const std::pair<const char*, std::optional<std::string>> members[] = {
        {"contentType", text(out.content_type)},
        {"performanceConfigLatency", text(out.performance_config_latency)},
        {"serviceTier", text(out.service_tier)},
    };
    for (const auto& [name, value] : members)
        if (value)
            m.emplace(name, *value);
    return m;
}

// --- the comparisons ------------------------------------------------------------------------------------

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& ch : out)
        if (ch >= 'A' && ch <= 'Z')
            ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

std::vector<std::string> split_query(std::string_view q)
{
    std::vector<std::string> out;
    while (!q.empty()) {
        const auto amp = q.find('&');
        out.emplace_back(q.substr(0, amp));
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    }
    std::sort(out.begin(), out.end()); // the order of the parameters means nothing
    return out;
}

template <class Op>
void check_request(const boost::json::object& c)
{
    using input_type = typename Op::input_type;
    const auto& input = c.at("input").as_object();
    const auto& sdk = c.at("sdk").as_object();
    input_type in{};
    if constexpr (Op::input_body == body_kind::json || Op::input_body == body_kind::empty) {
        // The body's members, in wire form, read by our reader (an empty body: `{}`).
        const std::string text = boost::json::serialize(input.at("body"));
        json::diagnostics diag;
        const auto ec = json::parse(test::test_parser(), text, in, &diag);
        INFO("parse: " << diag.to_string());
        REQUIRE_FALSE(ec);
    } else if constexpr (Op::input_body == body_kind::blob) {
        in.*(Op::input_payload) = unbase64(input.at("body_base64"));
    }
    for (const auto& [name, value] : input.at("bound").as_object()) {
        INFO("bound member " << name);
        CHECK(bind(name, value.as_string(), in));
    }

    protocol::http_request req;
    diagnostics diag;
    const auto ec = protocol::build_request<Op>(in, "", req, &diag);
    INFO("build_request: " << diag.client_message);
    REQUIRE_FALSE(ec);

    CHECK(req.method == std::string_view(sdk.at("method").as_string()));
    const std::string target_text = req.target();
    const std::string_view target = target_text;
    const auto question = target.find('?');
    CHECK(target.substr(0, question) == std::string_view(sdk.at("path").as_string()));
    CHECK(split_query(question == std::string_view::npos ? std::string_view{} : target.substr(question + 1)) ==
          split_query(sdk.at("query").as_string()));

    text_map ours;
    for (const auto& field : req.headers)
        ours.emplace(lower(field.name), field.value);
    text_map theirs = to_map(sdk.at("headers").as_object());
    // Content-Length is the body's length; a JSON body may be spelled differently (member order,
    // number forms), so its length is compared only where the body must be the same bytes.
    std::optional<std::string> our_length, their_length;
    if (auto it = ours.find("content-length"); it != ours.end())
        our_length = it->second, ours.erase(it);
    if (auto it = theirs.find("content-length"); it != theirs.end())
        their_length = it->second, theirs.erase(it);
    CHECK(ours == theirs);
    if (our_length)
        CHECK(*our_length == std::to_string(req.body.size()));
    if (their_length)
        CHECK(our_length.has_value());
    else if (our_length) // a POST with nothing to send says so (RFC 9110 8.6); the SDK leaves it out
        CHECK((req.method != "GET" && req.body.empty() &&
               Op::input_body != body_kind::event_stream));

    const bytes sdk_body = sdk.contains("body_base64") ? unbase64(sdk.at("body_base64")) : bytes{};
    if constexpr (Op::input_body == body_kind::json) {
        INFO("ours: " << req.body);
        INFO("SDK's: " << as_text(sdk_body));
        CHECK(test::json_equal(test::parse_reference(req.body), test::parse_reference(as_text(sdk_body))));
    } else {
        CHECK(req.body == as_text(sdk_body));
        if constexpr (Op::input_body == body_kind::blob)
            if (their_length)
                CHECK(our_length == their_length);
    }
}

template <class Op>
void check_response(const boost::json::object& c)
{
    const auto& sdk = c.at("sdk").as_object();
    protocol::http_response res;
    res.result(static_cast<unsigned>(c.at("status").as_int64()));
    for (const auto& [name, value] : c.at("headers").as_object())
        res.set(std::string_view(name), std::string_view(value.as_string()));
    if (const auto* body = c.if_contains("body"))
        res.body() = str(*body);
    else if (const auto* raw = c.if_contains("body_base64"))
        res.body() = as_text(unbase64(*raw));

    typename Op::output_type out{};
    diagnostics diag;
    const auto ec = protocol::parse_response<Op>(res, test::test_parser(), out, diag);
    INFO("parse_response: " << diag.client_message);
    REQUIRE_FALSE(ec);

    CHECK(bound_output(out) == to_map(sdk.at("bound").as_object()));
    if constexpr (Op::output_body == body_kind::json) {
        const std::string ours = json::serialize(out);
        INFO("ours: " << ours);
        INFO("SDK's: " << boost::json::serialize(sdk.at("body")));
        CHECK(test::json_equal(test::parse_reference(ours), sdk.at("body")));
    } else if constexpr (Op::output_body == body_kind::blob) {
        CHECK(out.*(Op::output_payload) == unbase64(sdk.at("body_base64")));
    }
    // Nothing the SDK read is unknown to our model (the script marks such members "?unmodeled").
    for (const auto& [name, value] : sdk)
        CHECK_FALSE(std::string_view(name).starts_with("?"));
}

template <class Event>
void check_event(const boost::json::object& c)
{
    // The frame, decoded by our decoder, carries the headers and payload the case names.
    const bytes frame = unbase64(c.at("frame_base64"));
    std::vector<eventstream::header_view> headers;
    eventstream::message_view message;
    REQUIRE_FALSE(eventstream::parse_message(frame, headers, message));
    const bool exception = c.at("message_type").as_string() == "exception";
    CHECK(message.string_header(":message-type") == std::string_view(c.at("message_type").as_string()));
    const std::string_view type = message.string_header(exception ? ":exception-type" : ":event-type");
    CHECK(type == std::string_view(c.at("type").as_string()));
    const std::string payload(message.payload.begin(), message.payload.end());
    CHECK(payload == std::string_view(c.at("payload").as_string()));

    Event ev{};
    json::diagnostics jd;
    const auto ec = json::parse_event(test::test_parser(), type, payload, ev, &jd);
    INFO("parse_event: " << jd.to_string());
    REQUIRE_FALSE(ec);
    std::string ours;
    const auto header = json::serialize_event(ev, ours);
    INFO("ours: " << header.type << " " << ours);
    CHECK(header.message_type == std::string_view(c.at("message_type").as_string()));

    const auto& sdk = c.at("sdk").as_object();
    if (exception) {
        // The SDK raised the exception: the same error, the same fault, the same members.
        const auto& error = sdk.at("exception").as_object();
        INFO("SDK's: " << boost::json::serialize(error));
        CHECK(header.type == type);
        bool matched = false;
        std::visit(
            [&](const auto& alternative) {
                if constexpr (requires { alternative.value.error_name; }) {
                    using error_type = std::remove_cvref_t<decltype(alternative.value)>;
                    matched = true;
                    CHECK(error_type::error_name == std::string_view(error.at("name").as_string()));
                    CHECK(error_type::server_fault == (error.at("fault").as_string() == "server"));
                }
            },
            ev);
        CHECK(matched);
        CHECK(test::json_equal(test::parse_reference(ours), error.at("body")));
    } else {
        const auto& events = sdk.at("events").as_array();
        REQUIRE(events.size() == 1);
        const auto& event = events[0].as_object();
        INFO("SDK's: " << boost::json::serialize(event));
        REQUIRE(event.size() == 1);
        CHECK(header.type == std::string_view(event.begin()->key()));
        CHECK(test::json_equal(test::parse_reference(ours), event.begin()->value()));
    }
}

template <class Event>
void check_input_event(const boost::json::object& c)
{
    const std::string type = str(c.at("event"));
    const std::string input = boost::json::serialize(c.at("input"));
    Event ev{};
    json::diagnostics jd;
    const auto ec = json::parse_event(test::test_parser(), type, input, ev, &jd);
    INFO("parse_event: " << jd.to_string());
    REQUIRE_FALSE(ec);
    std::string ours;
    const auto header = json::serialize_event(ev, ours);
    const auto& sdk = c.at("sdk").as_object();
    const auto& headers = sdk.at("headers").as_object();
    INFO("ours: " << header.type << " " << ours);
    INFO("SDK's: " << boost::json::serialize(sdk));
    CHECK(header.message_type == std::string_view(headers.at(":message-type").as_string()));
    CHECK(header.type == std::string_view(headers.at(":event-type").as_string()));
    CHECK(test::json_equal(test::parse_reference(ours), test::parse_reference(sdk.at("payload").as_string())));
}

// Runs `f.template operator()<Op>()` for the operation named `name`; false when there is none.
template <class F>
bool with_operation(std::string_view name, F&& f)
{
    bool found = false;
    std::apply([&]<class... Op>(Op...) { ((Op::name == name ? (f.template operator()<Op>(), found = true) : false), ...); },
               operations::all{});
    return found;
}

struct counts {
    std::size_t requests, responses, events, input_events;
    friend bool operator==(const counts&, const counts&) = default;
};

// What the vector file holds per operation: a case less or more is a change to look at.
const std::map<std::string, counts> expected_counts = {
    {"ApplyGuardrail", {2, 2, 0, 0}},
    {"Converse", {4, 5, 0, 0}},
    {"ConverseStream", {4, 1, 31, 0}},
    {"CountTokens", {5, 2, 0, 0}},
    {"GetAsyncInvoke", {2, 2, 0, 0}},
    {"InvokeGuardrailChecks", {2, 2, 0, 0}},
    {"InvokeModel", {2, 2, 0, 0}},
    {"InvokeModelWithBidirectionalStream", {2, 1, 8, 2}},
    {"InvokeModelWithResponseStream", {2, 2, 8, 0}},
    {"ListAsyncInvokes", {2, 2, 0, 0}},
    {"StartAsyncInvoke", {2, 2, 0, 0}},
};

// Every enum type knows exactly the values the SDK knows (a value we misspell would otherwise travel
// as an unknown one, unchanged, and no wire comparison could see it).
template <class E>
void check_enum(const boost::json::array& sdk_values)
{
    std::vector<std::string> ours, theirs;
    for (auto v : E::known_values())
        ours.emplace_back(v);
    for (const auto& v : sdk_values) {
        theirs.push_back(str(v));
        CHECK(E(v.as_string()).is_known());
    }
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    CHECK(ours == theirs);
}

const std::pair<const char*, void (*)(const boost::json::array&)> enum_types[] = {
    {"AsyncInvokeStatus", &check_enum<async_invoke_status>},
    {"AudioFormat", &check_enum<audio_format>},
    {"CachePointType", &check_enum<cache_point_type>},
    {"CacheTTL", &check_enum<cache_ttl>},
    {"ConversationRole", &check_enum<conversation_role>},
    {"DocumentFormat", &check_enum<document_format>},
    {"GuardrailAction", &check_enum<guardrail_action>},
    {"GuardrailAutomatedReasoningLogicWarningType", &check_enum<guardrail_automated_reasoning_logic_warning_type>},
    {"GuardrailChecksContentFilterCategory", &check_enum<guardrail_checks_content_filter_category>},
    {"GuardrailChecksPromptAttackCategory", &check_enum<guardrail_checks_prompt_attack_category>},
    {"GuardrailChecksRole", &check_enum<guardrail_checks_role>},
    {"GuardrailChecksSensitiveInformationEntityType", &check_enum<guardrail_checks_sensitive_information_entity_type>},
    {"GuardrailContentFilterConfidence", &check_enum<guardrail_content_filter_confidence>},
    {"GuardrailContentFilterStrength", &check_enum<guardrail_content_filter_strength>},
    {"GuardrailContentFilterType", &check_enum<guardrail_content_filter_type>},
    {"GuardrailContentPolicyAction", &check_enum<guardrail_content_policy_action>},
    {"GuardrailContentQualifier", &check_enum<guardrail_content_qualifier>},
    {"GuardrailContentSource", &check_enum<guardrail_content_source>},
    {"GuardrailContextualGroundingFilterType", &check_enum<guardrail_contextual_grounding_filter_type>},
    {"GuardrailContextualGroundingPolicyAction", &check_enum<guardrail_contextual_grounding_policy_action>},
    {"GuardrailConverseContentQualifier", &check_enum<guardrail_converse_content_qualifier>},
    {"GuardrailConverseImageFormat", &check_enum<guardrail_converse_image_format>},
    {"GuardrailImageFormat", &check_enum<guardrail_image_format>},
    {"GuardrailManagedWordType", &check_enum<guardrail_managed_word_type>},
    {"GuardrailOrigin", &check_enum<guardrail_origin>},
    {"GuardrailOutputScope", &check_enum<guardrail_output_scope>},
    {"GuardrailOwnership", &check_enum<guardrail_ownership>},
    {"GuardrailPiiEntityType", &check_enum<guardrail_pii_entity_type>},
    {"GuardrailSensitiveInformationPolicyAction", &check_enum<guardrail_sensitive_information_policy_action>},
    {"GuardrailStreamProcessingMode", &check_enum<guardrail_stream_processing_mode>},
    {"GuardrailTopicPolicyAction", &check_enum<guardrail_topic_policy_action>},
    {"GuardrailTopicType", &check_enum<guardrail_topic_type>},
    {"GuardrailTrace", &check_enum<guardrail_trace>},
    {"GuardrailWordPolicyAction", &check_enum<guardrail_word_policy_action>},
    {"ImageFormat", &check_enum<image_format>},
    {"OutputFormatType", &check_enum<output_format_type>},
    {"PerformanceConfigLatency", &check_enum<performance_config_latency>},
    {"ServiceTierType", &check_enum<service_tier_type>},
    {"SortAsyncInvocationBy", &check_enum<sort_async_invocation_by>},
    {"SortOrder", &check_enum<sort_order>},
    {"StopReason", &check_enum<stop_reason>},
    {"ToolResultStatus", &check_enum<tool_result_status>},
    {"ToolUseType", &check_enum<tool_use_type>},
    {"Trace", &check_enum<trace>},
    {"VideoFormat", &check_enum<video_format>},
};

} // namespace

TEST_CASE("sdk oracle: every enum knows the values the SDK knows", "[protocol][sdk]")
{
    const auto& enums = vectors().at("enums").as_object();
    CHECK(enums.size() == std::size(enum_types));
    CHECK(std::size(enum_types) == 45);
    for (const auto& [shape, check] : enum_types) {
        INFO(shape);
        const auto* values = enums.if_contains(shape);
        REQUIRE(values);
        REQUIRE(values->is_array()); // null: the SDK has no such enum
        check(values->as_array());
    }
}

TEST_CASE("sdk oracle: the vector file is the official SDK's, every operation of the model", "[protocol][sdk]")
{
    const auto& doc = vectors();
    CHECK(doc.at("sdk").as_string() == "@aws-sdk/client-bedrock-runtime");
    CHECK(doc.at("version").as_string() == "3.1164.0");
    CHECK(std::tuple_size_v<operations::all> == expected_counts.size());
    std::map<std::string, counts> listed;
    for (const auto& [op, c] : doc.at("counts").as_object()) {
        const auto& o = c.as_object();
        listed[std::string(op)] = {static_cast<std::size_t>(o.at("requests").as_int64()),
                                   static_cast<std::size_t>(o.at("responses").as_int64()),
                                   static_cast<std::size_t>(o.at("events").as_int64()),
                                   static_cast<std::size_t>(o.at("input_events").as_int64())};
    }
    CHECK(listed == expected_counts);
}

TEST_CASE("sdk oracle: our request for each input is the SDK's", "[protocol][sdk]")
{
    std::map<std::string, std::size_t> n;
    for (const auto& v : vectors().at("requests").as_array()) {
        const auto& c = v.as_object();
        INFO(c.at("name").as_string());
        CHECK(with_operation(c.at("operation").as_string(), [&]<class Op>() { check_request<Op>(c); }));
        ++n[str(c.at("operation"))];
    }
    for (const auto& [op, expected] : expected_counts) {
        INFO(op);
        CHECK(n[op] == expected.requests);
    }
}

TEST_CASE("sdk oracle: our parse of each answer is the SDK's", "[protocol][sdk]")
{
    std::map<std::string, std::size_t> n;
    for (const auto& v : vectors().at("responses").as_array()) {
        const auto& c = v.as_object();
        INFO(c.at("name").as_string());
        CHECK(with_operation(c.at("operation").as_string(), [&]<class Op>() { check_response<Op>(c); }));
        ++n[str(c.at("operation"))];
    }
    for (const auto& [op, expected] : expected_counts) {
        INFO(op);
        CHECK(n[op] == expected.responses);
    }
}

TEST_CASE("sdk oracle: our parse of each stream event and exception is the SDK's", "[protocol][sdk]")
{
    std::map<std::string, std::size_t> n;
    for (const auto& v : vectors().at("events").as_array()) {
        const auto& c = v.as_object();
        INFO(c.at("name").as_string());
        CHECK(with_operation(c.at("operation").as_string(), [&]<class Op>() {
            if constexpr (requires { typename Op::output_event_type; })
                check_event<typename Op::output_event_type>(c);
            else
                FAIL("not a stream");
        }));
        ++n[str(c.at("operation"))];
    }
    for (const auto& [op, expected] : expected_counts) {
        INFO(op);
        CHECK(n[op] == expected.events);
    }
}

TEST_CASE("sdk oracle: the bidirectional stream's input event is framed as the SDK frames it", "[protocol][sdk]")
{
    std::map<std::string, std::size_t> n;
    for (const auto& v : vectors().at("input_events").as_array()) {
        const auto& c = v.as_object();
        INFO(c.at("name").as_string());
        CHECK(with_operation(c.at("operation").as_string(), [&]<class Op>() {
            if constexpr (requires { typename Op::input_event_type; })
                check_input_event<typename Op::input_event_type>(c);
            else
                FAIL("no input stream");
        }));
        ++n[str(c.at("operation"))];
    }
    for (const auto& [op, expected] : expected_counts) {
        INFO(op);
        CHECK(n[op] == expected.input_events);
    }
}

} // namespace sdk_operations_test
