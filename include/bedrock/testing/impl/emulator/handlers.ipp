#ifndef BEDROCK_TESTING_IMPL_EMULATOR_HANDLERS_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_HANDLERS_IPP

// The operations that answer as a model or a guardrail (Converse, ConverseStream, InvokeModel,
// InvokeModelWithResponseStream, CountTokens, ApplyGuardrail, InvokeGuardrailChecks). Each one is
// called with its parsed input; it answers through `c.reply`.

#include <bedrock/model/operations.hpp>
#include <bedrock/testing/impl/emulator/answer.ipp>
#include <bedrock/testing/impl/emulator/binding.ipp>
#include <bedrock/testing/impl/emulator/echo_model.ipp>
#include <bedrock/testing/impl/emulator/faults.ipp>
#include <bedrock/testing/impl/emulator/frames.ipp>
#include <bedrock/testing/impl/emulator/model_formats.ipp>
#include <bedrock/testing/impl/emulator/scenario.ipp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bedrock::testing::detail::emu {

inline void serve_converse(call& c, const converse_request& in, const scenario& s)
{
    if (auto problem = conversation_problem(in))
        return validation_error(c, *problem);
    const echo_answer a = echo_conversation(in, c.core.next_id());
    message m;
    m.role = conversation_role::assistant;
    if (a.tool)
        m.content.push_back(content_block_tool_use{tool_use_block{a.tool_use_id, a.tool_name, tool_input(a), std::nullopt}});
    else
        m.content.push_back(content_block_text{a.text});
    converse_response out;
    out.output = converse_output_message{std::move(m)};
    out.stop_reason = a.stop;
    out.usage.input_tokens = a.input_tokens;
    out.usage.output_tokens = a.output_tokens;
    out.usage.total_tokens = a.input_tokens + a.output_tokens;
    out.metrics.latency_ms = latency_of(s);
    out.performance_config = in.performance_config;
    out.service_tier = in.service_tier;
    write_output<operations::converse>(c, out);
}

inline void serve_converse_stream(call& c, const converse_stream_request& in, const scenario& s)
{
    if (auto problem = conversation_problem(in))
        return validation_error(c, *problem);
    const echo_answer a = echo_conversation(in, c.core.next_id());
    stream_head(c);
    add_event(c, converse_stream_output_message_start{message_start_event{conversation_role::assistant}});
    const auto text_delta = [](std::string text) {
        return converse_stream_output_content_block_delta{
            content_block_delta_event{content_block_delta_text{std::move(text)}, 0}};
    };
    if (s.what == scenario::big_delta) {
        // The payload written by hand: the text needs no escaping, and the JSON writer would take
        // its time over 17 MiB of it.
        std::string payload = R"({"contentBlockIndex":0,"delta":{"text":")" +
                              pattern_text(static_cast<std::size_t>(s.n)) + R"("}})";
        c.reply.pieces.push_back({std::chrono::milliseconds(0),
                                  event_frame("contentBlockDelta", with_padding(std::move(payload), 1))});
    } else if (s.what == scenario::many_events) {
        for (long i = 0; i < s.n; ++i)
            add_event(c, text_delta(std::to_string(i)));
    } else if (a.tool) {
        add_event(c, converse_stream_output_content_block_start{content_block_start_event{
                         content_block_start_tool_use{tool_use_block_start{a.tool_use_id, a.tool_name, std::nullopt}}, 0}});
        // The tool input arrives as partial JSON text, split in two.
        const std::string input = boost::json::serialize(tool_input(a));
        const std::size_t half = input.size() / 2;
        for (const auto& part : {input.substr(0, half), input.substr(half)})
            add_event(c, converse_stream_output_content_block_delta{
                             content_block_delta_event{content_block_delta_tool_use{tool_use_block_delta{part}}, 0}});
    } else {
        for (auto& piece : word_pieces(a.text))
            add_event(c, text_delta(std::move(piece)));
    }
    if (s.what == scenario::stream_error) {
        // The error arrives inside the stream, after the first events, as the service sends it.
        c.reply.pieces.push_back({std::chrono::milliseconds(0), exception_frame(scenario_error(s.arg, c.model_id))});
        return;
    }
    add_event(c, converse_stream_output_content_block_stop{content_block_stop_event{0}});
    if (s.what == scenario::end_early)
        return; // a clean end of the body, but no messageStop: the answer is cut short
    add_event(c, converse_stream_output_message_stop{message_stop_event{a.stop, std::nullopt}});
    converse_stream_metadata_event md;
    md.usage.input_tokens = a.input_tokens;
    md.usage.output_tokens = a.output_tokens;
    md.usage.total_tokens = a.input_tokens + a.output_tokens;
    md.metrics.latency_ms = latency_of(s);
    md.performance_config = in.performance_config;
    md.service_tier = in.service_tier;
    add_event(c, converse_stream_output_metadata{std::move(md)});
}

