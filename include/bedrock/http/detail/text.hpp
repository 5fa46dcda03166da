#ifndef BEDROCK_HTTP_DETAIL_TEXT_HPP
#define BEDROCK_HTTP_DETAIL_TEXT_HPP

// Small ASCII helpers shared by the URL, proxy and header code.

#include <cctype>
#include <string_view>

namespace bedrock::http::detail {

inline char ascii_lower(char c) noexcept
{
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

/// `s` starts with `prefix`, ignoring case; `prefix` must be lower case.
inline bool iequals_prefix(std::string_view s, std::string_view prefix) noexcept
{
    if (s.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (ascii_lower(s[i]) != prefix[i])
            return false;
    return true;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

inline std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace bedrock::http::detail

#endif
