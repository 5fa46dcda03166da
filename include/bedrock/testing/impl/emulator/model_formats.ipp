#ifndef BEDROCK_TESTING_IMPL_EMULATOR_MODEL_FORMATS_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_MODEL_FORMATS_IPP

// The model providers' own body formats InvokeModel carries: Anthropic Messages requests, and the
// echo model's answer as an Anthropic Messages response or stream of events.

#include <bedrock/testing/impl/emulator/echo_model.ipp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::testing::detail::emu {

struct anthropic_input {
    bool is_anthropic = false;
    std::string problem;            // a malformed Anthropic body
    std::string last_user_text;
    std::size_t input_words = 0;
    std::optional<std::int32_t> max_tokens;
};

inline std::size_t anthropic_content_words(const boost::json::value& content, std::string* text)
{
    std::size_t n = 0;
    if (content.is_string()) {
        n += count_words(content.get_string());
        if (text)
            text->append(content.get_string());
    } else if (content.is_array()) {
        for (const auto& block : content.get_array()) {
            if (!block.is_object())
                continue;
            const auto* t = block.get_object().if_contains("text");
            if (t && t->is_string()) {
                n += count_words(t->get_string());
                if (text)
                    text->append(t->get_string());
            }
        }
    }
    return n;
}

inline anthropic_input read_anthropic(std::string_view body)
{
    anthropic_input a;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec);
    if (ec || !v.is_object() || !v.get_object().contains("anthropic_version"))
        return a;
    a.is_anthropic = true;
    const auto& o = v.get_object();
    const auto* messages = o.if_contains("messages");
    if (!messages || !messages->is_array() || messages->get_array().empty()) {
        a.problem = "Malformed input request: #: required key [messages] not found, please reformat your input "
                    "and try again.";
        return a;
    }
    for (const auto& m : messages->get_array()) {
        if (!m.is_object() || !m.get_object().contains("role") || !m.get_object().contains("content")) {
            a.problem = "Malformed input request: #/messages: each message needs a role and content, please "
                        "reformat your input and try again.";
            return a;
        }
        const auto& mo = m.get_object();
        const bool user = mo.at("role").is_string() && mo.at("role").get_string() == "user";
        std::string text;
        a.input_words += anthropic_content_words(mo.at("content"), user ? &text : nullptr);
        if (user)
            a.last_user_text = std::move(text);
    }
    if (const auto* system = o.if_contains("system"))
        a.input_words += anthropic_content_words(*system, nullptr);
    if (const auto* mt = o.if_contains("max_tokens"); mt && mt->is_int64())
        a.max_tokens = static_cast<std::int32_t>(mt->get_int64());
    return a;
}

inline std::string anthropic_message(const echo_answer& a, std::string_view model_id, std::uint64_t id)
{
    boost::json::object o;
    o["id"] = "msg_emulator" + std::to_string(id);
    o["type"] = "message";
    o["role"] = "assistant";
    o["model"] = model_id;
    boost::json::object text;
    text["type"] = "text";
    text["text"] = a.text;
    o["content"] = boost::json::array{text};
    o["stop_reason"] = a.stop.str();
    o["stop_sequence"] = nullptr;
    boost::json::object usage;
    usage["input_tokens"] = a.input_tokens;
    usage["output_tokens"] = a.output_tokens;
    o["usage"] = usage;
    return boost::json::serialize(o);
}

/// The Anthropic streaming events of an answer, each as a JSON text.
inline std::vector<std::string> anthropic_stream(const echo_answer& a, std::string_view model_id, std::uint64_t id,
                                                 std::int64_t latency)
{
    std::vector<std::string> events;
    boost::json::object start;
    start["type"] = "message_start";
    boost::json::object msg;
    msg["id"] = "msg_emulator" + std::to_string(id);
    msg["type"] = "message";
    msg["role"] = "assistant";
    msg["model"] = model_id;
    msg["content"] = boost::json::array{};
    msg["stop_reason"] = nullptr;
    msg["stop_sequence"] = nullptr;
    boost::json::object usage;
    usage["input_tokens"] = a.input_tokens;
    usage["output_tokens"] = 1;
    msg["usage"] = usage;
    start["message"] = msg;
    events.push_back(boost::json::serialize(start));
    events.push_back(R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
    for (const auto& piece : word_pieces(a.text)) {
        boost::json::object d;
        d["type"] = "content_block_delta";
        d["index"] = 0;
        boost::json::object delta;
        delta["type"] = "text_delta";
        delta["text"] = piece;
        d["delta"] = delta;
        events.push_back(boost::json::serialize(d));
    }
    events.push_back(R"({"type":"content_block_stop","index":0})");
    boost::json::object md;
    md["type"] = "message_delta";
    boost::json::object delta;
    delta["stop_reason"] = a.stop.str();
    delta["stop_sequence"] = nullptr;
    md["delta"] = delta;
    boost::json::object out_usage;
    out_usage["output_tokens"] = a.output_tokens;
    md["usage"] = out_usage;
    events.push_back(boost::json::serialize(md));
    boost::json::object stop;
    stop["type"] = "message_stop";
    boost::json::object metrics;
    metrics["inputTokenCount"] = a.input_tokens;
    metrics["outputTokenCount"] = a.output_tokens;
    metrics["invocationLatency"] = latency;
    metrics["firstByteLatency"] = latency;
    stop["amazon-bedrock-invocationMetrics"] = metrics;
    events.push_back(boost::json::serialize(stop));
    return events;
}

} // namespace bedrock::testing::detail::emu

#endif
