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
#include <smmintrin.h> // SSE4.1 (and the SSSE3 byte shuffle it implies)
#include <wmmintrin.h> // PCLMULQDQ
#else
#define BEDROCK_CRC32_CLMUL 0
#endif

namespace bedrock::eventstream {
namespace detail {

// Reflected CRC-32 (IEEE 802.3): the generator x^32 + x^26 + ... + 1, bits reversed, x^32 implied.
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
    // The last n < 8 bytes in one step, like a shortened round: byte i (XORed with register byte i
    // while the register lasts) is followed by n-1-i more bytes, hence table n-1-i; what remains of
    // the register beyond n bytes shifts down. Independent lookups instead of a serial byte loop.
    if (n != 0) {
        std::uint32_t next = n < 4 ? c >> (8 * n) : 0u;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t reg = i < 4 ? (c >> (8 * i)) & 0xFFu : 0u;
            next ^= t[n - 1 - i][(p[i] ^ reg) & 0xFFu];
        }
        c = next;
    }
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

// Below this size slicing-by-8 (at most three rounds) beats the fixed cost of the final
// reduction; at and above it every byte goes through the multiplier. Measured crossover (AMD Zen,
// one PCLMULQDQ per two cycles): 24 bytes ~12 ns sliced, 25..32 bytes ~13 ns folded vs ~16 sliced.
// Must stay above 16 (crc32_clmul needs a head block and at least one whole block).
inline constexpr std::size_t crc32_clmul_threshold = 25;

#define BEDROCK_CRC32_TARGET __attribute__((target("pclmul,sse4.1")))

// crc32_fold_k[d] folds a block forward by d blocks (128 d bits): {x^(128d+32), x^(128d-32)} mod P
// (printed by tools/crc32_constants.py). Row 0 is unused.
alignas(16) inline constexpr std::uint64_t crc32_fold_k[7][2] = {
    {0, 0},
    {0x1751997D0, 0x0CCAA009E}, // x^160, x^96
    {0x0F1DA05AA, 0x15A546366}, // x^288, x^224
    {0x03DB1ECDC, 0x174359406}, // x^416, x^352
    {0x154442BD4, 0x1C6E41596}, // x^544, x^480 (the 4-lane loop)
    {0x1C7569E54, 0x0AE0B5394}, // x^672, x^608
    {0x0DF068DC2, 0x18CB44E58}, // x^800, x^736
};

BEDROCK_CRC32_TARGET inline __m128i crc32_kfold(std::size_t blocks) noexcept
{
    return _mm_load_si128(reinterpret_cast<const __m128i*>(crc32_fold_k[blocks]));
}

BEDROCK_CRC32_TARGET inline __m128i crc32_k(std::uint64_t lo, std::uint64_t hi) noexcept
{
    return _mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo));
}

