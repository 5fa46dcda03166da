#ifndef BEDROCK_MESSAGES_HPP
#define BEDROCK_MESSAGES_HPP

// Shorthands for the messages nearly every converse call starts from.

#include <bedrock/model/common.hpp>

#include <string>

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

} // namespace bedrock

#endif