/// The echo of an InvokeModel-style body: the answer's bytes, content type and token counts.
struct invoke_echo {
    echo_answer answer;
    bool anthropic = false;
    std::string body;
    std::string content_type;
};

template <class In>
std::optional<invoke_echo> echo_invoke(call& c, const In& in)
{
    const std::string_view body(reinterpret_cast<const char*>(in.body.data()), in.body.size());
    invoke_echo e;
    const anthropic_input a = read_anthropic(body);
    if (!a.problem.empty()) {
        validation_error(c, a.problem);
        return std::nullopt;
    }
    if (a.is_anthropic) {
        e.anthropic = true;
        e.answer.input_tokens = static_cast<std::int32_t>(a.input_words);
        finish_text(e.answer, "echo: " + a.last_user_text, a.max_tokens);
        e.content_type = "application/json";
    } else {
        e.body = std::string(body);
        e.content_type = in.content_type.value_or("application/json");
        e.answer.input_tokens = static_cast<std::int32_t>(count_words(body));
        e.answer.output_tokens = e.answer.input_tokens;
    }
    return e;
}

inline void invocation_metrics(call& c, const echo_answer& a, std::int64_t latency)
{
    c.reply.res.set("X-Amzn-Bedrock-Input-Token-Count", std::to_string(a.input_tokens));
    c.reply.res.set("X-Amzn-Bedrock-Output-Token-Count", std::to_string(a.output_tokens));
    c.reply.res.set("X-Amzn-Bedrock-Invocation-Latency", std::to_string(latency));
}

inline void serve_invoke(call& c, const invoke_model_request& in, const scenario& s)
{
    auto e = echo_invoke(c, in);
    if (!e)
        return;
    invoke_model_response out;
    const std::string body = e->anthropic ? anthropic_message(e->answer, in.model_id, c.core.next_id()) : e->body;
    out.body.assign(body.begin(), body.end());
    out.content_type = e->content_type;
    out.performance_config_latency = in.performance_config_latency;
    out.service_tier = in.service_tier;
    write_output<operations::invoke_model>(c, out);
    invocation_metrics(c, e->answer, latency_of(s));
}

