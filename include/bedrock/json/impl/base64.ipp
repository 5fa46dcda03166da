#ifndef BEDROCK_JSON_IMPL_BASE64_IPP
#define BEDROCK_JSON_IMPL_BASE64_IPP

#include <bedrock/json/base64.hpp>

#include <array>

namespace bedrock::json {
namespace detail {

inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0..63 for alphabet characters, 64 for '=', 255 for anything else.
inline constexpr std::array<std::uint8_t, 256> base64_decode_table = [] {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t)
        v = 255;
    for (std::uint8_t i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(base64_alphabet[i])] = i;
    t['='] = 64;
    return t;
}();

} // namespace detail

BEDROCK_DECL void base64_encode(std::span<const std::uint8_t> in, std::string& out)
{
    const auto* a = detail::base64_alphabet;
    const std::size_t start = out.size();
    out.resize(start + base64_encoded_size(in.size()));
    char* p = out.data() + start;
    const std::uint8_t* s = in.data();
    std::size_t n = in.size();
    for (; n >= 3; n -= 3, s += 3, p += 4) {
        const std::uint32_t v = (std::uint32_t(s[0]) << 16) | (std::uint32_t(s[1]) << 8) | s[2];
        p[0] = a[v >> 18];
        p[1] = a[(v >> 12) & 63];
        p[2] = a[(v >> 6) & 63];
        p[3] = a[v & 63];
    }
    if (n == 1) {
        const std::uint32_t v = std::uint32_t(s[0]) << 16;
        p[0] = a[v >> 18];
        p[1] = a[(v >> 12) & 63];
        p[2] = '=';
        p[3] = '=';
    } else if (n == 2) {
        const std::uint32_t v = (std::uint32_t(s[0]) << 16) | (std::uint32_t(s[1]) << 8);
        p[0] = a[v >> 18];
        p[1] = a[(v >> 12) & 63];
        p[2] = a[(v >> 6) & 63];
        p[3] = '=';
    }
}

BEDROCK_DECL boost::system::error_code base64_decode(std::string_view in, std::vector<std::uint8_t>& out)
{
    const auto& t = detail::base64_decode_table;
    out.clear();
    if (in.size() % 4 != 0) {
        return error::invalid_base64;
    }
    if (in.empty())
        return {};
    std::size_t pad = 0;
    if (in.back() == '=')
        pad = in[in.size() - 2] == '=' ? 2 : 1;
    out.resize(in.size() / 4 * 3 - pad);
    const auto* s = reinterpret_cast<const unsigned char*>(in.data());
    std::uint8_t* d = out.data();
    const std::size_t full = in.size() / 4 - (pad ? 1 : 0);
    for (std::size_t i = 0; i < full; ++i, s += 4, d += 3) {
        const std::uint32_t a = t[s[0]], b = t[s[1]], c = t[s[2]], e = t[s[3]];
        if ((a | b | c | e) >= 64) { // an invalid character, or '=' too early
            out.clear();
            return error::invalid_base64;
        }
        const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | e;
        d[0] = static_cast<std::uint8_t>(v >> 16);
        d[1] = static_cast<std::uint8_t>(v >> 8);
        d[2] = static_cast<std::uint8_t>(v);
    }
    if (pad) {
        const std::uint32_t a = t[s[0]], b = t[s[1]];
        const std::uint32_t c = pad == 2 ? 0 : t[s[2]];
        if ((a | b | c) >= 64 || (pad == 2 ? (b & 15) : (c & 3)) != 0) { // bad char or non-zero bits
            out.clear();
            return error::invalid_base64;
        }
        d[0] = static_cast<std::uint8_t>((a << 2) | (b >> 4));
        if (pad == 1)
            d[1] = static_cast<std::uint8_t>((b << 4) | (c >> 2));
    }
    return {};
}

} // namespace bedrock::json

#endif
