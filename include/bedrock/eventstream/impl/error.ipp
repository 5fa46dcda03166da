#ifndef BEDROCK_EVENTSTREAM_IMPL_ERROR_IPP
#define BEDROCK_EVENTSTREAM_IMPL_ERROR_IPP

#include <bedrock/eventstream/error.hpp>

#include <string>

namespace bedrock::eventstream {
namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "bedrock.eventstream"; }

    std::string message(int ev) const override { return message(ev, nullptr, 0); }

    const char* message(int ev, char*, std::size_t) const noexcept override
    {
        switch (static_cast<error>(ev)) {
        case error::message_too_short: return "event-stream frame shorter than the 16-byte minimum";
        case error::message_too_long: return "event-stream frame longer than the configured maximum";
        case error::headers_length_exceeds_message:
            return "event-stream headers length exceeds the frame";
        case error::prelude_crc_mismatch: return "event-stream prelude checksum mismatch";
        case error::message_crc_mismatch: return "event-stream message checksum mismatch";
        case error::invalid_header_name_length: return "event-stream header name length invalid";
        case error::header_truncated: return "event-stream header truncated";
        case error::unknown_header_type: return "event-stream header value type unknown";
        case error::header_value_truncated:
            return "event-stream header value runs past the headers block";
        case error::duplicate_header: return "event-stream header name repeated in one message";
        case error::header_name_too_long: return "event-stream header name longer than 255 bytes";
        case error::header_value_too_long:
            return "event-stream header value longer than 32767 bytes";
        case error::payload_too_long: return "event-stream frame too long to encode";
        case error::truncated_stream: return "event stream ended in the middle of a frame";
        case error::frame_length_mismatch:
            return "event-stream frame length differs from the bytes given";
        }
        return "unknown bedrock.eventstream error";
    }
};

} // namespace detail

BEDROCK_DECL const boost::system::error_category& error_category() noexcept
{
    static const detail::error_category_impl instance;
    return instance;
}

} // namespace bedrock::eventstream

#endif
