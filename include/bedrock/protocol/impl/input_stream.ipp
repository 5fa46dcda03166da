#ifndef BEDROCK_PROTOCOL_IMPL_INPUT_STREAM_IPP
#define BEDROCK_PROTOCOL_IMPL_INPUT_STREAM_IPP

#include <bedrock/error.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/model/json/bidirectional_stream.hpp>
#include <bedrock/protocol/input_stream.hpp>

namespace bedrock::protocol {

BEDROCK_DECL boost::system::error_code input_stream::event(const event_type& event,
                                                           std::chrono::system_clock::time_point now,
                                                           std::vector<std::uint8_t>& out, diagnostics* diag)
{
    json_.clear();
    const json::event_header header = json::serialize_event(event, json_);
    if (header.type.empty()) {
        if (diag)
            diag->client_message = "an input event without a type (an unknown event needs its tag)";
        return client_errc::invalid_request;
    }
    const eventstream::header_view headers[] = {
        {":event-type", header.type},
        {":message-type", header.message_type},
        {":content-type", std::string_view("application/json")},
    };
    const eventstream::byte_view payload(reinterpret_cast<const std::uint8_t*>(json_.data()), json_.size());
    // Unsigned, the inner message is the frame: encode it straight into `out`.
    auto& inner = signer_ ? inner_ : out;
    if (signer_)
        inner_.clear();
    if (auto ec = eventstream::encode(headers, payload, inner)) {
        if (diag)
            diag->client_message = "the input event cannot be framed: " + ec.message();
        return ec;
    }
    if (!signer_)
        return {};
    if (auto ec = signer_->sign_frame(inner_, now, out)) {
        if (diag)
            diag->client_message = "the input event cannot be signed: " + ec.message();
        return ec;
    }
    return {};
}

BEDROCK_DECL boost::system::error_code input_stream::end(std::chrono::system_clock::time_point now,
                                                         std::vector<std::uint8_t>& out)
{
    if (!signer_)
        return {};
    return signer_->sign_end_frame(now, out);
}

} // namespace bedrock::protocol

#endif
