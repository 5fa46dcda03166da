#ifndef BEDROCK_EVENTSTREAM_ENCODER_HPP
#define BEDROCK_EVENTSTREAM_ENCODER_HPP

#include <bedrock/detail/config.hpp>
#include <bedrock/eventstream/error.hpp>
#include <bedrock/eventstream/message.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace bedrock::eventstream {

/// Bytes that a header block takes on the wire (no validation).
BEDROCK_DECL std::size_t encoded_headers_size(std::span<const header_view> headers) noexcept;

/// Appends the headers in wire form to `out` (the exact bytes that event signing hashes).
BEDROCK_DECL boost::system::error_code encode_headers(std::span<const header_view> headers,
                                                      std::vector<std::uint8_t>& out);

/// Appends one complete frame (prelude, headers in the given order, payload, CRCs) to `out`.
/// Nothing is appended when the message cannot be encoded: an empty name
/// (invalid_header_name_length), a name over 255 bytes, a value over 32767 bytes, a name given twice
/// (duplicate_header), or a frame over 4 GiB.
BEDROCK_DECL boost::system::error_code encode(std::span<const header_view> headers, byte_view payload,
                                              std::vector<std::uint8_t>& out);

/// The same for an owning message.
BEDROCK_DECL boost::system::error_code encode(const message& m, std::vector<std::uint8_t>& out);

} // namespace bedrock::eventstream

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/eventstream/impl/encoder.ipp>
#endif

#endif
