#ifndef BEDROCK_EVENTSTREAM_IMPL_CRC32_IPP
#define BEDROCK_EVENTSTREAM_IMPL_CRC32_IPP

#include <bedrock/eventstream/crc32.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

// The carry-less-multiplication path needs GNU-style per-function target attributes and
// __builtin_cpu_supports; it is compiled for any x86-64 without -m flags and chosen at run time.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BEDROCK_CRC32_CLMUL 1
#include <immintrin.h>
#else
#define BEDROCK_CRC32_CLMUL 0
#endif

namespace bedrock::eventstream {
namespace detail {

// Reflected CRC-32 (IEEE 802.3): the generator polynomial x^32 + x^26 + ... + 1 with its bits reversed.
inline constexpr std::uint32_t crc32_poly_reflected = 0xEDB88320u;

// Slicing-by-8 tables, built at compile time (no static initialiser runs). table[0][b] is the CRC
// register after feeding byte b into a zero register; table[k][b] is table[0][b] advanced by k more
// zero bytes, so eight input bytes can be folded with eight independent lookups.
using crc32_tables_t = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr crc32_tables_t make_crc32_tables() noexcept
{
    crc32_tables_t t{};
    for (std::uint32_t b = 0; b < 256; ++b) {
        std::uint32_t c = b;
        for (int i = 0; i < 8; ++i)
            c = (c >> 1) ^ ((c & 1u) ? crc32_poly_reflected : 0u);
        t[0][b] = c;
    }
    for (std::size_t k = 1; k < 8; ++k)
        for (std::size_t b = 0; b < 256; ++b)
            t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
    return t;
}

inline constexpr crc32_tables_t crc32_tables = make_crc32_tables();

// Little-endian 32-bit load assembled from bytes: endian-neutral and alignment-free; gcc and clang
// turn it into a single unaligned load on little-endian targets.
inline std::uint32_t crc32_load_le32(const unsigned char* p) noexcept
{
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// Core slicing-by-8 update on the raw (non-inverted) register.
inline std::uint32_t crc32_slice8(std::uint32_t c, const unsigned char* p, std::size_t n) noexcept
{
    const auto& t = crc32_tables;
    while (n >= 8) {
        const std::uint32_t lo = c ^ crc32_load_le32(p);
        const std::uint32_t hi = crc32_load_le32(p + 4);
        c = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
            t[3][hi & 0xFFu] ^ t[2][(hi >> 8) & 0xFFu] ^ t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--)
        c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFFu];
    return c;
}

#if BEDROCK_CRC32_CLMUL

// Folding with PCLMULQDQ. Register layout (reflected CRC): byte 0 of a 16-byte block is the lowest
// byte of the xmm register and its bit 0 is the highest-degree coefficient, so the low qword holds
// the upper 64 coefficients. Each constant is x^n mod P stored "33-bit reflected" (bit j is the
// coefficient of x^(32-j)); tools/crc32_constants.py derives every value below, explains the
// exponents, and checks this exact sequence of operations against zlib.
//
// Folding a block forward by d bits multiplies its low qword by x^(d+32) mod P and its high qword
// by x^(d-32) mod P (the extra -32 compensates for the product's position in the register).
// The pair is loaded as {low qword constant, high qword constant}.

// Below this size the fixed cost of the final reduction (three dependent multiplies) outweighs
// folding; slicing-by-8 handles those inputs.
inline constexpr std::size_t crc32_clmul_threshold = 64;

#define BEDROCK_CRC32_TARGET __attribute__((target("pclmul,sse4.1")))

BEDROCK_CRC32_TARGET inline __m128i crc32_k(std::uint64_t lo, std::uint64_t hi) noexcept
{
    return _mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo));
}

