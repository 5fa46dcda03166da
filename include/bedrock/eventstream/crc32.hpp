#ifndef BEDROCK_EVENTSTREAM_CRC32_HPP
#define BEDROCK_EVENTSTREAM_CRC32_HPP

#include <bedrock/detail/config.hpp>

#include <cstddef>
#include <cstdint>

namespace bedrock::eventstream {

/// CRC-32 (IEEE 802.3, reflected, the same as zlib's crc32), continuing from `crc`:
/// crc32(b, n2, crc32(a, n1)) == crc32(a ++ b). Uses carry-less multiplication when the CPU has it,
/// slicing-by-8 tables otherwise.
BEDROCK_DECL std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0) noexcept;

/// The portable slicing-by-8 path alone (exposed for tests and benchmarks).
BEDROCK_DECL std::uint32_t crc32_portable(const void* data, std::size_t size,
                                          std::uint32_t crc = 0) noexcept;

} // namespace bedrock::eventstream

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/eventstream/impl/crc32.ipp>
#endif

#endif
