#ifndef BEDROCK_PROTOCOL_INPUT_STREAM_HPP
#define BEDROCK_PROTOCOL_INPUT_STREAM_HPP

// The request body of InvokeModelWithBidirectionalStream, one frame per input event, sans-I/O: the
// stream's send() writes what this builds, and a test compares it with the SDK's bytes.
//
// An event is first encoded as an event-stream message of its own (the inner message: headers
// `:event-type`, `:message-type event`, `:content-type application/json` in the JS SDK's order, its
// JSON as the payload). With SigV4, the inner message is the payload of an outer message carrying
// `:date` and `:chunk-signature`, each signature chained on the previous one from the request's
// (see auth/event_signer.hpp); the body ends with a signed empty message, the end frame. With a
// bearer token there is no request signature to chain on: the inner messages go as they are, and
// the body simply ends (the SDKs' no-op event signer does the same).

#include <bedrock/auth/event_signer.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/model/bidirectional_stream.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bedrock::protocol {

class input_stream {
public:
    using event_type = invoke_model_with_bidirectional_stream_input;

    /// Unsigned frames (bearer token).
    input_stream() = default;
    /// Signed frames, chained from the request's signature by `signer`.
    explicit input_stream(auth::event_signer signer) : signer_(std::move(signer)) {}

    bool signs() const noexcept { return signer_.has_value(); }

    /// Appends the frame of `event`, signed as of `now`, to `out`. On error nothing is appended and
    /// the signature chain is as it was (the event was not sent); `diag` (if any) says why.
    BEDROCK_DECL boost::system::error_code event(const event_type& event, std::chrono::system_clock::time_point now,
                                                 std::vector<std::uint8_t>& out, diagnostics* diag = nullptr);

    /// Appends what ends the input: the signed end frame, or nothing for unsigned frames.
    BEDROCK_DECL boost::system::error_code end(std::chrono::system_clock::time_point now,
                                               std::vector<std::uint8_t>& out);

private:
    std::optional<auth::event_signer> signer_;
    std::string json_;                // scratch: the event's JSON
    std::vector<std::uint8_t> inner_; // scratch: the inner message
};

} // namespace bedrock::protocol

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/protocol/impl/input_stream.ipp>
#endif

#endif