inline void serve_invoke_stream(call& c, const invoke_model_with_response_stream_request& in, const scenario& s)
{
    auto e = echo_invoke(c, in);
    if (!e)
        return;
    stream_head(c);
    invoke_model_with_response_stream_response out;
    out.content_type = e->content_type;
    out.performance_config_latency = in.performance_config_latency;
    out.service_tier = in.service_tier;
    std::apply(
        [&](const auto&... binding) {
            [[maybe_unused]] const auto one = [&](const auto& b) {
                if (auto text = bound_to_text(out.*(b.member)))
                    c.reply.res.set(b.name, *text);
            };
            (one(binding), ...);
        },
        operations::invoke_model_with_response_stream::output_bindings);
    const auto chunk = [&](std::string_view json_bytes) {
        // {"bytes": base64, "p": padding}, as the recordings show.
        std::string payload = "{\"bytes\":\"" + json::base64_encode(json_bytes) + "\"}";
        c.reply.pieces.push_back({std::chrono::milliseconds(0),
                                  event_frame("chunk", with_padding(std::move(payload), c.reply.pieces.size()))});
    };
    if (e->anthropic) {
        const auto events = anthropic_stream(e->answer, in.model_id, c.core.next_id(), latency_of(s));
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (s.what == scenario::stream_error && i == 3) {
                c.reply.pieces.push_back({std::chrono::milliseconds(0), exception_frame(scenario_error(s.arg, c.model_id))});
                return;
            }
            chunk(events[i]);
        }
    } else {
        chunk(e->body);
        if (s.what == scenario::stream_error)
            c.reply.pieces.push_back({std::chrono::milliseconds(0), exception_frame(scenario_error(s.arg, c.model_id))});
    }
}

inline void serve_count_tokens(call& c, const count_tokens_request& in)
{
    count_tokens_response out;
    if (const auto* conv = std::get_if<count_tokens_input_converse>(&in.input)) {
        out.input_tokens = static_cast<std::int32_t>(conversation_words(conv->value));
    } else if (const auto* inv = std::get_if<count_tokens_input_invoke_model>(&in.input)) {
        const std::string_view body(reinterpret_cast<const char*>(inv->value.body.data()), inv->value.body.size());
        const anthropic_input a = read_anthropic(body);
        if (!a.problem.empty())
            return validation_error(c, a.problem);
        out.input_tokens = static_cast<std::int32_t>(a.is_anthropic ? a.input_words : count_words(body));
    } else {
        return validation_error(c, "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                                   "Member must have one of converse or invokeModel");
    }
    write_output<operations::count_tokens>(c, out);
}

inline void serve_apply_guardrail(call& c, const apply_guardrail_request& in)
{
    apply_guardrail_response out;
    std::size_t words = 0;
    for (const auto& block : in.content)
        if (const auto* t = std::get_if<guardrail_content_block_text>(&block))
            words += count_words(t->value.text);
    if (in.guardrail_identifier == "block") {
        out.action = guardrail_action::guardrail_intervened;
        out.action_reason = "Guardrail blocked.";
        out.outputs.push_back(guardrail_output_content{std::string("Sorry, blocked.")});
        guardrail_assessment assessment;
        guardrail_word_policy_assessment words_policy;
        guardrail_custom_word w;
        w.match = "blocked";
        w.action = guardrail_word_policy_action::blocked;
        w.detected = true;
        words_policy.custom_words.push_back(std::move(w));
        assessment.word_policy = std::move(words_policy);
        out.assessments.push_back(std::move(assessment));
        out.usage.word_policy_units = 1;
    } else {
        out.action = guardrail_action::none;
        out.assessments.emplace_back();
    }
    out.usage.content_policy_units = static_cast<std::int32_t>(words > 0 ? 1 : 0);
    write_output<operations::apply_guardrail>(c, out);
}

/// Every requested check runs and finds nothing.
inline void serve_guardrail_checks(call& c, const invoke_guardrail_checks_request& in)
{
    invoke_guardrail_checks_response out;
    const auto units = static_cast<std::int32_t>(in.messages.size());
    if (in.checks.content_filter) {
        out.results.content_filter.emplace();
        out.usage.content_filter.emplace().text_units = units;
    }
    if (in.checks.prompt_attack) {
        out.results.prompt_attack.emplace();
        out.usage.prompt_attack.emplace().text_units = units;
    }
    if (in.checks.sensitive_information) {
        out.results.sensitive_information.emplace().truncated = false;
        out.usage.sensitive_information.emplace().text_units = units;
    }
    write_output<operations::invoke_guardrail_checks>(c, out);
}

} // namespace bedrock::testing::detail::emu

#endif
