#ifndef BEDROCK_DETAIL_RANDOM_HPP
#define BEDROCK_DETAIL_RANDOM_HPP

// Random values the protocol needs: retry jitter, invocation ids (amz-sdk-invocation-id) and
// idempotency tokens (start_async_invoke's clientRequestToken). Not for secrets.

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace bedrock::detail {

inline std::mt19937_64& random_engine()
{
    thread_local std::mt19937_64 engine{[] {
        std::random_device rd;
        return (std::uint64_t{rd()} << 32) ^ rd();
    }()};
    return engine;
}

/// Uniform in [0, 1).
inline double random_fraction() { return std::uniform_real_distribution<double>(0.0, 1.0)(random_engine()); }

/// A version 4 UUID in its canonical lower-case form: 36 characters, in place (no allocation).
inline std::array<char, 36> random_uuid_text()
{
    std::array<std::uint8_t, 16> b;
    std::uint64_t hi = random_engine()(), lo = random_engine()();
    for (int i = 0; i < 8; ++i) {
        b[i] = static_cast<std::uint8_t>(hi >> (8 * i));
        b[8 + i] = static_cast<std::uint8_t>(lo >> (8 * i));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40); // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80); // RFC 4122 variant
    static constexpr char hex[] = "0123456789abcdef";
    std::array<char, 36> out;
    std::size_t at = 0;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[at++] = '-';
        out[at++] = hex[b[i] >> 4];
        out[at++] = hex[b[i] & 0xf];
    }
    return out;
}

/// The same as a string.
inline std::string random_uuid()
{
    const auto text = random_uuid_text();
    return std::string(text.data(), text.size());
}

} // namespace bedrock::detail

#endif
