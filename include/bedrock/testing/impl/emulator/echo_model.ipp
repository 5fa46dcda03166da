#ifndef BEDROCK_TESTING_IMPL_EMULATOR_ECHO_MODEL_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_ECHO_MODEL_IPP

// The echo model: "echo: " + the last user text, words counted as tokens, maxTokens truncating,
// a tool call for "use tool ...". Answers as values; the routes put them into each format.

#include <bedrock/model/converse.hpp>
#include <bedrock/testing/impl/emulator/scenario.ipp>

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::testing::detail::emu {

inline std::size_t count_words(std::string_view s) noexcept
{
    std::size_t n = 0;
    bool in_word = false;
    for (const char c : s) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        if (!space && !in_word)
            ++n;
        in_word = !space;
    }
    return n;
}

/// The pieces of `s` that each hold one word and the whitespace before it ("echo: a b" -> "echo:",
/// " a", " b"): concatenated they give `s` back exactly.
inline std::vector<std::string> word_pieces(std::string_view s)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j])))
            ++j;
        while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])))
            ++j;
        out.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

/// The first `n` words of `s`, separated by single spaces.
inline std::string first_words(std::string_view s, std::size_t n)
{
    std::string out;
    std::size_t taken = 0;
    std::size_t i = 0;
    while (taken < n && i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
        const std::size_t b = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
        if (i == b)
            break;
        if (!out.empty())
            out.push_back(' ');
        out.append(s.substr(b, i - b));
        ++taken;
    }
    return out;
}

struct echo_answer {
    std::string text;           // the reply, when not a tool call
    bool tool = false;
    std::string tool_name;
    std::string tool_use_id;
    std::string tool_text;      // {"text": ...}
    bedrock::stop_reason stop = bedrock::stop_reason::end_turn;
    std::int32_t input_tokens = 0;
    std::int32_t output_tokens = 0;
};

inline std::string joined_text(const message& m)
{
    std::string t;
    for (const auto& block : m.content)
        if (const auto* text = std::get_if<content_block_text>(&block))
            t += text->value;
    return t;
}

template <class Req>
std::size_t conversation_words(const Req& in)
{
    std::size_t n = 0;
    for (const auto& m : in.messages)
        for (const auto& block : m.content)
            if (const auto* text = std::get_if<content_block_text>(&block))
                n += count_words(text->value);
    for (const auto& block : in.system)
        if (const auto* text = std::get_if<system_content_block_text>(&block))
            n += count_words(text->value);
    return n;
}

/// Bedrock's own complaint about a conversation it cannot start, or nothing.
template <class Req>
std::optional<std::string> conversation_problem(const Req& in)
{
    if (in.messages.empty() || !(in.messages.front().role == conversation_role::user))
        return std::string("A conversation must start with a user message. Try again with a conversation "
                           "that starts with a user message.");
    return std::nullopt;
}

/// The reply text, truncated to `max_tokens` words.
inline void finish_text(echo_answer& a, std::string reply, std::optional<std::int32_t> max_tokens)
{
    const std::size_t words = count_words(reply);
    if (max_tokens && *max_tokens >= 0 && words > static_cast<std::size_t>(*max_tokens)) {
        a.text = first_words(reply, static_cast<std::size_t>(*max_tokens));
        a.stop = bedrock::stop_reason::max_tokens;
        a.output_tokens = *max_tokens;
    } else {
        a.text = std::move(reply);
        a.output_tokens = static_cast<std::int32_t>(words);
    }
}

template <class Req>
echo_answer echo_conversation(const Req& in, std::uint64_t id)
{
    echo_answer a;
    a.input_tokens = static_cast<std::int32_t>(conversation_words(in));
    std::string last;
    for (auto it = in.messages.rbegin(); it != in.messages.rend(); ++it)
        if (it->role == conversation_role::user) {
            last = joined_text(*it);
            break;
        }
    if (in.tool_config && last.starts_with("use tool")) {
        for (const auto& t : in.tool_config->tools)
            if (const auto* spec = std::get_if<tool_tool_spec>(&t)) {
                a.tool = true;
                a.tool_name = spec->value.name;
                break;
            }
    }
    if (a.tool) {
        std::string_view rest = std::string_view(last).substr(8);
        while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
            rest.remove_prefix(1);
        a.tool_text = std::string(rest);
        a.tool_use_id = "tooluse_emulator" + std::to_string(id);
        a.stop = bedrock::stop_reason::tool_use;
        a.output_tokens = static_cast<std::int32_t>(count_words(rest) + 1);
        return a;
    }
    std::optional<std::int32_t> max_tokens;
    if (in.inference_config)
        max_tokens = in.inference_config->max_tokens;
    finish_text(a, "echo: " + last, max_tokens);
    return a;
}

inline document tool_input(const echo_answer& a)
{
    boost::json::object o;
    o["text"] = a.tool_text;
    return o;
}

/// The milliseconds the emulated model "took".
inline std::int64_t latency_of(const scenario& s) { return s.what == scenario::slow ? s.n + 1 : 1; }

} // namespace bedrock::testing::detail::emu

#endif
