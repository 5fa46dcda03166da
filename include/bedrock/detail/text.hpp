#ifndef BEDROCK_DETAIL_TEXT_HPP
#define BEDROCK_DETAIL_TEXT_HPP

// The small ASCII text helpers every layer needs (header names, URL parts, configuration values):
// one home, so that no folder keeps its own copy. ASCII only, independent of the C locale.

#include <cstddef>
#include <string>
#include <string_view>

namespace bedrock::detail {

/// 'A'..'Z' to 'a'..'z'; every other byte as it is.
constexpr char ascii_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Equal, ignoring ASCII case.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/// `s` starts with `prefix`, ignoring ASCII case.
constexpr bool iequals_prefix(std::string_view s, std::string_view prefix) noexcept
{
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

/// `s` without the leading and trailing characters of `space` (by default HTTP's optional white
/// space: spaces and tabs).
constexpr std::string_view trim(std::string_view s, std::string_view space = " \t") noexcept
{
    const auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(space) - first + 1);
}

/// JSON's white space (RFC 8259): space, tab, line feed, carriage return.
constexpr bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Nothing but JSON white space (or nothing at all): a body or payload that says nothing, which
/// readers take as `{}`. A loop, not find_first_not_of, which calls memchr for every byte it looks at
/// (a few % of an event's parse).
constexpr bool is_json_blank(std::string_view s) noexcept
{
    for (const char c : s)
        if (!is_json_space(c))
            return false;
    return true;
}

/// The value of a hexadecimal digit (either case), or -1.
constexpr int hex_digit_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// Decodes %XX escapes, appending to `out` (a '+' stays a '+': these are URI components, not form
/// data). Returns false, leaving `out` partly written, on a '%' not followed by two hex digits.
inline bool percent_decode(std::string_view in, std::string& out)
{
    out.reserve(out.size() + in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (in.size() - i < 3)
            return false;
        const int hi = hex_digit_value(in[i + 1]), lo = hex_digit_value(in[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

/// The same, for text that is read as it comes (a server's request line): a malformed escape stays
/// as it is instead of failing.
inline std::string percent_decode_lenient(std::string_view in)
{
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const int hi = in[i] == '%' && i + 2 < in.size() ? hex_digit_value(in[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_digit_value(in[i + 2]) : -1;
        if (lo >= 0) {
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

} // namespace bedrock::detail

#endif