// x * (x^(d+32), x^(d-32)): the fold of x by d bits, to be XORed into the block d bits later.
BEDROCK_CRC32_TARGET inline __m128i crc32_fold(__m128i x, __m128i k) noexcept
{
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

BEDROCK_CRC32_TARGET inline __m128i crc32_load(const unsigned char* p) noexcept
{
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Raw (non-inverted) CRC register after `n` >= 64 bytes, starting from raw register `c`.
BEDROCK_CRC32_TARGET inline std::uint32_t crc32_clmul(std::uint32_t c, const unsigned char* p,
                                                      std::size_t n) noexcept
{
    const __m128i k512 = crc32_k(0x154442BD4, 0x1C6E41596); // x^544, x^480 mod P
    const __m128i k384 = crc32_k(0x03DB1ECDC, 0x174359406); // x^416, x^352 mod P
    const __m128i k256 = crc32_k(0x0F1DA05AA, 0x15A546366); // x^288, x^224 mod P
    const __m128i k128 = crc32_k(0x1751997D0, 0x0CCAA009E); // x^160, x^96  mod P

    // The register's initial value is equivalent to XORing it into the first four message bytes.
    __m128i x0 = _mm_xor_si128(crc32_load(p), _mm_cvtsi32_si128(static_cast<int>(c)));
    __m128i x1 = crc32_load(p + 16);
    __m128i x2 = crc32_load(p + 32);
    __m128i x3 = crc32_load(p + 48);
    p += 64;
    n -= 64;

    // Four independent lanes hide the multiplier latency; each advances 512 bits per iteration.
    while (n >= 64) {
        x0 = _mm_xor_si128(crc32_fold(x0, k512), crc32_load(p));
        x1 = _mm_xor_si128(crc32_fold(x1, k512), crc32_load(p + 16));
        x2 = _mm_xor_si128(crc32_fold(x2, k512), crc32_load(p + 32));
        x3 = _mm_xor_si128(crc32_fold(x3, k512), crc32_load(p + 48));
        p += 64;
        n -= 64;
    }

    // Lanes 0..2 are 384, 256 and 128 bits ahead of lane 3: fold them in parallel.
    __m128i x = _mm_xor_si128(_mm_xor_si128(crc32_fold(x0, k384), crc32_fold(x1, k256)),
                              _mm_xor_si128(crc32_fold(x2, k128), x3));

    while (n >= 16) {
        x = _mm_xor_si128(crc32_fold(x, k128), crc32_load(p));
        p += 16;
        n -= 16;
    }

    // 128 -> 96 bits: the low qword (top 64 coefficients) times x^96 mod P, plus the high qword
    // which, once the CRC's implicit x^32 is applied, already sits in place.
    const __m128i kr = crc32_k(0x0CCAA009E, 0x163CD6124); // x^96, x^64 mod P
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    x = _mm_xor_si128(_mm_clmulepi64_si128(x, kr, 0x00), _mm_srli_si128(x, 8));
    // 96 -> 64 bits: the top 32 coefficients times x^64 mod P.
    x = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x, mask32), kr, 0x10),
                      _mm_srli_si128(x, 4));
    // Barrett reduction of the 64-bit remainder: q = floor(top32 * mu / x^32) with
    // mu = floor(x^64 / P); the CRC is the low 32 coefficients of (x ^ q * P), found in dword 1.
    const __m128i kb = crc32_k(0x1F7011641, 0x1DB710641); // mu, P
    __m128i q = _mm_clmulepi64_si128(_mm_and_si128(x, mask32), kb, 0x00);
    q = _mm_clmulepi64_si128(_mm_and_si128(q, mask32), kb, 0x10);
    c = static_cast<std::uint32_t>(_mm_extract_epi32(_mm_xor_si128(x, q), 1));

    // The last 0..15 bytes.
    return crc32_slice8(c, p, n);
}

#undef BEDROCK_CRC32_TARGET

// Checked once; a function-local static so no global constructor runs.
inline bool crc32_have_clmul() noexcept
{
    static const bool have = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
    }();
    return have;
}

#endif // BEDROCK_CRC32_CLMUL

} // namespace detail

BEDROCK_DECL std::uint32_t crc32_portable(const void* data, std::size_t size,
                                          std::uint32_t crc) noexcept
{
    if (size == 0)
        return crc;
    return ~detail::crc32_slice8(~crc, static_cast<const unsigned char*>(data), size);
}

BEDROCK_DECL std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc) noexcept
{
#if BEDROCK_CRC32_CLMUL
    if (size >= detail::crc32_clmul_threshold && detail::crc32_have_clmul())
        return ~detail::crc32_clmul(~crc, static_cast<const unsigned char*>(data), size);
#endif
    return crc32_portable(data, size, crc);
}

} // namespace bedrock::eventstream

#endif
