#ifndef BEDROCK_STREAM_ACCUMULATOR_HPP
#define BEDROCK_STREAM_ACCUMULATOR_HPP

// Builds, from the events of a converse stream, what Converse would have answered: the assistant
// message (text deltas joined; tool-use input assembled from its partial JSON pieces and parsed when
// the block ends; reasoning text and signature; citations), the stop reason, usage, metrics, trace.
//
//     bedrock::converse_stream_accumulator acc;
//     while (auto event = co_await stream.next()) {
//         print_if_text(*event);
//         if (auto ec = acc.add(*event)) ...       // e.g. a tool input that is not JSON
//     }
//     bedrock::converse_response answer = acc.response();

#include <bedrock/detail/config.hpp>
#include <bedrock/model/converse.hpp>
#include <bedrock/model/converse_stream.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace bedrock {

class converse_stream_accumulator {
public:
    /// Takes one event. Errors: client_errc::invalid_response when a tool-use block's input is not
    /// valid JSON at its contentBlockStop (the event is still recorded; the input stays null), or a
    /// delta names a block whose kind contradicts its start. Exception events change nothing (the
    /// stream reports them as errors); unknown events are ignored.
    BEDROCK_DECL boost::system::error_code add(const converse_stream_output& event);

    /// Whether messageStop has arrived.
    bool stopped() const noexcept { return stopped_; }
    /// Whether the metadata event (usage, metrics) has arrived.
    bool has_metadata() const noexcept { return has_metadata_; }

    /// The answer so far, in the shape of a Converse response. Blocks still open are included as
    /// they stand (a tool input not yet complete is parsed if it is valid JSON, else left null).
    BEDROCK_DECL converse_response response() const;

    /// The text of every text block so far, joined.
    BEDROCK_DECL std::string text() const;

private:
    struct block {
        enum kind_type { unset, text_kind, tool_use, reasoning, tool_result, other } kind = unset;
        std::string text;       // text, reasoning text, tool-use input JSON as received
        std::string signature;  // reasoning
        bytes redacted;         // reasoning
        std::vector<citation> citations;
        tool_use_block tool;    // id and name (input filled when the block stops)
        tool_result_block result;
        bool input_parsed = false;
    };

    BEDROCK_DECL boost::system::error_code stop_block(block& b);
    BEDROCK_DECL static content_block to_content(const block& b);

    conversation_role role_ = conversation_role::assistant;
    std::map<std::int32_t, block> blocks_; // by contentBlockIndex, in order
    converse_response out_;
    bool stopped_ = false;
    bool has_metadata_ = false;
};

} // namespace bedrock

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/impl/stream_accumulator.ipp>
#endif

#endif
