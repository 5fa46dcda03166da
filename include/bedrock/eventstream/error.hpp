#ifndef BEDROCK_EVENTSTREAM_ERROR_HPP
#define BEDROCK_EVENTSTREAM_ERROR_HPP

#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace bedrock::eventstream {

/// Why an event-stream frame was rejected (by the decoder) or could not be written (by the encoder).
/// Each malformation has its own code so that a log line says exactly what was wrong with the bytes.
enum class error {
    message_too_short = 1,        ///< prelude total length below the 16-byte minimum
    message_too_long,             ///< prelude total length above the decoder's configured maximum
    headers_length_exceeds_message, ///< prelude headers length larger than total length - 16
    prelude_crc_mismatch,         ///< CRC of the first 8 bytes differs from the prelude CRC
    message_crc_mismatch,         ///< CRC of the whole frame differs from its trailing CRC
    invalid_header_name_length,   ///< a header name of length 0, or running past the headers block
    header_truncated,             ///< the headers block ends inside a header (type or length missing)
    unknown_header_type,          ///< a header value type byte outside 0..9
    header_value_truncated,       ///< a header value (or its length) runs past the headers block
    duplicate_header,             ///< the same header name twice in one message
    header_name_too_long,         ///< encoder: a header name over 255 bytes
    header_value_too_long,        ///< a string or byte-array header value over 32767 bytes (either side)
    payload_too_long,             ///< encoder: the frame would exceed the 32-bit length or the limit
    truncated_stream,             ///< the input ended in the middle of a frame
    frame_length_mismatch,        ///< parse_message: the prelude's total length is not the size given
};

/// The category of eventstream::error ("bedrock.eventstream").
BEDROCK_DECL const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

} // namespace bedrock::eventstream

template <>
struct boost::system::is_error_code_enum<bedrock::eventstream::error> : std::true_type {};

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/eventstream/impl/error.ipp>
#endif

#endif