// x folded forward by d blocks with k = crc32_fold_k[d]: a 96-bit value congruent to x moved d
// blocks later, to be XORed into the block found there.
BEDROCK_CRC32_TARGET inline __m128i crc32_fold(__m128i x, __m128i k) noexcept
{
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

BEDROCK_CRC32_TARGET inline __m128i crc32_load(const unsigned char* p) noexcept
{
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// PSHUFB masks for variable byte shifts: 16 bytes read at offset r (1..16) move byte i to
// i + 16 - r; at offset 16 + r they move byte i + r to i. 0x80 makes PSHUFB write a zero.
alignas(16) inline constexpr unsigned char crc32_shift_table[48] = {
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0,    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   11,   12,   13,   14,   15,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};

// 128-bit remainder -> raw CRC register. With x's dwords d0..d3 (d0 the highest coefficients) the
// CRC is (d0 x^128 + d1 x^96 + d2 x^64 + d3 x^32) mod P. Three independent multiplies by
// x^128, x^96, x^64 mod P give a 64-bit value s = top32 x^32 + low32 congruent to it; then
// top32 x^32 mod P is exactly what four slicing tables give for a register of top32 followed by
// four zero bytes. Measured faster here than a Barrett reduction (two more dependent multiplies).
BEDROCK_CRC32_TARGET inline std::uint32_t crc32_reduce(__m128i x) noexcept
{
    const __m128i k_hi = crc32_k(0x140D44A2E, 0x0CCAA009E); // x^128, x^96 mod P
    const __m128i k_lo = crc32_k(0x163CD6124, 0);           // x^64 mod P
    const __m128i zero = _mm_setzero_si128();
    const __m128i d01 = _mm_unpacklo_epi32(x, zero); // qwords d0, d1
    const __m128i d23 = _mm_unpackhi_epi32(x, zero); // qwords d2, d3
    // s: bit k the coefficient of x^(63-k); d3 x^32 lands in the low dword as is.
    __m128i s = _mm_xor_si128(_mm_clmulepi64_si128(d01, k_hi, 0x00),
                              _mm_clmulepi64_si128(d01, k_hi, 0x11));
    s = _mm_xor_si128(s, _mm_xor_si128(_mm_clmulepi64_si128(d23, k_lo, 0x00),
                                       _mm_srli_si128(d23, 8)));
    const auto v = static_cast<std::uint64_t>(_mm_cvtsi128_si64(s));
    const auto top = static_cast<std::uint32_t>(v);
    const auto& t = crc32_tables;
    return static_cast<std::uint32_t>(v >> 32) ^ t[3][top & 0xFFu] ^ t[2][(top >> 8) & 0xFFu] ^
           t[1][(top >> 16) & 0xFFu] ^ t[0][top >> 24];
}

// Raw (non-inverted) CRC register after `n` > 16 bytes, starting from raw register `c`.
//
// The message is cut as [head][whole 16-byte blocks...]: head holds the first r = 1..16 bytes
// (n - r a multiple of 16) at the top of a zero-padded block; leading zero coefficients do not
// change a CRC. Every later block is then whole, so the tail needs no special case, and the blocks
// left after the 4-lane loop fold into the last one in a single parallel step. (r is never 0 so
// that no multiply is spent on an all-zero head: the multiplier's throughput, not only its latency,
// bounds even short inputs.)
BEDROCK_CRC32_TARGET inline std::uint32_t crc32_clmul(std::uint32_t c, const unsigned char* p,
                                                      std::size_t n) noexcept
{
    const std::size_t r = (n - 1) % 16 + 1;
    // The initial register is XORed into the first four message bytes; when r < 4 the part past
    // byte r lands at the start of the first whole block. The shift table at r = 16 yields the
    // identity and all-zero masks.
    const __m128i reg = _mm_cvtsi32_si128(static_cast<int>(c));
    const __m128i head = _mm_shuffle_epi8(_mm_xor_si128(crc32_load(p), reg),
                                          crc32_load(crc32_shift_table + r));
    const __m128i reg_rest = _mm_shuffle_epi8(reg, crc32_load(crc32_shift_table + 16 + r));
    const __m128i first = _mm_xor_si128(crc32_load(p + r), reg_rest);
    p += r;
    std::size_t blocks = (n - r) / 16; // whole blocks, >= 1; p points at the first

    __m128i acc, last;
    if (blocks < 4) {
        // head + up to 3 blocks: fold each straight into the last one.
        acc = crc32_fold(head, crc32_kfold(blocks));
        last = first;
    } else {
        // Four independent lanes hide the multiplier latency; each advances 512 bits a round.
        const __m128i k4 = crc32_kfold(4);
        __m128i x0 = head, x1 = first, x2 = crc32_load(p + 16), x3 = crc32_load(p + 32);
        p += 48;
        blocks -= 3;
        while (blocks >= 4) {
            x0 = _mm_xor_si128(crc32_fold(x0, k4), crc32_load(p));
            x1 = _mm_xor_si128(crc32_fold(x1, k4), crc32_load(p + 16));
            x2 = _mm_xor_si128(crc32_fold(x2, k4), crc32_load(p + 32));
            x3 = _mm_xor_si128(crc32_fold(x3, k4), crc32_load(p + 48));
            p += 64;
            blocks -= 4;
        }
        // blocks (0..3) whole blocks remain after the lanes; fold everything into the last.
        acc = _mm_xor_si128(_mm_xor_si128(crc32_fold(x0, crc32_kfold(blocks + 3)),
                                          crc32_fold(x1, crc32_kfold(blocks + 2))),
                            crc32_fold(x2, crc32_kfold(blocks + 1)));
        last = x3;
        p -= 16; // so that p + 16 is the next unread block, as on the short path
        ++blocks;
    }
    // `last` is followed by blocks - 1 whole blocks starting at p + 16.
    for (std::size_t i = 1; i < blocks; ++i) {
        acc = _mm_xor_si128(acc, crc32_fold(last, crc32_kfold(blocks - i)));
        last = crc32_load(p + 16 * i);
    }
    return crc32_reduce(_mm_xor_si128(acc, last));
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

#undef BEDROCK_CRC32_CLMUL

#endif
