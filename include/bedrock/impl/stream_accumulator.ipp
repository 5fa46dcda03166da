#ifndef BEDROCK_IMPL_STREAM_ACCUMULATOR_IPP
#define BEDROCK_IMPL_STREAM_ACCUMULATOR_IPP

#include <bedrock/detail/text.hpp>
#include <bedrock/error.hpp>
#include <bedrock/stream_accumulator.hpp>

#include <boost/json/parse.hpp>

namespace bedrock {
namespace detail {

// A list member, whether the model makes it optional or not.
template <class T>
std::vector<T>& list_of(std::vector<T>& v) { return v; }
template <class T>
std::vector<T>& list_of(std::optional<std::vector<T>>& v)
{
    if (!v)
        v.emplace();
    return *v;
}

template <class T>
const std::vector<T>& list_view(const std::vector<T>& v) { return v; }
template <class T>
const std::vector<T>& list_view(const std::optional<std::vector<T>>& v)
{
    static const std::vector<T> none;
    return v ? *v : none;
}

} // namespace detail

BEDROCK_DECL boost::system::error_code converse_stream_accumulator::add(const converse_stream_output& event)
{
    boost::system::error_code ec;
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, converse_stream_output_message_start>) {
                role_ = ev.value.role;
            } else if constexpr (std::is_same_v<T, converse_stream_output_content_block_start>) {
                block& b = blocks_[ev.value.content_block_index];
                std::visit(
                    [&](const auto& start) {
                        using S = std::decay_t<decltype(start)>;
                        if constexpr (std::is_same_v<S, content_block_start_tool_use>) {
                            b.kind = block::tool_use;
                            b.tool.tool_use_id = start.value.tool_use_id;
                            b.tool.name = start.value.name;
                            b.tool.type = start.value.type;
                        } else if constexpr (std::is_same_v<S, content_block_start_tool_result>) {
                            b.kind = block::tool_result;
                            b.result.tool_use_id = start.value.tool_use_id;
                            b.result.type = start.value.type;
                            b.result.status = start.value.status;
                        } else {
                            b.kind = block::other;
                        }
                    },
                    ev.value.start);
            } else if constexpr (std::is_same_v<T, converse_stream_output_content_block_delta>) {
                block& b = blocks_[ev.value.content_block_index];
                const auto expect = [&](block::kind_type k) {
                    if (b.kind == block::unset)
                        b.kind = k;
                    if (b.kind != k)
                        ec = client_errc::invalid_response;
                    return b.kind == k;
                };
                std::visit(
                    [&](const auto& delta) {
                        using D = std::decay_t<decltype(delta)>;
                        if constexpr (std::is_same_v<D, content_block_delta_text>) {
                            if (expect(block::text_kind))
                                b.text += delta.value;
                        } else if constexpr (std::is_same_v<D, content_block_delta_tool_use>) {
                            if (expect(block::tool_use))
                                b.text += delta.value.input;
                        } else if constexpr (std::is_same_v<D, content_block_delta_reasoning_content>) {
                            if (!expect(block::reasoning))
                                return;
                            if (auto* t = std::get_if<reasoning_content_block_delta_text>(&delta.value))
                                b.text += t->value;
                            else if (auto* s = std::get_if<reasoning_content_block_delta_signature>(&delta.value))
                                b.signature += s->value;
                            else if (auto* r = std::get_if<reasoning_content_block_delta_redacted_content>(&delta.value))
                                b.redacted.insert(b.redacted.end(), r->value.begin(), r->value.end());
                        } else if constexpr (std::is_same_v<D, content_block_delta_citation>) {
                            // A citation of the text block it arrives in.
                            if (b.kind == block::unset)
                                b.kind = block::text_kind;
                            citation c;
                            c.title = delta.value.title;
                            c.source = delta.value.source;
                            c.location = delta.value.location;
                            for (const auto& sc : detail::list_view(delta.value.source_content))
                                detail::list_of(c.source_content).push_back(citation_source_content_text{sc.text.value_or("")});
                            b.citations.push_back(std::move(c));
                        } else if constexpr (std::is_same_v<D, content_block_delta_tool_result>) {
                            if (!expect(block::tool_result))
                                return;
                            auto& content = detail::list_of(b.result.content);
                            for (const auto& piece : delta.value) {
                                if (auto* t = std::get_if<tool_result_block_delta_text>(&piece)) {
                                    auto* last = content.empty() ? nullptr
                                                                 : std::get_if<tool_result_content_block_text>(&content.back());
                                    if (last)
                                        last->value += t->value;
                                    else
                                        content.push_back(tool_result_content_block_text{t->value});
                                } else if (auto* j = std::get_if<tool_result_block_delta_json>(&piece)) {
                                    content.push_back(tool_result_content_block_json{j->value});
                                }
                            }
                        }
                    },
                    ev.value.delta);
            } else if constexpr (std::is_same_v<T, converse_stream_output_content_block_stop>) {
                auto it = blocks_.find(ev.value.content_block_index);
                if (it != blocks_.end())
                    ec = stop_block(it->second);
            } else if constexpr (std::is_same_v<T, converse_stream_output_message_stop>) {
                stopped_ = true;
                out_.stop_reason = ev.value.stop_reason;
                out_.additional_model_response_fields = ev.value.additional_model_response_fields;
            } else if constexpr (std::is_same_v<T, converse_stream_output_metadata>) {
                has_metadata_ = true;
                out_.usage = ev.value.usage;
                out_.metrics.latency_ms = ev.value.metrics.latency_ms;
                if (ev.value.trace)
                    out_.trace = converse_trace{ev.value.trace->guardrail, ev.value.trace->prompt_router};
                out_.performance_config = ev.value.performance_config;
                out_.service_tier = ev.value.service_tier;
            }
        },
        static_cast<const converse_stream_output::variant&>(event));
    return ec;
}

