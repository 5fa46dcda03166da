#ifndef BEDROCK_JSON_BASE64_HPP
#define BEDROCK_JSON_BASE64_HPP

// Base64 (RFC 4648 section 4, standard alphabet, padded): how blob members travel in JSON.

#include <bedrock/detail/config.hpp>
#include <bedrock/json/error.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::json {

/// Length of the encoding of `n` bytes.
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Appends the encoding of `in` to `out`.
BEDROCK_DECL void base64_encode(std::span<const std::uint8_t> in, std::string& out);

inline std::string base64_encode(std::span<const std::uint8_t> in)
{
    std::string out;
    base64_encode(in, out);
    return out;
}

inline std::string base64_encode(std::string_view in)
{
    return base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()));
}

/// Strict decoding into `out` (replacing its contents): the length must be a multiple of 4, padding
/// only at the end, no whitespace, and the unused bits of the last group zero (so every byte string
/// has exactly one accepted encoding). Anything else is error::invalid_base64 and leaves `out` empty.
BEDROCK_DECL boost::system::error_code base64_decode(std::string_view in, std::vector<std::uint8_t>& out);

} // namespace bedrock::json

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/json/impl/base64.ipp>
#endif

#endif
