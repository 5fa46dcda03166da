#ifndef BEDROCK_DETAIL_PERCENT_DECODE_HPP
#define BEDROCK_DETAIL_PERCENT_DECODE_HPP

#include <string>
#include <string_view>

namespace bedrock::detail {

/// Decodes %XX escapes (a '+' stays a '+': these are URI components, not form data). Returns false,
/// leaving `out` partly written, on a '%' not followed by two hex digits.
inline bool percent_decode(std::string_view in, std::string& out)
{
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    out.reserve(out.size() + in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (in.size() - i < 3)
            return false;
        const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

} // namespace bedrock::detail

#endif