BEDROCK_DECL boost::system::error_code converse_stream_accumulator::stop_block(block& b)
{
    if (b.kind != block::tool_use || b.input_parsed)
        return {};
    b.input_parsed = true;
    // An empty input is an empty object: a tool without parameters streams no input at all.
    if (detail::is_json_blank(b.text)) {
        b.tool.input = boost::json::object{};
        return {};
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(b.text, ec);
    if (ec)
        return client_errc::invalid_response;
    b.tool.input = std::move(v);
    return {};
}

BEDROCK_DECL content_block converse_stream_accumulator::to_content(const block& b)
{
    switch (b.kind) {
    case block::tool_use: {
        content_block_tool_use out{b.tool};
        if (!b.input_parsed) { // still open: the input as far as it parses
            boost::system::error_code ec;
            auto v = boost::json::parse(b.text, ec);
            out.value.input = ec ? document{} : std::move(v);
        }
        return out;
    }
    case block::reasoning:
        if (b.text.empty() && !b.redacted.empty())
            return content_block_reasoning_content{reasoning_content_block_redacted_content{b.redacted}};
        return content_block_reasoning_content{reasoning_content_block_reasoning_text{reasoning_text_block{
            b.text, b.signature.empty() ? std::nullopt : std::optional<std::string>(b.signature)}}};
    case block::tool_result: return content_block_tool_result{b.result};
    default:
        if (!b.citations.empty()) {
            citations_content_block c;
            detail::list_of(c.content).push_back(citation_generated_content_text{b.text});
            detail::list_of(c.citations) = b.citations;
            return content_block_citations_content{std::move(c)};
        }
        return content_block_text{b.text};
    }
}

BEDROCK_DECL converse_response converse_stream_accumulator::response() const
{
    converse_response out = out_;
    message m;
    m.role = role_;
    for (const auto& [index, b] : blocks_)
        m.content.push_back(to_content(b));
    out.output = converse_output_message{std::move(m)};
    return out;
}

BEDROCK_DECL std::string converse_stream_accumulator::text() const
{
    std::string out;
    for (const auto& [index, b] : blocks_)
        if (b.kind == block::text_kind || b.kind == block::unset)
            out += b.text;
    return out;
}

} // namespace bedrock

#endif
