#ifndef BEDROCK_MESSAGES_HPP
#define BEDROCK_MESSAGES_HPP

// Shorthands for the messages nearly every converse call starts from.

#include <bedrock/model/common.hpp>
#include <bedrock/model/invoke_model.hpp>

#include <boost/json/parse.hpp>

#include <string>
#include <string_view>

namespace bedrock {

/// A user message with one text block.
inline message user_text(std::string text)
{
    return {conversation_role::user, {content_block{content_block_text{std::move(text)}}}};
}

/// An assistant message with one text block (a previous turn of the conversation).
inline message assistant_text(std::string text)
{
    return {conversation_role::assistant, {content_block{content_block_text{std::move(text)}}}};
}

/// The text of a message's text blocks, joined.
inline std::string message_text(const message& m)
{
    std::string out;
    for (const auto& block : m.content)
        if (auto text = std::get_if<content_block_text>(&block))
            out += text->value;
    return out;
}

/// The bytes of an InvokeModelWithResponseStream chunk (the model's own JSON) as text, in place.
inline std::string_view chunk_text(const response_stream_chunk& chunk) noexcept
{
    if (!chunk.value.bytes)
        return {};
    return {reinterpret_cast<const char*>(chunk.value.bytes->data()), chunk.value.bytes->size()};
}

/// The chunk parsed as JSON; `ec` is set (and the value null) when it is not JSON.
inline boost::json::value chunk_json(const response_stream_chunk& chunk, boost::system::error_code& ec)
{
    return boost::json::parse(chunk_text(chunk), ec);
}

} // namespace bedrock

#endif
